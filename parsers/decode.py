"""Bytes → clean text: BOMs, UTF-16 with or without BOM, CR/CRLF/CRCRLF, invalid bytes.

Nothing downstream ever sees a BOM, a NUL or a carriage return.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass


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


def _normalise(buf, cr, lf, nul, empty):
    """Drop NULs and fold CR CR LF, CRLF and stray CR into LF (bytes or str alike)."""
    nuls = buf.count(nul) if nul in buf else 0
    if nuls:
        buf = buf.replace(nul, empty)
    ends = _line_ends(buf[:200_000])
    if cr in buf:
        # CR CR LF, CRLF, then stray CRs (LAST KMSG in 8.1 reports) all become one LF.
        buf = buf.replace(cr + cr + lf, lf).replace(cr + lf, lf).replace(cr, lf)
    return buf, nuls, ends


def decode(data: bytes) -> Decoded:
    """Decode one input's bytes into normalised text (LF line ends, no BOM, no NUL)."""
    codec, bom = sniff_encoding(data[:8192])
    body = data[bom:] if bom else data
    if codec == "utf-8":
        # Byte-level clean-up is several times faster than on a (possibly UCS-4) str.
        body, nul, ends = _normalise(body, b"\r", b"\n", b"\x00", b"")
        text = body.decode(codec, errors="replace")
    else:
        text = body.decode(codec, errors="replace")
        text, nul, ends = _normalise(text, "\r", "\n", "\x00", "")
    # `in` is a fast scan; count only when there is something to count.
    replaced = text.count("\ufffd") if "\ufffd" in text else 0
    if text.startswith("\ufeff"):
        text = text[1:]
    return Decoded(text=text, encoding=codec + ("-bom" if bom else ""), replaced=replaced,
                   line_ends=ends, nul_bytes=nul)
