"""Human-form batterystats parser on the real dumps (figures counted with grep on the files).

Eight standalone `dumpsys batterystats` files plus the `DUMP OF SERVICE batterystats:`
section (`-a`, 8-hex state word) of the four bug reports. History counts are record lines
(`grep -cE '^ +(0|[+-][0-9dhms]+ms) \\([0-9]+\\) '` on the history block); event counts are
`grep -o ' +job='` etc.; per-uid values are read from the `Statistics since last charge` lines.
"""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import BUGREPORTS, corpus_path
from wakescope import parsers

SECTION = "batterystats"
FILES = {
    "xiaomi_15": "batterystats/xiaomi-miro-android15.txt",
    "sailfish_8_1_txt": "batterystats/pixel-sailfish-android8.1.txt",
    "samsung_9": "batterystats/samsung-android9.txt",
    "motorola_6": "batterystats/motorola-android6.txt",
    "android_5": "batterystats/unknown-android5.txt",
    "emulator_large": "batterystats/emulator-large.txt",
    "partial_old": "batterystats/partial-old-crcrlf.txt",
    "misnamed_zip": "batterystats/misnamed-text-batterystats.zip",
    **BUGREPORTS,
}
HISTORY_FILES = [k for k in FILES if k not in ("partial_old", "misnamed_zip")]

_CACHE: dict[str, tuple] = {}


def parsed(key: str):
    """(tables, capture) of one file's human batterystats section, parsed once per session."""
    if key not in _CACHE:
        cap = parsers.open_capture(corpus_path(FILES[key]))
        section = cap.section(SECTION)
        assert section is not None
        _CACHE[key] = (parsers.parse_section(cap, SECTION, section), cap)
    return _CACHE[key]


def table(key: str, name: str) -> pl.DataFrame:
    return parsed(key)[0][name]


def history(key: str) -> pl.DataFrame:
    return table(key, "batterystats_history")


def events(key: str, name: str, transition: str) -> int:
    h = history(key)
    return h.filter((pl.col("kind") == "event") & (pl.col("name") == name)
                    & (pl.col("transition") == transition)).height


def one(frame: pl.DataFrame, **eq) -> dict:
    rows = frame.filter(pl.all_horizontal(pl.col(k) == v for k, v in eq.items()))
    assert rows.height == 1, rows
    return rows.row(0, named=True)


@pytest.mark.parametrize("key", list(FILES))
def test_parses_with_no_unknown_lines(key):
    tables, cap = parsed(key)
    d = cap.diagnostics
    assert d.lines_seen[SECTION] == cap.section(SECTION).line_count
    # All shapes in the corpus are recognised: 0 unknown lines (target: < 1%).
    assert d.unknown_total(SECTION) == 0
    assert not [x for x in d.items if x.level == "error"]
    assert tables["batterystats_summary"].height == 1


@pytest.mark.parametrize(("key", "records", "job_start", "job_stop", "first", "last"), [
    ("xiaomi_15", 12191, 730, 725, 100, 43),       # 1,455 job events (formats §7.4)
    ("samsung_9", 6969, 414, 415, 100, 86),        # + 1 `job=` without sign: 830
    ("motorola_6", 8973, 20, 20, 100, 85),
    ("emulator_large", 62329, 263, 263, 100, 24),
    ("sailfish_8_1_txt", 1882, 238, 238, 100, 100),
    ("android_5", 31, 0, 0, 86, 86),
    ("meizu_7_1", 5655, 7, 7, 100, 100),
    ("sailfish_8_1", 1882, 238, 238, 100, 100),
    ("sailfish_10", 327, 16, 16, 100, 100),
    ("emulator_9", 851, 39, 39, 100, 100),
])
def test_history_records_jobs_and_levels(key, records, job_start, job_stop, first, last):
    h = history(key)
    # Records with nothing new (step-detail carriers like `+1h02m10s975ms (2) 099`) give no
    # rows, so count records from the parser's own report and the last seq.
    _, cap = parsed(key)
    assert f"history: {records} records (legacy format), 0 of " in " ".join(
        d.message for d in cap.diagnostics.items if d.section == SECTION)
    assert h["seq"].max() == records - 1
    assert h["seq"].is_sorted()
    assert events(key, "job", "start") == job_start
    assert events(key, "job", "stop") == job_stop
    summary = table(key, "batterystats_summary").row(0, named=True)
    assert (summary["start_level"], summary["end_level"]) == (first, last)
    assert summary["history_events"] == h.height
    levels = h.filter(pl.col("name") == "level")["value"].cast(pl.Int32)
    assert (levels[0], levels[-1]) == (first, last)


