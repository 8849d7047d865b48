"""Human-form batterystats shapes the corpus lacks or holds only once, written by hand from
formats.md §4.2–4.3 and the AOSP printers (HistoryPrinter format v2, `ext=` history
extensions, BatteryUsageStats `UID …` power lines)."""
# The sample dumps keep Android's long lines and trailing spaces (formatTimeMs, 12+ power).
# ruff: noqa: E501, W291

from __future__ import annotations

from datetime import datetime

import polars as pl

from wakescope.parsers.batterystats import human
from wakescope.parsers.clock import Clock
from wakescope.parsers.section_input import SectionInput


def run(text: str, *, clock: Clock | None = None, redact: bool = True):
    inp = SectionInput.from_text("batterystats", text.strip("\n"), clock=clock, redact=redact)
    return human.parse(inp), inp.diagnostics


def rows(frame: pl.DataFrame, *cols: str) -> list[tuple]:
    return frame.select(cols).rows()


HISTORY_V2 = """\
Battery History (2% used, 100KB used of 4096KB, 12 strings using 1KB):
  01-31 13:30:02.123 RESET:TIME: 2026-01-31-13-30-02-123
  01-31 13:30:02.123 100 status=discharging health=good plug=none temp=250 volt=4300 charge=4000 +running +wake_lock=u0a12:"*job*u/com.example/.SyncJob"
  01-31 13:30:05.500 100 +job=u0a12:"com.example/.SyncJob" nr_state=connected
                 Stats: cpu=120u+30s
  01-31 13:31:05.500 099 -job=u0a12:"com.example/.SyncJob" -wake_lock +state=u0a12:"sensor:0x1010005"

Statistics since last charge:
  System starts: 0, currently on battery: true
"""


def test_android_16_history_wall_clock_prefix():
    tables, diags = run(HISTORY_V2, clock=Clock(0, 1_769_862_000_000, "test", 60))
    h = tables["batterystats_history"]
    assert diags.unknown_total() == 0
    assert h["seq"].max() == 3
    assert rows(h.filter(pl.col("kind") == "marker"), "name", "value") == [
        ("reset", "2026-01-31-13-30-02-123")]
    job = h.filter(pl.col("name") == "job")
    assert rows(job, "transition", "uid", "tag", "offset_ms", "battery_level") == [
        ("start", 10012, "com.example/.SyncJob", 3377, 100),
        ("stop", 10012, "com.example/.SyncJob", 63377, 99)]
    assert [str(t) for t in job["local_time"]] == [
        "2026-01-31 13:30:05.500000", "2026-01-31 13:31:05.500000"]
    # UTC from the capture's offset (+60 min).
    assert str(job["time"][0]) == "2026-01-31 12:30:05.500000+00:00"
    assert rows(h.filter(pl.col("name") == "nr_state"), "kind", "value") == [
        ("value", "connected")]
    # 16 reuses event 21 as `state`; `*job*u/` wakelock tags (expedited/user-initiated).
    assert rows(h.filter(pl.col("name") == "state"), "kind", "transition", "uid", "tag") == [
        ("event", "start", 10012, "sensor:0x1010005")]
    assert rows(h.filter(pl.col("kind") == "wakelock"), "transition", "tag") == [
        ("start", "*job*u/com.example/.SyncJob"), ("stop", None)]
    assert rows(h.filter(pl.col("name") == "level"), "value") == [("100",), ("99",)]
    summary = tables["batterystats_summary"].row(0, named=True)
    assert (summary["start_level"], summary["end_level"]) == (100, 99)
    assert summary["start_local"] == datetime(2026, 1, 31, 13, 30, 2)


def test_android_16_history_year_wrap():
    text = """\
Battery History (1% used, 1KB used of 4096KB, 1 strings using 10):
  12-31 23:59:58.000 RESET:TIME: 2025-12-31-23-59-58
  12-31 23:59:59.000 100 +running
  01-01 00:00:01.250 100 -running
"""
    h = run(text)[0]["batterystats_history"]
    assert [str(t) for t in h["local_time"]] == [
        "2025-12-31 23:59:58", "2025-12-31 23:59:59", "2025-12-31 23:59:59",
        "2026-01-01 00:00:01.250000"]
    assert h["offset_ms"].to_list() == [0, 1000, 1000, 3250]


