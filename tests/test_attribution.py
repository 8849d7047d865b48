"""Attribution: tag → API rules, shared and multi-user uids, joins across the dumps, coverage.

Frames are built by hand with the declared schemas (`SCHEMA.frame(rows)`), so each
expectation follows from the rules in analyzer/rules/apis.toml.
"""

from __future__ import annotations

import polars as pl
import pytest

from wakescope.analyzer.attribution import attribute, coverage
from wakescope.analyzer.knowledge import load_rules
from wakescope.parsers.alarm.schema import STATS as ALARM_STATS
from wakescope.parsers.batterystats.schema import (
    HISTORY,
    JOBS,
    KERNEL_WAKELOCKS,
    PACKAGES,
    SYNCS,
    WAKELOCKS,
    WAKEUP_ALARMS,
)
from wakescope.parsers.jobscheduler.schema import JOBS as JS_JOBS

WM = "androidx.work.impl.background.systemjob.SystemJobService"


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def _wl(rows):
    return WAKELOCKS.frame([{"kind": "partial", "total_ms": 1000, **r} for r in rows])


def _attr(rules, **tables):
    return attribute(tables, rules)


# (uid, tag) → (api, component, owner package); owner None = the uid's package.
CASES = [
    (10123, f"*job*/com.example.app/{WM}", "work_manager", WM, "com.example.app"),
    (10123, f"*job*/@androidx.work.systemjobscheduler@com.example.app/{WM}", "work_manager",
     WM, "com.example.app"),
    (10123, "*job*r/com.example.app/.sync.FetchJob", "job_scheduler", ".sync.FetchJob",
     "com.example.app"),
    (10123, "*job*u/com.example.app/.Upload", "user_initiated_transfer", ".Upload",
     "com.example.app"),
    (10092, "*job*/com.google.android.gm.email.provider/com.google.android.gm.exchange/"
     "x@example.com:android", "sync_adapter",
     "com.google.android.gm.email.provider/com.google.android.gm.exchange/x@example.com",
     "com.example.app"),
    (10130, "*job*/@SyncManager@com.android.contacts/com.google:android", "sync_adapter",
     "com.android.contacts/com.google", "com.example.app"),
    (10106, "*job*/com.accuweather.android/com.evernote.android.job.JobRescheduleService",
     "job_scheduler", "com.evernote.android.job.JobRescheduleService",
     "com.accuweather.android"),
    (10092, "*sync*/gmail-ls/com.google", "sync_adapter", "gmail-ls/com.google", None),
    (10165, "*walarm*:com.facebook.pulse.SCHEDULED_WAKEUP", "alarm_manager",
     "com.facebook.pulse.SCHEDULED_WAKEUP", None),
    (10123, "*alarm*", "alarm_manager", "*alarm*", None),
    (10142, "GOOGLE_C2DM", "fcm", "GOOGLE_C2DM", None),
    (10130, "GCM_CONN_ALARM", "fcm", "GCM_CONN_ALARM", None),
    (10130, "*gms_scheduler*/com.google.android.gms/.droidguard.DroidGuardGmsTaskService",
     "gms_scheduler", ".droidguard.DroidGuardGmsTaskService", "com.google.android.gms"),
    (1000, "NlpWakeLock", "location", "NlpWakeLock", None),
    (10130, "NetworkLocationLocator", "location", "NetworkLocationLocator", None),
    (1000, "*location*:GnssLocationProvider", "location", "*location*:GnssLocationProvider",
     None),
    (1041, "AudioMix", "media", "AudioMix", None),
    (10200, "ExoPlayer:WakeLockManager", "media", "ExoPlayer:WakeLockManager", None),
    (1002, "bluetooth_timer", "bluetooth", "bluetooth_timer", None),
    (10300, "AppWidgetUpdate", "widget", "AppWidgetUpdate", None),
    (10052, "*launch*", "system", "*launch*", None),
    (10131, "wake:com.facebook.katana/com.facebook.pulse.WakeupService", "broadcast",
     "com.facebook.pulse.WakeupService", "com.facebook.katana"),
    (10123, "WorkManager: ProcessorForegroundLck", "work_manager", "ProcessorForegroundLck",
     None),
    (1000, "*walarm*:*job.delay*", "job_scheduler", "*job.delay*", None),
    (1000, "deviceidle_maint", "system", "deviceidle_maint", None),
    (1010123, "register_wakelock", "wakelock", "register_wakelock", None),
    (10123, "_UNKNOWN", "wakelock", "_UNKNOWN", None),
]


