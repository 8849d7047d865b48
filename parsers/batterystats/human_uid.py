"""Per-uid lines of `Statistics since last charge` (BatteryStats.dumpLocked, formats.md §4.2.1).

A uid block opens with `  <formatUid>:` and holds lines indented 4 (`Wake lock`, `Job`,
`Sync`, `Job Completions`, `Jobs deferred on launch`, `Foreground services`, `Sensor <n>:`,
`Proc <name>:`, `Apk <pkg>:`, …); `Proc` children (indent 6: `CPU: …`, `<n> starts`) and
`Apk` children (`Wakeup alarm <tag>: <n> times`, `Service <name>:` with indent-8 lines)
follow.
The block is small, so this is per-line Python with anchored regexes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from wakescope.parsers.batterystats.codes import stop_reason_name
from wakescope.parsers.batterystats.human_text import (
    TIME,
    private_name,
    private_tag,
    redact_text,
    time_ms,
    to_int,
)
from wakescope.parsers.lazy_re import lazy_compile

_WL_TYPES = "background partial|partial|full|window|draw"
_SEGMENT = (
    rf"(?:: |, )(?P<t>{TIME}) (?P<kind>{_WL_TYPES}) \((?P<n>-?\d+) times\)"
    r"(?: max=(?P<max>-?\d+))?(?: actual=(?P<actual>-?\d+))?"
    r"(?: \(running(?: for (?P<cur>-?\d+)ms)?\))?"
)
_SEGMENT_RE = lazy_compile(_SEGMENT)
# `Wake lock <name><segments> realtime`; the name may contain `: `, so it ends where the
# leftmost run of segments reaching ` realtime` starts (what a lazy `<name>` group would
# find, but `search` skips straight to each `: `/`, `), and a wakelock whose timers are all
# zero prints no segment at all.
_WAKELOCK_PREFIX = "Wake lock "
_WAKELOCK_SEGMENTS = lazy_compile(rf"(?P<segs>(?:{_SEGMENT})+) realtime$")
_WAKELOCK_BARE = lazy_compile(r"^Wake lock (?P<name>.+?) ?realtime$")
_RUNNING = r"(?: max=-?\d+)?(?: \(running(?: for -?\d+ms)?\))?"
# `Sync|Job <name>: <t>realtime (<n> times)[, <t>background (<n> times)]` or `(not used)`;
# formatTimeMs ends with a space, so there is none of our own before `realtime`.
_SYNC_JOB = lazy_compile(
    rf"^(?P<what>Sync|Job) (?P<name>.+?): (?:(?P<t>{TIME}) realtime \((?P<n>-?\d+) times\)"
    rf"{_RUNNING}(?:, (?P<bt>{TIME}) background \((?P<bn>-?\d+) times\){_RUNNING})?"
    r"|\(not used\))$")
# Reason names are `getReasonName` words, 12+ internal names, `unknown:-1` (Xiaomi 15).
_COMPLETIONS = lazy_compile(r"^Job Completions (?P<name>.+?): (?P<r>(?:\S+\(\d+x\) ?)+)$")
_REASON = lazy_compile(r"(\S+?)\((\d+)x\)")
_DEFERRED = lazy_compile(
    r"^Jobs deferred on launch times=(?P<times>\d+), count=(?P<count>\d+), "
    r"totalLatencyMs=(?P<lat>-?\d+),?(?P<buckets>.*)$")
_BUCKET = lazy_compile(r"<(\d+)ms=(\d+)")
# JOB_FRESHNESS_BUCKETS (BatteryStatsImpl): 1 h, 2 h, 4 h, 8 h, Long.MAX.
_BUCKET_COLS = {3_600_000: "under_1h", 7_200_000: "h1_2", 14_400_000: "h2_4",
                28_800_000: "h4_8", 9_223_372_036_854_775_807: "over_8h"}
_FGS = lazy_compile(rf"^Foreground services: (?P<t>{TIME}) realtime \((?P<n>-?\d+) times\)"
                  r"(?P<run> \(running\))?")
# `Audio: <t> realtime (<n> times)[ (running)]` (BatteryStats.dumpTimer) and process-state
# times `Top for: <t>` / `Fg Service for: <t>` (8.0+), kept for context (media playback,
# time as the top app).
_UID_TIMER = lazy_compile(rf"^(?P<what>Audio|Video|Foreground activities): (?P<t>{TIME}) "
                        rf"realtime \((?P<n>-?\d+) times\)(?P<run> \(running\))?")
_UID_STATE = lazy_compile(rf"^(?P<what>Top|Fg Service|Foreground|Background|Cached|"
                        rf"Top Sleeping|Heavy Weight|Foreground Service) for: (?P<t>{TIME})")
# `Sensor <handle>|GPS: [<t>blamed realtime, ]<t>realtime (<n> times)[, <t>background (<n>
# times)]` or `(not used)` (BatteryStats.dumpLocked). Before 8.0 only `<t>realtime (<n>
# times)`, the pooled time; 8.0+ prints the un-pooled time there, preceded by the pooled
# (blamed) time when the two differ, and the background part when it is non-zero.
_SENSOR = lazy_compile(
    rf"^Sensor (?P<handle>GPS|-?\d+): (?:(?:(?P<blamed>{TIME}) blamed realtime, )?"
    rf"(?P<t>{TIME}) realtime \((?P<n>-?\d+) times\)"
    rf"(?:, (?P<bt>{TIME}) background \((?P<bn>-?\d+) times\))?|\(not used\))$")
# AOSP BatteryStats.Uid.Sensor.GPS; the checkin form prints the number.
_GPS_HANDLES = ("GPS", "-10000")
_PROC = lazy_compile(r"^Proc (?P<name>.+):$")
_APK = lazy_compile(r"^Apk (?P<pkg>.+):$")
_CPU = lazy_compile(rf"^CPU: (?P<u>{TIME}) usr \+ (?P<s>{TIME}) krn ; (?P<fg>{TIME}) fg$")
_STARTS = lazy_compile(
    r"^(?P<starts>\d+) (?:proc )?starts(?:, (?P<crashes>\d+) crashes)?(?:, (?P<anrs>\d+) anrs)?$")
_WAKEUP_ALARM = lazy_compile(r"^Wakeup alarm (?P<tag>.+): (?P<n>-?\d+) times$")
# Android 5/6 (before per-tag counts): `<n> wakeup alarms` under the Apk.
_OLD_WAKEUPS = lazy_compile(r"^(?P<n>\d+) wakeup alarms$")
_SERVICE = lazy_compile(r"^Service .+:$")

# Per-uid lines we recognise but do not tabulate (network, radio, process states,
# CPU times; OEM extras such as Samsung's GPU and Bluetooth duty lines).
_UID_KNOWN = lazy_compile(
    r"^(?:TOTAL wake:|\(nothing executed\)"
    r"|(?:Mobile|Wi-Fi|Wifi|WiFi|Bluetooth|Modem|Radio|Cellular|GPS|Unoptimized Bluetooth)"
    r"\b[^:]*:"
    r"|Mobile radio active|Wifi (?:Scan|Running|Multicast)|Background Wifi Scan|Full Wifi Lock"
    r"|WiFi (?:AP wakeups|Multicast)|User activity:|(?:Audio|Video|Camera"
    r"|Flashlight|Vibrator|Foreground activities|Total running|Active for|Running for):"
    r"|[A-Z][\w ]* for:|Total (?:cpu time|screen-off cpu time|GPU time)|Cpu times per freq"
    r"|Screen-off cpu time|#\d+ GPU time|Proc state|Excessive )")
_PROC_KNOWN = lazy_compile(r"^(?:\* Killed |Excessive |Stopped |Total |(?:\d+) (?:proc )?starts)")
_SERVICE_KNOWN = lazy_compile(r"^(?:Created for:|Starts: |Launches: |Service )")


@dataclass
class UidTables:
    """Rows collected from every uid block, one list per table (dicts, schema names)."""

    wakelocks: list[dict] = field(default_factory=list)
    jobs: list[dict] = field(default_factory=list)
    completions: list[dict] = field(default_factory=list)
    deferrals: list[dict] = field(default_factory=list)
    syncs: list[dict] = field(default_factory=list)
    alarms: list[dict] = field(default_factory=list)
    processes: list[dict] = field(default_factory=list)
    fgs: list[dict] = field(default_factory=list)
    states: list[dict] = field(default_factory=list)
    sensors: list[dict] = field(default_factory=list)
    apks: list[tuple[int, str]] = field(default_factory=list)
    wakelock_lines: int = 0   # `Wake lock` lines recognised, with or without segments
    sensor_oreo_shape: bool = False   # a `Sensor` line printed a blamed or background part


class UidBlock:
    """State of the uid block being read: which uid, and the open `Proc`/`Apk` child."""

    def __init__(self, out: UidTables, redact: bool) -> None:
        self.out = out
        self.redact = redact
        self.uid: int | None = None
        self.proc: dict | None = None
        self.apk: str | None = None
        self.in_service = False
        self.child_of_other = 0   # indent of a recognised line whose children we skip

    def start(self, uid: int) -> None:
        self.uid = uid
        self._close_children()
        self.child_of_other = 0

    def _close_children(self) -> None:
        self.proc = None
        self.apk = None
        self.in_service = False

    def line(self, indent: int, text: str) -> bool:
        """Handle one line inside the uid block; False when its shape is unknown."""
        # Deeper detail under a recognised line (e.g. `Modem Tx time:` power levels).
        if self.child_of_other and indent > self.child_of_other:
            return True
        self.child_of_other = 0
        if indent <= 4:
            self._close_children()
            return self._uid_line(indent, text)
        if self.proc is not None:
            return self._proc_line(text)
        if self.apk is not None:
            return self._apk_line(indent, text)
        return False

    # -- indent 4 ------------------------------------------------------------------------

    def _uid_line(self, indent: int, s: str) -> bool:
        """One indent-4 line, classified by its first word: a line that starts with a
        handler's `<Word> ` is that handler's to accept or reject."""
        word, sep, _ = s.partition(" ")
        handler = _BY_WORD.get(word) if sep else None
        if handler is not None:
            accepted = handler(self, s)
            if accepted is not None:
                return accepted
        if word in _STATE_WORDS:
            m = _UID_TIMER.match(s) or _UID_STATE.match(s)
            if m:
                d = m.groupdict()
                self.out.states.append({"uid": self.uid,
                                        "state": d["what"].lower().replace(" ", "_"),
                                        "total_ms": time_ms(d["t"]), "count": to_int(d.get("n")),
                                        "running": bool(d.get("run"))})
                return True
        if _UID_KNOWN.match(s):
            self.child_of_other = max(indent, 4)
            return True
        return False

    def _wake(self, s: str) -> bool | None:
        return self._wakelock(s) if s.startswith(_WAKELOCK_PREFIX) else None

    def _job(self, s: str) -> bool:
        if s.startswith("Job Completions "):
            return self._completions(s)
        return self._sync_job(s)

    def _completions(self, s: str) -> bool:
        m = _COMPLETIONS.match(s)
        if not m:
            return False
        out, uid = self.out, self.uid
        job = self._name(m.group("name"))
        for reason, n in _REASON.findall(m.group("r")):
            name, code = stop_reason_name(reason)
            out.completions.append({"uid": uid, "job": job, "reason": name,
                                    "reason_code": code, "count": to_int(n)})
        return True

    def _deferred(self, s: str) -> bool | None:
        if not s.startswith("Jobs deferred on launch "):
            return None
        m = _DEFERRED.match(s)
        if not m:
            return False
        row = {"uid": self.uid, "deferred_events": to_int(m.group("times")),
               "deferred_count": to_int(m.group("count")),
               "total_latency_ms": to_int(m.group("lat"))}
        for bound, n in _BUCKET.findall(m.group("buckets")):
            col = _BUCKET_COLS.get(to_int(bound))
            if col:
                row[col] = to_int(n)
        self.out.deferrals.append(row)
        return True

    def _sync_job(self, s: str) -> bool:
        m = _SYNC_JOB.match(s)
        if not m:
            return False
        row = {"uid": self.uid, "total_ms": time_ms(m.group("t")) or 0,
               "count": to_int(m.group("n")) or 0, "background_ms": time_ms(m.group("bt")),
               "background_count": to_int(m.group("bn"))}
        if m.group("what") == "Job":
            self.out.jobs.append({**row, "job": self._name(m.group("name"))})
        else:
            raw = m.group("name")
            row["authority"] = raw.split("/", 1)[0]
            row["sync"] = private_name(raw, self.redact)
            self.out.syncs.append(row)
        return True

    def _foreground(self, s: str) -> bool | None:
        if not s.startswith("Foreground services:"):
            return None  # `Foreground activities:` / `Foreground for:`: a state line
        m = _FGS.match(s)
        if not m:
            return False
        self.out.fgs.append({"uid": self.uid, "total_ms": time_ms(m.group("t")),
                             "count": to_int(m.group("n")), "running": bool(m.group("run"))})
        return True

    def _proc(self, s: str) -> bool:
        m = _PROC.match(s)
        if not m:
            return False
        self.proc = {"uid": self.uid, "process": m.group("name")}
        self.out.processes.append(self.proc)
        return True

    def _apk(self, s: str) -> bool:
        m = _APK.match(s)
        if not m:
            return False
        self.apk = m.group("pkg")
        if self.uid is not None:
            self.out.apks.append((self.uid, self.apk))
        return True

    def _wakelock(self, s: str) -> bool:
        """A `Wake lock <name>…` line → one row per timer segment."""
        m = _WAKELOCK_SEGMENTS.search(s, len(_WAKELOCK_PREFIX))
        if m is None:
            if _WAKELOCK_BARE.match(s):
                self.out.wakelock_lines += 1   # all timers zero: recognised, no rows
                return True
            return False
        self.out.wakelock_lines += 1
        tag = private_tag(s[len(_WAKELOCK_PREFIX):m.start()], self.redact)
        for seg in _SEGMENT_RE.finditer(m.group("segs")):
            self.out.wakelocks.append({
                "uid": self.uid, "tag": tag, "kind": seg.group("kind").replace(" ", "_"),
                "total_ms": time_ms(seg.group("t")), "count": to_int(seg.group("n")),
                "max_ms": to_int(seg.group("max")), "actual_ms": to_int(seg.group("actual")),
                "current_ms": to_int(seg.group("cur")),
            })
        return True

    def _sensor(self, s: str) -> bool:
        """One `Sensor` line → a row; `(not used)` (no time since charge) gives none, as in
        checkin, which prints no `sr` line then. Fields the line cannot show stay null here
        (`human._sensors` fills them for 8.0+ dumps)."""
        m = _SENSOR.match(s)
        if m is None:
            return False
        if m.group("t") is None:
            return True
        t, blamed, bt = (time_ms(m.group(k)) for k in ("t", "blamed", "bt"))
        oreo = blamed is not None or bt is not None
        self.out.sensor_oreo_shape |= oreo
        handle = m.group("handle")
        gps = handle in _GPS_HANDLES
        self.out.sensors.append({
            "uid": self.uid, "sensor": "GPS" if gps else handle,
            "sensor_name": "GPS" if gps else None,
            "total_ms": blamed if blamed is not None else t, "count": to_int(m.group("n")),
            "actual_ms": t if oreo else None, "background_actual_ms": bt,
            "background_count": to_int(m.group("bn")),
        })
        return True

    def _name(self, name: str) -> str:
        return private_name(name, self.redact)

    # -- children ------------------------------------------------------------------------

    def _proc_line(self, s: str) -> bool:
        proc = self.proc
        assert proc is not None
        m = _CPU.match(s)
        if m:
            proc.update(user_ms=time_ms(m.group("u")), system_ms=time_ms(m.group("s")),
                        foreground_ms=time_ms(m.group("fg")))
            return True
        m = _STARTS.match(s)
        if m:
            proc.update(starts=to_int(m.group("starts")), crashes=to_int(m.group("crashes")) or 0,
                        anrs=to_int(m.group("anrs")) or 0)
            return True
        return bool(_PROC_KNOWN.match(s))

    def _apk_line(self, indent: int, s: str) -> bool:
        if indent >= 8 and self.in_service:
            return bool(_SERVICE_KNOWN.match(s))
        self.in_service = False
        m = _WAKEUP_ALARM.match(s)
        if m:
            tag = m.group("tag")
            self.out.alarms.append({"uid": self.uid, "tag": redact_text(tag) if self.redact
                                    else tag,
                                    "count": to_int(m.group("n"))})
            return True
        m = _OLD_WAKEUPS.match(s)
        if m:
            self.out.alarms.append({"uid": self.uid, "tag": None, "count": to_int(m.group("n"))})
            return True
        if _SERVICE.match(s):
            self.in_service = True
            return True
        return s == "(nothing executed)"


# `_uid_line`: first word → handler; None from a handler means "not mine" (e.g. `Foreground
# for:` is a process-state line, `Wake` alone no wakelock).
_BY_WORD: dict[str, Callable[[UidBlock, str], bool | None]] = {
    "Wake": UidBlock._wake,
    "Job": UidBlock._job,
    "Jobs": UidBlock._deferred,
    "Sync": UidBlock._sync_job,
    "Foreground": UidBlock._foreground,
    "Sensor": UidBlock._sensor,
    "Proc": UidBlock._proc,
    "Apk": UidBlock._apk,
}
# First words of the lines `_UID_TIMER` and `_UID_STATE` can match.
_STATE_WORDS = frozenset({"Audio:", "Video:", "Foreground", "Top", "Fg", "Background",
                          "Cached", "Heavy"})
