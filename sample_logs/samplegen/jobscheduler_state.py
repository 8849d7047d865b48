"""The state sections of `dumpsys jobscheduler` after the job list: controllers, quota,
uid states and the pending/active/completed queues with concurrency (formats.md §3.4–§3.5)."""

from __future__ import annotations

from . import fmt
from .jobscheduler_constants import APPS_BY_UID, CONCURRENCY, CONCURRENCY_12
from .jobscheduler_jobs import Job, job_block
from .world import APPS, World


class StateSections:
    """Mixin of JobSchedulerDump: the sections that print controller and queue state."""

    w: World
    sdk: int
    now: int
    jobs: list[Job]

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

    def _queues(self) -> list[str]:
        """Pending queue, running jobs, recently completed, concurrency (formats.md §3.5).
        12: `Pending #0` (0-based), `Evaluated priority:` and `Tag:`; `Slot #i:` for every
        context, the running one with `Remaining execution limits: […] Pending stop because
        <public>/<internal>/<debug>`; recently completed entries without the short string.
        14: `Pending #1`, `Evaluated bias:` and `Tag:`, a `Recently cancelled jobs:` block.
        16: `Pending #1`, `Evaluated bias:`, no `Tag:`; 13+ `Slot #i(ID=n)` and `Idle
        contexts (n):`; no `Recently cancelled jobs:` block when there are none."""
        now, w = self.now, self.w
        v12, v14, v16 = self.sdk <= 32, self.sdk == 34, self.sdk >= 36
        block_indent = "    " if v14 else "  "  # the short JobStatus dump under each entry
        out = ["Pending queue:"]
        pending = [j for j in self.jobs if j.pending]
        for i, j in enumerate(pending, start=0 if v12 else 1):
            ns = f"{{{j.namespace}}} " if j.namespace else ""
            out.append(f"  Pending #{i}: {j.hash} {ns}#{fmt.uid(j.calling_uid)}/{j.job_id} "
                       f"{j.name}")
            out += job_block(j, w.clock, block_indent, full=False)[1:]
            out.append(f"    Evaluated {'priority' if v12 else 'bias'}: 0 [DEFAULT]")
            if not v16:
                out.append(f"    Tag: {j.tag}")
            out.append(f"    Enq: {fmt.duration(j.earliest - now)}")
        if not pending and not v14:
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
            out += job_block(j, w.clock, block_indent, full=False)[1:]
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
        sub = "    " if v14 else "      "  # 14 indents the uid and source lines less
        for r in recent:
            out.append(f"  {fmt.duration(r.end - now)}")
            if not v12:  # 13+ print the short string first
                ns = f"{{{r.namespace}}} " if r.namespace else ""
                out.append(f"      {(r.start * 2654435761) & 0xfffffff:x} {ns}"
                           f"#{fmt.uid(r.calling_uid or r.uid)}/{r.job_id} {r.name}")
            out.append(f"{sub}{fmt.uid(r.calling_uid or r.uid)} tag={r.dump_tag}")
            out.append(f"{sub}Source: uid={fmt.uid(r.uid)} user=0 pkg={APPS_BY_UID[r.uid]}")
        if v14:
            out += ["", "Recently cancelled jobs:", "  None"]
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
