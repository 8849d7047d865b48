"""Per-uid and device totals "since last charge" for the batterystats writers, computed from
the simulated day so the human form, the checkin form and the history agree."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from . import timeline as tl
from .world import APPS, World

GPS_HANDLE = -10000  # BatteryStats.Uid.Sensor.GPS
# Share of the awake time each platform uid spends on the CPU.
SYSTEM_CPU = {1000: 0.052, 1001: 0.014, 1002: 0.0011, 1041: 0.0042, 1073: 0.0093,
              10041: 0.021, 10052: 0.0035, 10166: 0.0008, 10035: 0.0006, 10067: 0.0019}
PERSISTENT = (10041, 10052, 10166)  # systemui, launcher, IME: foreground all day
PROC_STATES = ("Top", "Fg Service", "Foreground", "Background", "Top Sleeping",
               "Heavy Weight", "Cached")


@dataclass
class Wakelock:
    pooled: int = 0  # blamed time: overlapping holds share the time (µs rounded to ms)
    count: int = 0
    max: int = 0
    actual: int = 0
    bg_actual: int = 0
    bg_count: int = 0
    bg_max: int = 0


@dataclass
class Timer:
    total: int = 0
    count: int = 0
    bg: int = 0
    bg_count: int = 0


@dataclass
class UidStats:
    uid: int
    packages: list[str]
    wakelocks: dict[str, Wakelock] = field(default_factory=dict)
    syncs: dict[str, Timer] = field(default_factory=dict)
    jobs: dict[str, Timer] = field(default_factory=dict)
    completions: dict[str, Counter] = field(default_factory=dict)
    wakeup_alarms: dict[str, int] = field(default_factory=dict)
    gps: Timer | None = None
    audio: Timer | None = None
    video: Timer | None = None
    fgs: Timer | None = None
    fg_activities: Timer | None = None
    states: list[int] = field(default_factory=lambda: [0] * 7)
    cpu_user: int = 0
    cpu_sys: int = 0
    procs: list[tuple] = field(default_factory=list)  # (name, user, sys, fg, starts, anrs, crashes)
    services: list[tuple] = field(default_factory=list)  # (pkg, cls, created ms, starts, launches)
    radio_ms: int = 0
    radio_count: int = 0
    rx_bytes: int = 0
    tx_bytes: int = 0
    rx_packets: int = 0
    tx_packets: int = 0
    user_activity: tuple = (0, 0, 0)
    awl_total: int = 0
    awl_bg: int = 0
    power: dict[str, float] = field(default_factory=dict)
    power_states: dict[str, float] = field(default_factory=dict)

    @property
    def power_total(self) -> float:
        return sum(self.power.values())


class Aggregates:
    def __init__(self, w: World) -> None:
        self.w = w
        self.uids: dict[int, UidStats] = {}
        self._wakelocks()
        self._jobs_syncs()
        self._alarms()
        self._sensors_media_fgs()
        self._process_states()
        self._network()
        self._power()
        self._device()

    def uid(self, uid: int) -> UidStats:
        if uid not in self.uids:
            pkgs = [p for p, a in APPS.items() if a.uid == uid]
            if uid == 1000:
                from .world import SYSTEM_PACKAGES

                pkgs = list(SYSTEM_PACKAGES)
            self.uids[uid] = UidStats(uid, pkgs)
        return self.uids[uid]

    def top_iv(self, uid: int) -> list[tuple[int, int]]:
        return [(s.start, s.end) for s in self.w.screens if self.w.apps_uid(s.top) == uid]

    # -- wakelocks ---------------------------------------------------------------------------

    def _wakelocks(self) -> None:
        w = self.w
        # Pooled ("blamed") time: split each instant between all holds active then.
        marks = []
        for i, h in enumerate(w.holds):
            marks.append((h.start, 1, i))
            marks.append((h.end, 0, i))
        marks.sort()
        active: set[int] = set()
        pooled = [0.0] * len(w.holds)
        last = None
        for t, kind, i in marks:
            if last is not None and active and t > last:
                share = (t - last) / len(active)
                for j in active:
                    pooled[j] += share
            if kind == 1:
                active.add(i)
            else:
                active.discard(i)
            last = t
        per_uid_iv: dict[int, list] = defaultdict(list)
        for i, h in enumerate(w.holds):
            st = self.uid(h.uid)
            wl = st.wakelocks.setdefault(h.tag, Wakelock())
            wl.pooled += pooled[i]
            wl.count += 1
            wl.max = max(wl.max, h.duration)
            wl.actual += h.duration
            bg = h.duration - tl.overlap([(h.start, h.end)], self.top_iv(h.uid))
            if bg > 0:
                wl.bg_actual += bg
                wl.bg_count += 1
                wl.bg_max = max(wl.bg_max, bg)
            per_uid_iv[h.uid].append((h.start, h.end))
        for st in self.uids.values():
            for wl in st.wakelocks.values():
                wl.pooled = round(wl.pooled)
        for uid, ivs in per_uid_iv.items():
            u = tl.union(ivs)
            st = self.uid(uid)
            st.awl_total = tl.total(u)
            st.awl_bg = st.awl_total - tl.overlap(u, self.top_iv(uid))

    # -- jobs, syncs, alarms -----------------------------------------------------------------

    def _jobs_syncs(self) -> None:
        for run in self.w.jobs:
            st = self.uid(run.uid)
            tm = st.jobs.setdefault(run.name, Timer())
            tm.total += run.end - run.start
            tm.count += 1
            fg = tl.overlap([(run.start, run.end)], self.top_iv(run.uid))
            if fg < run.end - run.start:
                tm.bg += run.end - run.start - fg
                tm.bg_count += 1
            st.completions.setdefault(run.name, Counter())[run.outcome] += 1
        for run in self.w.syncs:
            st = self.uid(run.uid)
            tm = st.syncs.setdefault(run.name, Timer())
            tm.total += run.end - run.start
            tm.count += 1
            tm.bg += run.end - run.start
            tm.bg_count += 1

    def _alarms(self) -> None:
        """`Wakeup alarm` counts: wakeup alarms delivered while the screen was off (the
        screen-off time base since checkin v25, formats.md §4.2.1)."""
        for a in self.w.alarms:
            if not a.wakeup or self.w.screen_on(a.t):
                continue
            st = self.uid(a.uid)
            st.wakeup_alarms[a.tag] = st.wakeup_alarms.get(a.tag, 0) + 1

    def _sensors_media_fgs(self) -> None:
        w = self.w
        by_uid = defaultdict(list)
        for s, e, uid in w.gps:
            by_uid[uid].append((s, min(e, w.end)))
        for uid, ivs in by_uid.items():
            st = self.uid(uid)
            top = self.top_iv(uid)
            st.gps = Timer(tl.total(ivs), len(ivs))
            for iv in ivs:
                bg = (iv[1] - iv[0]) - tl.overlap([iv], top)
                if bg > 0:
                    st.gps.bg += bg
                    st.gps.bg_count += 1
        tv = self.uid(APPS["com.example.streamtv"].uid)
        tv.audio = Timer(tl.total(w.media_iv), len(w.media_iv))
        tv.video = Timer(tl.total(w.media_iv), len(w.media_iv))
        for s, e, uid in w.fgs:
            st = self.uid(uid)
            st.fgs = st.fgs or Timer()
            st.fgs.total += e - s
            st.fgs.count += 1
        mail = self.uid(APPS["com.example.mail"].uid)
        mail.fgs = Timer(11_904, 1)  # a short FGS while sending an attachment
        for s in w.screens:
            st = self.uid(w.apps_uid(s.top))
            st.fg_activities = st.fg_activities or Timer()
            st.fg_activities.total += s.end - s.start
            st.fg_activities.count += 1

    def _process_states(self) -> None:
        w = self.w
        period = w.period
        for uid, st in list(self.uids.items()) + [(a.uid, self.uid(a.uid)) for a in
                                                    APPS.values()]:
            top = tl.total(self.top_iv(uid))
            fgs = st.fgs.total if st.fgs and uid != APPS["com.example.mail"].uid else 0
            if uid < 10000 or uid in PERSISTENT:
                # Persistent platform processes, the launcher and the IME stay foreground.
                st.states = [top, 0, period - top, 0, 0, 0, 0]
            else:
                busy = st.awl_total + sum(t.total for t in st.jobs.values())
                if st.gps:
                    busy += st.gps.bg
                bg = min(period - top - fgs, int(busy * 1.35) + 60_000 * (len(st.jobs) + 1))
                alive = min(period - top - fgs - bg, int(period * 0.82))
                st.states = [top, fgs, 0, max(0, bg), 0, 0, max(0, alive)]
            awake = st.states[0] * 0.11 + st.states[1] * 0.004 + st.states[3] * 0.05
            if uid in SYSTEM_CPU:
                awake = tl.total(w.running_iv) * SYSTEM_CPU[uid]
            st.cpu_user = int(awake * 0.64)
            st.cpu_sys = int(awake * 0.36)

    def _network(self) -> None:
        w = self.w
        radio = tl.total(w.radio_iv)
        # package: (share of radio-active time, rx bytes per active ms, tx/rx, bytes/packet)
        profile = {
            "com.example.streamtv": (0.58, 212, 0.035, 1310),
            "com.example.chatsync": (0.07, 31, 0.74, 233),
            "com.example.newsfeed": (0.09, 58, 0.12, 610),
            "com.example.contactsplus": (0.05, 22, 0.45, 301),
            "com.example.cloudnotes": (0.05, 47, 0.83, 512),
            "com.example.fileshare": (0.06, 9, 6.9, 1102),
            "com.example.weather": (0.008, 19, 0.2, 402),
            "com.example.mail": (0.02, 41, 0.31, 388),
            "android": (0.04, 12, 0.9, 190),
            "com.example.smarthome": (0.01, 4, 1.1, 120),
            "com.example.geonotes": (0.013, 6, 0.8, 150),
            "com.android.networkstack": (0.01, 2, 1.0, 96),
        }
        for pkg, (share, rate, ratio, size) in profile.items():
            st = self.uid(self.w.apps_uid(pkg))
            st.radio_ms = int(radio * share)
            st.radio_count = max(1, int(len(w.radio_iv) * share))
            st.rx_bytes = int(st.radio_ms * rate)
            st.tx_bytes = int(st.rx_bytes * ratio)
            st.rx_packets = st.rx_bytes // size
            st.tx_packets = st.tx_bytes // max(90, int(size * 0.7))
        self.uid(APPS["com.example.streamtv"].uid).user_activity = (41, 6, 1_204)
        self.uid(APPS["com.example.chatsync"].uid).user_activity = (3, 0, 219)
        self.uid(APPS["com.example.mail"].uid).user_activity = (2, 0, 57)
        self.uid(1000).user_activity = (12, 18, 88)

    # -- power (BatteryUsageStats, 12+) -----------------------------------------------------

    def _power(self) -> None:
        w = self.w
        screen_total = tl.total(w.screen_iv)
        self.global_power = {}
        scale = w.current_scale
        screen_mah = screen_total * 360 * scale / 3_600_000
        media_mah = tl.total(w.media_iv) * 420 * scale / 3_600_000
        gps_mah = tl.total(w.gps_iv) * 75 * scale / 3_600_000
        radio_mah = tl.total(w.radio_iv) * 165 * scale / 3_600_000
        running_mah = tl.total(w.running_iv) * 115 * scale / 3_600_000
        idle_mah = w.period * 9 * scale / 3_600_000
        cpu_all = sum(st.cpu_user + st.cpu_sys for st in self.uids.values()) or 1
        for uid, st in self.uids.items():
            p = {}
            top = tl.total(self.top_iv(uid))
            if top:
                p["screen"] = screen_mah * top / screen_total
            cpu = (st.cpu_user + st.cpu_sys) / cpu_all * running_mah
            if cpu:
                p["cpu"] = cpu
            if st.radio_ms:
                p["mobile_radio"] = radio_mah * st.radio_ms / max(1, tl.total(w.radio_iv))
            if st.gps:
                p["gnss"] = gps_mah * st.gps.total / max(1, tl.total(w.gps_iv))
            if st.audio:
                p["audio"] = media_mah * 0.42
                p["video"] = media_mah * 0.58
            wl = sum(x.actual for x in st.wakelocks.values())
            if wl:
                p["wakelock"] = wl * 6.5 / 3_600_000
            if uid == 1000:
                p["sensors"] = 18.4
            st.power = {k: v for k, v in p.items() if v >= 0.0005}
            total = st.power_total
            if uid < 10000 or uid in PERSISTENT:
                st.power_states = {}
                continue
            fgs_share = (st.states[1] / w.period) if st.states[1] else 0
            top_share = p.get("screen", 0) + p.get("audio", 0) + p.get("video", 0)
            st.power_states = {"fg": top_share + 0.55 * (total - top_share) * (1 - fgs_share)
                               if top else 0}
            rest = total - st.power_states["fg"]
            if fgs_share:
                st.power_states["fgs"] = rest * 0.8
                rest -= st.power_states["fgs"]
            if uid >= 10000:
                st.power_states["bg"] = rest * 0.9
                st.power_states["cached"] = rest * 0.1
        comps = defaultdict(float)
        for st in self.uids.values():
            for k, v in st.power.items():
                comps[k] += v
        self.global_power = {
            "screen": (screen_mah, comps["screen"], screen_total),
            "cpu": (running_mah, comps["cpu"], None),
            "bluetooth": (6.21, 0, w.period),
            "audio": (comps["audio"], comps["audio"], tl.total(w.media_iv)),
            "video": (comps["video"], comps["video"], tl.total(w.media_iv)),
            "mobile_radio": (radio_mah, comps["mobile_radio"], tl.total(w.radio_iv)),
            "sensors": (comps["sensors"], comps["sensors"], None),
            "gnss": (gps_mah, comps["gnss"], None),
            "wakelock": (comps["wakelock"], comps["wakelock"], None),
            "idle": (idle_mah, 0, w.period),
        }

    def _device(self) -> None:
        w = self.w
        self.screen_on = tl.total(w.screen_iv)
        self.running = tl.total(w.running_iv)
        self.screen_off = w.period - self.screen_on
        self.screen_off_uptime = self.running - tl.overlap(w.running_iv, w.screen_iv)
        self.partial_total = tl.total(w.wakelock_iv)
        bright = Counter()
        for s in w.screens:
            bright[s.brightness] += s.end - s.start
        self.brightness = [bright.get(i, 0) for i in range(5)]
        self.screen_count = len([s for i, s in enumerate(w.screens)
                                 if i == 0 or w.screens[i - 1].end != s.start])
        # Doze time and counts.
        light = deep = 0
        light_n = deep_n = 0
        longest_light = longest_deep = 0
        deep_idling = deep_idling_n = 0
        edges = [*w.idle, (w.end, "off")]
        for (t1, m1), (t2, _) in itertools.pairwise(edges):
            if m1 == "light":
                light += t2 - t1
                light_n += 1
                longest_light = max(longest_light, t2 - t1)
            elif m1 == "full":
                deep += t2 - t1
                deep_n += 1
                longest_deep = max(longest_deep, t2 - t1)
                deep_idling += t2 - t1
                deep_idling_n += 1
        self.light_idle, self.light_n, self.longest_light = light, light_n, longest_light
        self.deep_idle_mode = deep + sum(e - s for s, e in w.maintenance)
        self.deep_idle, self.deep_n, self.longest_deep = deep, deep_n, longest_deep
        self.deep_idling, self.deep_idling_n = deep_idling, deep_idling_n
        self.data_conn_time = Counter()
        edges = [*w.data_conn, (w.end, None)]
        for (t1, v), (t2, _) in itertools.pairwise(edges):
            self.data_conn_time[v] += t2 - t1
        self.signal_time = Counter()
        edges = [*w.signal, (w.end, None)]
        for (t1, v), (t2, _) in itertools.pairwise(edges):
            self.signal_time[v] += t2 - t1
        # Kernel wakeup reasons: count and time awake after each resume.
        self.wakeup_reasons: dict[str, list[int]] = {}
        running = {s: e for s, e in w.running_iv}
        for k in w.kwakes:
            rec = self.wakeup_reasons.setdefault(k.reason, [0, 0])
            rec[0] += running.get(k.t, k.t + k.awake) - k.t
            rec[1] += 1
        # Kernel wakelocks (wakeup sources), led by PowerManagerService's own.
        n_resumes = len(w.kwakes)
        self.kernel_wakelocks = [
            ("PowerManagerService.WakeLocks", self.partial_total, len(w.wakelock_iv)),
            ("PowerManagerService.Display", self.screen_on, self.screen_count),
            ("qrtr_rx_ws", int(n_resumes * 212), int(n_resumes * 1.4)),
            ("ipa_ws", 641_220, 5_912),
            # A Bluetooth HAL wakeup source held for hours with the screen off (the
            # kernel_wakelock scenario; the Pixel 7 15 capture holds one for 8 h).
            ("hal_bluetooth_lock", 9_000_000, 14),
            ("alarmtimer", 88_410, sum(1 for a in w.alarms if a.wakeup)),
            ("smp2p-sleepstate", 61_307, 2_110),
            ("modem_ipc_rx", 233_908, self.wakeup_reasons.get("223 smp2p-modem", [0, 0])[1]),
            ("PowerManager.SuspendLockout", 21_004, self.screen_count * 2),
            ("battery", 9_882, 172),
            ("NETLINK", 4_017, 1_655),
            ("gnss_ws", 31_510, len(w.gps)),
            ("radio-interface", 2_118, 301),
        ]
        self.kernel_wakelocks.sort(key=lambda x: -x[1])
