"""Pending alarm entries: `Batch{…}` lines, `<TYPE> #n: Alarm{…}` and each alarm's detail lines.

Sources: `AlarmManagerService.dumpAlarmList` / `Alarm.dump` (7–11,
services/core/…/AlarmManagerService.java; 12+ apex/jobscheduler/…/alarm/Alarm.java).
The `Alarm{…}` string varies by OEM (formats.md §7.2): Meizu 7.1.1 leaves `when` empty,
vivo adds `flags/windowLength/whenElapsed/maxWhenElapsed/repeatInterval`, Samsung adds
`origType`. So it is read as hash, `type <n>`, optional `key value` pairs, and the last
token (the package).
"""

from __future__ import annotations

import json
import re

from wakescope.parsers.alarm.flags import (
    POLICY_COLUMNS,
    decode_flags,
    is_rtc,
    is_wakeup,
    type_label,
)
from wakescope.parsers.alarm.times import LONG_MAX, DumpClock, duration_ms, is_date, never, to_int

ENTRY = re.compile(r"^(\S+) #(\d+): Alarm\{(.*)\}$")
BATCH = re.compile(
    r"^Batch\{([0-9a-f]+) num=(\d+) start=(-?\d+) end=(-?\d+)(?: flgs=0x([0-9a-f]+))?\}:$"
)
_NUM = re.compile(r"^-?\d+$")
# Long.MAX printed as a date has a nine-digit year (`292278994-08-16 23:12:55`).
_NEVER_DATE = re.compile(r"^\d{5,}-\d\d-\d\d ")
# key=value pairs; values are one token, or a `yyyy-MM-dd HH:mm:ss[.SSS]` date (two tokens).
# The look-behind makes a key start only where a word starts: without it `findall` retries
# from every position of a long word (quadratic: a 100k-char junk word took a minute).
_KV = re.compile(r"(?<![\w-])([\w-]+)=(\d{4,}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?|\S*)")
_PI_RECORD = re.compile(r"PendingIntentRecord\{[0-9a-f]+ (\S+) (\w+)")
# First keys of the detail lines `Alarm.dump` prints (all releases).
_KV_LINES = ("type=", "window=", "whenElapsed=")


def kv_pairs(text: str) -> dict[str, str]:
    """`a=1 b=2024-05-01 10:00:00.000 c=--` → {a: 1, b: date, c: --}."""
    return {k: v for k, v in _KV.findall(text)}


def parse_alarm_string(inner: str) -> dict:
    """The inside of `Alarm{…}`: hash, numeric type, `key value` pairs, trailing package."""
    tokens = inner.split()
    out: dict = {"hash": tokens[0] if tokens else None, "type_code": None, "package": None,
                 "fields": {}}
    if len(tokens) < 2:
        return out
    body = tokens[1:]
    # The package is the last token, unless the string ends in a `key <number>` pair.
    if len(body) >= 2 and _NUM.match(body[-1]) and not _NUM.match(body[-2]):
        pass
    else:
        out["package"] = body.pop()
    i = 0
    while i < len(body):
        key = body[i]
        if i + 1 < len(body) and _NUM.match(body[i + 1]):
            out["fields"][key] = to_int(body[i + 1])
            i += 2
        else:
            out["fields"][key] = None  # Meizu: `when  android` (empty value)
            i += 1
    code = out["fields"].pop("type", None)
    out["type_code"] = code
    return out


def new_entry(list_name: str, label: str | None, position: int | None, inner: str,
              line: int, batch: dict | None) -> dict:
    """A row under construction from an entry header (details are applied afterwards)."""
    parsed = parse_alarm_string(inner)
    return {
        "list": list_name,
        "batch": batch["index"] if batch else None,
        "batch_start_elapsed_ms": batch["start"] if batch else None,
        "batch_end_elapsed_ms": batch["end"] if batch else None,
        "position": position,
        "_label": label,
        "type_code": parsed["type_code"],
        "alarm_hash": parsed["hash"],
        "package": parsed["package"],
        "_hdr": parsed["fields"],
        "_kv": {},
        "_policies": None,
        "line": line,
    }


def parse_batch(m: re.Match, index: int) -> dict:
    """`Batch{…}` → index and its start/end (overflowed or 'never' values become null)."""

    def sane(v: str) -> int | None:
        n = to_int(v)
        return None if n is None or n < 0 or never(n) else n

    return {"index": index, "start": sane(m.group(3)), "end": sane(m.group(4))}


