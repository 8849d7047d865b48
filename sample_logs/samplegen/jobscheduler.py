"""`dumpsys jobscheduler` (formats.md §3, real shapes §7.3) in the Android 14 layout, and in
the 12 and 16 ones (§3.1 order table, §5 `jobs` rows): Settings with `key=value ` lines,
`Registered N jobs:` with `JOB …` blocks (WorkManager jobs, namespaced from 14; SyncManager
proxy jobs, namespaced from 15), controllers, package stats, `Job history`, pending queue,
active jobs (12 slots / 13+ idle contexts), recently completed, concurrency, PersistStats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import fmt
from .release import Release
from .world import ACCOUNT, APPS, WM_SERVICE, World

# Constraint bits (JobStatus, formats.md §3.2) in dumpConstraints print order.
BITS = [("CHARGING", 1), ("BATTERY_NOT_LOW", 2), ("STORAGE_NOT_LOW", 8),
        ("TIMING_DELAY", 1 << 31), ("DEADLINE", 1 << 30), ("IDLE", 4),
        ("CONNECTIVITY", 1 << 28), ("FLEXIBILITY", 1 << 21), ("CONTENT_TRIGGER", 1 << 26),
        ("DEVICE_NOT_DOZING", 1 << 25), ("BACKGROUND_NOT_RESTRICTED", 1 << 22),
        ("PREFETCH", 1 << 23), ("TARE_WEALTH", 1 << 27), ("WITHIN_QUOTA", 1 << 24),
        ("WITHIN_EXPEDITED_QUOTA", 1 << 23)]  # 12 only (13 reused the bit for PREFETCH)
IMPLICIT_OK = {"DEVICE_NOT_DOZING", "BACKGROUND_NOT_RESTRICTED", "TARE_WEALTH"}

NET_ANY = ("INTERNET&NOT_RESTRICTED&TRUSTED&VALIDATED&NOT_VCN_MANAGED")
NET_UNMETERED = ("NOT_METERED&INTERNET&NOT_RESTRICTED&TRUSTED&VALIDATED&NOT_VCN_MANAGED")


def constraints(names: list[str]) -> str:
    """`JobStatus.dumpConstraints`: ` NAME NAME [0x…]` (nothing for an empty set)."""
    mask = 0
    out = ""
    for name, bit in BITS:
        if name in names:
            out += f" {name}"
            mask |= bit
    if mask:
        out += f" [0x{mask & 0xFFFFFFFF:x}]"
    return out


@dataclass
class Job:
    calling_uid: int
    job_id: int
    hash: str
    name: str  # batteryName
    service: str
    source_pkg: str
    required: list[str]
    enqueue: int  # elapsed ms
    earliest: int | None = None
    latest: int | None = None
    periodic: tuple[int, int] | None = None
    namespace: str | None = None
    persisted: bool = True
    priority: str = "300 [DEFAULT]"
    bias: str | None = None
    requires: tuple[bool, bool, bool] = (False, False, False)
    extras: str | None = None
    network: str | None = None
    min_latency: int | None = None
    max_delay: int | None = None
    bucket: str = "ACTIVE"
    flags: int = 0
    history: list[tuple[int, list[str]]] = field(default_factory=list)
    tracking: str = "QUOTA"
    last_success: int | None = None
    last_failure: int | None = None
    cumulative: int = 0
    failures: int = 0
    system_stops: int = 0
    pending: bool = False
    active: bool = False
    network_id: int | None = None

    @property
    def source_uid(self) -> int:
        return APPS[self.source_pkg].uid if self.source_pkg in APPS else 1000

    @property
    def unique_id(self) -> str:
        uid = fmt.uid(self.calling_uid)
        if self.namespace:
            return f"{self.namespace}:{uid}/{self.job_id}"
        return f"#{uid}/{self.job_id}"

    trace_tag: str | None = None  # 16: JobInfo trace tag (`Trace tag:` line)

    now: int = 0
    r: Release | None = None  # set with `now` once the jobs exist

    @property
    def sdk(self) -> int:
        return self.r.sdk if self.r else 34

    @property
    def expedited(self) -> bool:
        return bool(self.flags & 0x10)

    @property
    def tag(self) -> str:
        """`tag=` line: 12–13 `*job*/<name>`, 14 `…#<jobId>`, 16 `*job*[e|r]/<name>`."""
        if self.sdk == 34:
            return f"*job*/{self.name}#{self.job_id}"
        letter = self.r.job_type_letter(self.expedited) if self.r else ""
        return f"*job*{letter}/{self.name}"

    @property
    def flexible(self) -> bool:
        """16 adds FLEXIBILITY to the required constraints of regular app jobs that lack
        some of the flexible ones (JobStatus constructor, yaap 16)."""
        return self.sdk >= 36 and self.source_uid >= 10_000 and not self.expedited

    @property
    def required_all(self) -> list[str]:
        extra = ["FLEXIBILITY"] if self.flexible else []
        return [n for n, _ in BITS if n in self.required or n in extra]

    @property
    def implicit_ok(self) -> set[str]:
        """Satisfied without being asked for: TARE_WEALTH only on 13–14; 12's expedited
        quota bit for EJs."""
        if self.sdk == 34:
            return IMPLICIT_OK
        out = {"DEVICE_NOT_DOZING", "BACKGROUND_NOT_RESTRICTED"}
        if self.sdk <= 32 and self.expedited:
            out.add("WITHIN_EXPEDITED_QUOTA")
        if self.flexible:
            out.add("FLEXIBILITY")
        return out

    @property
    def satisfied(self) -> list[str]:
        """Constraints true now, among those the job's controllers track (formats.md §3.2):
        on battery (14 %, not charging), not idle, on metered mobile data."""
        truth = {"CHARGING": False, "BATTERY_NOT_LOW": False, "STORAGE_NOT_LOW": True,
                 "IDLE": False, "CONNECTIVITY": self.network != NET_UNMETERED,
                 "TIMING_DELAY": self.earliest is not None and self.earliest <= self.now,
                 "DEADLINE": self.latest is not None and self.latest <= self.now}
        out = {c for c in self.required if truth.get(c)}
        ok = self.implicit_ok
        return [n for n, _ in BITS if n in out or n in ok or n == "WITHIN_QUOTA"]

    @property
    def unsatisfied(self) -> list[str]:
        """(required | WITHIN_QUOTA [| TARE_WEALTH on 13–14]) & ~satisfied."""
        extra = {"WITHIN_QUOTA", "TARE_WEALTH"} if self.sdk == 34 else {"WITHIN_QUOTA"}
        want = set(self.required_all) | extra
        return [n for n, _ in BITS if n in want and n not in self.satisfied]

    @property
    def ready_job(self) -> bool:
        """A deadline is a late constraint, not a requirement (JobStatus.isReady)."""
        return not [c for c in self.unsatisfied if c != "DEADLINE"]


class JobSchedulerDump:
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
            out += self._job_block(job)
        out.append("")
        out += self._controllers()
        out += self._uid_state()
        out += self._package_stats()
        out += self._history()
        out += self._queues()
        return "\n".join(out) + "\n"

    def _rel(self, t: int | None) -> str:
        return "none" if t is None else fmt.duration(t - self.now)

    def _job_block(self, j: Job, indent: str = "  ", full: bool = True) -> list[str]:
        if self.sdk != 34:
            return self._job_block_12_16(j, indent, full)
        c = self.w.clock
        i1, i2, i3 = indent + "  ", indent + "    ", indent + "      "
        out = [f"{indent}JOB {j.unique_id}: {j.hash} {j.name}",
               f"{i1}{fmt.uid(j.calling_uid)} tag={j.tag}",
               f"{i1}Source: uid={fmt.uid(j.source_uid)} user=0 pkg={j.source_pkg}",
               f"{i1}JobInfo:",
               f"{i2}Service: {j.service}"]
        if j.periodic:
            out.append(f"{i2}PERIODIC: interval={fmt.duration(j.periodic[0])} "
                       f"flex={fmt.duration(j.periodic[1])}")
        if j.persisted:
            out.append(f"{i2}PERSISTED")
        if j.bias:
            out.append(f"{i2}Bias: {j.bias}")
        out.append(f"{i2}Priority: {j.priority}")
        if j.flags:
            out.append(f"{i2}Flags: {j.flags:x}")
        ch, bnl, idle = j.requires
        out.append(f"{i2}Requires: charging={str(ch).lower()} batteryNotLow={str(bnl).lower()} "
                   f"deviceIdle={str(idle).lower()}")
        if j.extras:
            out.append(f"{i2}Extras: {j.extras}")
        if j.network:
            out.append(f"{i2}Network type: NetworkRequest [ NONE id=0, [ Capabilities: "
                       f"{j.network} Uid: {j.source_uid} RequestorUid: {j.source_uid} "
                       f"RequestorPackageName: {j.source_pkg} UnderlyingNetworks: Null] ]")
        if j.min_latency:
            out.append(f"{i2}Minimum latency: {fmt.duration(j.min_latency)}")
        if j.max_delay:
            out.append(f"{i2}Max execution delay: {fmt.duration(j.max_delay)}")
        out.append(f"{i2}Backoff: policy=1 initial=+30s0ms")
        if j.earliest is not None or j.min_latency:
            out.append(f"{i2}Has early constraint")
        if j.latest is not None:
            out.append(f"{i2}Has late constraint")
        out.append(f"{i1}Required constraints:{constraints(j.required)}")
        out.append(f"{i1}Preferred constraints:")
        out.append(f"{i1}Dynamic constraints:")
        out.append(f"{i1}Satisfied constraints:{constraints(j.satisfied)}")
        out.append(f"{i1}Unsatisfied constraints:{constraints(j.unsatisfied)}")
        if full and j.history:
            out.append(f"{i1}Constraint history:")
            for t, names in reversed(j.history):
                out.append(f"{i2}{fmt.duration(t - self.now)} ={constraints(names)}")
        out.append(f"{i1}Tracking: {j.tracking}")
        out.append(f"{i1}Implicit constraints:")
        out.append(f"{i2}readyNotDozing: true")
        out.append(f"{i2}readyNotRestrictedInBg: true")
        if j.latest is not None and not j.periodic:
            out.append(f"{i2}readyDeadlineSatisfied: false")
        out.append(f"{i2}readyComponentEnabled: true")
        if j.flags & 0x10:
            out.append(f"{i2}expeditedQuotaApproved: true expeditedTareApproved: true "
                       "(started as EJ: false)")
        if j.network_id and "CONNECTIVITY" in j.satisfied:
            out.append(f"{i1}Network: {j.network_id}")
        out.append(f"{i1}Standby bucket: {j.bucket}")
        out.append(f"{i1}Enqueue time: {fmt.duration(j.enqueue - self.now)}")
        orig = "none" if j.latest is None else self._rel(j.latest)
        out.append(f"{i1}Run time: earliest={self._rel(j.earliest)}, latest={self._rel(j.latest)}"
                   f", original latest={orig}")
        if not full:
            return out
        out.append(f"{i1}Cumulative execution time={fmt.duration(j.cumulative)}")
        out.append(f"{i1}Num failures: {j.failures}")
        out.append(f"{i1}Num system stops: {j.system_stops}")
        if j.last_success:
            out.append(f"{i1}Last successful run: {c.dumpstate(j.last_success)}")
        if j.last_failure:
            out.append(f"{i1}Last failed run: {c.dumpstate(j.last_failure)}")
        out.append(f"{i1}Restricted due to: none.")
        ready_job = j.ready_job
        ready = ready_job and not j.pending and not j.active
        out.append(f"{i1}Ready: {str(ready).lower()} (job={str(ready_job).lower()} user=true "
                   f"!restricted=true !pending={str(not j.pending).lower()} "
                   f"!active={str(not j.active).lower()} !backingup=true comp=true)")
        del i3
        return out

    def _names(self, j: Job, names: list[str]) -> list[str]:
        """A constraint set as this release prints it: TARE_WEALTH only on 13–14, 12's
        WITHIN_EXPEDITED_QUOTA for EJs, 16's FLEXIBILITY for regular app jobs."""
        out = [n for n in names if n != "TARE_WEALTH"]
        if self.sdk <= 32 and j.expedited and "WITHIN_QUOTA" in out:
            out.append("WITHIN_EXPEDITED_QUOTA")
        if j.flexible and "DEVICE_NOT_DOZING" in out:
            out.append("FLEXIBILITY")
        return out

    def _bucket(self, j: Job) -> str:
        """EXEMPTED is a bucket from 13 on; 12 prints such apps' jobs as ACTIVE."""
        return "ACTIVE" if self.sdk <= 32 and j.bucket == "EXEMPTED" else j.bucket

    def _job_block_12_16(self, j: Job, indent: str, full: bool) -> list[str]:
        """JobStatus.dump of 12 (SDK 31 tree) and 16 (yaap @3ddcaa00), formats.md §3.2:
        12 prints `Priority:` only for a non-zero bias and `readyWithinExpeditedQuota`;
        16 prints `Bias:`/`Priority:`, `Has media backup exemption=` for every job, no
        `Preferred constraints:`, `Trace tag:`, `Started with foreground flag:`, and the
        counters after `Run time:` only when non-zero (also in the short dump)."""
        c = self.w.clock
        v12, v16 = self.sdk <= 32, self.sdk >= 36
        i1, i2 = indent + "  ", indent + "    "
        out = [f"{indent}JOB {j.unique_id}: {j.hash} {j.name}",
               f"{i1}{fmt.uid(j.calling_uid)} tag={j.tag}",
               f"{i1}Source: uid={fmt.uid(j.source_uid)} user=0 pkg={j.source_pkg}"]
        if full:
            out += [f"{i1}JobInfo:", f"{i2}Service: {j.service}"]
            if j.periodic:
                out.append(f"{i2}PERIODIC: interval={fmt.duration(j.periodic[0])} "
                           f"flex={fmt.duration(j.periodic[1])}")
            if j.persisted:
                out.append(f"{i2}PERSISTED")
            if v12:
                if j.bias:  # ≤12 `Priority:` is the bias, printed only when non-zero
                    out.append(f"{i2}Priority: {j.bias}")
            else:
                if j.bias:
                    out.append(f"{i2}Bias: {j.bias}")
                out.append(f"{i2}Priority: {j.priority}")
            if j.flags:
                out.append(f"{i2}Flags: {j.flags:x}")
            ch, bnl, idle = j.requires
            out.append(f"{i2}Requires: charging={str(ch).lower()} "
                       f"batteryNotLow={str(bnl).lower()} deviceIdle={str(idle).lower()}")
            if v16:
                out.append(f"{i2}Has media backup exemption=false ")
            if j.extras:
                out.append(f"{i2}Extras: {j.extras}")
            if j.network:
                out.append(f"{i2}Network type: NetworkRequest [ NONE id=0, [ Capabilities: "
                           f"{j.network} Uid: {j.source_uid} RequestorUid: {j.source_uid} "
                           f"RequestorPackageName: {j.source_pkg} UnderlyingNetworks: Null] ]")
            if j.min_latency:
                out.append(f"{i2}Minimum latency: {fmt.duration(j.min_latency)}")
            if j.max_delay:
                out.append(f"{i2}Max execution delay: {fmt.duration(j.max_delay)}")
            out.append(f"{i2}Backoff: policy=1 initial=+30s0ms")
            if j.earliest is not None or j.min_latency:
                out.append(f"{i2}Has early constraint")
            if j.latest is not None:
                out.append(f"{i2}Has late constraint")
            if v16 and j.trace_tag:
                out.append(f"{i2}Trace tag: {j.trace_tag}")
        out.append(f"{i1}Required constraints:{constraints(j.required_all)}")
        out.append(f"{i1}Dynamic constraints:")
        if full or v12:
            out.append(f"{i1}Satisfied constraints:{constraints(j.satisfied)}")
            out.append(f"{i1}Unsatisfied constraints:{constraints(j.unsatisfied)}")
        if full and j.flexible:
            out += [f"{i1}Num Required Flexible constraints: 0",
                    f"{i1}Num Dropped Flexible constraints: 3"]
        if full and (j.history or v16):
            out.append(f"{i1}Constraint history:")
            for t, names in reversed(j.history):
                out.append(f"{i2}{fmt.duration(t - self.now)} ="
                           f"{constraints(self._names(j, names))}")
        out.append(f"{i1}Tracking: {j.tracking}")
        out.append(f"{i1}Implicit constraints:")
        out.append(f"{i2}readyNotDozing: true")
        out.append(f"{i2}readyNotRestrictedInBg: true")
        if j.latest is not None and not j.periodic:
            out.append(f"{i2}readyDeadlineSatisfied: false")
        out.append(f"{i2}readyComponentEnabled: true")
        if j.expedited:
            if v12:
                out.append(f"{i2}readyWithinExpeditedQuota: true (started as EJ: false)")
            else:
                out.append(f"{i2}expeditedQuotaApproved: true (started as EJ: false)")
        if v16:
            out.append(f"{i1}Started with foreground flag: false")
        if j.network_id and "CONNECTIVITY" in j.satisfied:
            out.append(f"{i1}Network: {j.network_id}")
        out.append(f"{i1}Standby bucket: {self._bucket(j)}")
        out.append(f"{i1}Enqueue time: {fmt.duration(j.enqueue - self.now)}")
        orig = "none" if j.latest is None else self._rel(j.latest)
        out.append(f"{i1}Run time: earliest={self._rel(j.earliest)}, latest={self._rel(j.latest)}"
                   f", original latest={orig}")
        if v12:
            if not full:
                return out
            out.append(f"{i1}Num failures: {j.failures}")
        else:
            if j.cumulative:
                out.append(f"{i1}Cumulative execution time={fmt.duration(j.cumulative)}")
            if j.failures:
                out.append(f"{i1}Num failures: {j.failures}")
            if j.system_stops:
                out.append(f"{i1}Num system stops: {j.system_stops}")
        if j.last_success:
            out.append(f"{i1}Last successful run: {c.dumpstate(j.last_success)}")
        if j.last_failure:
            out.append(f"{i1}Last failed run: {c.dumpstate(j.last_failure)}")
        if not full:
            return out
        out.append(f"{i1}Restricted due to: none.")
        ready_job = j.ready_job
        ready = ready_job and not j.pending and not j.active
        out.append(f"{i1}Ready: {str(ready).lower()} (job={str(ready_job).lower()} user=true "
                   f"!restricted=true !pending={str(not j.pending).lower()} "
                   f"!active={str(not j.active).lower()} !backingup=true comp=true)")
        return out

    def _tracked(self, flag: str) -> list[Job]:
        return [j for j in self.jobs if flag in j.tracking.split()]

    def _line_id(self, j: Job) -> str:
        """Controller lines: `#` + printUniqueId (14+: `##uid/id` or `#ns:uid/id`; ≤13's
        printUniqueId has no `#` of its own, so `#uid/id`)."""
        if self.sdk <= 32:
            return f"#{fmt.uid(j.calling_uid)}/{j.job_id} from {fmt.uid(j.source_uid)}"
        return f"#{j.unique_id} from {fmt.uid(j.source_uid)}"

    def _controllers(self) -> list[str]:
        now = self.now
        out = ["ConnectivityController:", "  Requested standby exceptions: ",
               "  Available networks:",
               "    104: [ Transports: CELLULAR Capabilities: INTERNET&MMS&SUPL&NOT_RESTRICTED&"
               "TRUSTED&NOT_VPN&VALIDATED&NOT_ROAMING&FOREGROUND&NOT_CONGESTED&NOT_SUSPENDED&"
               "NOT_VCN_MANAGED LinkUpBandwidth>=15000Kbps LinkDnBandwidth>=62000Kbps "
               "Specifier: <TelephonyNetworkSpecifier [mSubId = 1]> SubscriptionIds: {1}]",
               "  Current default network callbacks:",
               "    UID: 10142; Network: 104; Blocked: false",
               "  UID Pecking Order:",
               "    0: u0a187 = 1; u0a145 = 1; u0a174 = 1; u0a170 = 1; u0a160 = 1; u0a142 = 1"]
        if self.sdk >= 34:  # 14+
            out += ["  Subscription ID signal strengths:", "    1: 3"]
        out.append("  ")
        for j in self._tracked("CONNECTIVITY"):
            out.append(f"  {self._line_id(j)}: NetworkRequest [ NONE id=0, [ Capabilities: "
                       f"{j.network} Uid: {j.source_uid}] ]")
        out += ["", "TimeController:", f"  Elapsed clock: {now}",
                "  Next delay alarm in +3m47s882ms", "  Last delay alarm fired @ -52s118ms",
                "  Next deadline alarm in +17m29s903ms", "  "]
        for j in self._tracked("TIME"):
            delay = "N/A" if j.earliest is None else fmt.duration(j.earliest - now)
            deadline = "N/A" if j.latest is None else fmt.duration(j.latest - now)
            out.append(f"  {self._line_id(j)}: Delay={delay}, Deadline={deadline}")
        out += ["", "IdleController:", "  Currently idle: false", "  Idleness tracker:",
                "    mIdle: false", "    mScreenOn: true", "    mIsStablePower: false",
                "    mDockIdle: false", "    mProjectionActive: false",
                "    mIdlenessCheckScheduledElapsed: -1", "    mIdleStartElapsed: -1", "  "]
        for j in self._tracked("IDLE"):
            out.append(f"  {self._line_id(j)}")
        if self.sdk <= 32:  # 9–12: no `Power connected:` (13+)
            out += ["", "BatteryController:", "  Stable power: false", "  Not low: false", "  "]
        else:
            out += ["", "BatteryController:", "  Power connected: false",
                    "  Stable power: false", "  Not low: false", "  "]
        for j in self._tracked("BATTERY"):
            out.append(f"  {self._line_id(j)}")
        out += ["", "StorageController:", "  Not low: true", "  Sequence: -1", "  ", "",
                "BackgroundJobsController:", "  Current AppStateTracker State:",
                "    Force all apps standby: false", "    Small Battery Device: false",
                "    Force all apps standby for small battery device: false",
                "    Plugged In: false", "    Active uids: [u0a41 u0a52 u0a166 u0a192]",
                "    Except-idle + user exemption list appids: [1000, 1001, 1002, 1073, 10041, "
                "10052, 10166]",
                "    User exemption list appids: [10041, 10166]",
                "    Temp exemption list appids: []",
                "    Exempted bucket packages:", "      User 0",
                "        com.android.systemui", "        com.android.launcher3",
                "    Restricted packages:", "  "]
        for j in self.jobs:
            active = "active" if j.source_uid in (1000, 10192) else "idle"
            out.append(f"  {self._line_id(j)} {active}: {j.source_pkg} "
                       "[RUN_ANY_IN_BACKGROUND allowed] RUNNABLE")
        out += ["", "ContentObserverController:", "  ", "  Observers:", "  ", "",
                "DeviceIdleJobsController:", "  Idle mode: false", "  "]
        for j in self.jobs:
            out.append(f"  {self._line_id(j)}: {j.source_pkg} RUNNABLE")
        out += self._quota()
        out += ["", "ComponentController:"]
        for j in self.jobs:
            cls = j.service.split("/", 1)
            out.append(f"  0-ComponentInfo{{{cls[0]}/{cls[1]}}}: {cls[0]}")
        if self.sdk <= 32:  # FlexibilityController (14+) and PrefetchController (13+)
            out.append("")
            return out
        out += ["", "FlexibilityController:", "  # Constraints Satisfied: 1",
                "  Satisfied Flexible Constraints: CONNECTIVITY [0x10000000]", "  ",
                "  Flexible Constraint Check alarms:", "  ", "",
                "PrefetchController:", "  Cached launch times:", "  ",
                "  Prefetch threshold alarms:", "    NOT WAITING", ""]
        return out

    def _quota(self) -> list[str]:
        now = self.now
        w = self.w
        v12 = self.sdk <= 32
        # 12 prints `Is charging:`, 14 `Is enabled:` (formats.md §3.4).
        out = ["", "QuotaController:", "  Is charging: false" if v12 else "  Is enabled: true",
               f"  Current elapsed time: {now}",
               "  ", "  Foreground UIDs: {1000=true, 1001=true, 1002=true, 1027=true, "
               "1068=true, 1073=true, 10041=true, 10052=true, 10166=true, 10192=true}", "  ",
               "  Cached top apps: {1000=true}", "  Cached top app grace period: {}",
               "  Cached temp allowlist: {}", "  Cached temp allowlist grace period: {}", "  "]
        if not v12:
            out += ["  Special apps:", "    System installers={0->{}}", "  "]
        out.append("  ")
        for j in self.jobs:
            if j.source_uid < 10000:
                continue
            if j.source_pkg == "com.example.cloudnotes":
                used = sum(r.end - r.start for r in self.w.jobs if r.uid == j.source_uid
                           and r.end > now - 86_400_000)
                state = (f"{j.bucket}, within EJ quota, {max(0, 1_800_000 - used)}ms remaining "
                         "in EJ quota")
            else:
                state = f"{j.bucket}, within regular quota, 600000ms remaining in quota"
            out.append(f"  {self._line_id(j)}")
            out.append(f"    {state}")
        out.append("  ")
        sessions = {}
        for run in w.jobs:
            if run.uid < 10000 or run.calling_uid == 1000:
                continue
            sessions.setdefault(APPS_BY_UID[run.uid], []).append(run)
        for pkg in sorted(sessions):
            kind = "EJ" if pkg == "com.example.cloudnotes" else "REG"  # expedited jobs
            out.append(f"  Timer<{kind}>{{<0>{pkg}}} NOT active, 0 running bg jobs")
            out.append("  ")
            out.append("    Saved sessions:")
            for run in sorted(sessions[pkg], key=lambda r: -r.start)[:8]:
                out.append(f"      {run.start} -> {run.end} ({run.end - run.start}), 1 bg jobs.")
            out.append("  ")
        out.append("  Cached execution stats:")
        window = {"FREQUENT": 28_800_000, "WORKING_SET": 7_200_000, "ACTIVE": 600_000,
                  "RARE": 86_400_000}
        limits = {"FREQUENT": (200, 8), "WORKING_SET": (120, 10), "ACTIVE": (75, 75),
                  "RARE": (48, 3)}
        for pkg in sorted(sessions):
            bucket = APPS[pkg].bucket
            runs = [r for r in sessions[pkg] if r.end > now - window[bucket]]
            used = sum(r.end - max(r.start, now - window[bucket]) for r in runs)
            jobs_n, sess_n = limits[bucket]
            if pkg == "com.example.cloudnotes":  # its jobs are EJs: regular quota unused
                runs, used = [], 0
            out.append(f"    <0>{pkg}")
            # 13 made the allowed time per bucket (allowedTimePerPeriodMs); 12 has one value.
            allowed = "" if v12 else "allowedTimePerPeriodMs=600000, "
            out.append(f"      {bucket}: expirationTime={now + 1_804_411}, "
                       f"{allowed}windowSizeMs={window[bucket]}, "
                       f"jobCountLimit={jobs_n}, sessionCountLimit={sess_n}, "
                       f"executionTimeInWindow={used}, bgJobCountInWindow={len(runs)}, "
                       f"executionTimeInMaxPeriod={sum(r.end - r.start for r in sessions[pkg])}, "
                       f"bgJobCountInMaxPeriod={len(sessions[pkg])}, "
                       f"sessionCountInWindow={len(runs)}, inQuotaTime={now - 30_000}, "
                       f"rateLimitJobCountExpirationTime={now - 60_000}, "
                       "rateLimitJobCountWindow=0, "
                       f"rateLimitSessionCountExpirationTime={now - 60_000}, "
                       "rateLimitSessionCountWindow=0")
        out += ["  ", "  EJ debits:", "  ", "  In quota alarms:", "    NOT WAITING"]
        return out

    def _uid_state(self) -> list[str]:
        if self.sdk <= 32:  # no `Uid proc states:` (14+); bias overrides were "priority"
            out = ["Uid priority overrides:", "  1000: 40", "  u0a41: 35", "  u0a192: 35", "",
                   "Cached UID->package map:"]
        else:
            out = ["Uid proc states:", "  1000: PER ", "  u0a41: PER ", "  u0a52: HOM ",
                   "  u0a166: BFGS", "  u0a192: FGS ", "  u0a142: CEM ", "  u0a145: CEM ",
                   "  u0a187: CEM ", "", "Uid bias overrides:", "  1000: 40", "  u0a41: 35",
                   "  u0a192: 35", "", "Cached UID->package map:"]
        for app in sorted(APPS.values(), key=lambda a: a.uid):
            if app.uid >= 10000:
                out.append(f"  {app.uid}: {{{app.package}}}")
        out.append("")
        return out

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

    def _queues(self) -> list[str]:
        if self.sdk != 34:
            return self._queues_12_16()
        now = self.now
        w = self.w
        out = ["Pending queue:"]
        for i, j in enumerate([j for j in self.jobs if j.pending], start=1):
            ns = f"{{{j.namespace}}} " if j.namespace else ""
            out.append(f"  Pending #{i}: {j.hash} {ns}#{fmt.uid(j.calling_uid)}/{j.job_id} "
                       f"{j.name}")
            out += self._job_block(j, "    ", full=False)[1:]
            out.append("    Evaluated bias: 0 [DEFAULT]")
            out.append(f"    Tag: {j.tag}")
            out.append(f"    Enq: {fmt.duration(j.earliest - now)}")
        out += ["", "Active jobs:"]
        start, _ = w.contactsplus_active
        for j in self.jobs:
            if not j.active:
                continue
            out.append(f"  Slot #0(ID=4187): {j.hash} #{fmt.uid(j.calling_uid)}/{j.job_id} "
                       f"{j.name}")
            out.append(f"    Running for: {fmt.duration(now - start)}, timeout at: "
                       f"{fmt.duration(start + 600_000 - now)}")
            out.append(f"    Remaining execution limits: [{fmt.duration(start + 600_000 - now)}, "
                       f"{fmt.duration(start + 1_800_000 - now)}]")
            out += self._job_block(j, "    ", full=False)[1:]
            out.append(f"    Evaluated bias: {j.bias}")
            out.append(f"    Active at {fmt.duration(start - now)}, pending for +12ms")
        idle = []
        cid = 4188
        for r in sorted(w.jobs, key=lambda r: -r.end)[:6]:
            idle.append(f"  ID={cid}: inactive since {fmt.duration(r.end - now)}, stopped "
                        f"because: {r.reason_text}")
            cid += 7
        out.append(f"Idle contexts ({len(idle)}):")
        out += idle
        out += ["", "Recently completed jobs:"]
        recent = sorted((r for r in w.jobs if r.end < now), key=lambda r: -r.end)[:3]
        for r in recent:
            out.append(f"  {fmt.duration(r.end - now)}")
            ns = f"{{{r.namespace}}} " if r.namespace else ""
            out.append(f"      {(r.start * 2654435761) & 0xfffffff:x} {ns}"
                       f"#{fmt.uid(r.calling_uid or r.uid)}/{r.job_id} {r.name}")
            out.append(f"    {fmt.uid(r.calling_uid or r.uid)} tag={r.dump_tag}")
            out.append(f"    Source: uid={fmt.uid(r.uid)} user=0 pkg={APPS_BY_UID[r.uid]}")
        out += ["", "Recently cancelled jobs:", "  None", "", "mReadyToRock=true",
                "mReportedActive=true", "", "Concurrency:"]
        out += CONCURRENCY
        out += ["  Screen state: current ON  effective ON",
                f"  Last screen ON: {w.clock.alarm(w.at(2, '07:48:30.150'))} "
                f"({fmt.duration(w.at(2, '07:48:30.150') - now)})",
                f"  Last screen OFF: {w.clock.alarm(w.at(1, '22:38:05.910'))} "
                f"({fmt.duration(w.at(1, '22:38:05.910') - now)})", "  ",
                "  Current work counts: Config={tot=16 mins={1=4, 2=3, 4=3, 8=2, 16=1, 32=0, "
                "64=0} maxs={1=16, 2=16, 4=16, 8=16, 16=8, 32=4, 64=4}}, act res={1=0, 2=0, "
                "4=0, 8=0, 16=0, 32=0, 64=0}, Pending={}, Running={4=1}, Staged={}", "  ",
                "  mLastMemoryTrimLevel: 0", "  ", "  Active Package stats:",
                "    <0>com.example.contactsplus: running=0/1 pending=0/0", "  ",
                "  User Grace Period: {}", "  ", "  Stats:",
                "    assignJobsToContexts: count=5210, total=1918.4ms, avg=0.368ms, "
                "max calls/s=41 max dur/s=31.2ms max time=12.9ms",
                "    refreshSystemState: count=612, total=244.1ms, avg=0.399ms, max calls/s=9 "
                "max dur/s=6.0ms max time=4.1ms",
                "", f"PersistStats: FirstLoad: {len([j for j in self.jobs if j.persisted])}/0/0 "
                "LastSave: 1/0/0"]
        return out


    def _queues_12_16(self) -> list[str]:
        """Pending queue, running jobs, recently completed, concurrency (formats.md §3.5).
        12: `Pending #0` (0-based), `Evaluated priority:` and `Tag:`; `Slot #i:` for every
        context, the running one with `Remaining execution limits: […] Pending stop because
        <public>/<internal>/<debug>`; recently completed entries without the short string.
        16: `Pending #1`, `Evaluated bias:`, no `Tag:`; 13+ `Slot #i(ID=n)` and `Idle
        contexts (n):`; no `Recently cancelled jobs:` block when there are none."""
        now, w = self.now, self.w
        v12 = self.sdk <= 32
        out = ["Pending queue:"]
        pending = [j for j in self.jobs if j.pending]
        for i, j in enumerate(pending, start=0 if v12 else 1):
            ns = f"{{{j.namespace}}} " if j.namespace else ""
            out.append(f"  Pending #{i}: {j.hash} {ns}#{fmt.uid(j.calling_uid)}/{j.job_id} "
                       f"{j.name}")
            out += self._job_block(j, "  ", full=False)[1:]
            if v12:
                out += ["    Evaluated priority: 0 [DEFAULT]", f"    Tag: {j.tag}"]
            else:
                out.append("    Evaluated bias: 0 [DEFAULT]")
            out.append(f"    Enq: {fmt.duration(j.earliest - now)}")
        if not pending:
            out.append("  None")
        out += ["", "Active jobs:"]
        start, _ = w.contactsplus_active
        running = [j for j in self.jobs if j.active]
        done = sorted(w.jobs, key=lambda r: -r.end)
        for j in running:
            slot = "Slot #0" if v12 else "Slot #0(ID=4187)"
            ns = f"{{{j.namespace}}} " if j.namespace else ""  # toShortString (§3.5)
            out.append(f"  {slot}: {j.hash} {ns}#{fmt.uid(j.calling_uid)}/{j.job_id} {j.name}")
            out.append(f"    Running for: {fmt.duration(now - start)}, timeout at: "
                       f"{fmt.duration(start + 600_000 - now)}")
            limits = (f"    Remaining execution limits: [{fmt.duration(start + 600_000 - now)}, "
                      f"{fmt.duration(start + 1_800_000 - now)}]")
            if v12:
                # The user, in Settings › Accounts, has just turned off contactsplus sync:
                # SyncManager cancels the running sync job (STOP_REASON_CANCELLED_BY_APP 1,
                # internal `canceled` 0) and it has not stopped yet.
                limits += " Pending stop because 1/0/cancel() called by app, callingUid=1000"
            out.append(limits)
            out += self._job_block(j, "  ", full=False)[1:]
            out.append(f"    Evaluated {'priority' if v12 else 'bias'}: {j.bias}")
            out.append(f"    Active at {fmt.duration(start - now)}, pending for +12ms")
        if v12:
            # JobConcurrencyManager's 16 contexts, each printed as a slot.
            for i in range(1, 16):
                if i <= 6:
                    r = done[i - 1]
                    out.append(f"  Slot #{i}: inactive since {fmt.duration(r.end - now)}, "
                               f"stopped because: {r.reason_text}")
                else:
                    out.append(f"  Slot #{i}: inactive")
        else:
            idle = []
            cid = 4188
            for r in done[:6]:
                idle.append(f"  ID={cid}: inactive since {fmt.duration(r.end - now)}, stopped "
                            f"because: {r.reason_text}")
                cid += 7
            out.append(f"Idle contexts ({len(idle)}):")
            out += idle
        out += ["", "Recently completed jobs:"]
        recent = [r for r in done if r.end < now][:3]
        for r in recent:
            out.append(f"  {fmt.duration(r.end - now)}")
            if not v12:  # 13+ print the short string first
                ns = f"{{{r.namespace}}} " if r.namespace else ""
                out.append(f"      {(r.start * 2654435761) & 0xfffffff:x} {ns}"
                           f"#{fmt.uid(r.calling_uid or r.uid)}/{r.job_id} {r.name}")
            out.append(f"      {fmt.uid(r.calling_uid or r.uid)} tag={r.dump_tag}")
            out.append(f"      Source: uid={fmt.uid(r.uid)} user=0 pkg={APPS_BY_UID[r.uid]}")
        out += ["", "mReadyToRock=true", "mReportedActive=true", "", "Concurrency:"]
        if v12:
            out += CONCURRENCY_12
            work = ("  Current work counts: Config={tot=16 mins={1=4, 2=4, 4=4, 8=2, 16=1} "
                    "maxs={1=16, 2=16, 4=16, 8=16, 16=8}}, act res={1=0, 2=0, 4=0, 8=0, 16=0}, "
                    "Pending={}, Running={2=1}, Staged={}")
        else:
            out += CONCURRENCY
            work = ("  Current work counts: Config={tot=16 mins={1=4, 2=3, 4=3, 8=2, 16=1, "
                    "32=0, 64=0} maxs={1=16, 2=16, 4=16, 8=16, 16=8, 32=4, 64=4}}, act res="
                    "{1=0, 2=0, 4=0, 8=0, 16=0, 32=0, 64=0}, Pending={}, Running={4=1}, "
                    "Staged={}")
        out += ["  Screen state: current ON  effective ON",
                f"  Last screen ON: {w.clock.alarm(w.at(2, '07:48:30.150'))} "
                f"({fmt.duration(w.at(2, '07:48:30.150') - now)})",
                f"  Last screen OFF: {w.clock.alarm(w.at(1, '22:38:05.910'))} "
                f"({fmt.duration(w.at(1, '22:38:05.910') - now)})", "  ", work, "  ",
                "  mLastMemoryTrimLevel: 0", "  "]
        if not v12:
            out += ["  Active Package stats:",
                    "    <0>com.example.contactsplus: running=0/1 pending=0/0", "  ",
                    "  User Grace Period: {}", "  "]
        out += ["  Stats:",
                "    assignJobsToContexts: count=5210, total=1918.4ms, avg=0.368ms, "
                "max calls/s=41 max dur/s=31.2ms max time=12.9ms",
                "    refreshSystemState: count=612, total=244.1ms, avg=0.399ms, max calls/s=9 "
                "max dur/s=6.0ms max time=4.1ms",
                "", f"PersistStats: FirstLoad: {len([j for j in self.jobs if j.persisted])}/0/0 "
                "LastSave: 1/0/0"]
        return out


