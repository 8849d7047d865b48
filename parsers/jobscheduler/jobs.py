"""`Registered <n> jobs:` → one `jobscheduler_jobs` row per `JOB` block (formats.md §3.2).

A block is the `JOB` line plus every following line indented deeper than it; the header count
is kept so the caller can say when blocks are missing (Samsung 15 prints `None.`, a truncated
excerpt prints fewer).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from wakescope.parsers.jobscheduler.block_input import BlockInput
from wakescope.parsers.jobscheduler.constraints import implicit_unsatisfied, mask_of
from wakescope.parsers.jobscheduler.identify import extras_fields, identify
from wakescope.parsers.jobscheduler.ids import (
    JOB_LINE,
    REDACTED,
    redact_name,
    redact_tag,
    ref_from_match,
    split_battery_name,
    tag_type,
)
from wakescope.parsers.jobscheduler.job_dump import read_job_dump
from wakescope.parsers.jobscheduler.times import Timebase
from wakescope.parsers.numbers import safe_int
from wakescope.parsers.uid import user_id

_REGISTERED = re.compile(r"^\s*Registered (\d+) jobs?:\s*$")
_CAPS = re.compile(r"Capabilities: (\S+)")
_NETWORK_INT = {"0": "none", "1": "any", "2": "unmetered", "3": "not_roaming", "4": "cellular"}


def parse_registered(src: BlockInput, start: int, end: int
                     ) -> tuple[int | None, list[dict], int]:
    """(registered count from the header or None, job rows, number of `None.` lines)."""
    lines, first_line, tb, redact = src.lines, src.first_line, src.tb, src.redact
    unknown = src.unknown
    count = None
    rows: list[dict] = []
    none_lines = 0
    i = start
    while i < end:
        raw = lines[i]
        s = raw.strip()
        if not s:
            i += 1
            continue
        jm = JOB_LINE.match(raw) if s.startswith("JOB ") else None
        if jm is None:
            m = _REGISTERED.match(raw)
            if m:
                n = safe_int(m.group(1))
                if n is None:  # a count no Java int holds: the header says nothing else
                    unknown(i)
                else:
                    count = n
            elif s in ("None.", "None"):
                none_lines += 1
            else:
                unknown(i)
            i += 1
            continue
        # The block: every following line indented deeper than the JOB line.
        fields, j = read_job_dump(lines, i + 1, end, unknown, len(jm.group("indent")))
        rows.append(job_row(jm, fields, first_line + i, tb, redact))
        i = j
    return count, rows, none_lines


def job_row(jm: re.Match, f: dict, line_no: int, tb: Timebase, redact: bool) -> dict:
    """A `jobscheduler_jobs` row from a JOB line match and its dump fields."""
    ref = ref_from_match(jm)
    name = ref.name or ""
    bn = split_battery_name(name)
    namespace = ref.namespace or bn.namespace
    uid = ref.uid if ref.uid is not None else f.get("calling_uid")
    service = f.get("service")
    extras = extras_fields(f.get("extras"))
    who = identify(service, namespace, name, extras, uid, f.get("source_uid"))
    tag = f.get("tag")
    flags = f.get("flags")
    expedited, user_initiated = _job_kind(tag, flags, f)
    required = f.get("required")
    satisfied = f.get("satisfied")
    unsatisfied = _unsatisfied(f)
    parts = f.get("ready_parts")
    ready = f.get("ready")
    source_uid = f.get("source_uid")
    success_local, failure_local = f.get("last_success_local"), f.get("last_failure_local")
    success_utc, failure_utc = tb.local_utc(success_local), tb.local_utc(failure_local)
    account = who.get("sync_account")
    if redact and account:
        account = REDACTED
    row = {
        "uid": uid,
        "user_id": user_id(uid),
        "job_id": ref.job_id,
        "namespace": namespace,
        "package": service.split("/", 1)[0] if service and "/" in service else None,
        "service": service,
        "source_uid": source_uid,
        "source_user_id": f.get("source_user_id"),
        "source_package": f.get("source_package"),
        "tag": redact_tag(tag) if redact else tag,
        "scheduler": who["scheduler"],
        "work_spec_id": who.get("work_spec_id"),
        "sync_authority": who.get("sync_authority"),
        "sync_account": account,
        "periodic": bool(f.get("periodic")),
        "interval_ms": f.get("interval_ms"),
        "flex_ms": f.get("flex_ms"),
        "persisted": bool(f.get("persisted")),
        "priority": f.get("priority"),
        "bias": f.get("bias"),
        "expedited": expedited,
        "user_initiated": user_initiated,
        "required": required,
        "satisfied": satisfied,
        "unsatisfied": unsatisfied,
        "required_mask": f.get("required_mask"),
        "satisfied_mask": f.get("satisfied_mask"),
        "unsatisfied_mask": f.get("unsatisfied_mask"),
        "dynamic_constraints": f.get("dynamic"),
        "implicit_constraints": f["implicit"] or None,
        "network_request": f.get("network_request"),
        "content_triggers": f["content_triggers"] or None,
        "standby_bucket": f.get("standby_bucket"),
        "enqueue_ms": f.get("enqueue_ms"),
        "earliest_run_ms": f.get("earliest_run_ms"),
        "latest_run_ms": f.get("latest_run_ms"),
        "earliest_run_time": tb.utc(f.get("earliest_run_ms")),
        "latest_run_time": tb.utc(f.get("latest_run_ms")),
        "last_success_ms": tb.rel(success_utc),
        "last_failure_ms": tb.rel(failure_utc),
        "num_failures": f.get("num_failures"),
        "backoff_policy": f.get("backoff_policy"),
        "backoff_ms": f.get("backoff_ms"),
        "restricted_reasons": f.get("restricted_reasons"),
        "ready": ready,
        "ready_parts": _parts_json(tuple(parts.items())) if parts is not None else None,
        "tracking": f.get("tracking"),
        "pending": bool(parts.get("pending")) if parts else False,
        "running": bool(parts.get("active")) if parts else False,
        "line": line_no,
        "battery_name": redact_name(name) if redact else name,
        "hash": ref.hash,
        "sync_account_type": who.get("sync_account_type"),
        "flags": flags,
        "effective_priority": f.get("effective_priority"),
        "network_type": network_type(f.get("network_request")),
        "enqueue_time": tb.utc(f.get("enqueue_ms")),
        "deferred_since_ms": f.get("deferred_since_ms"),
        "last_success_local": success_local,
        "last_failure_local": failure_local,
        "last_success_time": success_utc,
        "last_failure_time": failure_utc,
        "num_system_stops": f.get("num_system_stops"),
        "doze_whitelisted": bool(f.get("doze_whitelisted")),
        "uid_active": bool(f.get("uid_active")),
        "evaluated_bias": f.get("evaluated_bias"),
        "_name": name,  # unredacted, for linking history (dropped before the frame)
    }
    _fill_masks(row, f)
    return row


@lru_cache(maxsize=256)
def _parts_json(parts: tuple[tuple[str, bool], ...]) -> str:
    """The `ready_parts` column: the decomposition as JSON, keys sorted (cached: jobs share
    a few)."""
    return json.dumps(dict(parts), sort_keys=True)


def _job_kind(tag: str | None, flags: int | None, f: dict) -> tuple[bool, bool]:
    """(expedited, user_initiated) from the JobInfo flags, the tag's type letter and the
    dump's EJ/UIJ lines."""
    kind = tag_type(tag) if tag else None
    expedited = bool(flags & 0x10) if flags is not None else None
    user_initiated = bool(flags & 0x20) if flags is not None else None
    if kind == "e" or f.get("started_as_ej") or f.get("has_ej_line"):
        expedited = True
    if kind == "u" or f.get("has_uij_line"):
        user_initiated = True
    return bool(expedited), bool(user_initiated)


