"""The simulated phone: one day on battery of a fictional Android 14 device, from which every
dump (batterystats human and checkin, jobscheduler, alarm, bug report) is written.

Everything is computed from one capture clock and one seeded random generator, so all
services agree (alarm nowRTC/nowELAPSED, dumpstate time, battery history RESET:TIME) and a
re-run is byte-identical. Times are elapsed-realtime milliseconds unless a name says
otherwise. The intended findings (README.md, scenarios.json) are built in on purpose; the
rest of the phone is kept healthy.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime

from . import timeline as tl
from .fmt import WallClock
from .release import ANDROID_14, Release

SEED = 20250312

# ---------------------------------------------------------------------------------------------
# Device and clock
# ---------------------------------------------------------------------------------------------

MANUFACTURER = "Acme"
BRAND = "acme"
MODEL = "Nova 5"
DEVICE = "nova5"
PRODUCT = "nova5_eea"
BUILD_ID = ANDROID_14.build_id  # the Android 14 build; other releases: release.py
INCREMENTAL = ANDROID_14.incremental
FINGERPRINT = ANDROID_14.fingerprint(BRAND, PRODUCT, DEVICE)
DISPLAY_ID = ANDROID_14.display_id
TIMEZONE = "Europe/Berlin"

BOOT_LOCAL = datetime(2025, 3, 9, 5, 21, 13, 118000)
RESET_LOCAL = datetime(2025, 3, 11, 7, 30, 5)  # unplugged: batterystats reset, history start
CAPTURE_LOCAL = datetime(2025, 3, 12, 8, 15, 40)  # `== dumpstate:` time

CAPACITY_MAH = 4500  # design ("Estimated battery capacity")
LEARNED_MAH = 4410  # "Last learned battery capacity"; one level step = 44.1 mAh
END_LEVEL = 14


@dataclass(frozen=True)
class App:
    uid: int
    package: str
    bucket: str = "WORKING_SET"
    system: bool = False


APPS = {a.package: a for a in (
    App(1000, "android", "EXEMPTED", True),
    App(1001, "com.android.phone", "EXEMPTED", True),
    App(1002, "com.android.bluetooth", "EXEMPTED", True),
    App(1041, "audioserver", "EXEMPTED", True),
    App(1073, "com.android.networkstack", "EXEMPTED", True),
    App(10035, "com.android.providers.calendar", "ACTIVE", True),
    App(10041, "com.android.systemui", "EXEMPTED", True),
    App(10052, "com.android.launcher3", "ACTIVE", True),
    App(10058, "com.android.deskclock", "WORKING_SET", True),
    App(10067, "com.android.providers.media.module", "ACTIVE", True),
    # Third-party apps (fictional). The first ten are the scenarios of README.md.
    App(10142, "com.example.streamtv", "ACTIVE"),
    App(10145, "com.example.mail", "WORKING_SET"),
    App(10151, "com.example.chatsync", "ACTIVE"),
    App(10156, "com.example.smarthome", "WORKING_SET"),
    App(10160, "com.example.weather", "FREQUENT"),
    App(10163, "com.example.newsfeed", "WORKING_SET"),
    App(10166, "com.example.keyboard", "ACTIVE"),
    App(10170, "com.example.photobackup", "WORKING_SET"),
    App(10174, "com.example.cloudnotes", "WORKING_SET"),
    App(10176, "com.example.bank", "RARE"),
    App(10181, "com.example.shoppingdeals", "RARE"),
    App(10187, "com.example.contactsplus", "WORKING_SET"),
    App(10192, "com.example.fileshare", "ACTIVE"),
    App(10198, "com.example.geonotes", "WORKING_SET"),
)}
# Packages that share uid 1000 (for `i,uid` lines and the uid → package maps).
SYSTEM_PACKAGES = ("android", "com.android.settings", "com.android.providers.settings",
                   "com.android.location.fused", "com.android.server.telecom")

ACCOUNT = "alex.morgan@example.com"
WM_SERVICE = "androidx.work.impl.background.systemjob.SystemJobService"

# Kernel wakeup reasons (batterystats `Wakeup reason` / checkin `wr`). The modem one is the
# dominant reason of scenario (k).
WR_MODEM = "223 smp2p-modem"
WR_RTC = "189 pm_rtc_alarm"
WR_ALARMTIMER = "Abort: Pending Wakeup Sources: alarmtimer.0.auto"
WR_GNSS = "Abort: Last active Wakeup Source: gnss_ws"
WR_QRTR = "Abort: Pending Wakeup Sources: qrtr_rx_ws"
WR_PWRKEY = "58 pmic_pwrkey"
WR_IPA = "341 ipa_uc"


def pkg_uid(package: str) -> int:
    return APPS[package].uid


# ---------------------------------------------------------------------------------------------
# Simulation records
# ---------------------------------------------------------------------------------------------


@dataclass
class Screen:
    start: int
    end: int
    top: str
    brightness: int  # 0 dark .. 4 bright


@dataclass
class Hold:
    """A partial wakelock, blamed to `uid`. AlarmManager records the alarm's stats tag in the
    battery history instead of `*alarm*` (`history_tag`)."""

    uid: int
    tag: str
    start: int
    end: int
    history_tag: str | None = None

    @property
    def duration(self) -> int:
        return self.end - self.start


@dataclass
class KWake:
    """A kernel resume while the screen was off; the CPU stays up `awake` ms by itself."""

    t: int
    reason: str
    awake: int


@dataclass
class Event:
    """A battery history event (formats.md §4.3 event table)."""

    t: int
    name: str
    sign: str  # '+', '-' or ''
    uid: int
    text: str


@dataclass
class JobRun:
    uid: int  # source uid (the app)
    job_id: int
    name: str  # batteryName
    start: int
    end: int
    outcome: str  # successful_finish, timeout, constraints
    periodic: bool
    reason_text: str  # debug reason printed on Job history STOP lines
    namespace: str | None = None
    calling_uid: int | None = None
    type_letter: str = ""  # 16: `e` expedited / `r` regular (add_type_info_to_wakelock_tag)
    id_in_dump_tag: bool = True  # 14 only: `tag=…#<jobId>` on the jobscheduler dump line

    @property
    def tag(self) -> str:
        """The wakelock: JobStatus.getWakelockTag() = `*job*[e|u|r]/` + batteryName (14's
        JobServiceContext; the type letter from 16). The `#jobId` that 14 adds is only on the
        dump's `tag=` line."""
        return f"*job*{self.type_letter}/{self.name}"

    @property
    def dump_tag(self) -> str:
        return self.tag + (f"#{self.job_id}" if self.id_in_dump_tag else "")


