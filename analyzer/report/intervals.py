"""Battery history → the report's timeline: the `history_intervals` table (every interval
with a proven end) and `wakeup_chains` drawn on one elapsed-time axis labelled in the
device's local time (analyzer/device_time.py: clock changes are markers, not stretched
axes), grouped into lanes (device states, wakeup causes, clock changes, then per-app
wakelocks, jobs, syncs and alarms), capped to a fixed budget so a 100k-record history stays
fluid. Without a battery history: job runs and alarm wakeups from the other dumps.

The history's `wake_lock` item is the first wakelock taken while none was held (AOSP
`BatteryStatsImpl.noteStartWakeLocked` → `mHistoryCur.wakelockTag`, formats.md §4.3); the
display's own wakelock (`+wake_lock=-1:"screen"`) gets a neutral lane of its own, and a
legacy `+wake_lock` without a tag is "first holder unknown".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

import polars as pl

from wakescope.analyzer.model import Analysis
from wakescope.analyzer.plans import ENGINE, gather_at
from wakescope.analyzer.report.facts import fmt_ms, table

# Device lanes: (history name, label, how "on" is read).
DEVICE_LANES = (
    ("screen", "Screen on", "bit"),
    ("plugged", "Plugged in", "bit"),
    ("charging", "Charging", "bit"),
    ("device_idle", "Doze", "mode"),
    ("power_save", "Battery saver", "bit"),
    ("running", "CPU awake", "bit"),
)
_OFF_VALUES = ("off", "none", "0", "false", "")

# App lane groups: group → (label prefix, lanes kept before "other apps").
GROUPS = {
    "wakelock": ("wakelock", 12),
    "job": ("job", 10),
    "sync": ("sync", 6),
    "alarm": ("alarm", 8),
    "top": ("foreground app", 1),
}
EVENT_GROUP = {"job": "job", "sync": "sync", "alarm": "alarm", "longwake": "wakelock",
               "wake_lock_in": "wakelock", "top": "top"}
GROUP_API = {"job": "job_scheduler", "sync": "sync_adapter", "alarm": "alarm_manager",
             "wakelock": "wakelock", "top": "top_app"}

# Lanes between the device states and the apps: (group, label).
SPECIAL_LANES = (("wakeup", "Wakeups · cause"), ("clock", "Clock changes"))
CLOSED_WORDS = {"cpu_sleep": "the next CPU sleep", "state_drop": "the wakelock state drop",
                "reset": "a stats reset", "shutdown": "a shutdown", "reboot": "a reboot",
                "end_of_history": "the end of the history (still held)",
                "next_holder": "the next holder"}

SEGMENT_BUDGET = 6000  # spans drawn in all; beyond it near spans of a lane are merged
TAG_CHARS = 120


@dataclass
class Timeline:
    """Everything the chart needs, in plain Python values (ms on the chosen axis)."""

    # local, utc, relative (ms since history start), before_capture (ms, negative) or none
    axis: str = "none"
    source: str = ""
    start: int | None = None
    end: int | None = None
    battery: list[tuple[int, int]] = field(default_factory=list)
    lanes: list[str] = field(default_factory=list)        # label per lane, top to bottom
    lane_full: list[str] = field(default_factory=list)    # full owner name per lane
    group_of_lane: list[str] = field(default_factory=list)
    # trace key → list of (lane index, start, end, text index); start == end: an instant
    segments: dict[str, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    merged: int = 0            # spans folded into others to stay within the budget
    total_spans: int = 0
    axis_title: str = ""
    # (axis ms from which, ms to add for the record's real wall time, zone abbreviation)
    shifts: list[tuple[int, int, str]] = field(default_factory=list)
    clock_changes: int = 0

    @property
    def what(self) -> str:
        """The app lane kinds present, for the page's caption."""
        names = {"wakelock": "wakelocks", "job": "jobs", "sync": "syncs", "alarm": "alarms"}
        found = [v for k, v in names.items() if k in self.group_of_lane]
        if not found:
            return "activity"
        return ", ".join(found[:-1]) + (" and " if len(found) > 1 else "") + found[-1]

    @property
    def empty(self) -> bool:
        return not self.battery and not any(self.segments.values())


# ---------------------------------------------------------------------------------------
# The time axis.
# ---------------------------------------------------------------------------------------


def _offset_min(analysis: Analysis) -> int | None:
    """The device's UTC offset: from the metadata, else from the capture clock."""
    cap = analysis.capture
    off = cap.meta.utc_offset_min
    if off is None and cap.clock is not None:
        off = cap.clock.utc_offset_min
    return off


