"""`Top Alarms:` and `Alarm Stats:` (AlarmManagerService.dumpImpl, every release, §2.5).

Each Top Alarms entry and each Alarm Stats filter line is followed by one line holding the
stats tag. Alarm Stats package headers print running time and wakeups only
(`BroadcastStats.numWakeup`); the alarm count per package is the sum of its tag lines.
"""

from __future__ import annotations

import re

from wakescope.parsers.alarm.times import DumpClock, duration_ms, to_int
from wakescope.parsers.uid import parse_uid, user_id

_UID = r"(\d+|u\d+(?:a|s|i|ai)\d+)"
TOP_ENTRY = re.compile(
    r"^(\*ACTIVE\* )?(\S+) running, (\d+) wakeups, (\d+) alarms: " + _UID + r":(\S+)$"
)
STATS_PACKAGE = re.compile(
    r"^(\*ACTIVE\* )?" + _UID + r":(\S+) (\S+) running, (\d+) wakeups(?:, (\d+) alarms)?:$"
)
STATS_FILTER = re.compile(r"^(\*ACTIVE\* )?(\S+) (\d+) wakes (\d+) alarms, last (\S+):$")


class TopAlarms:
    """Collects Top Alarms rows: an entry line, then its tag line."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.awaiting_tag = False

    def feed(self, s: str, line: int) -> bool:
        if self.awaiting_tag:
            self.rows[-1]["tag"] = s
            self.awaiting_tag = False
            return True
        m = TOP_ENTRY.match(s)
        if not m:
            return False
        self.rows.append({
            "rank": len(self.rows) + 1, "active": m.group(1) is not None,
            "running_ms": duration_ms(m.group(2)), "wakeups": to_int(m.group(3)),
            "alarms": to_int(m.group(4)), "uid": parse_uid(m.group(5)), "package": m.group(6),
            "tag": None, "line": line,
        })
        self.awaiting_tag = True
        return True


class AlarmStats:
    """Collects Alarm Stats rows: package headers, filter lines and their tag lines."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.package: dict | None = None
        self.awaiting_tag = False

    def feed(self, s: str, line: int) -> bool:
        if self.awaiting_tag:
            self.rows[-1]["tag"] = s
            self.awaiting_tag = False
            return True
        m = STATS_FILTER.match(s)
        if m and self.package is not None:
            self.package["_has_rows"] = True
            row = {k: v for k, v in self.package.items() if not k.startswith("_")}
            row.update({
                "_pid": self.package["_pid"],
                "active": m.group(1) is not None,
                "running_ms": duration_ms(m.group(2)), "wakeups": to_int(m.group(3)),
                "alarms": to_int(m.group(4)), "last_delivery_ms": duration_ms(m.group(5)),
                "tag": None, "line": line,
            })
            self.rows.append(row)
            self.awaiting_tag = True
            return True
        m = STATS_PACKAGE.match(s)
        if not m:
            return False
        self._close_package()
        uid = parse_uid(m.group(2))
        self.package = {
            "package": m.group(3), "uid": uid, "user_id": user_id(uid),
            "package_running_ms": duration_ms(m.group(4)),
            "package_wakeups": to_int(m.group(5)),
            "package_alarms": to_int(m.group(6)) if m.group(6) else None,
            "_active": m.group(1) is not None, "_has_rows": False, "_line": line,
            "_pid": line,
        }
        return True

    def _close_package(self) -> None:
        """A package header with no tag lines still yields a row, so totals survive."""
        p = self.package
        if p is not None and not p["_has_rows"]:
            row = {k: v for k, v in p.items() if not k.startswith("_")}
            row.update({"_pid": p["_pid"], "active": p["_active"], "tag": None,
                        "line": p["_line"]})
            self.rows.append(row)
        self.package = None

    def finish(self, clock: DumpClock | None) -> list[dict]:
        """Fill package_alarms (sum of tag rows unless printed) and absolute last times."""
        self._close_package()
        sums: dict[int, int] = {}
        for r in self.rows:
            sums[r["_pid"]] = sums.get(r["_pid"], 0) + (r.get("alarms") or 0)
        for r in self.rows:
            pid = r.pop("_pid")
            if r["package_alarms"] is None:
                r["package_alarms"] = sums[pid]
            if clock is not None:
                r["last_delivery_time"] = clock.utc_from_rel(r.get("last_delivery_ms"))
        return self.rows
