"""Device time: the elapsed axis mapped segment by segment, clock jumps as markers, and the
zone from persist.sys.timezone with real rules (hand-written captures, formats.md §1.2, §4.5)."""

from __future__ import annotations

import polars as pl

from tests.conftest import ROOT, corpus_path
from wakescope import parsers
from wakescope.analyzer.analysis import analyse
from wakescope.analyzer.device_time import Zone, device_zone, local_expr
from wakescope.analyzer.passes.history_intervals import clock_of
from wakescope.analyzer.report import intervals

DATA = ROOT / "tests" / "data" / "history"


def timeline(name: str):
    a = analyse(parsers.load(DATA / name))
    return a, intervals.build(a)


def test_clock_jumps_draw_an_axis_as_long_as_the_elapsed_time():
    a, tl = timeline("clock-jumps-checkin.txt")
    # RESET:TIME:5000 (a board without an RTC: 1970), TIME:1714550400000 at 603000 ms, then
    # TIME:1714546800000 at 4205100 ms; the last record at 8000000 ms.
    assert tl.end - tl.start == 8_000_000
    assert tl.clock_changes == 2
    texts = [tl.texts[t] for *_, t in tl.segments["clock"]]
    assert texts == [
        "device clock set +19844d 7h: 1970-01-01 00:10:08 → 2024-05-01 08:00:00 (device clock)",
        "device clock set −2h: 2024-05-01 09:00:02 → 2024-05-01 07:00:00 (device clock)",
    ]
    # Records before the jumps sit at the time the last clock record implies.
    iv = a.tables["history_intervals"].filter(pl.col("kind") == "cpu_running")
    assert [str(t) for t in iv["start"]] == [
        "2024-05-01 05:59:54.900000+00:00", "2024-05-01 06:59:57.900000+00:00",
        "2024-05-01 08:00:00+00:00"]
    assert tl.axis_title == "UTC (device time zone unknown)"


def test_persist_sys_timezone_wins_over_a_missing_alarm_dump():
    cap = parsers.load(DATA / "bugreport-no-alarm-shanghai.txt")
    assert cap.section("alarm") is None and cap.clock is None
    # `[persist.sys.timezone]: [Asia/Shanghai]`, header `== dumpstate: 2024-05-01 16:10:01`.
    assert cap.meta.utc_offset_min == 480
    assert cap.meta.sources["utc_offset_min"] == "persist.sys.timezone"
    assert cap.meta.capture_utc == "2024-05-01T08:10:01Z"
    assert device_zone(cap.meta).name == "Asia/Shanghai"
    tl = intervals.build(analyse(cap))
    # RESET:TIME:1714550400000 is 08:00 UTC: drawn at 16:00 device time, not at 08:00.
    assert tl.axis == "local" and tl.start == 1714550400000 + 8 * 3_600_000
    assert tl.axis_title == "device local time, Asia/Shanghai (UTC+08:00)"


def test_a_dst_crossing_converts_both_halves():
    a, tl = timeline("bugreport-dst-stockholm.txt")
    iv = a.tables["history_intervals"].filter(pl.col("kind") == "cpu_running")
    # RESET:TIME:1711843200000 (2024-03-31 00:00 UTC); wakeups at +1800000 and +5401000 ms.
    local = iv.select(local_expr(pl.col("start"), device_zone(a.capture.meta)))
    assert [str(t) for t in local.to_series()] == ["2024-03-31 01:30:00",
                                                    "2024-03-31 03:30:01"]
    z = Zone(name="Europe/Stockholm")
    starts = [int(t.timestamp() * 1000) for t in iv["start"]]
    assert [z.local_text(ms) for ms in starts] == ["2024-03-31 01:30:00 CET",
                                                   "2024-03-31 03:30:01 CEST"]
    # The axis ends in CEST; before 01:00 UTC (3600000 ms in) hover times take an hour off.
    assert tl.shifts == [(0, -3_600_000, "CET"), (3_600_000, 0, "CEST")]
    assert [tl.texts[t] for *_, t in tl.segments["clock"]] == [
        "Europe/Stockholm: CET → CEST (UTC+01:00 → UTC+02:00)"]
    assert tl.axis_title == "device local time, Europe/Stockholm (UTC+02:00)"


def test_zone_fallbacks():
    class Meta:
        timezone = "Not/AZone"
        utc_offset_min = 330

    z = device_zone(Meta())
    assert (z.name, z.offset_min, z.source) == (None, 330, "nowRTC")
    assert z.label() == "UTC+05:30 (fixed offset, nowRTC)"
    Meta.utc_offset_min = None
    assert device_zone(Meta()).label() == "UTC"


def test_the_screen_is_off_from_a_shutdown_to_the_next_screen_record():
    """The clock's screen state ends at a boundary record, as the screen interval does, so
    the wakeup rates' screen-off time has one definition (the clock's running total).

    Xiaomi 15 (Android 15), the second reboot, on battery since `-plugged` at +4h29m25s534ms:
        +4h25m51s310ms (3) 049 +screen screenwake=1000:"android.policy:KEY"
        +5h11m56s719ms (12) SHUTDOWN
        +5h11m56s763ms (12) START
        +5h12m00s369ms (4) 042 status=discharging … +running stats=0:"battery-state"
        +5h12m00s595ms (4) 042 +wake_lock=-1:"screen" +screen stats=0:"wakelock-change"
    From the SHUTDOWN to that +screen: 18,720,595 − 18,716,719 = 3,876 ms screen off on
    battery (the screen carried across the reboot before, counting them screen-on)."""
    cap = parsers.load(corpus_path("batterystats/xiaomi-miro-android15.txt"))
    a = analyse(cap)
    hc = a.history_clock
    # The running totals per row: the clock as built (the analysis keeps it without them).
    assert "screen_off_ms" not in hc.frame.columns
    f = clock_of(a.tables["batterystats_history"], cap.meta, cap.clock).frame
    shutdown = f.filter(pl.col("offset_ms") == 18_716_719).row(0, named=True)
    screen_on = f.filter(pl.col("offset_ms") == 18_720_595).row(0, named=True)
    assert screen_on["screen_off_ms"] - shutdown["screen_off_ms"] == 3_876
    assert screen_on["on_battery_ms"] - shutdown["on_battery_ms"] == 3_876
    # The total is what the screen intervals leave of the on-battery time.
    iv = a.tables["history_intervals"]
    on_battery = int(f["on_battery_ms"][-1])
    screen = int(iv.filter(pl.col("kind") == "screen")["on_battery_ms"].sum())
    assert hc.screen_off_battery_ms == on_battery - screen == 1_893_679