APPS_BY_UID = {a.uid: a.package for a in APPS.values()}

SETTINGS = fmt.block("""Settings:
  min_ready_cpu_only_jobs_count=3~
  min_ready_non_active_jobs_count=5~
  max_cpu_only_job_batch_delay_ms=1860000~
  max_non_active_job_batch_delay_ms=1860000~
  heavy_use_factor=0.9~
  moderate_use_factor=0.5~
  min_linear_backoff_time_ms=10000~
  min_exp_backoff_time_ms=10000~
  system_stop_to_failure_ratio=3~
  conn_congestion_delay_frac=0.5~
  conn_prefetch_relax_frac=0.5~
  conn_use_cell_signal_strength=true~
  conn_update_all_jobs_min_interval_ms=60000~
  conn_low_signal_strength_relax_frac=0.5~
  conn_transport_batch_threshold={}~
  conn_max_connectivity_job_batch_delay_ms=1860000~
  prefetch_force_batch_relax_threshold_ms=3600000~
  enable_api_quotas=true~
  aq_schedule_count=250~
  aq_schedule_window_ms=60000~
  aq_schedule_throw_exception=true~
  aq_schedule_return_failure=false~
  enable_execution_safeguards_udc=true~
  es_u_timeout_uij_count=2~
  es_u_timeout_ej_count=5~
  es_u_timeout_reg_count=3~
  es_u_timeout_total_count=10~
  es_u_timeout_window_ms=86400000~
  es_u_anr_count=3~
  es_u_anr_window_ms=21600000~
  runtime_min_guarantee_ms=600000~
  runtime_min_ej_guarantee_ms=180000~
  runtime_free_quota_max_limit_ms=1800000~
  runtime_min_ui_guarantee_ms=21600000~
  runtime_ui_limit_ms=43200000~
  runtime_min_ui_data_transfer_guarantee_buffer_factor=1.35~
  runtime_min_ui_data_transfer_guarantee_ms=600000~
  runtime_cumulative_ui_limit_ms=86400000~
  runtime_use_data_estimates_for_limits=false~
  persist_in_split_files=false~
  max_num_persisted_job_work_items=100000~
~~
  PrefetchController:
    pc_launch_time_threshold_ms=25200000~
    pc_launch_time_allowance_ms=1200000~
~~
  FlexibilityController:
    fc_flexibility_enabled=false~
    fc_deadline_proximity_limit_ms=900000~
    fc_fallback_flexibility_deadline_ms=259200000~
    fc_min_time_between_flexibility_alarms_ms=60000~
    fc_percents_to_drop_num_flexible_constraints=50,60,70,80~
    fc_max_rescheduled_deadline_ms=432000000~
    fc_rescheduled_job_deadline_ms=3600000~
~~
  ConnectivityController:
    conn_avoid_undefined_transport_affinity=false~
~~
  QuotaController:
    qc_allowed_time_per_period_exempted_ms=600000~
    qc_allowed_time_per_period_active_ms=600000~
    qc_allowed_time_per_period_working_ms=600000~
    qc_allowed_time_per_period_frequent_ms=600000~
    qc_allowed_time_per_period_rare_ms=600000~
    qc_allowed_time_per_period_restricted_ms=600000~
    qc_in_quota_buffer_ms=30000~
    qc_window_size_exempted_ms=600000~
    qc_window_size_active_ms=600000~
    qc_window_size_working_ms=7200000~
    qc_window_size_frequent_ms=28800000~
    qc_window_size_rare_ms=86400000~
    qc_window_size_restricted_ms=86400000~
    qc_max_execution_time_ms=14400000~
    qc_max_job_count_exempted=75~
    qc_max_job_count_active=75~
    qc_max_job_count_working=120~
    qc_max_job_count_frequent=200~
    qc_max_job_count_rare=48~
    qc_max_job_count_restricted=10~
    qc_rate_limiting_window_ms=60000~
    qc_max_job_count_per_rate_limiting_window=20~
    qc_max_session_count_exempted=75~
    qc_max_session_count_active=75~
    qc_max_session_count_working=10~
    qc_max_session_count_frequent=8~
    qc_max_session_count_rare=3~
    qc_max_session_count_restricted=1~
    qc_max_session_count_per_rate_limiting_window=20~
    qc_timing_session_coalescing_duration_ms=5000~
    qc_min_quota_check_delay_ms=60000~
    qc_ej_limit_exempted_ms=2700000~
    qc_ej_limit_active_ms=1800000~
    qc_ej_limit_working_ms=1800000~
    qc_ej_limit_frequent_ms=600000~
    qc_ej_limit_rare_ms=600000~
    qc_ej_limit_restricted_ms=300000~
    qc_ej_limit_additional_special_ms=900000~
    qc_ej_window_size_ms=86400000~
    qc_ej_top_app_time_chunk_size_ms=30000~
    qc_ej_reward_top_app_ms=10000~
    qc_ej_reward_interaction_ms=15000~
    qc_ej_reward_notification_seen_ms=0~
    qc_ej_grace_period_temp_allowlist_ms=180000~
    qc_ej_grace_period_top_app_ms=60000~
~~
  TareController:
    tare_enabled=false~

  Thermal status: 0""")

