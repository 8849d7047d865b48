"""Checkin parser on the six real checkin captures (figures counted with grep on the files)."""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import BUGREPORTS, corpus_path
from wakescope import parsers

SECTION = "batterystats_checkin"
FILES = {
    "pixel7_15": "checkin/pixel7-lynx-android15-checkin.txt",
    "tab_6": "checkin/samsung-tab-android6-checkin.txt",
    **BUGREPORTS,
}

_CACHE: dict[str, tuple] = {}


def parsed(key: str):
    """(tables, capture) for one corpus file's checkin section, parsed once per session."""
    if key not in _CACHE:
        cap = parsers.open_capture(corpus_path(FILES[key]))
        section = cap.section(SECTION)
        assert section is not None
        _CACHE[key] = (parsers.parse_section(cap, SECTION, section), cap)
    return _CACHE[key]


def table(key: str, name: str) -> pl.DataFrame:
    return parsed(key)[0][name]


def events(key: str, name: str, transition: str) -> int:
    h = table(key, "batterystats_history")
    return h.filter((pl.col("name") == name) & (pl.col("transition") == transition)).height


@pytest.mark.parametrize("key", list(FILES))
def test_every_line_recognised(key):
    _, cap = parsed(key)
    seen = cap.diagnostics.lines_seen[SECTION]
    assert seen > 1000
    assert cap.diagnostics.unknown_total(SECTION) == 0
    assert not [d for d in cap.diagnostics.items if d.level == "error"]


@pytest.mark.parametrize(("key", "version", "lines", "wl_lines", "wl_rows"), [
    # wl_lines: `grep -c ',l,wl,'`; wl_rows: non-zero time-or-count groups in those lines.
    ("pixel7_15", 36, 22396, 396, 529),
    ("tab_6", 15, 35597, 181, 164),
    ("meizu_7_1", 19, 6022, 36, 0),
    ("sailfish_8_1", 27, 3642, 263, 198),
    ("emulator_9", 32, 1837, 187, 1),
    ("sailfish_10", 34, 1520, 129, 35),
])
def test_version_and_wakelock_rows(key, version, lines, wl_lines, wl_rows):
    tables, cap = parsed(key)
    assert cap.diagnostics.lines_seen[SECTION] == lines
    assert tables["batterystats_summary"]["checkin_version"].to_list() == [version]
    wl = tables["batterystats_wakelocks"]
    assert wl.height == wl_rows
    assert (wl["total_ms"] + wl["count"] > 0).all()
    assert set(wl["source"].unique()) <= {"checkin"}
    assert wl_lines >= wl.select("uid", "tag").unique().height


@pytest.mark.parametrize(("key", "job_starts", "job_stops", "sync_starts", "wake_reasons",
                          "wakelock_tags", "first_level", "last_level"), [
    # `+Ejb=` / `-Ejb=` / `+Esy=` / `wr=` / `+w=` items, first and last `Bl=`.
    ("pixel7_15", 669, 670, 24, 1608, 1599, 100, 48),
    ("tab_6", 285, 285, 10, 19329, 666, 100, 61),
    ("meizu_7_1", 7, 7, 2, 0, 2737, 100, 100),
    ("sailfish_8_1", 238, 238, 66, 522, 281, 100, 100),
    ("emulator_9", 39, 39, 0, 0, 1, 100, 100),
    ("sailfish_10", 16, 16, 0, 115, 58, 100, 100),
])
def test_history_counts(key, job_starts, job_stops, sync_starts, wake_reasons, wakelock_tags,
                        first_level, last_level):
    assert events(key, "job", "start") == job_starts
    assert events(key, "job", "stop") == job_stops
    assert events(key, "sync", "start") == sync_starts
    assert events(key, "wake_reason", "instant") == wake_reasons
    h = table(key, "batterystats_history")
    tagged = h.filter((pl.col("name") == "wake_lock") & (pl.col("transition") == "start")
                      & pl.col("tag").is_not_null())
    assert tagged.height == wakelock_tags
    summary = table(key, "batterystats_summary").row(0, named=True)
    assert (summary["start_level"], summary["end_level"]) == (first_level, last_level)
    assert summary["history_events"] == h.height


