"""Small text helpers for the human-readable batterystats form: durations, counts, redaction.

`BatteryStats.formatTimeMs` prints `1h 2m 3s 4ms ` (spaces between units, trailing space);
Samsung 9 builds print negative timers with the sign on every unit (`-7h -39m -29s -531ms`),
and some OEM builds print percentages with a decimal comma (`(22,0%)`).
"""

from __future__ import annotations

import re
from datetime import datetime

# One formatTimeMs value, signed per unit; the trailing space is part of the value.
TIME = r"(?:-?\d+d )?(?:-?\d+h )?(?:-?\d+m )?(?:-?\d+s )?-?\d+ms"
_UNIT = re.compile(r"(-?\d+)(ms|d|h|m|s)")
_UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}

# Device-local wall clock as BatteryStats prints it (`DateFormat "yyyy-MM-dd-HH-mm-ss"`);
# Android 16's HistoryPrinter adds `-SSS` (`yyyy-MM-dd-HH-mm-ss-SSS`).
WALL = r"\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d(?:-\d{3})?"

REDACTED = "<redacted>"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Same pattern in the regex dialect Polars uses (Rust `regex`), for vectorised redaction.
EMAIL_RUST = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"


def time_ms(text: str | None) -> int | None:
    """`1h 2m 3s 4ms` / `-7h -39m -29s -531ms` / `0ms` → ms (each unit carries its sign)."""
    if text is None:
        return None
    parts = _UNIT.findall(text)
    if not parts:
        return None
    return sum(int(n) * _UNIT_MS[u] for n, u in parts)


def to_int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def to_float(text: str | None) -> float | None:
    """`1.25`, `1,25` (decimal comma) → float."""
    if text is None:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def wall_time(text: str | None) -> datetime | None:
    """`2024-05-01-08-00-12[-345]` (device-local) → naive datetime."""
    if not text:
        return None
    try:
        parts = [int(p) for p in text.split("-")]
        ms = parts[6] if len(parts) > 6 else 0
        return datetime(*parts[:6], ms * 1000)
    except (TypeError, ValueError):
        return None


def redact_text(text: str | None) -> str | None:
    """Replace e-mail addresses (account names) anywhere in a tag or name."""
    if not text or "@" not in text:
        return text
    return EMAIL.sub(REDACTED, text)


def redact_sync(name: str | None) -> str | None:
    """`<authority>/<account type>/<account>` → account replaced (SyncOperation wakeLockName)."""
    if not name:
        return name
    parts = name.split("/", 2)
    if len(parts) == 3 and parts[2]:
        return f"{parts[0]}/{parts[1]}/{REDACTED}"
    return redact_text(name)


def redact_tag(tag: str | None) -> str | None:
    """A wakelock tag: `*sync*/<authority>/<type>/<account>` loses the account; e-mails go."""
    if not tag:
        return tag
    if tag.startswith("*sync*/"):
        return "*sync*/" + (redact_sync(tag[len("*sync*/"):]) or "")
    return redact_text(tag)