def test_samsung_job_events_and_oem_battery_fields():
    assert events("samsung_9", "job", "instant") == 1   # 414 + 415 + 1 = 830
    h = history("samsung_9")
    # OEM fields between volt= and charge= (615 lines carry ap_temp=).
    assert h.filter((pl.col("kind") == "battery") & (pl.col("name") == "ap_temp")).height == 615
    assert set(h.filter(pl.col("kind") == "battery")["name"].unique()) >= {
        "current", "ap_temp", "pst_temp", "bat_temp", "chg_temp", "pa_temp", "misc_event",
        "online", "current_event", "charge", "volt", "temp", "status", "level"}


def test_xiaomi_est_capacity_events_carry_uid_and_component():
    h = history("xiaomi_15").filter(pl.col("name") == "est_capacity")
    assert h.height == 463
    assert h.group_by("transition").len().sort("transition").rows() == [
        ("start", 231), ("stop", 232)]
    assert set(h["tag"].unique()) == {"audio", "video", "gnss", "camera"}
    first = h.row(0, named=True)
    assert (first["uid"], first["tag"], first["transition"]) == (10385, "video", "start")


def test_meizu_state_word_and_oem_fields():
    h = history("meizu_7_1")
    names = set(h.filter(pl.col("kind") == "battery")["name"].unique())
    assert {"cputemp", "boardtemp"} <= names
    # The `-a` state word is not a token: no row carries it.
    assert h.filter(pl.col("value") == "80080028").height == 0


def test_motorola_plain_device_idle_bit():
    rows = history("motorola_6").filter(pl.col("name") == "device_idle")
    assert rows.select("kind", "transition").rows() == [("state", "start"), ("state", "stop")]


def test_emulator_wrapped_proc_stat_lines_are_continuations():
    # 15 column-0 `, SubsystemPowerState …` lines after `/proc/stat=`; none is unknown and
    # none starts a record.
    _, cap = parsed("emulator_large")
    lines = cap.section_lines(cap.section(SECTION))
    assert sum(line.startswith(", SubsystemPowerState") for line in lines) == 15
    assert cap.diagnostics.unknown_total(SECTION) == 0
    assert history("emulator_large").filter(
        (pl.col("kind") == "marker") & (pl.col("name") == "time")).height == 33


def test_sailfish_10_time_steps_back_after_time_record():
    h = history("sailfish_10")
    # `+8m10s300ms (14) TIME: 2020-01-08-17-26-38` then `+19s501ms (3) 100 00200040 -running`.
    t = one(h, kind="marker", name="time", value="2020-01-08-17-26-38")
    nxt = h.filter(pl.col("seq") == t["seq"] + 1).row(0, named=True)
    assert (t["offset_ms"], nxt["offset_ms"]) == (490_300, 19_501)
    assert (nxt["name"], nxt["transition"]) == ("running", "stop")
    # Local time = last TIME record's wall clock (whole seconds) + the offset since it:
    # 17:26:38 - 470.799 s, i.e. within a second of RESET:TIME 17:18:28 + 19.501 s.
    assert str(nxt["local_time"]) == "2020-01-08 17:18:47.201000"
    # The capture clock (UTC+1) gives UTC time and elapsed realtime.
    assert str(nxt["time"]) == "2020-01-08 16:18:47.201000+00:00"
    assert nxt["elapsed_ms"] is not None


def test_sdk_screen_wakelock_without_uid():
    # `+wake_lock=-1:"screen"`: -1 is "no uid".
    row = history("emulator_9").filter(pl.col("kind") == "wakelock").row(0, named=True)
    assert (row["tag"], row["uid"], row["transition"]) == ("screen", None, "start")


