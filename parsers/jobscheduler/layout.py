"""Split a jobscheduler dump into its top-level blocks by the shape of their header lines.

Order and indentation differ by release (formats.md §3.1): 7–8 print `  Settings:` and
`  Job history:` at indent 2 and some controller lines (`Tracking 7:`, `Next delay alarm in`)
at column 0; 9+ print `<Class>:` controller headings; Samsung 15 nests controller dumps inside
`BackgroundJobsController:` at indent 2. Excerpts may start anywhere, even at a `JOB` line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wakescope.parsers.jobscheduler.ids import JOB_LINE


@dataclass(slots=True)
class Block:
    """Lines [start, end) of the section; `start` is the header line when there is one."""

    kind: str
    name: str
    start: int
    end: int


_EXACT = {
    "Settings:": "settings",
    "Heartbeat:": "heartbeat",
    "Job history:": "history",
    "Pending queue:": "pending",
    "Active jobs:": "active",
    "Recently completed jobs:": "completed",
    "Recently cancelled jobs:": "cancelled",
    "Concurrency:": "kv",
    "Aconfig flags:": "kv",
    "Uid priority overrides:": "kv",  # ≤12
    "Uid bias overrides:": "kv",  # 13+
    "Uid proc states:": "kv",  # 14+
    "Uid capabilities:": "kv",  # 14+
    "Cached UID->package map:": "kv",  # 12+
    "Backing up uids:": "kv",
    # 7–8 controller headings without a colon.
    "Connectivity.": "controller",
    "Content:": "controller",
    "DeviceIdleJobsController": "controller",
}
# Headers that may sit at indent 2 (7–11 `  Settings:` / `  Job history:`, 9–10 `  Heartbeat:`).
_INDENT_OK = {"settings", "heartbeat", "history"}
# The other headers by shape, one alternative per kind, tried in this order (the group that
# matched names the kind).
_HEADER = re.compile(
    r"^(?:(?P<registered>Registered \d+ jobs?:$)"
    r"|(?P<stats>(?:Current|Historical) stats at )"
    r"|(?P<idle>Idle contexts \(\d+\):$|Dropped \d+ contexts$)"  # 13+: Dropped after Idle contexts
    r"|(?P<kv>Heavy Jobs Timeout History \(\d+\):$)"  # Samsung
    # 7–8 controller headings that carry state on the header line; 9+ `<ClassSimpleName>:`
    # controller dumps, and the CountQuotaTracker dump (11+).
    r"|(?P<controller>(?:Connectivity: connected=|Alarms: now=|Idle: (?:true|false)$|"
    r"Battery: stable power = |Storage: not low = |AppIdle: parole on = )"
    r"|[A-Z]\w*(?:Controller|Tracker):$))"
)
# Column-0 lines that still belong to a 7–8 controller block.
_CONTROLLER_BODY0 = re.compile(r"^(?:Tracking \d+:|Next (?:delay|deadline) alarm in )")
# Samsung `[BatchNetworkJob]` history rows printed at column 0 inside Settings.
_BATCH_ROW = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,[-\d,]*$")
_STATE = re.compile(r"^[A-Za-z][\w .'?()/-]*?(?::\s|=)\S")
_OPEN_HEADER = re.compile(r"^[A-Za-z][\w .'?()/<>-]*:$")


def classify(stripped: str) -> str | None:
    """The block kind a header line opens, or None."""
    kind = _EXACT.get(stripped)
    if kind:
        return kind
    m = _HEADER.match(stripped)
    return m.lastgroup if m else None


def split_blocks(lines: list[str]) -> list[Block]:
    """Top-level blocks in order. Column-0 lines that open nothing known become `state`
    (`Key: value`), `oem` (`Some header:`) or `unknown` blocks."""
    blocks: list[Block] = []
    cur: Block | None = None

    def open_block(kind: str, name: str, i: int) -> Block:
        nonlocal cur
        if cur is not None:
            cur.end = i
        cur = Block(kind, name, i, len(lines))
        blocks.append(cur)
        return cur

    for i, raw in enumerate(lines):
        body = raw.lstrip()
        if not body:
            continue
        indent = len(raw) - len(body)
        kind = cur.kind if cur is not None else None
        if body.startswith("JOB ") and JOB_LINE.match(raw):
            if kind != "registered" and (indent == 0 or kind not in ("completed", "cancelled")):
                open_block("registered", "Registered jobs", i)
            continue
        if indent > 2:  # headers sit at indent 0–2 (formats.md §3.1); deeper is body text
            if cur is None:
                open_block("unknown", "", i)
            continue
        stripped = body.rstrip()
        header = classify(stripped)
        if header is not None:
            if indent == 0 or header in _INDENT_OK:
                open_block(header, stripped.rstrip(":"), i)
                continue
            if (header == "controller" and kind == "controller" and indent <= 2
                    and stripped.endswith("Controller:")):
                # Samsung 15: ContentObserverController/DeviceIdleJobsController/QuotaController
                # dumped inside BackgroundJobsController at indent 2.
                open_block(header, stripped.rstrip(":"), i)
                continue
        if indent > 0:
            if cur is None:
                open_block("unknown", "", i)
            continue
        # Column 0 and not a known header.
        if kind == "controller" and _CONTROLLER_BODY0.match(stripped):
            continue
        if kind == "settings" and _BATCH_ROW.match(stripped):
            continue
        if _STATE.match(stripped):
            open_block("state", "state", i)
        elif _OPEN_HEADER.match(stripped):
            open_block("oem", stripped.rstrip(":"), i)
        else:
            open_block("unknown", "", i)
    if cur is not None:
        cur.end = len(lines)
    return blocks