@dataclass
class SyncRun:
    uid: int
    name: str  # <authority>/<account type>/<account>
    start: int
    end: int


@dataclass
class AlarmFire:
    t: int
    uid: int
    tag: str
    wakeup: bool
    running_ms: int


@dataclass
class World:
    """Builds the whole day in `__init__`; dump writers only read it."""

    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    release: Release = ANDROID_14

    def __post_init__(self) -> None:
        self.r = self.release
        self.clock = WallClock(BOOT_LOCAL)
        c = self.clock
        self.t0 = c.elapsed(RESET_LOCAL)
        self.cap = c.elapsed(CAPTURE_LOCAL)
        # Each service is dumped a few seconds into the capture (formats.md §6.4).
        self.now_alarm = self.cap + 9_871
        self.now_batterystats = self.cap + 10_205
        self.now_jobs = self.cap + 11_420
        self.now_checkin = self.cap + 24_640
        self.end = self.now_batterystats  # the stats period ends when batterystats dumps
        self.period = self.end - self.t0

        self.screens: list[Screen] = []
        self.holds: list[Hold] = []
        self.kwakes: list[KWake] = []
        self.events: list[Event] = []
        self.jobs: list[JobRun] = []
        self.syncs: list[SyncRun] = []
        self.alarms: list[AlarmFire] = []
        self.gps: list[tuple[int, int, int]] = []  # (start, end, uid)
        self.fgs: list[tuple[int, int, int]] = []
        self.media: list[tuple[int, int]] = []  # audio + video playback
        self.radio: list[tuple[int, int]] = []  # mobile radio active
        self.idle: list[tuple[int, str]] = []  # device_idle changes
        self.data_conn: list[tuple[int, str]] = []
        self.signal: list[tuple[int, int]] = []

        self._screens()
        self._idle()
        self._network()
        self._streamtv()
        self._newsfeed()
        self._weather()
        self._cloudnotes()
        self._contactsplus()
        self._mail()
        self._shoppingdeals()
        self._system()
        self._fileshare()
        self._geonotes()
        # Long holds last, placed where no other wakelock is held, so the battery history
        # (which names only the first holder of each wake_lock interval) credits them right.
        self._smarthome()
        self._chatsync()
        self._modem()
        self._finish()

    # -- helpers ---------------------------------------------------------------------------

    def at(self, day: int, hms: str) -> int:
        """Elapsed ms of a local wall time on day 1 (2025-03-11) or day 2 (2025-03-12)."""
        h, m, s = hms.split(":")
        sec, _, milli = s.partition(".")
        local = datetime(2025, 3, 10 + day, int(h), int(m), int(sec), int(milli or 0) * 1000)
        return self.clock.elapsed(local)

    @staticmethod
    def apps_uid(package: str) -> int:
        """uid of a package; platform packages outside APPS share uid 1000."""
        return APPS[package].uid if package in APPS else 1000

    def screen_on(self, t: int) -> bool:
        return any(s.start <= t < s.end for s in self.screens)

    def top_at(self, t: int) -> str | None:
        for s in self.screens:
            if s.start <= t < s.end:
                return s.top
        return None

    def deep_idle(self, t: int) -> bool:
        """In Doze (deep) and not in a maintenance window: background work waits."""
        mode = "off"
        for when, m in self.idle:
            if when <= t:
                mode = m
        return mode == "full"

    def background_ok(self, t: int, length: int = 0) -> bool:
        return not self.deep_idle(t) and not self.deep_idle(t + length) and t + length < self.end

    def next_ok(self, t: int, length: int = 20_000) -> int:
        """The first time from t when background work may run (Doze defers it)."""
        while not self.background_ok(t, length) and t < self.end:
            t += 60_000
        return t

    def busy(self, t: int, margin: int = 1_500) -> bool:
        """Some wakelock is held around t (within `margin` ms)."""
        return any(h.start - margin <= t < h.end + margin for h in self.holds)

    def wake(self, t: int, reason: str, awake: int = 400) -> None:
        """A kernel resume at t if the phone is asleep (screen off); pruned later if the CPU
        was already running."""
        if not self.screen_on(t):
            self.kwakes.append(KWake(t, reason, awake))

    def radio_burst(self, t: int, length: int) -> None:
        self.radio.append((t, t + length))

    # -- the day ---------------------------------------------------------------------------

    def _screens(self) -> None:
        a = self.at
        plan = [
            (self.t0, a(1, "07:56:41.220"), "com.example.streamtv", 1),
            (a(1, "09:12:10.450"), a(1, "09:21:55.300"), "com.example.mail", 2),
            (a(1, "12:31:20.900"), a(1, "13:22:45.120"), "com.example.streamtv", 2),
            (a(1, "15:04:02.310"), a(1, "15:09:30.770"), "com.example.chatsync", 2),
            (a(1, "17:58:10.640"), a(1, "19:31:40.050"), "com.example.streamtv", 1),
            (a(1, "21:05:00.210"), a(1, "21:17:30.880"), "com.example.geonotes", 1),
            (a(1, "22:26:30.330"), a(1, "22:38:05.910"), "com.example.photobackup", 0),
            (a(2, "07:48:30.150"), a(2, "08:10:02.400"), "com.example.streamtv", 1),
            (a(2, "08:10:02.400"), self.end, "com.android.settings", 1),
        ]
        for start, end, top, bright in plan:
            follows = bool(self.screens) and self.screens[-1].end == start
            if self.screens and follows:
                prev = self.screens[-1].top
                self.events.append(Event(start, "top", "-", self.apps_uid(prev), prev))
            self.screens.append(Screen(start, end, top, bright))
            if start != self.t0 and not follows:
                self.wake(start, WR_PWRKEY, 200)
                self.events.append(Event(start, "screenwake", "", 1000, "android.policy:POWER"))
            self.events.append(Event(start, "top", "+", self.apps_uid(top), top))
            if end < self.end and not any(p[0] == end for p in plan):
                self.events.append(Event(end, "top", "-", self.apps_uid(top), top))
        # The user opens the photo app and asks for a backup: WorkManager work enqueued
        # (runs only on an unmetered network with battery not low; never happens here).
        self.photobackup_enqueued = a(1, "22:29:03.518")
        self.photobackup_battery_low = None  # set by _finish once the level crosses 15 %

    def _idle(self) -> None:
        a = self.at
        self.idle = [
            (a(1, "10:04:48.220"), "light"), (a(1, "12:18:30.500"), "off"),
            (a(1, "23:10:09.004"), "light"), (a(2, "01:25:12.870"), "full"),
            (a(2, "02:41:07.300"), "off"), (a(2, "02:46:10.980"), "full"),
            (a(2, "04:55:43.120"), "off"), (a(2, "05:00:51.640"), "full"),
            (a(2, "06:40:33.710"), "off"),
        ]
        self.maintenance = [(a(2, "02:41:07.300"), a(2, "02:46:10.980")),
                            (a(2, "04:55:43.120"), a(2, "05:00:51.640"))]

    def _network(self) -> None:
        """Wi-Fi stays off all day: the phone is on mobile data (LTE, 5G NR in town)."""
        a = self.at
        self.data_conn = [(self.t0, "lte"), (a(1, "08:41:55.010"), "nr"),
                          (a(1, "17:22:05.400"), "lte"), (a(2, "07:31:12.900"), "nr")]
        self.signal = [(self.t0, 3), (a(1, "08:41:55.010"), 4), (a(1, "13:40:00.100"), 3),
                       (a(1, "17:22:05.400"), 2), (a(1, "20:15:33.000"), 3),
                       (a(2, "07:31:12.900"), 4)]
        for t, _ in self.data_conn[1:]:
            self.events.append(Event(t, "conn", "", 0, "CONNECTED"))

    def _streamtv(self) -> None:
        """(j) top power consumer: hours of video streaming over mobile data."""
        uid = pkg_uid("com.example.streamtv")
        for s in self.screens:
            if s.top != "com.example.streamtv":
                continue
            self.media.append((s.start + 8_120, s.end - 3_400))
            self.radio.append((s.start + 1_500, s.end + 9_800))
        # Two catalogue refresh jobs in the background.
        for hms in ("11:02:16.804", "20:48:09.311"):
            t = self.at(1, hms)
            self._job(uid, 3, "com.example.streamtv/.sync.CatalogRefreshJobService", t,
                      38_400 + self.rng.randint(0, 4000), "successful_finish", False,
                      "app called jobFinished")

    def _newsfeed(self) -> None:
        """(c) excessive wakeups: an exact wakeup alarm re-armed every 4 minutes
        (setExactAndAllowWhileIdle from its own receiver), around the clock, even in Doze."""
        uid = pkg_uid("com.example.newsfeed")
        tag = "*walarm*:com.example.newsfeed.action.REFRESH"
        self.newsfeed_period = 240_000
        t = self.t0 + 95_311
        while t < self.end - 4_000:
            hold = 950 + self.rng.randint(0, 1300)
            self._alarm(uid, tag, t, hold)
            self.radio_burst(t + 310, 8_500 + self.rng.randint(0, 2500))
            last = t
            t += self.newsfeed_period + self.rng.randint(0, 900)
        self.newsfeed_last = last
        self.newsfeed_next = last + self.newsfeed_period + 412

    def _alarm(self, uid: int, tag: str, t: int, hold: int, reason: str = WR_RTC) -> None:
        wakeup = tag.startswith("*walarm*")
        if wakeup:
            # An alarm either fires the RTC interrupt or aborts a suspend already under way.
            if reason == WR_RTC and self.rng.random() < 0.46:
                reason = WR_ALARMTIMER
            self.wake(t, reason, 150)
        self.alarms.append(AlarmFire(t, uid, tag, wakeup, hold))
        self.holds.append(Hold(uid, "*alarm*", t, t + hold, history_tag=tag))

    def _weather(self) -> None:
        """Healthy: one inexact hourly wakeup alarm, delivered late while dozing."""
        uid = pkg_uid("com.example.weather")
        tag = "*walarm*:com.example.weather.action.UPDATE"
        t = self.at(1, "08:07:12.500")
        while t < self.end:
            fire = t
            if self.deep_idle(fire):
                fire = next((s for s, e in self.maintenance if s >= fire), None)
                if fire is None:
                    fire = self.at(2, "06:40:34.210")
                fire += 1_211
            if fire < self.end:
                self._alarm(uid, tag, fire, 1_900 + self.rng.randint(0, 900))
                self.radio_burst(fire + 400, 9_000)
            t += 3_600_000 + self.rng.randint(-90_000, 90_000)

    def _smarthome(self) -> None:
        """(b) stuck wakelock: a heartbeat every two hours holds `SmartHome:DeviceBridge` for
        ~30 s, except once at night when the bridge never answered: 1 h 21 min."""
        uid = pkg_uid("com.example.smarthome")
        alarm_tag = "*walarm*:com.example.smarthome.action.HEARTBEAT"
        t = self.at(1, "07:41:07.412")
        n = 0
        while t < self.end:
            while self.busy(t, 2_500):
                t += 3_100
            if self.background_ok(t, 60_000):
                stuck = n == 8  # the 23:41 heartbeat
                length = 4_881_493 if stuck else 21_000 + self.rng.randint(0, 14_000)
                self._alarm(uid, alarm_tag, t, 1_200)
                self.holds.append(Hold(uid, "SmartHome:DeviceBridge", t + 1_150,
                                       t + 1_150 + length))
                self.radio_burst(t + 1_300, 11_000)
                if length > 60_000:
                    self.events.append(Event(t + 61_150, "longwake", "+", uid,
                                             "SmartHome:DeviceBridge"))
                    self.events.append(Event(t + 1_150 + length, "longwake", "-", uid,
                                             "SmartHome:DeviceBridge"))
                if stuck:
                    self.stuck_hold = self.holds[-1]
            n += 1
            t += 7_200_000 + self.rng.randint(0, 2_000)

    def _chatsync(self) -> None:
        """(a) excessive partial wakelock: the app keeps its own `ChatSync:Connection`
        wakelock for minutes after each incoming message, 3 h 12 min with the screen off."""
        uid = pkg_uid("com.example.chatsync")
        rng = self.rng
        windows = tl.subtract([(self.t0, self.end)], [(s.start, s.end) for s in self.screens])
        deep = []
        mode_start = None
        for when, m in [*self.idle, (self.end, "off")]:
            if m == "full" and mode_start is None:
                mode_start = when
            elif m != "full" and mode_start is not None:
                deep.append((mode_start, when))
                mode_start = None
        windows = tl.subtract(windows, deep)
        windows = [(s + 120_000, e - 30 * 60_000) for s, e in windows if e - s > 40 * 60_000]
        starts: list[int] = []
        budget = sum(e - s for s, e in windows)
        count = 42
        for s, e in windows:
            k = max(1, round(count * (e - s) / budget))
            step = (e - s) // k
            for i in range(k):
                starts.append(s + i * step + rng.randint(0, max(1, step // 3)))
        starts = sorted(starts)[:count]
        for i, t in enumerate(starts):
            while self.busy(t, 2_000) or self.screen_on(t):
                t += 7_000 + rng.randint(0, 3_000)
            starts[i] = t
        raw = [rng.uniform(0.35, 1.0) for _ in starts]
        target = 3 * 3_600_000 + 40 * 60_000 + 7_411  # screen-off hold time, ms
        scale = target / sum(raw)
        lengths = [min(558_412, max(95_000, round(r * scale))) for r in raw]
        lengths[-1] += target - sum(lengths)
        for t, length in zip(starts, lengths, strict=True):
            self.wake(t, WR_MODEM, 300)
            self.radio_burst(t, 14_000)
            self.holds.append(Hold(uid, "ChatSync:Connection", t + 35, t + 35 + length))
            if length > 60_000:
                self.events.append(Event(t + 60_035, "longwake", "+", uid,
                                         "ChatSync:Connection"))
                self.events.append(Event(t + 35 + length, "longwake", "-", uid,
                                         "ChatSync:Connection"))
        # A few short holds while the user chats with the screen on.
        for hms, length in (("15:04:40.118", 41_337), ("15:06:02.912", 38_120),
                            ("18:31:15.703", 52_904), ("12:47:50.021", 33_018)):
            t = self.at(1, hms)
            self.holds.append(Hold(uid, "ChatSync:Connection", t, t + length))

    def _job(self, uid: int, job_id: int, name: str, start: int, length: int, outcome: str,
             periodic: bool, reason: str, namespace: str | None = None,
             calling_uid: int | None = None, wake_reason: str = WR_RTC,
             expedited: bool = False) -> JobRun:
        run = JobRun(uid, job_id, name, start, start + length, outcome, periodic, reason,
                     namespace, calling_uid, self.r.job_type_letter(expedited),
                     self.r.job_id_in_dump_tag)
        self.jobs.append(run)
        self.wake(start, wake_reason, 200)
        self.holds.append(Hold(uid, run.tag, start, run.end))
        self.events.append(Event(start + 2, "job", "+", uid, name))
        self.events.append(Event(run.end, "job", "-", uid, name))
        return run

    def _cloudnotes(self) -> None:
        """(e) abnormal job stops: the app schedules its notes sync as an expedited job and
        reschedules it after every run; the backlog never fits, so the system stops it at the
        EJ runtime limit (timeout, 3 min on 14) or when the EJ quota runs out (constraints)."""
        uid = pkg_uid("com.example.cloudnotes")
        # 16: the app sets a trace tag (JobInfo.Builder.setTraceTag), which 16 puts in front
        # of the battery name (include_trace_tag_in_job_name, formats.md §3.2).
        name = self.r.battery_name("com.example.cloudnotes/.sync.NotesSyncJobService",
                                   trace_tag="NotesSync")
        self.cloudnotes_name = name
        plan = [
            ("08:18:11.402", "constraints"), ("09:46:55.310", "successful_finish"),
            ("11:30:02.877", "constraints"), ("13:58:40.101", "successful_finish"),
            ("15:41:19.650", "timeout"), ("16:52:31.008", "constraints"),
            ("20:10:44.416", "timeout"), ("22:58:27.090", "constraints"),
            ("d2 06:44:05.804", "timeout"), ("d2 06:58:31.227", "timeout"),
            ("d2 07:13:02.915", "constraints"), ("d2 07:27:40.377", "timeout"),
            ("d2 07:41:12.560", "timeout"), ("d2 08:08:38.190", "successful_finish"),
        ]
        for when, outcome in plan:
            day, hms = (2, when[3:]) if when.startswith("d2 ") else (1, when)
            t = self.at(day, hms)
            if outcome == "timeout":
                length, reason = 180_000 + self.rng.randint(20, 400), "client timed out"
            elif outcome == "constraints":
                length = 58_000 + self.rng.randint(0, 50_000)
                reason = "cancelled due to unsatisfied constraints"
            else:
                length, reason = 24_000 + self.rng.randint(0, 30_000), "app called jobFinished"
            self._job(uid, 1001, name, t, length, outcome, False, reason, expedited=True)
            self.radio_burst(t + 500, length)
        self.cloudnotes_last = self.jobs[-1]

    def _contactsplus(self) -> None:
        """(g) sync storm: the app calls ContentResolver.requestSync() every few minutes (on
        each change it makes itself), so SyncManager runs a short one-off sync job (a new job
        id each time) about eight times an hour, all day long."""
        uid = pkg_uid("com.example.contactsplus")
        authority = "com.example.contactsplus.provider"
        account_type = "com.example.contactsplus.account"
        sync_name = f"{authority}/{account_type}/{ACCOUNT}"
        sync_ns = self.r.sync_namespace
        job_name = self.r.battery_name(f"{sync_name}:android", sync_ns)
        t = self.t0 + 6 * 60_000 + 12_345
        while t < self.end - 60_000:
            if self.background_ok(t, 30_000):
                length = 5_400 + self.rng.randint(0, 3_100)
                job_id = 100_000 + self.rng.randint(0, 9_999)  # SyncManager's id range
                run = self._job(uid, job_id, job_name, t, length, "successful_finish", False,
                                "app called jobFinished", namespace=sync_ns, calling_uid=1000,
                                wake_reason=WR_MODEM)
                s, e = t + 160, run.end - 210
                self.syncs.append(SyncRun(uid, sync_name, s, e))
                self.holds.append(Hold(uid, f"*sync*/{sync_name}", s, e))
                self.events.append(Event(s, "sync", "+", uid, sync_name))
                self.events.append(Event(e, "sync", "-", uid, sync_name))
                self.radio_burst(s, length)
            t += 6 * 60_000 + self.rng.randint(-40_000, 40_000)
        self.contactsplus_sync = sync_name
        self.contactsplus_job = job_name
        # The next requested sync starts right after batterystats was dumped: jobscheduler
        # shows it running (Active jobs), batterystats does not know it yet.
        self.contactsplus_active = (self.now_batterystats + 325, 104_417)

    def _mail(self) -> None:
        """Healthy: hourly WorkManager refresh and a calendar sync every three hours (both
        wait for the next maintenance window or the end of Doze)."""
        uid = pkg_uid("com.example.mail")
        wm_ns = self.r.wm_namespace
        wm_name = self.r.battery_name(f"com.example.mail/{WM_SERVICE}", wm_ns)
        t = self.next_ok(self.at(1, "07:52:30.118"))
        while t < self.end - 30_000:
            self._job(uid, 12, wm_name, t, 4_200 + self.rng.randint(0, 5_000),
                      "successful_finish", True, "app called jobFinished", namespace=wm_ns)
            self.radio_burst(t + 300, 6_000)
            t = self.next_ok(t + 3_600_000 + self.rng.randint(0, 240_000))
        sync_name = f"com.android.calendar/com.example.mail.account/{ACCOUNT}"
        t = self.next_ok(self.at(1, "08:40:02.555"))
        while t < self.end - 30_000:
            run = self._job(uid, 100007,
                            self.r.battery_name(f"{sync_name}:android", self.r.sync_namespace),
                            t, 5_000 + self.rng.randint(0, 3_000), "successful_finish", True,
                            "app called jobFinished", namespace=self.r.sync_namespace,
                            calling_uid=1000)
            s, e = t + 120, run.end - 150
            self.syncs.append(SyncRun(uid, sync_name, s, e))
            self.holds.append(Hold(uid, f"*sync*/{sync_name}", s, e))
            self.events.append(Event(s, "sync", "+", uid, sync_name))
            self.events.append(Event(e, "sync", "-", uid, sync_name))
            t = self.next_ok(t + 3 * 3_600_000 + self.rng.randint(0, 600_000))
        self.mail_sync = sync_name

    def _fileshare(self) -> None:
        """(h) long foreground service: a dataSync FGS that keeps "syncing" a shared folder
        for over 14 hours."""
        uid = pkg_uid("com.example.fileshare")
        a = self.at
        sessions = [(a(1, "08:02:11.006"), a(1, "14:40:03.874")),
                    (a(1, "15:30:00.410"), a(1, "21:55:10.233")),
                    (a(2, "07:05:00.902"), self.end)]
        for s, e in sessions:
            self.fgs.append((s, e, uid))
            self.wake(s, WR_QRTR, 500)
            self.events.append(Event(s, "fg", "+", uid, "com.example.fileshare"))
            if e < self.end:
                self.events.append(Event(e, "fg", "-", uid, "com.example.fileshare"))
            t = s + 90_000
            while t < e - 120_000:
                if self.background_ok(t, 60_000):
                    length = 42_000 + self.rng.randint(0, 18_000)
                    self.wake(t, WR_MODEM, 300)
                    self.holds.append(Hold(uid, "FileShare:UploadLock", t, t + length))
                    self.radio_burst(t, length)
                t += 30 * 60_000 + self.rng.randint(0, 240_000)

    def _geonotes(self) -> None:
        """(i) background location: GPS fixes every ~25 minutes while the app is in the
        background; `*location*` is held (blamed to the app) while each fix is acquired."""
        uid = pkg_uid("com.example.geonotes")
        t = self.at(1, "07:58:44.270")
        while t < self.end - 300_000:
            if self.background_ok(t, 240_000) and not self.screen_on(t):
                length = 150_000 + self.rng.randint(0, 65_000)
                self.wake(t, WR_GNSS, 400)
                self.gps.append((t + 80, t + 80 + length, uid))
                hold = int(length * (0.72 + 0.2 * self.rng.random()))
                self.holds.append(Hold(uid, "*location*", t + 60, t + 60 + hold))
                self.holds.append(Hold(uid, "*location*", t + 80 + length - 6_000,
                                       t + 80 + length - 6_000 + 4_100))
            t += 24 * 60_000 + self.rng.randint(0, 180_000)
        # While the user adds a note (screen on, app on top): one fix, foreground.
        t = self.at(1, "21:06:12.480")
        self.gps.append((t, t + 48_220, uid))
        self.holds.append(Hold(uid, "*location*", t + 40, t + 5_912))

    def _shoppingdeals(self) -> None:
        """(f) alarm deferral: asks for an alarm every 30 min; in the RARE bucket AlarmManager
        allows one an hour, so every other one waits (policy app_standby)."""
        uid = pkg_uid("com.example.shoppingdeals")
        tag = "*walarm*:com.example.shoppingdeals.action.DEAL_CHECK"
        t = self.at(1, "08:02:58.611")
        last = t
        while t < self.end - 60_000:
            if self.background_ok(t, 10_000):
                self._alarm(uid, tag, t, 1_250 + self.rng.randint(0, 700))
                last = t
            t += 3_600_000 + self.rng.randint(0, 30_000)
        self.deals_last = last
        self.events.append(Event(self.at(1, "10:33:41.002"), "pkginactive", "", uid,
                                 "com.example.shoppingdeals"))

    def _system(self) -> None:
        """Platform noise: job deadlines, idle maintenance, network stats, dream, TIME_TICK."""
        rng = self.rng
        t = self.t0 + 17 * 60_000
        while t < self.end - 10_000:
            if not self.deep_idle(t):
                self._alarm(1000, "*walarm*:*job.deadline*", t, 80 + rng.randint(0, 60))
                self.holds.append(Hold(1000, "NetworkStats", t + 200, t + 330 + rng.randint(0, 90)))
            t += 47 * 60_000 + rng.randint(0, 600_000)
        for s, _e in self.maintenance:
            self._alarm(1000, "*walarm*:DeviceIdleController.deep", s - 40, 300)
            self.holds.append(Hold(1000, "deviceidle_maint", s, s + 4_900))
        for when, mode in self.idle:
            if mode == "light":
                self._alarm(1000, "*walarm*:DeviceIdleController.light", when - 30, 220)
        for s in self.screens:
            if s.end < self.end and not any(o.start == s.end for o in self.screens):
                self.holds.append(Hold(1000, "ActivityManager-Sleep", s.end + 30,
                                       s.end + 210 + rng.randint(0, 60)))
        # Phone radio acknowledgements ride along with modem wakeups (added in _modem).

    def _modem(self) -> None:
        """(k) the dominant kernel wakeup reason: the modem wakes the AP ~50 times an hour
        (network keep-alives), each for well under a second."""
        rng = self.rng
        t = self.t0 + 41_000
        while t < self.end - 2_000:
            if not self.screen_on(t):
                awake = 260 + rng.randint(0, 640)
                self.kwakes.append(KWake(t, WR_MODEM, awake))
                end = t + 60 + rng.randint(0, 180)
                if rng.random() < 0.45 and not any(t <= h.start <= end + 300
                                                   for h in self.holds):
                    self.holds.append(Hold(1001, "RILJ_ACK_WL", t + 5, end))
            t += 52_000 + rng.randint(0, 43_000)
        t = self.t0 + 310_000
        while t < self.end - 2_000:
            if not self.screen_on(t):
                self.kwakes.append(KWake(t, WR_IPA if rng.random() < 0.5 else WR_QRTR,
                                         300 + rng.randint(0, 900)))
            t += 21 * 60_000 + rng.randint(0, 900_000)

    # -- derived state ---------------------------------------------------------------------

    def _finish(self) -> None:
        self.holds = [h for h in self.holds if h.start < self.end]
        for h in self.holds:
            h.end = min(h.end, self.end)
        self.holds.sort(key=lambda h: (h.start, h.uid, h.tag))
        self.events = [e for e in self.events if e.t < self.end]
        self.events.sort(key=lambda e: e.t)
        screen_iv = [(s.start, s.end) for s in self.screens]
        self.screen_iv = tl.union(screen_iv)
        self.wakelock_iv = tl.union((h.start, h.end) for h in self.holds)
        # The CPU runs while the screen is on, while any wakelock is held, and briefly after
        # each kernel resume. A resume that happens while running is no resume at all.
        awake = [(k.t, k.t + k.awake) for k in self.kwakes]
        self.running_iv = tl.union(self.screen_iv + self.wakelock_iv + awake)
        starts = {s for s, _ in self.running_iv}
        by_time = {}
        for k in sorted(self.kwakes, key=lambda k: (k.t, k.reason)):
            if k.t in starts and k.t not in by_time and not tl.inside(k.t, self.screen_iv):
                by_time[k.t] = k
        self.kwakes = [by_time[t] for t in sorted(by_time)]
        self.radio_iv = tl.union((s, min(e, self.end)) for s, e in self.radio
                                 if s < self.end)
        self.media_iv = tl.union(self.media)
        self.gps_iv = tl.union((s, min(e, self.end)) for s, e, _ in self.gps if s < self.end)
        self._battery()

    def _battery(self) -> None:
        """Battery level steps from a simple current model scaled to the observed drop."""
        cuts = set()
        chans = [self.screen_iv, self.running_iv, self.gps_iv, self.radio_iv, self.media_iv]
        for chan in chans:
            for s, e in chan:
                cuts.update((s, e))
        cuts.update((self.t0, self.end))
        points = sorted(t for t in cuts if self.t0 <= t <= self.end)
        # Split long stretches so the current wanders a little (real steps are never equal).
        fine = []
        for a, b in itertools.pairwise(points):
            fine.extend(range(a, b, 90_000))
        points = sorted(set(fine) | {self.end})

        def on(chan, t):
            return tl.inside(t, chan)

        segments = []
        for a, b in itertools.pairwise(points):
            mid = (a + b) // 2
            ma = 9.0
            if on(self.running_iv, mid):
                ma += 115
            if on(self.screen_iv, mid):
                ma += 360
            if on(self.media_iv, mid):
                ma += 420
            if on(self.gps_iv, mid):
                ma += 75
            if on(self.radio_iv, mid):
                ma += 165
            segments.append((a, b, ma * (0.9 + 0.2 * self.rng.random())))
        raw_mah = sum((b - a) * ma for a, b, ma in segments) / 3_600_000
        drop_mah = (100 - END_LEVEL) * LEARNED_MAH / 100
        self.current_scale = drop_mah / raw_mah
        self.segments = [(a, b, ma * self.current_scale) for a, b, ma in segments]
        # Level changes when the consumed charge crosses each 1 % step.
        self.level_steps: list[tuple[int, int]] = []  # (time, new level)
        used = 0.0
        step = LEARNED_MAH / 100
        next_level = 99
        for a, b, ma in self.segments:
            seg = (b - a) * ma / 3_600_000
            while next_level >= END_LEVEL and used + seg >= (100 - next_level) * step:
                need = (100 - next_level) * step - used
                t = a + int(need / ma * 3_600_000) if ma else a
                self.level_steps.append((max(a, min(b - 1, t)), next_level))
                next_level -= 1
            used += seg
        self.discharge_mah = used
        self.screen_off_mah = sum((b - a) * ma for a, b, ma in self.segments
                                  if not on(self.screen_iv, (a + b) // 2)) / 3_600_000
        for t, level in self.level_steps:
            if level == 15:
                self.photobackup_battery_low = t  # battery low (<= 15 %): BATTERY_NOT_LOW lost

    # -- queries used by the writers -------------------------------------------------------

    def level_at(self, t: int) -> int:
        level = 100
        for when, lv in self.level_steps:
            if when <= t:
                level = lv
        return level

    def charge_used_mah(self, t: int) -> float:
        used = 0.0
        for a, b, ma in self.segments:
            if b <= t:
                used += (b - a) * ma / 3_600_000
            elif a < t:
                used += (t - a) * ma / 3_600_000
        return used
