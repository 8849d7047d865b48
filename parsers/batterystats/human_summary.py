"""The `Statistics since last charge:` block: device summary, device lists, uid blocks.

Layout (BatteryStats.dumpLocked, formats.md §4.2): device lines at indent 2 (`Time on
battery: …`, `Screen on: …`, …), headers whose children sit deeper (`Screen brightnesses:`,
`CONNECTIVITY POWER SUMMARY START` … `END`, `Estimated power use (mAh):`), the device lists
`Kernel Wake lock …`, `Wake lock <uid> <tag>: …` (a copy of the per-uid lines, not
tabulated twice) and `Wakeup reason …`, then one block per uid (`  u0a123:`).
Samsung 9 prints a column-0 `Memory Stats` line just before the uid blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wakescope.parsers.batterystats.human_power import PowerBlock
from wakescope.parsers.batterystats.human_text import (
    TIME,
    WALL,
    time_ms,
    to_float,
    to_int,
    wall_time,
)
from wakescope.parsers.batterystats.human_uid import UidBlock, UidTables
from wakescope.parsers.lazy_re import lazy_compile
from wakescope.parsers.uid import parse_uid

_UID_HEADER = lazy_compile(r"^(?P<uid>-?\d+|u\d+(?:a|s|i|ai)\d+):$")
_KERNEL_WL = lazy_compile(
    rf"^Kernel Wake lock (?P<name>.*?)\s*: (?P<t>{TIME}) \((?P<n>-?\d+) times\).*realtime$")
_KERNEL_WL_BARE = lazy_compile(r"^Kernel Wake lock .* ?realtime$")
_WAKEUP_REASON = lazy_compile(
    rf"^Wakeup reason (?P<name>.*?): (?P<t>{TIME}) \((?P<n>-?\d+) times\).*realtime$")
_WAKEUP_REASON_BARE = lazy_compile(r"^Wakeup reason .* ?realtime$")
_DEVICE_WAKELOCK = lazy_compile(r"^Wake lock (?:-?\d+|u\d+(?:a|s|i|ai)\d+) ")
# Device lines we read into batterystats_summary: label → (regex on the rest, fields).
_T = rf"(?P<a>{TIME})"
_FIELDS: list[tuple[str, re.Pattern, tuple[str, ...]]] = [
    ("System starts:", lazy_compile(r"(?P<a>\d+), currently on battery: (?P<b>\w+)"),
     ("system_starts", "on_battery")),
    ("Estimated battery capacity:", lazy_compile(r"(?P<a>[\d.,]+) mAh"),
     ("estimated_capacity_mah",)),
    ("Time on battery:", lazy_compile(rf"{_T} \(.*?\) realtime, (?P<b>{TIME}) \(.*?\) uptime"),
     ("battery_realtime_ms", "battery_uptime_ms")),
    ("Time on battery screen off:",
     lazy_compile(rf"{_T} \(.*?\) realtime, (?P<b>{TIME}) \(.*?\) uptime"),
     ("screen_off_realtime_ms", "screen_off_uptime_ms")),
    ("Time on battery screen doze:", lazy_compile(_T), ("screen_doze_ms",)),
    ("Total run time:", lazy_compile(rf"{_T} realtime"), ("total_realtime_ms",)),
    ("Discharge:", lazy_compile(r"(?P<a>[\d.,]+) mAh"), ("discharge_mah",)),
    ("Screen off discharge:", lazy_compile(r"(?P<a>[\d.,]+) mAh"), ("discharge_screen_off_mah",)),
    ("Start clock time:", lazy_compile(rf"(?P<a>{WALL})"), ("start_clock",)),
    ("Screen on:", lazy_compile(rf"{_T}(?: \(.*?\))?(?: \d+x)?(?:, Interactive: (?P<b>{TIME}))?"),
     ("screen_on_ms", "interactive_ms")),
    ("Interactive:", lazy_compile(_T), ("interactive_ms",)),
    ("Total full wakelock time:", lazy_compile(_T), ("full_wakelock_ms",)),
    ("Total partial wakelock time:", lazy_compile(_T), ("partial_wakelock_ms",)),
    # Deep Doze: mode time first (DEVICE_IDLE_MODE_DEEP), else the "idling" timer (which
    # also runs through maintenance windows); Android 6 prints the unqualified names.
    ("Idle mode full time:", lazy_compile(_T), ("deep_idle_ms",)),
    ("Device full idling:", lazy_compile(_T), ("deep_idling_ms",)),
    ("Idle mode time:", lazy_compile(_T), ("deep_idle_ms",)),
    ("Device idling:", lazy_compile(_T), ("deep_idling_ms",)),
    ("Idle mode light time:", lazy_compile(_T), ("light_idle_ms",)),
    ("Device light idling:", lazy_compile(_T), ("light_idling_ms",)),
    ("Mobile radio active time:", lazy_compile(_T), ("mobile_radio_active_ms",)),
    ("Cellular kernel active time:", lazy_compile(_T), ("mobile_radio_active_ms",)),
    ("Amount discharged (lower bound):", lazy_compile(r"(?P<a>-?\d+)"), ("discharge_low_pct",)),
    ("Amount discharged (upper bound):", lazy_compile(r"(?P<a>-?\d+)"), ("discharge_pct",)),
    ("Amount discharged while screen on:", lazy_compile(r"(?P<a>-?\d+)"),
     ("discharge_screen_on_pct",)),
    ("Amount discharged while screen off:", lazy_compile(r"(?P<a>-?\d+)"),
     ("discharge_screen_off_pct",)),
]
_LABELS = tuple(label for label, _, _ in _FIELDS)  # one `startswith` rules out the rest
_FLOATS = {"estimated_capacity_mah", "discharge_mah", "discharge_screen_off_mah"}
_INTS = {"system_starts", "discharge_pct", "discharge_low_pct",
         "discharge_screen_on_pct", "discharge_screen_off_pct"}
# Any other device line: `Label: value`, a `Label:` header, or a known bare header.
_DEVICE_GENERIC = lazy_compile(r"^[A-Za-z][\w /()+.,'&-]*:(?: .*)?$")
_DEVICE_HEADERS = lazy_compile(
    r"^(?:CONNECTIVITY POWER SUMMARY (?:START|END)|MULTI-DISPLAY POWER SUMMARY (?:START|END)"
    r"|Device battery use since last full charge|Memory Stats|Resource Power Manager Stats"
    r"|Device is currently idle|Global)$")


@dataclass
class SummaryResult:
    fields: dict = field(default_factory=dict)
    uid: UidTables = field(default_factory=UidTables)
    power: PowerBlock = field(default_factory=PowerBlock)
    kernel_wakelocks: list[dict] = field(default_factory=list)
    wakeup_reasons: list[dict] = field(default_factory=list)
    lines: int = 0
    unknown: int = 0


def parse_summary(lines: list[str], first_line: int, section: str, diagnostics,
                  redact: bool) -> SummaryResult:
    """Parse the lines after `Statistics since last charge:` up to the block's end."""
    res = SummaryResult()
    uid_block = UidBlock(res.uid, redact)
    in_uid = False
    header: str | None = None     # open device header whose children follow
    for n, raw in enumerate(lines):
        s = raw.strip()
        if not s:
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        res.lines += 1
        ok = True
        if indent <= 2:
            header = None
            m = _UID_HEADER.match(s) if indent == 2 else None
            if m:
                in_uid = True
                uid_block.start(parse_uid(m.group("uid")))
            elif indent == 0:
                ok = _DEVICE_HEADERS.match(s) is not None
            else:
                in_uid = False
                ok, header = _device_line(s, res)
        elif in_uid:
            ok = uid_block.line(indent, s)
        else:
            ok = _device_child(header, indent, s, res)
        if not ok:
            res.unknown += 1
            diagnostics.unknown_line(section, raw, first_line + n)
    return res


