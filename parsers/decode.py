"""Bytes → clean text: BOMs, UTF-16 with or without BOM, CR/CRLF/CRCRLF, invalid bytes.

Nothing downstream ever sees a BOM, a NUL or a carriage return.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# The rest of a run of CRs and NULs, with the LF after it (`_runs`).
_RUN_TAIL = re.compile(rb"[\r\x00]*\n?")
# Below this many runs of CRs and NULs (stray ones, as in LAST KMSG), fold only the runs.
_FEW_CRS = 50_000


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    replaced: int  # invalid byte sequences replaced by U+FFFD
    line_ends: str  # "lf", "crlf", "crcrlf", "cr" or "mixed"
    nul_bytes: int


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """Return (codec, bom_length) from a BOM, else by where the zero bytes sit."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    sample = head[:4096]
    if len(sample) >= 8:
        even = sample[0::2]
        odd = sample[1::2]
        zeros_even = even.count(0) / len(even)
        zeros_odd = odd.count(0) / len(odd)
        if zeros_odd > 0.4 and zeros_even < 0.05:
            return "utf-16-le", 0
        if zeros_even > 0.4 and zeros_odd < 0.05:
            return "utf-16-be", 0
    return "utf-8", 0


def _line_ends(probe: str | bytes) -> str:
    """Which line-end convention a text uses (from a probe of its start)."""
    cr, lf = ("\r", "\n") if isinstance(probe, str) else (b"\r", b"\n")
    if cr not in probe:
        return "lf"
    crcrlf = probe.count(cr + cr + lf)
    crlf = probe.count(cr + lf) - crcrlf
    lfs = probe.count(lf) - crlf - crcrlf
    crs = probe.count(cr) - crlf - 2 * crcrlf
    counts = {"crcrlf": crcrlf, "crlf": crlf, "lf": lfs, "cr": crs}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] > 0.9 * sum(counts.values()) else "mixed"


def _normalise(holder, cr, lf, nul, empty):
    """Drop NULs and fold CR CR LF, CRLF and stray CR into LF, on the buffer popped from
    `holder` (rebound at each step, so at most two copies live). The UTF-16 path's str; the
    UTF-8 path folds its bytes in place (`_normalise_in_place`)."""
    buf = holder.pop()
    nuls = buf.count(nul) if nul in buf else 0
    if nuls:
        buf = buf.replace(nul, empty)
    ends = _line_ends(buf[:200_000])
    if cr in buf:
        # CR CR LF, CRLF, then stray CRs (LAST KMSG in 8.1 reports) all become one LF.
        buf = buf.replace(cr + cr + lf, lf)
        buf = buf.replace(cr + lf, lf)
        buf = buf.replace(cr, lf)
    return buf, nuls, ends


def _fold(run, cr, lf):
    """The three replaces of `_normalise` on one run of CRs (and its LF)."""
    return run.replace(cr + cr + lf, lf).replace(cr + lf, lf).replace(cr, lf)


def _probe(buf: bytearray, nuls: int) -> bytes:
    """The first 200,000 bytes once NULs are dropped (what `_line_ends` looks at)."""
    k = 200_000
    while True:
        probe = bytes(buf[:k])
        if nuls:
            probe = probe.replace(b"\x00", b"")
        if len(probe) >= 200_000 or k >= len(buf):
            return probe[:200_000]
        k *= 2


