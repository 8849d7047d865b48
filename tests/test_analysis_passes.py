"""Analysis passes on hand-built tables: each finding's figure is computed here by hand.

One small synthetic capture (12 h on battery, 10 h of it screen off) carries one case per
pass; `analyse` runs on it once.
"""

from __future__ import annotations

import json

import polars as pl
import pytest

from wakescope.analyzer import analysis
from wakescope.analyzer.analysis import analyse
from wakescope.analyzer.tables import APPS, FINDINGS
from wakescope.parsers.alarm.schema import PENDING, STATS
from wakescope.parsers.batterystats.schema import (
    FOREGROUND_SERVICES,
    HISTORY,
    JOB_COMPLETIONS,
    PACKAGES,
    POWER_USE,
    SUMMARY,
    SYNCS,
    WAKELOCKS,
    WAKEUP_ALARMS,
    WAKEUP_REASONS,
)
from wakescope.parsers.capture import Capture
from wakescope.parsers.diagnostics import Diagnostics
from wakescope.parsers.jobscheduler.schema import HISTORY as JS_HISTORY
from wakescope.parsers.jobscheduler.schema import JOBS as JS_JOBS
from wakescope.parsers.metadata import Metadata

H = 3_600_000
MIN = 60_000
APP, APP2, APP3 = 10123, 10124, 10125
APP_U10 = 1010123  # the same app for user 10
WM = "androidx.work.impl.background.systemjob.SystemJobService"


def make_capture(tables: dict[str, pl.DataFrame], **meta) -> Capture:
    m = Metadata()
    for k, v in meta.items():
        setattr(m, k, v)
    return Capture(source="test", container="text", kind="dumpsys", member=None,
                   encoding="utf-8", line_ends="lf", text="", sections=[], meta=m, clock=None,
                   diagnostics=Diagnostics(), tables=dict(tables))


def summary_12h() -> pl.DataFrame:
    """A summary row: 12 h on battery, 10 h of it screen off, 100 mAh discharged."""
    return SUMMARY.frame([{"battery_realtime_ms": 12 * H, "screen_off_realtime_ms": 10 * H,
                           "discharge_mah": 100.0}])


def packages(pairs: list[tuple[int, str]]) -> pl.DataFrame:
    """The packages table of user 0 apps (uid, package)."""
    return PACKAGES.frame([{"uid": u, "app_id": u, "user_id": 0, "package": p}
                           for u, p in pairs])


def _history() -> pl.DataFrame:
    """Screen on 0–1 h, off 1–4 h, on 4–6 h, off 6–12 h; MyLock (uid 10124) held 2–5 h;
    longwake of StuckLock (uid 10125) 6–7.5 h; longwake of AudioMix (uid 10125) 8–10 h."""
    ev = [
        (0, "state", "start", "screen", None, None),
        (1 * H, "state", "stop", "screen", None, None),
        (2 * H, "wakelock", "start", "wake_lock", APP2, "MyLock"),
        (4 * H, "state", "start", "screen", None, None),
        (5 * H, "wakelock", "stop", "wake_lock", None, None),
        (6 * H, "state", "stop", "screen", None, None),
        (6 * H, "event", "start", "longwake", APP3, "StuckLock"),
        (7.5 * H, "event", "stop", "longwake", APP3, "StuckLock"),
        (8 * H, "event", "start", "longwake", APP3, "AudioMix"),
        (10 * H, "event", "stop", "longwake", APP3, "AudioMix"),
        (12 * H, "battery", "set", "level", None, None),
    ]
    return HISTORY.frame([{"seq": i, "offset_ms": int(o), "kind": k, "transition": t, "name": n,
                           "uid": u, "tag": tag, "value": "50" if n == "level" else None}
                          for i, (o, k, t, n, u, tag) in enumerate(ev)])


