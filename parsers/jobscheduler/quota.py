"""QuotaController state (10+) → `jobscheduler_quota` rows (formats.md §3.4,
platform-rules.md §2.6).

Three shapes become rows:
- per tracked job: `#<uid>/<id> from <src>` then `<BUCKET>, within quota, <n>ms remaining in
  quota` (10 says "within quota"; 12+ "within regular quota" / "within EJ quota" /
  "not within quota" / "out of EJ quota"; or "should be stopped after min execution time");
- `Timer[<REG|EJ>]{<user>pkg} …` with its `Saved sessions:` / `Saved events:` summed;
- `Cached execution stats:` → `<user>pkg` then `<BUCKET>: expirationTime=…, …` per bucket.
"""

from __future__ import annotations

import math

from wakescope.parsers.jobscheduler.block_input import BlockInput
from wakescope.parsers.jobscheduler.controllers import parse_controller
from wakescope.parsers.jobscheduler.ids import TRACKED
from wakescope.parsers.lazy_re import lazy_compile
from wakescope.parsers.numbers import INT64_MIN, safe_int
from wakescope.parsers.uid import parse_uid, user_id

_JOB_QUOTA = lazy_compile(
    r"^(?P<bucket>[A-Z_]+|Unknown: -?\d+), (?P<state>[^,]+)"
    r"(?:, (?P<left>-?\d+)ms remaining in (?P<ej>EJ )?quota|, (?P<other>.+))?$"
)
_TIMER = lazy_compile(r"^(?P<kind>Timer|TopAppTimer)(?:<(?P<type>\w+)>)?\{<(?P<user>-?\d+)>"
                    r"(?P<pkg>[^}]+)\} (?P<rest>.*)$")
_SESSION = lazy_compile(r"^(-?\d+) -> (-?\d+) \((-?\d+)\), (\d+) bg jobs\.$")
_PKG = lazy_compile(r"^<(-?\d+)>(\S+?)$")
_STATS = lazy_compile(r"^([A-Z_]+|Unknown: -?\d+): (\w+=.*)$")
_PAIR = lazy_compile(r"(\w+)=(-?\d+)")
_NOW = lazy_compile(r"^Current elapsed time: (\d+)$")

_BUCKET_KEY = {"ACTIVE": "active", "WORKING_SET": "working", "FREQUENT": "frequent",
               "RARE": "rare", "RESTRICTED": "restricted", "EXEMPTED": "exempted"}


def allowed_from_settings(settings: dict[str, str], bucket: str) -> int | None:
    """Allowed time per period from the constants: 14+ per bucket, 12–13 `qc_` single, 10–11."""
    b = _BUCKET_KEY.get(bucket)
    for key in (f"qc_allowed_time_per_period_{b}_ms" if b else None,
                "qc_allowed_time_per_period_ms", "allowed_time_per_period_ms"):
        if key and key in settings:
            return _setting_ms(settings[key])
    return None


def _setting_ms(text: str) -> int | None:
    """A constant's value: a long, or a float (`DeviceConfig` strings) cut to whole ms."""
    value = safe_int(text)
    if value is not None:
        return value
    try:
        f = float(text)
    except ValueError:
        return None
    return int(f) if math.isfinite(f) and INT64_MIN <= f < -INT64_MIN else None


def parse_quota_controller(src: BlockInput, start: int, end: int, name: str
                           ) -> tuple[list[dict], list[dict]]:
    """(quota rows, controller state rows) for a `QuotaController:` block."""
    lines, first_line, settings, unknown = src.lines, src.first_line, src.constants, src.unknown
    quota_lines: set[int] = set()
    rows: list[dict] = []
    now = None
    last_job: dict | None = None
    last_timer: dict | None = None
    stats_pkg: tuple[int | None, str] | None = None
    for i in range(start + 1, end):
        s = lines[i].strip()
        if not s:
            continue
        if now is None:
            m = _NOW.match(s)
            if m:
                now = safe_int(m.group(1))
        if s[0] == "#":
            m = TRACKED.match(s)
            if m:
                last_job = {"uid": parse_uid(m.group("src")), "job_id": safe_int(m.group("id")),
                            "namespace": m.group("ns"), "_calling": parse_uid(m.group("uid"))}
                continue
        m = _JOB_QUOTA.match(s)
        if m and last_job is not None:
            state = m.group("state").strip()
            row = {**last_job, "source": "job", "bucket": m.group("bucket"),
                   "in_quota": not (state.startswith("not within") or state.startswith("out of")),
                   "time_left_ms": safe_int(m.group("left")),
                   "expedited": bool(m.group("ej")) or " EJ " in f" {state} ",
                   "detail": s, "line": first_line + i}
            row["user_id"] = user_id(row["uid"])
            rows.append(row)
            quota_lines.add(i)
            last_job = None
            continue
        m = _TIMER.match(s)
        if m:
            quota_lines.add(i)
            last_timer = None
            if m.group("kind") == "Timer":
                last_timer = {"source": "timer", "user_id": safe_int(m.group("user")),
                              "package": m.group("pkg"), "expedited": m.group("type") == "EJ",
                              "detail": s, "line": first_line + i,
                              "execution_ms": 0, "job_count": 0, "session_count": 0}
                rows.append(last_timer)
            continue
        m = _SESSION.match(s)
        if m:
            quota_lines.add(i)
            ms, jobs = safe_int(m.group(3)), safe_int(m.group(4))
            if ms is None or jobs is None:  # numbers no Java long holds: nothing to add
                unknown(i)
            elif last_timer is not None:
                last_timer["execution_ms"] += ms
                last_timer["job_count"] += jobs
                last_timer["session_count"] += 1
            continue
        m = _PKG.match(s)
        if m:
            stats_pkg = (safe_int(m.group(1)), m.group(2))
            quota_lines.add(i)
            continue
        m = _STATS.match(s)
        if m and stats_pkg is not None:
            rows.append(_stats_row(stats_pkg, m.group(1), m.group(2), now, settings,
                                   first_line + i))
            quota_lines.add(i)
            continue
    state_rows = parse_controller(src, start, end, name, skip=quota_lines)
    return rows, state_rows


def _stats_row(pkg: tuple[int | None, str], bucket: str, text: str, now: int | None,
               settings: dict[str, str], line_no: int) -> dict:
    v = {k: safe_int(x) for k, x in _PAIR.findall(text)}
    allowed = v.get("allowedTimePerPeriodMs")
    window = v.get("windowSizeMs")
    if not allowed and window:  # ≤13 print no allowed time: take the constant
        allowed = allowed_from_settings(settings, bucket)
    execution = v.get("executionTimeInWindow")
    in_quota_time = v.get("inQuotaTime")
    if in_quota_time is None:
        in_quota = None
    elif now is not None:
        in_quota = in_quota_time <= now
    else:
        in_quota = True if in_quota_time == 0 else None
    time_left = None
    if allowed and execution is not None:
        time_left = max(0, allowed - execution)
    return {"source": "execution_stats", "user_id": pkg[0], "package": pkg[1], "bucket": bucket,
            "in_quota": in_quota, "time_left_ms": time_left, "execution_ms": execution,
            "window_ms": window, "job_count": v.get("bgJobCountInWindow"),
            "session_count": v.get("sessionCountInWindow"), "allowed_ms": allowed or None,
            "job_count_limit": v.get("jobCountLimit"),
            "session_count_limit": v.get("sessionCountLimit"),
            "in_quota_elapsed_ms": in_quota_time, "detail": text, "line": line_no}
