"""Structured diagnostics that every stage appends to, so nothing is lost silently."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field

LEVELS = ("error", "warning", "info")

_DIGITS = re.compile(r"\d+")
_HEX = re.compile(r"\b[0-9a-f]{6,}\b")


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One message: level, the section it concerns, the text, and the input line (1-based)."""

    level: str
    section: str
    message: str
    line: int | None = None
    count: int = 1

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

    def add(self, level: str, section: str, message: str, line: int | None = None) -> None:
        self.items.append(Diagnostic(level, section, message, line))

    def error(self, section: str, message: str, line: int | None = None) -> None:
        self.add("error", section, message, line)

    def warning(self, section: str, message: str, line: int | None = None) -> None:
        self.add("warning", section, message, line)

    def info(self, section: str, message: str, line: int | None = None) -> None:
        self.add("info", section, message, line)

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
            out.append(Diagnostic("info", sec, message, first, total))
        return out

    def as_list(self) -> list[dict]:
        return [d.as_dict() for d in self.summary()]