def _device_line(s: str, res: SummaryResult) -> tuple[bool, str | None]:
    """One indent-2 device line → (recognised, header opened for its children)."""
    if s.startswith("Kernel Wake lock "):
        m = _KERNEL_WL.match(s)
        if m:
            res.kernel_wakelocks.append({"name": m.group("name").strip(),
                                         "total_ms": time_ms(m.group("t")),
                                         "count": to_int(m.group("n"))})
            return True, None
        return bool(_KERNEL_WL_BARE.match(s)), None
    if s.startswith("Wakeup reason "):
        m = _WAKEUP_REASON.match(s)
        if m:
            res.wakeup_reasons.append({"reason": m.group("name").strip(),
                                       "total_ms": time_ms(m.group("t")),
                                       "count": to_int(m.group("n"))})
            return True, None
        return bool(_WAKEUP_REASON_BARE.match(s)), None
    if s.startswith("Wake lock "):
        return bool(_DEVICE_WAKELOCK.match(s)), None
    if s.startswith("Estimated power use"):
        return True, "power"
    if _read_field(s, res.fields):
        return True, s
    if _DEVICE_HEADERS.match(s) or _DEVICE_GENERIC.match(s):
        return True, s
    return False, None


def _device_child(header: str | None, indent: int, s: str, res: SummaryResult) -> bool:
    """A line under a device header: power use, discharge amounts, or skipped detail."""
    if header == "power":
        return res.power.line(indent, s)
    _read_field(s, res.fields)
    return header is not None


def _read_field(s: str, fields: dict) -> bool:
    if not s.startswith(_LABELS):
        return False
    for label, pattern, names in _FIELDS:
        if not s.startswith(label):
            continue
        m = pattern.match(s[len(label):].strip())
        if not m:
            return False
        for name, group in zip(names, ("a", "b"), strict=False):
            text = m.group(group)
            if text is None or name in fields:
                continue
            if name == "on_battery":
                fields[name] = text == "true"
            elif name == "start_clock":
                fields[name] = wall_time(text)
            elif name in _FLOATS:
                fields[name] = to_float(text)
            elif name in _INTS:
                fields[name] = to_int(text)
            else:
                fields[name] = time_ms(text)
        return True
    return False
