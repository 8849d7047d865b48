"""Integers read from dump text, total: a number that no Java `int`/`long` could hold is None.

Dumps print Java values (`Long.toString`, `Integer.toHexString`), so anything longer than 19
decimal digits, beyond the Int64 range, `²` or another non-ASCII digit is corrupt input.
Python's `int()` would accept some of it (`١٢`, `1_000`) and raise on the rest (runs over
4,300 digits: `sys.set_int_max_str_digits`); parsers must do neither.
"""

from __future__ import annotations

import re

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

_DECIMAL = re.compile(r"[+-]?[0-9]{1,19}", re.ASCII)
_HEX = re.compile(r"(?:0[xX])?[0-9a-fA-F]{1,16}", re.ASCII)


def safe_int(text: str | None) -> int | None:
    """`-12` / `+12` / `12` → int; None when absent, not a plain decimal or outside Int64."""
    if text is None:
        return None
    # Fast path for the common case: ASCII digits only (`isdigit` on ASCII is 0-9), at
    # most 18 of them, so always inside Int64.
    if len(text) <= 18 and text.isascii() and text.isdigit():
        return int(text)
    if not _DECIMAL.fullmatch(text):
        return None
    value = int(text)
    return value if INT64_MIN <= value <= INT64_MAX else None


def safe_hex(text: str | None) -> int | None:
    """`1f` / `0x1f` (`Integer.toHexString`, constraint masks) → int; None beyond Int64."""
    if text is None or not _HEX.fullmatch(text):
        return None
    value = int(text, 16)
    return value if value <= INT64_MAX else None
