"""Where each rule applies (knowledge/scope.toml), per rule, on small hand-built captures:
short windows, unknown / known release, a system uid, an OEM package, a shared uid,
the screen always on, magnitude against the measured discharge. Every figure is worked
out here by hand."""

from __future__ import annotations

import polars as pl
import pytest

from wakescope.analyzer.analysis import analyse
from wakescope.analyzer.knowledge import RulesError, load_rules
from wakescope.parsers.alarm.schema import PENDING
from wakescope.parsers.batterystats.schema import (
    FOREGROUND_SERVICES,
    HISTORY,
    JOB_COMPLETIONS,
    PACKAGES,
    POWER_USE,
    SUMMARY,
    SYNCS,
    UID_STATES,
    WAKELOCKS,
    WAKEUP_ALARMS,
    WAKEUP_REASONS,
)
from wakescope.parsers.capture import Capture
from wakescope.parsers.diagnostics import Diagnostics
from wakescope.parsers.metadata import Metadata

H = 3_600_000
MIN = 60_000
APP, OEM, GMS = 10123, 10187, 10018


def capture(tables: dict, **meta) -> Capture:
    m = Metadata()
    for k, v in meta.items():
        setattr(m, k, v)
    return Capture(source="test", container="text", kind="dumpsys", member=None,
                   encoding="utf-8", line_ends="lf", text="", sections=[], meta=m, clock=None,
                   diagnostics=Diagnostics(), tables=dict(tables))


def packages(*rows) -> pl.DataFrame:
    return PACKAGES.frame([{"uid": u, "app_id": u, "user_id": 0, "package": p} for u, p in rows])


def summary(battery_ms: int, screen_off_ms: int, **extra) -> pl.DataFrame:
    return SUMMARY.frame([{"battery_realtime_ms": battery_ms,
                           "screen_off_realtime_ms": screen_off_ms, **extra}])


def found(res, kind: str, **match) -> list[dict]:
    return [r for r in res.findings.iter_rows(named=True) if r["kind"] == kind
            and all(r[k] == v for k, v in match.items())]


# ---------------------------------------------------------------------------------------
# Short window: 20 minutes on battery, screen off throughout.
# ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def short():
    tables = {
        "batterystats_summary": summary(20 * MIN, 20 * MIN),
        "packages": packages((APP, "com.example.app")),
        "batterystats_wakeup_alarms": WAKEUP_ALARMS.frame([
            {"uid": APP, "tag": "*walarm*:com.example.app.SYNC", "count": 12},
            {"uid": APP + 1, "tag": "*walarm*:com.example.two.SYNC", "count": 2}]),
        "batterystats_syncs": SYNCS.frame([
            {"uid": APP, "sync": "com.example.app.provider/x", "count": 5,
             "authority": "com.example.app.provider"}]),
        "batterystats_foreground_services": FOREGROUND_SERVICES.frame([
            {"uid": APP, "total_ms": 15 * MIN, "count": 1}]),
        "batterystats_wakelocks": WAKELOCKS.frame([
            {"uid": APP, "tag": "MyLock", "kind": "partial", "total_ms": 15 * MIN, "count": 1},
            {"uid": APP, "tag": "MyLock", "kind": "background_partial",
             "total_ms": 15 * MIN}]),
        "batterystats_wakeup_reasons": WAKEUP_REASONS.frame([
            {"reason": "223 smp2p-modem", "count": 40, "total_ms": 1000}]),
        "batterystats_job_completions": JOB_COMPLETIONS.frame([
            {"uid": APP, "job": "com.example.app/.Heavy", "reason": "timeout", "count": 3}]),
    }
    return analyse(capture(tables, sdk=35, release="15", checkin_version=36))


def test_short_window_rates_stay_raw_and_info(short):
    """12 wakeups in 20 min would be 36/h: under 3 h of observation that is not projected;
    2 wakeups (6/h projected, fewer than the bar's 10 in any case) make no finding."""
    wk = found(short, "excessive_wakeups")
    assert [(r["uid"], r["value"], r["unit"], r["severity"], r["scaled"], r["window_ms"])
            for r in wk] == [(APP, 12.0, "wakeups", "info", False, 20 * MIN)]
    assert "raw figure over 20m" in wk[0]["basis"]
    sy = found(short, "sync_storm")     # 5 in 20 min = 15/h projected: info, raw 5
    assert [(r["value"], r["unit"], r["severity"]) for r in sy] == [(5.0, "syncs", "info")]
    kr = found(short, "kernel_wakeup_reason")   # 40 in 20 min = 120/h projected: info
    assert [(r["value"], r["severity"], r["scaled"]) for r in kr] == [(40.0, "info", False)]


