"""Settings / constants, heartbeat tables, top-level state lines and other key-value blocks →
`jobscheduler_settings` rows (group, key, value).

Constants print `key=value` (7–8 at indent 4; 9+ `IndentingPrintWriter.print(key, value)` with a
trailing space, some 10–11 concurrency keys without); controller constant sub-blocks
(`  QuotaController:`) sit inside `Settings:` from 10 (formats.md §3.1, §7.3). The group of a
row is its nearest enclosing heading.
"""

from __future__ import annotations

import re

from wakescope.parsers.jobscheduler.block_input import BlockInput

_KV_EQ = re.compile(r"^([A-Za-z_][\w.]*)=(.*)$")
_KV_COLON = re.compile(r"^([A-Za-z][\w .'?()/<>&+-]*?)\s*: (.*)$")
_HEADING = re.compile(r"^[A-Za-z][\w .'?()/<>&-]*:$")
_SAMSUNG_BRACKET = re.compile(r"^\[(\w+)\] (.+?)\s*(?::|=) (.*)$")
_BATCH_ROW = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,[-\d,]*$")
_UID_KV = re.compile(r"^(u\d+(?:ai|a|s|i)\d+|-?\d+): (.*)$")


def kv(s: str) -> tuple[str, str] | None:
    """`key=value` or `Key: value` (stripped line) → (key, value)."""
    m = _KV_EQ.match(s)
    if m:
        return m.group(1), m.group(2).strip()
    m = _KV_COLON.match(s)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    return None


def parse_settings(src: BlockInput, start: int, end: int) -> list[dict]:
    """A `Settings:` block (header at `start`)."""
    lines, first_line, unknown = src.lines, src.first_line, src.unknown
    rows: list[dict] = []
    stack: list[tuple[int, str]] = [(_indent(lines[start]), "Settings")]
    batch_rows = 0
    batch_line = None
    for i, s, ind in _nested(lines, start, end, stack):
        if _BATCH_ROW.match(s):  # Samsung [BatchNetworkJob] history rows at column 0
            batch_rows += 1
            batch_line = batch_line or first_line + i
            continue
        m = _SAMSUNG_BRACKET.match(s)
        if m:
            rows.append(_row(m.group(1), m.group(2), m.group(3), first_line + i))
            continue
        if _HEADING.match(s):
            stack.append((ind, s[:-1].strip()))
            continue
        pair = kv(s)
        if pair:
            rows.append(_row(stack[-1][1], pair[0], pair[1], first_line + i))
        else:
            unknown(i)
    if batch_rows:
        rows.append(_row("BatchNetworkJob", "history_rows", str(batch_rows), batch_line))
    return rows


def parse_heartbeat(src: BlockInput, start: int, end: int) -> list[dict]:
    """9–10 `  Heartbeat:` (`Current:    15`, `Next` + per-bucket beats, `In parole?: true`)."""
    lines, first_line, unknown = src.lines, src.first_line, src.unknown
    rows: list[dict] = []
    prefix = ""
    next_indent = None
    for i in range(start + 1, end):
        raw = lines[i]
        s = raw.strip()
        if not s:
            continue
        ind = _indent(raw)
        if next_indent is not None and ind <= next_indent:
            prefix, next_indent = "", None
        if s == "Next":
            prefix, next_indent = "Next ", ind
            continue
        pair = kv(s)
        if pair:
            rows.append(_row("Heartbeat", prefix + pair[0], pair[1], first_line + i))
        else:
            unknown(i)
    return rows


def parse_kv_block(src: BlockInput, start: int, end: int, name: str) -> list[dict]:
    """Generic key-value blocks: Aconfig flags, Uid bias overrides, Uid proc states, Cached
    UID->package map, Backing up uids, Concurrency, Samsung `Heavy Jobs Timeout History`."""
    lines, first_line, unknown = src.lines, src.first_line, src.unknown
    rows: list[dict] = []
    stack: list[tuple[int, str]] = [(_indent(lines[start]), name)]
    for i, s, ind in _nested(lines, start, end, stack):
        if _HEADING.match(s):
            stack.append((ind, s[:-1].strip()))
            continue
        m = _UID_KV.match(s)
        pair = (m.group(1), m.group(2).strip()) if m else kv(s)
        if pair is None and "=" in s:
            key, _, value = s.partition("=")
            pair = (key.strip(), value.strip())
        if pair is None and name == "Backing up uids":
            pair = ("uids", s)
        if pair:
            rows.append(_row(stack[-1][1], pair[0], pair[1], first_line + i))
        else:
            unknown(i)
    return rows


def state_row(s: str, line_no: int) -> dict | None:
    """A top-level `Key: value` / `key=value` line (Power connected, Started users, …)."""
    pair = kv(s)
    if pair is None and "=" in s:
        key, _, value = s.partition("=")
        pair = (key.strip(), value.strip())
    return _row("state", pair[0], pair[1], line_no) if pair else None


def _nested(lines: list[str], start: int, end: int, stack: list[tuple[int, str]]):
    """(index, stripped text, indent) of the non-blank lines after the header at `start`,
    with `stack` (indent, heading) popped back to the line's own heading."""
    for i in range(start + 1, end):
        raw = lines[i]
        s = raw.strip()
        if not s:
            continue
        ind = _indent(raw)
        while len(stack) > 1 and ind <= stack[-1][0]:
            stack.pop()
        yield i, s, ind


def _row(group: str, key: str, value: str, line_no: int | None) -> dict:
    return {"group": group, "key": key.strip(), "value": value.strip(), "line": line_no}


def _indent(raw: str) -> int:
    return len(raw) - len(raw.lstrip())
