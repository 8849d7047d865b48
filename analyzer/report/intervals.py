"""Battery history → timeline intervals: start/stop records paired into spans on one
device-local time axis, grouped into lanes (device states, then per-app wakelocks, jobs,
syncs and alarms), capped to a fixed budget so a 100k-record history stays fluid.

The history's `wake_lock` item is the first wakelock taken while none was held (AOSP
`BatteryStatsImpl.noteStartWakeLocked` → `mHistoryCur.wakelockTag`, formats.md §4.3), so
its span runs until the next `wake_lock` record of any kind; events (`+job=`/`-job=`, …)
pair per (name, uid, tag).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from wakescope.analyzer.model import Analysis
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


def _history_x(h: pl.DataFrame, analysis: Analysis) -> tuple[pl.DataFrame, str]:
    """Add `x` (ms on the report axis) to the history; says which axis it is."""
    cols = h.columns
    if "offset_ms" in cols:
        off = pl.col("offset_ms").cast(pl.Int64)
    else:
        off = pl.lit(None, dtype=pl.Int64)
    if "local_time" in cols and h.get_column("local_time").null_count() < h.height:
        lt = pl.col("local_time").cast(pl.Datetime("ms")).cast(pl.Int64)
        anchor = h.filter(pl.col("local_time").is_not_null()).row(0, named=True)
        a_lt = int(pl.Series([anchor["local_time"]]).cast(pl.Datetime("ms")).cast(pl.Int64)[0])
        a_off = anchor.get("offset_ms")
        fallback = (pl.lit(a_lt) + off - pl.lit(a_off)) if a_off is not None else None
        x = pl.coalesce(lt, fallback) if fallback is not None else lt
        return h.with_columns(x=x), "local"
    if "time" in cols and h.get_column("time").null_count() < h.height:
        utc = pl.col("time").cast(pl.Datetime("ms", "UTC")).dt.epoch("ms")
        minutes = _offset_min(analysis)
        if minutes is not None:
            return h.with_columns(x=utc + minutes * 60_000), "local"
        return h.with_columns(x=utc), "utc"
    if "offset_ms" in cols and h.get_column("offset_ms").null_count() < h.height:
        return h.with_columns(x=off), "relative"
    return h.with_columns(x=pl.lit(None, dtype=pl.Int64)), "none"


def _col(df: pl.DataFrame, name: str, dtype=pl.String) -> pl.Expr:
    return pl.col(name) if name in df.columns else pl.lit(None, dtype=dtype).alias(name)


# ---------------------------------------------------------------------------------------
# Pairing.
# ---------------------------------------------------------------------------------------

_SPAN_COLS = ("group", "owner", "uid", "tag", "api", "start", "end", "label")


def _device_spans(h: pl.DataFrame, start: int, end: int) -> pl.DataFrame:
    """Device state lanes: each `on` record lasts until the next record of that name."""
    names = [n for n, _, _ in DEVICE_LANES]
    d = h.filter(pl.col("name").is_in(names) & pl.col("kind").is_in(["state", "value"]))
    if "plugged" not in set(d.get_column("name").to_list()):
        # Older builds lack the plugged bit; `plug=ac|usb|…` says the same.
        plug = h.filter((pl.col("kind") == "battery") & (pl.col("name") == "plug"))
        plug = plug.with_columns(name=pl.lit("plugged"), transition=pl.lit("set"))
        d = pl.concat([d, plug], how="diagonal_relaxed")
    if d.is_empty():
        return pl.DataFrame()
    d = d.sort("_i").with_columns(
        next_x=pl.col("x").shift(-1).over("name"),
        first=pl.col("_i") == pl.col("_i").min().over("name"),
    )
    value = pl.col("value").fill_null("").str.to_lowercase()
    on = (pl.col("transition") == "start") | (
        (pl.col("transition") == "set") & ~value.is_in(_OFF_VALUES))
    spans = d.filter(on).select(
        group=pl.lit("device"), owner=pl.col("name"),
        start=pl.col("x"), end=pl.col("next_x").fill_null(end),
        label=pl.when(pl.col("transition") == "set").then(value).otherwise(pl.lit("")),
    )
    # A lane whose first record is a stop was on since before the history began.
    before = d.filter(pl.col("first") & (pl.col("transition") == "stop")).select(
        group=pl.lit("device"), owner=pl.col("name"), start=pl.lit(start, dtype=pl.Int64),
        end=pl.col("x"), label=pl.lit(""))
    return pl.concat([spans, before], how="diagonal_relaxed")


def _wakelock_spans(h: pl.DataFrame, end: int) -> pl.DataFrame:
    """`+wake_lock=uid:"tag"` / `wake_lock=…`: blamed until the next wake_lock record."""
    w = h.filter(pl.col("name") == "wake_lock").sort("_i")
    if w.is_empty():
        return pl.DataFrame()
    w = w.with_columns(next_x=pl.col("x").shift(-1))
    return w.filter(pl.col("transition").is_in(["start", "set"])).select(
        group=pl.lit("wakelock"), owner=pl.col("owner"), uid=pl.col("uid"), tag=pl.col("tag"),
        api=pl.col("api"), start=pl.col("x"), end=pl.col("next_x").fill_null(end),
        label=pl.lit(""))


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
    paired = starts.join(ends, on=[*key, "k"], how="left", nulls_equal=True).select(
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


def _from_history(h: pl.DataFrame, analysis: Analysis, tl: Timeline) -> pl.DataFrame:
    h, tl.axis = _history_x(h, analysis)
    h = _prepare(h.filter(pl.col("x").is_not_null()) if "x" in h.columns else h)
    if h.is_empty() or tl.axis == "none":
        tl.axis = "none"
        return pl.DataFrame()
    tl.source = "batterystats history"
    start, end = int(h.get_column("x").min()), int(h.get_column("x").max())
    tl.start, tl.end = start, end
    if "battery_level" in h.columns:
        lv = (h.filter(pl.col("battery_level").is_not_null())
               .select("x", pl.col("battery_level").cast(pl.Int64)))
        if lv.height:
            keep = lv.filter(
                (pl.col("battery_level") != pl.col("battery_level").shift(1)).fill_null(True)
                | (pl.int_range(pl.len()) == pl.len() - 1))
            tl.battery = [(int(x), int(v)) for x, v in keep.iter_rows()]
    ev = h.filter((pl.col("kind") == "event") & pl.col("name").is_in(list(EVENT_GROUP)))
    parts = [_device_spans(h, start, end), _wakelock_spans(h, end), _event_spans(ev, start, end)]
    return pl.concat([p for p in parts if p.height], how="diagonal_relaxed") \
        if any(p.height for p in parts) else pl.DataFrame()


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


def _alarm_instants(analysis: Analysis, tl: Timeline) -> pl.DataFrame:
    """App alarm wakeups (alarm dump, 10+) inside the battery history's time range."""
    wh = _alarm_wakeups(analysis)
    now, axis = _now_local_ms(analysis)
    if not wh.height or now is None or axis != tl.axis or "offset_ms" not in wh.columns:
        return pl.DataFrame()
    ev = _prepare(wh.with_columns(x=pl.lit(now) + pl.col("offset_ms"), kind=pl.lit("event"),
                                  name=pl.lit("alarm"), transition=pl.lit("instant"),
                                  tag=pl.lit(None, dtype=pl.String)))
    ev = ev.filter(pl.col("x").is_between(tl.start, tl.end))
    return _event_spans(ev, tl.start, tl.end) if ev.height else pl.DataFrame()


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
    while out.height > budget:
        merged = (lane.sort("start")
                  .with_columns(_g=(pl.col("start") - pl.col("end").cum_max().shift(1)
                                    > gap).fill_null(True).cum_sum())
                  .group_by("_g", maintain_order=True)
                  .agg(pl.col("start").min(), pl.col("end").max(),
                       pl.col("tag").drop_nulls().mode().first().alias("tag"),
                       pl.col("api").drop_nulls().mode().first().alias("api"),
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
    spans = pl.DataFrame()
    if h.height and "kind" in h.columns:
        spans = _from_history(h, analysis, tl)
        if tl.axis != "none":
            extra = _alarm_instants(analysis, tl)
            if extra.height:
                spans = pl.concat([spans, extra], how="diagonal_relaxed")
    if tl.axis == "none":
        spans = _from_services(analysis, tl)
    if spans.is_empty():
        return tl
    for c in _SPAN_COLS:
        if c not in spans.columns:
            spans = spans.with_columns(pl.lit(None, dtype=pl.String if c not in ("uid", "start",
                                       "end") else pl.Int64).alias(c))
    spans = spans.select(*_SPAN_COLS).filter(
        pl.col("start").is_not_null() & pl.col("end").is_not_null()
        & (pl.col("end") >= pl.col("start")))
    spans = spans.with_columns(
        api=pl.coalesce(pl.col("api"), pl.col("group").replace_strict(GROUP_API, default=None)))
    tl.total_spans = spans.height

    # Lanes: device lanes in fixed order, then per group the owners with most time.
    lane_keys: list[tuple[str, str]] = []
    labels: list[str] = []
    present = set(spans.filter(pl.col("group") == "device").get_column("owner").to_list())
    for name, label, _ in DEVICE_LANES:
        if name in present:
            lane_keys.append(("device", name))
            labels.append(label)
    app = spans.filter(pl.col("group") != "device").with_columns(
        dur=pl.col("end") - pl.col("start"))
    rank = (app.group_by("group", "owner").agg(pl.col("dur").sum(), pl.len())
               .sort(["dur", "len", "owner"], descending=[True, True, False]))
    owner_lane: dict[tuple[str, str], tuple[str, str]] = {}
    for group, (prefix, keep) in GROUPS.items():
        owners = rank.filter(pl.col("group") == group).get_column("owner").to_list()
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

    mapping = [(g, o, lane_index[(g, o)]) for g, o in lane_keys if g == "device"]
    mapping += [(g, o, lane_index[lk]) for (g, o), lk in owner_lane.items()]
    lanes_df = pl.DataFrame(mapping, schema={"group": pl.String, "owner": pl.String,
                                             "lane": pl.Int64}, orient="row")
    spans = spans.join(lanes_df, on=["group", "owner"], how="inner").with_columns(
        trace=pl.when(pl.col("group") == "device")
                .then(pl.when(pl.col("owner") == "device_idle")
                        .then(pl.lit("doze_") + pl.col("label").fill_null(""))
                        .otherwise(pl.col("owner")))
                .when(pl.col("group") == "top").then(pl.lit("top_app"))
                .otherwise(pl.col("api").fill_null("unknown")),
        n=pl.lit(1, dtype=pl.UInt32),
        held=pl.col("end") - pl.col("start"),
    ).sort("lane", "start")

    sizes = spans.group_by("lane", "trace").len().get_column("len").to_list()
    budget = _fair_cap(sizes, SEGMENT_BUDGET)
    text_index: dict[str, int] = {}
    merged_total = 0
    for _, part in spans.group_by(["lane", "trace"], maintain_order=True):
        if part.height > budget:
            before = part.height
            part = _merge(part, budget)
            merged_total += before - part.height
        for row in part.iter_rows(named=True):
            lane_i = row["lane"]
            text = _span_text(row, tl.lane_full[lane_i], tl.group_of_lane[lane_i])
            ti = text_index.setdefault(text, len(text_index))
            tl.segments.setdefault(row["trace"], []).append(
                (lane_i, int(row["start"]), int(row["end"]), ti))
    tl.texts = list(text_index)
    tl.merged = merged_total
    return tl


def _span_text(row: dict, lane_full: str, group: str) -> str:
    """Hover text of a span (plain; escaped when serialised)."""
    tag = row.get("tag") or ""
    if len(tag) > TAG_CHARS:
        tag = tag[:TAG_CHARS] + "…"
    parts = []
    if group == "device":
        label = row.get("label")
        parts.append(lane_full + (f": {label}" if label else ""))
    elif group == "top":
        parts.append(f"foreground: {row.get('owner')}")
    else:
        if row.get("owner") and row["owner"] != lane_full:  # "other apps" lanes
            parts.append(str(row["owner"]))
        if tag:
            parts.append(tag)
        if row.get("api"):
            parts.append(f"API: {row['api']}")
    n = row.get("n") or 1
    if n > 1:
        parts.append(f"{n} spans merged for display, held {fmt_ms(row.get('held'))} in all")
    return "\n".join(parts)
