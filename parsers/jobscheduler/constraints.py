"""Constraint names and bits as `JobStatus.dumpConstraints` prints them (formats.md §3.2).

Bits are the 9+ `JobStatus.CONSTRAINT_*` values (platform-rules.md §2.10); 7–8 print names
only, and their bit values differed, so masks are taken only where the dump prints `[0x…]`.
"""

from __future__ import annotations

import re

from wakescope.parsers.numbers import safe_hex

# 9+ bit values. PREFETCH (13+) reuses 1<<23, which 12 used for WITHIN_EXPEDITED_QUOTA.
CONSTRAINT_BITS: dict[str, int] = {
    "CHARGING": 1 << 0,
    "BATTERY_NOT_LOW": 1 << 1,
    "IDLE": 1 << 2,
    "STORAGE_NOT_LOW": 1 << 3,
    "FLEXIBILITY": 1 << 21,
    "BACKGROUND_NOT_RESTRICTED": 1 << 22,
    "PREFETCH": 1 << 23,
    "WITHIN_EXPEDITED_QUOTA": 1 << 23,
    "WITHIN_QUOTA": 1 << 24,
    "DEVICE_NOT_DOZING": 1 << 25,
    "CONTENT_TRIGGER": 1 << 26,
    "TARE_WEALTH": 1 << 27,
    "CONNECTIVITY": 1 << 28,
    "DEADLINE": 1 << 30,
    "TIMING_DELAY": 1 << 31,
}

# Names printed only by 7–8 (no mask): APP_NOT_IDLE, UNMETERED, NOT_ROAMING, METERED.
LEGACY_NAMES = frozenset({"APP_NOT_IDLE", "UNMETERED", "NOT_ROAMING", "METERED"})
KNOWN_NAMES = frozenset(CONSTRAINT_BITS) | LEGACY_NAMES

# `Implicit constraints:` entries (10+) whose `false` keeps a job from running, and the
# constraint each stands for. Not listed: readyDeadlineSatisfied (false only means the deadline
# has not passed yet), the EJ/UIJ approvals (the job then runs as a regular job), and
# readyDynamicSatisfied, which counts only when the job has dynamic constraints (11 prints it
# `false` for every job).
IMPLICIT_BLOCKERS = {
    "readyNotDozing": "DEVICE_NOT_DOZING",
    "readyNotRestrictedInBg": "BACKGROUND_NOT_RESTRICTED",
    "readyComponentEnabled": "COMPONENT_ENABLED",
}


def implicit_unsatisfied(failed: list[str], dynamic: list[str] | None,
                         satisfied: list[str] | None) -> list[str]:
    """Constraint names blocked by `false` implicit constraints."""
    out = [IMPLICIT_BLOCKERS[k] for k in failed if k in IMPLICIT_BLOCKERS]
    if "readyDynamicSatisfied" in failed and dynamic:
        missing = [c for c in dynamic if c not in (satisfied or [])]
        out += missing or ["DYNAMIC"]
    return out


_CONSTRAINT_LINE = re.compile(
    r"^(Required|Preferred|Dynamic|Satisfied|Unsatisfied) constraints:((?: [A-Z_]+)*)"
    r"(?: \[0x([0-9a-fA-F]+)\])?\s*$"
)
_HISTORY_ENTRY = re.compile(r"^(0|-?[+-]?\S+) =((?: [A-Z_]+)*)(?: \[0x([0-9a-fA-F]+)\])?$")


def parse_constraint_line(stripped: str) -> tuple[str, list[str], int | None] | None:
    """`Required constraints: CHARGING IDLE [0x5]` → ("required", ["CHARGING", "IDLE"], 5)."""
    m = _CONSTRAINT_LINE.match(stripped)
    if not m:
        return None
    names = m.group(2).split()
    mask = safe_hex(m.group(3))
    return m.group(1).lower(), names, mask


def is_history_entry(stripped: str) -> bool:
    """A 12+ `Constraint history:` entry: `-2m3s4ms = CONNECTIVITY … [0x…]`."""
    return bool(_HISTORY_ENTRY.match(stripped))


def mask_of(names: list[str]) -> int | None:
    """The 9+ mask of a list of names, or None when a name has no known bit."""
    total = 0
    for n in names:
        bit = CONSTRAINT_BITS.get(n)
        if bit is None:
            return None
        total |= bit
    return total