def _col(df: pl.DataFrame, name: str, dtype=pl.String) -> pl.Expr:
    return pl.col(name) if name in df.columns else pl.lit(None, dtype=dtype).alias(name)


# ---------------------------------------------------------------------------------------
# Pairing.
# ---------------------------------------------------------------------------------------

_SPAN_COLS = ("group", "owner", "tag", "api", "start", "end", "label", "closed_by")
_TEXT_COLS = ("group", "owner", "tag", "api", "label", "closed_by")


def _event_spans(ev: pl.DataFrame, start: int, end: int) -> pl.DataFrame:
    """Start/stop events paired per (name, uid, tag), first in first out.

    The k-th start of a key pairs with its k-th stop that is not an orphan; a stop is an
    orphan (its start predates the history) when stops so far outnumber starts by a new
    maximum. Overlapping runs of one key happen: redacted sync names make two accounts'
    syncs one key. Unpaired starts run to the end of the history.
    """
    if ev.is_empty():
        return pl.DataFrame()
    key = ["name", "uid", "tag"]
    ev = ev.sort("_i").with_columns(
        _s=(pl.col("transition") == "stop").cast(pl.Int64),
        _t=(pl.col("transition") == "start").cast(pl.Int64),
        group=pl.col("name").replace_strict(EVENT_GROUP, default="other"),
    ).with_columns(S=pl.col("_s").cum_sum().over(key), T=pl.col("_t").cum_sum().over(key))
    ev = ev.with_columns(O=(pl.col("S") - pl.col("T")).cum_max().over(key).clip(lower_bound=0))
    ev = ev.with_columns(orphan=(pl.col("_s") == 1)
                         & (pl.col("O") > pl.col("O").shift(1).over(key).fill_null(0)))
    base = dict(group=pl.col("group"), owner=pl.col("owner"), uid=pl.col("uid"),
                tag=pl.col("tag"), api=pl.col("api"), label=pl.lit(""))
    starts = ev.filter(pl.col("_t") == 1).select("name", **base, k=pl.col("T"),
                                                 start=pl.col("x"))
    ends = ev.filter((pl.col("_s") == 1) & ~pl.col("orphan")).select(
        *key, k=pl.col("S") - pl.col("O"), end=pl.col("x"))
    paired = starts.join(ends, on=[*key, "k"], how="left", nulls_equal=True,
                         maintain_order="left").select(
        *base, start=pl.col("start"), end=pl.col("end").fill_null(end))
    orphans = ev.filter(pl.col("orphan")).select(**base, start=pl.lit(start, dtype=pl.Int64),
                                                 end=pl.col("x"))
    instants = ev.filter(pl.col("transition") == "instant").select(
        **base, start=pl.col("x"), end=pl.col("x"))
    return pl.concat([paired, orphans, instants], how="diagonal_relaxed")


def _owner_expr(df: pl.DataFrame) -> pl.Expr:
    pkg = _col(df, "package")
    uid = _col(df, "uid", pl.Int64)
    return (pl.when(pkg.is_not_null() & (pkg != "")).then(pkg)
              .when(uid.is_not_null()).then(pl.lit("uid ") + uid.cast(pl.String))
              .otherwise(pl.lit("unknown owner")))


def _prepare(df: pl.DataFrame) -> pl.DataFrame:
    """Uniform columns for pairing: _i (order), x, name, kind, transition, value, tag, ..."""
    return df.with_columns(
        _col(df, "kind"), _col(df, "transition"), _col(df, "name"), _col(df, "value"),
        _col(df, "tag"), _col(df, "uid", pl.Int64), _col(df, "api"),
        owner=_owner_expr(df),
    ).with_row_index("_i")


# ---------------------------------------------------------------------------------------
# Sources: batterystats history, else jobscheduler history and alarm wakeup history.
# ---------------------------------------------------------------------------------------


# history_intervals kind → device lane name; app kind → lane group.
DEVICE_KINDS = {"screen": "screen", "plugged": "plugged", "charging": "charging",
                "doze": "device_idle", "battery_saver": "power_save",
                "cpu_running": "running"}
APP_KINDS = {"wakelock": "wakelock", "wakelock_state": "wakelock", "longwake": "wakelock",
             "job": "job", "sync": "sync", "alarm": "alarm", "top": "top"}
DISPLAY_OWNER = "screen / display"
UNKNOWN_HOLDER = "first holder unknown"