def _wakelocks() -> pl.DataFrame:
    rows = []
    for uid, tag, bg_ms, max_ms in [
        (APP, "MyLock", 2 * H, 20 * MIN),               # 2 h bg in 12 h → 4 h/24h (high)
        (APP, "ExoPlayer:WakeLockManager", 3 * H, None),  # media: exempt
        (APP_U10, "MyLock", 10 * MIN, None),            # user 10 copy of the same app
        (APP3, "SlowLock", 5 * MIN, 40 * MIN),          # 40 min max hold: under the stuck bar
    (APP3, "HeldLock", 1 * MIN, 70 * MIN),          # stuck from aggregates: 70 min
        (APP3, "NlpWakeLock", 1 * H, None),             # location 1 h → 2 h/24h (medium)
        (1000, "deviceidle_maint", 5 * H, None),        # system: no vitals finding
    ]:
        rows.append({"uid": uid, "tag": tag, "kind": "partial", "total_ms": bg_ms,
                     "max_ms": max_ms, "count": 3})
        rows.append({"uid": uid, "tag": tag, "kind": "background_partial", "total_ms": bg_ms})
    return WAKELOCKS.frame(rows)


@pytest.fixture(scope="module")
def result():
    tables = {
        "batterystats_summary": summary_12h(),
        "packages": packages([(APP, "com.example.app"), (APP2, "com.example.two"),
                              (APP3, "com.example.three"), (1000, "android")]),
        "batterystats_history": _history(),
        "batterystats_wakelocks": _wakelocks(),
        "batterystats_wakeup_alarms": WAKEUP_ALARMS.frame([
            {"uid": APP, "tag": "*walarm*:com.example.app.SYNC", "count": 120},
            {"uid": APP, "tag": "*walarm*:com.example.app.PING", "count": 30},
            {"uid": APP2, "tag": "*walarm*:poll", "count": 60},
            {"uid": 1000, "tag": "*walarm*:*job.delay*", "count": 500},
        ]),
        "alarm_pending": PENDING.frame([
            {"tag": "*walarm*:com.example.app.SYNC", "package": "com.example.app",
             "type": "RTC_WAKEUP", "wakeup": True, "window_ms": 0, "exact": True,
             "repeat_interval_ms": 5 * MIN, "flag_names": ["ALLOW_WHILE_IDLE"],
             "policy_requester_ms": 60_000, "policy_app_standby_ms": 31 * MIN,
             "deferred_by": "app_standby", "deferral_ms": 30 * MIN},
            {"tag": "*alarm*:com.example.two.TICK", "package": "com.example.two",
             "type": "ELAPSED", "wakeup": False, "window_ms": 10 * MIN, "exact": False,
             "deferred_by": "device_idle", "deferral_ms": 5 * MIN},
        ]),
        "jobscheduler_jobs": JS_JOBS.frame([
            {"uid": APP, "source_uid": APP, "job_id": 5, "package": "com.example.app",
             "source_package": "com.example.app", "service": f"com.example.app/{WM}",
             "tag": f"*job*/com.example.app/{WM}", "work_spec_id": "3f1c-aa",
             "unsatisfied": ["WITHIN_QUOTA"], "standby_bucket": "RARE", "ready": False,
             "enqueue_ms": -2 * H},
            {"uid": APP, "source_uid": APP, "job_id": 6, "service": "com.example.app/.Later",
             "unsatisfied": ["TIMING_DELAY", "CONNECTIVITY"], "ready": False,
             "enqueue_ms": -1 * H},
            {"uid": APP2, "source_uid": APP2, "job_id": 1, "service": "com.example.two/.Net",
             "unsatisfied": ["CONNECTIVITY", "DEADLINE"], "ready": False,
             "earliest_run_ms": -30 * H, "enqueue_ms": -40 * H},
            {"uid": APP2, "source_uid": APP2, "job_id": 2, "service": "com.example.two/.Run",
             "unsatisfied": [], "ready": True, "running": True},
            {"uid": 1000, "source_uid": 1000, "job_id": 9, "service": "android/.Sys",
             "unsatisfied": ["WITHIN_QUOTA"], "ready": False, "enqueue_ms": -H},
        ]),
        "batterystats_job_completions": JOB_COMPLETIONS.frame([
            {"uid": APP, "job": "com.example.app/.Heavy", "reason": "timeout", "count": 3},
            {"uid": APP, "job": "com.example.app/.Heavy", "reason": "canceled", "count": 50},
            {"uid": APP2, "job": "com.example.two/.Q", "reason": "quota", "count": 1},
            {"uid": APP3, "job": "com.example.three/.Net", "reason": "constraints", "count": 12},
            {"uid": APP3, "job": "com.example.three/.Ok", "reason": "canceled", "count": 9},
        ]),
        "jobscheduler_history": JS_HISTORY.frame([
            {"event": "STOP", "uid": APP2, "job_id": 4, "tag": "com.example.two/.Slow",
             "stop_reason": "timed out while executing"},
            {"event": "STOP", "uid": APP2, "job_id": 4, "tag": "com.example.two/.Slow",
             "stop_reason": "app called jobFinished"},
        ]),
        "batterystats_syncs": SYNCS.frame([
            {"uid": APP2, "sync": "com.example.two.provider/com.example", "count": 60,
             "total_ms": 30 * MIN, "authority": "com.example.two.provider"},
            {"uid": APP3, "sync": "com.example.three.provider/x", "count": 12},
        ]),
        "batterystats_foreground_services": FOREGROUND_SERVICES.frame([
            {"uid": APP2, "total_ms": 8 * H, "count": 2},
            {"uid": APP3, "total_ms": 30 * MIN, "count": 1},
        ]),
        "batterystats_power_use": POWER_USE.frame([
            {"uid": APP, "component": "total", "category": "uid", "mah": 60.0},
            {"uid": 1000, "component": "total", "category": "uid", "mah": 30.0},
            {"uid": APP2, "component": "total", "category": "uid", "mah": 10.0},
            {"uid": None, "component": "screen", "category": "device", "mah": 400.0},
        ]),
        "batterystats_wakeup_reasons": WAKEUP_REASONS.frame([
            {"reason": "223 smp2p-modem", "count": 240, "total_ms": 60_000},
            {"reason": "189 pm_rtc_alarm", "count": 60, "total_ms": 1000},
        ]),
    }
    return analyse(make_capture(tables, checkin_version=36, sdk=34))


