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
    # history_intervals' `wakelock_state`: the device wakelock charged to its first holder.
    "wakelock": ("wake_lock", "wakelock", "wake_lock_in", "wakelock_state"),
    "longwake": ("longwake", "long_wake", "long_wakelock"),
    "job": ("job",),
    "sync": ("sync",),
    # `Efg`: ActivityManagerService.updateProcessForegroundLocked notes EVENT_FOREGROUND when
    # a process gains or loses a foreground service (formats.md §4.3 table: uid foreground).
    "fgs": ("fg", "fgs", "foreground_service", "foreground"),
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
    """Per-app intervals (SPAN_COLUMNS), the axis and a phrase naming their source: the
    analysis' `history_intervals` table (every interval with a proven end, issue 14), plus
    the history's radio wakeups (`Ewa`) and the alarm dump's wakeups as instants."""
    history = table(analysis, "batterystats_history")
    axis = history_axis(history)
    given = table(analysis, "history_intervals")
    parts, source = [], "none"
    if given.height and axis.basis != "none":
        parts.append(_from_table(given, history, axis))
        source = "history_intervals table"
    ewa = _radio_wakeups(history, axis)
    if ewa.height:
        parts.append(ewa)
    extra = _alarm_wakeups(analysis, axis)
    if extra.height:
        parts.append(extra)
        source += " and alarm wakeup history"
    spans = pl.concat(parts, how="vertical") if parts else _empty()
    # Stable: spans of one start, kind and uid keep history_intervals' order.
    return (spans.sort("start_elapsed_ms", "kind", "uid", nulls_last=True, maintain_order=True),
            axis, source)


def _radio_wakeups(history: pl.DataFrame, axis: HistoryAxis) -> pl.DataFrame:
    """`Ewa` (8.0+): a radio packet woke the application processor, blamed on its uid; an
    instant on the app's wakeup thread."""
    if history.is_empty() or not {"name", "offset_ms", "uid"} <= set(history.columns):
        return _empty()
    w = history.filter((pl.col("name") == "wakeupap") & pl.col("offset_ms").is_not_null())
    if w.is_empty():
        return _empty()
    at = pl.lit(axis.base_ms, pl.Int64) + pl.col("offset_ms").cast(pl.Int64)
    return _conform(w.select(
        kind=pl.lit("wakeup"), uid=pl.col("uid"),
        package=pl.col("owner_package") if "owner_package" in w.columns else pl.lit(None),
        tag=pl.col("tag") if "tag" in w.columns else pl.lit(None),
        api=pl.col("api") if "api" in w.columns else pl.lit(None),
        component=pl.col("component") if "component" in w.columns else pl.lit(None),
        rule=pl.col("rule") if "rule" in w.columns else pl.lit(None),
        start_elapsed_ms=at, end_elapsed_ms=at, duration_ms=pl.lit(0, pl.Int64),
        closed_by=pl.lit("instant"), instant=pl.lit(True)))


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


def _from_table(given: pl.DataFrame, history: pl.DataFrame,
                axis: HistoryAxis) -> pl.DataFrame:
    """The `history_intervals` table's app rows on the export's axis (its offsets from the
    history's first record), with component/rule joined from the attributed history."""
    df = given.with_columns(kind=pl.col("kind").cast(pl.String).str.to_lowercase()
                            .replace_strict(_KIND_OF, default=None))
    base = pl.lit(axis.base_ms, pl.Int64)
    if "start_offset_ms" in df.columns:  # the offsets exist even without a capture clock
        df = df.with_columns(start_elapsed_ms=base + pl.col("start_offset_ms").cast(pl.Int64),
                             end_elapsed_ms=base + pl.col("end_offset_ms").cast(pl.Int64))
    df = df.filter(pl.col("kind").is_not_null() & pl.col("start_elapsed_ms").is_not_null()
                   & pl.col("uid").is_not_null())
    if not {"component", "rule"} <= set(df.columns):
        df = df.drop("component", "rule", strict=False).join(
            _attribution(history), on=["kind", "uid", "tag"], how="left", nulls_equal=True,
            maintain_order="left")
    end = pl.coalesce(pl.col("end_elapsed_ms"), pl.col("start_elapsed_ms"))
    df = df.with_columns(end_elapsed_ms=end, instant=end == pl.col("start_elapsed_ms"))
    if "duration_ms" not in df.columns:
        df = df.with_columns(duration_ms=pl.col("end_elapsed_ms") - pl.col("start_elapsed_ms"))
    return _conform(df)


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
