"""Alarm type labels and `FLAG_*` bits (AOSP `android/app/AlarmManager.java`, formats.md §2.1)."""

from __future__ import annotations

# AlarmManager.RTC_WAKEUP = 0, RTC = 1, ELAPSED_REALTIME_WAKEUP = 2, ELAPSED_REALTIME = 3;
# the labels are `Alarm.typeToString` / `dumpAlarmList` (12+ also prints them in `type=`).
TYPE_LABELS = {0: "RTC_WAKEUP", 1: "RTC", 2: "ELAPSED_WAKEUP", 3: "ELAPSED"}
LABEL_TYPES = {v: k for k, v in TYPE_LABELS.items()}

# AlarmManager FLAG_* values; COMPAT is 12+, PRIORITIZE 13+.
FLAG_NAMES = (
    (0x1, "STANDALONE"),
    (0x2, "WAKE_FROM_IDLE"),
    (0x4, "ALLOW_WHILE_IDLE"),
    (0x8, "ALLOW_WHILE_IDLE_UNRESTRICTED"),
    (0x10, "IDLE_UNTIL"),
    (0x20, "ALLOW_WHILE_IDLE_COMPAT"),
    (0x40, "PRIORITIZE"),
)
_KNOWN_MASK = 0x7F

# Policies in `policyWhenElapsed:` with their own columns (12+, AlarmManagerService
# REQUESTER/APP_STANDBY/DEVICE_IDLE/BATTERY_SAVER_POLICY_INDEX); `tare` (13–14) and OEM
# policies (Samsung `gms_manager`) go to the JSON column.
POLICY_COLUMNS = {
    "requester": "policy_requester_ms",
    "app_standby": "policy_app_standby_ms",
    "device_idle": "policy_device_idle_ms",
    "battery_saver": "policy_battery_saver_ms",
}


def type_label(code: int | None, printed: str | None = None) -> str | None:
    """The type label: as printed when it is a known one, else from the numeric type."""
    if printed in LABEL_TYPES:
        return printed
    if code is not None and code in TYPE_LABELS:
        return TYPE_LABELS[code]
    return printed


def is_wakeup(label: str | None) -> bool | None:
    """RTC_WAKEUP (0) and ELAPSED_REALTIME_WAKEUP (2) wake the device."""
    if label not in LABEL_TYPES:
        return None
    return label.endswith("_WAKEUP")


def is_rtc(label: str | None) -> bool:
    return label in ("RTC", "RTC_WAKEUP")


def decode_flags(mask: int | None) -> list[str]:
    """`0x9` → [STANDALONE, ALLOW_WHILE_IDLE_UNRESTRICTED]; unknown bits as `0x<bit>`."""
    if not mask:
        return []
    names = [name for bit, name in FLAG_NAMES if mask & bit]
    rest = mask & ~_KNOWN_MASK
    bit = 0x80
    while rest and bit <= rest:
        if rest & bit:
            names.append(hex(bit))
            rest &= ~bit
        bit <<= 1
    return names