@pytest.mark.parametrize(("key", "uid", "package", "tag", "total_ms", "count"), [
    ("xiaomi_15", 10130, "com.google.android.gms", "NetworkLocationLocator", 63689, 3),
    ("samsung_9", 10225, "com.spotify.music", "lnn", 898541, 0),
    ("motorola_6", 10127, "com.bt.bms", "com.bt.bms:focusLock", 483398, 18),
    ("emulator_large", 10012, "com.google.android.gms", "GCoreFlp", 176091, 12897),
    ("sailfish_8_1_txt", 10132, "com.zhihu.android",
     "*job*/com.zhihu.android/.app.jobservice.AdTracksPushService", 275040, 1),
    ("sailfish_8_1", 10132, "com.zhihu.android",
     "*job*/com.zhihu.android/.app.jobservice.AdTracksPushService", 275040, 1),
    ("android_5", 10140, "com.facebook.katana", "*alarm*", 10, 1),
    ("sailfish_10", 10106, "com.accuweather.android",
     "*job*/com.accuweather.android/com.evernote.android.job.JobRescheduleService", 2938, 1),
])
def test_top_partial_wakelock_of_app(key, uid, package, tag, total_ms, count):
    wl = table(key, "batterystats_wakelocks").filter(
        (pl.col("package") == package) & (pl.col("uid") == uid) & (pl.col("kind") == "partial"))
    top = wl.sort("total_ms", descending=True).row(0, named=True)
    assert (top["tag"], top["total_ms"], top["count"]) == (tag, total_ms, count)


def test_wakelock_segment_details():
    w = table("xiaomi_15", "batterystats_wakelocks")
    r = one(w, uid=10130, tag="NetworkLocationLocator", kind="partial")
    assert (r["max_ms"], r["actual_ms"], r["current_ms"]) == (60972, 77144, None)
    # `(running for 29809ms)` (Samsung 9).
    r = one(table("samsung_9", "batterystats_wakelocks"), uid=10225, tag="lnn", kind="partial")
    assert (r["max_ms"], r["actual_ms"], r["current_ms"]) == (1779334, 1809143, 29809)
    # Negative units `-7h -39m -29s -531ms background partial` (Samsung 9, user 150).
    r = one(table("samsung_9", "batterystats_wakelocks"), uid=15010026, tag="NlpWakeLock",
            kind="background_partial")
    assert (r["total_ms"], r["count"]) == (-27_569_531, 180)
    # `Wake lock wireless_charge: -47ms full (1 times) actual=-1 realtime` (Xiaomi 15).
    r = one(w, tag="wireless_charge", kind="full")
    assert (r["total_ms"], r["count"], r["actual_ms"]) == (-47, 1, -1)


def test_wakelock_lines_without_segments_give_no_rows():
    tables, _ = parsed("partial_old")
    # 7 `Wake lock X realtime` lines under uid 1000 and more: all recognised, no rows.
    assert tables["batterystats_wakelocks"].height == 0


@pytest.mark.parametrize(("key", "uid", "tag", "count"), [
    ("xiaomi_15", 1000, "*walarm*:MiuiGxzwTransparentTimer", 13),
    ("samsung_9", 1000, "*walarm*:com.sec.epdg.RETRY_TIMER_EXPIREDIMS", 4),
    ("emulator_large", 1000, "*walarm*:ScheduleConditionProvider.EVALUATE", 2),
    ("sailfish_8_1_txt", 10090, "*walarm*:*job.delay*", 5),
    ("sailfish_10", 1000, "*walarm*:JS idleness", 1),
])
def test_wakeup_alarm_count(key, uid, tag, count):
    assert one(table(key, "batterystats_wakeup_alarms"), uid=uid, tag=tag)["count"] == count


def test_android_5_wakeup_alarms_without_tag():
    # `      2 wakeup alarms` under `Apk com.facebook.katana:` (pre-7, no per-tag counts).
    a = table("android_5", "batterystats_wakeup_alarms")
    assert a.height == 4
    assert one(a, uid=10140)["count"] == 2
    assert a["tag"].null_count() == 4