def test_pixel7_history_shape():
    h = table("pixel7_15", "batterystats_history")
    # 19,160 `9,h,` lines: 52 Dcpu + 52 Dpst step details are not records.
    assert h["seq"].max() == 19160 - 104 - 1
    # 499 records have a negative delta; offsets are summed signed, so they step back.
    assert (h["offset_ms"].diff().drop_nulls() < 0).sum() > 0
    markers = h.filter(pl.col("kind") == "marker")
    assert markers["name"].value_counts().sort("name").rows() == [("reset", 1), ("time", 17)]
    first = h.row(0, named=True)
    assert first["name"] == "reset" and first["value"] == "1739210296453"
    assert str(first["time"]) == "2025-02-10 17:58:16.453000+00:00"
    # `Eec` (code 21) is used as a ± state event with a uid and a component (§4.3).
    eec = h.filter(pl.col("name") == "est_capacity")
    assert eec.height == 204
    assert eec.filter(pl.col("tag") == "sensor:0x1010005")["uid"].unique().to_list() == [10243]
    # top app events carry the package both as tag and through the uid map.
    top = h.filter(pl.col("name") == "top")
    assert top.height == 5 and top["tag"].null_count() == 0


def test_sailfish_8_1_history_clock():
    h = table("sailfish_8_1", "batterystats_history")
    reset = h.row(0, named=True)
    assert reset["name"] == "reset"
    assert str(reset["time"]) == "2018-04-02 06:54:40.855000+00:00"
    assert str(reset["local_time"]) == "2018-04-01 23:54:40.855000"  # UTC-7 from nowRTC
    # elapsed = alarm nowELAPSED 271645365 - (nowRTC 1522714029149 - 1522652080855)
    assert reset["elapsed_ms"] == 209697071
    assert h["elapsed_ms"].null_count() == 0
    wr = h.filter(pl.col("kind") == "wake_reason")
    assert (wr["uid"] == 0).all()
    summary = table("sailfish_8_1", "batterystats_summary").row(0, named=True)
    assert str(summary["start_local"]) == "2018-04-01 23:54:40.855000"
    assert str(summary["start_time"]) == "2018-04-02 06:54:40.780000+00:00"
    assert summary["battery_realtime_ms"] == 34517110
    assert summary["estimated_capacity_mah"] == 2517.0
    assert summary["discharge_mah"] == 116.0 and summary["discharge_pct"] == 4
    assert summary["screen_on_ms"] == 41291
    assert summary["deep_idle_ms"] == 30139098 and summary["light_idle_ms"] == 3337830


def test_sailfish_10_reboot_and_user_11():
    h = table("sailfish_10", "batterystats_history")
    markers = h.filter(pl.col("kind") == "marker").select("seq", "name", "value").rows()
    assert markers[2:5] == [(287, "shutdown", None), (288, "start", None),
                            (289, "time", "8039331020")]
    # After the reboot the wall clock read 1970 (unset): no elapsed time for those rows.
    assert h.filter(pl.col("seq") == 289)["elapsed_ms"].to_list() == [None]
    # `9,h,-470799,-r` right after a TIME record (formats.md §4.5).
    assert h.filter(pl.col("offset_ms").diff() == -470799).height == 1
    u11 = h.filter(pl.col("user_id") == 11)
    assert u11.filter(pl.col("name") == "top")["package"].to_list()[0] == "com.android.launcher3"
    fgs = table("sailfish_10", "batterystats_foreground_services").row(0, named=True)
    assert (fgs["uid"], fgs["user_id"], fgs["package"], fgs["total_ms"], fgs["count"]) == (
        1110087, 11, "com.android.systemui", 39308, 2)
    pk = table("sailfish_10", "packages")
    assert pk.filter(pl.col("app_id") == 10087)["uid"].sort().to_list() == [10087, 1110087]
    assert pk.group_by("user_id").len().sort("user_id").rows() == [(0, 97), (11, 35)]