def test_short_window_times_against_per_24h_bars(short):
    """15 min of FGS / wakelock in 20 min: projected 18 h/24h, but the raw 0.25 h does not
    reach the 6 h (2 h) bar, so raw figure and info."""
    fgs = found(short, "long_foreground_service")
    assert [(r["value"], r["unit"], r["severity"]) for r in fgs] == [(0.25, "h", "info")]
    wl = found(short, "excessive_wakelock")
    assert [(r["value"], r["unit"], r["severity"], r["scaled"]) for r in wl] == [
        (0.25, "h", "info", False)]


def test_short_window_count_already_over_the_bar_keeps_its_level(short):
    """3 timeouts within 20 min: the raw count already reaches the 3-per-24 h bar (any 24 h
    containing these 20 min had at least 3), so no projection is needed: high."""
    st = found(short, "abnormal_job_stops")
    assert [(r["value"], r["unit"], r["severity"], r["scaled"]) for r in st] == [
        (3.0, "stops", "high", False)]
    assert "lower bound" in st[0]["basis"]


# ---------------------------------------------------------------------------------------
# Release gate: the Android 15 FGS timeout.
# ---------------------------------------------------------------------------------------

def _fgs_tables() -> dict:
    return {"batterystats_summary": summary(12 * H, 10 * H),
            "packages": packages((APP, "com.example.app")),
            "batterystats_foreground_services": FOREGROUND_SERVICES.frame([
                {"uid": APP, "total_ms": 8 * H, "count": 2}])}


def test_sdk_gated_rule_with_unknown_release_is_info_and_conditional():
    res = analyse(capture(_fgs_tables()))
    (f,) = found(res, "long_foreground_service")
    assert (f["value"], f["severity"]) == (pytest.approx(16.0), "info")   # 8 h in 12 h
    assert f["detail"].startswith("If the app targets Android 15 (API 35) or later: ")
    assert "The release is unknown" in f["detail"]
    # The marker (`Foreground services` lines) proves 8.1+, which does not reach API 35.
    assert "at least API 27" in f["detail"]


def test_sdk_gated_rule_applies_on_a_known_release():
    (f,) = found(analyse(capture(_fgs_tables(), sdk=35, release="15")),
                 "long_foreground_service")
    assert (f["severity"], f["recommendation_id"]) == ("high", "fgs_timeout")


def test_media_playback_is_not_a_transfer_service():
    tables = _fgs_tables()
    tables["batterystats_uid_states"] = UID_STATES.frame([
        {"uid": APP, "state": "audio", "total_ms": 7 * H, "count": 3}])
    (f,) = found(analyse(capture(tables, sdk=35, release="15")), "long_foreground_service")
    assert (f["severity"], f["api"], f["recommendation_id"]) == ("info", "media", "fgs_media")


def test_service_running_at_the_reset_says_so():
    tables = _fgs_tables()
    tables["batterystats_foreground_services"] = FOREGROUND_SERVICES.frame([
        {"uid": APP, "total_ms": 12 * H, "count": 0, "running": True}])
    (f,) = found(analyse(capture(tables, sdk=35, release="15")), "long_foreground_service")
    assert "already running when the stats were reset (`(0 times) (running)`)" in f["detail"]


# ---------------------------------------------------------------------------------------
# Who: system uid, OEM package, shared uid.
# ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def who():
    tables = {
        "batterystats_summary": summary(12 * H, 10 * H, discharge_mah=500.0),
        "packages": packages((OEM, "com.miui.voicetrigger"),
                             (GMS, "com.google.android.gsf"),
                             (GMS, "com.google.android.backuptransport"),
                             (GMS, "com.google.android.gms"),
                             (APP, "com.example.app")),
        "batterystats_history": HISTORY.frame([
            {"seq": 0, "offset_ms": 0, "kind": "event", "transition": "start", "name": "job",
             "uid": GMS, "tag": "com.google.android.gms/.Sync",
             "package": "com.google.android.gms"},
            {"seq": 1, "offset_ms": 1000, "kind": "event", "transition": "stop", "name": "job",
             "uid": GMS, "tag": "com.google.android.gms/.Sync",
             "package": "com.google.android.gms"}]),
        "batterystats_wakeup_alarms": WAKEUP_ALARMS.frame([
            {"uid": 1000, "tag": "*walarm*:WifiScan", "count": 300},
            {"uid": OEM, "tag": "*walarm*:com.miui.TICK", "count": 300},
            {"uid": APP, "tag": "*walarm*:com.example.app.SYNC", "count": 300}]),
        "batterystats_wakelocks": WAKELOCKS.frame([
            {"uid": GMS, "tag": "*job*/com.google.android.gms/.Sync", "kind": "partial",
             "total_ms": 10 * MIN, "count": 4}]),
        "batterystats_power_use": POWER_USE.frame([
            {"uid": GMS, "component": "total", "category": "uid", "mah": 100.0},
            {"uid": APP, "component": "total", "category": "uid", "mah": 20.0}]),
    }
    return analyse(capture(tables, sdk=34, release="14", checkin_version=36))


