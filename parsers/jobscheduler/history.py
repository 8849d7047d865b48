"""`Job history:` START/STOP lines → `jobscheduler_history` rows (formats.md §3.6, §7.3).

- 7.0–8.0: `<time> START: <uid> <batteryName>` (no job id, no reason).
- 8.1+: `<time>   START: #<uid>/<id> <batteryName>`, labels START, STOP, START-P, STOP-P;
  STOP lines end with the reason (debug string 9+, internal name otherwise).
- The uid is the job's *source* uid; real captures invert `-P` on STOP lines (one-off jobs log
  START/STOP-P), so `periodic` comes from the START line and STOPs take their START's value.
- Battery names may contain spaces (`…/mail Data Sync:android canceled`, 8.1), so a STOP's
  reason is what follows the name its START printed, else a known reason suffix.

The buffer holds at most 100 events, so a per-line loop is cheap here.
"""

from __future__ import annotations

import re

from wakescope.parsers.jobscheduler.block_input import BlockInput
from wakescope.parsers.jobscheduler.ids import UID, redact_name, redact_text, split_battery_name
from wakescope.parsers.jobscheduler.stop_reasons import classify, public_name, split_reason
from wakescope.parsers.jobscheduler.times import duration
from wakescope.parsers.numbers import safe_int
from wakescope.parsers.uid import parse_uid, user_id

_LINE = re.compile(
    r"^\s*(?P<t>0|[+-]\S+)\s+(?P<ev>START|STOP|START-P|STOP-P|\?\?)(?::\s(?P<rest>.*))?$"
)
_REF = re.compile(rf"^#?(?:(?P<ns>[^\s#:/][^\s:/]*):)?(?P<uid>{UID})/(?P<id>-?\d+) (?P<tail>.*)$")
_UID_ONLY = re.compile(rf"^(?P<uid>{UID}) (?P<tail>.*)$")


def parse_history(src: BlockInput, start: int, end: int) -> list[dict]:
    """Rows for lines [start, end) of a `Job history:` block (header line excluded)."""
    lines, first_line, tb, sdk, redact = src.lines, src.first_line, src.tb, src.sdk, src.redact
    known_names, unknown = src.known_names, src.unknown
    rows: list[dict] = []
    open_starts: dict[tuple, tuple[dict, str]] = {}  # key → (START row, its raw name)
    for i in range(start, end):
        raw = lines[i]
        if not raw.strip():
            continue
        m = _LINE.match(raw)
        if not m:
            unknown(i)
            continue
        ev = m.group("ev")
        rest = (m.group("rest") or "").rstrip()
        offset = duration(m.group("t"))
        event = "START" if ev.startswith("START") else "STOP" if ev.startswith("STOP") else ev
        r = _REF.match(rest)
        has_id = r is not None  # 8.1+ shape; an id no Java int holds stays null
        if r:
            uid, job_id, ns = parse_uid(r.group("uid")), safe_int(r.group("id")), r.group("ns")
        else:
            r = _UID_ONLY.match(rest)  # 7.0–8.0: no job id
            if not r:
                unknown(i)
                continue
            uid, job_id, ns = parse_uid(r.group("uid")), None, None
        tail = r.group("tail")
        if has_id:
            key = (uid, ns, job_id)
            opened = open_starts.get(key)
            if event == "STOP":
                name, reason = _split_stop(tail, opened[1] if opened else None, known_names)
            else:
                name, reason = tail, None
        else:
            name, reason = tail, None  # 7.0–8.0 STOP lines carry no reason
            key = (uid, None, name)
            opened = open_starts.get(key)
        bn = split_battery_name(name)
        row = {"offset_ms": offset, "time": tb.utc(offset), "event": event,
               "periodic_flag": ev.endswith("-P"), "uid": uid, "user_id": user_id(uid),
               "job_id": job_id, "namespace": ns or bn.namespace,
               "package": component_package(bn.rest),
               "tag": redact_name(name) if redact else name,
               "stop_reason": redact_text(reason) if redact else reason,
               "line": first_line + i, "_name": name}
        if event == "START":
            row["periodic"] = row["periodic_flag"] if has_id else None
            open_starts[key] = (row, name)
        elif event == "STOP":
            if opened is not None:
                start_row = opened[0]
                row["periodic"] = start_row["periodic"]
                if offset is not None and start_row["offset_ms"] is not None:
                    row["duration_ms"] = offset - start_row["offset_ms"]
                del open_starts[key]
            elif has_id:
                row["periodic"] = not row["periodic_flag"]  # the suffix is inverted on STOP
            public, internal = classify(reason, sdk)
            row["stop_reason_code"] = public
            row["stop_reason_name"] = public_name(public)
            row["stop_reason_internal_code"] = internal
        rows.append(row)
    return rows


def _split_stop(tail: str, start_name: str | None, known_names: set[str]
                ) -> tuple[str, str | None]:
    """Split `<batteryName> <reason>` on a STOP line."""
    if start_name and (tail == start_name or tail.startswith(start_name + " ")):
        return start_name, tail[len(start_name):].strip() or None
    split = split_reason(tail)
    if split is not None:
        return split
    # The longest registered battery name the tail starts with (names may hold spaces).
    best = ""
    for name in known_names:
        if len(name) > len(best) and (tail == name or tail.startswith(name + " ")):
            best = name
    if best:
        return best, tail[len(best):].strip() or None
    head, _, reason = tail.partition(" ")
    return head, reason.strip() or None


def component_package(rest: str) -> str | None:
    """Package of a component battery name (`pkg/.Cls`); None for proxy `<tag>:<pkg>` names,
    whose package is the service's (e.g. `android` for syncs), not the app's."""
    if "/" not in rest:
        return None
    pkg, cls = rest.split("/", 1)
    if ":" in cls or "/" in cls or " " in cls:
        return None
    return pkg or None