def one(result, kind: str, **match) -> dict:
    rows = [r for r in result.findings.iter_rows(named=True) if r["kind"] == kind
            and all(r[k] == v for k, v in match.items())]
    assert len(rows) == 1, (kind, match, [(r["package"], r["uid"]) for r in
                                          result.findings.iter_rows(named=True)
                                          if r["kind"] == kind])
    return rows[0]


def kinds(result, kind: str) -> list[dict]:
    return [r for r in result.findings.iter_rows(named=True) if r["kind"] == kind]


def test_contract(result):
    assert isinstance(result, analysis.Analysis)
    assert result.findings.columns == list(FINDINGS.schema)
    assert result.apps.columns[: len(APPS.columns)] == list(APPS.schema)
    assert result.period_ms == 12 * H
    assert set(result.tables) >= {"findings", "apps", "batterystats_wakelocks"}
    assert "api" in result.tables["batterystats_wakelocks"].columns
    sev = result.findings["severity"].to_list()
    order = ["high", "medium", "low", "info"]
    assert sev == sorted(sev, key=order.index)
    for r in result.findings.iter_rows(named=True):
        assert r["recommendation"] and r["doc_url"].startswith("https://"), r["id"]
        assert r["threshold_source"], r["id"]
        assert r["basis"] and r["detail"], r["id"]
        for ev in json.loads(r["evidence"]):
            assert {"table", "filter", "rows"} <= set(ev), r["id"]
    assert not [d for d in result.capture.diagnostics.items if d.section == "analysis"]


def test_excessive_wakelock_from_aggregates(result):
    """2 h of MyLock in background over 12 h on battery → 4 h/24h; ExoPlayer is exempt."""
    f = one(result, "excessive_wakelock", uid=APP)
    assert f["value"] == pytest.approx(4.0)
    assert (f["severity"], f["unit"], f["threshold"], f["api"]) == ("high", "h/24h", 2.0,
                                                                   "wakelock")
    assert f["basis"].startswith("aggregates since last charge: background partial")
    assert "ExoPlayer" not in f["detail"].split("Top tags:")[1]
    ev = json.loads(f["evidence"])
    wl = result.tables["batterystats_wakelocks"]
    rows = wl[ev[0]["rows"]]
    assert rows["total_ms"].sum() == 2 * H and set(rows["tag"]) == {"MyLock"}