def _from_history(h: pl.DataFrame, analysis: Analysis,
                  tl: Timeline) -> tuple[list[pl.DataFrame | pl.LazyFrame], pl.DataFrame]:
    """The history's spans (a frame or plan per source, for `_spans`), and the
    wakeup_chains whose rows the wakeup spans' `_wake` names (their hover labels are built
    for the drawn spans only, `_with_wakeup_labels`)."""
    from wakescope.analyzer.device_time import history_axis
    from wakescope.analyzer.passes.history_intervals import build_all, clock_of

    meta, clock = analysis.capture.meta, analysis.capture.clock
    hist = h.with_row_index("_row") if "_row" not in h.columns else h
    iv, chains = table(analysis, "history_intervals"), table(analysis, "wakeup_chains")
    if "closed_by" not in iv.columns:  # an analysis made without the history tables
        built = build_all(hist, meta, clock)
        iv, chains, hc = built.intervals, built.chains, built.clock
    else:  # the clock analyse() built with these tables, else built again
        hc = (analysis.history_clock if analysis.history_clock is not None
              else clock_of(hist, meta, clock))
    if hc is None:
        tl.axis = "none"
        return [], chains
    ax = history_axis(hc)
    tl.axis, tl.axis_title = ax.kind, ax.title
    tl.source = "batterystats history"
    offs = hc.frame.get_column("offset_ms")
    tl.start, tl.end = ax.x(int(offs.min())), ax.x(int(offs.max()))
    tl.shifts = [(ax.x(o) - tl.start, d, z) for o, d, z in ax.shifts]
    x = pl.lit(ax.x0, pl.Int64)
    if "battery_level" in h.columns:
        # One plan: each level on the axis (the clock's frame: one row per record, `_row`
        # its row of the history, whose level it gathers: a join of the two cost ~35 MB on a
        # long history, issue 19 item 8), in time order, where it changes, and the last one.
        keep = (hc.frame.lazy()
                .select(x=x + pl.col("offset_ms"),
                        battery_level=gather_at(h, "battery_level", "_row"))
                .filter(pl.col("battery_level").is_not_null())
                .select("x", pl.col("battery_level").cast(pl.Int64))
                .sort("x", maintain_order=True)
                .filter((pl.col("battery_level") != pl.col("battery_level").shift(1))
                        .fill_null(True) | (pl.int_range(pl.len()) == pl.len() - 1))
                .collect(engine=ENGINE))
        tl.battery = [(int(a), int(v)) for a, v in keep.iter_rows()]
    return [_interval_spans(iv, x), _wakeup_spans(chains, x), _clock_spans(hc, ax, x)], chains


def _interval_spans(iv: pl.DataFrame, x: pl.Expr) -> pl.LazyFrame:
    """history_intervals rows → spans: device lanes and per-app lanes (a plan, run by
    `_spans`)."""
    if iv.is_empty():
        return pl.LazyFrame()
    rows = iv.lazy()
    dev = rows.filter(pl.col("kind").is_in(list(DEVICE_KINDS))).select(
        group=pl.lit("device"),
        owner=pl.col("kind").replace_strict(DEVICE_KINDS, default=None),
        start=x + pl.col("start_offset_ms"), end=x + pl.col("end_offset_ms"),
        label=pl.when(pl.col("kind") == "doze").then(pl.col("tag")).otherwise(pl.lit("")),
        closed_by=pl.col("closed_by"))
    display = (pl.col("kind") == "wakelock_state") & (pl.col("tag") == "screen") \
        & pl.col("uid").is_null()
    unnamed = (pl.col("kind") == "wakelock_state") & pl.col("tag").is_null()
    # Full wake history names every wakelock: the first-holder state adds nothing but the
    # display's and unnamed holders.
    full_wake = (pl.col("kind") == "wakelock").any()
    app = rows.filter(pl.col("kind").is_in(list(APP_KINDS))
                      & (~full_wake | (pl.col("kind") != "wakelock_state") | display | unnamed))
    owner = (pl.when(display).then(pl.lit(DISPLAY_OWNER))
             .when(unnamed).then(pl.lit(UNKNOWN_HOLDER))
             .when((pl.col("kind") == "top") & pl.col("package").is_null())
             .then(pl.col("tag"))
             .otherwise(_owner_expr(iv)))
    apps = app.select(
        group=pl.col("kind").replace_strict(APP_KINDS, default=None), owner=owner,
        uid=pl.col("uid"), tag=pl.when(display | unnamed).then(pl.lit(None, pl.String))
        .otherwise(pl.col("tag")),
        api=pl.when(display).then(pl.lit("display")).otherwise(pl.col("api")),
        start=x + pl.col("start_offset_ms"), end=x + pl.col("end_offset_ms"),
        label=pl.lit(""), closed_by=pl.col("closed_by"))
    return pl.concat([dev, apps], how="diagonal_relaxed")


