"""The per-app history intervals the exports draw (the Perfetto trace), on one elapsed-time
axis, whatever built them.

One function decides the source: `app_intervals(analysis)` reads the analysis'
`history_intervals` table when the analysis has one (one row per held interval: kind, uid,
package, tag, api, start_elapsed_ms, end_elapsed_ms, start, end, duration_ms, closed_by) and
otherwise pairs today's battery history the way the report's timeline does
(`report.intervals`: a `wake_lock` record blames its holder until the next `wake_lock`
record; `+job=` / `-job=` and the other events pair per (name, uid, tag)). Either way the
result has the columns of `SPAN_COLUMNS`, device states excluded, plus the app alarm wakeups
of the alarm dump (10+) as instants.

The axis (`HistoryAxis`) is elapsed realtime when the history carries it (bug reports,
checkin: `elapsed_ms`), else milliseconds since the history's first record.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from wakescope.analyzer.model import Analysis
from wakescope.analyzer.report.facts import table

# Interval kinds the exports know, each with its history item names (AOSP BatteryStats
# HistoryItem EVENT_NAMES / the `w` state) and synonyms a `history_intervals` table may use.
KIND_NAMES = {
    "wakelock": ("wake_lock", "wakelock", "wake_lock_in"),
    "longwake": ("longwake", "long_wake", "long_wakelock"),
    "job": ("job",),
    "sync": ("sync",),
    # `Efg`: ActivityManagerService.updateProcessForegroundLocked notes EVENT_FOREGROUND when
    # a process gains or loses a foreground service (formats.md §4.3 table: uid foreground).
    "fgs": ("fg", "fgs", "foreground_service"),
    "alarm": ("alarm",),
    # `Ewa`: a radio packet woke the application processor (8.0+), blamed on its uid.
    "wakeup": ("wakeupap", "wakeup_ap", "wakeup"),
    "top": ("top",),
}
_KIND_OF = {name: kind for kind, names in KIND_NAMES.items() for name in names}
# History event name → kind, for pairing today's history (wake_lock is paired apart).
_EVENT_KIND = {"job": "job", "sync": "sync", "alarm": "alarm", "longwake": "longwake",
               "wake_lock_in": "wakelock", "top": "top", "fg": "fgs", "wakeupap": "wakeup"}

SPAN_COLUMNS = {
    "kind": pl.String, "uid": pl.Int64, "package": pl.String, "tag": pl.String,
    "api": pl.String, "component": pl.String, "rule": pl.String,
    "start_elapsed_ms": pl.Int64, "end_elapsed_ms": pl.Int64, "duration_ms": pl.Int64,
    "closed_by": pl.String, "instant": pl.Boolean,
}


@dataclass
class HistoryAxis:
    """How a history row's `offset_ms` maps to the export's elapsed-time axis."""

    base_ms: int            # axis ms = base_ms + offset_ms
    basis: str              # "elapsed realtime" or "history offset"
    start_ms: int | None    # first and last record on the axis
    end_ms: int | None
    utc_minus_axis_ms: int | None  # wall clock (UTC ms) − axis ms, when the history has both

    @property
    def elapsed(self) -> bool:
        return self.basis == "elapsed realtime"


def history_axis(history: pl.DataFrame) -> HistoryAxis:
    """The axis of a battery history table: elapsed realtime when known, else its offsets."""
    if history.is_empty() or "offset_ms" not in history.columns:
        return HistoryAxis(0, "none", None, None, None)
    base, basis = 0, "history offset"
    if "elapsed_ms" in history.columns:
        known = history.filter(pl.col("elapsed_ms").is_not_null()
                               & pl.col("offset_ms").is_not_null())
        if known.height:
            row = known.row(0, named=True)
            base, basis = int(row["elapsed_ms"]) - int(row["offset_ms"]), "elapsed realtime"
    offs = history.get_column("offset_ms").drop_nulls()
    start = base + int(offs.min()) if offs.len() else None
    end = base + int(offs.max()) if offs.len() else None
    wall = None
    if "time" in history.columns:
        timed = history.filter(pl.col("time").is_not_null() & pl.col("offset_ms").is_not_null())
        if timed.height:
            row = timed.select(
                pl.col("time").cast(pl.Datetime("ms", "UTC")).dt.epoch("ms").alias("utc"),
                "offset_ms").row(0, named=True)
            wall = int(row["utc"]) - (base + int(row["offset_ms"]))
    return HistoryAxis(base, basis, start, end, wall)


def app_intervals(analysis: Analysis) -> tuple[pl.DataFrame, HistoryAxis, str]:
    """Per-app intervals (SPAN_COLUMNS), the axis and a phrase naming their source.

    The one switch between sources: the `history_intervals` table when present, else
    today's pairing of the battery history.
    """
    history = table(analysis, "batterystats_history")
    axis = history_axis(history)
    given = table(analysis, "history_intervals")
    if given.height and "start_elapsed_ms" in given.columns:
        spans, source = _from_table(given, history), "history_intervals table"
    elif axis.basis != "none" and "kind" in history.columns:
        spans, source = _from_history(history, axis), "battery history"
    else:
        spans, source = _empty(), "none"
    extra = _alarm_wakeups(analysis, axis)
    if extra.height:
        spans = pl.concat([spans, extra], how="vertical")
        source += " and alarm wakeup history"
    return spans.sort("start_elapsed_ms", "kind", "uid", nulls_last=True), axis, source


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SPAN_COLUMNS)


def _conform(df: pl.DataFrame) -> pl.DataFrame:
    return df.select([
        (pl.col(c).cast(t) if c in df.columns else pl.lit(None, t)).alias(c)
        for c, t in SPAN_COLUMNS.items()])


def _attribution(history: pl.DataFrame) -> pl.DataFrame:
    """(kind, uid, tag) → component, rule from the attributed history (first seen)."""
    cols = set(history.columns)
    if not {"name", "uid", "tag", "component", "rule"} <= cols:
        return pl.DataFrame(schema={"kind": pl.String, "uid": pl.Int64, "tag": pl.String,
                                    "component": pl.String, "rule": pl.String})
    return (history.filter(pl.col("rule").is_not_null())
            .select(kind=pl.col("name").replace_strict(_KIND_OF, default=None),
                    uid=pl.col("uid"), tag=pl.col("tag"), component=pl.col("component"),
                    rule=pl.col("rule"))
            .filter(pl.col("kind").is_not_null())
            .unique(["kind", "uid", "tag"], keep="first", maintain_order=True))


def _from_table(given: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """The `history_intervals` table's app rows, with component/rule when it lacks them."""
    df = given.with_columns(kind=pl.col("kind").cast(pl.String).str.to_lowercase()
                            .replace_strict(_KIND_OF, default=None))
    df = df.filter(pl.col("kind").is_not_null() & pl.col("start_elapsed_ms").is_not_null())
    if not {"component", "rule"} <= set(df.columns):
        df = df.drop("component", "rule", strict=False).join(
            _attribution(history), on=["kind", "uid", "tag"], how="left", nulls_equal=True)
    end = pl.coalesce(pl.col("end_elapsed_ms"), pl.col("start_elapsed_ms"))
    df = df.with_columns(end_elapsed_ms=end, instant=end == pl.col("start_elapsed_ms"))
    if "duration_ms" not in df.columns:
        df = df.with_columns(duration_ms=pl.col("end_elapsed_ms") - pl.col("start_elapsed_ms"))
    return _conform(df)


