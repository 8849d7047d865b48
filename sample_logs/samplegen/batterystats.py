"""`dumpsys batterystats` (human form) and `dumpsys batterystats -c` (checkin) for the
simulated day. Shapes: formats.md §4.2–4.5 and the real captures described in §7.4–7.5
(legacy history printer, BatteryUsageStats power block, trailing spaces after formatTimeMs).

Android 14 (checkin v36, parcel 212) is the base. 12: checkin v35 / parcel 200, `jbc` with 11
reasons, 22 data-connection bins, 5 user-activity counts, BatteryStatsHelper `pwi` lines
(the human form already uses BatteryUsageStats `UID …` lines, §4.4 "12 mixes the two"), no
POWER SUMMARY wrappers (13+) and no CPU wakeup stats (14+). 16: history format v2 (history.py),
`jbc` with 15 reasons, 15's parcel version 215."""

from __future__ import annotations

import itertools

from . import fmt
from . import timeline as tl
from .aggregates import GPS_HANDLE, PROC_STATES, Aggregates, UidStats
from .history import History
from .world import APPS, CAPACITY_MAH, LEARNED_MAH, World

SERVICES = {  # Apk service lines: package → [(class, starts, launches)]
    "com.example.streamtv": [("com.example.streamtv.sync.CatalogRefreshJobService", 0, 2),
                             ("com.example.streamtv.player.PlaybackService", 4, 4)],
    "com.example.mail": [("androidx.work.impl.background.systemjob.SystemJobService", 0, 0),
                         ("com.example.mail.sync.CalendarSyncAdapterService", 0, 0)],
    "com.example.chatsync": [("com.example.chatsync.net.ConnectionService", 45, 45)],
    "com.example.smarthome": [("com.example.smarthome.bridge.BridgeService", 10, 10)],
    "com.example.cloudnotes": [("com.example.cloudnotes.sync.NotesSyncJobService", 0, 0)],
    "com.example.contactsplus": [("com.example.contactsplus.sync.ContactsSyncService", 0, 0)],
    "com.example.fileshare": [("com.example.fileshare.sync.FolderSyncService", 3, 3)],
    "com.example.geonotes": [("com.example.geonotes.location.GeofenceService", 0, 0)],
}


def _bytes(n: int) -> str:
    if n < 1024:
        return f"{n}B"
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.2f}{unit}"
    return f"{n}B"


