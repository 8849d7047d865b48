"""Structured diagnostics that every stage appends to, so nothing is lost silently."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field

LEVELS = ("error", "warning", "info")

# The declared vocabulary: every diagnostic carries one of these codes, so programs (the
# batch worker, JSON readers) act on the code and never on the sentence. docs/diagnostics.md
# explains each; tests/test_diagnostic_codes.py checks both lists agree.
CODES: dict[str, str] = {
    # reading the input (container stage)
    "main_entry_missing": "the zip's main_entry.txt names a member it does not hold",
    "nested_zip": "the zip held no bug report text but a bug report zip, which was read",
    "bytes_replaced": "invalid byte sequences were replaced with U+FFFD while decoding",
    "nul_bytes": "NUL bytes were removed from the text",
    "line_ends": "line ends were normalised (CRLF, CR CR LF)",
    "tool_chatter": "tool output (unzip, dumpsys usage errors) around the dump was skipped",
    "missing_section": "a section or block the input should hold is absent",
    # parsing
    "unknown_lines": "lines a parser did not recognise (counted by shape)",
    "history_read": "how many battery history records were read, and in which format",
    "field_count": "checkin lines with a field count other than their version's layout",
    "missing_clock": "a service dump without its clock line: absolute times are null",
    "disagreement": "the checkin and human batterystats forms disagree (checkin used)",
    "job_list_extra": "more job blocks are printed than jobs registered",
    "parser_failed": "a section parser raised; its tables are missing",
    # analysis
    "pass_failed": "an analysis pass raised; its findings are missing",
    "analysis_failed": "attribution, the apps table or coverage failed",
    # degenerate captures (caveats: shown at the top of every output)
    "truncated_input": "the capture is cut off (a bug report without its closing banner)",
    "not_on_battery": "the device was never on battery in the stats window",
    "history_overflow": "the battery history buffer overflowed: its start was dropped",
    "clock_changes": "the wall clock was set many times: history times are unreliable",
    "reboots": "the device rebooted several times in the stats window",
    "emulator": "the capture comes from an emulator: battery figures are simulated",
    "job_list_withheld": "jobs are registered but the dump prints none of them",
    "job_list_incomplete": "fewer job blocks are printed than jobs registered",
    "short_window": "the time on battery is too short for rates to mean much",
}
# Codes that qualify the whole capture: every output shows them above the findings.
CAVEATS = frozenset({
    "truncated_input", "not_on_battery", "history_overflow", "clock_changes", "reboots",
    "emulator", "job_list_withheld", "job_list_incomplete", "short_window",
})
# Caveats after which "no findings" means "could not look", not "all clear".
BLIND = frozenset({"truncated_input", "not_on_battery"})

_DIGITS = re.compile(r"\d+")
_HEX = re.compile(r"\b[0-9a-f]{6,}\b")


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One message: level, its code (from `CODES`), the section it concerns, the text, and
    the input line (1-based)."""

    level: str
    code: str
    section: str
    message: str
    line: int | None = None
    count: int = 1

    def __post_init__(self) -> None:
        if self.code not in CODES:  # a programming error: every code is declared
            raise ValueError(f"undeclared diagnostic code {self.code!r}")

    @property
    def caveat(self) -> bool:
        """Does this diagnostic qualify the whole capture (shown above the findings)?"""
        return self.code in CAVEATS

    def as_dict(self) -> dict:
        return asdict(self)


def line_shape(line: str, width: int = 60) -> str:
    """A coarse shape of a line (digits and hex folded) so unknown lines group by kind."""
    # Only the head matters for a `width`-char shape; folding a whole 20 MB junk line would
    # build millions of pieces (hundreds of MB).
    s = _HEX.sub("#", _DIGITS.sub("0", line.strip()[:16 * width]))
    return s[:width]


@dataclass
class Diagnostics:
    """The diagnostics of one capture; unknown lines are counted per section and shape."""

    items: list[Diagnostic] = field(default_factory=list)
    unknown: dict[str, Counter] = field(default_factory=dict)
    unknown_first_line: dict[tuple[str, str], int] = field(default_factory=dict)
    lines_seen: Counter = field(default_factory=Counter)

    def add(self, level: str, code: str, section: str, message: str,
            line: int | None = None, count: int = 1) -> None:
        self.items.append(Diagnostic(level, code, section, message, line, count))

    def error(self, code: str, section: str, message: str, line: int | None = None) -> None:
        self.add("error", code, section, message, line)

    def warning(self, code: str, section: str, message: str, line: int | None = None) -> None:
        self.add("warning", code, section, message, line)

    def info(self, code: str, section: str, message: str, line: int | None = None) -> None:
        self.add("info", code, section, message, line)

    def caveats(self) -> list[Diagnostic]:
        """The diagnostics that qualify the whole capture, warnings first, one per code."""
        seen: dict[str, Diagnostic] = {}
        for d in self.items:
            if d.caveat and d.code not in seen:
                seen[d.code] = d
        rank = {lvl: i for i, lvl in enumerate(LEVELS)}
        return sorted(seen.values(), key=lambda d: rank.get(d.level, len(rank)))

    def unknown_line(self, section: str, text: str, line: int | None = None) -> None:
        """Count a line the parser did not recognise, grouped by its shape."""
        shape = line_shape(text)
        counter = self.unknown.setdefault(section, Counter())
        counter[shape] += 1
        if line is not None and (section, shape) not in self.unknown_first_line:
            self.unknown_first_line[(section, shape)] = line

    def unknown_lines(self, section: str, texts: list[str], first_lines: list[int] | None = None):
        """Count many unknown lines at once (used by the vectorised parsers)."""
        for i, t in enumerate(texts):
            self.unknown_line(section, t, first_lines[i] if first_lines else None)

    def seen(self, section: str, n: int) -> None:
        """Record how many lines a section parser looked at (for the unknown-line ratio)."""
        self.lines_seen[section] += n

    def unknown_total(self, section: str | None = None) -> int:
        if section is not None:
            return sum(self.unknown.get(section, Counter()).values())
        return sum(sum(c.values()) for c in self.unknown.values())

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)
        for sec, c in other.unknown.items():
            self.unknown.setdefault(sec, Counter()).update(c)
        for k, v in other.unknown_first_line.items():
            self.unknown_first_line.setdefault(k, v)
        self.lines_seen.update(other.lines_seen)

    def summary(self, top: int = 5) -> list[Diagnostic]:
        """Messages plus one summary per section of unknown lines (most common shapes)."""
        out = list(self.items)
        for sec, counter in sorted(self.unknown.items()):
            total = sum(counter.values())
            seen = self.lines_seen.get(sec)
            ratio = f" of {seen} ({100 * total / seen:.2f}%)" if seen else ""
            shapes = "; ".join(f"{n}× {s!r}" for s, n in counter.most_common(top))
            first = min(
                (v for (s, _), v in self.unknown_first_line.items() if s == sec), default=None
            )
            message = f"{total} unrecognised lines{ratio}: {shapes}"
            out.append(Diagnostic("info", "unknown_lines", sec, message, first, total))
        return out

    def as_list(self) -> list[dict]:
        return [d.as_dict() for d in self.summary()]
