"""The registered jobs of the `dumpsys jobscheduler` sample and their `JOB …` blocks
(JobStatus.dump, formats.md §3.2) as Android 12, 14 and 16 print them."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import fmt
from .jobscheduler_constants import BITS, IMPLICIT_OK, NET_UNMETERED
from .release import Release
from .world import APPS


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


def _rel(j: Job, t: int | None) -> str:
    return "none" if t is None else fmt.duration(t - j.now)


def _names(j: Job, names: list[str]) -> list[str]:
    """A constraint set as this release prints it: TARE_WEALTH only on 13–14, 12's
    WITHIN_EXPEDITED_QUOTA for EJs, 16's FLEXIBILITY for regular app jobs."""
    if j.sdk == 34:
        return names
    out = [n for n in names if n != "TARE_WEALTH"]
    if j.sdk <= 32 and j.expedited and "WITHIN_QUOTA" in out:
        out.append("WITHIN_EXPEDITED_QUOTA")
    if j.flexible and "DEVICE_NOT_DOZING" in out:
        out.append("FLEXIBILITY")
    return out


def _bucket(j: Job) -> str:
    """EXEMPTED is a bucket from 13 on; 12 prints such apps' jobs as ACTIVE."""
    return "ACTIVE" if j.sdk <= 32 and j.bucket == "EXEMPTED" else j.bucket


def job_block(j: Job, clock: fmt.WallClock, indent: str = "  ", full: bool = True) -> list[str]:
    """JobStatus.dump of 12 (SDK 31 tree), 14 and 16 (yaap @3ddcaa00), formats.md §3.2.
    14 prints `JobInfo:`, `Preferred constraints:` and every counter also in the short
    dump; 12 prints `Priority:` only for a non-zero bias and `readyWithinExpeditedQuota`;
    16 prints `Bias:`/`Priority:`, `Has media backup exemption=` for every job, no
    `Preferred constraints:`, `Trace tag:`, `Started with foreground flag:`, and the
    counters after `Run time:` only when non-zero (also in the short dump)."""
    v12, v14, v16 = j.sdk <= 32, j.sdk == 34, j.sdk >= 36
    i1, i2 = indent + "  ", indent + "    "
    out = [f"{indent}JOB {j.unique_id}: {j.hash} {j.name}",
           f"{i1}{fmt.uid(j.calling_uid)} tag={j.tag}",
           f"{i1}Source: uid={fmt.uid(j.source_uid)} user=0 pkg={j.source_pkg}"]
    if full or v14:
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
    if v14:
        out.append(f"{i1}Preferred constraints:")
    out.append(f"{i1}Dynamic constraints:")
    if full or not v16:
        out.append(f"{i1}Satisfied constraints:{constraints(j.satisfied)}")
        out.append(f"{i1}Unsatisfied constraints:{constraints(j.unsatisfied)}")
    if full and j.flexible:
        out += [f"{i1}Num Required Flexible constraints: 0",
                f"{i1}Num Dropped Flexible constraints: 3"]
    if full and (j.history or v16):
        out.append(f"{i1}Constraint history:")
        for t, names in reversed(j.history):
            out.append(f"{i2}{fmt.duration(t - j.now)} ="
                       f"{constraints(_names(j, names))}")
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
        elif v14:
            out.append(f"{i2}expeditedQuotaApproved: true expeditedTareApproved: true "
                       "(started as EJ: false)")
        else:
            out.append(f"{i2}expeditedQuotaApproved: true (started as EJ: false)")
    if v16:
        out.append(f"{i1}Started with foreground flag: false")
    if j.network_id and "CONNECTIVITY" in j.satisfied:
        out.append(f"{i1}Network: {j.network_id}")
    out.append(f"{i1}Standby bucket: {_bucket(j)}")
    out.append(f"{i1}Enqueue time: {fmt.duration(j.enqueue - j.now)}")
    orig = "none" if j.latest is None else _rel(j, j.latest)
    out.append(f"{i1}Run time: earliest={_rel(j, j.earliest)}, latest={_rel(j, j.latest)}"
               f", original latest={orig}")
    if not (full or v16):
        return out
    if v12:
        out.append(f"{i1}Num failures: {j.failures}")
    else:  # 14 prints every counter, 16 only the non-zero ones
        if v14 or j.cumulative:
            out.append(f"{i1}Cumulative execution time={fmt.duration(j.cumulative)}")
        if v14 or j.failures:
            out.append(f"{i1}Num failures: {j.failures}")
        if v14 or j.system_stops:
            out.append(f"{i1}Num system stops: {j.system_stops}")
    if j.last_success:
        out.append(f"{i1}Last successful run: {clock.dumpstate(j.last_success)}")
    if j.last_failure:
        out.append(f"{i1}Last failed run: {clock.dumpstate(j.last_failure)}")
    if not full:
        return out
    out.append(f"{i1}Restricted due to: none.")
    ready_job = j.ready_job
    ready = ready_job and not j.pending and not j.active
    out.append(f"{i1}Ready: {str(ready).lower()} (job={str(ready_job).lower()} user=true "
               f"!restricted=true !pending={str(not j.pending).lower()} "
               f"!active={str(not j.active).lower()} !backingup=true comp=true)")
    return out