HISTORY_EXT = """\
Battery History (5% used, 200KB used of 4096KB, 40 strings using 3KB):
                    0 (9) RESET:TIME: 2024-05-01-08-00-12
                    0 (2) 100 60180020 status=discharging health=good plug=none temp=280 volt=4302 charge=4100 +running
          +1s234ms (2) 100 60180020 +job=u0a123:"com.example/.SyncService" ext=energy:DISPLAY/0=1200 CPU_CLUSTER/0=900
                 ext=cpu-bracket:0:0-1000
                 ext=cpu-bracket:1:1000-2000
                 ext=cpu:u0a123: 12, 34
       +1m02s003ms (3) 099 20180020 -running wake_reason=0:"Abort:Pending Wakeup Sources: a b"
"""


def test_history_ext_lines():
    tables, diags = run(HISTORY_EXT)
    h = tables["batterystats_history"]
    assert diags.unknown_total() == 0
    ext = h.filter(pl.col("kind").is_in(["energy", "cpu"]))
    assert rows(ext, "seq", "kind", "name", "value", "tag", "uid") == [
        (2, "energy", "DISPLAY/0", "1200", None, None),
        (2, "energy", "CPU_CLUSTER/0", "900", None, None),
        (2, "cpu", "bracket", "0", "0-1000", None),
        (2, "cpu", "bracket", "1", "1000-2000", None),
        (2, "cpu", "cpu", "12,34", None, 10123),
    ]
    job = h.filter(pl.col("name") == "job").row(0, named=True)
    assert (job["offset_ms"], job["uid"], job["tag"]) == (1234, 10123, "com.example/.SyncService")
    wr = h.filter(pl.col("kind") == "wake_reason").row(0, named=True)
    assert (wr["offset_ms"], wr["tag"], wr["battery_level"]) == (
        62003, "Abort:Pending Wakeup Sources: a b", 99)


HISTORY_QUIRKS = """\
Battery History (0% used, 9124 used of 4096KB, 47 strings using 4816):
                    0 (14) RESET:TIME: 2020-01-08-17-18-28
                    0 (2) 100 c0b00041 status=discharging health=good plug=none temp=355 volt=4401 current=-6 ap_temp=41 charge=2793 +running +wake_lock top=u0a32:"com.google.android.apps.nexuslauncher"
            +19s068ms (1) 100 80200040 -wake_lock
          +8m10s300ms (14) TIME: 2020-01-08-17-26-38
            +19s501ms (3) 100 00200040 -running
          +8m10s322ms (2) 100 c0200040 +running +wake_lock=1000:"startDream" device_idle=light
       +1h02m10s975ms (2) 099
                 Details: cpu=68820u+84320s
                          /proc/stat=81080 usr, 78370 sys, -122750 io, 8460 irq, 4830 sirq, -138587980 idle, PlatformIdleStat state_1 name=XO_shutdown
, SubsystemPowerState SubsystemPowerState subsystem_1 name=wlan state_1 name=Active time=0
       +1h02m10s982ms (2) 099 c0200040 -wake_lock pkginst=1:"com.example.wordsapp" +est_capacity=10280:"gnss" +sync=u0a12:"com.android.contacts/com.google/someone@example.com"
       +1h02m11s000ms (2) 099 c0200040 SHUTDOWN
       +1h02m11s000ms (12) START
   stray text inside the history
Unknown OEM block:
  something
"""


