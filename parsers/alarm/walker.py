"""Walks one `dumpsys alarm` section block by block and hands each line to its reader.

Blocks are recognised by their header lines (formats.md §2.2 lists them per release), not
by SDK. A block's body is the lines indented deeper than its header, except where AOSP
prints the body at the header's own indent (pre-S `Batch{…}` at column 0, Alarm Stats
package lines, 7–8.1 `UID …` dispatch times). Lines no reader recognises are counted per
shape in the diagnostics.
"""

from __future__ import annotations

from wakescope.parsers.alarm import pending, state
from wakescope.parsers.alarm.stats import AlarmStats, TopAlarms
from wakescope.parsers.alarm.times import DumpClock, duration_ms, to_int
from wakescope.parsers.clock import NOW_RTC_LINE
from wakescope.parsers.lazy_re import lazy_compile
from wakescope.parsers.section_input import SectionInput
from wakescope.parsers.uid import app_id, parse_uid

# Header text (stripped) → (mode, group / list / kind).
HEADERS: dict[str, tuple[str, str | None]] = {
    "Current Alarm Manager state:": ("none", None),
    "Settings:": ("settings", "settings"),
    "Feature Flags:": ("settings", "feature_flags"),
    "Current AppStateTracker State:": ("app_state", "app_state_tracker"),
    "Exempted packages:": ("exempted", "exempted_packages"),
    "Exempted bucket packages:": ("exempted", "exempted_packages"),
    "Restricted packages:": ("restricted", "restricted_packages"),
    "LazyAlarmStore stats:": ("statlog", "lazy_alarm_store_stats"),
    "BatchingAlarmStore stats:": ("statlog", "batching_alarm_store_stats"),
    "Alarm manager stats:": ("statlog", "alarm_manager_stats"),
    "Recent TIME_TICK history:": ("tick", "time_tick_history"),
    "Next alarm clock information:": ("alarm_clock", "next_alarm_clock"),
    "Pending user blocked background alarms:": ("pending", "pending_user_blocked"),
    "Idle mode state:": ("pending", "idling_until"),
    "mLastAlarmDeliveredForPackage:": ("history", "last_delivered"),
    "App Alarm history:": ("history", "app_wakeup"),
    "Allow while idle history:": ("history", "allow_while_idle"),
    "Allow while idle compat history:": ("history", "allow_while_idle_compat"),
    "Last allow while idle dispatch times:": ("history", "allow_while_idle_last_dispatch"),
    "Last priority alarm dispatches:": ("history", "priority_dispatch"),
    "Temporary Quota Reserves:": ("raw", "temporary_quota_reserves"),
    "Scheduled user wakeups:": ("raw", "scheduled_user_wakeups"),
    "TARE details:": ("raw", "tare"),
    "Affordability cache:": ("raw", "tare_affordability_cache"),
    "Allow while idle dispatches:": ("raw", "allow_while_idle_dispatches"),
    "Recent Wakeup History:": ("raw", "recent_wakeup_history"),
    "Outstanding deliveries:": ("problems", "in_flight"),
    "Recent problems": ("problems", "recent_problem"),
    "Recent problems:": ("problems", "recent_problem"),
    "Removal history:": ("removal", None),
    "Top Alarms:": ("top", None),
    "Alarm Stats:": ("stats", None),
    # Samsung (formats.md §7.2)
    "Addition history:": ("oem_history", "addition"),
    "Delivery history:": ("oem_history", "delivery"),
    "Expiration history:": ("oem_history", "expiration"),
    "Wakeup Alarm history(screen off):": ("oem_history", "screen_off_wakeup"),
}
# Modes whose body may sit at the header's own indent.
_SAME_INDENT_OK = {"pending", "stats", "history", "none", "state"}

