"""Analysis → Perfetto trace: the battery history with wakescope's attribution on every
slice, for ui.perfetto.dev. Built with the `perfetto` package's own builder and protos
(`perfetto.trace_builder`, `perfetto_trace_pb2`), TrackEvent only, nothing interned.

What the trace holds, on the boot-time clock (elapsed realtime, as the report's history):
- counters named as Perfetto's own bug report importer names them
  (src/trace_processor/importers/android_bugreport/android_dumpstate_event_parser_impl.cc):
  `batt.capacity_pct`, `batt.charge_uah`, `batt.voltage_uv` (battery counter blueprint),
  `PlugType` / `BatteryStatus` (BatteryManager values), and one `battery_stats.<state>`
  counter per history state (screen, plugged, charging, device_idle 0/1/2 = off/light/deep,
  running, …); the temperature as `batt.temperature_c` (the importer has none);
- one process per app (pid = uid, named by package), with a thread per kind named like
  the importer's event tracks (`WakeLocks`, `battery_stats.job`, `battery_stats.sync`,
  `battery_stats.fg` for foreground services, `battery_stats.alarm`,
  `battery_stats.wakeupap`, `battery_stats.longwake`, `battery_stats.top`); overlapping
  intervals of one kind go to further threads of the same name, since slices on one
  thread must nest. Each slice carries `api`, `component`, `rule`, `tag` (and how it
  closed) as debug annotations;
- kernel wakeup reasons as instants on the `battery_stats.wake_reason` track; intervals
  without an app uid on `battery_stats.<kind> (no app)` tracks;
- findings as instants on a "wakescope findings" track (title, severity, figure), placed
  at the first slice of the finding's app and API (else its app, else the history's end).
The wall clock is recorded as a BOOTTIME↔REALTIME clock snapshot and the zone offset in
`system_info.timezone_off_mins`, so the UI can show the device's wall time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from wakescope.analyzer.model import Analysis
from wakescope.analyzer.report.facts import table
from wakescope.analyzer.report.history_spans import HistoryAxis, app_intervals

SUFFIX = ".perfetto-trace"
SEQUENCE_ID = 1
NS = 1_000_000  # ms → ns
BOOTTIME, REALTIME = 6, 1  # perfetto BuiltinClock ids

# Interval kind → thread name (Perfetto's importer: "battery_stats." + history event name,
# "WakeLocks" for the `w` state).
THREAD_NAMES = {
    "wakelock": "WakeLocks", "longwake": "battery_stats.longwake", "job": "battery_stats.job",
    "sync": "battery_stats.sync", "fgs": "battery_stats.fg", "alarm": "battery_stats.alarm",
    "wakeup": "battery_stats.wakeupap", "top": "battery_stats.top",
}
FINDINGS_TRACK = "wakescope findings"
WAKE_REASON_TRACK = "battery_stats.wake_reason"
# History battery items → (counter name, unit multiplier); AOSP prints charge in mAh,
# volt in mV, temp in tenths of a degree (BatteryStats.HistoryPrinter).
BATTERY_COUNTERS = {
    "level": ("batt.capacity_pct", 1.0),
    "charge": ("batt.charge_uah", 1000.0),
    "volt": ("batt.voltage_uv", 1000.0),
    "temp": ("batt.temperature_c", 0.1),
}
# BatteryManager.BATTERY_PLUGGED_* and BATTERY_STATUS_*, as the importer maps them.
PLUG_VALUES = {"none": 0, "ac": 1, "usb": 2, "wireless": 4, "dock": 8}
STATUS_VALUES = {"unknown": 1, "charging": 2, "discharging": 3, "not-charging": 4,
                 "full": 5}
# State values the importer maps to numbers (device_idle: DeviceIdleController modes).
STATE_VALUES = {"device_idle": {"off": 0, "light": 1, "full": 2, "deep": 2, "???": 3}}
ANNOTATIONS = ("api", "component", "rule", "tag")


@dataclass
class TraceSummary:
    """What a written trace holds, for the CLI's one line and the tests."""

    path: str | None = None
    size_bytes: int = 0
    packets: int = 0
    slices: int = 0
    instants: int = 0
    apps: int = 0
    counters: list[str] = field(default_factory=list)
    findings: int = 0
    source: str = ""
    clock: str = ""
    start_ns: int | None = None
    end_ns: int | None = None


