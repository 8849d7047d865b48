"""The apps table (analyzer.passes.apps): what each figure sums, which uid is primary, when a
column is null rather than 0 — and that it is built in one Polars plan (issue 17)."""

from __future__ import annotations

import polars as pl
import pytest

from tests.test_analysis_passes import MIN, H, make_capture, packages, summary_12h
from wakescope.analyzer.analysis import analyse
from wakescope.analyzer.passes import apps as apps_pass
from wakescope.analyzer.tables import APPS
from wakescope.parsers.batterystats.schema import (
    FOREGROUND_SERVICES,
    POWER_USE,
    SYNCS,
    WAKELOCKS,
    WAKEUP_ALARMS,
)
from wakescope.parsers.jobscheduler.schema import JOBS as JS_JOBS

A, A_U10, B, UNNAMED = 10123, 1010123, 10124, 10999


def _tables(waiting: bool = True) -> dict[str, pl.DataFrame]:
    jobs = [{"uid": A, "source_uid": A, "job_id": 1, "service": "com.a/.J",
             "unsatisfied": ["CONNECTIVITY"], "ready": False, "enqueue_ms": -H},
            {"uid": B, "source_uid": None, "job_id": 2, "service": "com.b/.J",
             "unsatisfied": [], "ready": True, "running": True}]
    if not waiting:
        jobs = jobs[1:]
    return {
        "batterystats_summary": summary_12h(),
        "packages": packages([(A, "com.a"), (B, "com.b"), (B, "com.b.extra"),
                              (1000, "android")]),
        "batterystats_wakelocks": WAKELOCKS.frame([
            {"uid": u, "tag": t, "kind": k, "total_ms": ms} for u, t, k, ms in [
                (A, "x", "partial", 2 * H), (A_U10, "x", "partial", 3 * H),
                (A, "x", "full", H), (B, "y", "partial", None), (UNNAMED, "z", "partial", H)]]),
        "batterystats_wakeup_alarms": WAKEUP_ALARMS.frame([
            {"uid": u, "tag": t, "count": c} for u, t, c in [
                (A, "*walarm*:a", 10), (A_U10, "*walarm*:a", 7), (B, "*walarm*:b", 5)]]),
        "jobscheduler_jobs": JS_JOBS.frame(jobs),
        "batterystats_syncs": SYNCS.frame([{"uid": B, "sync": "p/x", "count": 6,
                                            "total_ms": MIN}]),
        "batterystats_foreground_services": FOREGROUND_SERVICES.frame([
            {"uid": B, "total_ms": 8 * H, "count": 2}, {"uid": A, "total_ms": 0}]),
        "batterystats_power_use": POWER_USE.frame([
            {"uid": u, "component": "total", "category": "uid", "mah": m}
            for u, m in [(A, 5.5), (A_U10, 1.25), (B, 3.0), (1000, 9.0)]]),
    }


def _rows(apps: pl.DataFrame) -> dict[str, dict]:
    return {r["package"]: r for r in apps.iter_rows(named=True)}


def test_figures_summed_per_package_over_its_uids():
    res = analyse(make_capture(_tables(), checkin_version=36, sdk=34))
    assert res.apps.schema == APPS.empty().schema
    rows = _rows(res.apps)
    a = rows["com.a"]
    # Partial wakelocks only (the full one is not counted), both users' copies summed.
    assert a["partial_wakelock_ms"] == 5 * H
    assert a["partial_wakelock_ms_per_24h"] == pytest.approx(10 * H)
    # The primary uid is the one with the most partial wakelock time, not the lowest.
    assert a["uids"] == [A, A_U10] and a["uid"] == A_U10
    assert a["wakeup_alarms"] == 17 and a["power_mah"] == pytest.approx(6.75)
    assert a["jobs_registered"] == 1 and a["jobs_deferred"] == 1
    # A zero-length foreground service names no API.
    assert "foreground_service" not in (a["apis"] or [])
    b = rows["com.b"]
    assert b["shared_packages"] == "com.b,com.b.extra"
    assert b["partial_wakelock_ms"] == 0 and b["jobs_deferred"] == 0
    assert b["syncs"] == 6 and b["sync_ms"] == MIN and b["foreground_service_ms"] == 8 * H
    assert b["apis"][0] == "foreground_service"
    # A uid nothing names has no row of its own: its wakelock names no package.
    assert UNNAMED not in {u for r in rows.values() for u in (r["uids"] or [])}


def test_deferred_jobs_null_when_no_job_waits():
    res = analyse(make_capture(_tables(waiting=False), checkin_version=36, sdk=34))
    assert res.apps["jobs_deferred"].null_count() == res.apps.height > 0
    assert _rows(res.apps)["com.b"]["jobs_registered"] == 1


def test_built_in_one_plan(monkeypatch):
    """One collect per report (was ~45–70 eager steps, each a plan of its own)."""
    seen = []

    def capture(ctx, findings):
        seen.append((ctx, findings))
        return build(ctx, findings)

    build = apps_pass.build_apps
    monkeypatch.setattr(apps_pass, "build_apps", capture)
    res = analyse(make_capture(_tables(), checkin_version=36, sdk=34))
    ctx, findings = seen[0]
    plans = []
    for name in ("collect", "_collect_eager"):
        real = getattr(pl.LazyFrame, name, None)
        if real is not None:
            def counted(self, *args, _real=real, **kwargs):
                plans.append(self)
                return _real(self, *args, **kwargs)
            monkeypatch.setattr(pl.LazyFrame, name, counted)
    out = build(ctx, findings)
    assert len(plans) == 1
    assert out.equals(res.apps)