def _normalise_in_place(buf: bytearray) -> tuple[bytearray, int, str]:
    """`_normalise` on UTF-8 bytes: drop NULs and fold CRs. With few CRs and NULs (stray ones,
    as in LAST KMSG) each run of them is folded where it lies and the bytes between are
    moved down inside the same buffer: no second copy of a 20 MB text."""
    runs = _runs(buf, _FEW_CRS)
    if runs is None:  # CRLF files: whole-buffer replaces are faster
        nuls = buf.count(0) if b"\x00" in buf else 0
        ends = _line_ends(_probe(buf, nuls))
        if nuls:
            buf = buf.replace(b"\x00", b"")
        return _fold(buf, b"\r", b"\n"), nuls, ends
    if not runs:
        return buf, 0, _line_ends(_probe(buf, 0))
    nuls = 0
    pos = at = 0
    with memoryview(buf) as view:
        # Before the first move: the probe sees the bytes as they came (NULs dropped).
        nuls = sum(view[start:end].tobytes().count(0) for start, end in runs)
        ends = _line_ends(_probe(buf, nuls))
        # A run folds alone: dropping its NULs then the three replaces gives what they give
        # on the whole text (no replace reaches past a run).
        for start, end in runs:
            if pos != at:  # memoryview assignment is a memmove: overlap is fine
                view[pos:pos + start - at] = view[at:start]
            pos += start - at
            folded = _fold(view[start:end].tobytes().replace(b"\x00", b""), b"\r", b"\n")
            view[pos:pos + len(folded)] = folded
            pos += len(folded)
            at = end
        if pos != at:
            view[pos:pos + len(buf) - at] = view[at:]
        pos += len(buf) - at
    del buf[pos:]
    return buf, nuls, ends


def _runs(buf: bytearray, limit: int) -> list[tuple[int, int]] | None:
    """(start, end) of each run of CRs and NULs with the LF after it; None past `limit` runs.
    `find` (memchr) per byte kind: a regex led by a character class has no fast skip and
    is ~30× slower."""
    runs: list[tuple[int, int]] = []
    next_cr, next_nul = buf.find(b"\r"), buf.find(b"\x00")
    while next_cr >= 0 or next_nul >= 0:
        if len(runs) >= limit:
            return None
        start = next_cr if next_nul < 0 or 0 <= next_cr < next_nul else next_nul
        end = _RUN_TAIL.match(buf, start).end()
        runs.append((start, end))
        if 0 <= next_cr < end:
            next_cr = buf.find(b"\r", end)
        if 0 <= next_nul < end:
            next_nul = buf.find(b"\x00", end)
    return runs


@dataclass(slots=True)
class Normalised:
    """Bytes → normalised UTF-8 bytes (LF line ends, no BOM, no NUL), not yet decoded."""

    data: bytearray
    encoding: str
    line_ends: str
    nul_bytes: int
    replaced: int | None  # U+FFFD in the text when known (UTF-16 path); None: not counted


def normalise_owned(holder: list) -> Normalised:
    """Normalise the bytes popped from `holder` (a bytearray: UTF-8 is folded in place, so
    the peak is the bytes themselves; UTF-16 is decoded, folded and encoded to UTF-8)."""
    body = holder.pop()
    codec, bom = sniff_encoding(bytes(body[:8192]))
    encoding = codec + ("-bom" if bom else "")
    if codec == "utf-8":
        if not isinstance(body, bytearray):
            body = bytearray(body)
        if bom:
            del body[:bom]
        body, nul, ends = _normalise_in_place(body)
        if body.startswith(codecs.BOM_UTF8):  # a second BOM (after NULs): no U+FEFF either
            del body[:3]
        return Normalised(body, encoding, ends, nul, None)
    with memoryview(body) as view:
        holder.append(str(view[bom:], codec, "replace"))
    del body
    text, nul, ends = _normalise(holder, "\r", "\n", "\x00", "")
    if text.startswith("\ufeff"):
        text = text[1:]
    replaced = text.count("\ufffd") if "\ufffd" in text else 0
    data = bytearray(text.encode("utf-8", "replace"))
    return Normalised(data, encoding, ends, nul, replaced)


def decode(data: bytes) -> Decoded:
    """Decode one input's bytes into normalised text (LF line ends, no BOM, no NUL)."""
    norm = normalise_owned([bytearray(data)])
    text = norm.data.decode("utf-8", "replace")
    replaced = norm.replaced
    if replaced is None:
        replaced = text.count("\ufffd") if "\ufffd" in text else 0
    return Decoded(text=text, encoding=norm.encoding, replaced=replaced,
                   line_ends=norm.line_ends, nul_bytes=norm.nul_bytes)