def test_excessive_wakelock_from_history(result):
    """MyLock (uid 10124) held 2–5 h; screen off 1–4 h → 2 h screen off in 12 h → 4 h/24h."""
    f = one(result, "excessive_wakelock", uid=APP2)
    assert f["value"] == pytest.approx(4.0)
    assert f["basis"].startswith("history: screen-off, on-battery time")
    assert "2h" in f["basis"] and "12h" in f["basis"]


def test_system_uids_are_platform_at_info(result):
    """uid 1000 is platform: never graded as an app bug (scope.toml [platform])."""
    sys_rows = [r for r in result.findings.iter_rows(named=True) if r["uid"] == 1000]
    assert sys_rows and all(r["who"] == "platform" and r["severity"] == "info"
                            for r in sys_rows)
    # 500 `*job.delay*` wakeups in 10 h screen off = 50/h: JobScheduler's own alarms get
    # job-latency advice, not inexact-alarm advice, even on the platform uid.
    wk = one(result, "excessive_wakeups", uid=1000)
    assert (wk["value"], wk["api"], wk["recommendation_id"]) == (
        pytest.approx(50.0), "job_scheduler", "job_latency")
    assert "*job.delay*" in wk["detail"]


def test_stuck_wakelocks(result):
    hist = one(result, "stuck_wakelock", uid=APP3, api="wakelock", basis=(
        "history: longest +longwake … -longwake interval (offset_ms difference)"))
    assert hist["value"] == pytest.approx(1.5) and hist["severity"] == "high"
    # SlowLock's 40-minute max hold is under the 1 h bar: no finding
    assert not [r for r in kinds(result, "stuck_wakelock") if "SlowLock" in r["title"]]
    agg = one(result, "stuck_wakelock", uid=APP3, basis=(
        "aggregates since last charge: the tag's longest single hold (max_ms)"))
    assert agg["value"] == pytest.approx(70 / 60) and agg["severity"] == "high"
    assert "HeldLock" in agg["title"]
    audio = one(result, "stuck_wakelock", uid=APP3, api="media")
    assert audio["value"] == pytest.approx(2.0) and audio["severity"] == "info"


def test_excessive_wakeups_split_by_tag(result):
    """150 wakeups over 10 h of screen-off battery time (checkin ≥ 25) → 15/h."""
    f = one(result, "excessive_wakeups", uid=APP)
    assert f["value"] == pytest.approx(15.0) and f["severity"] == "high"
    assert f["threshold"] == 10.0
    assert "*walarm*:com.example.app.SYNC: 120 (12.0/h; exact, repeating every 5m, " \
           "allow-while-idle)" in f["detail"]
    assert "*walarm*:com.example.app.PING: 30 (3.0/h; not pending at capture)" in f["detail"]
    assert "Split: exact 120, not pending 30" in f["detail"]
    # 60 wakeups in 10 h = 6/h: under the bar, no finding (the apps table has the figure)
    assert not [r for r in kinds(result, "excessive_wakeups") if r["uid"] == APP2]
    two = result.apps.filter(pl.col("package") == "com.example.two")
    assert two["wakeups_per_hour"][0] == pytest.approx(6.0)


def test_wakeups_from_alarm_stats_since_boot():
    stats = STATS.frame([
        {"package": "com.example.app", "uid": APP, "tag": "*walarm*:a", "wakeups": 300},
        {"package": "com.example.app", "uid": APP, "tag": "*alarm*:b", "wakeups": 0},
    ])
    res = analyse(make_capture({"alarm_stats": stats}, elapsed_realtime_ms=20 * H))
    f = one(res, "excessive_wakeups", uid=APP)
    assert f["value"] == pytest.approx(15.0)
    assert f["basis"].startswith("dumpsys alarm Alarm Stats (wakeups since boot) over 20h")
    assert res.apps.filter(pl.col("package") == "com.example.app")["wakeup_alarms"][0] == 300
    assert res.coverage["wakeup_alarms"]["source"] == "alarm_stats"