class _Builder:
    """Track descriptors as they are needed, events kept as plain tuples until `finish`
    writes them in time order (ends before begins at the same instant)."""

    def __init__(self) -> None:
        from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb
        from perfetto.trace_builder.proto_builder import TraceProtoBuilder

        self.pb = pb
        self.out = TraceProtoBuilder()
        self.uuid = 0
        self.events: list[tuple] = []
        self.n = 0
        self.first = True

    def packet(self):
        p = self.out.add_packet()
        p.trusted_packet_sequence_id = SEQUENCE_ID
        if self.first:
            p.sequence_flags = self.pb.TracePacket.SEQ_INCREMENTAL_STATE_CLEARED
            self.first = False
        return p

    def track(self, name: str | None = None, parent: int | None = None, *,
              process: tuple[int, str] | None = None,
              thread: tuple[int, int, str] | None = None, counter: str | None = None) -> int:
        self.uuid += 1
        d = self.packet().track_descriptor
        d.uuid = self.uuid
        if parent is not None:
            d.parent_uuid = parent
        if process is not None:
            d.process.pid, d.process.process_name = process
        elif thread is not None:
            d.thread.pid, d.thread.tid, d.thread.thread_name = thread
        elif name is not None:
            d.name = name
        if counter is not None:
            d.counter.unit_name = counter
        return self.uuid

    def event(self, ts_ms: int, track: int, kind: str, name: str | None = None,
              args: tuple = (), value: float | None = None, zero: bool = False) -> None:
        # Sort key: time, then ends (0) before counters/instants/begins (1); a zero-length
        # slice's end sorts after its begin by emission order.
        order = 0 if kind == "end" and not zero else 1
        self.n += 1
        self.events.append((int(ts_ms), order, self.n, track, kind, name, args, value))

    def finish(self) -> bytes:
        te = self.pb.TrackEvent
        types = {"begin": te.TYPE_SLICE_BEGIN, "end": te.TYPE_SLICE_END,
                 "instant": te.TYPE_INSTANT, "counter": te.TYPE_COUNTER}
        # One prototype TrackEvent per distinct (type, name, annotations), copied in C:
        # most slices share their attribution, and building annotations field by field in
        # Python is what a large history's trace spends its time on.
        protos: dict[tuple, Any] = {}
        self.events.sort(key=lambda e: (e[0], e[1], e[2]))
        for ts, _, _, track, kind, name, args, value in self.events:
            p = self.packet()
            p.timestamp = ts * NS
            ev = p.track_event
            if value is not None:
                ev.type = types[kind]
                ev.double_counter_value = value
            else:
                key = (kind, name, args)
                proto = protos.get(key)
                if proto is None:
                    proto = protos[key] = te(type=types[kind], name=name, debug_annotations=[
                        self.pb.DebugAnnotation(name=k, string_value=v) for k, v in args])
                ev.CopyFrom(proto)
            ev.track_uuid = track
        return self.out.serialize()


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _slice_args(row: dict) -> tuple:
    """The four attribution annotations (always present; empty when unknown) and how the
    interval closed."""
    return _args(*(row.get(k) for k in (*ANNOTATIONS, "closed_by")))


@lru_cache(maxsize=65536)
def _args(api, component, rule, tag, closed_by) -> tuple:
    args = [("api", _text(api) or "unknown"), ("component", _text(component)),
            ("rule", _text(rule)), ("tag", _text(tag))]
    if closed_by:
        args.append(("closed_by", str(closed_by)))
    return tuple(args)


