"""Find the batterystats, checkin, jobscheduler and alarm text inside any input layout.

Bug reports and `adb shell dumpsys` output carry markers (formats.md §1.3–1.4, AOSP
`dumpstate.cpp` / `dumpsys.cpp`); standalone and concatenated dumps carry none, so there
we recognise each dump by the shape of its first lines.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass

SERVICES = ("batterystats", "jobscheduler", "alarm")
SECTION_NAMES = ("batterystats", "batterystats_checkin", "jobscheduler", "alarm")

# One pass over the text finds every marker line we care about. The sections are found in
# the normalised UTF-8 bytes (`body.Body`): every marker is ASCII.
_MARKERS = re.compile(
    rb"^(?:"
    rb"(?P<svc>DUMP OF SERVICE (?:(?P<prio>CRITICAL|HIGH|NORMAL) )?(?P<svcname>\S+):)"
    rb"|(?P<svcfoot>--------- [\d.]+s was the duration of dumpsys (?P<footname>\S+?),?(?: .*)?)"
    rb"|(?P<cmdfoot>------ [\d.]+s was the duration of '.*' ------)"
    rb"|(?P<cmd>------ (?P<title>.+?)(?: \((?P<cmdline>.*)\))? ------)"
    rb"|(?P<dashes>-{79})"
    rb")$",
    re.MULTILINE,
)

# Marker lines all start with "DUMP OF SERVICE " or dashes: find those line starts with
# `bytes.find` (a fast substring search; a regex `\n(?=…)` stops at every line), then match.
_PREFIXES = (b"\nDUMP OF SERVICE ", b"\n------")


def _line_starts(text: bytes, needle: bytes):
    at = text.find(needle)
    while at >= 0:
        yield at + 1
        at = text.find(needle, at + len(needle))


def _iter_markers(text: bytes):
    if text.startswith((b"DUMP OF SERVICE ", b"------")):
        m = _MARKERS.match(text, 0)
        if m:
            yield m
    for at in heapq.merge(*(_line_starts(text, p) for p in _PREFIXES)):
        m = _MARKERS.match(text, at)
        if m:
            yield m


def _str(raw: bytes | None) -> str | None:
    """A marker's group as text (replacement characters, like the decoded text has)."""
    return None if raw is None else raw.decode("utf-8", "replace")


# Standalone dumps: the first line shapes that open each kind of dump (column 0).
_STARTS = re.compile(
    rb"^(?:"
    rb"(?P<alarm>Current Alarm Manager state:|Alarm Manager dump:)"
    rb"|(?P<checkin>9,0,i,vers,|9,hsp,\d|9,h,\d|9,0,l,)"
    # 16's HistoryPrinter names its format: `Battery History [Format: 2] (…):`.
    rb"|(?P<batterystats>Battery History (?:\[Format: \d+\] )?\(|Battery History disabled"
    rb"|Per-PID Stats:"
    rb"|Discharge step durations:|Statistics since last charge:|Daily stats:)"
    rb"|(?P<jobscheduler>Settings:$|Registered \d+ jobs?:|Job history:|Started users:"
    rb"|[ \t]*JOB #\S+:)"
    rb")",
    re.MULTILINE,
)

# Lines that sit inside one dump and must not be taken as the start of another.
_CHECKIN_LINE = re.compile(rb"^9,", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Section:
    """A slice of the main text holding one service's dump.

    `start`/`end` are character offsets into the capture text (`Capture.text`);
    `byte_start`/`byte_end` the same places in its UTF-8 bytes (`body.Body`), when the
    section was found there; `first_line` is the 1-based line number of the slice's first
    line in the (normalised) main text.
    """

    name: str
    start: int
    end: int
    first_line: int
    line_count: int
    header: str = ""
    priority: str | None = None
    byte_start: int | None = None
    byte_end: int | None = None

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "first_line": self.first_line,
            "line_count": self.line_count,
            "header": self.header,
            "priority": self.priority,
        }


@dataclass(frozen=True, slots=True)
class CommandSection:
    """A dumpstate command/file section (`------ TITLE (cmd) ------`), by byte offsets into
    the normalised UTF-8 bytes (`body.Body`); `first_line` is the 1-based line number of its
    first body line."""

    title: str
    start: int
    end: int
    first_line: int