def test_history_quirks():
    tables, diags = run(HISTORY_QUIRKS)
    h = tables["batterystats_history"]
    # Details, /proc/stat and the wrapped column-0 line are recognised; the stray line is not,
    # nor the record whose body `099 c0200040 SHUTDOWN` is no update, nor the two lines of
    # the unknown column-0 block (it does not end the history: only known headers do).
    assert diags.unknown_total() == 4
    lines = HISTORY_QUIRKS.split("\n")
    stray = next(i for i, x in enumerate(lines) if "stray text" in x) + 1
    assert stray in diags.unknown_first_line.values()
    assert h["seq"].max() == 9
    assert rows(h.filter(pl.col("kind") == "battery").filter(pl.col("seq") == 1),
                "name", "value") == [
        ("level", "100"), ("status", "discharging"), ("health", "good"), ("plug", "none"),
        ("temp", "355"), ("volt", "4401"), ("current", "-6"), ("ap_temp", "41"),
        ("charge", "2793")]
    # `+wake_lock` without a tag, then the -1 offset step after TIME:.
    assert rows(h.filter(pl.col("name") == "running"), "transition", "offset_ms") == [
        ("start", 0), ("stop", 19501), ("start", 490322)]
    assert rows(h.filter(pl.col("name") == "device_idle"), "kind", "value") == [
        ("value", "light")]
    # pkginst's number is a version code, est_capacity's (15) a uid; accounts are redacted.
    ev = h.filter(pl.col("seq") == 7).filter(pl.col("kind") == "event")
    assert rows(ev, "name", "value", "uid", "tag") == [
        ("pkginst", "1", None, "com.example.wordsapp"),
        ("est_capacity", None, 10280, "gnss"),
        ("sync", None, 10012, "com.android.contacts/com.google/<account>"),
    ]
    assert rows(h.filter(pl.col("kind") == "marker"), "name") == [
        ("reset",), ("time",), ("start",)]
    # Anchored at the last TIME record: 17:26:38 + (3,730,982 - 490,300) ms.
    assert str(h.filter(pl.col("name") == "est_capacity")["local_time"][0]) == (
        "2020-01-08 18:20:38.682000")


def test_history_not_redacted_on_request():
    h = run(HISTORY_QUIRKS, redact=False)[0]["batterystats_history"]
    assert h.filter(pl.col("name") == "sync")["tag"][0] == (
        "com.android.contacts/com.google/someone@example.com")


STATS = """\
Statistics since last charge:
  System starts: 2, currently on battery: true
  Estimated battery capacity: 4500 mAh
  Time on battery: 5h 2m 3s 4ms (100.0%) realtime, 1h 0m 0s 1ms (19.8%) uptime
  Time on battery screen off: 4h 0m 0s 0ms (79.4%) realtime, 30m 0s 0ms (9.9%) uptime
  Screen on: 1h 2m 3s 4ms (20,6%) 34x, Interactive: 1h 0m 0s 0ms (19,8%)
  Idle mode full time: 2h 0m 0s 0ms (39.7%) 3x -- longest 1h 0m 0s 0ms
  Device full idling: 2h 10m 0s 0ms (43.0%) 3x
  Total partial wakelock time: 5m 1s 4ms
  Some new OEM line: 12
  Estimated power use (mAh):
    Capacity: 4500, Computed drain: 1234, actual drain: 1000-1100
    Global
      screen: 500 apps: 480 duration: 1h 0m 0s 0ms 
      cpu: 300 apps: 300
      cpu(fg): 200 apps: 200
      CUSTOM_thing: 1.50 apps: 1.50
    UID u0a123: 150 fg: 100 bg: 50.0 ( screen=100 (30m 0s 0ms) cpu=50.0 (10m 0s 0ms) cpu:fg=40.0 ) 
    UID 1000: 80.0 ( cpu=80.0 ) 
    User 10: 5.00 ( cpu=5.00 ) 
  All partial wake locks:
  Wake lock u0a123 *job*/com.example/.SyncService: 5m 0s 2ms (12 times) max=60000 actual=310002 realtime

  u0a123:
    Wake lock *job*/com.example/.SyncService: 5m 0s 2ms partial (12 times) max=60000 actual=310002 realtime
    Wake lock Wakeful StateMachine: GeofencerStateMachine realtime
    Wake lock Wakeful StateMachine: Other: 1s 0ms partial (2 times) max=600 realtime
    Wake lock fullsync: 7ms partial (4 times) max=43 actual=57, -1h -2m -3s -4ms background partial (4 times) max=43 (running for 5ms) realtime
    TOTAL wake: 5m 1s 4ms blamed partial, 5m 10s actual partial realtime
    Sync com.android.contacts/com.google/user@example.com: 3s 1ms realtime (2 times), 3s 1ms background (2 times)
    Sync com.android.calendar/com.google/user@example.com: (not used)
    Job com.example/.SyncService: 4m 59s 0ms realtime (12 times), 1m 0s 0ms background (3 times)
    Job com.example/.Idle: (not used)
    Job Completions com.example/.SyncService: canceled(1x) successful_finish(11x) unknown:-1(25x) frozen(2x)
    Jobs deferred on launch times=2, count=3, totalLatencyMs=7200000, <3600000ms=1 <7200000ms=0 <14400000ms=1 <28800000ms=0 <9223372036854775807ms=0 
    Foreground services: 10m 0s 0ms realtime (1 times)
    Mystery line nobody knows
    Proc com.example:
      CPU: 12s 0ms usr + 3s 0ms krn ; 1m 0s 0ms fg
      3 starts, 1 crashes, 2 anrs
    Apk com.example:
      Wakeup alarm *walarm*:com.example.action.SYNC: 96 times
      Service com.example.SyncService:
        Created for: 1m 0s 0ms uptime
        Starts: 12, launches: 12
Statistics since last unplugged:
  Time on battery: 1m 0s 0ms (100.0%) realtime, 1m 0s 0ms (100.0%) uptime
  u0a123:
    Job com.example/.SyncService: 1s 0ms realtime (1 times)
"""