def apply_detail(row: dict, s: str) -> bool:
    """One stripped detail line of the current alarm; False when it is not one."""
    if s.startswith("tag="):
        row["tag"] = s[4:]
    elif s.startswith(_KV_LINES):
        row["_kv"].update(kv_pairs(s))
    elif s.startswith("policyWhenElapsed:"):
        row["_policies"] = kv_pairs(s[len("policyWhenElapsed:"):])
    elif s.startswith("operation="):
        _operation(row, s[len("operation="):])
    elif s.startswith("listener="):
        row["listener"] = s[len("listener="):]
    elif s == "Alarm clock:":
        row["alarm_clock"] = True
    elif s.startswith("triggerTime="):
        row["alarm_clock"] = True
        row["alarm_clock_trigger"] = s[len("triggerTime="):]
    elif s.startswith(("showIntent=", "idle-options=")):
        pass
    else:
        return False
    return True


def _operation(row: dict, text: str) -> None:
    if text == "null":
        return
    m = _PI_RECORD.search(text)
    if not m:
        row["operation_kind"] = "PendingIntent"
        return
    creator, _, feature = m.group(1).partition("/")
    row["operation_target"] = creator
    row["operation_feature"] = feature or None
    row["operation_kind"] = m.group(2)


def _int(v: str | None) -> int | None:
    if v is None:
        return None
    try:
        return int(v)
    except ValueError:
        return None


def _flags(v: str | None) -> int | None:
    if v is None:
        return None
    try:
        return int(v, 16) if v.startswith("0x") else int(v)
    except ValueError:
        return None


def finalize(row: dict, clock: DumpClock | None) -> dict:
    """Derive the typed columns of one entry from its header and detail lines: type, when
    (requested and delivery), windows, flags, then the deferral."""
    hdr, kv = row.pop("_hdr"), row.pop("_kv")
    policies = row.pop("_policies")
    label = _type_fields(row, hdr, kv, row.pop("_label"))
    rel = _when_fields(row, hdr, kv, label, clock)
    expected = _window_fields(row, hdr, kv, clock)
    _flag_fields(row, hdr, kv)
    if policies is not None:
        _policies(row, policies)
    elif expected is not None and rel is not None:
        row["deferral_ms"] = max(0, rel - expected)
    return row


def _type_fields(row: dict, hdr: dict, kv: dict, printed: str | None) -> str | None:
    """type_code, type, wakeup, orig_type; returns the type label."""
    code = row["type_code"]
    detail_type = kv.get("type")
    if code is None and detail_type is not None:
        code = _int(detail_type)
        row["type_code"] = code
    label = type_label(code, printed if printed not in (None, "--unknown--") else detail_type)
    row["type"] = label
    row["wakeup"] = is_wakeup(label)
    orig_code = hdr.get("origType")
    row["orig_type"] = kv.get("origType") or (type_label(orig_code) if orig_code is not None
                                              else None)
    return label


def _when_fields(row: dict, hdr: dict, kv: dict, label: str | None,
                 clock: DumpClock | None) -> int | None:
    """Requested and delivery times; returns the delivery time relative to now (ms)."""
    # Requested time: `when=` (≤11) / `origWhen=` (12+); the Alarm{} value is raw ms.
    when_text = kv.get("origWhen", kv.get("when"))
    when_hdr = hdr.get("origWhen", hdr.get("when"))
    row["when_raw"] = when_text if when_text is not None else (
        str(when_hdr) if when_hdr is not None else None)

    # Delivery time: `whenElapsed=` relative (details), else the raw header value.
    rel = duration_ms(kv.get("whenElapsed"))
    raw_elapsed = hdr.get("whenElapsed")
    is_never = (never(rel) or when_hdr == LONG_MAX or raw_elapsed == LONG_MAX
                or (when_text is not None and _NEVER_DATE.match(when_text) is not None))
    if rel is None and raw_elapsed is not None and clock and not never(raw_elapsed):
        rel = raw_elapsed - clock.now_elapsed
    if rel is None and not is_rtc(label) and when_hdr is not None and clock:
        rel = when_hdr - clock.now_elapsed  # ≤10 ELAPSED: `when` is the elapsed time
    if never(rel) or is_never:
        rel = None
        is_never = True
    row["never"] = is_never
    row["when_relative_ms"] = rel
    if clock:
        row["when_elapsed_ms"] = clock.elapsed(rel)
        row["when_time"] = clock.utc_from_rel(rel)
        row["orig_when_time"] = _orig_when_utc(label, when_text, when_hdr, clock)
    elif raw_elapsed is not None and not never(raw_elapsed):
        row["when_elapsed_ms"] = raw_elapsed
    return rel