class BatteryStats:
    def __init__(self, world: World, history: History, agg: Aggregates) -> None:
        self.w = world
        self.r = world.r
        self.sdk = world.r.sdk
        self.h = history
        self.a = agg
        self.jbc_reasons = world.r.jbc_reasons  # JobParameters.JOB_STOP_REASON_CODES order
        self.service_launches = self._service_launches()

    def _service_launches(self) -> dict:
        """Job/sync services are launched once per run (counts follow the simulation)."""
        runs = {}
        for run in self.w.jobs:
            runs[run.name] = runs.get(run.name, 0) + 1
        out = {}
        for pkg, services in SERVICES.items():
            rows = []
            for cls, starts, launches in services:
                if cls.endswith("NotesSyncJobService"):
                    launches = runs.get("com.example.cloudnotes/.sync.NotesSyncJobService", 0)
                elif cls.endswith("ContactsSyncService"):
                    launches = sum(1 for s in self.w.syncs if s.uid == APPS[pkg].uid)
                elif cls.endswith("SystemJobService") and pkg == "com.example.mail":
                    launches = sum(1 for j in self.w.jobs
                                   if j.job_id == 12 and j.uid == APPS[pkg].uid)
                elif cls.endswith("CalendarSyncAdapterService"):
                    launches = sum(1 for s in self.w.syncs if s.uid == APPS[pkg].uid)
                rows.append((cls, starts, launches))
            out[pkg] = rows
        return out

    # ===================================================================== human form ====

    def human(self, verbose: bool) -> str:
        lines = self.h.human(verbose)
        lines.append("")
        lines += self._per_pid()
        lines.append("")
        lines += self._discharge_steps()
        lines.append("")
        lines += self._daily()
        lines.append("")
        lines += self._since_charge()
        lines.append("")
        lines += self._trailer()
        return "\n".join(lines) + "\n"

    def _per_pid(self) -> list[str]:
        out = ["Per-PID Stats:"]
        for pid, ms in ((1538, 412_118), (2210, 88_407), (4477, 61_230), (1538, 2_903),
                        (6120, 19_876), (7781, 5_412)):
            out.append(f"  PID {pid} wake time: {fmt.duration(ms)}")
        return out

    def _steps(self) -> list[tuple[int, int, str]]:
        w = self.w
        out = []
        prev = w.t0
        for t, level in w.level_steps:
            screen = tl.overlap(w.screen_iv, [(prev, t)])
            mode = "screen-on, " if screen > (t - prev) / 2 else "screen-off, "
            idle = "device-idle-on" if w.deep_idle(t) else "device-idle-off"
            out.append((t - prev, level, f"{mode}power-save-off, {idle}"))
            prev = t
        return out

    def _discharge_steps(self) -> list[str]:
        out = ["Discharge step durations:"]
        steps = self._steps()
        for i, (length, level, mode) in enumerate(reversed(steps)):
            out.append(f"  #{i}: {fmt.duration(length)} to {level} ({mode})")
        avg = sum(s[0] for s in steps) // len(steps)
        off = [s[0] for s in steps if s[2].startswith("screen-off")]
        remaining = avg * self.w.level_at(self.w.end)
        out.append(f"  Estimated discharge time remaining: {fmt.duration(remaining)}")
        out.append(f"  Estimated screen off time: {fmt.time_ms(sum(off) // len(off) * 100)}")
        return out

    def _daily(self) -> list[str]:
        c = self.w.clock
        w = self.w
        start = c.elapsed(c.local(w.t0).replace(hour=3, minute=11, second=40, microsecond=0))
        day2 = start + 86_400_000
        out = ["Daily stats:",
               f"  Current start time: {c.history(day2)}",
               f"  Next min deadline: {c.history(day2 + 79_700_000)}",
               f"  Next max deadline: {c.history(day2 + 86_900_000)}",
               "  Current daily discharge step durations:"]
        steps = [s for s in self._steps()]
        t = w.t0
        mine = []
        for length, level, mode in steps:
            t += length
            if t >= day2:
                mine.append((length, level, mode))
        for i, (length, level, mode) in enumerate(reversed(mine)):
            out.append(f"    #{i}: {fmt.duration(length)} to {level} ({mode})")
        out.append(f"  Daily from {c.history(start)} to {c.history(day2)}:")
        out.append("    Discharge step durations:")
        early = steps[: len(steps) - len(mine)]
        for i, (length, level, mode) in enumerate(reversed(early)):
            out.append(f"      #{i}: {fmt.duration(length)} to {level} ({mode})")
        total = sum(s[0] for s in early)
        out.append(f"        Discharge total time: {fmt.time_ms(total * 100 // len(early))} "
                   f"(from {len(early)} steps)")
        on = [s[0] for s in early if s[2].startswith("screen-on")]
        off = [s[0] for s in early if s[2].startswith("screen-off")]
        out.append(f"        Discharge screen off time: {fmt.time_ms(sum(off) * 100 // len(off))} "
                   f"(from {len(off)} steps)")
        out.append(f"        Discharge screen on time: {fmt.time_ms(sum(on) * 100 // len(on))} "
                   f"(from {len(on)} steps)")
        out.append("    Package changes:")
        out.append("      Update com.example.shoppingdeals vers=40412")
        out.append("      Update com.example.chatsync vers=3150207")
        return out

    def _since_charge(self) -> list[str]:
        w, a = self.w, self.a
        period = w.period
        rt = fmt.time_ms
        up = a.running
        out = [
            "Statistics since last charge:",
            "  System starts: 0, currently on battery: true",
            f"  Estimated battery capacity: {CAPACITY_MAH} mAh",
            f"  Last learned battery capacity: {LEARNED_MAH} mAh",
            f"  Min learned battery capacity: {LEARNED_MAH} mAh",
            f"  Max learned battery capacity: {LEARNED_MAH} mAh",
            f"  Time on battery: {rt(period)}(100.0%) realtime, {rt(up)}({fmt.pct(up, period)}) "
            "uptime",
            f"  Time on battery screen off: {rt(a.screen_off)}({fmt.pct(a.screen_off, period)}) "
            f"realtime, {rt(a.screen_off_uptime)}({fmt.pct(a.screen_off_uptime, period)}) uptime",
            "  Time on battery screen doze: 0ms (0.0%)",
            f"  Total run time: {rt(period)}realtime, {rt(up)}uptime",
            f"  Battery time remaining: {rt(self._remaining())}",
            f"  Discharge: {fmt.charge(w.discharge_mah)} mAh",
            f"  Screen off discharge: {fmt.charge(w.screen_off_mah)} mAh",
            "  Screen doze discharge: 0 mAh",
            f"  Screen on discharge: {fmt.charge(w.discharge_mah - w.screen_off_mah)} mAh",
            f"  Device light doze discharge: {fmt.charge(self._doze_mah('light'))} mAh",
            f"  Device deep doze discharge: {fmt.charge(self._doze_mah('full'))} mAh",
            f"  Start clock time: {w.clock.history(w.t0)}",
            f"  Screen on: {rt(a.screen_on)}({fmt.pct(a.screen_on, period)}) {a.screen_count}x, "
            f"Interactive: {rt(a.screen_on - 1_204)}({fmt.pct(a.screen_on - 1_204, period)})",
            "  Screen brightnesses:",
        ]
        names = ["dark", "dim", "medium", "light", "bright"]
        for i, ms in enumerate(a.brightness):
            if ms:
                out.append(f"    {names[i]} {rt(ms)}({fmt.pct(ms, a.screen_on)})")
        out += [
            f"  Device light idling: {rt(a.light_idle)}({fmt.pct(a.light_idle, period)}) "
            f"{a.light_n}x",
            f"  Idle mode light time: {rt(a.light_idle)}({fmt.pct(a.light_idle, period)}) "
            f"{a.light_n}x -- longest {rt(a.longest_light)}",
            f"  Device full idling: {rt(a.deep_idle_mode)}({fmt.pct(a.deep_idle_mode, period)}) "
            "1x",
            f"  Idle mode full time: {rt(a.deep_idling)}({fmt.pct(a.deep_idling, period)}) "
            f"{a.deep_idling_n}x -- longest {rt(a.longest_deep)}",
            f"  Connectivity changes: {len(w.data_conn) - 1}",
            f"  Total partial wakelock time: {rt(a.partial_total)}",
            "",
        ]
        out += self._connectivity()
        out += [
            "",
            "  Bluetooth total received: 0B, sent: 0B",
            "  Bluetooth scan time: 0ms ",
            f"     Bluetooth Idle time:   {rt(period - 2_611)}({fmt.pct(period - 2_611, period)})",
            f"     Bluetooth Rx time:     1s 412ms ({fmt.pct(1_412, period)})",
            f"     Bluetooth Tx time:     1s 199ms ({fmt.pct(1_199, period)})",
            "     Bluetooth Battery drain: 0.0231mAh",
            "",
            "  Device battery use since last full charge",
            f"    Amount discharged (lower bound): {100 - w.level_at(w.end) - 1}",
            f"    Amount discharged (upper bound): {100 - w.level_at(w.end)}",
            f"    Amount discharged while screen on: {self._discharged_screen(True)}",
            f"    Amount discharged while screen off: {self._discharged_screen(False)}",
            "    Amount discharged while screen doze: 0",
            "",
        ]
        out += self._power()
        out.append("")
        out += self._mobile_per_packet()
        out.append("")
        out.append("  All kernel wake locks:")
        for name, ms, count in a.kernel_wakelocks:
            out.append(f"  Kernel Wake lock {name}: {rt(ms)}({count} times) realtime")
        out.append("")
        out.append("  All partial wake locks:")
        rows = []
        for uid, st in a.uids.items():
            for tag, wl in st.wakelocks.items():
                rows.append((wl.pooled, uid, tag, wl))
        rows.sort(key=lambda r: (-r[0], r[1], r[2]))
        for pooled, uid, tag, wl in rows:
            if pooled == 0:
                continue
            out.append(f"  Wake lock {fmt.uid(uid)} {tag}: {rt(pooled)}({wl.count} times) "
                       f"max={wl.max} actual={wl.actual} realtime")
        out.append("")
        out.append("  All wakeup reasons:")
        for reason, (ms, count) in sorted(a.wakeup_reasons.items(), key=lambda r: -r[1][1]):
            out.append(f"  Wakeup reason {reason}: {rt(ms)}({count} times) realtime")
        out.append("")
        out.append("  CPU scaling:  policy0: " + " ".join(str(f) for f in CPU_FREQS[:12])
                   + " policy4: " + " ".join(str(f) for f in CPU_FREQS[12:22])
                   + " policy7: " + " ".join(str(f) for f in CPU_FREQS[22:]))
        out.append("")
        for uid in sorted(a.uids):
            out += self._uid_block(a.uids[uid])
        return out

    def _remaining(self) -> int:
        steps = self._steps()[-12:]
        return sum(s[0] for s in steps) // len(steps) * self.w.level_at(self.w.end)

    def _doze_mah(self, mode: str) -> float:
        w = self.w
        ivs = []
        edges = [*w.idle, (w.end, "off")]
        for (t1, m), (t2, _) in itertools.pairwise(edges):
            if m == mode:
                ivs.append((t1, t2))
        return sum((min(b, e) - max(a, s)) * ma for a, b, ma in w.segments for s, e in ivs
                   if min(b, e) > max(a, s)) / 3_600_000

    def _discharged_screen(self, on: bool) -> int:
        w = self.w
        n = 0
        for t, _ in w.level_steps:
            if w.screen_on(t) == on:
                n += 1
        return n

    def _connectivity(self) -> list[str]:
        w, a = self.w, self.a
        period = w.period
        rt = fmt.time_ms
        radio = tl.total(w.radio_iv)
        rx = sum(st.rx_bytes for st in a.uids.values())
        tx = sum(st.tx_bytes for st in a.uids.values())
        rxp = sum(st.rx_packets for st in a.uids.values())
        txp = sum(st.tx_packets for st in a.uids.values())
        sig_names = {2: "moderate (-118dBm to -108dBm)", 3: "good (-108dBm to -98dBm)",
                     4: "great (greater than -98dBm)"}
        out = [
            "  CONNECTIVITY POWER SUMMARY START",
            f"  Logging duration for connectivity statistics: {rt(period)}",
            "  Cellular Statistics:",
            f"     Cellular kernel active time: {rt(radio)}({fmt.pct(radio, period)})",
            f"     Cellular Sleep time:  {rt(period - radio)}({fmt.pct(period - radio, period)})",
            f"     Cellular Idle time:   {rt(radio // 7)}({fmt.pct(radio // 7, period)})",
            f"     Cellular Rx time:     {rt(radio * 5 // 7)}({fmt.pct(radio * 5 // 7, period)})",
            "     Cellular Tx time:     ",
            f"       less than 0dBm:  {rt(radio // 90)}({fmt.pct(radio // 90, period)})",
            f"       0dBm to 8dBm:  {rt(radio // 40)}({fmt.pct(radio // 40, period)})",
            f"       8dBm to 15dBm:  {rt(radio // 33)}({fmt.pct(radio // 33, period)})",
            f"       15dBm to 20dBm:  {rt(radio // 71)}({fmt.pct(radio // 71, period)})",
            f"       above 20dBm:  {rt(radio // 260)}({fmt.pct(radio // 260, period)})",
            f"     Cellular data received: {_bytes(rx)}",
            f"     Cellular data sent: {_bytes(tx)}",
            f"     Cellular packets received: {rxp}",
            f"     Cellular packets sent: {txp}",
            "     Cellular Radio Access Technology:",
        ]
        for name in self.r.data_conn:
            ms = a.data_conn_time.get(name, 0)
            if ms:
                out.append(f"       {name} {rt(ms)}({fmt.pct(ms, period)}) ")
        out.append("     Cellular Rx signal strength (RSRP):")
        for level in sorted(a.signal_time):
            ms = a.signal_time[level]
            out.append(f"       {sig_names[level]}:  {rt(ms)}({fmt.pct(ms, period)}) ")
        out += [
            "  Wifi Statistics:",
            "     Wifi kernel active time: 0ms (0.0%)",
            "     WiFi Scan time:  0ms (0.0%)",
            f"     WiFi Sleep time:  {rt(period)}(100.0%)",
            "     WiFi Idle time:   0ms (0.0%)",
            "     WiFi Rx time:     0ms (0.0%)",
            "     WiFi Tx time:     0ms (0.0%)",
            "     Wifi data received: 0B",
            "     Wifi data sent: 0B",
            "     Wifi packets received: 0",
            "     Wifi packets sent: 0",
            "     Wifi states: (no activity)",
            "     Wifi supplicant states: (no activity)",
            "     Wifi Rx signal strength (RSSI): (no activity)",
            "  GPS Statistics:",
            "     GPS signal quality (Top 4 Average CN0):",
            f"      poor (less than 20 dBHz): {rt(41_022)}({fmt.pct(41_022, period)}) ",
            f"      good (greater than 20 dBHz): {rt(tl.total(w.gps_iv) - 41_022)}"
            f"({fmt.pct(tl.total(w.gps_iv) - 41_022, period)}) ",
            "  CONNECTIVITY POWER SUMMARY END",
        ]
        if self.sdk <= 32:  # the START/END wrappers are 13+ (formats.md §4.2)
            out = [x for x in out if "POWER SUMMARY" not in x]
        return out

    def _power(self) -> list[str]:
        w, a = self.w, self.a
        comp = a.global_power
        computed = sum(v[0] for v in comp.values())
        low = (100 - w.level_at(w.end) - 1) * LEARNED_MAH / 100
        high = (100 - w.level_at(w.end)) * LEARNED_MAH / 100
        out = ["  Estimated power use (mAh):",
               f"    Capacity: {LEARNED_MAH}, Computed drain: {fmt.charge(computed)}, "
               f"actual drain: {fmt.charge(low)}-{fmt.charge(high)}",
               "    Global"]
        for name, (dev, apps, dur) in comp.items():
            line = f"      {name}: {fmt.charge(dev)} apps: {fmt.charge(apps)}"
            if dur:
                line += f" duration: {fmt.time_ms(dur)}"
            out.append(line)
        for st in sorted(a.uids.values(), key=lambda s: -s.power_total):
            if st.power_total < 0.001:
                continue
            # Process-state parts (fg/bg/fgs/cached) are 14+ (formats.md §4.2.2).
            states = "".join(f" {k}: {fmt.charge(v)}" for k, v in st.power_states.items()
                             if v and self.sdk >= 34)
            parts = []
            for name, mah in st.power.items():
                dur = self._component_duration(st, name)
                parts.append(f"{name}={fmt.charge(mah)}" + (f" ({dur.strip()})" if dur else ""))
            out.append(f"    UID {fmt.uid(st.uid)}: {fmt.charge(st.power_total)}{states} "
                       f"( {' '.join(parts)} ) ")
        return out

    def _component_duration(self, st: UidStats, name: str) -> str:
        a = self.a
        if name == "screen":
            return fmt.time_ms(tl.total(a.top_iv(st.uid)))
        if name == "cpu":
            return fmt.time_ms(st.cpu_user + st.cpu_sys)
        if name == "mobile_radio":
            return fmt.time_ms(st.radio_ms)
        if name == "gnss" and st.gps:
            return fmt.time_ms(st.gps.total)
        if name in ("audio", "video") and st.audio:
            return fmt.time_ms(st.audio.total)
        if name == "wakelock":
            return fmt.time_ms(sum(x.actual for x in st.wakelocks.values()))
        return ""

    def _mobile_per_packet(self) -> list[str]:
        a = self.a
        out = ["  Per-app mobile ms per packet:"]
        rows = []
        for st in a.uids.values():
            packets = st.rx_packets + st.tx_packets
            if packets:
                rows.append((st.radio_ms / packets, st))
        for mspp, st in sorted(rows, key=lambda r: -r[0]):
            out.append(f"    Uid {fmt.uid(st.uid)}: {fmt.charge(mspp)} "
                       f"({st.rx_packets + st.tx_packets} packets over "
                       f"{fmt.time_ms(st.radio_ms).strip()}) {st.radio_count}x")
        total = sum(st.radio_ms for st in a.uids.values())
        out.append(f"    TOTAL TIME: {fmt.time_ms(total)}({fmt.pct(total, self.w.period)})")
        return out

    def _uid_block(self, st: UidStats) -> list[str]:
        w = self.w
        rt = fmt.time_ms
        out = [f"  {fmt.uid(st.uid)}:"]
        if st.rx_bytes:
            out.append(f"    Mobile network: {_bytes(st.rx_bytes)} received, "
                       f"{_bytes(st.tx_bytes)} sent (packets {st.rx_packets} received, "
                       f"{st.tx_packets} sent)")
            mspp = st.radio_ms / max(1, st.rx_packets + st.tx_packets)
            out.append(f"    Mobile radio active: {rt(st.radio_ms)}"
                       f"({fmt.pct(st.radio_ms, w.period)}) {st.radio_count}x @ "
                       f"{fmt.charge(mspp)} mspp")
            out.append(f"    Mobile radio AP wakeups: {max(0, st.radio_count // 9)}")
        if any(st.user_activity):
            o, b, t = st.user_activity
            out.append(f"    User activity: {o} other, {b} button, {t} touch")
        for tag, wl in sorted(st.wakelocks.items(), key=lambda x: -x[1].pooled):
            seg = (f"    Wake lock {tag}: {rt(wl.pooled)}partial ({wl.count} times) "
                   f"max={wl.max} actual={wl.actual}")
            if wl.bg_count:
                seg += (f", {rt(wl.bg_actual)}background partial ({wl.bg_count} times) "
                        f"max={wl.bg_max}")
            out.append(seg + " realtime")
        if st.uid == 10041:
            out.append("    Wake lock Doze realtime")
        if len(st.wakelocks) > 1:
            blamed = sum(x.pooled for x in st.wakelocks.values())
            line = (f"    TOTAL wake: {rt(blamed)}blamed partial, {rt(st.awl_total)}"
                    "actual partial")
            if st.awl_bg:
                line += f", {rt(st.awl_bg)}actual background partial"
            out.append(line + " realtime")
        for name, tm in st.syncs.items():
            out.append(f"    Sync {name}: {rt(tm.total)}realtime ({tm.count} times), "
                       f"{rt(tm.bg)}background ({tm.bg_count} times)")
        for name, tm in st.jobs.items():
            line = f"    Job {name}: {rt(tm.total)}realtime ({tm.count} times)"
            if tm.bg_count:
                line += f", {rt(tm.bg)}background ({tm.bg_count} times)"
            out.append(line)
        if st.uid == APPS["com.example.photobackup"].uid:
            name = self.r.battery_name(
                "com.example.photobackup/androidx.work.impl.background.systemjob."
                "SystemJobService", self.r.wm_namespace)
            out.append(f"    Job {name}: (not used)")
        for name, counts in st.completions.items():
            parts = " ".join(f"{r}({counts[r]}x)" for r in self.jbc_reasons if counts.get(r))
            out.append(f"    Job Completions {name}: {parts}")
        if st.audio:
            out.append(f"    Audio: {rt(st.audio.total)}realtime ({st.audio.count} times)")
            out.append(f"    Video: {rt(st.video.total)}realtime ({st.video.count} times)")
        if st.gps:
            out.append(f"    Sensor GPS: {rt(st.gps.total)}realtime ({st.gps.count} times), "
                       f"{rt(st.gps.bg)}background ({st.gps.bg_count} times)")
        if st.fg_activities:
            out.append(f"    Foreground activities: {rt(st.fg_activities.total)}realtime "
                       f"({st.fg_activities.count} times)")
        if st.fgs:
            out.append(f"    Foreground services: {rt(st.fgs.total)}realtime "
                       f"({st.fgs.count} times)")
        names = ["Top", "Fg Service", "Foreground", "Background", "Top Sleeping",
                 "Heavy Weight", "Cached"]
        assert tuple(names) == PROC_STATES
        for name, ms in zip(names, st.states, strict=True):
            if ms:
                out.append(f"    {name} for: {rt(ms)}")
        if any(st.states):
            out.append(f"    Total running: {rt(sum(st.states))}")
        if st.cpu_user or st.cpu_sys:
            out.append(f"    Total cpu time: u={rt(st.cpu_user)}s={rt(st.cpu_sys)}")
        for proc in self._procs(st):
            name, user, sys_, fg, starts, _anrs, crashes = proc
            out.append(f"    Proc {name}:")
            out.append(f"      CPU: {rt(user)}usr + {rt(sys_)}krn ; {rt(fg)}fg")
            extra = []
            if starts:
                extra.append(f"{starts} starts")
            if crashes:
                extra.append(f"{crashes} crashes")
            if extra:
                out.append("      " + ", ".join(extra))
        for pkg in st.packages:
            wua = {t: n for t, n in st.wakeup_alarms.items()} if pkg == st.packages[0] else {}
            services = self.service_launches.get(pkg, [])
            if not wua and not services:
                continue
            out.append(f"    Apk {pkg}:")
            for tag, n in wua.items():
                out.append(f"      Wakeup alarm {tag}: {n} times")
            for cls, starts, launches in services:
                out.append(f"      Service {cls}:")
                created = 0 if not starts else 61_000 * starts
                out.append(f"        Created for: {rt(created)}uptime")
                out.append(f"        Starts: {starts}, launches: {launches}")
        return out

    def _procs(self, st: UidStats) -> list[tuple]:
        if not (st.cpu_user or st.cpu_sys):
            return []
        name = st.packages[0] if st.packages else "system"
        if st.uid == 1000:
            name = "system_server"
        elif st.uid == 1041:
            name = "audioserver"
        elif st.uid == 1001:
            name = "com.android.phone"
        starts = 0 if st.uid < 10000 or st.uid in (10041, 10052) else 1 + len(st.jobs)
        fg = st.states[0]
        return [(name, st.cpu_user, st.cpu_sys, fg, starts, 0, 0)]

    def _trailer(self) -> list[str]:
        if self.sdk <= 32:
            return TRAILER_12
        now = self.w.end
        out = ["Per process state tracking available: true",
               "Total cpu time reads: 412",
               "Batching Duration (min): 128",
               "All UID cpu time reads since the later of device start or stats reset: 186",
               "UIDs removed since the later of device start or stats reset: 0",
               "Currently mapped isolated uids:",
               "  99000->10142 (ref count = 1)",
               "",
               "BatteryStats constants:",
               "    track_cpu_active_cluster_time=true",
               "    kernel_uid_readers_throttle_time=1000",
               "    external_stats_collection_rate_limit_ms=600000",
               "    battery_level_collection_delay_ms=300000",
               "    procstate_change_collection_delay_ms=60000",
               "    max_history_files=32",
               "    max_history_buffer_kb=128",
               "    battery_charged_delay_ms=900000",
               "    battery_charging_enforce_level=90",
               "    per_uid_modem_power_model=modem_activity_info_rx_tx",
               "    phone_on_external_stats_collection=true",
               "    reset_while_plugged_in_minimum_duration_hours=47",
               "",
               "",
               "On-battery energy consumer stats (microcoulombs) ",
               "    Not supported on this device.",
               "",
               "CPU wakeup stats:",
               "  Config:",
               "    wakeup_stats_retention_ms=+3d0h0m0s0ms",
               "    wakeup_matching_window_ms=+1s0ms",
               "    waking_activity_retention_ms=+5m0s0ms",
               "  ",
               "  Irq device map:",
               "    Loaded from xml resource: 0x1170009",
               "    Map:",
               "      pm_rtc_alarm: [Alarm]",
               "  ",
               "  Recent waking activity:",
               "    Subsystem Alarm:"]
        alarms = [al for al in self.w.alarms if al.wakeup and al.t > now - 300_000]
        for al in sorted(alarms, key=lambda x: -x.t):
            state = "PER " if al.uid < 10000 else "SVC "
            out.append(f"      {fmt.duration(al.t - now)}: {fmt.uid(al.uid)} [{state}], ")
        out += ["  ",
                "  Wakeup events:",
                "  Attribution stats:",
                "    Total: 0"]
        return out

    # =================================================================== checkin form ====

    def checkin(self) -> str:
        a = self.a
        r = self.r
        out = [f"9,0,i,vers,{r.checkin_version},{r.parcel_version},{r.build_id},{r.build_id}"]
        out += self.h.checkin()
        for app_id, pkg in self._uid_map():
            out.append(f"9,0,i,uid,{app_id},{pkg}")
        for length, level, mode in reversed(self._steps()):
            screen = "s-" if mode.startswith("screen-off") else "s+"
            idle = "i+" if "idle-on" in mode else "i-"
            out.append(f"9,0,i,dsd,{length},{level},{screen},p-,{idle}")
        out.append(f"9,0,i,dtr,{self._remaining() * 1000}")
        out += self._checkin_device()
        for uid in sorted(a.uids):
            out += self._checkin_uid(a.uids[uid])
        return "\n".join(out) + "\n"

    def _uid_map(self) -> list[tuple[int, str]]:
        rows = []
        for uid in sorted(self.a.uids):
            for pkg in self.a.uids[uid].packages:
                if pkg != "audioserver":
                    rows.append((uid % 100_000, pkg))
        return rows

    def _checkin_device(self) -> list[str]:
        w, a = self.w, self.a
        period = w.period
        radio = tl.total(w.radio_iv)
        rx = sum(st.rx_bytes for st in a.uids.values())
        tx = sum(st.tx_bytes for st in a.uids.values())
        rxp = sum(st.rx_packets for st in a.uids.values())
        txp = sum(st.tx_packets for st in a.uids.values())
        rxd, rxn = a.wakeup_reasons, None
        del rxn
        out = [
            f"9,0,l,bt,0,{period},{a.running},{period},{a.running},{w.clock.epoch_ms(w.t0)},"
            f"{a.screen_off},{a.screen_off_uptime},{CAPACITY_MAH},{LEARNED_MAH * 1000},"
            f"{LEARNED_MAH * 1000},0",
            f"9,0,l,gn,{rx},{tx},0,0,{rxp},{txp},0,0,0,0",
            f"9,0,l,gmcd,{period - radio},{radio * 5 // 7},"
            f"{radio * 165 * w.current_scale / 3.6e6:.4f},0.0,{radio // 90},{radio // 40},"
            f"{radio // 33},{radio // 71},{radio // 260}",
            "9,0,l,gwfl,0,0,0,0,0",
            "9,0,l,gwfcd,0,0,0.0,0.0,0",
            "9,0,l,m," + ",".join(str(x) for x in (
                a.screen_on, 0, 0, a.partial_total, radio, radio, a.screen_on - 1_204, 0,
                len(w.data_conn) - 1, a.deep_idle_mode, 1, a.deep_idling, a.deep_idling_n,
                len(w.radio_iv), 0, a.light_idle, a.light_n, a.light_idle, a.light_n,
                a.longest_light, a.longest_deep)),
            "9,0,l,br," + ",".join(str(x) for x in a.brightness),
            "9,0,l,sgt," + ",".join(str(a.signal_time.get(i, 0)) for i in range(5)),
            "9,0,l,sst,0",
            "9,0,l,sgc," + ",".join(str(sum(1 for _, v in w.signal if v == i))
                                    for i in range(5)),
            "9,0,l,dct," + ",".join(str(a.data_conn_time.get(n, 0)) for n in self.r.data_conn),
            "9,0,l,dcc," + ",".join(str(sum(1 for _, v in w.data_conn if v == n))
                                    for n in self.r.data_conn),
            "9,0,l,wst," + ",".join(["0"] * 8),
            "9,0,l,wsc," + ",".join(["0"] * 8),
            "9,0,l,wsst," + ",".join([str(period)] + ["0"] * 12),
            "9,0,l,wssc," + ",".join(["1"] + ["0"] * 12),
            "9,0,l,wsgt," + ",".join([str(period)] + ["0"] * 4),
            "9,0,l,wsgc," + ",".join(["1"] + ["0"] * 4),
            "9,0,l,wmct,0,0",
            f"9,0,l,dc,{100 - w.level_at(w.end) - 1},{100 - w.level_at(w.end)},"
            f"{self._discharged_screen(True)},{self._discharged_screen(False)},"
            f"{round(w.discharge_mah)},{round(w.screen_off_mah)},0,0,"
            f"{round(self._doze_mah('light'))},{round(self._doze_mah('full'))}",
        ]
        for name, ms, count in a.kernel_wakelocks:
            out.append(f'9,0,l,kwl,"{name}",{ms},{count},-1,-1')
        for reason, (ms, count) in sorted(rxd.items(), key=lambda r: -r[1][1]):
            out.append(f'9,0,l,wr,"{reason}",{ms},{count}')
        computed = sum(v[0] for v in a.global_power.values())
        low = (100 - w.level_at(w.end) - 1) * LEARNED_MAH / 100
        high = (100 - w.level_at(w.end)) * LEARNED_MAH / 100
        out.append(f"9,0,l,pws,{LEARNED_MAH},{fmt.charge(computed)},{fmt.charge(low)},"
                   f"{fmt.charge(high)}")
        if self.sdk <= 32:
            out += self._checkin_sippers()
            out.append("9,0,l,gcf," + ",".join(str(f) for f in CPU_FREQS))
            return out
        labels = {"screen": "scrn", "cpu": "cpu", "bluetooth": "blue", "audio": "audio",
                  "video": "video", "mobile_radio": "cell", "sensors": "sensors",
                  "gnss": "gnss", "wakelock": "???", "idle": "idle"}
        for name, (dev, _apps, _d) in a.global_power.items():
            if name == "wakelock":
                continue
            out.append(f"9,0,l,pwi,{labels[name]},{fmt.charge(dev)},"
                       f"{1 if name in ('idle', 'bluetooth') else 0},0,0")
        for st in sorted(a.uids.values(), key=lambda s: -s.power_total):
            if st.power_total >= 0.001:
                out.append(f"9,{st.uid},l,pwi,uid,{fmt.charge(st.power_total)},"
                           f"{1 if st.uid < 10000 else 0},0,0")
        out.append("9,0,l,gcf," + ",".join(str(f) for f in CPU_FREQS))
        return out

    def _checkin_sippers(self) -> list[str]:
        """≤12 `pwi` lines from BatteryStatsHelper (formats.md §4.4): one list of "sippers"
        sorted by power, device drain types (uid 0) mixed with apps. An app's total leaves
        out the screen, which is its own sipper and smeared back as `screenPowerMah` by
        foreground time; hidden system sippers are smeared as `proportionalSmearMah`."""
        a = self.a
        comp = a.global_power
        screen_dev = comp["screen"][0]
        radio_dev, radio_apps = comp["mobile_radio"][0], comp["mobile_radio"][1]
        rows = [  # (power, uid, label, hide, screen smear, proportional smear)
            (screen_dev, 0, "scrn", 0, 0.0, 0.0),
            (max(0.0, radio_dev - radio_apps), 0, "cell", 0, 0.0, 0.0),
            (comp["idle"][0], 0, "idle", 1, 0.0, 0.0),
            (comp["bluetooth"][0], 0, "blue", 1, 0.0, 0.0),
        ]
        hidden = sum(st.power_total - st.power.get("screen", 0) for st in a.uids.values()
                     if st.uid < 10_000)
        shown = sum(st.power_total - st.power.get("screen", 0) for st in a.uids.values()
                    if st.uid >= 10_000) or 1.0
        for st in a.uids.values():
            own = st.power_total - st.power.get("screen", 0)
            if own < 0.001:
                continue
            system = st.uid < 10_000
            prop = 0.0 if system else hidden * own / shown
            rows.append((own, st.uid, "uid", 1 if system else 0, st.power.get("screen", 0.0),
                         prop))
        rows.sort(key=lambda r: (-r[0], r[1], r[2]))
        return [f"9,{uid},l,pwi,{label},{fmt.charge(mah)},{hide},{fmt.charge(scr)},"
                f"{fmt.charge(prop)}" for mah, uid, label, hide, scr, prop in rows]

    def checkin_uid_power(self) -> dict[int, float]:
        """uid → the mAh its checkin `pwi,uid` line carries (≤12: without the screen)."""
        out = {}
        for st in self.a.uids.values():
            mah = st.power_total - (st.power.get("screen", 0) if self.sdk <= 32 else 0)
            if mah >= 0.001:
                out[st.uid] = float(fmt.charge(mah))
        return out

    def _checkin_uid(self, st: UidStats) -> list[str]:
        p = f"9,{st.uid},l,"
        out = []
        if st.rx_bytes:
            out.append(p + "nt," + ",".join(str(x) for x in (
                st.rx_bytes, st.tx_bytes, 0, 0, st.rx_packets, st.tx_packets, 0, 0,
                st.radio_ms, st.radio_count, 0, 0, max(0, st.radio_count // 9), 0,
                int(st.rx_bytes * 0.4), int(st.tx_bytes * 0.4), 0, 0,
                int(st.rx_packets * 0.4), int(st.tx_packets * 0.4), 0, 0)))
        if any(st.user_activity):
            o, b, t = st.user_activity
            # other, button, touch, accessibility, attention (10+), faceDown, deviceState (14+)
            out.append(p + f"ua,{o},{b},{t},0,0" + (",0,0" if self.sdk >= 34 else ""))
        if st.wakelocks:
            out.append(p + f"awl,{st.awl_total},{st.awl_bg}")
        for tag, wl in sorted(st.wakelocks.items(), key=lambda x: -x[1].pooled):
            name = tag.replace(",", "_")
            out.append(p + f"wl,{name},0,f,0,0,0,0,{wl.pooled},p,{wl.count},0,{wl.max},"
                       f"{wl.actual},{wl.bg_actual},bp,{wl.bg_count},0,{wl.bg_max},"
                       f"{wl.bg_actual},0,w,0,0,0,0")
        for name, tm in st.syncs.items():
            out.append(p + f'sy,"{name}",{tm.total},{tm.count},{tm.bg},{tm.bg_count}')
        for name, tm in st.jobs.items():
            out.append(p + f'jb,"{name}",{tm.total},{tm.count},{tm.bg},{tm.bg_count}')
        for name, counts in st.completions.items():
            values = ",".join(str(counts.get(r, 0)) for r in self.jbc_reasons)
            out.append(p + f'jbc,"{name}",{values}')
        if st.audio:
            out.append(p + f"aud,{st.audio.total},{st.audio.count}")
            out.append(p + f"vid,{st.video.total},{st.video.count}")
        if st.gps:
            g = st.gps
            out.append(p + f"sr,{GPS_HANDLE},{g.total},{g.count},{g.bg_count},{g.total},{g.bg}")
        if st.fg_activities:
            out.append(p + f"fg,{st.fg_activities.total},{st.fg_activities.count}")
        if st.fgs:
            out.append(p + f"fgs,{st.fgs.total},{st.fgs.count}")
        if any(st.states):
            out.append(p + "st," + ",".join(str(x) for x in st.states))
        if st.cpu_user or st.cpu_sys:
            out.append(p + f"cpu,{st.cpu_user},{st.cpu_sys},0")
        for name, user, sys_, fg, starts, anrs, crashes in self._procs(st):
            out.append(p + f'pr,"{name}",{user},{sys_},{fg},{starts},{anrs},{crashes}')
        for pkg in st.packages:
            wua = st.wakeup_alarms if pkg == st.packages[0] else {}
            for tag, n in wua.items():
                out.append(p + f"wua,{tag.replace(',', '_')},{n}")
            total = sum(wua.values())
            for cls, starts, launches in self.service_launches.get(pkg, []):
                created = 0 if not starts else 61_000 * starts
                out.append(p + f"apk,{total},{pkg},{cls},{created},{starts},{launches}")
        return out


CPU_FREQS = [300000, 441600, 556800, 672000, 787200, 902400, 1017600, 1132800, 1248000,
             1363200, 1478400, 1593600, 499200, 691200, 902400, 1094400, 1286400, 1478400,
             1670400, 1862400, 2054400, 2246400, 595200, 806400, 1017600, 1228800, 1440000,
             1651200, 1862400, 2073600, 2284800, 2496000, 2707200, 2841600]

# 12 (SDK 31): BatteryStatsImpl's CPU-read counters and constants of the time (per-process-
# state CPU tracking was a constant then), the measured-energy block under its 12 name
# (13 renamed MeasuredEnergyStats to EnergyConsumerStats), and no CPU wakeup stats (14+).
TRAILER_12 = ["Per process state tracking available: true",
              "Total cpu time reads: 412",
              "Batching Duration (min): 128",
              "All UID cpu time reads since the later of device start or stats reset: 186",
              "UIDs removed since the later of device start or stats reset: 0",
              "Currently mapped isolated uids:",
              "  99000->10142 (ref count = 1)",
              "",
              "BatteryStats constants:",
              "    track_cpu_times_by_proc_state=false",
              "    track_cpu_active_cluster_time=true",
              "    proc_state_cpu_times_read_delay_ms=5000",
              "    kernel_uid_readers_throttle_time=1000",
              "    external_stats_collection_rate_limit_ms=600000",
              "    battery_level_collection_delay_ms=300000",
              "    procstate_change_collection_delay_ms=60000",
              "    max_history_files=32",
              "    max_history_buffer_kb=128",
              "    battery_charged_delay_ms=900000",
              "",
              "",
              "On battery measured charge stats (microcoulombs) ",
              "    Not supported on this device."]