def _lanes(rows: list[dict]) -> list[int]:
    """Greedy interval partitioning: the first lane whose last slice ended before this one
    starts (slices on one thread must nest; intervals of one kind may overlap)."""
    ends: list[int] = []
    out = []
    for r in rows:
        s, e = r["start_elapsed_ms"], r["end_elapsed_ms"]
        for i, last in enumerate(ends):
            if s > last or (r["instant"] and s >= last):
                ends[i] = max(e, last)
                out.append(i)
                break
        else:
            ends.append(e)
            out.append(len(ends) - 1)
    return out


def _emit_slices(b: _Builder, rows: list[dict], tracks: list[int]) -> tuple[int, int]:
    slices = instants = 0
    for r, track in zip(rows, tracks, strict=True):
        name = r.get("tag") or r["kind"]
        args = _slice_args(r)
        if r["instant"]:
            b.event(r["start_elapsed_ms"], track, "instant", name, args)
            instants += 1
        else:
            zero = r["end_elapsed_ms"] == r["start_elapsed_ms"]
            b.event(r["start_elapsed_ms"], track, "begin", name, args)
            b.event(r["end_elapsed_ms"], track, "end", zero=zero)
            slices += 1
    return slices, instants


def _groups(df: pl.DataFrame, keys: tuple[str, ...]) -> dict[tuple, list[dict]]:
    """Rows grouped by `keys` in order (one conversion; Polars group iteration is slow for
    hundreds of small groups)."""
    out: dict[tuple, list[dict]] = {}
    for row in df.to_dicts():
        out.setdefault(tuple(row[k] for k in keys), []).append(row)
    return out


def _lane_tracks(b: _Builder, rows: list[dict], new_track) -> tuple[int, int]:
    """Emit one kind's rows on as many tracks as their overlaps need."""
    lanes = _lanes(rows)
    tracks = [new_track() for _ in range(max(lanes) + 1)]
    return _emit_slices(b, rows, [tracks[x] for x in lanes])


def _apps(b: _Builder, spans: pl.DataFrame, summary: TraceSummary) -> dict[int, int]:
    """One process per app uid, one thread per (kind, lane); returns uid → process track."""
    ordered = spans.sort("start_elapsed_ms", "end_elapsed_ms",
                         maintain_order=True).drop("duration_ms")
    app = ordered.filter(pl.col("uid").is_not_null() & (pl.col("uid") > 0))
    procs: dict[int, int] = {}
    tid = [max(int(app.get_column("uid").max() or 0) + 1, 100_000_000)] if app.height else [0]
    names = (app.group_by("uid").agg(pl.col("package").drop_nulls().mode().sort().first())
             .sort("uid"))
    for uid, package in names.iter_rows():
        procs[uid] = b.track(process=(uid, package or f"uid {uid}"))

    def thread(uid: int, kind: str):
        def make() -> int:
            tid[0] += 1
            return b.track(parent=procs[uid], thread=(
                uid, tid[0], THREAD_NAMES.get(kind, f"battery_stats.{kind}")))
        return make

    for (uid, kind), rows in _groups(app, ("uid", "kind")).items():
        s, i = _lane_tracks(b, rows, thread(uid, kind))
        summary.slices += s
        summary.instants += i
    summary.apps = len(procs)
    # Intervals with no app uid (the history's initial holder, root, the display).
    rest = ordered.filter(pl.col("uid").is_null() | (pl.col("uid") <= 0))
    for (kind,), rows in _groups(rest, ("kind",)).items():
        label = f"{THREAD_NAMES.get(kind, 'battery_stats.' + kind)} (no app)"
        s, i = _lane_tracks(b, rows, lambda label=label: b.track(label))
        summary.slices += s
        summary.instants += i
    return procs


