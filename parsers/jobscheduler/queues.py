"""Pending queue, active slots / idle contexts, recently completed and cancelled jobs
(formats.md §3.5; JobConcurrencyManager.dumpContextInfoLocked and JobServiceContext.dumpLocked
for 13+).
"""

from __future__ import annotations

from wakescope.parsers.jobscheduler.block_input import BlockInput
from wakescope.parsers.jobscheduler.ids import (
    JobRef,
    parse_short,
    redact_name,
    redact_text,
    split_tag,
)
from wakescope.parsers.jobscheduler.job_dump import parse_job_dump
from wakescope.parsers.jobscheduler.stop_reasons import classify
from wakescope.parsers.jobscheduler.times import duration
from wakescope.parsers.lazy_re import lazy_compile
from wakescope.parsers.numbers import safe_int
from wakescope.parsers.uid import user_id

_PENDING = lazy_compile(r"^Pending #(\d+): (.*)$")
_SLOT = lazy_compile(r"^Slot #(\d+)(?:\(ID=(-?\d+)\))?: (.*)$")
_IDLE = lazy_compile(r"^ID=(-?\d+): (.*)$")
_INACTIVE = lazy_compile(r"^inactive(?: since (\S+), stopped because: (.*))?$")
_TIME = lazy_compile(r"^(?:0|--|[+-](?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?\d+ms)$")
_DROPPED = lazy_compile(r"^Dropped \d+ contexts$")
_EMPTY = {"None", "None.", "N/A"}


def _body_end(lines: list[str], i: int, end: int, indent: int) -> int:
    j = i + 1
    while j < end:
        r = lines[j]
        if r.strip() and len(r) - len(r.lstrip()) <= indent:
            break
        j += 1
    return j


def _indent(raw: str) -> int:
    return len(raw) - len(raw.lstrip())


def _ref_fields(ref: JobRef | None, redact: bool) -> dict:
    if ref is None:
        return {}
    name = ref.name
    return {"uid": ref.uid, "job_id": ref.job_id, "namespace": ref.namespace,
            "tag": redact_name(name) if redact else name, "_name": name}


def parse_pending(src: BlockInput, start: int, end: int) -> list[dict]:
    """`Pending #i: <short string>` entries; positions made 1-based (0-based up to 12)."""
    lines, first_line, redact, unknown = src.lines, src.first_line, src.redact, src.unknown
    rows: list[dict] = []
    i = start
    while i < end:
        raw = lines[i]
        s = raw.strip()
        if not s or s in _EMPTY:
            i += 1
            continue
        m = _PENDING.match(s)
        if not m:
            unknown(i)
            i += 1
            continue
        j = _body_end(lines, i, end, _indent(raw))
        f = parse_job_dump(lines, i + 1, j, unknown)
        ref = parse_short(m.group(2))
        if ref is None:
            unknown(i)
        row = {"position": safe_int(m.group(1)), "line": first_line + i, **_ref_fields(ref, redact),
               "hash": ref.hash if ref else None,
               "source_uid": f.get("source_uid"), "source_package": f.get("source_package"),
               "evaluated_bias": f.get("evaluated_bias"),
               "waiting_ms": -f["enq_ms"] if f.get("enq_ms") is not None else None}
        row["package"] = f.get("source_package")
        rows.append(row)
        i = j
    positions = [r["position"] for r in rows if r["position"] is not None]
    if positions and min(positions) == 0:  # ≤12 count from 0
        for r in rows:
            if r["position"] is not None:
                r["position"] += 1
    return rows


def parse_active(src: BlockInput, start: int, end: int) -> list[dict]:
    """`Slot #i[(ID=n)]: inactive…|<short string>` and 13+ `ID=n: inactive…` idle contexts."""
    lines, first_line, sdk, redact = src.lines, src.first_line, src.sdk, src.redact
    unknown = src.unknown
    rows: list[dict] = []
    i = start
    while i < end:
        raw = lines[i]
        s = raw.strip()
        if not s or s in _EMPTY or _DROPPED.match(s):
            i += 1
            continue
        m = _SLOT.match(s)
        idle = None if m else _IDLE.match(s)
        if not m and not idle:
            unknown(i)
            i += 1
            continue
        j = _body_end(lines, i, end, _indent(raw))
        row: dict = {"line": first_line + i}
        if m:
            row["slot"] = safe_int(m.group(1))
            row["context_id"] = safe_int(m.group(2))
            rest = m.group(3).strip()
        else:
            row["context_id"] = safe_int(idle.group(1))
            rest = idle.group(2).strip()
        inactive = _INACTIVE.match(rest)
        if inactive:
            row["inactive_since_ms"] = duration(inactive.group(1))
            reason = inactive.group(2)
            if reason:
                row["stopped_because"] = redact_text(reason) if redact else reason
                row["stopped_because_code"] = classify(reason, sdk)[0]
            for k in range(i + 1, j):
                if lines[k].strip():
                    unknown(k)
        else:
            ref = parse_short(rest)
            if ref is None:
                unknown(i)
            f = parse_job_dump(lines, i + 1, j, unknown)
            row.update(_ref_fields(ref, redact))
            row.update(package=f.get("source_package"), source_uid=f.get("source_uid"),
                       source_package=f.get("source_package"),
                       running_ms=f.get("running_ms"), timeout_ms=f.get("timeout_ms"),
                       evaluated_bias=f.get("evaluated_bias"))
            stop = f.get("pending_stop")
            if stop:
                code, text = stop
                row["pending_stop_reason"] = redact_text(text) if redact else text
                row["pending_stop_reason_code"] = code
        rows.append(row)
        i = j
    return rows


def parse_recent(src: BlockInput, start: int, end: int, status: str) -> list[dict]:
    """Recently completed (12+) / cancelled (14+): a time line, then (13+) the short string
    at double indent, then the full dump."""
    lines, first_line, tb, redact = src.lines, src.first_line, src.tb, src.redact
    unknown = src.unknown
    rows: list[dict] = []
    i = start
    while i < end:
        raw = lines[i]
        s = raw.strip()
        if not s or s in _EMPTY:
            i += 1
            continue
        if not _TIME.match(s):
            unknown(i)
            i += 1
            continue
        j = _body_end(lines, i, end, _indent(raw))
        k = i + 1
        while k < j and not lines[k].strip():
            k += 1
        ref = parse_short(lines[k]) if k < j else None
        body_start = k + 1 if ref is not None else k
        f = parse_job_dump(lines, body_start, j, unknown)
        row = {"status": status, "line": first_line + i, "ended_ms": duration(s),
               "ended_time": tb.utc(duration(s)), "source_uid": f.get("source_uid"),
               "source_package": f.get("source_package"), "package": f.get("source_package")}
        if ref is not None:
            row.update(_ref_fields(ref, redact))
        else:  # 12: no short string; the wakelock tag still names the job
            row["uid"] = f.get("calling_uid")
            parts = split_tag(f["tag"]) if f.get("tag") else None
            if parts:
                row["job_id"] = parts[2]
                row["tag"] = redact_name(parts[1]) if redact else parts[1]
                row["_name"] = parts[1]
        row["user_id"] = user_id(row.get("uid"))
        rows.append(row)
        i = j
    return rows
