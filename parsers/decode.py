"""Bytes → clean text: BOMs, UTF-16 with or without BOM, CR/CRLF/CRCRLF, invalid bytes.

Nothing downstream ever sees a BOM, a NUL or a carriage return.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_CR = re.compile(r"\r+\n?")


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


def _line_ends(text: str) -> str:
    if "\r" not in text:
        return "lf"
    probe = text[:200_000]
    crcrlf = probe.count("\r\r\n")
    crlf = probe.count("\r\n") - crcrlf
    lf = probe.count("\n") - crlf - crcrlf
    cr = probe.count("\r") - crlf - 2 * crcrlf
    kinds = [k for k, n in (("crcrlf", crcrlf), ("crlf", crlf), ("lf", lf), ("cr", cr)) if n]
    if len(kinds) == 1:
        return kinds[0]
    best = max((crcrlf, "crcrlf"), (crlf, "crlf"), (lf, "lf"), (cr, "cr"))
    return best[1] if best[0] > 0.9 * sum((crcrlf, crlf, lf, cr)) else "mixed"


def decode(data: bytes) -> Decoded:
    """Decode one input's bytes into normalised text (LF line ends, no BOM, no NUL)."""
    codec, bom = sniff_encoding(data[:8192])
    body = data[bom:] if bom else data
    text = body.decode(codec, errors="replace")
    replaced = text.count("\ufffd")
    if text.startswith("\ufeff"):
        text = text[1:]
    nul = text.count("\x00")
    if nul:
        text = text.replace("\x00", "")
    ends = _line_ends(text)
    if "\r" in text:
        text = _CR.sub("\n", text)
    return Decoded(text=text, encoding=codec + ("-bom" if bom else ""), replaced=replaced,
                   line_ends=ends, nul_bytes=nul)
