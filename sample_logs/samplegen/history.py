"""Battery history records for the simulated day, printed two ways from the same records:
the human `Battery History` block (formats.md §4.3: the legacy printer up to 15, history
format v2 with a wall-clock prefix on 16) and the checkin `9,hsp` / `9,h` encoding (§4.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import fmt
from . import timeline as tl
from .world import World

# (long name, bit, checkin code) in HistoryPrinter's description order (BatteryStats.java).
STATE_BITS = [
    ("running", 31, "r"), ("wake_lock", 30, "w"), ("sensor", 23, "s"), ("gps", 29, "g"),
    ("wifi_full_lock", 28, "Wl"), ("wifi_scan", 27, "Ws"), ("wifi_multicast", 16, "Wm"),
    ("wifi_radio", 26, "Wr"), ("mobile_radio", 25, "Pr"), ("phone_scanning", 21, "Psc"),
    ("audio", 22, "a"), ("screen", 20, "S"), ("plugged", 19, "BP"), ("screen_doze", 18, "Sd"),
]
# Multi-valued fields of the states word: (name, shift, mask, checkin code, names, short names)
DATA_CONN = ["oos", "gprs", "edge", "umts", "cdma", "evdo_0", "evdo_A", "1xrtt", "hsdpa",
             "hsupa", "hspa", "iden", "evdo_b", "lte", "ehrpd", "hspap", "gsm", "td_scdma",
             "iwlan", "lte_ca", "nr", "emngcy", "other"]
STATE_VALUES = [
    ("data_conn", 9, 0x1F, "Pcn", DATA_CONN, DATA_CONN),
    ("phone_state", 6, 0x7, "Pst", ["in", "out", "emergency", "off"], ["in", "out", "em", "off"]),
    ("phone_signal_strength", 3, 0x7, "Pss", ["none", "poor", "moderate", "good", "great"],
     ["0", "1", "2", "3", "4"]),
    ("brightness", 0, 0x7, "Sb", ["dark", "dim", "medium", "light", "bright"],
     ["0", "1", "2", "3", "4"]),
]
STATE2 = [("power_save", "ps"), ("video", "v"), ("wifi_running", "Ww"), ("wifi", "W"),
          ("flashlight", "fl"), ("device_idle", "di"), ("charging", "ch"), ("usb_data", "Ud"),
          ("phone_in_call", "Pcl"), ("bluetooth", "b"), ("wifi_signal_strength", "Wss"),
          ("wifi_suppl", "Wsp"), ("camera", "ca"), ("ble_scan", "bles"),
          ("cellular_high_tx_power", "Chtp"), ("gps_signal_quality", "Gss")]
STATE2_VALUES = {"device_idle": "off", "gps_signal_quality": "poor"}  # defaults (index 0)
# 16: `nr_state` (HISTORY_STATE2_DESCRIPTIONS, formats.md §4.3), short values 0–3.
NR_STATES = ["none", "restricted", "not_restricted", "connected"]
EVENT_CODES = {"state": "Esc", "top": "Etp", "fg": "Efg", "job": "Ejb", "sync": "Esy",
               "longwake": "Elw", "screenwake": "Esw", "conn": "Ecn", "user": "Eur",
               "userfg": "Euf", "pkginactive": "Eai", "pkgactive": "Eaa", "tmpwhitelist": "Etw",
               "stats": "Est"}
BATTERY_CODES = {"status": "Bs", "health": "Bh", "plug": "Bp", "temp": "Bt", "volt": "Bv",
                 "charge": "Bcc", "modemRailChargemAh": "Mrc", "wifiRailChargemAh": "Wrc"}
BATTERY_SHORT = {"discharging": "d", "charging": "c", "good": "g", "none": "n"}


@dataclass
class Record:
    t: int
    level: int
    states: int = 0
    battery: list = field(default_factory=list)  # [(name, value)]
    tokens: list = field(default_factory=list)  # [(kind, name, value)] in print order
    wake_tag: tuple | None = None  # (uid, tag) printed with +wake_lock
    wake_reason: str | None = None
    event: tuple | None = None  # (sign, name, uid, text)
    command: str | None = None  # RESET:TIME / TIME
    details: tuple | None = None  # (cpu_user, cpu_sys, per-uid, proc-stat tuple)
    ints: int = 1


class History:
    """Builds the record list once; `human(verbose)` and `checkin()` print it."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.sdk = world.r.sdk
        data_conn = world.r.data_conn  # 12: `none`…`other` (22); 14+: `oos`…`emngcy`, `other`
        self.state_values = [("data_conn", 9, 0x1F, "Pcn", data_conn, data_conn),
                             *STATE_VALUES[1:]]
        self.state2 = STATE2 + ([("nr_state", "nrs")] if self.sdk >= 36 else [])
        self.records: list[Record] = []
        self._build()

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        w = self.w
        changes: dict[int, list] = {}

        def add(t: int, order: int, item) -> None:
            changes.setdefault(t, []).append((order, item))

        def bits(name: str, intervals) -> None:
            for s, e in intervals:
                add(s, 1, ("bit", name, True))
                if e < w.end:
                    add(e, 0, ("bit", name, False))

        # Screen sessions that follow each other keep the screen on (no off/on flicker).
        bits("screen", w.screen_iv)
        bits("sensor", w.screen_iv)
        bits("running", w.running_iv)
        bits("wake_lock", w.wakelock_iv)
        bits("gps", w.gps_iv)
        bits("mobile_radio", w.radio_iv)
        bits("audio", w.media_iv)
        bits("video", w.media_iv)
        for t, v in w.data_conn:
            add(t, 2, ("val", "data_conn", v))
            if self.sdk >= 36:  # 16: the LTE cell's NR state (NSA), `connected` on 5G
                add(t, 2, ("val2", "nr_state", "connected" if v == "nr" else "not_restricted"))
        for t, v in w.signal:
            add(t, 2, ("val", "phone_signal_strength", v))
        for s in w.screens:
            add(s.start, 2, ("val", "brightness", s.brightness))
        for t, mode in w.idle:
            add(t, 2, ("val2", "device_idle", mode))
        if w.gps_iv:
            add(w.gps_iv[0][0], 2, ("val2", "gps_signal_quality", "good"))
        for k in w.kwakes:
            add(k.t, 3, ("reason", k.reason))
        # The wakelock tag recorded when the wake_lock bit turns on: the first hold.
        first_hold = {}
        for h in w.holds:
            first_hold.setdefault(h.start, h)
        for s, _ in w.wakelock_iv:
            h = first_hold[s]
            add(s, 3, ("wtag", h.uid, h.history_tag or h.tag))
        for e in w.events:
            add(e.t, 5, ("event", e.sign, e.name, e.uid, e.text))
        if self.sdk >= 36:
            # 16 names event 21 `state` (Esc): per-uid component states. Real 15 captures
            # already log it as `est_capacity` with audio/video/gnss strings (§4.3).
            tv = w.apps_uid("com.example.streamtv")
            for s, e in w.media_iv:
                for comp in ("audio", "video"):
                    add(s, 5, ("event", "+", "state", tv, comp))
                    if e < w.end:
                        add(e, 5, ("event", "-", "state", tv, comp))
            for s, e, uid in w.gps:
                if s < w.end:
                    add(s, 5, ("event", "+", "state", uid, "gnss"))
                    if e < w.end:
                        add(e, 5, ("event", "-", "state", uid, "gnss"))
        # Battery: a charge reading every level step and half-way, voltage and temperature.
        for t, level in w.level_steps:
            add(t, 4, ("level", level))
        for (t1, _), (t2, _) in zip(w.level_steps, w.level_steps[1:], strict=False):
            add((t1 + t2) // 2, 4, ("charge", None))
        self._replay(changes)

    def _battery_now(self, t: int) -> dict:
        w = self.w
        used = w.charge_used_mah(t)
        level = w.level_at(t)
        busy = tl.inside(t, w.media_iv) or tl.inside(t, w.gps_iv)
        temp = 268 + (44 if tl.inside(t, w.media_iv) else 0) + (9 if busy else 0)
        temp += (t // 600_000) % 7
        return {"temp": temp, "volt": round(3562 + 8.3 * level + (t // 97_000) % 9),
                "charge": round(4410 - used)}

    def _replay(self, changes: dict) -> None:
        w = self.w
        state = {name: False for name, _, _ in STATE_BITS}
        state.update({"data_conn": self.state_values[0][4][0], "phone_state": "in",
                      "phone_signal_strength": 0, "brightness": 0})
        state2 = {name: False for name, _ in self.state2}
        state2.update(STATE2_VALUES)
        if self.sdk >= 36:
            state2["nr_state"] = "none"
        level = 100
        last_batt = {}

        # RESET and the first full record (unplug: +plugged then -plugged, formats §4.3).
        self.records.append(Record(w.t0, 100, command="RESET:TIME", ints=14))
        first = changes.pop(w.t0, [])
        first.append((1, ("bit", "plugged", True)))
        batt = {"status": "discharging", "health": "good", "plug": "none"}
        batt.update(self._battery_now(w.t0))
        batt["modemRailChargemAh"] = 0
        batt["wifiRailChargemAh"] = 0
        rec = Record(w.t0, 100, battery=list(batt.items()), ints=2)
        last_batt.update(batt)
        self._apply(rec, first, state, state2, events_out := [])
        self.records.append(rec)
        extra = [Record(w.t0, 100, event=("", "user", 0, "0"), ints=2),
                 Record(w.t0, 100, event=("", "userfg", 0, "0"), ints=2)]
        for r in extra:
            r.states = rec.states
        self.records.extend(extra)
        for ev in events_out:
            r = Record(w.t0, 100, states=rec.states, event=ev, ints=2)
            self.records.append(r)
        state["plugged"] = False
        r = Record(w.t0, 100, tokens=[("bit", "plugged", False)], event=("", "stats", 0,
                                                                          "get-stats"), ints=3)
        r.states = self._word(state)
        self.records.append(r)
        prev_t = w.t0
        for t in sorted(changes):
            items = sorted(changes[t], key=lambda x: x[0])
            rec = Record(t, level)
            events_out = []
            level_changed = False
            for _, item in items:
                if item[0] == "level":
                    level = item[1]
                    level_changed = True
                elif item[0] == "charge":
                    now = self._battery_now(t)
                    if now["charge"] != last_batt.get("charge"):
                        rec.battery.append(("charge", now["charge"]))
                        last_batt["charge"] = now["charge"]
            if level_changed:
                now = self._battery_now(t)
                for key in ("temp", "volt", "charge"):
                    if now[key] != last_batt.get(key):
                        rec.battery.append((key, now[key]))
                        last_batt[key] = now[key]
                rec.details = self._details(prev_t, t, level)
                prev_t = t
            rec.level = level
            self._apply(rec, [i for i in items if i[1][0] not in ("level", "charge")], state,
                        state2, events_out)
            if rec.battery:
                rec.ints += 1
            if rec.wake_tag or rec.wake_reason or rec.event:
                rec.ints += 1
            if rec.tokens or rec.battery or rec.event or rec.wake_reason or level_changed:
                self.records.append(rec)
            for ev in events_out:
                self.records.append(Record(t, level, states=rec.states, event=ev, ints=2))

    def _apply(self, rec: Record, items: list, state: dict, state2: dict, events_out: list):
        bit_names = [b[0] for b in STATE_BITS]
        tokens = {}
        for _, item in items:
            kind = item[0]
            if kind == "bit":
                _, name, on = item
                if name in state and state[name] != on:
                    state[name] = on
                    tokens[name] = ("bit", name, on)
                elif name in state2 and state2[name] != on:
                    state2[name] = on
                    tokens[name] = ("bit2", name, on)
            elif kind == "val":
                _, name, value = item
                if state[name] != value:
                    state[name] = value
                    tokens[name] = ("val", name, value)
            elif kind == "val2":
                _, name, value = item
                if state2[name] != value:
                    state2[name] = value
                    tokens[name] = ("val2", name, value)
            elif kind == "reason":
                rec.wake_reason = item[1]
            elif kind == "wtag":
                rec.wake_tag = (item[1], item[2])
            elif kind == "event":
                ev = item[1:]
                if rec.event is None:
                    rec.event = ev
                else:
                    events_out.append(ev)
        order = bit_names + [v[0] for v in self.state_values] + [s[0] for s in self.state2]
        rec.tokens = [tokens[n] for n in order if n in tokens]
        if rec.wake_tag and not any(t[1] == "wake_lock" and t[2] for t in rec.tokens):
            rec.wake_tag = None  # the tag prints only with the bit turning on
        rec.states = self._word(state)

    def _word(self, state: dict) -> int:
        word = 0
        for name, bit, _ in STATE_BITS:
            if state[name]:
                word |= 1 << bit
        for name, shift, mask, _, names, _ in self.state_values:
            value = state[name]
            idx = names.index(value) if isinstance(value, str) else value
            word |= (idx & mask) << shift
        return word

    def _details(self, t1: int, t2: int, level: int) -> tuple:
        """Step details for a level step: CPU split and /proc/stat over the step."""
        w = self.w
        awake = tl.overlap(w.running_iv, [(t1, t2)])
        screen = tl.overlap(w.screen_iv, [(t1, t2)])
        busy = int(screen * 0.31 + (awake - screen) * 0.12)  # ms of CPU actually used
        user = busy * 55 // 100
        sys_ = busy * 30 // 100
        top = w.top_at(t2 - 1)
        per_uid = []
        if top:
            uid = w.apps_uid(top)
            per_uid.append((uid, int(user * 0.62), int(sys_ * 0.41)))
        per_uid.append((1000, int(user * 0.12), int(sys_ * 0.2)))
        span = t2 - t1
        # /proc/stat jiffies (10 ms): busy split, the rest of the awake time idle.
        stat = (user // 10, sys_ // 10, busy // 400, busy // 110, busy // 260,
                max(0, awake - busy) // 10)
        return user, sys_, per_uid, stat, span

    # -- printing --------------------------------------------------------------------------

    def human(self, verbose: bool) -> list[str]:
        w = self.w
        out = [self._header()]
        for r in self.records:
            if self.sdk >= 36:
                # History format v2 (16): the record's wall-clock time, `MM-dd HH:mm:ss.SSS`
                # in the device zone (HistoryLogTimeFormatter), instead of `+time (n)`.
                local = w.clock.local(r.t)
                prefix = (f"  {local.strftime('%m-%d %H:%M:%S')}."
                          f"{local.microsecond // 1000:03d} ")
            else:
                prefix = f"  {fmt.duration_padded(r.t - w.t0)} ({r.ints}) "
            if r.command:
                out.append(f"{prefix}{r.command}: {w.clock.history(r.t)}")
                continue
            parts = [f"{prefix}{r.level:03d}"]
            if verbose:
                parts.append(f" {r.states:08x}")
            for name, value in r.battery:
                parts.append(f" {name}={value}")
            for tok in r.tokens:
                parts.append(self._human_token(tok, r))
            if r.wake_reason:
                parts.append(f' wake_reason=0:"{r.wake_reason}"')
            if r.event:
                sign, name, uid, text = r.event
                parts.append(f' {sign}{name}={fmt.uid(uid)}:"{text}"')
            out.append("".join(parts))
            if r.details:
                user, sys_, per_uid, stat, span = r.details
                uids = ", ".join(f"{fmt.uid(u)}={a}u+{b}s" for u, a, b in per_uid)
                out.append(f"                 Details: cpu={user}u+{sys_}s ({uids})")
                busy = sum(stat[:5])
                out.append(
                    f"                          /proc/stat={stat[0]} usr, {stat[1]} sys, "
                    f"{stat[2]} io, {stat[3]} irq, {stat[4]} sirq, {stat[5]} idle "
                    f"({100 * busy / max(1, busy + stat[5]):.1f}% of {fmt.time_ms(span).strip()}),"
                    " SubsystemPowerState Empty")
        return out

    def _human_token(self, tok: tuple, r: Record) -> str:
        kind, name, value = tok
        if kind in ("bit", "bit2"):
            if name == "wake_lock" and value and r.wake_tag:
                uid, tag = r.wake_tag
                return f' +wake_lock={fmt.uid(uid)}:"{tag}"'
            return f" {'+' if value else '-'}{name}"
        if kind == "val":
            spec = next(v for v in self.state_values if v[0] == name)
            text = spec[4][value] if isinstance(value, int) else value
            return f" {name}={text}"
        return f" {name}={value}"

    def _header(self) -> str:
        n = len(self.records)
        used = n * 11 + 2048
        strings = len({(u, s) for u, s in self._pool_order()})
        pool_bytes = sum(len(s) * 2 + 12 for _, s in self._pool_order())
        # 16 names the printer's format version: `Battery History [Format: 2] (…)`.
        version = " [Format: 2]" if self.sdk >= 36 else ""
        return (f"Battery History{version} ({used * 100 // (4096 * 1024)}% used, "
                f"{used // 1024}KB used of 4096KB, {strings} strings using "
                f"{pool_bytes // 1024}KB):")

    def _pool_order(self) -> list[tuple[int, str]]:
        """History tag pool in first-use order: wakelock tags, wake reasons, event strings."""
        seen: dict[tuple[int, str], int] = {}
        for r in self.records:
            if r.wake_tag:
                seen.setdefault(r.wake_tag, len(seen))
            if r.wake_reason:
                seen.setdefault((0, r.wake_reason), len(seen))
            if r.event:
                _, _, uid, text = r.event
                seen.setdefault((uid, text), len(seen))
        return list(seen)

    def checkin(self) -> list[str]:
        w = self.w
        pool = self._pool_order()
        index = {key: i for i, key in enumerate(pool)}
        out = [f'9,hsp,{i},{uid},"{text}"' for i, (uid, text) in enumerate(pool)]
        prev_t = w.t0
        prev_level = None
        for r in self.records:
            delta = r.t - prev_t
            prev_t = r.t
            if r.command:
                out.append(f"9,h,{delta}:{r.command}:{w.clock.epoch_ms(r.t)}")
                continue
            items = []
            if r.level != prev_level:
                items.append(f"Bl={r.level}")
                prev_level = r.level
            for name, value in r.battery:
                code = BATTERY_CODES[name]
                items.append(f"{code}={BATTERY_SHORT.get(value, value)}")
            for kind, name, value in r.tokens:
                items.append(self._checkin_token(kind, name, value, r, index))
            if r.wake_reason:
                items.append(f"wr={index[(0, r.wake_reason)]}")
            if r.event:
                sign, name, uid, text = r.event
                items.append(f"{sign}{EVENT_CODES[name]}={index[(uid, text)]}")
            out.append("9,h," + ",".join([str(delta), *items]))
            if r.details:
                user, sys_, per_uid, stat, _ = r.details
                uids = "".join(f"/{u}:{a}:{b}" for u, a, b in per_uid)
                out.append(f"9,h,0,Dcpu={user}:{sys_}{uids}")
                out.append("9,h,0,Dpst=" + ",".join(str(x) for x in stat)
                           + ",SubsystemPowerState Empty")
        return out

    def _checkin_token(self, kind: str, name: str, value, r: Record, index: dict) -> str:
        if kind == "bit":
            code = next(c for n, _, c in STATE_BITS if n == name)
            if name == "wake_lock" and value and r.wake_tag:
                return f"+w={index[r.wake_tag]}"
            return f"{'+' if value else '-'}{code}"
        if kind == "bit2":
            code = next(c for n, c in self.state2 if n == name)
            return f"{'+' if value else '-'}{code}"
        if kind == "val":
            spec = next(v for v in self.state_values if v[0] == name)
            text = spec[5][value] if isinstance(value, int) else spec[5][spec[4].index(value)]
            return f"{spec[3]}={text}"
        code = next(c for n, c in self.state2 if n == name)
        if name == "nr_state":
            return f"{code}={NR_STATES.index(value)}"
        return f"{code}={value}"
