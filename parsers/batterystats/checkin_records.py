"""Checkin aggregate records (`9,<uid>,l,<type>,…` and `9,0,i,…`) → row dicts per table.

Per-line Python is fine here: a checkin has a few thousand non-history lines. Fields are
mapped by name through `checkin_layouts` for the line's checkin version (formats.md §4.4,
§7.5); names that may hold commas are read from the right.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import ClassVar

from wakescope.parsers.batterystats import codes
from wakescope.parsers.batterystats.checkin_layouts import (
    KNOWN_I,
    KNOWN_L,
    NAMED,
    POSITIONAL,
    WL_KINDS,
    WL_LAYOUTS,
    pick,
)
from wakescope.parsers.numbers import safe_int
from wakescope.parsers.redact import redact_sync, redact_text, split_sync

_INT64_MAX = (1 << 63) - 1
# BatteryStats.Uid.Sensor.GPS: the handle under which GNSS use is counted per uid.
GPS_SENSOR = "-10000"


def to_int(text: str | None) -> int | None:
    """An integer field; None when absent, malformed, infinite or outside Int64 (total)."""
    # Most fields are plain digits (`safe_int`'s own fast path, without the call).
    if text is not None and len(text) <= 18 and text.isdigit() and text.isascii():
        return int(text)
    v = safe_int(text)
    if v is not None or text is None:
        return v
    try:  # some checkin fields print as decimals ("12.0")
        v = int(float(text))
    except (ValueError, OverflowError):  # "nan", "1e400"
        return None
    return v if -_INT64_MAX <= v <= _INT64_MAX else None


def to_float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _ms(text: str | None) -> int | None:
    """A duration field; -1 means "not tracked" (wl current/max, kwl current/max)."""
    v = to_int(text)
    return None if v is None or v < 0 else v


def split_named(rest: str, n: int) -> tuple[str, list[str]]:
    """`"name, with commas",1,2` or `name,1,2` → (name, numeric fields).

    Quoted names are taken between the first and the last quote (AOSP prints them without
    escaping, so inner quotes and commas stay); unquoted ones keep all but the last `n`.
    """
    if rest.startswith('"'):
        q = rest.rfind('"')
        if q > 0:
            tail = rest[q + 1:]
            return rest[1:q], (tail[1:].split(",") if tail.startswith(",") else [])
    parts = rest.rsplit(",", n)
    if len(parts) <= n:  # too few fields: no name at all
        return "", parts
    return parts[0], parts[1:]


class CheckinRecords:
    """Accumulates rows from one checkin section; `feed` says whether a line was known."""

    def __init__(self, version: int | None, redact: bool) -> None:
        self.version = version
        self.redact = redact
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.app_packages: dict[int, list[str]] = {}
        self.apk_packages: list[tuple[int, str]] = []
        self.uids: set[int] = set()
        self.device: dict[str, dict] = {}
        self.shape_notes: Counter = Counter()
        self._wl_order: list | None = None
        self._picked: dict[tuple, tuple] = {}   # (type, fields, table) → pick(): one version

    def _pick(self, typ: str, table: dict, n: int | None = None) -> tuple:
        """`pick` for this section's version, remembered per (type, field count, table)."""
        key = (typ, n, id(table))
        got = self._picked.get(key)
        if got is None:
            got = self._picked[key] = pick(table[typ], self.version, n)
        return got

    # -- dispatch ------------------------------------------------------------------------
    def feed(self, line: str) -> bool:
        parts = line.split(",", 4)
        if len(parts) < 4 or parts[0] != "9":
            return False
        uid = to_int(parts[1])
        cat, typ = parts[2], parts[3]
        rest = parts[4] if len(parts) > 4 else ""
        if uid is None:
            return False
        if cat == "i":
            if typ == "uid":
                return self._uid_info(rest)
            return typ in KNOWN_I
        if cat != "l":
            return False
        if uid and uid > 0:
            self.uids.add(uid)
        handler = self._HANDLERS.get(typ)
        if handler is not None:
            return handler(self, uid, typ, rest)
        return typ in KNOWN_L

    def _note(self, typ: str, n: int, expected: int) -> None:
        self.shape_notes[(typ, n, expected)] += 1

    def _layout(self, typ: str, n: int, table: dict) -> tuple:
        names, exact = self._pick(typ, table, n)
        if not exact or len(names) != n:
            self._note(typ, n, len(names))
        return names

    # -- `i` lines -------------------------------------------------------------------------
    def _uid_info(self, rest: str) -> bool:
        app, _, pkg = rest.partition(",")
        app_id = to_int(app)
        if app_id is None or not pkg:
            return False
        self.app_packages.setdefault(app_id, [])
        if pkg not in self.app_packages[app_id]:
            self.app_packages[app_id].append(pkg)
        return True

    # -- named records (name + numbers from the right) -------------------------------------
    def _named(self, typ: str, rest: str) -> tuple[str, dict] | None:
        names, _ = self._pick(typ, NAMED)
        name, nums = split_named(rest, len(names))
        if len(nums) != len(names):
            names = self._layout(typ, len(nums), NAMED)
        values = dict(zip(names, nums, strict=False))
        return name.strip(), values

    def _private(self, name: str) -> str:
        """Sync-shaped names lose the account, others their e-mails (when redacting)."""
        if not self.redact:
            return name
        if name.startswith(("*job*/", "*sync*/")) or name.count("/") >= 2:
            return redact_sync(name)
        return redact_text(name)

    def _job(self, uid: int, typ: str, rest: str) -> bool:
        name, v = self._named(typ, rest)
        name = self._private(name)
        self.rows["batterystats_jobs"].append({
            "uid": uid, "job": name, "total_ms": to_int(v.get("total_ms")),
            "count": to_int(v.get("count")), "background_ms": _ms(v.get("background_ms")),
            "background_count": _ms(v.get("background_count")),
        })
        return True

    def _sync(self, uid: int, typ: str, rest: str) -> bool:
        name, v = self._named(typ, rest)
        authority = split_sync(name)[0]
        self.rows["batterystats_syncs"].append({
            "uid": uid, "sync": self._private(name),
            "authority": authority, "total_ms": to_int(v.get("total_ms")),
            "count": to_int(v.get("count")), "background_ms": _ms(v.get("background_ms")),
            "background_count": _ms(v.get("background_count")),
        })
        return True

    def _kernel_wakelock(self, uid: int, typ: str, rest: str) -> bool:
        name, v = self._named(typ, rest)
        self.rows["batterystats_kernel_wakelocks"].append({
            "name": name, "total_ms": to_int(v.get("total_ms")), "count": to_int(v.get("count")),
        })
        return True

    def _wakeup_reason(self, uid: int, typ: str, rest: str) -> bool:
        name, v = self._named(typ, rest)
        self.rows["batterystats_wakeup_reasons"].append({
            "reason": name, "total_ms": to_int(v.get("total_ms")), "count": to_int(v.get("count")),
        })
        return True

    def _process(self, uid: int, typ: str, rest: str) -> bool:
        name, v = self._named(typ, rest)
        self.rows["batterystats_processes"].append({
            "uid": uid, "process": name, **{k: to_int(v.get(k)) for k in (
                "user_ms", "system_ms", "foreground_ms", "starts", "anrs", "crashes")},
        })
        return True

    def _wakeup_alarm(self, uid: int, typ: str, rest: str) -> bool:
        name, v = self._named(typ, rest)
        tag = redact_text(name) if self.redact else name
        self.rows["batterystats_wakeup_alarms"].append(
            {"uid": uid, "tag": tag, "count": to_int(v.get("count"))})
        return True

    def _job_completion(self, uid: int, typ: str, rest: str) -> bool:
        name, nums = split_named(rest, 5)
        name = self._private(name.strip())
        n = len(nums)
        allowed = next((ok for lo, hi, ok in codes.JBC_COUNTS_BY_VERSION
                        if self.version is not None and lo <= self.version <= hi), ())
        reasons = codes.JBC_REASONS.get(n)
        if n not in allowed:
            self._note("jbc", n, allowed[0] if allowed else 0)
        for pos, text in enumerate(nums):
            count = to_int(text)
            if not count:
                continue
            code = reasons[pos] if reasons else None
            self.rows["batterystats_job_completions"].append({
                "uid": uid, "job": name,
                "reason": codes.STOP_REASON_NAMES.get(code, f"reason_{pos}")
                if code is not None else f"reason_{pos}",
                "reason_code": code, "count": count,
            })
        return True

    # -- positional records ----------------------------------------------------------------
    def _fields(self, typ: str, rest: str) -> dict:
        fields = rest.split(",") if rest else []
        names = self._layout(typ, len(fields), POSITIONAL)
        return {k: f for k, f in zip(names, fields, strict=False) if k}

    def _aggregated(self, uid: int, typ: str, rest: str) -> bool:
        v = self._fields(typ, rest)
        self.rows["batterystats_aggregated_wakelocks"].append(
            {"uid": uid, "total_ms": to_int(v.get("total_ms")),
             "background_ms": to_int(v.get("background_ms"))})
        return True

    def _fgs(self, uid: int, typ: str, rest: str) -> bool:
        v = self._fields(typ, rest)
        self.rows["batterystats_foreground_services"].append(
            {"uid": uid, "total_ms": to_int(v.get("total_ms")), "count": to_int(v.get("count"))})
        return True

    def _sensor(self, uid: int, typ: str, rest: str) -> bool:
        v = self._fields(typ, rest)
        handle = v.get("sensor", "").strip()
        if not handle:
            return False
        gps = handle == GPS_SENSOR
        self.rows["batterystats_sensors"].append({
            "uid": uid, "sensor": "GPS" if gps else handle, "sensor_name": "GPS" if gps else None,
            **{k: to_int(v.get(k)) for k in (
                "total_ms", "count", "background_count", "actual_ms", "background_actual_ms")},
        })
        return True

    def _deferrals(self, uid: int, typ: str, rest: str) -> bool:
        v = self._fields(typ, rest)
        self.rows["batterystats_job_deferrals"].append(
            {"uid": uid, **{k: to_int(x) for k, x in v.items()}})
        return True

    def _power_summary(self, uid: int, typ: str, rest: str) -> bool:
        v = self._fields(typ, rest)
        for key in ("capacity", "computed_drain", "min_drained", "max_drained"):
            self.rows["batterystats_power_use"].append(
                {"uid": None, "component": key, "mah": to_float(v.get(key)),
                 "category": "global"})
        return True

    def _power_item(self, uid: int, typ: str, rest: str) -> bool:
        v = self._fields(typ, rest)
        label = v.get("label", "")
        if label == "uid":
            row_uid, component, category = uid, "total", "uid"
        elif label == "user":
            row_uid, component, category = uid, "user", "user"
        else:
            row_uid = uid or None
            component, category = codes.PWI_LABELS.get(label, label), "device"
        hidden = to_int(v.get("hidden"))
        self.rows["batterystats_power_use"].append({
            "uid": row_uid, "component": component, "mah": to_float(v.get("mah")),
            "category": category, "hidden": None if hidden is None else hidden != 0,
            "screen_mah": to_float(v.get("screen_mah")),
            "proportional_mah": to_float(v.get("proportional_mah")),
        })
        return True

    def _apk(self, uid: int, typ: str, rest: str) -> bool:
        v = self._fields(typ, rest)
        pkg = v.get("package")
        if pkg:
            self.apk_packages.append((uid, pkg))
        return True

    def _device(self, uid: int, typ: str, rest: str) -> bool:
        self.device[typ] = self._fields(typ, rest)
        return True

    # -- wakelocks -------------------------------------------------------------------------
    def _wakelock(self, uid: int, typ: str, rest: str) -> bool:
        fields = rest.split(",")
        ordered = self._wl_order
        if ordered is None:  # the layouts of this checkin version first (once per section)
            ordered = self._wl_order = sorted(WL_LAYOUTS, key=lambda lay: not (
                self.version is not None and lay[0] <= self.version <= lay[1]))
        for pos, (_, _, size, types) in enumerate(ordered):
            n = size * len(types)
            if len(fields) <= n:
                continue
            groups = fields[-n:]
            if all(groups[j * size + 1] == t for j, t in enumerate(types)):
                if pos:
                    self._note("wl", len(fields) - 1, n)
                break
        else:
            return False
        name = ",".join(fields[:-n])
        name = self._private(name) if name.startswith(("*job*/", "*sync*/")) else (
            redact_text(name) if self.redact else name)
        for j, t in enumerate(types):
            g = groups[j * size:(j + 1) * size]
            total, count = to_int(g[0]), to_int(g[2])
            if not total and not count:
                continue
            self.rows["batterystats_wakelocks"].append({
                "uid": uid, "tag": name, "kind": WL_KINDS[t], "total_ms": total,
                "count": count,
                "current_ms": _ms(g[3]) if size > 3 else None,
                "max_ms": _ms(g[4]) if size > 4 else None,
                "actual_ms": _ms(g[5]) if size > 5 else None,
            })
        return True

    _HANDLERS: ClassVar[dict] = {
        "wl": _wakelock, "awl": _aggregated, "jb": _job, "jbc": _job_completion,
        "jbd": _deferrals, "sy": _sync, "wua": _wakeup_alarm, "kwl": _kernel_wakelock,
        "wr": _wakeup_reason, "pwi": _power_item, "pws": _power_summary, "pr": _process,
        "fgs": _fgs, "sr": _sensor, "apk": _apk, "bt": _device, "m": _device, "dc": _device,
    }