def test_system_and_oem_uids_are_platform(who):
    """300 wakeups in 10 h screen off = 30/h for each uid: the app is high, uid 1000 and the
    OEM's com.miui.* package are platform at info."""
    rows = {r["uid"]: r for r in found(who, "excessive_wakeups")}
    assert (rows[APP]["severity"], rows[APP]["who"]) == ("high", "app")
    for uid in (1000, OEM):
        assert (rows[uid]["severity"], rows[uid]["who"]) == ("info", "platform")
        assert rows[uid]["recommendation_id"] == "system_overhead"
        assert "reported as platform" in rows[uid]["detail"]


def test_shared_uid_is_one_app_row_named_after_its_owner(who):
    """uid 10018 maps to gms, gsf and backuptransport; the history names gms (its `+job=`
    pool strings), so the one row is gms, with the power and the wakelocks together."""
    rows = who.apps.filter(pl.col("uid") == GMS)
    assert rows.height == 1
    r = rows.row(0, named=True)
    assert r["package"] == "com.google.android.gms"
    assert r["shared_packages"] == ("com.google.android.backuptransport,"
                                    "com.google.android.gms,com.google.android.gsf")
    assert (r["power_mah"], r["partial_wakelock_ms"]) == (100.0, 10 * MIN)
    (top,) = found(who, "top_power_consumer", uid=GMS)
    assert (top["package"], top["who"], top["severity"]) == (
        "com.google.android.gms", "platform", "info")


def test_power_graded_on_the_measured_discharge(who):
    """100 mAh of a 500 mAh coulomb-counter discharge = 20 %; the app's 20 mAh is 4 %,
    under the 5 % floor: no finding, although it is 17 % of the per-uid sum."""
    (top,) = found(who, "top_power_consumer")
    assert top["value"] == pytest.approx(0.2)
    assert not found(who, "top_power_consumer", uid=APP)


def test_tiny_per_uid_sums_make_no_power_finding():
    tables = {"batterystats_summary": summary(12 * H, 10 * H, discharge_mah=300.0),
              "packages": packages((APP, "com.example.app")),
              "batterystats_power_use": POWER_USE.frame([
                  {"uid": APP, "component": "total", "category": "uid", "mah": 0.0001}])}
    assert not found(analyse(capture(tables)), "top_power_consumer")


# ---------------------------------------------------------------------------------------
# Screen always on.
# ---------------------------------------------------------------------------------------

def test_screen_always_on_is_not_background_work():
    """12 h on battery, screen on throughout: a 2 h hold and 300 wakeup alarms are not
    background figures (no screen-off time to measure them over)."""
    hist = HISTORY.frame([
        {"seq": 0, "offset_ms": 0, "kind": "state", "transition": "start", "name": "screen"},
        {"seq": 1, "offset_ms": 1 * H, "kind": "event", "transition": "start",
         "name": "longwake", "uid": APP, "tag": "MyLock"},
        {"seq": 2, "offset_ms": 3 * H, "kind": "event", "transition": "stop",
         "name": "longwake", "uid": APP, "tag": "MyLock"},
        {"seq": 3, "offset_ms": 12 * H, "kind": "battery", "transition": "set",
         "name": "level", "value": "50"}])
    tables = {"batterystats_summary": summary(12 * H, 0),
              "packages": packages((APP, "com.example.app")),
              "batterystats_history": hist,
              "batterystats_wakeup_alarms": WAKEUP_ALARMS.frame([
                  {"uid": APP, "tag": "*walarm*:com.example.app.SYNC", "count": 300}])}
    res = analyse(capture(tables, sdk=34, checkin_version=36))
    assert not found(res, "excessive_wakeups")
    assert not found(res, "excessive_wakelock")
    (stuck,) = found(res, "stuck_wakelock")
    assert stuck["severity"] == "info"
    assert "Only 0ms of the hold was with the screen off" in stuck["detail"]