_BATCHES = lazy_compile(r"^Pending alarm batches: (\d+)$")
_STORE = lazy_compile(r"^(\d+) pending alarms:$")
_PAST_DUE = lazy_compile(r"^Past-due non-wakeup alarms: (.*)$")
_BARE_ALARM = lazy_compile(r"^Alarm\{(.*)\}$")
_PER_UID = lazy_compile(r"^Pending alarms per uid: \[(.*)\]$")
_EXACT_REQ = lazy_compile(r"^App ids requesting SCHEDULE_EXACT_ALARM: [\[{](.*)[\]}]$")
_EXACT_OP = lazy_compile(r"^Last OP_SCHEDULE_EXACT_ALARM: \[(.*)\]$")
_LIST_LINE = lazy_compile(r"^(Invalid Expiration history|mUseAllowWhileIdleShortTime): \[(.*)\]$")


class Walker:
    """Holds the rows of every table while the lines of one section go by."""

    def __init__(self, inp: SectionInput, clock: DumpClock | None) -> None:
        self.inp = inp
        self.clock = clock
        self.redact = inp.redact
        self.pending: list[dict] = []
        self.top = TopAlarms()
        self.stats = AlarmStats()
        self.settings: list[dict] = []
        self.history: list[dict] = []
        self.problems: list[dict] = []
        self.exact: dict[int, dict] = {}
        self.mode = "none"
        self.arg: str | None = None
        self.block_indent = -1
        self.entry: dict | None = None
        self.batch: dict | None = None
        self.batch_count = 0
        self.uid: int | None = None
        self.user: str | None = None
        self.last_key: str | None = None
        self.tick_index = 0
        self.chatter = 0

    # -- driver ---------------------------------------------------------------------------
    def run(self) -> None:
        lines = self.inp.lines
        first = self.inp.first_line
        diag = self.inp.diagnostics
        for i, raw in enumerate(lines):
            s = raw.strip()
            if not s:
                continue
            line_no = first + i
            indent = len(raw) - len(raw.lstrip())
            if self._awaiting_tag():
                self._mode_line(s, line_no)
                continue
            if self._header(s, indent, line_no):
                continue
            if (indent > self.block_indent or self.mode in _SAME_INDENT_OK) and \
                    self._mode_line(s, line_no):
                continue
            if indent <= 2 and self._state_line(s, line_no):
                continue
            diag.unknown_line(self.inp.name, raw, line_no)
        diag.seen(self.inp.name, len(lines))
        if self.chatter:
            diag.info("tool_chatter", self.inp.name,
                      f"{self.chatter} tool chatter line(s) in the dump "
                                     "(`Unknown argument: -a`)", first)

    def _awaiting_tag(self) -> bool:
        return (self.mode == "top" and self.top.awaiting_tag) or (
            self.mode == "stats" and self.stats.awaiting_tag)

    def _enter(self, mode: str, arg: str | None, indent: int) -> None:
        self.mode, self.arg, self.block_indent = mode, arg, indent
        self.entry = None
        self.uid = None
        self.user = None

    # -- headers --------------------------------------------------------------------------
    def _header(self, s: str, indent: int, line: int) -> bool:
        """Is `s` a block header (or a one-line state)? Enters its mode when it is. Known
        headers by table, then by first letter (pending, store, idle, exact-alarm, state)."""
        known = HEADERS.get(s)
        if known is not None:
            mode, arg = known
            self._enter(mode, arg, indent)
            if mode == "tick":
                self.tick_index = 0
            return True
        if s == "Stats:":
            group = ("app_state_tracker_stats"
                     if self.mode in ("app_state", "exempted", "restricted")
                     else "alarm_manager_stats")
            self._enter("statlog", group, indent)
            return True
        c = s[0]
        if c == "P":
            found = self._pending_header(s, indent, line)
        elif c.isdigit():
            found = self._store_header(s, indent, line)
        elif c in "IN":
            found = self._idle_header(s, indent, line)
        elif c in "AL":
            found = self._exact_header(s, indent, line)
        elif c in "FUn<":
            found = self._state_header(s, indent, line)
        else:
            found = False
        if found:
            return True
        m = _LIST_LINE.match(s) if c in "Im" else None
        if m:
            self._enter("none", None, indent)
            self.settings.append(state.setting("state", m.group(1), m.group(2), line))
            return True
        return False

    def _pending_header(self, s: str, indent: int, line: int) -> bool:
        """`Pending alarm batches:`, `Past-due non-wakeup alarms:`, per-uid counts, 7–11
        idle-pending lists."""
        m = _BATCHES.match(s)
        if m:
            self._enter("pending", "pending", indent)
            self.settings.append(state.setting("state", "Pending alarm batches",
                                               m.group(1), line))
            return True
        m = _PAST_DUE.match(s)
        if m:
            self._enter("pending", "past_due_non_wakeup", indent)
            self.settings.append(state.setting("past_due", "Past-due non-wakeup alarms",
                                               m.group(1), line))
            return True
        m = _PER_UID.match(s)
        if m:
            self._enter("none", None, indent)
            for item in state.bracket_list(m.group(1)):
                uid_text, _, n = item.rpartition(":")
                uid = parse_uid(uid_text)
                self.settings.append(state.setting(
                    "pending_per_uid", str(uid) if uid is not None else uid_text, n, line))
            return True
        if s == "Pending alarms:" and self.mode == "pending" and \
                self.arg in ("idling_until", "pending_while_idle"):
            self.arg = "pending_while_idle"  # 7–11 idle-pending list
            self.entry = None
            return True
        return False

    def _store_header(self, s: str, indent: int, line: int) -> bool:
        """12+ `<n> pending alarms:`."""
        m = _STORE.match(s)
        if m:
            self._enter("pending", "pending", indent)
            self.settings.append(state.setting("state", "pending alarms", m.group(1), line))
            return True
        return False

    def _idle_header(self, s: str, indent: int, line: int) -> bool:
        """`Idling until:` and `Next wake from idle:` (one alarm each)."""
        if s.startswith("Idling until: "):
            rest = s[len("Idling until: "):]
            self.mode, self.arg = "pending", "idling_until"
            m = _BARE_ALARM.match(rest)
            self.entry = None
            if m:
                self._new_entry("idling_until", None, None, m.group(1), line)
            return True
        if s.startswith("Next wake from idle: "):
            m = _BARE_ALARM.match(s[len("Next wake from idle: "):])
            self._enter("pending", "next_wake_from_idle", indent)
            if m:
                self._new_entry("next_wake_from_idle", None, None, m.group(1), line)
            return True
        return False

    def _exact_header(self, s: str, indent: int, line: int) -> bool:
        """Exact-alarm permission state: requesting app ids, last OP_SCHEDULE_EXACT_ALARM."""
        if s.startswith("App ids requesting"):
            m = _EXACT_REQ.match(s)
            if m:
                self._enter("none", None, indent)
                for item in state.bracket_list(m.group(1)):
                    app = to_int(item)
                    if app is not None and app >= 0:
                        self._exact(app, line)["requesting"] = True
                return True
        if s.startswith("Last OP_SCHEDULE_EXACT_ALARM"):
            m = _EXACT_OP.match(s)
            if m:
                self._enter("none", None, indent)
                for item in state.bracket_list(m.group(1)):
                    uid_text, _, mode = item.rpartition(":")
                    uid = parse_uid(uid_text)
                    if uid is not None:
                        row = self._exact(app_id(uid), line)
                        row["uid"], row["op_mode"] = uid, mode
                return True
        return False

    def _state_header(self, s: str, indent: int, line: int) -> bool:
        """One-line states: AppStateTracker without header, dumpsys chatter, nowRTC, OEM."""
        if s.startswith("Forced App Standby Feature enabled:"):
            # 9–11 print the AppStateTracker dump without its header (formats.md §2.2).
            self._enter("app_state", "app_state_tracker", indent - 1)
            self.settings.append(state.state_row("app_state_tracker", s, line))
            return True
        if s.startswith("Unknown argument:"):
            self.chatter += 1  # Meizu 7.1.1: dumpsys chatter before the dump (§7.2)
            return True
        if s.startswith("nowRTC="):
            m = NOW_RTC_LINE.search(s)
            if m:
                self._enter("state", None, indent)
                self.settings.append(state.setting("state", "nowRTC",
                                                   f"{m.group(1)}={m.group(2)}", line))
                row = state.setting("state", "nowELAPSED", m.group(3), line)
                elapsed = to_int(m.group(3))
                if elapsed is not None and elapsed >= 0:
                    row["value_ms"] = elapsed
                self.settings.append(row)
                return True
        if s == "<AppSync Disabled>":
            self.settings.append(state.setting("oem", "AppSync", "Disabled", line))  # Samsung
            return True
        return False

    def _exact(self, aid: int, line: int) -> dict:
        row = self.exact.get(aid)
        if row is None:
            row = {"app_id": aid, "uid": None, "requesting": False, "op_mode": None,
                   "line": line}
            self.exact[aid] = row
        return row

    # -- block bodies ---------------------------------------------------------------------
    def _mode_line(self, s: str, line: int) -> bool:
        mode = self.mode
        if mode == "pending":
            return self._pending(s, line)
        if mode == "stats":
            return self.stats.feed(s, line)
        if mode == "top":
            return self.top.feed(s, line)
        if mode == "settings":
            m = state.SETTING.match(s)
            if m:
                self.settings.append(state.setting(self.arg, m.group(1), m.group(2), line))
                return True
            return False
        if mode == "history":
            rows = state.history_rows(self.arg, s, line, self.clock)
            if rows is None:
                return False
            self.history.extend(rows)
            return True
        if mode == "oem_history":
            return self._oem_history(s, line)
        if mode == "removal":
            return self._removal(s, line)
        if mode == "problems":
            return self._problem(s, line)
        if mode == "statlog":
            m = state.STAT_LOGGER.match(s)
            if m:
                self.settings.append(state.setting(self.arg, m.group(1), m.group(2), line))
                return True
            return False
        if mode == "app_state":
            row = state.state_row(self.arg, s, line)
            if row is not None:
                self.settings.append(row)
            return row is not None
        if mode == "exempted":
            if s.startswith("User "):
                self.user = s
                return True
            self.settings.append(state.setting(self.arg, self.user or "", s, line))
            return True
        if mode == "restricted":
            uid_text, _, package = s.partition(" ")
            if not package:
                return False
            self.settings.append(state.setting(self.arg, uid_text, package, line))
            return True
        if mode == "tick":
            self.tick_index += 1
            self.settings.append(state.setting(self.arg, str(self.tick_index), s, line))
            return True
        if mode == "alarm_clock":
            row = state.alarm_clock_row(s, line)
            if row is not None:
                self.settings.append(row)
            return row is not None
        if mode == "raw":
            self.settings.append(state.raw_row(self.arg, s, line))
            return True
        if mode == "state":
            if s.startswith("set at ") and self.last_key:
                self.settings.append(state.setting("state", f"{self.last_key} set at",
                                                   s[len("set at "):], line))
                return True
            return False
        return False

    def _state_line(self, s: str, line: int) -> bool:
        """Top-level `key=value` / `Key: value` lines (clock, next wakeup, counters, ...)."""
        row = state.state_row("state", s, line)
        if row is None:
            return False
        self._enter("state", None, 2)
        self.last_key = row["key"]
        self.settings.append(row)
        return True

    def _pending(self, s: str, line: int) -> bool:
        m = pending.ENTRY.match(s)
        if m:
            pos = to_int(m.group(2))
            self._new_entry(self.arg, m.group(1), pos, m.group(3), line)
            return True
        m = pending.BATCH.match(s)
        if m:
            self.batch = pending.parse_batch(m, self.batch_count)
            self.batch_count += 1
            self.entry = None
            return True
        if self.entry is not None and pending.apply_detail(self.entry, s):
            return True
        if s == "none":
            return True
        if s.startswith(("Number of delayed alarms:", "Max delay time:")):
            self.settings.extend(state.split_pairs("past_due", s, line))
            return True
        return False

    def _new_entry(self, list_name: str, label: str | None, pos: int | None, inner: str,
                   line: int) -> None:
        batch = self.batch if list_name == "pending" else None
        self.entry = pending.new_entry(list_name, label, pos, inner, line, batch)
        self.pending.append(self.entry)

    def _oem_history(self, s: str, line: int) -> bool:
        m = state.UID_HEADER.match(s)
        if m:
            self.uid = parse_uid(m.group(1))
            return True
        row = state.oem_history_row(self.arg, s, self.uid, line, self.clock)
        if row is None:
            return False
        if self.redact:
            row["tag"] = state.redact(row["tag"])
        self.history.append(row)
        return True

    def _removal(self, s: str, line: int) -> bool:
        m = state.UID_HEADER.match(s)
        if m:
            self.uid = parse_uid(m.group(1))
            self.entry = None
            return True
        row = state.removal_row(s, self.uid, line, self.clock)
        if row is not None:
            self.problems.append(row)
            self.entry = row
            return True
        if self.entry is None:
            return False
        if s == "Snapshot:":
            return True
        m = state.SNAPSHOT_TYPE.match(s)
        if m:
            self.entry["type"] = m.group(1)
            tag = m.group(2).strip()
            self.entry["tag"] = state.redact(tag) if self.redact else tag
            return True
        if s.startswith("policyWhenElapsed:"):
            policy = s[len("policyWhenElapsed:"):].strip()
            prev = self.entry["detail"]
            self.entry["detail"] = f"{prev}; {policy}" if prev else policy
            values = {k: duration_ms(v) for k, v in pending.kv_pairs(policy).items()}
            self.entry["deferred_by"], self.entry["deferral_ms"] = \
                pending.policy_deferral(values)
            return True
        return False

    def _problem(self, s: str, line: int) -> bool:
        if self.arg == "in_flight":
            row = state.in_flight_row(s, line)
            if row is None:
                return False
        else:
            row = {"kind": "recent_problem", "detail": s, "line": line}
        if self.redact:
            row["detail"] = state.redact(row["detail"])
            row["tag"] = state.redact(row.get("tag"))
        self.problems.append(row)
        return True

    # -- results --------------------------------------------------------------------------
    def pending_rows(self) -> list[dict]:
        rows = [pending.finalize(r, self.clock) for r in self.pending]
        if self.redact:
            for r in rows:
                r["tag"] = state.redact(r.get("tag"))
                r["listener"] = state.redact(r.get("listener"))
        return rows

    def fill_uids(self, pending_rows: list[dict], stats_rows: list[dict]) -> None:
        """uid for packages (and package for uids) from this dump's Alarm Stats / Top Alarms."""
        by_package: dict[str, set[int]] = {}
        by_uid: dict[int, set[str]] = {}
        for r in stats_rows + self.top.rows:
            if r.get("uid") is None or not r.get("package"):
                continue
            by_package.setdefault(r["package"], set()).add(r["uid"])
            by_uid.setdefault(r["uid"], set()).add(r["package"])
        for r in pending_rows:
            uids = by_package.get(r.get("package") or "")
            if r.get("uid") is None and uids and len(uids) == 1:
                r["uid"] = next(iter(uids))
        for r in self.history:
            if r.get("uid") is None and r.get("package"):
                uids = {u for u in by_package.get(r["package"], ())
                        if r.get("user_id") is None or u // 100_000 == r["user_id"]}
                if len(uids) == 1:
                    r["uid"] = next(iter(uids))
            elif r.get("package") is None and r.get("uid") is not None:
                pkgs = by_uid.get(r["uid"])
                if pkgs and len(pkgs) == 1:
                    r["package"] = next(iter(pkgs))
        for r in self.problems:
            if r.get("package") is None and r.get("uid") is not None:
                pkgs = by_uid.get(r["uid"])
                if pkgs and len(pkgs) == 1:
                    r["package"] = next(iter(pkgs))