def _wakeup_spans(chains: pl.DataFrame, x: pl.Expr) -> pl.LazyFrame:
    """wakeup_chains' wakeups → instants on the wakeup-cause lane, coloured by cause API (a
    plan, run by `_spans`); `_wake`: the wakeup's row of `chains`, whose label is
    built only if it is drawn (a label per wakeup of a long history was ~100 bytes x 100k,
    most merged away)."""
    if chains.is_empty():
        return pl.LazyFrame()
    return chains.lazy().with_row_index("_wake").filter(pl.col("event") == "wakeup").select(
        group=pl.lit("wakeup"), owner=pl.lit("*"), uid=pl.col("uid"), tag=pl.lit(None, pl.String),
        api=pl.when(pl.col("cause_kind") == "none").then(pl.lit("kernel"))
        .otherwise(pl.coalesce(pl.col("api"), pl.lit("unknown"))),
        start=x + pl.col("wake_offset_ms"), end=x + pl.col("wake_offset_ms"),
        _wake=pl.col("_wake"),
    )


# The wakeup_chains columns a wakeup's label reads.
_WAKEUP_LABEL_COLS = ("reason_class", "reason", "cause_kind", "tag", "package", "uid",
                      "awake_ms")


def _wakeup_label() -> pl.Expr:
    """The hover label of a wakeup_chains wakeup: kernel reason, cause, CPU awake time."""
    who = pl.coalesce(pl.col("package"), pl.when(pl.col("uid").is_not_null())
                      .then(pl.lit("uid ") + pl.col("uid").cast(pl.String)))
    cause = pl.when(pl.col("cause_kind") == "none").then(
        pl.lit("nothing ran within the window (kernel only)")).otherwise(
        pl.concat_str([pl.lit("→ "), pl.col("cause_kind"), pl.lit(" "),
                       pl.col("tag").fill_null("").str.slice(0, TAG_CHARS),
                       pl.when(who.is_not_null()).then(pl.lit(" · ") + who).otherwise(
                           pl.lit(""))]))
    return pl.concat_str([
        pl.lit("wakeup: "), pl.coalesce(pl.col("reason_class"), pl.lit("no kernel reason")),
        pl.when(pl.col("reason").is_not_null())
        .then(pl.lit(" (") + pl.col("reason").str.slice(0, TAG_CHARS) + pl.lit(")"))
        .otherwise(pl.lit("")),
        pl.lit("\n"), cause,
        pl.when(pl.col("awake_ms").is_not_null())
        .then(pl.lit("\nCPU awake ") + pl.col("awake_ms").cast(pl.String) + pl.lit(" ms"))
        .otherwise(pl.lit("")),
    ])


def _with_wakeup_labels(rows: pl.DataFrame, chains: pl.DataFrame) -> pl.DataFrame:
    """`rows` (drawn spans) with the wakeup spans' labels built from their `_wake` row of
    `chains`; other spans keep theirs."""
    wake = rows.get_column("_wake") if "_wake" in rows.columns else None
    if wake is None or wake.null_count() == wake.len():
        return rows
    drawn = chains.select(pl.col(_WAKEUP_LABEL_COLS).gather(wake))
    label = drawn.select(pl.when(pl.lit(wake).is_not_null()).then(_wakeup_label())).to_series()
    return rows.with_columns(label=pl.coalesce(pl.col("label"), label))