def test_statistics_block():
    tables, diags = run(STATS)
    # `Some new OEM line: 12` is a device `Label: value` line (recognised); the per-uid
    # `Mystery line nobody knows` is not.
    assert diags.unknown_total() == 1
    s = tables["batterystats_summary"].row(0, named=True)
    assert (s["battery_realtime_ms"], s["battery_uptime_ms"]) == (18_123_004, 3_600_001)
    assert (s["screen_on_ms"], s["interactive_ms"]) == (3_723_004, 3_600_000)
    assert s["deep_idle_ms"] == 7_200_000       # mode time, not the idling timer
    assert s["partial_wakelock_ms"] == 301_004
    assert s["estimated_capacity_mah"] == 4500.0
    wl = tables["batterystats_wakelocks"]
    assert rows(wl, "tag", "kind", "total_ms", "count", "max_ms", "actual_ms", "current_ms") == [
        ("*job*/com.example/.SyncService", "partial", 300_002, 12, 60000, 310002, None),
        ("Wakeful StateMachine: Other", "partial", 1000, 2, 600, None, None),
        ("fullsync", "partial", 7, 4, 43, 57, None),
        ("fullsync", "background_partial", -3_723_004, 4, 43, None, 5),
    ]
    assert set(wl["package"]) == {"com.example"}
    assert rows(tables["batterystats_syncs"], "sync", "authority", "total_ms", "count",
                "background_count") == [
        ("com.android.contacts/com.google/<account>", "com.android.contacts", 3001, 2, 2),
        ("com.android.calendar/com.google/<account>", "com.android.calendar", 0, 0, None)]
    # Only the since-charge `Job` line: the since-unplugged copy is another period.
    assert rows(tables["batterystats_jobs"], "job", "total_ms", "count", "background_ms") == [
        ("com.example/.SyncService", 299_000, 12, 60_000), ("com.example/.Idle", 0, 0, None)]
    assert rows(tables["batterystats_job_completions"], "reason", "reason_code", "count") == [
        ("canceled", 0, 1), ("successful_finish", 10, 11), ("unknown", -1, 25),
        ("frozen", None, 2)]
    d = tables["batterystats_job_deferrals"].row(0, named=True)
    assert (d["deferred_events"], d["deferred_count"], d["total_latency_ms"], d["under_1h"],
            d["h2_4"], d["over_8h"]) == (2, 3, 7_200_000, 1, 1, 0)
    assert rows(tables["batterystats_foreground_services"], "total_ms", "count") == [
        (600_000, 1)]
    assert rows(tables["batterystats_processes"], "process", "user_ms", "system_ms",
                "foreground_ms", "starts", "crashes", "anrs") == [
        ("com.example", 12_000, 3_000, 60_000, 3, 1, 2)]
    assert rows(tables["batterystats_wakeup_alarms"], "uid", "tag", "count", "package") == [
        (10123, "*walarm*:com.example.action.SYNC", 96, "com.example")]
    assert rows(tables["packages"], "uid", "app_id", "user_id", "package") == [
        (10123, 10123, 0, "com.example")]


def test_power_use_12_plus():
    p = run(STATS)[0]["batterystats_power_use"]
    assert rows(p.filter(pl.col("category") == "global"), "component", "mah") == [
        ("capacity", 4500.0), ("computed_drain", 1234.0), ("min_drained", 1000.0),
        ("max_drained", 1100.0), ("screen", 500.0), ("cpu", 300.0), ("CUSTOM_thing", 1.5)]
    assert rows(p.filter(pl.col("category") == "uid"), "uid", "component", "mah") == [
        (10123, "total", 150.0), (10123, "screen", 100.0), (10123, "cpu", 50.0),
        (1000, "total", 80.0), (1000, "cpu", 80.0)]
    assert rows(p.filter(pl.col("category") == "user"), "user_id", "component", "mah") == [
        (10, "total", 5.0), (10, "cpu", 5.0)]


