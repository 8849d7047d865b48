"""`Estimated power use (mAh):` in both forms (formats.md §4.2.2).

- 7.0 – 11 (`BatteryStatsHelper` sippers): `Uid <uid>: <mAh>[ ( cpu=… wake=… )]
  [ Including smearing: …][ Excluded from smearing]` and device items (`Screen: …`,
  `Cell standby: …`, `Idle: …`, `Unaccounted: …`, `Over-counted: …`, `User <n>: …`).
- 12+ (`BatteryUsageStats.dump`): `Global`, then `<component>[(<state>)]: <mAh> apps: <mAh>
  [duration: …]`, then consumers `UID <uid>: <mAh>[ fg: … bg: …] ( <component>=<mAh>
  [(<duration>)] … )` and `User <n>: …`.

Rows: a uid's total is component `total`; the parenthesised breakdown gives one row per
component (12+ per-process-state splits such as `cpu:fg=` are left out so components sum).
"""

from __future__ import annotations

import re

from wakescope.parsers.batterystats.human_text import to_float, to_int
from wakescope.parsers.uid import parse_uid

_NUM = r"-?\d+(?:[.,]\d+)?(?:E-?\d+)?"
_CAPACITY = re.compile(
    rf"^Capacity: (?P<cap>{_NUM}), Computed drain: (?P<drain>{_NUM}), "
    rf"actual drain: (?P<lo>{_NUM})(?:-(?P<hi>{_NUM}))?")
_UID = re.compile(
    rf"^(?:Uid|UID) (?P<uid>-?\d+|u\d+(?:a|s|i|ai)\d+): (?P<mah>{_NUM})(?P<rest>.*)$")
_USER = re.compile(rf"^User (?P<user>\d+): (?P<mah>{_NUM})(?P<rest>.*)$")
_GLOBAL_COMPONENT = re.compile(
    rf"^(?P<name>[\w:.-]+)(?:\((?P<state>[\w ]+)\))?: (?P<mah>{_NUM})(?: \[[^\]]*\])?"
    rf"(?: apps: (?P<apps>{_NUM}))?(?: duration: .*)?$")
_DEVICE_ITEM = re.compile(rf"^(?P<label>[A-Za-z][A-Za-z -]*): (?P<mah>{_NUM})(?P<rest>.*)$")
_SMEARED = re.compile(
    rf"Including smearing: {_NUM} \( (?:screen=(?P<screen>{_NUM}) )?"
    rf"(?:proportional=(?P<prop>{_NUM}) )?\)")
_BREAKDOWN = re.compile(rf"(?:^|\s)(?P<k>[\w-]+)=(?P<v>{_NUM})")
# 14+ `UID u0a385: 2027 fg: 1160 bg: 0.376 fgs: 1.71 cached: 0.392 ( … )`: the total split
# by process state (BatteryUsageStats.dump, UidBatteryConsumer PROCESS_STATE_*).
_STATES = re.compile(rf"\b(?P<k>fg|bg|fgs|cached): (?P<v>{_NUM})")
# BatteryStatsHelper DrainType labels → the component names codes.PWI_LABELS uses.
_LABELS = {
    "screen": "screen", "cell standby": "cell", "idle": "idle", "wifi": "wifi",
    "bluetooth": "bluetooth", "phone calls": "phone", "flashlight": "flashlight",
    "camera": "camera", "ambient display": "ambient_display", "unaccounted": "unaccounted",
    "over-counted": "overcounted", "memory": "memory", "aod": "ambient_display",
}


class PowerBlock:
    """Collects `batterystats_power_use` rows and the `Capacity:` line of one block."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.smearing = False   # 8.0–11 print smearing notes: then "not excluded" means False
        self.capacity: float | None = None
        self.computed_drain: float | None = None
        self.in_global = False

    def line(self, indent: int, s: str) -> bool:
        m = _CAPACITY.match(s)
        if m:
            self.capacity = to_float(m.group("cap"))
            self.computed_drain = to_float(m.group("drain"))
            # Same global rows as checkin `pws` (capacity, computed drain, actual drain range).
            lo, hi = to_float(m.group("lo")), to_float(m.group("hi") or m.group("lo"))
            for comp, mah in (("capacity", self.capacity), ("computed_drain", self.computed_drain),
                              ("min_drained", lo), ("max_drained", hi)):
                self.rows.append({"uid": None, "component": comp, "mah": mah,
                                  "category": "global"})
            return True
        if s == "Global":
            self.in_global = True
            return True
        if self.in_global and indent >= 6:
            m = _GLOBAL_COMPONENT.match(s)
            if m:
                if m.group("state") is None:   # per-process-state rows would double count
                    self.rows.append({"uid": None, "component": m.group("name"),
                                      "mah": to_float(m.group("mah")), "category": "global"})
                return True
            return False
        self.in_global = False
        m = _UID.match(s)
        if m:
            uid = parse_uid(m.group("uid"))
            self._consumer(uid, None, "uid", m.group("mah"), m.group("rest"))
            return True
        m = _USER.match(s)
        if m:
            self._consumer(None, to_int(m.group("user")), "user", m.group("mah"), m.group("rest"))
            return True
        m = _DEVICE_ITEM.match(s)
        if m:
            label = m.group("label").strip().lower()
            component = _LABELS.get(label, label.replace(" ", "_").replace("-", ""))
            self.rows.append({"uid": None, "component": component,
                              "mah": to_float(m.group("mah")), "category": "device",
                              **self._smearing(m.group("rest"))})
            return True
        return False

    def _smearing(self, rest: str) -> dict:
        """BatteryStatsHelper 8.0–11: ` Excluded from smearing` marks shouldHide sippers;
        ` Including smearing: <mAh> ( screen=<mAh> proportional=<mAh> )` their share."""
        out: dict = {}
        if "Excluded from smearing" in rest:
            out["hidden"] = True
        m = _SMEARED.search(rest)
        if m:
            out["screen_mah"] = to_float(m.group("screen"))
            out["proportional_mah"] = to_float(m.group("prop"))
        if out:
            self.smearing = True
        return out

    def finish(self) -> list[dict]:
        """The rows; in an 8.0–11 dump a sipper not marked is not hidden, and smearing
        parts it does not print are zero (BatteryStatsHelper prints only non-zero ones)."""
        if self.smearing:
            for row in self.rows:
                if row["category"] == "device" or row["component"] == "total":
                    row.setdefault("hidden", False)
                    row["screen_mah"] = row.get("screen_mah") or 0.0
                    row["proportional_mah"] = row.get("proportional_mah") or 0.0
        return self.rows

    def _consumer(self, uid: int | None, user: int | None, category: str, mah: str,
                  rest: str) -> None:
        base = {"uid": uid, "category": category}
        if user is not None:
            base["user_id"] = user
        head = rest.split("(", 1)[0]
        states = {f"{m.group('k')}_mah": to_float(m.group("v")) for m in _STATES.finditer(head)}
        self.rows.append({**base, "component": "total", "mah": to_float(mah),
                          **self._smearing(rest), **states})
        # The breakdown sits in the first `( … )`; `Including smearing: x ( … )` follows.
        start = rest.find("(")
        end = rest.find(" )", start)
        if start < 0 or end < 0:
            return
        for b in _BREAKDOWN.finditer(rest[start + 1:end]):
            self.rows.append({**base, "component": b.group("k"), "mah": to_float(b.group("v"))})