def test_deferred_jobs(result):
    wm = one(result, "deferred_job", uid=APP)
    assert wm["severity"] == "medium" and wm["api"] == "work_manager"
    assert wm["value"] == pytest.approx(2.0)                        # enqueued 2 h ago
    assert "WorkManager work spec 3f1c-aa" in wm["detail"]
    assert "Unsatisfied: WITHIN_QUOTA." in wm["detail"]
    assert "out of job quota" in wm["detail"] and "Rare bucket" in wm["detail"]
    assert wm["recommendation_id"] == "job_quota"
    net = one(result, "deferred_job", uid=APP2)
    assert net["severity"] == "low" and net["value"] == pytest.approx(30.0)  # since earliest
    assert "Unsatisfied: CONNECTIVITY." in net["detail"]             # DEADLINE is not a reason
    # not reported: the TIMING_DELAY job, the running one, and uid 1000's
    assert len(kinds(result, "deferred_job")) == 2


def test_abnormal_job_stops(result):
    # Counts are normalised to the per-24 h bar: 3 timeouts in 12 h on battery = 6 per 24 h.
    heavy = one(result, "abnormal_job_stops", uid=APP)
    assert (heavy["severity"], heavy["value"], heavy["unit"]) == ("high", 6.0, "stops/24h")
    assert (heavy["window_ms"], heavy["scaled"]) == (12 * H, True)
    assert "timeout 3×" in heavy["detail"] and "Normal ends not counted: 50." in heavy["detail"]
    assert heavy["recommendation_id"] == "job_timeout"
    stops = kinds(result, "abnormal_job_stops")
    quota = [r for r in stops if r["uid"] == APP2 and r["basis"].startswith("batterystats")]
    assert [(r["severity"], r["value"]) for r in quota] == [("medium", 2.0)]   # 1 in 12 h
    # History STOP lines with no times: no window, so the raw count and at most info.
    slow = [r for r in stops if r["uid"] == APP2 and r["basis"].startswith("jobscheduler")]
    assert [(r["value"], r["severity"], r["window_ms"], r["scaled"]) for r in slow] == [
        (1.0, "info", None, False)]
    assert "timeout 1×" in slow[0]["detail"]
    net = one(result, "abnormal_job_stops", uid=APP3)            # 12 in 12 h = 24 per 24 h
    assert (net["severity"], net["value"], net["threshold"]) == ("low", 24.0, 10.0)


def test_alarm_deferral(result):
    sb = one(result, "alarm_deferral", package="com.example.app")
    assert (sb["severity"], sb["value"]) == ("medium", 30.0)
    assert "standby-bucket alarm quota" in sb["detail"]
    idle = one(result, "alarm_deferral", package="com.example.two")
    assert (idle["severity"], idle["value"]) == ("info", 5.0)


def test_sync_storm_fgs_location(result):
    sync = one(result, "sync_storm")
    assert (sync["uid"], sync["value"], sync["severity"]) == (APP2, 5.0, "medium")
    # 8 h in 12 h = 16 h/24h, but the Android 15 cap does not apply on API 34: info.
    fgs = one(result, "long_foreground_service", uid=APP2)
    assert fgs["value"] == pytest.approx(16.0) and fgs["severity"] == "info"
    assert "applies from Android 15 (API 35) or later; this device runs API 34" in fgs["detail"]
    assert not kinds(result, "long_foreground_service")[1:]          # 30 min → 1 h/24h: none
    loc = one(result, "background_location")
    assert (loc["uid"], loc["value"], loc["severity"]) == (APP3, pytest.approx(2.0), "medium")


def test_power_and_kernel(result):
    top = kinds(result, "top_power_consumer")
    # Shares of the measured discharge (100 mAh, coulomb counter), not of the per-uid sum.
    assert [(r["uid"], r["value"], r["severity"], r["who"]) for r in top] == [
        (APP, 0.6, "low", "app"), (1000, 0.3, "info", "platform"), (APP2, 0.1, "info", "app")]
    assert "of the 100 mAh the battery lost (coulomb counter" in top[0]["detail"]
    k = one(result, "kernel_wakeup_reason")
    assert k["value"] == pytest.approx(20.0) and k["package"] is None


