"""Battery history and checkin name tables shared by the human and checkin parsers.

Source: AOSP `core/java/android/os/BatteryStats.java` (`HISTORY_STATE_DESCRIPTIONS`,
`HISTORY_STATE2_DESCRIPTIONS`, `HISTORY_EVENT_NAMES` / `HISTORY_EVENT_CHECKIN_NAMES`,
`printBitDescriptions`, `HistoryPrinter`) and `JobParameters.JOB_STOP_REASON_CODES`
(formats.md §4.3, §4.4, §4.5; platform-rules.md §2.9). Checkin prints short codes (`r`,
`Pcn=lte`, `Ejb=3`); the human form prints the long names (`running`, `data_conn=lte`,
`job=u0a12:"…"`). Every table here maps checkin short → human long, so rows from both
forms carry the same `name` / `value` strings.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------
# State bits (`+x` / `-x`) and multi-valued state fields (`x=v`), short → long.
# ---------------------------------------------------------------------------------------

#: On/off state bits, checkin short code → human long name (HISTORY_STATE(2)_DESCRIPTIONS).
STATE_BITS: dict[str, str] = {
    "r": "running",
    "w": "wake_lock",
    "s": "sensor",
    "g": "gps",
    "Wl": "wifi_full_lock",
    "Ws": "wifi_scan",
    "Wm": "wifi_multicast",
    "Wr": "wifi_radio",
    "Pr": "mobile_radio",
    "Psc": "phone_scanning",
    "a": "audio",
    "S": "screen",
    "BP": "plugged",
    "Sd": "screen_doze",          # 8.1+
    "ps": "power_save",
    "v": "video",
    "Ww": "wifi_running",
    "W": "wifi",
    "fl": "flashlight",
    "ch": "charging",
    "Ud": "usb_data",             # 8.1+
    "Pcl": "phone_in_call",
    "b": "bluetooth",
    "ca": "camera",
    "bles": "ble_scan",
    "Chtp": "cellular_high_tx_power",  # 9+
    # 6.0 prints device_idle as a plain bit (`+di`), 7.0+ as a value (`di=light`); both
    # shapes share the code, so `di` is listed as a value field too.
    "di": "device_idle",
    "lp": "low_power",            # 5.x name of power_save (STATE2_LOW_POWER_FLAG)
}

#: Multi-valued state fields `<short>=<value>`, short → long.
STATE_VALUES: dict[str, str] = {
    "Pcn": "data_conn",
    "Pst": "phone_state",
    "Pss": "phone_signal_strength",
    "Sb": "brightness",
    "di": "device_idle",
    "Wss": "wifi_signal_strength",
    "Wsp": "wifi_suppl",
    "Gss": "gps_signal_quality",  # 9+
    "nrs": "nr_state",            # 16
}

#: Short value → long value per state field; values not listed are kept as printed
#: (Pcn prints the same names in both forms; OEM builds print extra levels, e.g. Pss=5).
STATE_VALUE_NAMES: dict[str, dict[str, str]] = {
    "Pst": {"in": "in", "out": "out", "em": "emergency", "off": "off"},
    "Pss": {"0": "none", "1": "poor", "2": "moderate", "3": "good", "4": "great"},
    "Sb": {"0": "dark", "1": "dim", "2": "medium", "3": "light", "4": "bright"},
    "Wsp": {
        "inv": "invalid", "dsc": "disconn", "dis": "disabled", "inact": "inactive",
        "scan": "scanning", "auth": "authenticating", "ascing": "associating",
        "asced": "associated", "4-way": "4-way-handshake", "group": "group-handshake",
        "compl": "completed", "dorm": "dormant", "uninit": "uninit",
    },
    "nrs": {"0": "none", "1": "restricted", "2": "not_restricted", "3": "connected"},
}

# ---------------------------------------------------------------------------------------
# Battery fields (printed only when changed).
# ---------------------------------------------------------------------------------------

#: Battery field short code → human long name (`Bl` is the 3-digit level in the human form).
BATTERY_FIELDS: dict[str, str] = {
    "Bl": "level",
    "Bs": "status",
    "Bh": "health",
    "Bp": "plug",
    "Bt": "temp",            # tenths of °C
    "Bv": "volt",            # mV
    "Bcc": "charge",         # mAh
    "Mrc": "modemRailChargemAh",  # 10+
    "Wrc": "wifiRailChargemAh",   # 10+
}

#: Short battery value → long value (human form prints the long words).
BATTERY_VALUE_NAMES: dict[str, dict[str, str]] = {
    "Bs": {"?": "unknown", "c": "charging", "d": "discharging", "n": "not-charging",
           "f": "full"},
    # "l" / "u" are OEM additions seen in a vendor BatteryStats build (over-limit,
    # under-voltage); AOSP stops at "c".
    "Bh": {"?": "unknown", "g": "good", "h": "overheat", "d": "dead", "v": "over-voltage",
           "f": "failure", "c": "cold", "l": "over-limit", "u": "under-voltage"},
    "Bp": {"n": "none", "a": "ac", "u": "usb", "w": "wireless", "d": "dock"},
}

# ---------------------------------------------------------------------------------------
# Wakelock tag and wake reason items.
# ---------------------------------------------------------------------------------------

WAKE_LOCK = "wake_lock"      # checkin `w=` / `+w=` / `-w`
WAKE_REASON = "wake_reason"  # checkin `wr=`
TAG_ITEMS: dict[str, str] = {"w": WAKE_LOCK, "wr": WAKE_REASON}

# ---------------------------------------------------------------------------------------
# History events, indexed by HistoryItem.EVENT_* code.
# ---------------------------------------------------------------------------------------

#: (checkin code, human name) by event index. 7.x prints `inactive` / `active` for 15 / 16
#: (and `active` for 10 too); 8.0+ `pkginactive` / `pkgactive`. Index 21 is
#: `est_capacity`/`Eec` through 15 and `state`/`Esc` in 16 (real 15 captures already use 21
#: as a ± state event under the old name, formats.md §4.3).
EVENTS: tuple[tuple[str, str], ...] = (
    ("Enl", "null"),
    ("Epr", "proc"),
    ("Efg", "fg"),
    ("Etp", "top"),
    ("Esy", "sync"),
    ("Ewl", "wake_lock_in"),
    ("Ejb", "job"),
    ("Eur", "user"),
    ("Euf", "userfg"),
    ("Ecn", "conn"),
    ("Eac", "active"),
    ("Epi", "pkginst"),
    ("Epu", "pkgunin"),
    ("Eal", "alarm"),
    ("Est", "stats"),
    ("Eai", "pkginactive"),
    ("Eaa", "pkgactive"),
    ("Etw", "tmpwhitelist"),
    ("Esw", "screenwake"),
    ("Ewa", "wakeupap"),
    ("Elw", "longwake"),
    ("Eec", "est_capacity"),
    ("Eds", "display_state_changed"),
)

#: Checkin event code → human long name (`Ejb` → `job`), including 16's `Esc` → `state`.
EVENT_NAMES: dict[str, str] = {code: name for code, name in EVENTS} | {"Esc": "state"}

#: Human event names (all releases) → canonical long name. 7.x `inactive` → pkginactive.
HUMAN_EVENT_ALIASES: dict[str, str] = {name: name for _, name in EVENTS} | {
    "inactive": "pkginactive", "state": "state",
}

#: Events whose value is not a uid (pkginst: version code; est_capacity 8.0–14: capacity).
EVENTS_VALUE_NOT_UID: frozenset[str] = frozenset({"pkginst", "est_capacity"})

# ---------------------------------------------------------------------------------------
# Markers (`9,h,<delta>:<COMMAND>` / human record bodies).
# ---------------------------------------------------------------------------------------

MARKERS: dict[str, str] = {
    "START": "start",
    "SHUTDOWN": "shutdown",
    "*OVERFLOW*": "overflow",
    "TIME": "time",
    "RESET:TIME": "reset",
}

# ---------------------------------------------------------------------------------------
# All history names, short → long, with the row kind they produce.
# ---------------------------------------------------------------------------------------


#: Row conventions both history parsers follow (batterystats_history `kind` / `transition`):
#: battery field → kind "battery", transition "set", name from BATTERY_FIELDS, value long;
#: `+x`/`-x` → kind "state", transition start/stop; `x=v` → kind "value", "set";
#: anything named wake_lock (`+w=`, `w=`, `+w`, `-w`) → kind "wakelock" (start/set/start/stop);
#: `wr=` → kind "wake_reason", transition "instant"; events → kind "event" with start (+),
#: stop (-) or instant (no sign); markers → kind "marker", name from MARKERS, "instant";
#: checkin 14+ extensions: `XE` consumers → kind "energy" (name consumer, value µC),
#: `XC` → kind "cpu" (uid, value = ms per bracket joined by ",").
HISTORY_KINDS = ("battery", "state", "value", "wakelock", "wake_reason", "event", "marker",
                 "energy", "cpu")


def history_kind(short: str, has_value: bool) -> str | None:
    """Row kind of a checkin item code (`Bl` → battery, `+r` → state, `Ejb` → event)."""
    if short in BATTERY_FIELDS:
        return "battery"
    if short == "w":
        return "wakelock"
    if short == "wr":
        return "wake_reason"
    if short in EVENT_NAMES:
        return "event"
    if has_value and short in STATE_VALUES:
        return "value"
    if short in STATE_BITS:
        return "state"
    return None


def history_long_name(short: str) -> str | None:
    """Long name of any history item code (`Bl` → level, `Ejb` → job), else None."""
    return (BATTERY_FIELDS.get(short) or STATE_VALUES.get(short) or STATE_BITS.get(short)
            or TAG_ITEMS.get(short) or EVENT_NAMES.get(short))


# ---------------------------------------------------------------------------------------
# Job stop reasons (`jbc` / "Job Completions"): JobParameters.JOB_STOP_REASON_CODES order.
# ---------------------------------------------------------------------------------------

#: Internal stop reason code → name as JobParameters.getInternalReasonCodeDescription
#: prints it (12+; the 8.1–11 `getReasonName` names are the same words for codes 0–6).
#: -1 prints as `unknown:-1` in the human form; we name it `unknown`.
STOP_REASON_NAMES: dict[int, str] = {
    -1: "unknown",
    0: "canceled",
    1: "constraints",
    2: "preempt",
    3: "timeout",
    4: "device_idle",
    5: "thermal",
    6: "restricted_bucket",
    7: "uninstall",
    8: "data_cleared",
    9: "rtc_updated",
    10: "successful_finish",
    11: "user_ui_stop",
    12: "anr",
    13: "timeout_abandoned",
}

#: `jbc` reason code order by the number of counts printed. The checkin version alone does
#: not tell 11 / 12 / 13 apart (all v35) nor 14–15 from 16 (v36), so the count decides
#: within the version's range (JBC_COUNTS_BY_VERSION).
JBC_REASONS: dict[int, tuple[int, ...]] = {
    5: (0, 1, 2, 3, 4),                       # 8.1–10 (v27–v34): REASON_* 0–4
    7: (0, 1, 2, 3, 4, 5, 6),                 # 11 (v35): + thermal, restricted_bucket
    11: tuple(range(0, 11)),                  # 12 (v35): internal reasons 0–10
    12: tuple(range(-1, 11)),                 # 13 (v35): -1, 0–10
    14: tuple(range(-1, 13)),                 # 14–15 (v36): -1, 0–12
    15: tuple(range(-1, 14)),                 # 16 (v36): -1, 0–13
}

#: (first checkin version, last checkin version, allowed count layouts).
JBC_COUNTS_BY_VERSION: tuple[tuple[int, int, tuple[int, ...]], ...] = (
    (27, 34, (5,)),
    (35, 35, (7, 11, 12)),
    (36, 10_000, (14, 15)),
)


def stop_reason_name(text: str) -> tuple[str, int | None]:
    """A human-form reason (`canceled`, `unknown:-1`) → (name, code) using the table above."""
    t = text.strip()
    if t.startswith("unknown:"):
        try:
            code = int(t.split(":", 1)[1])
        except ValueError:
            return t, None
        return STOP_REASON_NAMES.get(code, t), code
    for code, name in STOP_REASON_NAMES.items():
        if name == t:
            return name, code
    return t, None


# ---------------------------------------------------------------------------------------
# Checkin versions.
# ---------------------------------------------------------------------------------------

#: Checkin version → first Android release printing it (formats.md §4.4).
CHECKIN_VERSION_RELEASE: dict[int, str] = {
    15: "6.0", 17: "6.0", 18: "7.0", 19: "7.1", 23: "8.0", 27: "8.1", 32: "9", 34: "10",
    35: "11", 36: "14",
}

#: `pwi` labels (8.0–12 BatteryStatsHelper DrainType / 13+ power components) → component.
PWI_LABELS: dict[str, str] = {
    "unacc": "unaccounted", "idle": "idle", "cell": "cell", "phone": "phone",
    "wifi": "wifi", "blue": "bluetooth", "scrn": "screen", "flashlight": "flashlight",
    "uid": "total", "user": "user", "over": "overcounted", "camera": "camera",
    "memory": "memory", "ambi": "ambient_display", "???": "unknown", "cpu": "cpu",
    "audio": "audio", "video": "video", "sensors": "sensors", "gnss": "gnss",
}
