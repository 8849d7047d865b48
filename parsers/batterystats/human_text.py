"""Small text helpers for the human-readable batterystats form: durations, counts, redaction.

`BatteryStats.formatTimeMs` prints `1h 2m 3s 4ms ` (spaces between units, trailing space);
Samsung 9 builds print negative timers with the sign on every unit (`-7h -39m -29s -531ms`),
and some OEM builds print percentages with a decimal comma (`(22,0%)`).
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from wakescope.parsers.numbers import INT64_MAX, safe_int

# One redaction for both forms (the checkin parser's), so tags and names join.
from wakescope.parsers.redact import redact_sync, redact_text

# One formatTimeMs value, signed per unit; the trailing space is part of the value.
TIME = r"(?:-?\d+d )?(?:-?\d+h )?(?:-?\d+m )?(?:-?\d+s )?-?\d+ms"
# Units start at a number's first digit (a look-behind keeps findall linear on digit runs).
_UNIT = re.compile(r"(?<![0-9-])(-?[0-9]+)(ms|d|h|m|s)", re.ASCII)
_UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
# A printed Java int/long → int; None past Int64 or 19 digits (the shared helper).
to_int = safe_int

# Device-local wall clock as BatteryStats prints it (`DateFormat "yyyy-MM-dd-HH-mm-ss"`);
# Android 16's HistoryPrinter adds `-SSS` (`yyyy-MM-dd-HH-mm-ss-SSS`).
WALL = r"\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d(?:-\d{3})?"


def time_ms(text: str | None) -> int | None:
    """`1h 2m 3s 4ms` / `-7h -39m -29s -531ms` / `0ms` → ms (each unit carries its sign)."""
    if text is None:
        return None
    parts = _UNIT.findall(text)
    if not parts:
        return None
    total = 0
    for n, unit in parts:
        value = safe_int(n)  # a 5,000-digit run would make int() raise
        if value is None:
            return None
        total += value * _UNIT_MS[unit]
    return total if -INT64_MAX <= total <= INT64_MAX else None


def to_float(text: str | None) -> float | None:
    """`1.25`, `1,25` (decimal comma) → float; None for `nan` or a run beyond a double."""
    if text is None:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def wall_time(text: str | None) -> datetime | None:
    """`2024-05-01-08-00-12[-345]` (device-local) → naive datetime."""
    if not text:
        return None
    try:
        parts = [int(p) for p in text.split("-")]
        ms = parts[6] if len(parts) > 6 else 0
        return datetime(*parts[:6], ms * 1000)
    except (TypeError, ValueError, OverflowError):
        return None


def private_name(name: str, redact: bool) -> str:
    """Job / sync / completion names: sync-shaped ones lose the account, others their
    e-mails, exactly as the checkin parser does (so both forms join on the same names)."""
    if not redact:
        return name
    if name.startswith(("*job*/", "*sync*/")) or name.count("/") >= 2:
        return redact_sync(name)
    return redact_text(name)


def private_tag(tag: str, redact: bool) -> str:
    """Wakelock tags: `*job*/`/`*sync*/` tags as sync names, any other only e-mails."""
    if not redact:
        return tag
    if tag.startswith(("*job*/", "*sync*/")):
        return redact_sync(tag)
    return redact_text(tag)