def _unsatisfied(f: dict) -> list[str] | None:
    """The printed unsatisfied constraints (else required − satisfied), plus the implicit
    ones that failed."""
    required, satisfied = f.get("required"), f.get("satisfied")
    unsatisfied = f.get("unsatisfied")
    if unsatisfied is None and required is not None and satisfied is not None:
        unsatisfied = [c for c in required if c not in satisfied]
    implicit = implicit_unsatisfied(f["implicit_failed"], f.get("dynamic"), satisfied)
    if implicit:
        unsatisfied = list(unsatisfied or [])
        for c in implicit:
            if c not in unsatisfied:
                unsatisfied.append(c)
    return unsatisfied


def _fill_masks(row: dict, f: dict) -> None:
    """9+ print `[0x…]` only after a non-empty list; an empty list means mask 0."""
    if any(f.get(k) is not None for k in ("required_mask", "satisfied_mask", "unsatisfied_mask")):
        for kind in ("required", "satisfied", "unsatisfied"):
            if row[f"{kind}_mask"] is None and f.get(kind) is not None:
                row[f"{kind}_mask"] = mask_of(f[kind])


def network_type(request: str | None) -> str | None:
    """7–8.1 integer NETWORK_TYPE, or the 9+ NetworkRequest capabilities, → a plain name."""
    if not request:
        return None
    r = request.strip()
    if r in _NETWORK_INT:
        return _NETWORK_INT[r]
    if "NetworkRequest" not in r:
        return None
    m = _CAPS.search(r)
    caps = set(m.group(1).split("&")) if m else set()
    if "NOT_METERED" in caps:
        return "unmetered"
    if "NOT_ROAMING" in caps:
        return "not_roaming"
    if "Transports: CELLULAR" in r:
        return "cellular"
    return "any"