def test_power_use_before_12():
    text = """\
Statistics since last charge:
  Estimated power use (mAh):
    Capacity: 2770, Computed drain: 891, actual drain: 83.1-111
    Cell standby: 809 ( radio=809 ) Excluded from smearing
    Uid u0a156: 7.38 ( cpu=7.38 ) Including smearing: 90.8 ( proportional=83.4 )
    Uid 1000: 3.76 ( cpu=3.60 wake=0.0214 ) Excluded from smearing
    Over-counted: 12.0 ( )
    User 0: 1.00
"""
    p = run(text)[0]["batterystats_power_use"]
    assert rows(p.filter(pl.col("component") != "cpu").filter(pl.col("category") != "global"),
                "uid", "category", "component", "mah", "hidden", "proportional_mah") == [
        (None, "device", "cell", 809.0, True, 0.0),
        (10156, "uid", "total", 7.38, False, 83.4),
        (1000, "uid", "total", 3.76, True, 0.0),
        (1000, "uid", "wake", 0.0214, None, None),
        (None, "device", "overcounted", 12.0, False, 0.0),
        (None, "user", "total", 1.0, False, 0.0),
    ]


def test_partial_dump_without_history():
    text = "Per-PID Stats:\n  PID 0 wake time: +1s741ms\nOdd OEM header\n  x\n" + STATS
    tables, diags = run(text)
    # The odd column-0 line between known blocks is unknown (1), and so is `  x`, which the
    # Per-PID block (running to the next known header) does not print, besides the uid line.
    assert diags.unknown_total() == 3
    assert diags.unknown["batterystats"]["x"] == 1
    assert "batterystats_history" not in tables
    s = tables["batterystats_summary"].row(0, named=True)
    assert s["start_level"] is None and s["battery_realtime_ms"] == 18_123_004


def test_total_on_hostile_input():
    """Parsers are total: overflowing numbers, non-ASCII digits, broken dates and cut lines
    give nulls or unknown lines, never an exception."""
    cases = [
        "",
        "Battery History (0% used, 0 used of 256KB, 0 strings using 0):",
        "Statistics since last charge:",
        "Statistics since last charge:\n  u99999999999999999999a1:\n"
        "    Wake lock x: 1ms partial (99999999999999999999 times) realtime\n"
        "    Apk com.x:\n      Wakeup alarm t: 99999999999999999999999 times",
        "Battery History (x):\n                    0 (9) RESET:TIME: 2024-05-01-08-00-12\n"
        "  +9999999999d23h59m59s999ms (2) 100 +running\n"
        "  +9223372036854775807ms (2) 100 -running\n  -99999999999999999999ms (1) 100 +running",
        "Battery History (x):\n                    0 (9) RESET:TIME: 2024-99-99-99-99-99\n"
        "                    0 (2) ١00 +running\n          +1s000ms (2) 100 +top=u0a١:\"x\"",
        "Battery History (x):\n  13-45 99:99:99.999 100 +running\n"
        "  01-01 00:00:00.000 RESET:TIME: 9999-12-31-23-59-59",
        HISTORY_QUIRKS.replace('"', "")[:700],
        STATS.replace(" times", "")[:1500],
    ]
    clock = Clock(0, 1_700_000_000_000, "test", 60)
    for text in cases:
        tables, _ = run(text, clock=clock)
        for frame in tables.values():
            assert isinstance(frame, pl.DataFrame)
    wl = run(cases[3])[0]["batterystats_wakelocks"].row(0, named=True)
    assert (wl["uid"], wl["count"], wl["total_ms"]) == (None, None, 1)