def test_apps_table(result):
    apps = result.apps
    app = apps.filter(pl.col("package") == "com.example.app").row(0, named=True)
    # partial time of both users: MyLock 2 h + ExoPlayer 3 h (uid 10123) + 10 min (user 10)
    assert app["partial_wakelock_ms"] == 5 * H + 10 * MIN
    assert app["partial_wakelock_ms_per_24h"] == pytest.approx((5 * H + 10 * MIN) * 2)
    assert app["uids"] == [10123, 1010123] and app["uid"] == APP
    assert app["wakeup_alarms"] == 150 and app["wakeups_per_hour"] == pytest.approx(15.0)
    assert app["jobs_registered"] == 2 and app["jobs_deferred"] == 1
    assert app["power_share"] == pytest.approx(0.6)
    assert app["worst_severity"] == "high"
    assert app["apis"][:2] == ["media", "wakelock"]
    android = apps.filter(pl.col("package") == "android").row(0, named=True)
    assert android["wakeup_alarms"] == 500 and android["partial_wakelock_ms"] == 5 * H


def test_failing_pass_becomes_diagnostic(monkeypatch):
    from wakescope.analyzer.passes import syncs

    def boom(ctx):
        raise RuntimeError("kaput")

    monkeypatch.setattr(syncs, "run", boom)
    tables = {"batterystats_summary": SUMMARY.frame([{"battery_realtime_ms": 12 * H}]),
              "batterystats_syncs": SYNCS.frame([{"uid": APP, "sync": "a/b", "count": 600}]),
              "batterystats_foreground_services": FOREGROUND_SERVICES.frame(
                  [{"uid": APP, "total_ms": 12 * H}])}
    res = analyse(make_capture(tables))
    assert [d.message for d in res.capture.diagnostics.items if d.section == "analysis"] == [
        "pass syncs failed: RuntimeError: kaput"]
    assert res.findings["kind"].to_list() == ["long_foreground_service"]


def test_empty_capture():
    res = analyse(make_capture({}))
    assert res.findings.height == 0 and res.apps.height == 0
    assert res.period_ms is None and res.coverage == {}


def test_deferred_job_by_ready_parts_and_bucket():
    """No unsatisfied constraint printed, but `Ready:` says restricted (11+), and a job in
    the RESTRICTED bucket: both are held back by policy."""
    jobs = JS_JOBS.frame([
        {"uid": APP, "source_uid": APP, "job_id": 1, "service": "com.example.app/.A",
         "unsatisfied": [], "ready": False, "enqueue_ms": -3 * H,
         "ready_parts": json.dumps({"job": True, "user": True, "restricted": True,
                                    "backing_up": False, "component": True})},
        {"uid": APP2, "source_uid": APP2, "job_id": 2, "service": "com.example.two/.B",
         "unsatisfied": ["CHARGING"], "ready": False, "standby_bucket": "RESTRICTED",
         "enqueue_ms": -H},
    ])
    res = analyse(make_capture({"jobscheduler_jobs": jobs}))
    a = one(res, "deferred_job", uid=APP)
    assert a["severity"] == "medium" and "ready part restricted: restricted" in a["detail"]
    b = one(res, "deferred_job", uid=APP2)
    assert b["severity"] == "medium" and "Restricted bucket" in b["detail"]
    assert "Unsatisfied: CHARGING." in b["detail"]


def test_history_stop_uses_internal_reason_code():
    """12+ history: `last work dequeued` is internal reason 10 (successful finish), a STOP
    with internal code 3 is a timeout whatever its text says."""
    hist = JS_HISTORY.frame([
        {"event": "STOP", "uid": APP, "job_id": 1, "tag": "com.example.app/.J",
         "stop_reason": "last work dequeued", "stop_reason_internal_code": 10},
        {"event": "STOP", "uid": APP, "job_id": 1, "tag": "com.example.app/.J",
         "stop_reason": "stopped", "stop_reason_code": 3, "stop_reason_internal_code": 3},
    ])
    res = analyse(make_capture({"jobscheduler_history": hist}))
    f = one(res, "abnormal_job_stops", uid=APP)
    assert f["value"] == 1.0 and "timeout 1×" in f["detail"]
    assert "Normal ends not counted: 1." in f["detail"]