def _clock_spans(hc, ax, x: pl.Expr) -> pl.DataFrame:
    """Clock changes (`TIME:` records that moved the device clock), reboots and DST
    transitions → instants on the clock lane."""
    from wakescope.analyzer.format import duration_words

    rows = []
    ch = hc.changes
    for off, jump, before, after in ch.select(
            "offset_ms", "jump_ms", "clock_before_ms", "clock_after_ms").iter_rows():
        sign = "+" if jump >= 0 else "−"
        rows.append((int(off), f"device clock set {sign}{duration_words(abs(int(jump)))}: "
                               f"{_wall(before)} → {_wall(after)} (device clock)"))
    utc = hc.frame.filter(pl.col("utc_ms").is_not_null()) if hc.zone.name else None
    if utc is not None and utc.height:
        lo, hi = int(utc["utc_ms"].min()), int(utc["utc_ms"].max())
        for at, before, after in hc.zone.transitions(lo, hi):
            off = utc.filter(pl.col("utc_ms") >= at).row(0, named=True)["offset_ms"]
            rows.append((int(off), f"{hc.zone.name}: {hc.zone.abbrev(at - 1)} → "
                                   f"{hc.zone.abbrev(at)} ({_utc_off(before)} → "
                                   f"{_utc_off(after)})"))
    if not rows:
        return pl.DataFrame()
    df = pl.DataFrame(rows, schema={"offset_ms": pl.Int64, "label": pl.String}, orient="row")
    return df.select(group=pl.lit("clock"), owner=pl.lit("*"), api=pl.lit("clock"),
                     start=x + pl.col("offset_ms"), end=x + pl.col("offset_ms"),
                     label=pl.col("label"))


def _wall(ms: int | None) -> str:
    from datetime import UTC, datetime

    if ms is None:
        return "?"
    try:
        return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return "?"


def _utc_off(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "−"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h:02d}:{m:02d}"


def _now_local_ms(analysis: Analysis) -> tuple[int | None, str]:
    """The capture's 'now' on the report axis (device-local when the offset is known)."""
    clock = analysis.capture.clock
    if clock is not None:
        minutes = _offset_min(analysis)
        utc = int(clock.anchor_utc_ms)
        return (utc + minutes * 60_000, "local") if minutes is not None else (utc, "utc")
    return None, "none"


def _from_services(analysis: Analysis, tl: Timeline) -> pl.DataFrame:
    """No battery history: job runs (jobscheduler history) and app alarm wakeups."""
    parts = []
    jh = table(analysis, "jobscheduler_history")
    minutes = _offset_min(analysis)
    now, axis = _now_local_ms(analysis)
    if jh.height and "time" in jh.columns and jh.get_column("time").null_count() < jh.height:
        utc = pl.col("time").cast(pl.Datetime("ms", "UTC")).dt.epoch("ms")
        x = utc + minutes * 60_000 if minutes is not None else utc
        j = jh.with_columns(
            x=x, kind=pl.lit("event"), name=pl.lit("job"),
            transition=pl.col("event").str.to_lowercase().replace(
                {"start": "start", "stop": "stop"}) if "event" in jh.columns else pl.lit(None),
        ).filter(pl.col("x").is_not_null())
        parts.append(j)
        axis = "local" if minutes is not None else "utc"
    elif jh.height and "offset_ms" in jh.columns:
        # No UTC time: place runs relative to the capture (on the wall clock when known).
        base = pl.lit(now) if now is not None else pl.lit(0)
        j = jh.with_columns(x=base + pl.col("offset_ms"), kind=pl.lit("event"),
                            name=pl.lit("job"),
                            transition=pl.col("event").str.to_lowercase())
        parts.append(j)
        if now is None:
            axis = "before_capture"
    wh = _alarm_wakeups(analysis)
    if wh.height and now is not None and "offset_ms" in wh.columns:
        parts.append(wh.with_columns(x=pl.lit(now) + pl.col("offset_ms"), kind=pl.lit("event"),
                                     name=pl.lit("alarm"), transition=pl.lit("instant"),
                                     tag=pl.lit(None, dtype=pl.String)))
    parts = [p for p in parts if p.height]
    if not parts:
        return pl.DataFrame()
    ev = _prepare(pl.concat(parts, how="diagonal_relaxed"))
    ev = ev.filter(pl.col("x").is_not_null())
    if ev.is_empty():
        return pl.DataFrame()
    tl.axis = axis
    tl.source = " and ".join(s for s, t in (("job history", jh), ("alarm wakeups", wh)) if t.height)
    start, end = int(ev.get_column("x").min()), int(ev.get_column("x").max())
    tl.start, tl.end = start, end
    return _event_spans(ev, start, end)


def _alarm_wakeups(analysis: Analysis) -> pl.DataFrame:
    """App wakeups from the alarm dump's histories; Samsung's addition / delivery / expiration
    rows in the same table are not wakeups and must not be drawn as such."""
    wh = table(analysis, "alarm_wakeup_history")
    if not wh.height or "kind" not in wh.columns:
        return wh
    kinds = set(wh.get_column("kind").unique().to_list())
    keep = "app_wakeup" if "app_wakeup" in kinds else "screen_off_wakeup"
    return wh.filter(pl.col("kind") == keep)


