"""What a section parser receives: its lines, where they sit, and the shared capture state."""

from __future__ import annotations

from dataclasses import dataclass

from wakescope.parsers.clock import Clock
from wakescope.parsers.diagnostics import Diagnostics
from wakescope.parsers.metadata import Metadata


@dataclass
class SectionInput:
    """One section's text handed to its parser.

    `lines` are the section's lines (no line ends); `first_line` is the 1-based line number
    of `lines[0]` in the main text, so diagnostics can point at the input. Parsers append
    to `diagnostics` and never raise for content. `history_rows=False` asks for the
    history block to be read (diagnostics, packages) without building its rows: set when a
    bug report's checkin history, parsed first, already has them (`merge` keeps those).
    """

    name: str
    lines: list[str]
    first_line: int
    meta: Metadata
    clock: Clock | None
    diagnostics: Diagnostics
    redact: bool = True
    history_rows: bool = True

    @classmethod
    def from_text(cls, name: str, text: str, *, meta: Metadata | None = None,
                  clock: Clock | None = None, redact: bool = True) -> SectionInput:
        """Build an input from a string (tests, notebooks): line 1 is the first line."""
        return cls(name, text.split("\n"), 1, meta or Metadata(), clock, Diagnostics(), redact)
