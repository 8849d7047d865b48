"""What a section parser receives: its lines, where they sit, and the shared capture state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wakescope.parsers.clock import Clock
from wakescope.parsers.diagnostics import Diagnostics
from wakescope.parsers.metadata import Metadata

if TYPE_CHECKING:
    import polars as pl

# Characters of text split into lines at a time (`SectionInput.line_series`).
_PIECE = 1 << 20


@dataclass
class SectionInput:
    """One section's text handed to its parser.

    `lines` are the section's lines (no line ends), split from `text` on first use;
    `first_line` is the 1-based line number of `lines[0]` in the main text, so diagnostics
    can point at the input. A parser that reads its lines in Polars takes them with
    `line_series()` instead, and the Python list is never made. Parsers append to
    `diagnostics` and never raise for content.
    `history_rows=False` asks for the history block to be read (diagnostics, packages)
    without building its rows: set when a bug report's checkin history, parsed first,
    already has them (`merge` keeps those).
    """

    name: str
    text: str | None
    first_line: int
    meta: Metadata
    clock: Clock | None
    diagnostics: Diagnostics
    redact: bool = True
    history_rows: bool = True
    _lines: list[str] | None = field(default=None, repr=False)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = (self.text or "").split("\n")
            self.text = None
        return self._lines

    def line_series(self, name: str = "line") -> pl.Series:
        """The lines as a Polars String Series, handed over once: split in Polars when the
        text was not split yet, so a long history never becomes a list of Python strings
        (500k history lines as `str` objects cost ~50 MB, issue 19 item 8)."""
        import polars as pl

        if self._lines is not None:
            lines, self._lines = self._lines, []
            return pl.Series(name, lines, pl.String)
        text, self.text = self.text or "", None
        self._lines = []
        # Split piece by piece: one split of a 40 MB string holds its list and its exploded
        # copy at once; ~1 MiB pieces cut at a line end bound that transient.
        parts: list[pl.Series] = []
        at, size = 0, len(text)
        while True:
            cut = text.find("\n", at + _PIECE) if at + _PIECE < size else -1
            end = size if cut < 0 else cut
            parts.append(pl.Series(name, [text[at:end]], pl.String).str.split("\n").explode())
            if cut < 0:
                break
            at = cut + 1
        del text
        return parts[0] if len(parts) == 1 else pl.concat(parts, rechunk=True)

    @classmethod
    def from_text(cls, name: str, text: str, *, meta: Metadata | None = None,
                  clock: Clock | None = None, redact: bool = True) -> SectionInput:
        """Build an input from a string (tests, notebooks): line 1 is the first line."""
        return cls(name, text, 1, meta or Metadata(), clock, Diagnostics(), redact)
