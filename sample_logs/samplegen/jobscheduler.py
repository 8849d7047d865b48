"""`dumpsys jobscheduler` (formats.md §3, real shapes §7.3) in the Android 14 layout, and in
the 12 and 16 ones (§3.1 order table, §5 `jobs` rows): Settings with `key=value ` lines,
`Registered N jobs:` with `JOB …` blocks (WorkManager jobs, namespaced from 14; SyncManager
proxy jobs, namespaced from 15), controllers, package stats, `Job history`, pending queue,
active jobs (12 slots / 13+ idle contexts), recently completed, concurrency, PersistStats.
This entry builds the job list and the dump's order; `JOB …` blocks are printed by
jobscheduler_jobs.py, controllers/quota/queues by jobscheduler_state.py.
"""

from __future__ import annotations

from . import fmt
from .jobscheduler_constants import (
    ACONFIG_16,
    APPS_BY_UID,
    NET_ANY,
    NET_UNMETERED,
    SETTINGS,
    SETTINGS_12,
    SETTINGS_16,
)
from .jobscheduler_jobs import Job, job_block
from .jobscheduler_state import StateSections
from .world import ACCOUNT, APPS, WM_SERVICE, World


class JobSchedulerDump(StateSections):
    def __init__(self, w: World) -> None:
        self.w = w
        self.r = w.r
        self.sdk = w.r.sdk
        self.now = w.now_jobs
        self.jobs = self._registered()

    # -- the registered jobs --------------------------------------------------------------

    def _registered(self) -> list[Job]:
        w = self.w
        now = self.now
        hour = 3_600_000
        jobs = [
            Job(1000, 800, "98d5dbe", "android/com.android.server.pm.BackgroundDexOptService",
                "android/com.android.server.pm.BackgroundDexOptService", "android",
                ["CHARGING", "TIMING_DELAY", "DEADLINE", "IDLE"], now - 20 * hour - 412_119,
                earliest=now + 3 * hour + 1_207, latest=now + 27 * hour + 1_207,
                periodic=(24 * hour, 24 * hour), requires=(True, False, True),
                tracking="BATTERY IDLE TIME QUOTA", persisted=False, bucket="EXEMPTED",
                last_success=now - 2 * 24 * hour + 9 * hour, priority="300 [DEFAULT]"),
            Job(1000, 808, "a31e5ed", "android/com.android.server.MountServiceIdler",
                "android/com.android.server.MountServiceIdler", "android",
                ["CHARGING", "TIMING_DELAY", "IDLE"], now - 8 * hour - 33_014,
                earliest=now + 14 * hour + 204, requires=(True, False, True),
                min_latency=22 * hour, tracking="BATTERY IDLE TIME QUOTA", persisted=False,
                bucket="EXEMPTED"),
            Job(1000, 3923512, "53d98b1", "android/com.android.server.display.BrightnessIdleJob",
                "android/com.android.server.display.BrightnessIdleJob", "android",
                ["CHARGING", "TIMING_DELAY", "DEADLINE", "IDLE"],
                now - 20 * hour - 411_902, earliest=now + 3 * hour + 1_510,
                latest=now + 27 * hour + 1_510, periodic=(24 * hour, 24 * hour),
                requires=(True, False, True), tracking="BATTERY IDLE TIME QUOTA",
                bucket="EXEMPTED"),
            Job(1000, 52417896, "3da230d", "android/com.android.server.backup.KeyValueBackupJob",
                "android/com.android.server.backup.KeyValueBackupJob", "android",
                ["CHARGING", "TIMING_DELAY", "DEADLINE", "CONNECTIVITY"],
                now - 3 * hour - 1_338_101, earliest=now + 26 * 60_000, latest=now + 20 * hour,
                requires=(True, False, False), min_latency=4 * hour, max_delay=24 * hour,
                network=NET_ANY, tracking="BATTERY CONNECTIVITY TIME QUOTA", persisted=False,
                bucket="EXEMPTED", network_id=104),
        ]
        a = APPS
        r = self.r
        wm_ns = r.wm_namespace

        def wm_name(pkg: str) -> str:
            return r.battery_name(f"{pkg}/{WM_SERVICE}", wm_ns)

        # Healthy app jobs: waiting only for their next period.
        mail_wm = [j for j in w.jobs if j.job_id == 12 and j.uid == a["com.example.mail"].uid]
        mail_run = max(mail_wm, key=lambda j: j.start)
        jobs.append(Job(
            a["com.example.mail"].uid, 12, "4f0e1a2", wm_name("com.example.mail"),
            f"com.example.mail/{WM_SERVICE}", "com.example.mail",
            ["TIMING_DELAY", "DEADLINE", "CONNECTIVITY"], mail_run.end + 40,
            earliest=mail_run.end + 40 + hour - 5 * 60_000,
            latest=mail_run.end + 40 + hour, periodic=(hour, 5 * 60_000), namespace=wm_ns,
            extras="{EXTRA_WORK_SPEC_GENERATION=0, EXTRA_IS_PERIODIC=true, "
                   "EXTRA_WORK_SPEC_ID=9d3a7c41-2b5e-4f08-8c6d-1e2f3a4b5c6d}",
            network=NET_ANY, tracking="CONNECTIVITY TIME QUOTA", bucket="WORKING_SET",
            last_success=mail_run.end, cumulative=sum(j.end - j.start for j in mail_wm),
            network_id=104))
        wx_enq = now - 3 * hour - 1_200_000
        jobs.append(Job(
            a["com.example.weather"].uid, 3, "5c1ad0e",
            wm_name("com.example.weather"),
            f"com.example.weather/{WM_SERVICE}", "com.example.weather",
            ["TIMING_DELAY", "DEADLINE", "CONNECTIVITY"],
            wx_enq, earliest=now - 52_118, latest=now + 2 * hour + 8 * 60_000,
            periodic=(3 * hour, 3 * hour), namespace=wm_ns,
            extras="{EXTRA_WORK_SPEC_GENERATION=2, EXTRA_IS_PERIODIC=true, "
                   "EXTRA_WORK_SPEC_ID=27c0f5e9-6a14-4c83-b2d7-8e5f01a9c3b4}",
            network=NET_ANY, tracking="CONNECTIVITY TIME QUOTA", bucket="FREQUENT",
            last_success=wx_enq - 2_400, pending=True, network_id=104))
        # (d) the deferred WorkManager job: unmetered network + battery not low, enqueued
        # last night; the phone has been on mobile data since, and the battery is now low.
        pb = a["com.example.photobackup"].uid
        enq = w.photobackup_enqueued
        low = w.photobackup_battery_low
        jobs.append(Job(
            pb, 7, "81d3a0f", wm_name("com.example.photobackup"),
            f"com.example.photobackup/{WM_SERVICE}", "com.example.photobackup",
            ["BATTERY_NOT_LOW", "CONNECTIVITY"], enq, namespace=wm_ns,
            requires=(False, True, False),
            extras="{EXTRA_WORK_SPEC_GENERATION=0, EXTRA_IS_PERIODIC=false, "
                   "EXTRA_WORK_SPEC_ID=3f6c2a9e-8b41-4d7a-9c15-2e07b5d1f4a8}",
            network=NET_UNMETERED, tracking="BATTERY CONNECTIVITY QUOTA", bucket="WORKING_SET",
            history=[(enq, ["BATTERY_NOT_LOW", "DEVICE_NOT_DOZING",
                            "BACKGROUND_NOT_RESTRICTED", "TARE_WEALTH", "WITHIN_QUOTA"]),
                     (low, ["DEVICE_NOT_DOZING", "BACKGROUND_NOT_RESTRICTED", "TARE_WEALTH",
                            "WITHIN_QUOTA"])],
            last_success=w.clock.elapsed(w.clock.local(enq).replace(
                day=10, hour=21, minute=4, second=51))))
        # (e) the app reschedules its sync job after every run.
        last = w.cloudnotes_last
        cn_enq = last.end + 380
        jobs.append(Job(
            a["com.example.cloudnotes"].uid, 1001, "3e1b77c", w.cloudnotes_name,
            "com.example.cloudnotes/.sync.NotesSyncJobService", "com.example.cloudnotes",
            ["TIMING_DELAY", "CONNECTIVITY"], cn_enq, earliest=cn_enq + 15 * 60_000,
            min_latency=15 * 60_000, network=NET_ANY, tracking="CONNECTIVITY TIME QUOTA",
            bucket="WORKING_SET", last_success=last.end, network_id=104, flags=0x10,
            priority="500 [MAX]", trace_tag="NotesSync" if r.sdk >= 36 else None,
            history=[(cn_enq, ["CONNECTIVITY", "DEVICE_NOT_DOZING",
                               "BACKGROUND_NOT_RESTRICTED", "TARE_WEALTH", "WITHIN_QUOTA"])]))
        jobs.append(Job(
            a["com.example.streamtv"].uid, 3, "6a2b9c1",
            "com.example.streamtv/.sync.CatalogRefreshJobService",
            "com.example.streamtv/.sync.CatalogRefreshJobService", "com.example.streamtv",
            ["TIMING_DELAY", "DEADLINE", "CONNECTIVITY"],
            w.at(1, "20:48:50.011"), earliest=w.at(2, "08:33:50.011"),
            latest=w.at(2, "08:48:50.011"), periodic=(12 * hour, 15 * 60_000),
            network=NET_ANY, tracking="CONNECTIVITY TIME QUOTA", bucket="ACTIVE",
            last_success=w.at(1, "20:48:49.720"), network_id=104))
        # SyncManager proxy jobs (calling uid 1000, source = the sync adapter's app).
        cal = f"com.android.calendar/com.example.mail.account/{ACCOUNT}"
        cal_runs = [j for j in w.jobs if j.job_id == 100007]
        cal_last = cal_runs[-1]
        jobs.append(Job(
            1000, 100007, "7d11e04", r.battery_name(f"{cal}:android", r.sync_namespace),
            "android/com.android.server.content.SyncJobService", "com.example.mail",
            ["TIMING_DELAY", "DEADLINE", "CONNECTIVITY"], cal_last.end + 30,
            earliest=cal_last.end + 30 + 3 * 3_600_000 - 600_000,
            latest=cal_last.end + 30 + 3 * 3_600_000, periodic=(3 * hour, 10 * 60_000),
            extras=self._sync_extras("com.android.calendar", "com.example.mail.account",
                                     a["com.example.mail"].uid, "com.example.mail", 100007,
                                     True),
            network=NET_ANY, tracking="CONNECTIVITY TIME QUOTA", bucket="WORKING_SET",
            last_success=cal_last.end, network_id=104, namespace=r.sync_namespace))
        start, sync_id = w.contactsplus_active
        jobs.append(Job(
            1000, sync_id, "c4e7f20", w.contactsplus_job,
            "android/com.android.server.content.SyncJobService", "com.example.contactsplus",
            ["CONNECTIVITY"], start - 12,
            extras=self._sync_extras("com.example.contactsplus.provider",
                                     "com.example.contactsplus.account",
                                     a["com.example.contactsplus"].uid,
                                     "com.example.contactsplus", sync_id, False),
            network=NET_ANY, tracking="CONNECTIVITY QUOTA", bucket="WORKING_SET",
            persisted=False, active=True, network_id=104, namespace=r.sync_namespace,
            last_success=max(j.end for j in w.jobs if j.name == w.contactsplus_job),
            bias="10 [SYNC_EXPEDITED]"))
        for job in jobs:
            job.now = now
            job.r = r
        return jobs

    @staticmethod
    def _sync_extras(authority: str, account_type: str, uid: int, pkg: str, job_id: int,
                     periodic: bool) -> str:
        """SyncOperation.toJobInfoExtras (formats.md §3.3); account name in clear (PII)."""
        return ("{SyncManagerJob=true, provider=" + authority + ", accountName=" + ACCOUNT
                + f", accountType={account_type}, userId=0, owningUid={uid}, "
                f"owningPackage={pkg}, reason=-7, source=3, allowParallelSyncs=false, "
                f"jobId={job_id}, isPeriodic={str(periodic).lower()}, sourcePeriodicId=-1, "
                f"periodMillis={10_800_000 if periodic else 0}, "
                f"flexMillis={600_000 if periodic else 0}, expectedRuntime=0, retries=0, "
                "syncExemptionFlag=0, ejDowngradedToRegular=false, syncExtras={}}")

    # -- writing --------------------------------------------------------------------------

    def text(self) -> str:
        out: list[str] = []
        if self.sdk == 34:
            out += SETTINGS
        elif self.sdk >= 36:
            # JobSchedulerService.dumpInternal (yaap 16): constants, `Aconfig flags:`, the
            # restriction constants, the API quota tracker, then the battery state.
            out += [*SETTINGS_16, "", "Aconfig flags:"]
            out += [f"  {flag}={value} " for flag, value in ACONFIG_16]
            out += ["", "Thermal status: 0"]
        else:
            out += SETTINGS_12
        out += ["", "CountQuotaTracker:", "  Is enabled: true", "  Is global quota free: false",
                f"  Current elapsed time: {self.now}", "  ", "  ", "  In quota alarms:",
                "    NOT WAITING", "  ", "  Per-app free quota:", "  ", "  Instantaneous events:",
                "  ", "  Cached execution stats:"]
        for pkg in ("android", "com.example.mail", "com.example.cloudnotes",
                    "com.example.photobackup"):
            out.append(f"    <0>{pkg}::.schedulePersisted():")
            out.append(f"      expirationTime={self.now + 41_204}, windowSizeMs=60000, "
                       "countLimit=250, countInWindow=0, inQuotaTime=0")
        out += ["  ", "  Limits:",
                "    Category{.schedulePersisted()}: 250 events in +1m0s0ms",
                "    Category{.schedulePersisted out-of-quota logged}: 1 events in +1m0s0ms"]
        if self.sdk >= 36:  # 16 adds `Considered charging:` and `Battery level:` (§3.1)
            level = self.w.level_at(self.w.end)
            out += ["", "Power connected: false", "Battery charging: false",
                    "Considered charging: false", f"Battery level: {level}",
                    "Battery not low: false"]
        elif self.sdk >= 33:
            out += ["", "Power connected: false", "Battery charging: false",
                    "Battery not low: false"]
        out += ["", "Started users: [0]", ""]
        if self.sdk >= 33:  # 13+
            out += ["Media Cloud Providers: {}", ""]
        out.append(f"Registered {len(self.jobs)} jobs:")
        for job in sorted(self.jobs, key=lambda j: (j.calling_uid, j.job_id)):
            out += job_block(job, self.w.clock)
        out.append("")
        out += self._controllers()
        out += self._uid_state()
        out += self._package_stats()
        out += self._history()
        out += self._queues()
        return "\n".join(out) + "\n"

    def _package_stats(self) -> list[str]:
        w = self.w
        c = w.clock
        now = self.now
        out = []
        period = 1_800_000
        cur_start = now - 1_412_201
        blocks = [(cur_start - 2 * period, cur_start - period, "Historical"),
                  (cur_start - period, cur_start, "Historical"),
                  (cur_start, now, "Current")]
        for start, end, kind in blocks:
            out.append(f"{kind} stats at {c.history(start)} ({fmt.duration(start - now)}) over "
                       f"{fmt.duration(end - start)}:")
            runs = [r for r in w.jobs if start <= r.start < end]
            out.append(f"  Max concurrency: {2 if len(runs) > 1 else 1} total, "
                       f"{1 if any(w.screen_on(r.start) for r in runs) else 0} foreground")
            out.append("  ")
            by_pkg = {}
            for r in runs:
                by_pkg.setdefault(r.uid, []).append(r)
            for uid in sorted(by_pkg):
                rs = by_pkg[uid]
                pct = sum(r.end - r.start for r in rs) * 100 // (end - start)
                out.append(f"  {fmt.uid(uid)} / {APPS_BY_UID[uid]}:")
                load = f" {pct}%" if pct else ""
                out.append(f"    {len(rs)}x pending{load} {len(rs)}x active ")
                reasons = {}
                for r in rs:
                    reasons[r.outcome] = reasons.get(r.outcome, 0) + 1
                out.append("    " + ", ".join(f"{n}x {k}" for k, n in sorted(reasons.items())))
            out.append("")
        return out

    def _history(self) -> list[str]:
        """The last 100 START/STOP events, oldest first; uid = source uid; `-P` inverted on
        STOP lines as real captures show (formats.md §3.6)."""
        events = []
        for r in self.w.jobs:
            if r.start > self.now:
                continue
            events.append((r.start, 0, r))
            if r.end <= self.now:
                events.append((r.end, 1, r))
        start, sync_id = self.w.contactsplus_active
        events.sort(key=lambda e: (e[0], e[1]))
        events = events[-99:]
        out = ["  Job history:"]
        for t, kind, r in events:
            if kind == 0:
                label = "START-P" if r.periodic else "  START"
                tail = ""
            else:
                label = "   STOP" if r.periodic else " STOP-P"
                tail = " " + r.reason_text
            out.append(f"  {fmt.duration_padded(t - self.now)} {label}: "
                       f"#{fmt.uid(r.uid)}/{r.job_id} {r.name}{tail}")
        out.append(f"  {fmt.duration_padded(start - self.now)}   START: "
                   f"#{fmt.uid(APPS['com.example.contactsplus'].uid)}/{sync_id} "
                   f"{self.w.contactsplus_job}")
        out.append("")
        return out