def test_background_location_prefers_gps_time():
    """GPS background time per uid (a `batterystats_sensors` table, when the parser has one)
    wins over the location wakelocks: 1 h of background GPS in 12 h → 2 h/24h."""
    sensors = pl.DataFrame({"uid": [APP, APP], "sensor": ["gps", "123"],
                            "total_ms": [H + 60_000, 9 * H], "count": [5, 1],
                            "background_ms": [H, 9 * H]})
    tables = {"batterystats_summary": SUMMARY.frame([{"battery_realtime_ms": 12 * H}]),
              "batterystats_sensors": sensors,
              "batterystats_wakelocks": WAKELOCKS.frame([
                  {"uid": APP, "tag": "*location*", "kind": "background_partial",
                   "total_ms": 10 * MIN}])}
    res = analyse(make_capture(tables))
    f = one(res, "background_location", uid=APP)
    assert f["value"] == pytest.approx(2.0) and f["severity"] == "medium"
    assert f["basis"].startswith("batterystats GPS sensor background time")
    assert "Location wakelocks: 10m." in f["detail"]
    assert json.loads(f["evidence"])[0]["rows"] == [0]


def test_alarm_deferral_background_restricted_and_oem():
    pend = PENDING.frame([
        {"list": "pending_user_blocked", "tag": "*alarm*:com.example.app.CHECK",
         "package": "com.example.app", "type": "ELAPSED", "when_relative_ms": -2 * H},
        {"list": "pending", "tag": "*alarm*:com.example.two.PUSH", "package": "com.example.two",
         "uid": APP2, "type": "ELAPSED", "orig_type": "ELAPSED_WAKEUP"},
        {"list": "pending", "tag": "*walarm*:ok", "package": "com.example.two", "uid": APP2,
         "type": "ELAPSED_WAKEUP"},
    ])
    res = analyse(make_capture({"alarm_pending": pend}))
    br = one(res, "alarm_deferral", package="com.example.app")
    assert (br["severity"], br["value"]) == ("medium", 120.0)
    assert "Pending user blocked background alarms" in br["basis"]
    oem = one(res, "alarm_deferral", package="com.example.two")
    assert (oem["severity"], oem["recommendation_id"]) == ("low", "alarm_oem")
    assert "origType" in oem["basis"]


def test_stuck_wakelock_of_equal_holds_names_the_first():
    """Thirteen `+longwake` … `-longwake` holds of one tag, each exactly 1 h 30 min, among
    short holds of another app (as the 74k stress history's SmartHome:DeviceBridge: 13
    holds of 1h20m21s493ms). The finding names the first hold's rows, not whichever an
    unstable sort put first (rows 73 and 80, its 10th, before; the stress report named
    its 7th)."""
    ev = [(0, "state", "stop", "screen", None, None)]
    for k in range(13):  # a hold from 0.5 h + 2k h to 2 h + 2k h
        start = H // 2 + 2 * k * H
        ev += [(start, "event", "start", "longwake", APP3, "Twice"),
               (start + 3 * H // 2, "event", "stop", "longwake", APP3, "Twice")]
        for j in range(3):  # three 10-minute holds of another app, 1 s after each start
            ev += [(start + 1000 + j, "event", "start", "longwake", APP2, f"Short{j}"),
                   (start + 1000 + j + 10 * MIN, "event", "stop", "longwake", APP2, f"Short{j}")]
    ev.sort(key=lambda e: e[0])
    ev.append((30 * H, "battery", "set", "level", None, None))
    history = HISTORY.frame([{"seq": i, "offset_ms": int(o), "kind": k, "transition": t,
                              "name": n, "uid": u, "tag": tag,
                              "value": "50" if n == "level" else None}
                             for i, (o, k, t, n, u, tag) in enumerate(ev)])
    cap = make_capture({"batterystats_summary": summary_12h(), "batterystats_history": history,
                        "packages": packages([(APP2, "com.example.two"),
                                              (APP3, "com.example.three")])}, sdk=30)
    found = one(analyse(cap), "stuck_wakelock", uid=APP3)
    # Row 0 the screen; the first hold starts at row 1 (0.5 h), the three short holds start
    # (rows 2-4) and stop (rows 5-7), and the first hold stops at row 8 (2 h).
    assert ev[1][:2] == (H // 2, "event") and ev[8][0] == 2 * H
    assert found["value"] == pytest.approx(1.5)
    assert json.loads(found["evidence"])[0]["rows"] == [1, 8]
    assert "13 long hold(s) of this tag" in found["detail"]