def _alarm_instants(analysis: Analysis, tl: Timeline) -> pl.LazyFrame:
    """App alarm wakeups (alarm dump, 10+) inside the battery history's time range: instants
    on the alarm lanes, nothing to pair (a plan, run by `_spans`)."""
    wh = _alarm_wakeups(analysis)
    now, axis = _now_local_ms(analysis)
    if not wh.height or now is None or axis != tl.axis or "offset_ms" not in wh.columns:
        return pl.LazyFrame()
    x = pl.lit(now) + pl.col("offset_ms")
    return wh.lazy().filter(x.is_between(tl.start, tl.end)).select(
        group=pl.lit("alarm"), owner=_owner_expr(wh), tag=pl.lit(None, pl.String),
        api=_col(wh, "api"), label=pl.lit(""), start=x, end=x)


# ---------------------------------------------------------------------------------------
# Lanes and budget.
# ---------------------------------------------------------------------------------------


def _short(name: str, width: int = 34) -> str:
    """Package names shortened from the left (the end is what tells apps apart)."""
    return name if len(name) <= width else "…" + name[-(width - 1):]


def _merge(lane: pl.DataFrame, budget: int) -> pl.DataFrame:
    """Fold spans closer than a growing gap until the lane fits `budget` rows."""
    gap = max(1, (int(lane["end"].max()) - int(lane["start"].min())) // (budget * 4) or 1)
    out = lane
    lane = lane.sort("start", maintain_order=True)   # once, not per pass
    while out.height > budget:
        # Stable order and sorted modes: ties picked the label at random before.
        merged = (lane
                  .with_columns(_g=(pl.col("start") - pl.col("end").cum_max().shift(1)
                                    > gap).fill_null(True).cum_sum())
                  .group_by("_g", maintain_order=True)
                  .agg(pl.col("start").min(), pl.col("end").max(),
                       pl.col("tag").drop_nulls().mode().sort().first().alias("tag"),
                       pl.col("api").drop_nulls().mode().sort().first().alias("api"),
                       pl.col("n").sum(), pl.col("held").sum(),
                       pl.exclude("_g", "start", "end", "tag", "api", "n", "held").first())
                  .drop("_g"))
        out = merged
        gap *= 2
    return out


def _fair_cap(sizes: list[int], budget: int) -> int:
    """The largest per-(lane, trace) cap c with sum(min(n, c)) <= budget (no cap if all fit):
    small lanes keep every span, only the busiest are merged."""
    if sum(sizes) <= budget:
        return max(sizes, default=0)
    lo, hi = 1, max(sizes)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(min(n, mid) for n in sizes) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return max(lo, 20)


def build(analysis: Analysis) -> Timeline:
    """The timeline of one analysis; `Timeline.empty` when no timed rows exist."""
    tl = Timeline()
    h = table(analysis, "batterystats_history")
    sources: list[pl.DataFrame | pl.LazyFrame] = []
    chains = pl.DataFrame()
    if h.height and "kind" in h.columns:
        sources, chains = _from_history(h, analysis, tl)
        if tl.axis != "none":
            sources.append(_alarm_instants(analysis, tl))
    if tl.axis == "none":
        sources = [_from_services(analysis, tl)]
    spans = _spans(sources)
    del sources
    if spans.is_empty():
        return tl
    tl.total_spans = spans.height

    # Lanes: device lanes in fixed order, then per group the owners with most time. One
    # ranking of every (group, owner), read per group in its order.
    rank = (spans.lazy().group_by("group", "owner")
                .agg(dur=(pl.col("end") - pl.col("start")).sum(), len=pl.len())
                .with_columns(pl.col("group", "owner").cast(pl.String))
                .sort(["dur", "len", "owner"], descending=[True, True, False])
                .collect(engine=ENGINE))
    owners_of: dict[str, list[str]] = {}
    for group, owner, n in rank.select("group", "owner", "len").iter_rows():
        owners_of.setdefault(group, []).append(owner)
        if group == "clock":
            tl.clock_changes += n
    lane_keys: list[tuple[str, str]] = []
    labels: list[str] = []
    present = set(owners_of.get("device", ()))
    for name, label, _ in DEVICE_LANES:
        if name in present:
            lane_keys.append(("device", name))
            labels.append(label)
    for group, label in SPECIAL_LANES:
        if group in owners_of:
            lane_keys.append((group, "*"))
            labels.append(label)
    owner_lane: dict[tuple[str, str], tuple[str, str]] = {}
    for group, (prefix, keep) in GROUPS.items():
        owners = owners_of.get(group, [])
        if group == "top":
            if owners:
                lane_keys.append(("top", "*"))
                labels.append("Foreground app")
                owner_lane.update({(group, o): ("top", "*") for o in owners})
            continue
        for o in owners[:keep]:
            lane_keys.append((group, o))
            labels.append(f"{prefix} · {_short(o)}")
            owner_lane[(group, o)] = (group, o)
        if len(owners) > keep:
            lane_keys.append((group, "*other*"))
            rest = len(owners) - keep
            labels.append(f"{prefix} · {rest} other app{'s' if rest > 1 else ''}")
            owner_lane.update({(group, o): (group, "*other*") for o in owners[keep:]})
    lane_index = {k: i for i, k in enumerate(lane_keys)}
    tl.lanes = labels
    tl.lane_full = [lbl if g == "device" or o in ("*other*", "*") else o
                    for (g, o), lbl in zip(lane_keys, labels, strict=True)]
    tl.group_of_lane = [g for g, _ in lane_keys]

    mapping = [(g, o, lane_index[(g, o)]) for g, o in lane_keys
               if g == "device" or g in dict(SPECIAL_LANES)]
    mapping += [(g, o, lane_index[lk]) for (g, o), lk in owner_lane.items()]
    lanes_df = pl.DataFrame(mapping, schema={"group": pl.Categorical, "owner": pl.Categorical,
                                             "lane": pl.Int64}, orient="row")
    # Where each span is drawn: the rows of each (lane, trace), in order of first appearance
    # in the spans sorted by lane and start, worked out on narrow frames (the lane of each
    # span, then row, lane, start and trace); the spans themselves are gathered a part at a
    # time, never copied whole (a join or sort of every column was the report's peak on
    # long histories, issue 19 item 8). The spans are sorted by start alone, then the parts
    # by lane: the same order, without a sort on two keys (~20 MB more on a long history).
    # Both sorts are stable, on the spans' order: spans of one lane with one start keep
    # their source order, whatever the Polars release (an unstable sort drew them, and
    # numbered their hover texts, in an order that changed from Polars 2.1 to 2.2). Spans
    # of no lane (lane null) are dropped with their parts.
    lane_of = (spans.lazy().select("group", "owner")
               .join(lanes_df.lazy(), on=["group", "owner"], how="left",
                     maintain_order="left")
               .select("lane").collect(engine=ENGINE).to_series())
    parts = (spans.lazy()
             .select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_r"), pl.lit(lane_of),
                     "start",
                     trace=pl.when(pl.col("group") == "device")
                     .then(pl.when(pl.col("owner") == "device_idle")
                             .then(pl.concat_str(pl.lit("doze_"), pl.col("label").fill_null(""))
                                   .cast(pl.Categorical))
                             .otherwise(pl.col("owner")))
                     .when(pl.col("group") == "top").then(pl.lit("top_app", pl.Categorical))
                     .when(pl.col("group") == "clock").then(pl.lit("clock", pl.Categorical))
                     .otherwise(pl.col("api").fill_null("unknown")))
             .sort("start", maintain_order=True)
             .group_by("lane", "trace", maintain_order=True).agg("_r")
             .filter(pl.col("lane").is_not_null())
             .sort("lane", maintain_order=True)
             .collect(engine=ENGINE))
    del lane_of

    # Many spans share one hover text (a lane's holder, tag and API): built once per key.
    text_index: dict[str, int] = {}
    text_of: dict[tuple, int] = {}
    for lane, trace, rows, merged in _lane_parts(spans, parts, chains):
        tl.merged += merged
        for owner, tag, api, start, end, label, closed_by, n, held in rows:
            key = (lane, owner, tag, api, label, closed_by, n, held if n > 1 else None)
            ti = text_of.get(key)
            if ti is None:
                text = _span_text(tl.lane_full[lane], tl.group_of_lane[lane], owner, tag, api,
                                  label, closed_by, n, held)
                ti = text_of[key] = text_index.setdefault(text, len(text_index))
            tl.segments.setdefault(trace, []).append((lane, int(start), int(end), ti))
    tl.texts = list(text_index)
    return tl


