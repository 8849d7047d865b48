"""The Capture: one parsed input — metadata, section index, tables and diagnostics."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wakescope.parsers.body import Body
from wakescope.parsers.clock import Clock
from wakescope.parsers.diagnostics import Diagnostics
from wakescope.parsers.metadata import Metadata
from wakescope.parsers.sections import Section

if TYPE_CHECKING:
    import polars as pl


@dataclass(repr=False)
class Capture:
    """Everything known about one input. `tables` maps table name → Polars frame.

    A capture opened from a file holds its normalised text as UTF-8 bytes (`body.Body`,
    `attach_body`): `text` is decoded from them on first use, and the section methods
    decode only their slice (issue 17: the parsers read ~1 MB of a 20 MB bug report).
    """

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

    def attach_body(self, body: Body) -> None:
        """Keep the text as `body` (bytes), decoded into `text` only when that is read."""
        self.__dict__.pop("text", None)
        self.__dict__["_body"] = body

    def __getattr__(self, name: str):
        # Only reached when `text` is not set yet: decode it from the body once.
        if name == "text":
            body = self.__dict__.get("_body")
            if body is not None:
                text = self.__dict__["text"] = body.text()
                return text
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _lazy(self) -> Body | None:
        """The body while the text is not decoded (then slices come from the bytes)."""
        return None if "text" in self.__dict__ else self.__dict__.get("_body")

    def release_text(self) -> None:
        """Drop the text once the sections are parsed (issue 17: memory bounded by the
        tables, not by the 10–40 MB text); `text` is empty afterwards."""
        self.__dict__.pop("_body", None)
        self.text = ""

    def text_size(self) -> int:
        """The text's size in UTF-8 bytes, without decoding it."""
        body = self.__dict__.get("_body")
        return len(body) if body is not None else len(self.text.encode("utf-8", "replace"))

    def head(self, chars: int) -> str:
        """`text[:chars]`, decoding only that much."""
        body = self._lazy()
        return body.head(chars) if body is not None else self.text[:chars]

    def has_text(self, needle: str) -> bool:
        """Whether `needle` occurs in the text (searched from the end)."""
        body = self._lazy()
        return (body.rfind(needle.encode()) if body is not None else self.text.rfind(needle)) >= 0

    def find_any(self, needles: tuple[str, ...]) -> dict[str, int]:
        """The 1-based line of the first occurrence of each of `needles` that the text
        holds, in one regex pass (bytes while the text is not decoded)."""
        body = self._lazy()
        hay = body.data if body is not None else self.text
        # A common literal prefix lets `re` skip ahead with a fast search.
        lead = needles[0]
        for n in needles[1:]:
            while not n.startswith(lead):
                lead = lead[:-1]
        alts = re.escape(lead) + "(?:" + "|".join(
            re.escape(n[len(lead):]) for n in sorted(needles, key=len, reverse=True)) + ")"
        pattern = re.compile(alts.encode() if body is not None else alts)
        nl = b"\n" if body is not None else "\n"
        first: dict[str, int] = {}
        for m in pattern.finditer(hay):
            key = m.group()
            key = key.decode() if body is not None else key
            if key not in first:
                first[key] = m.start()
                if len(first) == len(needles):
                    break
        # Lines counted once, from one found offset to the next (not each from the start).
        lines: dict[str, int] = {}
        line, at0 = 1, 0
        for key, at in sorted(first.items(), key=lambda kv: kv[1]):
            line += hay.count(nl, at0, at)
            lines[key], at0 = line, at
        return lines

    def text_from(self, needle: str, chars: int) -> str:
        """`chars` characters of the text from the first `needle` on ("" when absent)."""
        body = self._lazy()
        if body is not None:
            at = body.find(needle.encode())
            # ≤ 4 bytes a character, + 4: a character cut at the window's end lies past `chars`.
            return "" if at < 0 else body.text(at, at + 4 * chars + 4)[:chars]
        at = self.text.find(needle)
        return "" if at < 0 else self.text[at:at + chars]

    def section_head(self, section: Section, chars: int) -> str:
        """The first `chars` characters of a section's text."""
        body = self._lazy()
        if body is not None and section.byte_start is not None:
            return body.text(section.byte_start,
                             min(section.byte_end, section.byte_start + 4 * chars + 4))[:chars]
        return self.text[section.start:min(section.end, section.start + chars)]

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
        body = self._lazy()
        if body is not None and section.byte_start is not None:
            return body.text(section.byte_start, section.byte_end)
        return self.text[section.start:section.end]

    def section_lines(self, section: Section) -> list[str]:
        return self.section_text(section).split("\n")

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
