"""The Capture: one parsed input — metadata, section index, tables and diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wakescope.parsers.clock import Clock
from wakescope.parsers.diagnostics import Diagnostics
from wakescope.parsers.metadata import Metadata
from wakescope.parsers.sections import Section

if TYPE_CHECKING:
    import polars as pl


@dataclass(repr=False)
class Capture:
    """Everything known about one input. `tables` maps table name → Polars frame."""

    source: str
    container: str
    kind: str
    member: str | None
    encoding: str
    line_ends: str
    text: str
    sections: list[Section]
    meta: Metadata
    clock: Clock | None
    diagnostics: Diagnostics
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    text_lines: int = 0
    # `ro.serialno` from getprop, kept in memory only (a batch hashes it into a device key);
    # never in `summary()` or any output.
    serial: str | None = field(default=None, repr=False)

    def release_text(self) -> None:
        """Drop the decoded text once the sections are parsed (issue 17: memory bounded by
        the tables, not by the 10–40 MB text); `text` is empty afterwards."""
        self.text = ""

    def __repr__(self) -> str:
        """One line for a notebook cell (never the text, which can be tens of MB)."""
        m = self.meta
        device = " ".join(str(x) for x in (m.manufacturer, m.model) if x) or "unknown device"
        release = f"Android {m.release}" if m.release else "release unknown"
        return (f"<Capture {self.source!r}: {self.kind} ({self.container}), {device}, "
                f"{release}, {self.text_lines} lines, sections "
                f"[{', '.join(s.name for s in self.sections)}], {len(self.tables)} tables, "
                f"{len(self.diagnostics.as_list())} diagnostics>")

    def section(self, name: str) -> Section | None:
        """The main section of that name (the longest, when a dump repeats a service)."""
        found = [s for s in self.sections if s.name == name]
        return max(found, key=lambda s: s.line_count) if found else None

    def section_text(self, section: Section) -> str:
        return self.text[section.start:section.end]

    def section_lines(self, section: Section) -> list[str]:
        return self.text[section.start:section.end].split("\n")

    def table(self, name: str) -> pl.DataFrame:
        """A table by name; an empty frame with the declared schema when absent."""
        from wakescope.parsers.schemas import empty

        frame = self.tables.get(name)
        return frame if frame is not None else empty(name)

    def summary(self) -> dict:
        """Metadata, sections and diagnostics as plain data (for `info --json`, capture.json)."""
        return {
            "source": self.source,
            "container": self.container,
            "member": self.member,
            "kind": self.kind,
            "encoding": self.encoding,
            "line_ends": self.line_ends,
            "lines": self.text_lines,
            "metadata": self.meta.as_dict(),
            "clock": self.clock.as_dict() if self.clock else None,
            "sections": [s.as_dict() for s in self.sections],
            "tables": {k: v.height for k, v in sorted(self.tables.items())},
            "diagnostics": self.diagnostics.as_list(),
        }
