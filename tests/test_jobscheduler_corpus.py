"""jobscheduler parser on the real corpus: bug reports (7.1.1, 8.1, 9, 10) and the standalone
dumps. Every expected value below was read from the input by hand (grep / eye)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
import pytest

from tests.conftest import BUGREPORTS, corpus_path
from wakescope import parsers

FILES = {
    **BUGREPORTS,
    "samsung_15": "jobscheduler/samsung-android15-utf16le-bom.txt",
    "excerpt_11": "jobscheduler/android11-excerpt-transcribed.txt",
    "wm_11": "jobscheduler/android11-workmanager-job-excerpt.txt",
    "wm_10": "jobscheduler/android10-workmanager-job-excerpt.txt",
    "history_10": "jobscheduler/android10-job-history-excerpt.txt",
}
_CACHE: dict[str, parsers.Capture] = {}


@pytest.fixture(scope="module")
def load():
    def _load(key: str) -> parsers.Capture:
        if key not in _CACHE:
            _CACHE[key] = parsers.load(corpus_path(FILES[key]))
        return _CACHE[key]

    return _load


def _job(cap, uid: int, job_id: int) -> dict:
    rows = cap.table("jobscheduler_jobs").filter(
        (pl.col("uid") == uid) & (pl.col("job_id") == job_id)).to_dicts()
    assert len(rows) == 1
    return rows[0]


def _warnings(cap) -> list[str]:
    return [d.message for d in cap.diagnostics.items if d.section == "jobscheduler"]


@pytest.mark.parametrize("key,registered,blocks", [
    ("meizu_7_1", 9, 9), ("sailfish_8_1", 136, 136), ("emulator_9", 68, 68),
    ("sailfish_10", 25, 25), ("excerpt_11", 26, 21),
])
def test_job_rows_match_registered_count(load, key, registered, blocks):
    cap = load(key)
    jobs = cap.table("jobscheduler_jobs")
    assert jobs.height == blocks
    settings = cap.table("jobscheduler_settings")
    got = settings.filter(pl.col("key") == "Registered jobs")["value"].to_list()
    assert got == [str(registered)]
    if blocks < registered:  # the 11 excerpt is the first 645 lines of the dump
        assert "Registered 26 jobs but only 21 job blocks are printed" in _warnings(cap)[0]
    else:
        assert _warnings(cap) == []
    assert jobs.select(pl.struct("uid", "namespace", "job_id").is_unique().all()).item()


@pytest.mark.parametrize("key", list(FILES))
def test_no_unknown_lines_and_every_line_seen(load, key):
    cap = load(key)
    assert cap.diagnostics.unknown_total("jobscheduler") == 0
    assert cap.diagnostics.lines_seen["jobscheduler"] == cap.section("jobscheduler").line_count
    assert not [d for d in cap.diagnostics.items if d.level == "error"]


def test_samsung_15_hides_jobs_and_says_so(load):
    cap = load("samsung_15")
    assert cap.table("jobscheduler_jobs").height == 0
    (msg,) = _warnings(cap)
    assert msg.startswith("Registered 528 jobs but the dump lists none "
                          "(OEM build hides job details")
    assert "`mReadyToRock=` is missing" in msg
    settings = cap.table("jobscheduler_settings")
    kv = {(r["group"], r["key"]): r["value"] for r in settings.to_dicts()}
    assert kv[("state", "Registered jobs")] == "528"
    assert kv[("state", "Started users")] == "[0, 150]"
    assert kv[("state", "Battery level")] == "100"
    assert kv[("state", "Olaf status")] == "false"
    assert kv[("Settings", "Force execute job")] == "true"
    assert kv[("QuotaController", "qc_window_size_working_ms")] == "14400000"
    assert kv[("BatchNetworkJob", "JobCountForMaybeReadyJobs")] == "150"
    assert kv[("BatchNetworkJob", "history_rows")] == "150"
    assert kv[("Aconfig flags", "android.app.job.add_type_info_to_wakelock_tag")] == "true"
    assert kv[("state", "PersistStats")] == "FirstLoad: 255/74/52 LastSave: 2/0/0"
    assert kv[("state:CountQuotaTracker", "Category{timeout-ej}")] == "5 events in +1d0h0m0s0ms"
    assert kv[("state:BackgroundJobsController", "Plugged In")] == "true"
    restricted = settings.filter(pl.col("key") == "Restricted package")["value"].to_list()
    assert restricted[:2] == ["u0a22 com.nextcloud.client", "u0a243 com.google.android.youtube"]


def test_samsung_15_idle_contexts_and_stats(load):
    cap = load("samsung_15")
    active = cap.table("jobscheduler_active")
    assert active.height == 17 and active["slot"].is_null().all()
    first = active.row(0, named=True)
    assert first["context_id"] == 18098615
    assert first["inactive_since_ms"] == -(((3 * 24 + 19) * 3600 + 22 * 60 + 33) * 1000 + 75)
    assert first["stopped_because"] == "app called jobFinished"
    assert first["stopped_because_code"] == 0
    resched = active.filter(pl.col("context_id") == 168249485).row(0, named=True)
    assert resched["stopped_because"] == "job rescheduled by app"
    assert resched["stopped_because_code"] == 1  # CANCELLED_BY_APP
    stats = cap.table("jobscheduler_package_stats")
    assert stats.height == 5
    assert set(stats["package"]) == {"com.example.mtgdatasetcollector"}
    row = stats.filter(pl.col("pending_count") == 38).row(0, named=True)
    assert (row["period"], row["active_top_count"], row["active_top_pct"]) == ("historical", 38, 2)
    assert json.loads(row["stop_reasons"]) == {"successful_finish": 38}
    assert (row["max_concurrency_total"], row["max_concurrency_fg"]) == (3, 1)


def test_samsung_15_quota(load):
    quota = load("samsung_15").table("jobscheduler_quota")
    assert quota.filter(pl.col("source") == "execution_stats").height == 667
    assert quota.filter(pl.col("source") == "timer").height == 116
    wa = quota.filter((pl.col("package") == "com.whatsapp")
                      & (pl.col("source") == "execution_stats"))
    restricted = wa.filter(pl.col("bucket") == "RESTRICTED").row(0, named=True)
    # executionTimeInWindow=1508255 > allowedTimePerPeriodMs=600000; inQuotaTime in the future
    assert restricted["execution_ms"] == 1508255
    assert restricted["allowed_ms"] == 600000
    assert restricted["time_left_ms"] == 0
    assert restricted["in_quota"] is False
    assert restricted["in_quota_elapsed_ms"] == 580114277
    active = wa.filter(pl.col("bucket") == "ACTIVE").row(0, named=True)
    assert (active["in_quota"], active["time_left_ms"], active["window_ms"]) == (
        True, 1200000 - 10189, 3600000)
    timer = quota.filter((pl.col("source") == "timer")
                         & (pl.col("package") == "com.whatsapp")).row(0, named=True)
    assert timer["user_id"] == 0 and timer["expedited"] is False
    assert timer["session_count"] == 36 and timer["job_count"] == 83


def test_android10_quota_and_secondary_user(load):
    cap = load("sailfish_10")
    quota = cap.table("jobscheduler_quota")
    per_job = quota.filter(pl.col("source") == "job")
    assert per_job.height == 25
    assert per_job["bucket"].unique().to_list() == ["ACTIVE"]
    assert per_job["time_left_ms"].unique().to_list() == [600000]
    assert per_job["in_quota"].all()
    row = per_job.filter(pl.col("job_id") == 2085425582).row(0, named=True)
    assert (row["uid"], row["package"]) == (10106, "com.accuweather.android")
    stats = quota.filter(pl.col("source") == "execution_stats")
    assert stats.height == 10
    assert stats.filter(pl.col("user_id") == 11)["package"].sort().to_list() == [
        "com.android.dialer", "com.android.settings"]
    # ≤13 print no allowed time per bucket: taken from allowed_time_per_period_ms=600000
    assert stats["allowed_ms"].unique().to_list() == [600000]
    assert quota.filter(pl.col("source") == "timer").height == 2
    job = _job(cap, 1101000, 2131427339)  # JOB #u11s1000/2131427339
    assert (job["user_id"], job["source_package"], job["persisted"]) == (
        11, "com.android.settings", True)
    assert _job(cap, 10044, -200)["service"] == "com.android.providers.media/.IdleService"


def test_android81_sync_job(load):
    cap = load("sailfish_8_1")
    job = _job(cap, 1000, 100450)  # gmail-ls sync, account redacted by default
    assert job["scheduler"] == "sync_manager"
    assert job["sync_authority"] == "gmail-ls"
    assert job["sync_account"] == "<account>"
    assert job["sync_account_type"] == "com.google"
    assert job["battery_name"] == "gmail-ls/com.google/<account>:android"
    assert job["tag"] == "*job*/gmail-ls/com.google/<account>:android"
    assert (job["source_uid"], job["source_package"]) == (10092, "com.google.android.gm")
    assert (job["periodic"], job["interval_ms"], job["flex_ms"]) == (True, 86_400_000, 4_320_000)
    assert job["persisted"] is True and job["doze_whitelisted"] is True
    assert job["required"] == ["TIMING_DELAY", "DEADLINE", "CONNECTIVITY"]
    assert job["unsatisfied"] == ["TIMING_DELAY", "DEADLINE"]
    assert job["required_mask"] is None  # 8.x print no masks
    assert job["network_request"] == "1" and job["network_type"] == "any"
    assert job["tracking"] == ["CONNECTIVITY", "TIME"]
    assert job["last_success_local"] == datetime(2018, 4, 2, 9, 30, 30)
    assert job["last_failure_local"] == datetime(2018, 4, 2, 9, 29, 58)
    # Device at UTC-7 (alarm nowRTC vs local): 09:30:30 local = 16:30:30 UTC.
    assert job["last_success_time"] == datetime(2018, 4, 2, 16, 30, 30, tzinfo=UTC)
    assert json.loads(job["ready_parts"]) == {
        "job": False, "user": True, "pending": False, "active": False, "backing_up": False,
        "component": True}
    assert job["pending"] is False and job["running"] is False
    schedulers = cap.table("jobscheduler_jobs")["scheduler"].value_counts().sort("scheduler")
    assert dict(schedulers.iter_rows()) == {"app": 78, "sync_manager": 51, "system": 7}


def test_android81_dexopt_times(load):
    cap = load("sailfish_8_1")
    job = _job(cap, 1000, 800)
    assert job["required"] == ["CHARGING", "TIMING_DELAY", "DEADLINE", "IDLE"]
    assert job["unsatisfied"] == ["DEADLINE", "IDLE"]
    assert job["enqueue_ms"] == -(((27 * 60 + 7) * 60 + 51) * 1000 + 54)  # -1d3h7m51s54ms
    assert job["earliest_run_ms"] == -((3 * 3600 + 27 * 60 + 16) * 1000 + 985)
    assert job["latest_run_ms"] == (20 * 3600 + 32 * 60 + 43) * 1000 + 15
    # now = TimeController `Alarms: now=271649983`, mapped through the alarm clock
    now_utc = cap.clock.to_utc_ms(271649983)
    assert job["latest_run_time"] == datetime.fromtimestamp(
        (now_utc + job["latest_run_ms"]) / 1000, tz=UTC)


def test_android81_history(load):
    cap = load("sailfish_8_1")
    hist = cap.table("jobscheduler_history")
    assert hist.height == 100
    counts = dict(hist["event"].value_counts().iter_rows())
    assert counts == {"START": 49, "STOP": 51}
    stops = hist.filter(pl.col("event") == "STOP")
    assert stops["stop_reason"].unique().to_list() == ["canceled"]
    # 8.1 prints `canceled` for normal finishes too: no public code before 12.
    assert stops["stop_reason_code"].null_count() == 51
    assert stops["stop_reason_internal_code"].unique().to_list() == [0]
    assert hist.filter(pl.col("periodic_flag") & (pl.col("event") == "START")).height == 13
    # The uid is the source uid: sync job 107156 is registered as #1000/107156.
    zoho = hist.filter(pl.col("job_id") == 107156).to_dicts()
    assert [r["event"] for r in zoho] == ["START", "STOP"]
    assert all(r["uid"] == 10179 and r["package"] == "com.zoho.mail" for r in zoho)
    assert zoho[0]["periodic"] is True and zoho[1]["periodic"] is True  # START-P … STOP
    assert zoho[1]["duration_ms"] == 60  # -40m46s396ms → -40m46s336ms
    assert zoho[1]["tag"] == (
        "com.zoho.mail.janalyticsprovider/com.zoho.mail.janalytics/<account>:android")


def test_android81_history_name_with_spaces_unredacted():
    cap = parsers.load(corpus_path(FILES["sailfish_8_1"]), redact=False)
    zoho = cap.table("jobscheduler_history").filter(pl.col("job_id") == 107156).to_dicts()
    name = "com.zoho.mail.janalyticsprovider/com.zoho.mail.janalytics/mail Data Sync:android"
    assert [r["tag"] for r in zoho] == [name, name]
    assert zoho[1]["stop_reason"] == "canceled"
    job = _job(cap, 1000, 100450)
    assert job["sync_account"] == "lixianwei.us@gmail.com"


def test_android81_slots_and_stats(load):
    cap = load("sailfish_8_1")
    active = cap.table("jobscheduler_active")
    assert active.height == 16 and active["slot"].to_list() == list(range(16))
    assert active["stopped_because"].drop_nulls().unique().to_list() == ["app called jobFinished"]
    assert active.filter(pl.col("slot") == 0)["inactive_since_ms"].item() == -(352 * 1000 + 77)
    assert cap.table("jobscheduler_pending").height == 0
    stats = cap.table("jobscheduler_package_stats")
    assert stats.height == 36  # 6 + 9 + 4 + 7 + 10 packages over five periods
    vending = stats.filter((pl.col("period") == "current")
                           & (pl.col("package") == "com.android.vending")).row(0, named=True)
    assert (vending["uid"], vending["pending_count"], vending["active_count"]) == (10035, 15, 13)
    assert json.loads(vending["stop_reasons"]) == {"canceled": 13}
    assert vending["max_concurrency_total"] == 6


def test_android9_history_reasons(load):
    cap = load("emulator_9")
    stops = cap.table("jobscheduler_history").filter(pl.col("event") == "STOP")
    got = dict(stops["stop_reason"].value_counts().iter_rows())
    assert got == {"app called jobFinished": 23, "onStartJob returned false": 7, "canceled": 7,
                   "last work dequeued": 3, "cancelled while waiting for bind": 2,
                   "unexpectedly disconnected": 1}
    assert stops.filter(pl.col("stop_reason") == "app called jobFinished")[
        "stop_reason_name"].unique().to_list() == ["UNDEFINED"]
    # START-P #u0a38/32 at -3h01m29s523ms, STOP at -3h01m27s497ms: periodic, 2026 ms
    first = stops.filter(pl.col("job_id") == 32).row(0, named=True)
    assert (first["periodic"], first["periodic_flag"], first["duration_ms"]) == (True, False, 2026)
    slot2 = cap.table("jobscheduler_active").filter(pl.col("slot") == 2).row(0, named=True)
    assert slot2["stopped_because"].startswith("cancel() called by app, callingUid=10038")
    assert slot2["stopped_because_code"] == 1


def test_android9_jobs(load):
    cap = load("emulator_9")
    sync = _job(cap, 1000, 105465)
    assert sync["scheduler"] == "sync_manager"
    assert (sync["priority"], sync["bias"], sync["flags"]) == ("20", 20, 8)
    assert sync["periodic"] is False and sync["persisted"] is True
    assert sync["battery_name"] == (
        "com.google.android.location.reporting/com.google/<account>:android")
    assert sync["required_mask"] == 0x10000000 and sync["unsatisfied_mask"] == 0x10000000
    dex = _job(cap, 1000, 800)
    assert dex["satisfied"] == ["BATTERY_NOT_LOW", "TIMING_DELAY", "DEVICE_NOT_DOZING",
                                "BACKGROUND_NOT_RESTRICTED"]
    assert (dex["required_mask"], dex["satisfied_mask"], dex["unsatisfied_mask"]) == (
        0xc0000005, 0x82400002, 0x40000005)
    assert dex["standby_bucket"] == "ACTIVE" and dex["uid_active"] is True
    heartbeat = cap.table("jobscheduler_settings").filter(pl.col("group") == "Heartbeat")
    assert dict(zip(heartbeat["key"], heartbeat["value"], strict=True)) == {
        "Current": "15", "Next ACTIVE": "0", "Next WORKING": "22", "Next FREQUENT": "43",
        "Next RARE": "130", "Last heartbeat": "-16m38s755ms", "Next heartbeat": "-5m38s755ms",
        "In parole?": "true"}


def test_android10_history_and_stats(load):
    cap = load("sailfish_10")
    hist = cap.table("jobscheduler_history")
    assert hist.height == 12
    evernote = hist.filter(pl.col("job_id") == 2147480000).to_dicts()
    assert [r["event"] for r in evernote] == ["START", "STOP"]
    assert evernote[1]["stop_reason"] == "last work dequeued"
    assert evernote[1]["duration_ms"] == 4376
    assert evernote[1]["package"] == "com.accuweather.android"
    msg = cap.table("jobscheduler_package_stats").filter(
        pl.col("package") == "com.android.messaging").row(0, named=True)
    assert (msg["pending_count"], msg["pending_pct"], msg["active_count"], msg["active_pct"]) == (
        3, 0, 1, 1)
    consts = cap.table("jobscheduler_settings").filter(pl.col("group") == "QuotaController")
    assert consts.height == 19  # lines 50–68 of the section
    assert consts.filter(pl.col("key") == "window_size_rare_ms")["value"].item() == "86400000"
    bkg = _job(cap, 1000, 52417896)
    assert bkg["implicit_constraints"] == [
        "readyNotDozing=true", "readyNotRestrictedInBg=true", "readyDeadlineSatisfied=false"]
    assert bkg["unsatisfied"] == ["TIMING_DELAY", "DEADLINE", "CONNECTIVITY"]


def test_android71_meizu(load):
    cap = load("meizu_7_1")
    ucs = _job(cap, 10030, 20030314)
    # 7.x `Earliest run time: 42:02:11` / `Latest run time: 114:02:11` (DateUtils, hours > 24)
    assert (ucs["earliest_run_ms"], ucs["latest_run_ms"]) == (151_331_000, 410_531_000)
    weibo = _job(cap, 1000, 101915)
    assert (weibo["scheduler"], weibo["source_package"], weibo["earliest_run_ms"]) == (
        "sync_manager", "com.sina.weibo", 125_000)
    assert json.loads(weibo["ready_parts"]) == {
        "job": False, "pending": False, "active": False, "user": True}
    # 7.x print no `Tracking:` line: taken from the controllers that list the job.
    assert _job(cap, 1000, 800)["tracking"] == ["BATTERY", "IDLE", "TIME"]
    assert _job(cap, 1000, 1005)["tracking"] == ["CONNECTIVITY", "TIME"]
    assert _job(cap, 1000, 808)["latest_run_ms"] is None
    hist = cap.table("jobscheduler_history")
    assert hist.height == 100 and hist["job_id"].is_null().all()
    assert hist["stop_reason"].is_null().all()
    first = hist.head(2).to_dicts()
    assert (first[0]["uid"], first[0]["package"]) == (10035, "com.meizu.mstore")
    assert first[1]["duration_ms"] == 15
    stats = cap.table("jobscheduler_package_stats").filter(pl.col("period") == "current")
    ucm = stats.filter(pl.col("package") == "com.UCMobile").row(0, named=True)
    assert (ucm["pending_count"], ucm["active_count"]) == (3, 2)


def test_android11_excerpt(load):
    cap = load("excerpt_11")
    job = _job(cap, 1000, 1)
    assert job["service"] == "com.android.providers.settings/.WriteFallbackSettingsFilesJobService"
    assert (job["periodic"], job["interval_ms"], job["persisted"]) == (True, 86_400_000, True)
    assert job["restricted_reasons"] == [] and job["dynamic_constraints"] == []
    assert job["last_failure_local"] == datetime(2026, 5, 24, 15, 38, 22)
    assert job["unsatisfied"] == ["TIMING_DELAY", "DEADLINE"]  # readyDynamicSatisfied ignored
    qc = cap.table("jobscheduler_settings").filter(pl.col("group") == "QuotaController")
    assert qc.filter(pl.col("key") == "max_job_count_restricted")["value"].item() == "10"


def test_workmanager_excerpts(load):
    wm10 = load("wm_10").table("jobscheduler_jobs").row(0, named=True)
    assert (wm10["uid"], wm10["job_id"], wm10["scheduler"]) == (10172, 4, "work_manager")
    assert wm10["work_spec_id"] is None  # `Extras: mParcelledData.dataSize=180`
    assert wm10["standby_bucket"] == "RARE"
    assert wm10["earliest_run_ms"] == (38 * 60 + 29) * 1000 + 834
    assert wm10["unsatisfied"] == ["TIMING_DELAY", "CONNECTIVITY"]
    assert wm10["network_type"] == "unmetered"
    wm11 = load("wm_11").table("jobscheduler_jobs").row(0, named=True)
    assert wm11["content_triggers"] == [
        "content://media/internal/video/media", "content://media/external/video/media",
        "content://media/internal/images/media", "content://media/external/images/media"]
    assert wm11["unsatisfied"] == ["WITHIN_QUOTA"]
    assert (wm11["flags"], wm11["expedited"]) == (2, False)
    assert wm11["deferred_since_ms"] == -((64 * 60 + 36) * 1000 + 59)
    assert wm11["tracking"] == ["CONNECTIVITY", "CONTENT", "QUOTA"]


def test_history_excerpt(load):
    hist = load("history_10").table("jobscheduler_history").to_dicts()
    assert [(r["event"], r["uid"], r["job_id"]) for r in hist] == [
        ("START", 10107, 9008), ("STOP", 10107, 9008)]
    assert hist[1]["stop_reason"] == "app called jobFinished"
    assert (hist[1]["stop_reason_code"], hist[1]["duration_ms"]) == (0, 78)
    assert hist[1]["periodic"] is False and hist[1]["periodic_flag"] is True


def test_android81_history_sync_rows_get_their_app(load):
    # Gmail's syncs ran as jobs whose ids are no longer registered (SyncManager uses a fresh
    # id per sync); their source uid u0a92 owns one package among the registered jobs.
    hist = load("sailfish_8_1").table("jobscheduler_history")
    assert hist.filter(pl.col("package").is_null()).height == 0
    gmail = hist.filter(pl.col("tag").str.starts_with("gmail-ls/"))
    assert gmail.height == 12
    assert gmail["package"].unique().to_list() == ["com.google.android.gm"]
    assert gmail["uid"].unique().to_list() == [10092]