def _from_history(history: pl.DataFrame, axis: HistoryAxis) -> pl.DataFrame:
    """Today's pairing (report.intervals) on the elapsed axis, kinds kept apart."""
    from wakescope.analyzer.report import intervals as iv

    h = iv._prepare(history.filter(pl.col("offset_ms").is_not_null()))
    h = h.with_columns(x=pl.lit(axis.base_ms, pl.Int64) + pl.col("offset_ms").cast(pl.Int64))
    start, end = int(axis.start_ms or 0), int(axis.end_ms or 0)
    parts: list[pl.DataFrame] = []
    wl = iv._wakelock_spans(h, end)
    if wl.height:
        parts.append(wl.with_columns(kind=pl.lit("wakelock"), _stop=pl.lit("next_wakelock")))
    ev = h.filter((pl.col("kind") == "event") & pl.col("name").is_in(list(_EVENT_KIND)))
    for name, kind in _EVENT_KIND.items():
        part = iv._event_spans(ev.filter(pl.col("name") == name), start, end)
        if part.height:
            parts.append(part.with_columns(kind=pl.lit(kind), _stop=pl.lit("release")))
    if not parts:
        return _empty()
    spans = pl.concat(parts, how="diagonal_relaxed").with_columns(
        package=pl.when(pl.col("owner").str.starts_with("uid ")
                        | (pl.col("owner") == "unknown owner"))
        .then(pl.lit(None, pl.String)).otherwise(pl.col("owner")),
        instant=pl.col("start") == pl.col("end"),
    )
    # How each interval ended: an instant, still open at the end of the history, or its stop
    # record (the release, or for the history's wakelock the next wake_lock record).
    spans = spans.with_columns(closed_by=pl.when(pl.col("instant")).then(pl.lit("instant"))
                               .when(pl.col("end") == end).then(pl.lit("end_of_history"))
                               .otherwise(pl.col("_stop")))
    spans = spans.join(_attribution(history), on=["kind", "uid", "tag"], how="left",
                       nulls_equal=True)
    return _conform(spans.with_columns(start_elapsed_ms=pl.col("start"),
                                       end_elapsed_ms=pl.col("end"),
                                       duration_ms=pl.col("end") - pl.col("start")))


def _alarm_wakeups(analysis: Analysis, axis: HistoryAxis) -> pl.DataFrame:
    """App alarm wakeups of the alarm dump (10+) as instants, when the axis is elapsed time;
    Samsung's addition / delivery rows are not wakeups (report.intervals)."""
    from wakescope.analyzer.report import intervals as iv

    wh = iv._alarm_wakeups(analysis)
    if not axis.elapsed or not wh.height or "elapsed_ms" not in wh.columns:
        return _empty()
    wh = wh.filter(pl.col("elapsed_ms").is_not_null())
    return _conform(wh.with_columns(
        kind=pl.lit("alarm"), start_elapsed_ms=pl.col("elapsed_ms"),
        end_elapsed_ms=pl.col("elapsed_ms"), duration_ms=pl.lit(0),
        api=pl.coalesce(pl.col("api"), pl.lit("alarm_manager")) if "api" in wh.columns
        else pl.lit("alarm_manager"),
        closed_by=pl.lit("instant"), instant=pl.lit(True)))