CONCURRENCY = fmt.block("""  Configuration:
    concurrency_limit=16~
    concurrency_screen_off_adjustment_delay_ms=30000~
    concurrency_pkg_concurrency_limit_ej=3~
    concurrency_pkg_concurrency_limit_regular=8~
    concurrency_enable_max_wait_time_bypass=true~
    concurrency_max_wait_ui_ms=300000~
    concurrency_max_wait_ej_ms=300000~
    concurrency_max_wait_regular_ms=1800000~
  """)

# 16 (yaap @3ddcaa00): the 14 constants without TareController (TARE removed in 15), with
# FlexibilityController's `fc_applied_constraints` (15+) in place of `fc_flexibility_enabled`,
# and without the restriction constants, which 16 prints after `Aconfig flags:`.
SETTINGS_16 = [line.replace("fc_flexibility_enabled=false ", "fc_applied_constraints=7 ")
               for line in SETTINGS[:SETTINGS.index("  TareController:") - 1]]

# JobSchedulerService.dumpInternal (yaap @3ddcaa00) prints these seven flags in this order.
ACONFIG_16 = (("com.android.server.job.batch_active_bucket_jobs", "true"),
              ("com.android.server.job.batch_connectivity_jobs_per_network", "false"),
              ("com.android.server.job.do_not_force_rush_execution_at_boot", "true"),
              ("com.android.server.job.update_media_backup_exemption_policy", "true"),
              ("android.app.job.get_pending_job_reasons_api", "true"),
              ("android.app.job.get_pending_job_reasons_history_api", "true"),
              ("android.app.job.add_type_info_to_wakelock_tag", "true"))

