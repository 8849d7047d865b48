"""JobPackageTracker stats → `jobscheduler_package_stats` (formats.md §3.6, §7.3).

`Current stats at <yyyy-MM-dd-HH-mm-ss> (<rel>) over <dur>:` / `Historical stats at …`, then
per package `<uid> / <pkg>:` with counters on the same line (7.1) or the next (8.1+, real
captures), a reason line (`2x canceled, 1x timeout`, 8.1+), and `Max concurrency: <n> total,
<m> foreground` (last in ≤11, first in 12+).
"""

from __future__ import annotations

import json
import re

from wakescope.parsers.jobscheduler.block_input import BlockInput
from wakescope.parsers.jobscheduler.times import duration, local_time
from wakescope.parsers.numbers import safe_int
from wakescope.parsers.uid import parse_uid, user_id

_HEADER = re.compile(r"^(Current|Historical) stats at (\S+) \((\S+)\) over (\S+):$")
_PACKAGE = re.compile(r"^(\S+) / (\S+?):(.*)$")
_COUNTER = re.compile(r"(?:(\d+)% )?(\d+)x (pending|active-top|active)\b")
_MARKER = re.compile(r"\((pending|active|active-top)\)")
_REASON = re.compile(r"(\d+)x ([\w:-]+)")
_MAX = re.compile(r"^Max concurrency: (\d+) total, (\d+) foreground$")


def parse_stats(src: BlockInput, start: int, end: int) -> list[dict]:
    """One stats period (header at `start`)."""
    lines, first_line, unknown = src.lines, src.first_line, src.unknown
    m = _HEADER.match(lines[start].strip())
    if not m:
        unknown(start)
        return []
    period = {"period": m.group(1).lower(), "period_start_local": local_time(m.group(2)),
              "period_start_ms": duration(m.group(3)), "period_ms": duration(m.group(4))}
    rows: list[dict] = []
    cur: dict | None = None
    max_total = max_fg = None
    for i in range(start + 1, end):
        s = lines[i].strip()
        if not s:
            continue
        mm = _MAX.match(s)
        if mm:
            max_total, max_fg = safe_int(mm.group(1)), safe_int(mm.group(2))
            if max_total is None and max_fg is None:  # no Java int: the line says nothing
                unknown(i)
            continue
        pm = _PACKAGE.match(s)
        if pm and (pm.group(3) == "" or _COUNTER.search(pm.group(3))):
            uid = parse_uid(pm.group(1))
            cur = {**period, "uid": uid, "user_id": user_id(uid), "package": pm.group(2),
                   "line": first_line + i}
            rows.append(cur)
            if pm.group(3).strip():
                _counters(cur, pm.group(3))
            continue
        if cur is not None and _COUNTER.search(s):
            _counters(cur, s)
            continue
        if cur is not None and _REASON.match(s):
            reasons = {name: safe_int(n) for n, name in _REASON.findall(s)}
            cur["stop_reasons"] = json.dumps(reasons, sort_keys=True)
            continue
        unknown(i)
    for r in rows:
        r["max_concurrency_total"] = max_total
        r["max_concurrency_fg"] = max_fg
    return rows


def _counters(row: dict, text: str) -> None:
    for pct, n, what in _COUNTER.findall(text):
        key = what.replace("-", "_")
        row[f"{key}_count"] = safe_int(n)
        row[f"{key}_pct"] = safe_int(pct) if pct else 0
    for what in _MARKER.findall(text):
        if what == "pending":
            row["pending_now"] = True
        elif what.startswith("active"):
            row["active_now"] = True