@pytest.mark.parametrize(("key", "uid", "package", "tag", "total_ms", "count", "max_ms"), [
    ("sailfish_8_1", 10132, "com.zhihu.android",
     "*job*/com.zhihu.android/.app.jobservice.AdTracksPushService", 275040, 1, 589128),
    ("pixel7_15", 10179, "com.google.android.gms", "CollectionLib-SigCollector", 347675, 17,
     300123),
    ("tab_6", 1000, "android", "PKMService", 57336, 44, None),
])
def test_top_partial_wakelock_of_app(key, uid, package, tag, total_ms, count, max_ms):
    wl = table(key, "batterystats_wakelocks").filter(
        (pl.col("uid") == uid) & (pl.col("kind") == "partial")).sort("total_ms", descending=True)
    top = wl.row(0, named=True)
    assert (top["package"], top["tag"], top["total_ms"], top["count"], top["max_ms"]) == (
        package, tag, total_ms, count, max_ms)


def test_wakelock_minus_one_is_untracked():
    # `9,1000,l,wl,WindowManager,4817,f,2,-1,-1,-1,…` (v32): full wakelock, no durations.
    wl = table("emulator_9", "batterystats_wakelocks").row(0, named=True)
    assert (wl["tag"], wl["kind"], wl["total_ms"], wl["count"]) == ("WindowManager", "full",
                                                                    4817, 2)
    assert wl["max_ms"] is None and wl["actual_ms"] is None and wl["current_ms"] is None


def test_background_partial_and_actual_v36():
    wl = table("pixel7_15", "batterystats_wakelocks").filter(
        pl.col("tag") == "com.android.server.stats.StatsCompanionService$PeriodicAlarmListener")
    assert wl.select("kind", "total_ms", "count", "max_ms", "actual_ms").rows() == [
        ("partial", 1166, 3, 2474, 2476), ("background_partial", 2476, 3, 2474, 2476)]


@pytest.mark.parametrize(("key", "reason", "count", "rows"), [
    ("sailfish_8_1", "canceled", 174, 36),     # 5 counts (8.1): column 1 summed
    ("sailfish_8_1", "preempt", 6, 1),
    ("pixel7_15", "successful_finish", 706, 96),  # 14 counts (15): code 10 = column 12
    ("pixel7_15", "unknown", 57, 6),              # code -1 = column 1
    ("emulator_9", "canceled", 43, 18),
])
def test_job_completions(key, reason, count, rows):
    jbc = table(key, "batterystats_job_completions").filter(pl.col("reason") == reason)
    assert (jbc["count"].sum(), jbc.height) == (count, rows)


@pytest.mark.parametrize(("key", "jobs", "wua_rows", "wua_sum", "kwl", "wr", "pr", "syncs"), [
    ("pixel7_15", 111, 29, 259, 170, 23, 566, 9),
    ("tab_6", 17, 0, 0, 153, 11, 217, 1),
    ("meizu_7_1", 0, 0, 0, 158, 0, 0, 0),
    ("sailfish_8_1", 37, 46, 205, 286, 27, 239, 6),
    ("emulator_9", 18, 35, 0, 38, 0, 151, 0),
    ("sailfish_10", 9, 4, 6, 352, 9, 180, 0),
])
def test_aggregate_row_counts(key, jobs, wua_rows, wua_sum, kwl, wr, pr, syncs):
    assert table(key, "batterystats_jobs").height == jobs
    wua = table(key, "batterystats_wakeup_alarms")
    assert (wua.height, wua["count"].sum()) == (wua_rows, wua_sum)
    assert table(key, "batterystats_kernel_wakelocks").height == kwl
    assert table(key, "batterystats_wakeup_reasons").height == wr
    assert table(key, "batterystats_processes").height == pr
    assert table(key, "batterystats_syncs").height == syncs


def test_wakeup_alarm_and_named_fields():
    wua = table("sailfish_8_1", "batterystats_wakeup_alarms").sort("count", descending=True)
    assert wua.row(0)[:4] == (10116, 0, "com.tencent.mm", "*walarm*:ALARM_ACTION(11420)")
    assert wua["count"][0] == 45
    # Quoted `wr` names contain commas: read from the right.
    wr = table("sailfish_8_1", "batterystats_wakeup_reasons").filter(pl.col("count") == 1)
    assert "168:qcom,smd-rpm-summary:280:681b8.qcom,mpm:174:400f000.qcom,spmi:225:delta-soc" \
        in wr["reason"].to_list()
    kwl = table("sailfish_8_1", "batterystats_kernel_wakelocks").filter(
        pl.col("name") == "smb1351")
    assert kwl.select("total_ms", "count").rows() == [(207, 237)]


