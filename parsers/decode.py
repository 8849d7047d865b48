"""Bytes → clean text: BOMs, UTF-16 with or without BOM, CR/CRLF/CRCRLF, invalid bytes.

Nothing downstream ever sees a BOM, a NUL or a carriage return.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# `\r\r*`, not `\r+`: a literal first byte lets `re` skip ahead with a fast search.
_CR_RUN = re.compile(rb"\r\r*\n?")
# Below this many CRs (stray ones, as in LAST KMSG), fold only the CR runs in one pass.
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
    """Drop NULs and fold CR CR LF, CRLF and stray CR into LF (bytes or str alike), on the
    buffer popped from `holder` (rebound at each step, so at most two copies live)."""
    buf = holder.pop()
    nuls = buf.count(nul) if nul in buf else 0
    if nuls:
        buf = buf.replace(nul, empty)
    ends = _line_ends(buf[:200_000])
    if cr in buf:
        # CR CR LF, CRLF, then stray CRs (LAST KMSG in 8.1 reports) all become one LF.
        if isinstance(buf, bytes) and buf.count(cr) < _FEW_CRS:
            # The same three replaces, applied to each run of CRs (they only ever touch a
            # run and its LF): one pass, and one copy built from views of the original.
            # Folding never lengthens: fill a buffer of the input's size, then cut it.
            out = bytearray(len(buf))
            view = memoryview(buf)
            at = pos = 0
            for m in _CR_RUN.finditer(buf):
                for piece in (view[at:m.start()], _fold(m.group(), cr, lf)):
                    out[pos:pos + len(piece)] = piece
                    pos += len(piece)
                at = m.end()
            out[pos:pos + len(buf) - at] = view[at:]
            del out[pos + len(buf) - at:]
            view.release()
            return out, nuls, ends
        buf = buf.replace(cr + cr + lf, lf)
        buf = buf.replace(cr + lf, lf)
        buf = buf.replace(cr, lf)
    return buf, nuls, ends


def _fold(run, cr, lf):
    """The three replaces of `_normalise` on one run of CRs (and its LF)."""
    return run.replace(cr + cr + lf, lf).replace(cr + lf, lf).replace(cr, lf)


def decode(data: bytes) -> Decoded:
    """Decode one input's bytes into normalised text (LF line ends, no BOM, no NUL)."""
    return decode_owned([data])


def decode_owned(holder: list[bytes]) -> Decoded:
    """`decode` of the bytes popped from `holder`: when the caller keeps no other reference,
    each copy is freed as soon as the next exists, so the peak is the bytes plus the text."""
    body = holder.pop()
    codec, bom = sniff_encoding(body[:8192])
    if bom:
        body = body[bom:]
    if codec == "utf-8":
        # Byte-level clean-up is several times faster than on a (possibly UCS-4) str.
        holder.append(body)
        del body
        body, nul, ends = _normalise(holder, b"\r", b"\n", b"\x00", b"")
        text = body.decode(codec, errors="replace")
        del body
    else:
        holder.append(body.decode(codec, errors="replace"))
        del body
        text, nul, ends = _normalise(holder, "\r", "\n", "\x00", "")
    # `in` is a fast scan; count only when there is something to count.
    replaced = text.count("\ufffd") if "\ufffd" in text else 0
    if text.startswith("\ufeff"):
        text = text[1:]
    return Decoded(text=text, encoding=codec + ("-bom" if bom else ""), replaced=replaced,
                   line_ends=ends, nul_bytes=nul)