class LineCounter:
    """Turns increasing byte offsets into 1-based line numbers in O(total length)."""

    def __init__(self, text: bytes) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def at(self, offset: int) -> int:
        if offset < self.pos:
            return self.text.count(b"\n", 0, offset) + 1
        self.line += self.text.count(b"\n", self.pos, offset)
        self.pos = offset
        return self.line


def _make(text: bytes, counter: LineCounter, name: str, start: int, end: int, header: str,
          priority: str | None = None) -> Section | None:
    # Trim blank lines at both ends so line counts mean something.
    while start < end and text[start] == 10:  # LF
        start += 1
    while end > start and text[end - 1] in (10, 32):  # LF, space
        end -= 1
    if end <= start:
        return None
    first = counter.at(start)
    count = text.count(b"\n", start, end) + 1
    # Offsets are bytes here; `container` turns start/end into character offsets.
    return Section(name, start, end, first, count, header, priority, start, end)


def find_marked_sections(text: bytes, counter: LineCounter | None = None
                         ) -> tuple[list[Section], list[CommandSection]]:
    """Sections of a bug report or multi-service dumpsys output, found by their markers in
    the normalised UTF-8 bytes (offsets in bytes). `counter`: the caller's, to go on
    counting lines to the end."""
    marks = list(_iter_markers(text))
    counter = counter or LineCounter(text)
    sections: list[Section] = []
    commands: list[CommandSection] = []

    def boundary(i: int) -> int:
        """Where the body that follows mark i ends: at the next real marker."""
        for j in range(i + 1, len(marks)):
            m = marks[j]
            if m.group("dashes"):
                # 79 dashes close a section only when a service header follows at once.
                nxt = marks[j + 1] if j + 1 < len(marks) else None
                if nxt is not None and nxt.group("svc") and nxt.start() == m.end() + 1:
                    return m.start()
                continue
            return m.start()
        return len(text)

    for i, m in enumerate(marks):
        if m.group("svc"):
            name = _str(m.group("svcname"))
            if name in SERVICES:
                sec = _make(text, counter, name, m.end() + 1, boundary(i), _str(m.group(0)),
                            _str(m.group("prio")))
                if sec:
                    sections.append(sec)
        elif m.group("cmd"):
            title = _str(m.group("title")).strip()
            end = boundary(i)
            # The counter is already at the marks before this one: counting costs nothing extra.
            commands.append(CommandSection(title, m.end() + 1, end, counter.at(m.end() + 1)))
            upper = title.upper()
            cmdline = _str(m.group("cmdline")) or ""
            if upper == "CHECKIN BATTERYSTATS" or (
                "batterystats" in cmdline and " -c" in cmdline and "CHECKIN" in upper
            ):
                sec = _make(text, counter, "batterystats_checkin", m.end() + 1, end,
                            _str(m.group(0)))
                if sec:
                    sections.append(sec)
            elif upper == "BATTERYSTATS":
                sec = _make(text, counter, "batterystats", m.end() + 1, end, _str(m.group(0)))
                if sec:
                    sections.append(sec)
    sections.sort(key=lambda s: s.start)
    return sections, commands


def find_standalone_sections(text: bytes, counter: LineCounter | None = None
                             ) -> tuple[list[Section], int]:
    """Sections of marker-less dumps (one dump, or several concatenated), in the normalised
    UTF-8 bytes (offsets in bytes).

    Returns the sections and the number of lines before the first one (tool chatter).
    """
    counter = counter or LineCounter(text)
    starts: list[tuple[int, str]] = []
    current: str | None = None
    for m in _STARTS.finditer(text):
        kind = m.lastgroup
        if kind == current:
            continue
        starts.append((m.start(), kind))
        current = kind
    if not starts:
        return [], 0
    sections: list[Section] = []
    for idx, (pos, kind) in enumerate(starts):
        end = starts[idx + 1][0] if idx + 1 < len(starts) else len(text)
        name = "batterystats_checkin" if kind == "checkin" else kind
        if name == "batterystats_checkin":
            # Checkin output ends at its last 9,… line; anything after it is not checkin.
            last_start = None
            for m in _CHECKIN_LINE.finditer(text, pos, end):
                last_start = m.start()
            if last_start is not None:
                nl = text.find(b"\n", last_start, end)
                end = end if nl == -1 else nl
        sec = _make(text, counter, name, pos, end, "")
        if sec:
            sections.append(sec)
    chatter = text.count(b"\n", 0, starts[0][0])
    return sections, chatter