def test_v15_unquoted_shapes():
    jb = table("tab_6", "batterystats_jobs").filter(
        pl.col("job") == "android/com.android.server.os.BackgroundCompactionService")
    assert jb.select("total_ms", "count", "background_ms").rows() == [(3027, 51, None)]
    pwi = table("tab_6", "batterystats_power_use").filter(pl.col("component") == "screen")
    assert pwi.select("mah", "category").rows() == [(1152.0, "device")]
    summary = table("tab_6", "batterystats_summary").row(0, named=True)
    assert summary["discharge_pct"] == 39 and summary["discharge_mah"] is None
    assert summary["screen_on_ms"] == 14827348


def test_syncs_redacted_and_split():
    sy = table("sailfish_8_1", "batterystats_syncs")
    assert sy["sync"].to_list()[:2] == ["com.google.android.gms.fitness/com.google/<account>",
                                        "com.android.contacts/com.whatsapp/<account>"]
    assert sy["authority"].to_list()[:2] == ["com.google.android.gms.fitness",
                                             "com.android.contacts"]
    assert not sy["sync"].str.contains("@").any()
    h = table("sailfish_8_1", "batterystats_history")
    assert not h["tag"].drop_nulls().str.contains("gmail.com").any()
    sync_tags = h.filter(pl.col("name") == "sync")["tag"]
    assert "com.android.contacts/com.whatsapp/<account>" in sync_tags.to_list()
    # SyncManager runs each sync as a job named after it (8.x), with a `:android` suffix.
    job_tags = h.filter(pl.col("name") == "job")["tag"]
    assert "com.android.contacts/com.whatsapp/<account>:android" in job_tags.to_list()
    assert not h["tag"].drop_nulls().str.contains("WhatsApp", literal=True).any()
    # 14+ namespaced job names look like e-mails but are not redacted.
    assert table("pixel7_15", "batterystats_wakelocks")["tag"].str.contains(
        "@androidx.work.systemjobscheduler@com.google.android.inputmethod.latin/",
        literal=True).any()


def test_power_use_shapes():
    pu = table("pixel7_15", "batterystats_power_use")
    glob = dict(pu.filter(pl.col("category") == "global").select("component", "mah").rows())
    assert glob == {"capacity": 4386.0, "computed_drain": 2238.0, "min_drained": 2237.0,
                    "max_drained": 2281.0}
    cpu = pu.filter((pl.col("category") == "device") & (pl.col("component") == "cpu"))
    assert cpu["mah"].to_list() == [46.3]
    apps = pu.filter(pl.col("category") == "uid")
    assert apps.height == 139  # 157 `pwi` lines: 139 `uid`, 18 device (3 of them `???`)
    assert pu.filter(pl.col("component") == "unknown").height == 3


def test_job_deferrals_v36():
    jbd = table("pixel7_15", "batterystats_job_deferrals").filter(pl.col("uid") == 10139)
    assert jbd.select("deferred_events", "deferred_count", "total_latency_ms", "under_1h",
                      "over_8h").rows() == [(3, 0, 109209213, 1, 2)]


def test_packages_and_shared_uid():
    pk = table("pixel7_15", "packages")
    assert pk.height == 150 and (pk["source"] == "checkin uid").all()
    wl = table("pixel7_15", "batterystats_wakelocks").filter(pl.col("uid") == 1000)
    assert set(wl["package"].unique()) == {"android"}


def test_meizu_oem_battery_fields_inside_bt():
    # 7.1.1 Meizu checkin prints `Bt=310 cputemp=0 boardtemp=0` as one item: the OEM fields
    # become battery rows of their own, like the human form's, and `temp` stays numeric.
    hist = table("meizu_7_1", "batterystats_history")
    battery = hist.filter(pl.col("kind") == "battery")
    assert battery.filter(pl.col("name") == "temp")["value"].head(3).to_list() == [
        "310", "320", "330"]
    assert battery.filter(pl.col("name") == "cputemp").height == 12
    assert battery.filter(pl.col("name") == "boardtemp")["value"].unique().to_list() == ["0"]
