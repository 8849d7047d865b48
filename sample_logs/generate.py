"""Write the bundled sample inputs: one simulated day of one phone, printed as an Android 14
bug report zip with the standalone `adb shell dumpsys …` outputs of the same services, and as
Android 16 and Android 12 bug report zips (each release's own dump shapes).

    python sample_logs/generate.py            # rewrite the files next to this script
    python sample_logs/generate.py --out DIR  # write them somewhere else

Standard library only; seeded and clock-fixed, so a re-run gives byte-identical files
(see README.md for what each file holds and which finding each scenario triggers).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from samplegen import timeline as tl  # noqa: E402
from samplegen.aggregates import Aggregates  # noqa: E402
from samplegen.alarm import AlarmDump  # noqa: E402
from samplegen.batterystats import BatteryStats  # noqa: E402
from samplegen.bugreport import BugReport  # noqa: E402
from samplegen.history import History  # noqa: E402
from samplegen.jobscheduler import JobSchedulerDump  # noqa: E402
from samplegen.release import ANDROID_12, ANDROID_14, ANDROID_16, Release  # noqa: E402
from samplegen.world import APPS, WM_SERVICE, WR_MODEM, World  # noqa: E402

OTHER_RELEASES = (ANDROID_16, ANDROID_12)
FILES = ("bugreport-sample.zip", "batterystats.txt", "batterystats-checkin.txt",
         "jobscheduler.txt", "alarm.txt", *(r.zip_name for r in OTHER_RELEASES),
         "scenarios.json")


def capture(release: Release) -> tuple[World, Aggregates, BatteryStats, str, str, str]:
    """The simulated day as `release` prints it: world, aggregates, batterystats writer,
    alarm dump, jobscheduler dump and checkin text."""
    w = World(release=release)
    agg = Aggregates(w)
    bs = BatteryStats(w, History(w), agg)
    _self_check(w, agg)
    return w, agg, bs, AlarmDump(w).text(), JobSchedulerDump(w).text(), bs.checkin()


def build() -> dict[str, bytes]:
    """Every output file's bytes, by file name."""
    w, agg, bs, alarm, jobs, checkin = capture(ANDROID_14)
    report = BugReport(w, alarm, bs.human(verbose=True), jobs, checkin)
    out = {
        "bugreport-sample.zip": report.zip_bytes(),
        # `adb shell dumpsys batterystats` has no -a: no state word in history lines.
        "batterystats.txt": bs.human(verbose=False).encode(),
        "batterystats-checkin.txt": checkin.encode(),
        "jobscheduler.txt": jobs.encode(),
        "alarm.txt": alarm.encode(),
    }
    releases = {ANDROID_14.zip_name: release_facts(w, bs)}
    for release in OTHER_RELEASES:
        rw, _agg, rbs, ralarm, rjobs, rcheckin = capture(release)
        out[release.zip_name] = BugReport(rw, ralarm, rbs.human(verbose=True), rjobs,
                                          rcheckin).zip_bytes()
        releases[release.zip_name] = release_facts(rw, rbs)
    out["scenarios.json"] = (json.dumps(scenarios(w, agg, releases), indent=2)
                             + "\n").encode()
    return out


def release_facts(w: World, bs: BatteryStats) -> dict:
    """What `wakescope info` should say about a bug report, and the figures that differ by
    release (12's checkin `pwi` is BatteryStatsHelper's model: app totals without screen)."""
    r = w.r
    power = bs.checkin_uid_power()
    tv = APPS["com.example.streamtv"].uid
    return {
        "release": r.name, "sdk": r.sdk,
        "sdk_source": "dumpstate header" if r.sdk >= 34 else "getprop",
        "build": r.build_id, "checkin_version": r.checkin_version,
        "parcel_version": r.parcel_version,
        "top_power_consumer_share": round(power[tv] / sum(power.values()), 3),
        "job_names": {  # the battery names this release gives the scenario jobs
            "deferred_job": w.r.battery_name(f"com.example.photobackup/{WM_SERVICE}",
                                             w.r.wm_namespace),
            "abnormal_job_stops": w.cloudnotes_name,
            "sync_storm": w.contactsplus_job,
        },
    }