# ---------------------------------------------------------------------------------------
# Specific meanings.
# ---------------------------------------------------------------------------------------

def test_battery_saver_hold_is_one_info_summary():
    year = 365 * 24 * H
    tables = {"alarm_pending": PENDING.frame([
        {"tag": f"*alarm*:com.example.{p}.TICK", "package": f"com.example.{p}", "uid": u,
         "type": "ELAPSED", "wakeup": False, "deferred_by": "battery_saver",
         "deferral_ms": year} for p, u in (("a", 10100), ("b", 10101))])}
    f = found(analyse(capture(tables)), "alarm_deferral")
    assert [(r["severity"], r["value"], r["unit"], r["recommendation_id"]) for r in f] == [
        ("info", 2.0, "alarms", "battery_saver_hold")]
    assert "held until Battery Saver is off" in f[0]["detail"]
    assert f[0]["title"] == "Alarms held until Battery Saver is off: 2 alarm(s), 2 app(s)"


def test_abort_wakeup_reasons_are_aborted_suspends():
    tables = {"batterystats_summary": summary(10 * H, 8 * H),
              "batterystats_wakeup_reasons": WAKEUP_REASONS.frame([
                  {"reason": "Abort:Pending Wakeup Sources: qcom_rx_wakelock", "count": 300,
                   "total_ms": 5000}])}
    res = analyse(capture(tables))
    assert not found(res, "kernel_wakeup_reason")
    (f,) = found(res, "aborted_suspend")
    assert (f["value"], f["severity"]) == (pytest.approx(30.0), "info")
    assert f["title"] == "Suspend aborted while qcom_rx_wakelock was held (300×)"


def test_job_tag_gives_the_api_without_a_background_row():
    """The history shows uid 10123 opening `*job*/…` wakelocks 2 h of 12 h screen off; the
    aggregates have no background-partial row for it: the API is still the job's."""
    hist = HISTORY.frame([
        {"seq": 0, "offset_ms": 0, "kind": "wakelock", "transition": "start",
         "name": "wake_lock", "uid": APP, "tag": "*job*/com.example.app/.Sync"},
        {"seq": 1, "offset_ms": 3 * H, "kind": "wakelock", "transition": "stop",
         "name": "wake_lock"},
        {"seq": 2, "offset_ms": 12 * H, "kind": "battery", "transition": "set",
         "name": "level", "value": "50"}])
    tables = {"batterystats_summary": summary(12 * H, 12 * H),
              "packages": packages((APP, "com.example.app")),
              "batterystats_history": hist,
              "batterystats_wakelocks": WAKELOCKS.frame([
                  {"uid": 1000, "tag": "x", "kind": "partial", "total_ms": 1}])}
    (f,) = found(analyse(capture(tables)), "excessive_wakelock")
    assert (f["value"], f["api"]) == (pytest.approx(6.0), "job_scheduler")  # 3 h in 12 h


# ---------------------------------------------------------------------------------------
# The scope file is validated on load.
# ---------------------------------------------------------------------------------------

def test_scope_entries_are_validated(tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text('[scope.long_foreground_service]\nmin_window_h = "long"\n')
    with pytest.raises(RulesError, match="min_window_h"):
        load_rules(bad)
    bad.write_text('[scope.long_foreground_service]\nwho = "everyone"\n')
    with pytest.raises(RulesError, match="`who`"):
        load_rules(bad)
    ok = tmp_path / "ok.toml"
    ok.write_text('[scope.excessive_wakeups]\nmin_window_h = 0.1\n')
    assert load_rules(ok).scope.rule("excessive_wakeups").min_window_h == 0.1


def test_pending_alarms_counted_once():
    """`Next wake from idle: Alarm{5f3a type 2 … com.example.a}` repeats an alarm of the
    pending list (same `Alarm{hash}`): one alarm, one deferral."""
    row = {"tag": "*walarm*:com.example.a.TICK", "package": "com.example.a", "uid": 10100,
           "type": "ELAPSED_WAKEUP", "wakeup": True, "alarm_hash": "5f3a",
           "deferred_by": "app_standby", "deferral_ms": 10 * MIN}
    tables = {"alarm_pending": PENDING.frame([{**row, "list": "pending"},
                                              {**row, "list": "next_wake_from_idle"}])}
    (f,) = found(analyse(capture(tables)), "alarm_deferral")
    assert f["title"] == "Alarms deferred by app standby: com.example.a (1)"
