"""Line readers for the state, settings and history blocks of `dumpsys alarm` (§2.2, §7.2).

Each function reads one stripped line and returns row dicts (or None when the line is not
of its shape). The block walker (`walker.py`) decides which reader a line goes to.
"""

from __future__ import annotations

import re

from wakescope.parsers.alarm.times import DumpClock, duration_ms, to_int
from wakescope.parsers.lazy_re import lazy_compile
from wakescope.parsers.uid import parse_uid

_UID = r"(\d+|u\d+(?:a|s|i|ai)\d+)"
# `key=value` (IndentingPrintWriter.print(key, value) leaves a trailing space, stripped).
SETTING = lazy_compile(r"^([\w.\-]+)=(.*)$")
# Generic state line: `Max wakeup delay: +1h0m0s0ms`, `mLastTickSet=2024-…`,
# `Runtime uptime (elapsed): +2m8s718ms`. The first `=` or `:` ends the key.
STATE = lazy_compile(r"^([A-Za-z][\w ()/.+\-]*?)(?:=|: ?)(.*)$")
STAT_LOGGER = lazy_compile(r"^([\w.\-]+): (count=.*)$")
ALARM_CLOCK = lazy_compile(r"^user:(-?\d+) pendingSend:(\w+) time:(-?\d+)(?: = (.*))?$")
UID_HEADER = lazy_compile(r"^" + _UID + r":$")

# AppWakeupHistory.dump (10+): `<pkg>, u<user>: <rel>, <rel>, `
HISTORY = lazy_compile(r"^(\S+), u(\d+): (.*)$")
# 9: `Package com.google.android.gms, User 0:-7s856ms`
LAST_DELIVERED = lazy_compile(r"^Package (\S+), User (\d+):(\S+)$")
# ≤11: `UID u0a8: -1m13s688ms  Next allowed:-1m8s688ms (+5s0ms)`
LAST_DISPATCH = lazy_compile(r"^UID " + _UID + r": (\S+)(?:\s+Next allowed:(\S+) \((\S+)\))?$")
# 13+: `UID: u0a12: -3m2s1ms`
PRIORITY = lazy_compile(r"^UID: " + _UID + r": (\S+)$")

# Removal history entry: AOSP 12–13 `Reason=… elapsed=<rel> rtc=<date>`, 14+ `#n: ` prefix;
# Samsung adds `H=<handle> ` and a raw elapsed value before the relative one (§7.2).
REMOVAL = lazy_compile(
    r"^(?:#(\d+): )?\[?(?:H=(\S+) )?Reason=(\S+) elapsed=(?:(-?\d+) )?(\S+) rtc=(.+?)\]?$"
)
SNAPSHOT_TYPE = lazy_compile(r"^type=(\S+) tag=(.*)$")

# Samsung history blocks (§7.2): `[tag=<tag> T=3 F=9 … elapsed=<ms> rtc=<date>]`,
# `[tag=<tag> origWhen=<ms> H=… elapsed=… rtc=…]`, `[flag=8 wakeup=… elapsed=… rtc=…]`,
# and `rtc=<date> uid=<uid> tag=<tag>`.
OEM_EVENT = lazy_compile(
    r"^\[tag=(.*?) ((?:T|origWhen)=.*?) ?elapsed=(-?\d+) rtc=([^\]]+)\]$"
)
OEM_EXPIRATION = lazy_compile(r"^\[(flag=.*?) ?elapsed=(-?\d+) rtc=([^\]]+)\]$")
OEM_SCREEN_OFF = lazy_compile(
    r"^rtc=(\d{4,}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) uid=(\d+) tag=(.*)$")

IN_FLIGHT = lazy_compile(r"^#(\d+): (.*)$")
_IN_FLIGHT_UID = lazy_compile(r"\buid=(-?\d+)")
_IN_FLIGHT_TAG = lazy_compile(r"\btag=([^,}]*)")

# Look-behind: start only at a word's start (linear on long junk words, same matches).
_EMAIL = lazy_compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def redact(text: str | None) -> str | None:
    """Account names (e-mail addresses) in tags and messages → `<redacted>`."""
    if text is None or "@" not in text:
        return text
    return _EMAIL.sub("<redacted>", text)


def setting(group: str, key: str, value: str, line: int) -> dict:
    """One `alarm_settings` row; `value_ms` is the value's leading duration token, if any."""
    value = value.strip()
    first = value.split(" ", 1)[0] if value else ""
    return {"group": group, "key": key.strip(), "value": value, "line": line,
            "value_ms": duration_ms(first)}


def state_row(group: str, s: str, line: int) -> dict | None:
    m = STATE.match(s)
    if not m:
        return None
    return setting(group, m.group(1), m.group(2), line)


# 15+ UserWakeupStore.dump: `UserId: 10, userStartTime: +1h0m0s0ms`, `2 user wakeups scheduled:`
_USER_WAKEUP = lazy_compile(r"^UserId: (-?\d+), userStartTime: (\S+)$")
_COUNT_LINE = lazy_compile(r"^(\d+) ([\w ]+?):?$")


def raw_row(group: str, s: str, line: int) -> dict:
    """A line of a loosely structured block (quota reserves, user wakeups, TARE, ...)."""
    m = _USER_WAKEUP.match(s)
    if m:
        return setting(group, f"user {m.group(1)}", m.group(2), line)
    m = HISTORY.match(s)  # `<pkg>, u<user>: quota: 1, expiration: … last used: …`
    if m:
        return setting(group, f"{m.group(1)}, u{m.group(2)}", m.group(3), line)
    m = _COUNT_LINE.match(s)
    if m:
        return setting(group, m.group(2), m.group(1), line)
    return state_row(group, s, line) or setting(group, s, "", line)