def _spans(sources: list[pl.DataFrame | pl.LazyFrame]) -> pl.DataFrame:
    """The sources' spans in one frame, as the timeline reads them: `_SPAN_COLS` (and
    `_wake`), the API defaulted per group, spans without a proven start and end dropped.

    The texts are Categorical: a few hundred distinct values over 300k+ spans on a long
    history cost 4 bytes a cell, not 16, and the lanes are grouped, joined and sorted on
    them cheaply (the report's peak, issue 19 item 8). One plan, each source cast on its
    own (casting the concatenated String columns cost ~45 MB more). A drawn part reads
    the texts back as String (`_part`).
    """
    parts = []
    for src in sources:
        lf = src.lazy()
        have = lf.collect_schema().names()
        if not have:  # a source with nothing to draw
            continue
        text = {c: pl.col(c) if c in have else pl.lit(None, pl.String) for c in _TEXT_COLS}
        text["api"] = pl.coalesce(text["api"],
                                  text["group"].replace_strict(GROUP_API, default=None))
        parts.append(lf.select(
            *(text[c].cast(pl.Categorical).alias(c) if c in text
              else pl.col(c) if c in have else pl.lit(None, pl.Int64).alias(c)
              for c in _SPAN_COLS),
            *(["_wake"] if "_wake" in have else []),
        ).filter(pl.col("start").is_not_null() & pl.col("end").is_not_null()
                 & (pl.col("end") >= pl.col("start"))))
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts, how="diagonal_relaxed").collect(engine=ENGINE)