# The blocks checked by shape (AOSP BatteryStats.dumpLocked: mPidStats, dumpDurationSteps,
# dumpTimeEstimate, dumpDailyLevelStepSummary, dumpDailyPackageChanges), every printed form.
CHECKED_BLOCKS = """\
Per-PID Stats:
  PID 1554 wake time: +7ms
  PID 0 wake time: 0

Discharge step durations:
  #0: +1m53s574ms to 73 (screen-off, power-save-off, device-idle-off)
  #1: 0 to 72 (screen-doze-suspend, power-save-on, device-idle-on)
  #2: +2h1m0s3ms to 71 (screen-?)
  #3: +5s0ms to 70
  #4: +1s1ms
  Estimated discharge time remaining: +1d2h3m4s5ms
  Estimated screen off time: 1d 2h 3m 4s 5ms 
  Estimated screen doze-suspend device idle time: 0ms 

Charge step durations:
  #0: +59s999ms to 80 (screen-on)
  Estimated charge time remaining: +40m0s0ms

Daily stats:
  Current start time: 2018-04-02-01-26-37
  Next min deadline: 2018-04-03-01-00-00
  Next max deadline: 2018-04-03-03-00-00
  Current daily steps:
    Discharge total time: 1d 1h 1m 1s 1ms  (from 12 steps)
  Current daily discharge step durations:
    #0: +4m2s7ms to 95 (screen-on, power-save-off, device-idle-off)
      Discharge total time: 6h 43m 20s 0ms  (from 5 steps)
      Discharge screen on time: 6h 43m 20s 0ms  (from 5 steps)
  Current daily charge step durations:
    #0: +1m0s0ms to 96 (power-save-off)
      Charge screen off power save time: 1h 0m 0s 0ms  (from 1 steps)
    Package changes:
      Update com.example.app vers=1234567890123
      Uninstall com.example.gone
  Daily from 2018-03-31-01-17-01 to 2018-04-01-01-16-57:
    Discharge step durations:
      #0: +13m46s11ms to 80 (screen-off, power-save-off)
        Discharge screen off time: 22h 56m 41s 100ms  (from 1 steps)
    Charge step durations:
      #0: +1m46s525ms to 81 (screen-on, power-save-off, device-idle-off)
        Charge screen doze time: 2h 57m 45s 200ms  (from 1 steps)
    Package changes:
      Update com.android.vending vers=80980000

"""


def test_per_pid_step_and_daily_blocks_are_checked_by_shape():
    tables, diags = run(CHECKED_BLOCKS + STATS)
    base = diags.unknown_total()
    assert tables["batterystats_summary"].height == 1
    lines = (CHECKED_BLOCKS + STATS).strip("\n").split("\n")
    junk = ["@@ wakescope junk @@ 12 34", "Odd column-0 text", "  PID x wake time: +1ms",
            "  #1: +1ms to 5 (screen-sideways)", "    Update com.x vers=", "  " + "x" * 100_000]
    for header in ("Per-PID Stats:", "Discharge step durations:", "Charge step durations:",
                   "Daily stats:", "  Daily from 2018-03-31-01-17-01 to 2018-04-01-01-16-57:"):
        at = lines.index(header) + 1
        for j in junk:
            _, d = run("\n".join([*lines[:at], j, *lines[at:]]))
            assert d.unknown_total() == base + 1, (header, j[:40])
    # STATS holds its own two unknown lines (`Some new OEM line`, and one more): none here.
    _, alone = run(STATS)
    assert base == alone.unknown_total()


def test_absurd_numbers_in_human_text_are_null():
    big = "9" * 5000  # int() raises beyond 4,300 digits
    tables, _ = run(f"Statistics since last charge:\n  Mobile radio active time: {big}ms\n"
                    f"  Time on battery: {big}ms (100.0%) realtime, 1ms (1.0%) uptime\n")
    s = tables["batterystats_summary"].row(0, named=True)
    assert s["mobile_radio_active_ms"] is None and s["battery_realtime_ms"] is None
    assert s["battery_uptime_ms"] == 1


def test_lines_over_64_kib_are_unknown_not_split():
    long_record = "      +1ms (2) 100 c0" + " +r" * 30_000  # 90 KB of history items
    tables, diags = run(HISTORY_V2.replace("\nStatistics", f"\n{long_record}\nStatistics", 1))
    assert diags.unknown_total() == 1
    shape = ("+0ms (0) 0 c0" + " +r" * 16)[:60]  # diagnostics fold digits, keep 60 chars
    assert diags.unknown_first_line[("batterystats", shape)] == 8  # its line number
    assert tables["batterystats_history"].filter(pl.col("name") == "r").height == 0