def split_pairs(group: str, s: str, line: int) -> list[dict]:
    """`Number of delayed alarms: 0, total delay time: 0` → two rows."""
    rows = []
    for part in s.split(", "):
        key, sep, value = part.partition(": ")
        if sep:
            rows.append(setting(group, key, value, line))
    return rows


def alarm_clock_row(s: str, line: int) -> dict | None:
    """`user:0 pendingSend:false time:<epoch ms>[ = <date> = <rel>]`."""
    m = ALARM_CLOCK.match(s)
    if not m:
        return None
    row = setting("next_alarm_clock", f"user:{m.group(1)}", s, line)
    time = to_int(m.group(3))
    row["value_ms"] = time if time is not None and time > 0 else None
    return row


def bracket_list(text: str) -> list[str]:
    """`[a, b]`, `{a, b}` or `[a b ]` → items."""
    inner = text.strip().strip("[]{}")
    return [t for t in re.split(r"[,\s]+", inner) if t]


def history_rows(kind: str, s: str, line: int, clock: DumpClock | None) -> list[dict] | None:
    """Per-package/uid event times (app wakeup, allow-while-idle, last dispatch, ...)."""
    m = HISTORY.match(s)
    if m:
        rows = []
        for token in m.group(3).split(","):
            token = token.strip()
            if token:
                rows.append(_event(kind, line, clock, package=m.group(1),
                                   user_id=to_int(m.group(2)), offset=duration_ms(token)))
        return rows
    m = LAST_DELIVERED.match(s)
    if m:
        return [_event("last_delivered", line, clock, package=m.group(1),
                       user_id=to_int(m.group(2)), offset=duration_ms(m.group(3)))]
    m = LAST_DISPATCH.match(s)
    if m:
        detail = f"next_allowed={m.group(3)} ({m.group(4)})" if m.group(3) else None
        return [_event("allow_while_idle_last_dispatch", line, clock, uid=parse_uid(m.group(1)),
                       offset=duration_ms(m.group(2)), detail=detail)]
    m = PRIORITY.match(s)
    if m:
        return [_event("priority_dispatch", line, clock, uid=parse_uid(m.group(1)),
                       offset=duration_ms(m.group(2)))]
    return None


def _event(kind: str, line: int, clock: DumpClock | None, *, package=None, uid=None,
           user_id=None, offset=None, tag=None, elapsed=None, time=None, detail=None) -> dict:
    if clock is not None:
        if elapsed is None and offset is not None:
            elapsed = clock.elapsed(offset)
        if offset is None and elapsed is not None:
            offset = elapsed - clock.now_elapsed
        if time is None:
            time = clock.utc_from_elapsed(elapsed) if elapsed is not None else None
        if offset is None and time is not None:
            offset = time - clock.now_rtc
            elapsed = clock.now_elapsed + offset
    if user_id is None and uid is not None:
        user_id = uid // 100_000
    return {"kind": kind, "package": package, "uid": uid, "user_id": user_id,
            "offset_ms": offset, "tag": tag, "elapsed_ms": elapsed, "time": time,
            "detail": detail, "line": line}


def oem_history_row(kind: str, s: str, uid: int | None, line: int,
                    clock: DumpClock | None) -> dict | None:
    """Samsung `Addition/Delivery/Expiration history` and `Wakeup Alarm history(screen off)`."""
    m = OEM_EVENT.match(s)
    if m:
        rtc = clock.utc_from_local(m.group(4)) if clock else None
        return _event(kind, line, clock, uid=uid, tag=m.group(1), elapsed=to_int(m.group(3)),
                      time=rtc, detail=m.group(2).strip())
    m = OEM_EXPIRATION.match(s)
    if m:
        rtc = clock.utc_from_local(m.group(3)) if clock else None
        return _event(kind, line, clock, uid=uid, elapsed=to_int(m.group(2)), time=rtc,
                      detail=m.group(1).strip())
    m = OEM_SCREEN_OFF.match(s)
    if m:
        rtc = clock.utc_from_local(m.group(1)) if clock else None
        return _event(kind, line, clock, uid=to_int(m.group(2)), tag=m.group(3).strip(),
                      time=rtc)
    return None


def removal_row(s: str, uid: int | None, line: int, clock: DumpClock | None) -> dict | None:
    """One removal-history entry (12+; Samsung variant with handle and raw elapsed)."""
    m = REMOVAL.match(s)
    if not m:
        return None
    rel = duration_ms(m.group(5))
    elapsed = to_int(m.group(4)) if m.group(4) else (clock.elapsed(rel) if clock else None)
    time = clock.utc_from_local(m.group(6)) if clock else None
    if time is None and clock is not None:
        time = clock.utc_from_rel(rel)
    detail = f"H={m.group(2)}" if m.group(2) else None
    return {"kind": "removal", "package": None, "uid": uid, "reason": m.group(3),
            "offset_ms": rel, "elapsed_ms": elapsed, "time": time, "detail": detail,
            "tag": None, "type": None, "line": line}


def in_flight_row(s: str, line: int) -> dict | None:
    """`#i: InFlight{pendingIntent=…, uid=…, tag=…, …}` under `Outstanding deliveries:`."""
    m = IN_FLIGHT.match(s)
    if not m:
        return None
    body = m.group(2)
    uid = _IN_FLIGHT_UID.search(body)
    tag = _IN_FLIGHT_TAG.search(body)
    return {"kind": "in_flight", "uid": to_int(uid.group(1)) if uid else None,
            "tag": tag.group(1) if tag else None, "detail": body, "line": line}