@pytest.mark.parametrize(("key", "uid", "job", "reason", "code", "count"), [
    ("xiaomi_15", 1000, "android/com.android.server.am.MemoryControlJobService",
     "unknown", -1, 25),
    ("xiaomi_15", 1000, "android/com.android.server.notification.NotificationHistoryJobService",
     "successful_finish", 10, 25),
    ("emulator_large", 1000, "android/com.android.server.backup.KeyValueBackupJob",
     "canceled", 0, 2),
    ("sailfish_8_1", 1000, "android/com.android.server.content.SyncJobService",
     "canceled", 0, 2),
])
def test_job_completion_count(key, uid, job, reason, code, count):
    r = one(table(key, "batterystats_job_completions"), uid=uid, job=job, reason=reason)
    assert (r["reason_code"], r["count"]) == (code, count)


def test_jobs_not_used_and_background():
    jobs = table("motorola_6", "batterystats_jobs")
    r = jobs.filter(pl.col("job").str.contains("CheckPreconditionsAndAutoUpdateJobService"))
    assert r.select("total_ms", "count").rows()[0] == (0, 0)   # `(not used)`
    # `… 6s 353ms realtime (1 times), 6s 353ms background (1 times)` (emulator-large).
    r = table("emulator_large", "batterystats_jobs").filter(
        pl.col("job").str.contains("GoogleMailWidgetAndShortcutSwitchJob")).row(0, named=True)
    assert (r["total_ms"], r["count"], r["background_ms"], r["background_count"]) == (
        6353, 1, 6353, 1)
    assert table("samsung_9", "batterystats_jobs").height == 90   # `grep -c '^    Job '`


def test_jobs_deferred_on_launch():
    d = table("xiaomi_15", "batterystats_job_deferrals")
    assert d.height == 10
    r = one(d, uid=10144)
    assert (r["deferred_events"], r["deferred_count"], r["total_latency_ms"], r["under_1h"],
            r["over_8h"]) == (3, 0, 189533091, 0, 3)


def test_syncs_redacted_by_default():
    s = table("motorola_6", "batterystats_syncs")
    r = one(s, uid=10075, count=28)
    assert (r["sync"], r["authority"], r["total_ms"]) == (
        "gmail-ls/com.google/<account>", "gmail-ls", 92535)
    assert not s["sync"].str.contains("@").any()


def test_summary_since_last_charge_not_mixed_with_since_unplugged():
    # unknown-android5 prints `Time on battery: 2m 36s 878ms` since charge and
    # `2m 36s 948ms` since unplugged; partial-old: `Total run time: 28m 29s 293ms` vs `294ms`.
    s = table("android_5", "batterystats_summary").row(0, named=True)
    assert (s["battery_realtime_ms"], s["screen_on_ms"]) == (156_878, 67_099)
    assert table("android_5", "batterystats_wakelocks").height == 13
    s = table("partial_old", "batterystats_summary").row(0, named=True)
    assert s["total_realtime_ms"] == 1_709_293
    assert str(s["start_local"]) == "2024-12-22 01:03:54"


def test_summary_values_xiaomi():
    s = table("xiaomi_15", "batterystats_summary").row(0, named=True)
    assert s["battery_realtime_ms"] == 28_285_785        # 7h 51m 25s 785ms
    assert s["screen_off_realtime_ms"] == 1_882_945
    assert s["screen_doze_ms"] == 80_657
    assert (s["screen_on_ms"], s["interactive_ms"]) == (26_402_840, 26_394_103)
    assert (s["full_wakelock_ms"], s["partial_wakelock_ms"]) == (24_230_955, 546_386)
    assert s["light_idle_ms"] == 723_098                 # Idle mode light time: 12m 3s 98ms
    assert s["mobile_radio_active_ms"] == 5_045_315      # Cellular kernel active time
    assert (s["discharge_mah"], s["discharge_screen_off_mah"]) == (6340.0, 114.0)
    assert (s["discharge_pct"], s["discharge_screen_on_pct"]) == (115, 114)
    assert s["estimated_capacity_mah"] == 5559.0
    assert str(s["start_local"]) == "2026-01-31 13:30:02"  # RESET:TIME


