"""The normalised text of one input kept as UTF-8 bytes, decoded piece by piece (issue 17).

A bug report is 10–40 MB of text of which the parsers read ~1 MB (batterystats, checkin,
jobscheduler, alarm, the header and getprop). A handful of non-Latin characters (app
labels, LAST KMSG) make CPython store a decoded bug report at 2 or 4 bytes per character,
so decoding it whole costs 2–4× its size and the time to do it. The sections are found in
the bytes (their markers are ASCII, formats.md §1.3–1.4) and only the slices that are read
are decoded; the whole text only when someone asks for it (`Capture.text`).

Offsets: `Body` methods take byte offsets into the bytes. `Section.start`/`end` stay
character offsets into the decoded text (what `Capture.text` slices with);
`Section.byte_start`/`byte_end` are the same places in the bytes (`char_offsets`).
"""

from __future__ import annotations

# A UTF-8 character is at most 4 bytes: the bytes that hold the first n characters.
_MAX_CHAR_BYTES = 4
# Pieces decoded while counting characters: bounded so the transient str stays small, and
# small enough that the few non-ASCII lines of a bug report (app labels, LAST KMSG) cost the
# decoding of their own 64 KiB, not of the MiB around them (all-ASCII pieces are not decoded).
_PIECE = 1 << 16


class Body:
    """Normalised UTF-8 text (LF line ends, no NUL, no BOM) as bytes; `str` on demand.

    Decoding uses `errors="replace"`, like decoding the whole text would: every slice the
    sections use starts and ends at a line end, where no UTF-8 sequence can be cut.
    """

    __slots__ = ("data",)

    def __init__(self, data: bytes | bytearray) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def text(self, start: int = 0, end: int | None = None) -> str:
        """The bytes `start:end` decoded (no copy of the bytes is made)."""
        with memoryview(self.data) as view:
            return str(view[start:end], "utf-8", "replace")

    def head(self, chars: int) -> str:
        """The first `chars` characters of the decoded text (`text[:chars]`)."""
        return self.text(0, chars * _MAX_CHAR_BYTES + _MAX_CHAR_BYTES)[:chars]

    def find(self, needle: bytes, start: int = 0, end: int | None = None) -> int:
        return self.data.find(needle, start, len(self.data) if end is None else end)

    def rfind(self, needle: bytes) -> int:
        return self.data.rfind(needle)


def char_offsets(data: bytes | bytearray, offsets) -> tuple[dict[int, int], int]:
    """Character offsets in the decoded text of the given byte `offsets`, and how many
    U+FFFD the decoded text holds (invalid sequences replaced, plus any in the input).

    One pass over the bytes: all-ASCII pieces are counted by length, the others decoded
    (~64 KiB, or one longer line, at a time, cut only at an LF). Each offset must sit before
    an ASCII byte or at the end (section edges do: they are line starts and ends), so a cut
    there decodes to the same characters as the whole text.
    """
    size = len(data)
    if data.isascii():  # stops at the first non-ASCII byte; all ASCII: one char per byte
        return {o: min(max(o, 0), size) for o in offsets}, 0
    want = sorted({min(max(o, 0), size) for o in offsets} | {size})
    out: dict[int, int] = {}
    chars = replaced = at = 0
    with memoryview(data) as view:
        for stop in want:
            while at < stop:
                cut = stop
                if stop - at > _PIECE:
                    nl = data.rfind(b"\n", at, at + _PIECE)
                    if nl <= at:  # a line longer than a piece: cut at its end
                        nl = data.find(b"\n", at + _PIECE, stop)
                    cut = nl + 1 if nl > at else stop
                piece = view[at:cut]
                if piece.tobytes().isascii():
                    chars += cut - at
                else:
                    s = str(piece, "utf-8", "replace")
                    chars += len(s)
                    if "\ufffd" in s:
                        replaced += s.count("\ufffd")
                at = cut
            out[stop] = chars
    return out, replaced