def _counters(b: _Builder, history: pl.DataFrame, axis: HistoryAxis,
              summary: TraceSummary) -> None:
    """Battery and device-state counters from the history rows, on the axis."""
    need = {"kind", "name", "transition", "value", "offset_ms"}
    if history.is_empty() or not need <= set(history.columns):
        return
    h = history.filter(pl.col("offset_ms").is_not_null()).select(
        x=pl.lit(axis.base_ms, pl.Int64) + pl.col("offset_ms").cast(pl.Int64),
        kind=pl.col("kind"), name=pl.col("name"), transition=pl.col("transition"),
        value=pl.col("value").cast(pl.String).str.to_lowercase())
    tracks: dict[str, int] = {}

    def put(name: str, unit: str, x: int, v: float) -> None:
        if name not in tracks:
            tracks[name] = b.track(name, counter=unit)
            summary.counters.append(name)
        b.event(x, tracks[name], "counter", value=v)

    bat = h.filter(pl.col("kind") == "battery")
    for item, (name, mult) in BATTERY_COUNTERS.items():
        part = bat.filter(pl.col("name") == item).with_columns(
            v=pl.col("value").str.replace(",", ".").cast(pl.Float64, strict=False))
        for x, v in part.filter(pl.col("v").is_not_null()).select("x", "v").iter_rows():
            put(name, item, x, v * mult)
    for item, name, table_ in (("plug", "PlugType", PLUG_VALUES),
                               ("status", "BatteryStatus", STATUS_VALUES)):
        for x, v in bat.filter(pl.col("name") == item).select("x", "value").iter_rows():
            if v in table_:
                put(name, item, x, float(table_[v]))
    states = h.filter(pl.col("kind").is_in(["state", "value"]))
    for (name,), rows in _groups(states, ("name",)).items():
        if rows[0]["transition"] == "stop" and axis.start_ms is not None:  # on before history
            put(f"battery_stats.{name}", name, axis.start_ms, 1.0)
        mapping = STATE_VALUES.get(name, {})
        for r in rows:
            x, tr, v = r["x"], r["transition"], r["value"]
            if tr in ("start", "stop"):
                put(f"battery_stats.{name}", name, x, 1.0 if tr == "start" else 0.0)
            elif v is not None:
                num = mapping.get(v)
                if num is None:
                    try:
                        num = float(v)
                    except ValueError:
                        continue
                put(f"battery_stats.{name}", name, x, float(num))


def _wake_reasons(b: _Builder, history: pl.DataFrame, axis: HistoryAxis,
                  summary: TraceSummary) -> None:
    """Kernel wakeup reasons (`wake_reason=` / checkin `wr=`) as instants on a device track."""
    if history.is_empty() or "kind" not in history.columns:
        return
    wr = history.filter((pl.col("kind") == "wake_reason") & pl.col("offset_ms").is_not_null())
    if wr.is_empty():
        return
    track = b.track(WAKE_REASON_TRACK)
    cols = [c for c in ("tag", "value", "api", "component", "rule") if c in wr.columns]
    for r in wr.select("offset_ms", *cols).iter_rows(named=True):
        reason = r.get("tag") or r.get("value") or "unknown"
        row = {"api": r.get("api") or "kernel", "component": r.get("component"),
               "rule": r.get("rule"), "tag": reason}
        b.event(axis.base_ms + int(r["offset_ms"]), track, "instant", reason, _slice_args(row))
        summary.instants += 1


def _findings(b: _Builder, analysis: Analysis, spans: pl.DataFrame, end_ms: int | None,
              summary: TraceSummary) -> None:
    """Each finding as an instant where its app's (and API's) history slices begin."""
    f = table(analysis, "findings")
    if f.is_empty() or end_ms is None:
        return
    first_app_api: dict[tuple, int] = {}
    first_app: dict[int, int] = {}
    for uid, api, start in spans.select("uid", "api", "start_elapsed_ms").iter_rows():
        if uid is None:
            continue
        first_app_api.setdefault((uid, api), start)
        first_app.setdefault(uid, start)
    track = b.track(FINDINGS_TRACK)
    for r in f.iter_rows(named=True):
        uid, api = r.get("uid"), r.get("api")
        if (uid, api) in first_app_api:
            ts, placed = first_app_api[(uid, api)], "first history slice of this app and API"
        elif uid in first_app:
            ts, placed = first_app[uid], "first history slice of this app"
        else:
            ts, placed = end_ms, "end of the history (no slice of this app)"
        args = (("severity", _text(r.get("severity"))), ("kind", _text(r.get("kind"))),
                ("package", _text(r.get("package"))), ("api", _text(api)),
                ("value", _text(r.get("value"))), ("unit", _text(r.get("unit"))),
                ("threshold", _text(r.get("threshold"))), ("placed_at", placed),
                ("recommendation", _text(r.get("recommendation"))))
        b.event(ts, track, "instant", f"[{r.get('severity')}] {r.get('title')}", args)
        summary.findings += 1