def _window_fields(row: dict, hdr: dict, kv: dict, clock: DumpClock | None) -> int | None:
    """Expected/max delivery, window, exactness, repeat and count; returns the expected
    delivery time relative to now (ms)."""
    expected = duration_ms(kv.get("expectedWhenElapsed"))
    max_rel = duration_ms(kv.get("maxWhenElapsed"))
    if clock:
        row["expected_when_elapsed_ms"] = clock.elapsed(expected)
        row["max_when_elapsed_ms"] = clock.elapsed(max_rel)
    if max_rel is None and hdr.get("maxWhenElapsed") not in (None, LONG_MAX):
        row["max_when_elapsed_ms"] = hdr["maxWhenElapsed"]

    window = duration_ms(kv.get("window"))
    if window is None and hdr.get("windowLength") is not None:
        window = hdr["windowLength"]
    row["window_ms"] = window
    row["exact"] = None if window is None else window == 0
    repeat = _int(kv.get("repeatInterval"))
    row["repeat_interval_ms"] = repeat if repeat is not None else hdr.get("repeatInterval")
    row["count"] = _int(kv.get("count"))
    return expected


def _flag_fields(row: dict, hdr: dict, kv: dict) -> None:
    """Flags (hex in details, decimal in vivo's Alarm{}), exact-allow reason, reserve
    quota, alarm clock and the target package."""
    flags = _flags(kv.get("flags"))
    if flags is None and hdr.get("flags") is not None:
        flags = hdr["flags"]  # vivo prints the mask in decimal inside Alarm{}
    row["flags"] = flags
    row["flag_names"] = decode_flags(flags)
    row["exact_allow_reason"] = kv.get("exactAllowReason")
    row["using_reserve_quota"] = True if kv.get("usingReserveQuota") == "true" else None
    row["alarm_clock"] = bool(row.get("alarm_clock"))
    row["target_package"] = row.get("operation_target") or row.get("package")


def _orig_when_utc(label: str | None, text: str | None, raw: int | None,
                   clock: DumpClock) -> int | None:
    """Requested trigger time in UTC: RTC alarms carry epoch ms or a local date."""
    if raw == LONG_MAX:
        return None
    if is_rtc(label):
        if raw is not None and raw > 0:
            return raw  # epoch ms in `Alarm{… when|origWhen <ms> …}`
        return clock.utc_from_local(text) if text and is_date(text) else None
    if raw is not None:
        return clock.utc_from_elapsed(raw)
    return clock.utc_from_rel(duration_ms(text)) if text else None


def policy_deferral(values: dict[str, int | None]) -> tuple[str | None, int | None]:
    """The policy holding an alarm latest past its requester time, and by how much.

    `whenElapsed` is the max over all policies (12+ `Alarm.updateWhenElapsed`); a policy
    later than `requester` is what defers the alarm. 'Never' values do not count.
    """
    requester = values.get("requester")
    if requester is None or never(requester):
        return None, None
    latest_name, latest = None, requester
    for name, ms in values.items():
        if name != "requester" and ms is not None and not never(ms) and ms > latest:
            latest_name, latest = name, ms
    return latest_name, latest - requester


def _policies(row: dict, policies: dict[str, str]) -> None:
    """policyWhenElapsed columns (never → null), the JSON of the others, and the deferral."""
    values = {name: duration_ms(token) for name, token in policies.items()}
    other = {}
    for name, ms in values.items():
        shown = None if never(ms) else ms
        col = POLICY_COLUMNS.get(name)
        if col:
            row[col] = shown
        else:
            other[name] = shown
    row["policy_other"] = json.dumps(other, separators=(",", ":")) if other else None
    row["deferred_by"], row["deferral_ms"] = policy_deferral(values)
