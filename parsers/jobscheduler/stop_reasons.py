"""Stop reasons: public `STOP_REASON_*`, internal reason names, and the debug strings the dump
prints in `Job history` STOP lines and `stopped because:` (formats.md §3.5,
platform-rules.md §2.9).
"""

from __future__ import annotations

import re

from wakescope.parsers.numbers import safe_int

# Public `JobParameters.STOP_REASON_*` (12+; 16 adds TIMEOUT_ABANDONED).
PUBLIC: dict[int, str] = {
    0: "UNDEFINED", 1: "CANCELLED_BY_APP", 2: "PREEMPT", 3: "TIMEOUT", 4: "DEVICE_STATE",
    5: "CONSTRAINT_BATTERY_NOT_LOW", 6: "CONSTRAINT_CHARGING", 7: "CONSTRAINT_CONNECTIVITY",
    8: "CONSTRAINT_DEVICE_IDLE", 9: "CONSTRAINT_STORAGE_NOT_LOW", 10: "QUOTA",
    11: "BACKGROUND_RESTRICTION", 12: "APP_STANDBY", 13: "USER", 14: "SYSTEM_PROCESSING",
    15: "ESTIMATED_APP_LAUNCH_TIME_CHANGED", 16: "TIMEOUT_ABANDONED",
}

# Internal reason names as printed: `getReasonName` (7–10), `getReasonCodeDescription` (11),
# `getInternalReasonCodeDescription` (12+). Value: (internal code, public code or None).
# Public codes follow the pairs AOSP passes together; None where one internal reason covers
# several public ones (`constraints`) or where the release decides (`canceled`, see below).
INTERNAL: dict[str, tuple[int, int | None]] = {
    "canceled": (0, None),
    "constraints": (1, None),
    "preempt": (2, 2),
    "timeout": (3, 3),
    "device_idle": (4, 4),
    "thermal": (5, 4),
    "restricted_bucket": (6, 12),
    "uninstall": (7, 13),
    "data_cleared": (8, 13),
    "rtc_updated": (9, 14),
    "successful_finish": (10, 0),
    "user_ui_stop": (11, 13),
    "anr": (12, None),
    "timeout_abandoned": (13, 16),
}

# Debug strings (9+), exact text → (public code, internal code). JobServiceContext /
# JobSchedulerService pass these with the codes shown; `None` = not decidable from the text.
DEBUG: dict[str, tuple[int | None, int | None]] = {
    "app called jobFinished": (0, 10),
    "onStartJob returned false": (0, 10),
    "last work dequeued": (0, 10),
    "job rescheduled by app": (1, 0),
    "timeout while executing": (3, 3),
    "timed out while starting": (3, 3),
    "timed out while binding": (3, 3),
    "timed out while stopping": (3, 3),
    "client timed out": (3, 3),
    "app uninstalled": (13, 7),
    "app force stopped": (13, 0),
    "data cleared": (13, 8),
    "user removed": (13, 0),
    "cancelled due to restricted bucket": (12, 6),
    "unexpectedly disconnected": (None, None),
    "binding died": (None, None),
    "cancelled while waiting for bind": (None, None),
    "started job not pending": (None, None),
    "stop from shell": (None, None),
    "cancelled due to unsatisfied constraints": (None, 1),
}
_PREFIXES: tuple[tuple[str, tuple[int | None, int | None]], ...] = (
    ("cancel() called by app", (1, 0)),
    ("restricted due to", (None, None)),
)

# Suffix of a STOP line that is a known reason (longest alternatives first).
_KNOWN = sorted(list(DEBUG) + list(INTERNAL), key=len, reverse=True)
_REASON_SUFFIX = re.compile(
    r"(?:^|\s)(?P<r>cancel\(\) called by app, callingUid=\S+(?: uid=\S+)?(?: jobId=\S+)?"
    r"|restricted due to [\w ]+"
    r"|unknown:-?\d+"
    r"|" + "|".join(re.escape(k) for k in _KNOWN) + r")$"
)


def split_reason(tail: str) -> tuple[str, str] | None:
    """`<batteryName> <known reason>` → (batteryName, reason); None if no known reason ends it."""
    m = _REASON_SUFFIX.search(tail)
    if not m:
        return None
    return tail[: m.start("r")].rstrip(), m.group("r")


def classify(reason: str | None, sdk: int | None = None) -> tuple[int | None, int | None]:
    """Reason text → (public STOP_REASON code, internal code), each None when unknown.

    `canceled` is the internal default (0): before 12 it is printed for normal finishes too
    (8.1 corpus: 51 of 51 STOP lines), so only 12+ maps it to CANCELLED_BY_APP.
    """
    if not reason:
        return None, None
    text = reason.strip()
    if text in DEBUG:
        return DEBUG[text]
    if text in INTERNAL:
        internal, public = INTERNAL[text]
        if text == "canceled" and sdk is not None and sdk >= 31:
            public = 1
        return public, internal
    if text.startswith("unknown:"):
        return None, safe_int(text.split(":", 1)[1].strip())
    for prefix, codes in _PREFIXES:
        if text.startswith(prefix):
            return codes
    return None, None


def public_name(code: int | None) -> str | None:
    return None if code is None else PUBLIC.get(code, f"unknown:{code}")
