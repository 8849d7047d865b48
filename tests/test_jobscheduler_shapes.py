"""12 / 14 / 16 shapes the corpus lacks, from hand-written dumps in tests/data/jobscheduler/
(written from formats.md §3; see the README there)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from wakescope.parsers.clock import Clock
from wakescope.parsers.jobscheduler import parse
from wakescope.parsers.section_input import SectionInput

DATA = Path(__file__).parent / "data" / "jobscheduler"
# Capture clock for the 14 file: its TimeController says `Elapsed clock: 123456789`.
CLOCK_14 = Clock(123_456_789, 1_700_000_000_000, "test", utc_offset_min=60)


def _parse(name: str, clock: Clock | None = None, redact: bool = True):
    inp = SectionInput.from_text("jobscheduler", (DATA / name).read_text(), clock=clock,
                                 redact=redact)
    return parse(inp), inp


@pytest.fixture(scope="module")
def a14():
    return _parse("android14-shapes.txt", CLOCK_14)


@pytest.fixture(scope="module")
def a16():
    return _parse("android16-shapes.txt")


@pytest.fixture(scope="module")
def a12():
    return _parse("android12-shapes.txt")


def _job(res, job_id: int) -> dict:
    return res["jobscheduler_jobs"].filter(pl.col("job_id") == job_id).row(0, named=True)


@pytest.mark.parametrize("name,jobs", [
    ("android12-shapes.txt", 2), ("android14-shapes.txt", 5), ("android16-shapes.txt", 3)])
def test_everything_recognised(name, jobs):
    res, inp = _parse(name)
    assert res["jobscheduler_jobs"].height == jobs
    assert inp.diagnostics.unknown_total() == 0
    assert inp.diagnostics.items == []


def test_14_namespaced_workmanager_ej(a14):
    res, _ = a14
    job = _job(res, 7)
    assert job["namespace"] == "androidx.work.systemjobscheduler"
    assert job["scheduler"] == "work_manager"
    assert job["work_spec_id"] == "0b9d4f52-77a3-4e0c-8f1e-5c2d6a9b3e40"
    assert job["battery_name"] == ("@androidx.work.systemjobscheduler@com.example/"
                                   "androidx.work.impl.background.systemjob.SystemJobService")
    assert job["tag"] == "*job*/" + job["battery_name"] + "#7"
    assert (job["flags"], job["expedited"], job["priority"]) == (0x10, True, "MAX")
    assert job["pending"] is True and job["evaluated_bias"] == 0
    assert job["unsatisfied"] == [] and job["unsatisfied_mask"] == 0


def test_14_workmanager_deferred_by_restriction(a14):
    res, _ = a14
    job = _job(res, 1001)
    assert job["namespace"] is None
    assert job["work_spec_id"] == "6f0c2a9e-2b1d-4c7e-9a51-0f3e8d2b7c11"
    assert (job["priority"], job["effective_priority"]) == ("DEFAULT", "LOW")
    assert job["required"] == ["BATTERY_NOT_LOW", "TIMING_DELAY", "CONNECTIVITY", "FLEXIBILITY"]
    assert job["required_mask"] == 0x90200002
    # printed unsatisfied + the implicit `readyNotRestrictedInBg: false`
    assert job["unsatisfied"] == ["TIMING_DELAY", "CONNECTIVITY", "FLEXIBILITY", "WITHIN_QUOTA",
                                  "BACKGROUND_NOT_RESTRICTED"]
    assert job["unsatisfied_mask"] == 0x91200000
    assert job["restricted_reasons"] == ["thermal"]
    assert json.loads(job["ready_parts"])["restricted"] is True
    assert (job["num_failures"], job["num_system_stops"]) == (2, 1)
    assert job["standby_bucket"] == "WORKING_SET" and job["deferred_since_ms"] == -720_000
    # now 123456789 ↔ 1_700_000_000_000; earliest −25m10s500ms; device local = UTC+1
    assert job["earliest_run_time"] == datetime.fromtimestamp(
        (1_700_000_000_000 - 1_510_500) / 1000, tz=UTC)
    assert job["last_failure_time"] == datetime(2023, 11, 14, 11, 30, 9, tzinfo=UTC)


def test_14_sync_job_in_syncmanager_namespace(a14):
    res, _ = a14
    job = _job(res, 100018)
    assert (job["uid"], job["namespace"], job["scheduler"]) == (1000, "SyncManager", "sync_manager")
    assert (job["sync_authority"], job["sync_account"]) == ("gmail-ls", "<account>")
    assert job["battery_name"] == "@SyncManager@gmail-ls/com.google/<account>:android"
    assert job["tag"] == "*job*/@SyncManager@gmail-ls/com.google/<account>:android#100018"
    assert (job["bias"], job["priority"]) == (10, "DEFAULT")
    raw, _ = _parse("android14-shapes.txt", redact=False)
    assert _job(raw, 100018)["sync_account"] == "jane.doe@example.com"


def test_14_user_initiated_job_running(a14):
    res, _ = a14
    job = _job(res, 42)
    assert (job["flags"], job["user_initiated"], job["expedited"]) == (0x20, True, False)
    assert job["running"] is True and job["evaluated_bias"] == 40
    slot = res["jobscheduler_active"].filter(pl.col("slot") == 0).row(0, named=True)
    assert (slot["context_id"], slot["uid"], slot["job_id"]) == (101, 10200, 42)
    assert (slot["running_ms"], slot["timeout_ms"]) == (199_000, 101_000)
    assert slot["pending_stop_reason"] == "7/1/cancelled due to unsatisfied constraints"
    assert slot["pending_stop_reason_code"] == 7  # STOP_REASON_CONSTRAINT_CONNECTIVITY
    idle = res["jobscheduler_active"].filter(pl.col("slot").is_null())
    assert idle["context_id"].to_list() == [102, 103]
    assert idle["stopped_because"].to_list() == ["app called jobFinished", None]


def test_14_pending_completed_cancelled(a14):
    res, _ = a14
    (pending,) = res["jobscheduler_pending"].to_dicts()
    assert (pending["position"], pending["uid"], pending["job_id"]) == (1, 10123, 7)
    assert pending["namespace"] == "androidx.work.systemjobscheduler"
    assert pending["waiting_ms"] == 1500
    done = res["jobscheduler_completed"]
    assert done["status"].to_list() == ["completed", "completed", "cancelled"]
    assert done["job_id"].to_list() == [7, 17, 1001]
    cancelled = done.filter(pl.col("status") == "cancelled").row(0, named=True)
    assert cancelled["stop_reason"].startswith("cancel() called by app, callingUid=10123")
    assert cancelled["stop_reason_code"] == 1
    assert cancelled["ended_ms"] == -3_890_250


def test_14_history_quota_controllers(a14):
    res, _ = a14
    hist = res["jobscheduler_history"]
    ns = hist.filter(pl.col("job_id") == 7).to_dicts()
    assert [r["namespace"] for r in ns] == ["androidx.work.systemjobscheduler"] * 2
    assert ns[1]["duration_ms"] == 5000 and ns[1]["periodic"] is False
    quota = res["jobscheduler_quota"]
    job_rows = quota.filter(pl.col("source") == "job")
    assert job_rows["job_id"].to_list() == [1001, 7, 17]
    assert job_rows["in_quota"].to_list() == [False, True, True]
    assert job_rows["expedited"].to_list() == [False, True, False]
    assert job_rows["namespace"].to_list() == [None, "androidx.work.systemjobscheduler", None]
    timers = quota.filter(pl.col("source") == "timer")
    assert timers["expedited"].to_list() == [False, True]
    assert timers["execution_ms"].to_list() == [600_000, 60_000]
    stats = quota.filter(pl.col("source") == "execution_stats").row(0, named=True)
    assert (stats["in_quota"], stats["time_left_ms"], stats["session_count"]) == (False, 0, 2)
    jobs = res["jobscheduler_jobs"]
    assert _job(res, 7)["tracking"] == ["CONNECTIVITY", "QUOTA"]
    assert jobs.filter(pl.col("scheduler") == "system")["job_id"].to_list() == [17]
    settings = res["jobscheduler_settings"]
    proc = settings.filter(pl.col("group") == "Uid proc states").row(0, named=True)
    assert (proc["key"], proc["value"]) == ("u0a200", "TOP")


def test_16_wakelock_type_tags_and_trace_prefix(a16):
    res, _ = a16
    backup = _job(res, 9)
    assert backup["tag"] == "*job*r/#photoBackup#com.photos/.BackupJobService"
    assert backup["battery_name"] == "#photoBackup#com.photos/.BackupJobService"
    assert (backup["expedited"], backup["user_initiated"]) == (False, False)
    assert backup["network_type"] == "unmetered"
    chat = _job(res, 31)
    assert chat["tag"].startswith("*job*e/@androidx.work.systemjobscheduler@com.chat/")
    assert chat["expedited"] is True and chat["running"] is True
    assert chat["work_spec_id"] == "c3a7e1d0-4f5b-4a6e-9b2c-8d7e6f5a4b3c"
    maps = _job(res, 2)
    assert maps["tag"] == "*job*u/com.maps/.OfflineDownloadJobService"
    assert (maps["user_initiated"], maps["priority"], maps["pending"]) == (True, "HIGH", True)
    assert maps["unsatisfied"] == ["CONNECTIVITY"]


def test_16_queues_history_and_flags(a16):
    res, _ = a16
    (pending,) = res["jobscheduler_pending"].to_dicts()
    assert (pending["position"], pending["job_id"], pending["evaluated_bias"]) == (1, 2, 40)
    assert pending["waiting_ms"] == 1_500_000
    active = res["jobscheduler_active"]
    assert active["context_id"].to_list() == [7, 8]
    assert active.filter(pl.col("context_id") == 8)["stopped_because_code"].item() == 16
    (cancelled,) = res["jobscheduler_completed"].to_dicts()
    assert (cancelled["status"], cancelled["uid"], cancelled["job_id"]) == ("cancelled", 10140, 8)
    stop = res["jobscheduler_history"].filter(pl.col("event") == "STOP").row(0, named=True)
    assert (stop["stop_reason"], stop["stop_reason_code"], stop["stop_reason_name"]) == (
        "timeout_abandoned", 16, "TIMEOUT_ABANDONED")
    assert stop["stop_reason_internal_code"] == 13
    assert stop["duration_ms"] == 30 * 60 * 1000
    settings = res["jobscheduler_settings"]
    flags = settings.filter(pl.col("group") == "Aconfig flags")
    assert flags.height == 6
    assert dict(zip(settings.filter(pl.col("group") == "state")["key"],
                    settings.filter(pl.col("group") == "state")["value"], strict=True))[
        "Battery level"] == "64"
    stats = res["jobscheduler_package_stats"]
    maps = stats.filter(pl.col("package") == "com.maps").row(0, named=True)
    assert maps["pending_now"] is True
    assert json.loads(maps["stop_reasons"]) == {"timeout_abandoned": 1}


def test_12_shapes(a12):
    res, _ = a12
    sync = _job(res, 100512)
    assert (sync["priority"], sync["bias"], sync["expedited"]) == ("10 [SYNC_EXPEDITED]", 10, True)
    assert sync["satisfied"][-1] == "WITHIN_EXPEDITED_QUOTA"
    assert sync["running"] is True
    news = _job(res, 3)
    assert news["dynamic_constraints"] == ["BACKGROUND_NOT_RESTRICTED"]
    # readyNotRestrictedInBg false, and readyDynamicSatisfied false with a dynamic constraint
    assert news["unsatisfied"] == ["DEADLINE", "WITHIN_QUOTA", "BACKGROUND_NOT_RESTRICTED"]
    assert (news["backoff_policy"], news["backoff_ms"]) == ("linear", 10_000)
    assert news["pending"] is True and news["standby_bucket"] == "RESTRICTED"
    (pending,) = res["jobscheduler_pending"].to_dicts()
    assert pending["position"] == 1  # `Pending #0` (≤12 count from 0)
    slot = res["jobscheduler_active"].filter(pl.col("slot") == 0).row(0, named=True)
    assert slot["context_id"] is None and slot["pending_stop_reason_code"] == 10  # QUOTA
    assert slot["evaluated_bias"] == 10
    (done,) = res["jobscheduler_completed"].to_dicts()
    # 12 prints no short string: uid and name come from the tag line, no job id
    assert (done["uid"], done["job_id"], done["package"]) == (10088, None, "com.news")
    assert done["stop_reason"] == "cancelled due to unsatisfied constraints"
    quota = res["jobscheduler_quota"]
    stats = quota.filter(pl.col("source") == "execution_stats").row(0, named=True)
    # 12 prints no allowedTimePerPeriodMs: qc_allowed_time_per_period_ms=600000 is used
    assert (stats["allowed_ms"], stats["time_left_ms"], stats["in_quota"]) == (
        600_000, 590_000, False)


def test_exempted_bucket_packages_are_state_rows():
    # AOSP 14 BackgroundJobsController (AppStateTracker) lists exempted apps per user.
    from wakescope.parsers import SectionInput
    from wakescope.parsers.jobscheduler import parse

    text = ("BackgroundJobsController:\n  AppStateTracker:\n    Exempted bucket packages:\n"
            "      User 0\n        com.android.systemui\n        com.android.launcher3\n"
            "    Restricted packages:\n")
    inp = SectionInput.from_text("jobscheduler", text)
    settings = parse(inp)["jobscheduler_settings"]
    rows = settings.filter(settings["key"] == "Exempted bucket package")["value"].to_list()
    assert rows == ["user 0: com.android.systemui", "user 0: com.android.launcher3"]
    assert inp.diagnostics.unknown_total() == 0