# The columns of a drawn span (`_lane_parts`' rows), in order.
_ROW_COLS = ("owner", "tag", "api", "start", "end", "label", "closed_by", "n", "held")


def _lane_parts(spans: pl.DataFrame, parts: pl.DataFrame,
                chains: pl.DataFrame) -> Iterator[tuple[int, str, list[tuple], int]]:
    """Per part of `parts` (lane, trace, `_r`: its rows of `spans`, in order): the lane, the
    trace, its rows (`_ROW_COLS`), merged (`_merge`) when over the fair cap, and how many
    spans merging folded. `chains`: the wakeup_chains the wakeup spans' labels are from."""
    r = parts.get_column("_r")
    sizes = r.list.len()
    budget = _fair_cap(sizes.to_list(), SEGMENT_BUDGET)
    # The parts drawn whole are few rows in all (the fair cap's budget): one gather, one
    # pass; a part over the cap is gathered alone and merged.
    whole = iter(_with_wakeup_labels(_part(spans, r.filter(sizes <= budget).explode()), chains)
                 .select(_ROW_COLS).rows())
    for i, (lane, trace, n) in enumerate(zip(parts.get_column("lane"),
                                             parts.get_column("trace"), sizes, strict=True)):
        if n > budget:
            merged = _with_wakeup_labels(_merge(_part(spans, r[i]), budget), chains).select(
                _ROW_COLS)
            yield lane, trace, merged.rows(), n - merged.height
        else:
            yield lane, trace, list(islice(whole, n)), 0


def _part(spans: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    """`rows` of the spans, with the columns a drawn span needs (`_ROW_COLS`, and `_wake`
    for `_with_wakeup_labels`)."""
    return spans[rows].select(*(pl.col(c).cast(pl.String) if c in _TEXT_COLS else c
                                for c in _ROW_COLS if c not in ("n", "held")),
                              *(["_wake"] if "_wake" in spans.columns else []),
                              n=pl.lit(1, dtype=pl.UInt32),
                              held=pl.col("end") - pl.col("start"))


def _span_text(lane_full: str, group: str, owner: str | None, tag: str | None,
               api: str | None, label: str | None, closed_by: str | None, n: int | None,
               held: int | None) -> str:
    """Hover text of a span (plain; escaped when serialised)."""
    tag = tag or ""
    if len(tag) > TAG_CHARS:
        tag = tag[:TAG_CHARS] + "…"
    parts = []
    if group == "device":
        parts.append(lane_full + (f": {label}" if label else ""))
    elif group in ("wakeup", "clock"):
        parts.append(label or "")
    elif group == "top":
        parts.append(f"foreground: {owner}")
    else:
        if owner and owner != lane_full:  # "other apps" lanes
            parts.append(str(owner))
        if tag:
            parts.append(tag)
        if api:
            parts.append(f"API: {api}")
        if closed_by and closed_by != "release":
            parts.append("no release recorded: closed at "
                         f"{CLOSED_WORDS.get(closed_by, closed_by)}")
    n = n or 1
    if n > 1:
        parts.append(f"{n} spans merged for display, held {fmt_ms(held)} in all")
    return "\n".join(parts)
