"""One `JobStatus.dump` body → a dict of fields (formats.md §3.2 items 1–19).

The same dump follows `JOB` lines (full), pending-queue entries and active slots (short),
and recently completed/cancelled entries (full), so one reader serves them all. Lines come
stripped; sub-lists (`Trigger content URIs:`, `Constraint history:`, `Implicit
constraints:`, work items) are the lines indented deeper than their heading.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from wakescope.parsers.jobscheduler.constraints import is_history_entry, parse_constraint_line
from wakescope.parsers.jobscheduler.times import duration, elapsed_hms, local_time
from wakescope.parsers.lazy_re import lazy_compile
from wakescope.parsers.numbers import safe_hex, safe_int
from wakescope.parsers.uid import parse_uid

_TAG = lazy_compile(r"^(\S+) tag=(.*)$")
_SOURCE = lazy_compile(r"^Source: uid=(\S+) user=(-?\d+) pkg=(\S+)$")
_PERIODIC = lazy_compile(r"^PERIODIC: interval=(\S+) flex=(\S+)$")
_PRIORITY = lazy_compile(r"^(-?\d+)(?: \[(\w+)\])?(?: effective=(-?\d+)(?: \[(\w+)\])?)?$")
_BACKOFF = lazy_compile(r"^Backoff: policy=(\d+) initial=(\S+)$")
_RUN_TIME = lazy_compile(r"^Run time: earliest=(\S+), latest=(\S+?)(?:, original latest=(\S+))?$")
_READY = lazy_compile(r"^Ready: (true|false) \((.*)\)$")
_READY_PART = lazy_compile(r"(!?)(\w+)=(true|false)")
_IMPLICIT = lazy_compile(r"^(\w+): (true|false)(?: (\w+): (true|false))?(?: \((.*)\))?$")
_TRIGGER = lazy_compile(r"^[0-9a-f]+ (\S+)$")
_RUNNING = lazy_compile(r"^Running for: (\S+), timeout at: (\S+)$")
_REMAINING = lazy_compile(r"^Remaining execution limits: \[([^\]]*)\](?: Pending stop because "
                        r"(-?\d+)/(-?\d+)/(.*))?$")
_ACTIVE_AT = lazy_compile(r"^Active at (\S+), pending for (\S+)$")
_EVALUATED = lazy_compile(r"^Evaluated (?:priority|bias): (-?\d+)")
_WORK_ITEM = lazy_compile(r"^#\d+: #\d+ \d+x ")

_READY_KEYS = {"job": "job", "user": "user", "pending": "pending", "active": "active",
               "backingup": "backing_up", "restricted": "restricted", "comp": "component"}
_PRIORITY_NAMES = {"MIN", "LOW", "DEFAULT", "HIGH", "MAX"}

# Headings whose deeper lines we only need to recognise.
_SUBLIST_HEADINGS = {
    "Trigger content URIs:": "triggers",
    "Constraint history:": "constraint_history",
    "Implicit constraints:": "implicit",
    "Granted URI permissions:": "opaque",
    "Pending work:": "work",
    "Executing work:": "work",
    "Changed authorities:": "opaque",
    "Changed URIs:": "opaque",
}
# Lines recognised but not stored (a prefix is enough).
_IGNORED_PREFIXES = (
    "Requires: ", "Internal flags: ", "Trigger update delay: ", "Trigger max delay: ",
    "Has media backup exemption", "Transient extras: ", "Clip data: ", "Network bytes: ",
    "Network download bytes: ", "Network upload bytes: ", "Minimum network chunk bytes: ",
    "Minimum latency: ", "Max execution delay: ", "Has early constraint", "Has late constraint",
    "Trace tag: ", "Debug tags: ", "Num Required Flexible constraints: ",
    "Num Dropped Flexible constraints: ", "Is exempted from app standby", "Network: ",
    "Started with foreground flag: ", "User BG restricted", "Base heartbeat: ",
    "Last run heartbeat: ", "Cumulative execution time=", "Time since first force batch",
    "Tag: ", "URI grants:",
)


def parse_job_dump(lines: list[str], start: int, end: int,
                   unknown: Callable[[int], None]) -> dict:
    """Read lines [start, end) of one job dump; calls `unknown(i)` for lines it cannot place."""
    return read_job_dump(lines, start, end, unknown, -1)[0]


def read_job_dump(lines: list[str], start: int, end: int, unknown: Callable[[int], None],
                  outer_indent: int) -> tuple[dict, int]:
    """Read one job dump from `start` up to `end` or to the first non-blank line indented
    `outer_indent` or less (the next `JOB` line, say): (its fields, where it stopped)."""
    f: dict = {"content_triggers": [], "implicit": [], "implicit_failed": []}
    sub: str | None = None
    sub_indent = 0
    for i in range(start, end):
        raw = lines[i]
        body = raw.lstrip()
        if not body:
            continue
        indent = len(raw) - len(body)
        if indent <= outer_indent:
            return f, i
        s = body.rstrip()
        if sub is not None:
            if indent > sub_indent:
                if not _sub_line(f, sub, s):
                    unknown(i)
                continue
            sub = None
        if s == "JobInfo:":
            continue
        heading = _SUBLIST_HEADINGS.get(s)
        if heading is not None:
            sub, sub_indent = heading, indent
            continue
        if not _line(f, s):
            unknown(i)
    return f, end


def _sub_line(f: dict, mode: str, s: str) -> bool:
    if mode == "triggers":
        m = _TRIGGER.match(s)
        if m:
            f["content_triggers"].append(m.group(1))
            return True
        return False
    if mode == "constraint_history":
        return is_history_entry(s)
    if mode == "implicit":
        m = _IMPLICIT.match(s)
        if not m:
            return False
        pairs = [(m.group(1), m.group(2))]
        if m.group(3):
            pairs.append((m.group(3), m.group(4)))
        for key, value in pairs:
            f["implicit"].append(f"{key}={value}")
            if value == "false":
                f["implicit_failed"].append(key)
        if m.group(5) and "started as EJ: true" in m.group(5):
            f["started_as_ej"] = True
        if m.group(5) and "started as UIJ: true" in m.group(5):
            f["started_as_uij"] = True
        if m.group(1) == "userInitiatedApproved":
            f["has_uij_line"] = True
        if m.group(1) in ("readyWithinExpeditedQuota", "expeditedQuotaApproved"):
            f["has_ej_line"] = True
        return True
    if mode == "work":
        return bool(_WORK_ITEM.match(s)) or s.startswith("URI grants:") or "=" in s
    return True  # opaque lists (granted URIs, changed authorities, URI grants)


def _line(f: dict, s: str) -> bool:
    """One dump line: dispatch on the text before its first colon, then on whole-line flags."""
    head, sep, rest = s.partition(":")
    if sep:
        handler = _BY_HEAD.get(head)
        if handler is not None:
            return handler(f, s, rest.strip())
    flag = _FLAGS.get(s)
    if flag is not None:
        f[flag] = True
        return True
    m = _TAG.match(s)
    if m:
        f["calling_uid"] = parse_uid(m.group(1))
        f["tag"] = m.group(2).strip()
        return True
    if s.startswith("Active at "):
        m = _ACTIVE_AT.match(s)
        if m:
            f["active_at_ms"] = duration(m.group(1))
            f["pending_for_ms"] = duration(m.group(2))
            return True
        return False
    return s.startswith(_IGNORED_PREFIXES)


def _source(f: dict, s: str, rest: str) -> bool:
    source = _source_fields(s)
    if source is None:
        return False
    f["source_uid"], f["source_user_id"], f["source_package"] = source
    return True


@lru_cache(maxsize=1024)
def _source_fields(s: str) -> tuple[int | None, int | None, str] | None:
    """`Source: uid=… user=… pkg=…` → (uid, user, package) (cached: an app's jobs repeat it;
    136 jobs, 32 distinct lines on sailfish 8.1)."""
    m = _SOURCE.match(s)
    if not m:
        return None
    return parse_uid(m.group(1)), safe_int(m.group(2)), m.group(3)


def _periodic(f: dict, s: str, rest: str) -> bool:
    m = _PERIODIC.match(s)
    if not m:
        return False
    f["periodic"] = True
    f["interval_ms"] = duration(m.group(1))
    f["flex_ms"] = duration(m.group(2))
    return True


def _run_time(f: dict, s: str, rest: str) -> bool:
    m = _RUN_TIME.match(s)
    if not m:
        return False
    f["earliest_run_ms"] = duration(m.group(1))
    f["latest_run_ms"] = duration(m.group(2))
    f["original_latest_ms"] = duration(m.group(3))
    return True


def _backoff(f: dict, s: str, rest: str) -> bool:
    m = _BACKOFF.match(s)
    if not m:
        return False
    f["backoff_policy"] = {"0": "linear", "1": "exponential"}.get(m.group(1), m.group(1))
    f["backoff_ms"] = duration(m.group(2))
    return True


def _bias(f: dict, s: str, rest: str) -> bool:
    m = _PRIORITY.match(rest)
    bias = safe_int(m.group(1)) if m else None
    if bias is None:
        return False
    f["bias"] = bias
    return True


def _flags(f: dict, s: str, rest: str) -> bool:
    flags = safe_hex(rest)  # Integer.toHexString
    if flags is None:
        return False
    f["flags"] = flags
    return True


def _restricted(f: dict, s: str, rest: str) -> bool:
    body = rest.rstrip(".").strip()
    f["restricted_reasons"] = [] if body in ("", "none") else body.split()
    return True


def _remaining(f: dict, s: str, rest: str) -> bool:
    m = _REMAINING.match(s)
    if not m:
        return False
    if m.group(2) is not None:
        # (public stop reason code, `<reason>/<internal>/<debug>` as printed)
        f["pending_stop"] = (safe_int(m.group(2)),
                             f"{m.group(2)}/{m.group(3)}/{m.group(4).strip()}")
    return True


def _running(f: dict, s: str, rest: str) -> bool:
    m = _RUNNING.match(s)
    if not m:
        return False
    f["running_ms"] = duration(m.group(1))
    f["timeout_ms"] = duration(m.group(2))
    return True


def _evaluated(f: dict, s: str, rest: str) -> bool:
    m = _EVALUATED.match(s)
    bias = safe_int(m.group(1)) if m else None
    if bias is None:
        return False
    f["evaluated_bias"] = bias
    return True


def _int_field(key: str):
    def handler(f: dict, s: str, rest: str) -> bool:
        value = safe_int(rest)
        if value is None:
            return False
        f[key] = value
        return True
    return handler


def _set(key: str, convert=lambda v: v):
    def handler(f: dict, s: str, rest: str) -> bool:
        f[key] = convert(rest)
        return True
    return handler


def _ok(f: dict, s: str, rest: str) -> bool:
    return True


def _constraints(f: dict, s: str, rest: str) -> bool:
    parsed = _constraint_line(s)
    if parsed is None:
        return False
    kind, names, mask_key, mask = parsed
    f[kind] = list(names)
    f[mask_key] = mask
    return True


@lru_cache(maxsize=1024)
def _constraint_line(s: str) -> tuple[str, tuple[str, ...], str, int | None] | None:
    """`parse_constraint_line` as (kind, names, mask field, mask), cached: jobs share a few
    constraint sets (408 lines, 41 distinct on sailfish 8.1)."""
    parsed = parse_constraint_line(s)
    if parsed is None:
        return None
    kind, names, mask = parsed
    return kind, tuple(names), f"{kind}_mask", mask


def _priority(f: dict, s: str, text: str) -> bool:
    """≤12 `Priority:` is a bias (7–9 `20`, 10–12 `40 [TOP_APP]`); 13+ is 100–500 [MIN..MAX]."""
    m = _PRIORITY.match(text)
    if not m:
        f["priority"] = text
        return True
    value, name = safe_int(m.group(1)), m.group(2)
    if name in _PRIORITY_NAMES:
        f["priority"] = name
        if m.group(3):
            f["effective_priority"] = m.group(4) or m.group(3)
    else:
        f["priority"] = text
        f.setdefault("bias", value)
    return True


def _ready(f: dict, s: str, rest: str) -> bool:
    m = _READY.match(s)
    if not m:
        return False
    f["ready"] = m.group(1) == "true"
    f["ready_parts"] = dict(_ready_parts(m.group(2)))
    return True


@lru_cache(maxsize=256)
def _ready_parts(text: str) -> tuple[tuple[str, bool], ...]:
    """`job=false user=true !pending=true …` → (plain name, meaning) pairs, later ones winning
    (cached: most jobs of a dump print the same few decompositions)."""
    parts: dict[str, bool] = {}
    for neg, key, value in _READY_PART.findall(text):
        v = value == "true"
        # 8+ print `!pending=true` meaning "not pending"; 7.x print `pending=false`.
        parts[_READY_KEYS.get(key, key)] = (not v) if neg else v
    return tuple(parts.items())


_BY_HEAD = {
    "Source": _source,
    "Service": _set("service"),
    "PERIODIC": _periodic,
    "Priority": _priority,
    "Bias": _bias,
    "Flags": _flags,
    "Extras": _set("extras"),
    "Network type": _set("network_request"),
    "Backoff": _backoff,
    "Required constraints": _constraints,
    "Preferred constraints": _constraints,
    "Dynamic constraints": _constraints,
    "Satisfied constraints": _constraints,
    "Unsatisfied constraints": _constraints,
    "Doze whitelisted": _set("doze_whitelisted", lambda v: v == "true"),
    "Uid": lambda f, s, rest: rest == "active" and _set("uid_active", bool)(f, s, rest),
    "Tracking": _set("tracking", str.split),
    "Standby bucket": _set("standby_bucket"),
    "Deferred since": _set("deferred_since_ms", duration),
    "Earliest run time": _set("earliest_run_ms", elapsed_hms),  # 7.x
    "Latest run time": _set("latest_run_ms", elapsed_hms),  # 7.x
    "Enqueue time": _set("enqueue_ms", duration),
    "Run time": _run_time,
    "Num failures": _int_field("num_failures"),
    "Num system stops": _int_field("num_system_stops"),
    "Last successful run": _set("last_success_local", local_time),
    "Last failed run": _set("last_failure_local", local_time),
    "Restricted due to": _restricted,
    "Ready": _ready,
    # pending queue / active slot extras
    "Evaluated priority": _evaluated,
    "Evaluated bias": _evaluated,
    "Enq": _set("enq_ms", duration),
    "Running for": _running,
    "Remaining execution limits": _remaining,
    "Tag": _ok,
}
for _prefix in _IGNORED_PREFIXES:
    if _prefix.endswith(": "):
        _BY_HEAD.setdefault(_prefix[:-2], _ok)
_FLAGS = {"PERSISTED": "persisted", "Uid: active": "uid_active"}