def _per_day(ms: float, period: int) -> float:
    return round(ms / 3_600_000 * 86_400_000 / period, 2)


# The energy findings (docs/energy.md) every batterystats file of the sample gives: the
# screen-off drain, the awake share, the Bluetooth HAL kernel wakelock, the radio time.
SCREEN_OFF_KINDS = ("screen_off_drain", "awake_screen_off", "kernel_wakelock", "radio_active")


def scenarios(w: World, agg: Aggregates, releases: dict[str, dict]) -> dict:
    """The findings the capture is built to trigger, one app each, with the figures (from
    the Android 14 capture; `releases` lists what differs in each bug report)."""
    uid = {p: a.uid for p, a in APPS.items()}
    chat = agg.uids[uid["com.example.chatsync"]].wakelocks["ChatSync:Connection"]
    stuck = w.stuck_hold
    news = agg.uids[uid["com.example.newsfeed"]]
    news_alarms = sum(1 for a in w.alarms if a.uid == news.uid and a.wakeup)
    notes = agg.uids[uid["com.example.cloudnotes"]].completions[
        "com.example.cloudnotes/.sync.NotesSyncJobService"]
    syncs = sum(1 for s in w.syncs if s.uid == uid["com.example.contactsplus"])
    fgs = agg.uids[uid["com.example.fileshare"]].fgs
    gps = agg.uids[uid["com.example.geonotes"]].gps
    power = {st.uid: st.power_total for st in agg.uids.values()}
    apps_total = sum(power.values())
    modem = agg.wakeup_reasons[WR_MODEM]
    resumes = sum(n for _, n in agg.wakeup_reasons.values())
    hours = w.period / 3_600_000
    return {
        "source": "bugreport-sample.zip",
        "period_hours": round(hours, 2),
        "scenarios": {
            "excessive_wakelock": "com.example.chatsync",
            "stuck_wakelock": "com.example.smarthome",
            "excessive_wakeups": "com.example.newsfeed",
            "deferred_job": "com.example.photobackup",
            "abnormal_job_stops": "com.example.cloudnotes",
            "alarm_deferral": "com.example.shoppingdeals",
            "sync_storm": "com.example.contactsplus",
            "long_foreground_service": "com.example.fileshare",
            "background_location": "com.example.geonotes",
            "top_power_consumer": "com.example.streamtv",
            "kernel_wakeup_reason": None,
            "screen_off_drain": None,
            "awake_screen_off": None,
            "kernel_wakelock": None,
            "radio_active": None,
        },
        "details": {
            "excessive_wakelock": {
                "uid": chat and uid["com.example.chatsync"], "tag": "ChatSync:Connection",
                "partial_hours": round(chat.actual / 3_600_000, 2),
                "screen_off_hours": round(
                    tl.overlap(tl.union((h.start, h.end) for h in w.holds
                                        if h.tag == "ChatSync:Connection"),
                               tl.subtract([(w.t0, w.end)], w.screen_iv)) / 3_600_000, 2),
                "hours_per_24h": _per_day(chat.actual, w.period), "threshold_hours": 2},
            "stuck_wakelock": {
                "uid": uid["com.example.smarthome"], "tag": "SmartHome:DeviceBridge",
                "longest_hold_minutes": round(stuck.duration / 60_000, 1),
                "threshold_minutes": 60},
            "excessive_wakeups": {
                "uid": uid["com.example.newsfeed"],
                "tag": "*walarm*:com.example.newsfeed.action.REFRESH",
                "wakeup_alarms": news_alarms,
                "wakeup_alarms_screen_off": sum(news.wakeup_alarms.values()),
                "per_hour": round(news_alarms / hours, 1), "threshold_per_hour": 10},
            "deferred_job": {
                "uid": uid["com.example.photobackup"], "job_id": 7,
                "namespace": "androidx.work.systemjobscheduler",
                "work_spec_id": "3f6c2a9e-8b41-4d7a-9c15-2e07b5d1f4a8",
                "unsatisfied": ["BATTERY_NOT_LOW", "CONNECTIVITY"],
                "waiting_hours": round((w.now_jobs - w.photobackup_enqueued) / 3_600_000, 2)},
            "abnormal_job_stops": {
                "uid": uid["com.example.cloudnotes"], "job_id": 1001,
                "job": "com.example.cloudnotes/.sync.NotesSyncJobService",
                "completions": dict(sorted(notes.items()))},
            "alarm_deferral": {
                "uid": uid["com.example.shoppingdeals"],
                "tag": "*walarm*:com.example.shoppingdeals.action.DEAL_CHECK",
                "policy": "app_standby", "bucket": "RARE"},
            "sync_storm": {
                "uid": uid["com.example.contactsplus"],
                "authority": "com.example.contactsplus.provider", "syncs": syncs,
                "per_hour": round(syncs / hours, 1)},
            "long_foreground_service": {
                "uid": uid["com.example.fileshare"],
                "fgs_hours": round(fgs.total / 3_600_000, 2), "sessions": fgs.count},
            "background_location": {
                "uid": uid["com.example.geonotes"], "gps_hours": round(gps.total / 3_600_000, 2),
                "gps_background_hours": round(gps.bg / 3_600_000, 2),
                "wakelock_tag": "*location*"},
            "top_power_consumer": {
                "uid": uid["com.example.streamtv"],
                "mah": round(power[uid["com.example.streamtv"]], 1),
                "share": round(power[uid["com.example.streamtv"]] / apps_total, 3)},
            "kernel_wakeup_reason": {
                "reason": WR_MODEM, "count": modem[1], "share": round(modem[1] / resumes, 3),
                "per_hour": round(modem[1] / hours, 1)},
            "kernel_wakelock": {"name": "hal_bluetooth_lock", "ms": 9_000_000, "count": 14},
            "screen_off_drain": {"screen_off_hours": round(
                tl.overlap([(w.t0, w.end)], tl.subtract([(w.t0, w.end)], w.screen_iv))
                / 3_600_000, 2)},
            "awake_screen_off": {"kernel_wakelock": "hal_bluetooth_lock"},
            "radio_active": {},
        },
        "files": {
            "bugreport-sample.zip": "all",
            "batterystats.txt": ["excessive_wakelock", "stuck_wakelock", "excessive_wakeups",
                                 "abnormal_job_stops", "sync_storm", "long_foreground_service",
                                 "background_location", "top_power_consumer",
                                 "kernel_wakeup_reason", *SCREEN_OFF_KINDS],
            "batterystats-checkin.txt": ["excessive_wakelock", "stuck_wakelock",
                                         "excessive_wakeups", "abnormal_job_stops",
                                         "sync_storm", "long_foreground_service",
                                         "background_location", "top_power_consumer",
                                         "kernel_wakeup_reason", *SCREEN_OFF_KINDS],
            "jobscheduler.txt": ["deferred_job", "abnormal_job_stops"],
            "alarm.txt": ["excessive_wakeups", "alarm_deferral"],
            **{r.zip_name: "all" for r in OTHER_RELEASES},
        },
        "releases": releases,
    }


def _self_check(w: World, agg: Aggregates) -> None:
    """The healthy rest of the phone must stay clearly under every threshold."""
    per_day = {st.uid: _per_day(sum(x.actual for x in st.wakelocks.values()), w.period)
               for st in agg.uids.values()}
    chat = APPS["com.example.chatsync"].uid
    assert per_day[chat] > 2.5, per_day[chat]
    assert all(v < 1.6 for u, v in per_day.items() if u != chat), per_day
    spans = sorted(e - s for s, e in w.wakelock_iv)
    assert spans[-1] >= 75 * 60_000 and spans[-2] < 45 * 60_000, spans[-3:]
    hours = w.period / 3_600_000
    for uid in {a.uid for a in w.alarms if a.wakeup}:
        n = sum(1 for a in w.alarms if a.uid == uid and a.wakeup)
        assert (n / hours > 12) == (uid == APPS["com.example.newsfeed"].uid), (uid, n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in build().items():
        (args.out / name).write_bytes(data)
        print(f"wrote {args.out / name} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