@pytest.mark.parametrize(("uid", "tag", "api", "component", "owner"), CASES)
def test_wakelock_tags(rules, uid, tag, api, component, owner):
    pk = PACKAGES.frame([{"uid": 10123, "app_id": 10123, "user_id": 0,
                          "package": "com.example.app"}])
    out = _attr(rules, batterystats_wakelocks=_wl([{"uid": uid, "tag": tag,
                                                    "package": "com.example.app"}]),
                packages=pk)["batterystats_wakelocks"]
    row = out.row(0, named=True)
    assert (row["api"], row["component"]) == (api, component), row["rule"]
    if owner is not None:
        assert row["owner_package"] == owner


def test_unknown_is_last_resort(rules):
    """A tag no rule knows, on a row with no uid, is the only way to `unknown`."""
    out = _attr(rules, batterystats_wakelocks=_wl([{"uid": None, "tag": "mystery"}]))
    assert out["batterystats_wakelocks"]["api"].to_list() == ["unknown"]
    assert out["batterystats_wakelocks"]["rule"].to_list() == ["unknown"]


def test_kernel_and_fgs_families(rules):
    out = _attr(rules,
                batterystats_kernel_wakelocks=KERNEL_WAKELOCKS.frame(
                    [{"name": "PowerManagerService.WakeLocks", "total_ms": 5}]),
                batterystats_wakelocks=_wl([{"uid": 0, "tag": "*vibrator*"}]))
    assert out["batterystats_kernel_wakelocks"]["api"].to_list() == ["kernel"]
    # uid 0 (root) is a system uid: its own wakelocks are system, not kernel.
    assert out["batterystats_wakelocks"]["api"].to_list() == ["system"]


def test_shared_and_multi_user_uids(rules):
    """uid 1000 rows are `android` (not the first package the shared uid lists); a user-10
    uid takes its app id's package; a `*job*/<pkg>/…` on uid 1000 belongs to <pkg>."""
    pk = PACKAGES.frame([
        {"uid": 1000, "app_id": 1000, "user_id": 0, "package": "com.android.settings"},
        {"uid": 1000, "app_id": 1000, "user_id": 0, "package": "android"},
        {"uid": 10123, "app_id": 10123, "user_id": 0, "package": "com.example.app"},
    ])
    wl = _wl([
        {"uid": 1000, "tag": "deviceidle_maint", "package": "com.android.settings"},
        {"uid": 1000, "tag": "*job*/com.miui.daemon/.performance.MeminfoService",
         "package": "com.android.settings"},
        {"uid": 1010123, "tag": "MyLock"},
    ])
    out = _attr(rules, batterystats_wakelocks=wl, packages=pk)["batterystats_wakelocks"]
    assert out["owner_package"].to_list() == ["android", "com.miui.daemon", "com.example.app"]
    assert out["api"].to_list() == ["system", "job_scheduler", "wakelock"]


def test_job_row_refines_wakelock_api(rules):
    """The jobscheduler dump knows a job is WorkManager's (extras), the wakelock tag does not:
    the `*job*/…` wakelock and the battery job take the job row's API."""
    tag = "*job*/com.example.app/com.example.app.CustomJobService"
    jobs = JS_JOBS.frame([{"uid": 10123, "source_uid": 10123, "job_id": 7, "tag": tag,
                           "service": "com.example.app/com.example.app.CustomJobService",
                           "package": "com.example.app", "scheduler": "work_manager"}])
    out = _attr(rules, jobscheduler_jobs=jobs,
                batterystats_wakelocks=_wl([{"uid": 10123, "tag": tag}]),
                batterystats_jobs=JOBS.frame([{"uid": 10123, "job": tag[6:], "count": 3,
                                               "total_ms": 10}]))
    assert out["jobscheduler_jobs"]["api"].to_list() == ["work_manager"]
    assert out["jobscheduler_jobs"]["rule"].to_list() == ["job.work_manager.scheduler"]
    for name in ("batterystats_wakelocks", "batterystats_jobs"):
        assert out[name]["api"].to_list() == ["work_manager"], name
        assert out[name]["rule"].to_list() == ["join:jobscheduler_jobs/job.work_manager.scheduler"]


def test_wakeup_alarm_takes_alarm_stats_package(rules):
    """uid 1000's `*walarm*:DhcpClient…` belongs to the network stack package, which only
    alarm stats names (batterystats keys wakeup alarms by uid)."""
    wua = WAKEUP_ALARMS.frame([
        {"uid": 1000, "tag": "*walarm*:DhcpClient.wlan0.RENEW", "count": 2},
        {"uid": 1000, "tag": "*walarm*:*job.delay*", "count": 9},
    ])
    stats = ALARM_STATS.frame([
        {"package": "com.android.networkstack.inprocess", "uid": 1000,
         "tag": "*walarm*:DhcpClient.wlan0.RENEW", "wakeups": 2},
        {"package": "android", "uid": 1000, "tag": "*walarm*:*job.delay*", "wakeups": 9},
    ])
    out = _attr(rules, batterystats_wakeup_alarms=wua, alarm_stats=stats)
    wa = out["batterystats_wakeup_alarms"]
    assert wa["owner_package"].to_list() == ["com.android.networkstack.inprocess", "android"]
    assert wa["api"].to_list() == ["alarm_manager", "job_scheduler"]
    assert out["alarm_stats"]["api"].to_list() == ["alarm_manager", "job_scheduler"]