def _metadata(b: _Builder, analysis: Analysis, axis: HistoryAxis, summary: TraceSummary) -> None:
    """System info (build, zone offset), the wall-clock snapshot and a capture note."""
    cap = analysis.capture
    meta = cap.meta
    clock = cap.clock
    info = b.packet().system_info
    if getattr(meta, "fingerprint", None):
        info.android_build_fingerprint = meta.fingerprint
    if getattr(meta, "manufacturer", None):
        info.android_device_manufacturer = meta.manufacturer
    if getattr(meta, "sdk", None):
        info.android_sdk_version = int(meta.sdk)
    offset_min = getattr(meta, "utc_offset_min", None)
    if offset_min is None and clock is not None:
        offset_min = getattr(clock, "utc_offset_min", None)
    if offset_min is not None:
        info.timezone_off_mins = int(offset_min)
    wall = axis.utc_minus_axis_ms
    if wall is None and clock is not None and axis.elapsed:
        wall = int(clock.anchor_utc_ms) - int(clock.anchor_elapsed_ms)
    at = axis.start_ms if axis.start_ms is not None else 0
    if wall is not None:
        snap = b.packet().clock_snapshot
        for cid, ms in ((BOOTTIME, at), (REALTIME, at + wall)):
            c = snap.clocks.add()
            c.clock_id, c.timestamp = cid, ms * NS
        snap.primary_trace_clock = BOOTTIME
    summary.clock = (f"boot time (elapsed realtime){'' if wall is not None else ', no wall clock'}"
                     if axis.elapsed else "milliseconds since the history's first record "
                     "(this dump has no elapsed realtime)")
    track = b.track("wakescope capture")
    args = [("clock", summary.clock), ("source", summary.source)]
    if wall is not None:
        args.append(("wall_clock_utc_minus_boottime_ms", str(wall)))
    if offset_min is not None:
        args.append(("utc_offset_min", str(offset_min)))
    for key in ("model", "build_id", "release", "capture_utc"):
        if getattr(meta, key, None):
            args.append((key, str(getattr(meta, key))))
    b.event(at, track, "instant", "history start", tuple(args))


def build_trace(analysis: Analysis) -> tuple[bytes, TraceSummary]:
    """The serialised trace of one analysis and what it holds."""
    summary = TraceSummary()
    spans, axis, summary.source = app_intervals(analysis)
    history = table(analysis, "batterystats_history")
    b = _Builder()
    _metadata(b, analysis, axis, summary)
    _counters(b, history, axis, summary)
    _wake_reasons(b, history, axis, summary)
    _apps(b, spans, summary)
    end = axis.end_ms
    if end is None and spans.height:
        end = int(spans.get_column("end_elapsed_ms").max())
    _findings(b, analysis, spans, end, summary)
    data = b.finish()
    if b.events:
        summary.start_ns = min(e[0] for e in b.events) * NS
        summary.end_ns = max(e[0] for e in b.events) * NS
    summary.packets = len(b.out.trace.packet)
    summary.size_bytes = len(data)
    return data, summary


def trace_path_for(html_or_stem: str | os.PathLike) -> Path:
    """`report.html` → `report.perfetto-trace` beside it."""
    p = Path(html_or_stem)
    return p.with_name(p.stem + SUFFIX) if p.suffix else p.with_name(p.name + SUFFIX)


def write_trace(analysis: Analysis, path: str | os.PathLike) -> TraceSummary:
    """Write the Perfetto trace of one analysis to `path` (atomically) and summarise it."""
    from wakescope.analyzer.outputs import write_atomic

    data, summary = build_trace(analysis)
    target = Path(path)
    write_atomic(target, data)
    summary.path = str(target)
    return summary