# 12 (SDK 31): fewer service constants; QuotaController's `qc_` keys with one allowed time
# for every bucket and no EXEMPTED bucket (13+), EJ limits (12+); no PrefetchController,
# FlexibilityController or TareController; the thermal restriction under Settings.
SETTINGS_12 = fmt.block("""Settings:
  min_ready_non_active_jobs_count=5~
  max_non_active_job_batch_delay_ms=1860000~
  heavy_use_factor=0.9~
  moderate_use_factor=0.5~
  min_linear_backoff_time_ms=10000~
  min_exp_backoff_time_ms=10000~
  conn_congestion_delay_frac=0.5~
  conn_prefetch_relax_frac=0.5~
  enable_api_quotas=true~
  aq_schedule_count=250~
  aq_schedule_window_ms=60000~
  aq_schedule_throw_exception=true~
  aq_schedule_return_failure=false~
  runtime_free_quota_max_limit_ms=1800000~
  runtime_min_guarantee_ms=600000~
  runtime_min_ej_guarantee_ms=180000~
~~
  QuotaController:
    qc_allowed_time_per_period_ms=600000~
    qc_in_quota_buffer_ms=30000~
    qc_window_size_active_ms=600000~
    qc_window_size_working_ms=7200000~
    qc_window_size_frequent_ms=28800000~
    qc_window_size_rare_ms=86400000~
    qc_window_size_restricted_ms=86400000~
    qc_max_execution_time_ms=14400000~
    qc_max_job_count_active=75~
    qc_max_job_count_working=120~
    qc_max_job_count_frequent=200~
    qc_max_job_count_rare=48~
    qc_max_job_count_restricted=10~
    qc_rate_limiting_window_ms=60000~
    qc_max_job_count_per_rate_limiting_window=20~
    qc_max_session_count_active=75~
    qc_max_session_count_working=10~
    qc_max_session_count_frequent=8~
    qc_max_session_count_rare=3~
    qc_max_session_count_restricted=1~
    qc_max_session_count_per_rate_limiting_window=20~
    qc_timing_session_coalescing_duration_ms=5000~
    qc_min_quota_check_delay_ms=60000~
    qc_ej_limit_active_ms=1800000~
    qc_ej_limit_working_ms=1800000~
    qc_ej_limit_frequent_ms=600000~
    qc_ej_limit_rare_ms=600000~
    qc_ej_limit_restricted_ms=300000~
    qc_ej_limit_additional_special_ms=900000~
    qc_ej_window_size_ms=86400000~
    qc_ej_top_app_time_chunk_size_ms=30000~
    qc_ej_reward_top_app_ms=10000~
    qc_ej_reward_interaction_ms=15000~
    qc_ej_reward_notification_seen_ms=0~

  Thermal status: 0""")

# 12's JobConcurrencyManager: screen-on/off limits per memory trim level (13 replaced them
# with `concurrency_limit` and the per-package limits).
CONCURRENCY_12 = fmt.block("""  Configuration:
    screen_off_adjustment_delay_ms=30000~
    concurrency_max_total_screen_on_normal=16~
    concurrency_max_total_screen_on_moderate=12~
    concurrency_max_total_screen_on_low=8~
    concurrency_max_total_screen_on_critical=4~
    concurrency_max_total_screen_off_normal=16~
    concurrency_max_total_screen_off_moderate=12~
    concurrency_max_total_screen_off_low=8~
    concurrency_max_total_screen_off_critical=4~
  """)