def test_history_families(rules):
    """History rows are attributed by event: wake_lock/longwake → wakelock rules, job names
    get the `*job*/` prefix, wake reasons are kernel; other events stay unattributed."""
    h = HISTORY.frame([
        {"seq": 0, "kind": "wakelock", "transition": "start", "name": "wake_lock",
         "tag": "*alarm*:android.intent.action.TIME_TICK", "uid": 1000},
        {"seq": 1, "kind": "event", "transition": "start", "name": "job", "uid": 10123,
         "tag": f"com.example.app/{WM}"},
        {"seq": 2, "kind": "event", "transition": "start", "name": "longwake", "uid": 10123,
         "tag": "MyLock"},
        {"seq": 3, "kind": "wake_reason", "transition": "instant", "name": "wake_reason",
         "tag": "0:qpnp_rtc_alarm"},
        {"seq": 4, "kind": "event", "transition": "start", "name": "top", "uid": 10123,
         "tag": "com.example.app"},
        {"seq": 5, "kind": "state", "transition": "start", "name": "screen"},
    ])
    out = _attr(rules, batterystats_history=h)["batterystats_history"]
    assert out["api"].to_list() == ["alarm_manager", "work_manager", "wakelock", "kernel",
                                    None, None]
    assert out.height == h.height


def test_syncs_and_jobs_tables(rules):
    out = _attr(
        rules,
        batterystats_syncs=SYNCS.frame([{"uid": 10092, "sync": "gmail-ls/com.google/acct",
                                         "count": 3}]),
        jobscheduler_jobs=JS_JOBS.frame([
            {"uid": 10123, "source_uid": 10123, "job_id": 1, "service": f"com.example.app/{WM}",
             "tag": f"*job*/com.example.app/{WM}"},
            {"uid": 10124, "source_uid": 10124, "job_id": 2, "user_initiated": True,
             "service": "com.example.dl/.Download", "tag": "*job*/com.example.dl/.Download"},
            {"uid": 1000, "source_uid": 10125, "job_id": 3, "source_package": "com.example.s",
             "service": "android/com.android.server.content.SyncJobService",
             "tag": "*job*/com.example.s.provider/com.google/a:android"},
        ]))
    assert out["batterystats_syncs"]["api"].to_list() == ["sync_adapter"]
    jobs = out["jobscheduler_jobs"]
    assert jobs["api"].to_list() == ["work_manager", "user_initiated_transfer", "sync_adapter"]


def test_vectorised_over_many_rows(rules):
    """Classification runs once per distinct key: 30 000 history rows with 3 distinct tags."""
    rows = [{"seq": i, "kind": "wakelock", "transition": "start", "name": "wake_lock",
             "uid": 10123, "tag": ("GOOGLE_C2DM", "*alarm*", "MyLock")[i % 3]}
            for i in range(30_000)]
    out = _attr(rules, batterystats_history=HISTORY.frame(rows))["batterystats_history"]
    counts = dict(out.group_by("api").len().iter_rows())
    assert counts == {"fcm": 10_000, "alarm_manager": 10_000, "wakelock": 10_000}


def test_coverage_figures(rules):
    wl = _wl([{"uid": 10123, "tag": "MyLock", "total_ms": 900},
              {"uid": None, "tag": "mystery", "total_ms": 100},
              {"uid": 10123, "tag": "MyLock", "kind": "full", "total_ms": 5000}])
    wua = WAKEUP_ALARMS.frame([{"uid": 10123, "tag": "*walarm*:x", "count": 4}])
    cov = coverage(attribute({"batterystats_wakelocks": wl,
                              "batterystats_wakeup_alarms": wua}, rules))
    assert cov["partial_wakelock_ms"]["attributed"] == 900
    assert cov["partial_wakelock_ms"]["total"] == 1000
    assert cov["partial_wakelock_ms"]["share"] == pytest.approx(0.9)
    assert cov["partial_wakelock_ms"]["by_api"] == {"wakelock": 900, "unknown": 100}
    assert cov["wakeup_alarms"]["share"] == 1.0
    assert cov["wakeup_alarms"]["source"] == "batterystats_wakeup_alarms"


def test_tables_without_rows_are_left_alone(rules):
    empty = WAKELOCKS.empty()
    out = attribute({"batterystats_wakelocks": empty, "other": pl.DataFrame({"a": [1]})}, rules)
    assert out["batterystats_wakelocks"].height == 0
    assert out["other"].equals(pl.DataFrame({"a": [1]}))