def test_summary_deep_idle_and_utc_start():
    s = table("sailfish_8_1", "batterystats_summary").row(0, named=True)
    assert (s["deep_idle_ms"], s["light_idle_ms"]) == (30_139_098, 3_337_830)
    # Start clock time 2018-04-01-23-54-40 at UTC-7 (capture clock).
    assert str(s["start_time"]) == "2018-04-02 06:54:40+00:00"


def test_power_use_both_forms():
    p = table("xiaomi_15", "batterystats_power_use")   # 12+ `Global` / `UID …`
    assert one(p, uid=10385, component="total")["mah"] == 2027.0
    assert one(p, uid=10385, component="screen")["mah"] == 706.0
    assert p.filter((pl.col("uid") == 10385) & pl.col("component").str.contains(":")).height == 0
    assert one(p, category="global", component="screen")["mah"] == 1189.0
    assert one(p, category="global", component="max_drained")["mah"] == 6510.0
    p = table("sailfish_8_1_txt", "batterystats_power_use")   # ≤ 11 `Uid …` sippers
    r = one(p, uid=10156, component="total")
    assert (r["mah"], r["proportional_mah"], r["hidden"]) == (7.38, 83.4, False)
    r = one(p, uid=1000, component="total")
    assert (r["mah"], r["hidden"]) == (3.76, True)
    assert one(p, uid=1000, component="wifi")["mah"] == 0.133
    assert one(p, category="device", component="cell")["mah"] == 809.0


def test_processes_and_foreground_services():
    pr = table("xiaomi_15", "batterystats_processes")
    assert pr.height == 1163                             # `grep -c '^    Proc '`
    r = one(pr, uid=1000, process="com.xiaomi.aiasst.service")
    assert (r["user_ms"], r["system_ms"], r["starts"]) == (110, 150, 4)
    assert table("xiaomi_15", "batterystats_foreground_services").height == 31


def test_kernel_wakelocks_and_wakeup_reasons():
    k = table("xiaomi_15", "batterystats_kernel_wakelocks")
    assert one(k, name="PowerManagerService.WakeLocks")["total_ms"] == 572_459
    assert one(k, name="c42d000.qcom,spmi:qcom,pmk8550@0:rtc@6100")["count"] == 12
    r = one(table("xiaomi_15", "batterystats_wakeup_reasons"),
            reason="Abort: Pending Wakeup Sources: IPA_CLIENT_APPS_LAN_CONS")
    assert (r["total_ms"], r["count"]) == (39_112, 71)
    # Padded names (`Kernel Wake lock pn544       : …`, Android 5) are stripped.
    assert one(table("android_5", "batterystats_kernel_wakelocks"), name="pn544")["count"] == 1


def test_packages_prefer_own_package_over_system_stand_ins():
    # Samsung u0a113 lists `Apk com.facebook.katana`, `Apk com.android.chrome` (WebView
    # sandbox) and `Apk android` (*job.delay* alarms): the uid is Facebook's.
    pk = table("samsung_9", "packages")
    rows = pk.filter(pl.col("uid") == 10113)["package"].to_list()
    assert rows[0] == "com.facebook.katana" and "android" not in rows
    assert one(table("samsung_9", "batterystats_wakeup_alarms"), uid=10113,
               tag="*walarm*:*job.delay*")["package"] == "com.facebook.katana"
    assert pk.filter(pl.col("uid") == 1000)["package"][0] == "android"


def test_uid_of_other_users():
    # Xiaomi dual apps run as user 999 (`u999a130`), Samsung secure folder as user 150.
    w = table("xiaomi_15", "batterystats_wakelocks").filter(pl.col("uid") == 99_910_130)
    assert set(w["user_id"]) == {999} and set(w["package"]) == {"com.google.android.gms"}


@pytest.mark.parametrize("key", list(FILES))
def test_load_runs_every_parser(key):
    cap = parsers.load(corpus_path(FILES[key]))
    assert not [d for d in cap.diagnostics.items if d.level == "error"]
    assert cap.table("batterystats_summary").height >= 1
