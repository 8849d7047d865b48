"""History intervals against the aggregates since charge: a job, sync or full-wake-history
wakelock's on-battery interval time beside its timer's total (`check_aggregates`), and the
job names whose history provably lacks runs (`job_history_gaps`, docs/history-job-gaps.md).
The intervals come from `passes/history_intervals.py`; the report's wakeup view shows these.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import polars as pl

from wakescope.analyzer.plans import ENGINE

# interval kind → (aggregate table, its time column, extra filter).
AGGREGATES = {
    "job": ("batterystats_jobs", "total_ms", None),
    "sync": ("batterystats_syncs", "total_ms", None),
    "wakelock": ("batterystats_wakelocks", "actual_ms", ("kind", "partial")),
}


_GAPS_SCHEMA = {"uid": pl.Int64, "job": pl.String, "proof": pl.String,
                "history_ms": pl.Int64, "aggregate_ms": pl.Int64}
_CHECKS_SCHEMA = {"kind": pl.String, "uid": pl.Int64, "package": pl.String,
                  "interval_ms": pl.Int64, "aggregate_ms": pl.Int64, "diff_ms": pl.Int64,
                  "diff_share": pl.Float64, "agrees": pl.Boolean, "incomplete": pl.String}


def _plugged_spans(intervals: pl.DataFrame) -> pl.DataFrame:
    """The history's `plugged` spans by start (`ps`), each with the latest end among the
    spans started by then (`reach`): what `_plugged` searches."""
    return (intervals.lazy().filter(pl.col("kind") == "plugged")
            .select(ps=pl.col("start_offset_ms"), pe=pl.col("end_offset_ms")).drop_nulls()
            .sort("ps").select("ps", reach=pl.col("pe").cum_max())
            .collect(engine=ENGINE))


def _plugged(e: pl.Expr, spans: pl.DataFrame) -> pl.Expr:
    """Whether the offset `e` lies in a `plugged` span (`_plugged_spans`): some span starts
    at or before it and ends after it, i.e. the latest end among the spans started by then
    lies after it (a sorted search, not a cross join: linear in the history)."""
    if spans.is_empty():
        return pl.lit(False)
    idx = pl.lit(spans["ps"]).search_sorted(e.fill_null(0), side="right").cast(pl.Int64) - 1
    reach = pl.lit(spans["reach"]).gather(idx.clip(lower_bound=0))
    return ((idx >= 0) & (reach > e)).fill_null(False)


def _plugged_at(ends: pl.DataFrame, intervals: pl.DataFrame) -> pl.Series:
    """Whether each offset in `ends["e"]` lies in a `plugged` span of the history
    (`_plugged`, on its own)."""
    spans = _plugged_spans(intervals)
    if spans.is_empty() or ends.is_empty():
        return pl.Series([False] * ends.height)
    return ends.select(_plugged(pl.col("e"), spans).alias("")).to_series()


def _by_tag(intervals: pl.DataFrame, kinds: list[str], spans: pl.DataFrame) -> pl.DataFrame:
    """Per kind × uid × tag of `kinds`' intervals, in one pass over the history's intervals:
    kind, uid, tag, the on-battery time, the runs begun (`+job`) and the runs ended by their
    own stop (`-job`) outside a plugged span, and the kind × uid's first package in history
    order."""
    return (intervals.lazy().filter(pl.col("kind").is_in(kinds)).with_columns(
        _started=(pl.col("opened_by") == "start")
        & ~_plugged(pl.col("start_offset_ms"), spans),
        _stopped=(pl.col("closed_by") == "release") & ~_plugged(pl.col("end_offset_ms"), spans),
        _package=pl.col("package").drop_nulls().first().over("kind", "uid"),
    ).group_by("kind", "uid", "tag").agg(
        interval_ms=pl.col("on_battery_ms").sum(),
        starts=pl.col("_started").sum().cast(pl.Int64),
        stops_on_battery=pl.col("_stopped").sum().cast(pl.Int64),
        package=pl.col("_package").first(),
    ).collect(engine=ENGINE))


def _columns(df: pl.DataFrame, *names: str) -> Iterator[tuple]:
    """The rows of `df`'s columns `names`, as tuples (no Polars step: `select` is one)."""
    return zip(*(df.get_column(n).to_list() for n in names), strict=True)


def _sums(pairs: Iterable[tuple[Hashable, int | None]]) -> dict[Any, int]:
    """Per key the sum of its values, nulls left out (0 when all are null), as Polars sums."""
    out: dict[Any, int] = {}
    for k, v in pairs:
        out[k] = out.get(k, 0) + (v or 0)
    return out


def _nulls_first(v: Any) -> tuple[bool, Any]:
    """A sort key that puts nulls first, as Polars sorts."""
    return v is not None, v


class _Timer(NamedTuple):
    """One uid × job name of the `Job` timers against the history."""

    uid: int | None
    job: str | None
    aggregate_ms: int
    history_ms: int
    proof: str | None  # why the history provably lacks runs; None: it is complete


def _job_timers(by_tag: pl.DataFrame, jobs: pl.DataFrame,
                completions: pl.DataFrame | None) -> list[_Timer]:
    """Per uid × job name of the `Job` timers: their time against the history's (`_by_tag`)
    and the proof where the history lacks runs (why: `job_history_gaps`). Tens of rows, so
    plain Python: a Polars step costs a fixed ~0.1-0.3 ms whatever the rows (issue 17)."""
    history = {(uid, tag): (ms, starts, stops)
               for kind, uid, tag, ms, starts, stops, _ in by_tag.iter_rows() if kind == "job"}
    rows = list(_columns(jobs, "uid", "job", "total_ms", "count"))
    timer_ms = _sums(((uid, job), ms) for uid, job, ms, _ in rows)
    runs = _sums(((uid, job), n) for uid, job, _, n in rows)
    finished = None
    if completions is not None and completions.height:
        finished = _sums(((uid, job), n) for uid, job, n in
                         _columns(completions, "uid", "job", "count"))
    out = []
    for key, aggregate_ms in timer_ms.items():
        # A timer without uid or name names no history and no completions.
        known = None not in key
        history_ms, starts, stops = history.get(key, (0, 0, 0)) if known else (0, 0, 0)
        if finished is not None:
            done = finished.get(key, 0) if known else 0
            gap = done > stops
            proof = (f"{done} finishes on battery in Job Completions, {stops} -job on battery "
                     "in the history")
        else:
            gap = starts > runs[key]
            proof = (f"{starts} +job on battery in the history, {runs[key]} runs in the Job "
                     "timer (n times)")
        # Timer time with `(0 times)`: a run begun while plugged went on on battery (14+
        # counts a start only on battery, `StopwatchTimer.startRunningLocked`); the history
        # has no on-battery time of the name, so that run's events are not in it.
        if not gap and runs[key] == 0 and aggregate_ms > 0 and history_ms == 0:
            gap, proof = True, (f"the Job timer ran {aggregate_ms} ms on battery (0 times), "
                                "the history has no on-battery run")
        out.append(_Timer(*key, aggregate_ms, history_ms, proof if gap else None))
    return out


def job_history_gaps(intervals: pl.DataFrame, tables: dict[str, pl.DataFrame]
                     ) -> pl.DataFrame:
    """Per uid × job name whose history provably lacks runs: the proof, and both times.

    AOSP `BatteryStatsImpl.noteJobStartLocked` / `noteJobFinishLocked` write `+job` / `-job`
    only when `HistoryEventTracker.updateState` says the (name, uid) pair changed: a set, not
    a counter. A run that starts while another run of the same name and uid is going writes
    no `+job`; the first finish writes `-job` and clears the pair, so the other run's finish
    is never written. The `Job` timer (a nesting `StopwatchTimer`) keeps counting until the
    last run ends, so the history falls short by the unwritten tails. Any such overlap leaves
    fewer `-job` records than runs, which two counts prove:
    - `Job Completions` (8.0+; counted at each finish while on battery,
      `Uid.noteStopJobLocked`) above the history's `-job` records that fall on battery;
    - without completions (before 8.0): more `+job` records than the timer's `(n times)`
      (the timer counts a start only when no run of the name is going).
    """
    jobs = tables.get("batterystats_jobs")
    if jobs is None or jobs.is_empty():
        return pl.DataFrame(schema=_GAPS_SCHEMA)
    by_tag = _by_tag(intervals, ["job"], _plugged_spans(intervals))
    if by_tag.is_empty():
        return pl.DataFrame(schema=_GAPS_SCHEMA)
    gaps = [t for t in _job_timers(by_tag, jobs, tables.get("batterystats_job_completions"))
            if t.proof is not None]
    gaps.sort(key=lambda t: (_nulls_first(t.uid), _nulls_first(t.job)))
    return pl.DataFrame([(t.uid, t.job, t.proof, t.history_ms, t.aggregate_ms) for t in gaps],
                        schema=_GAPS_SCHEMA, orient="row")


@dataclass
class _Check:
    """One kind × uid of `check_aggregates`, summed."""

    kind: str
    uid: int | None
    interval_ms: int = 0
    aggregate_ms: int = 0
    left_out: list[str] | None = None  # the job names left out, each with its proof
    left_out_ms: int = 0  # their timer time


def check_aggregates(intervals: pl.DataFrame, tables: dict[str, pl.DataFrame],
                     tolerance: float = 0.10) -> pl.DataFrame:
    """Per kind × uid: on-battery interval time against the stats-since-charge aggregate
    (jobs, syncs, full-wake-history wakelocks), with the gap and whether it is within
    `tolerance`. Both count on-battery time only (AOSP timers run on the battery time base).

    Jobs compare only the names whose history is complete (`job_history_gaps`); the rest
    are left out of both sides, named in `incomplete` with their proof, and `agrees` is null
    for a uid with nothing left to compare. A kind is checked when it has intervals and a
    non-empty aggregate table. One Polars pass groups the intervals of every kind; the
    per-name and per-uid tables (tens of rows) are summed in plain Python."""
    usable = {kind: t for kind, (name, _, _) in AGGREGATES.items()
              if (t := tables.get(name)) is not None and not t.is_empty()
              and "uid" in t.columns}
    if not usable:
        return pl.DataFrame(schema=_CHECKS_SCHEMA)
    spans = _plugged_spans(intervals) if "job" in usable else pl.DataFrame()
    by_tag = _by_tag(intervals, list(usable), spans)
    if by_tag.is_empty():
        return pl.DataFrame(schema=_CHECKS_SCHEMA)
    present = set(by_tag.get_column("kind").to_list())
    checks: dict[tuple, _Check] = {}

    def check(kind: str, uid: int | None, side: str) -> _Check:
        # A null uid names no app: each side's null-uid total (aggregates, history, names
        # left out) stays a row of its own.
        key = (kind, uid) if uid is not None else (kind, None, side)
        return checks.setdefault(key, _Check(kind, uid))

    left_out: set[tuple[int, str]] = set()
    if "job" in present:
        for t in _job_timers(by_tag, usable["job"],
                             tables.get("batterystats_job_completions")):
            # A name whose history provably lacks runs is left out of both sides; a null
            # uid or name leaves nothing out (it names no history).
            if t.proof is None or t.uid is None or t.job is None:
                check("job", t.uid, "aggregate").aggregate_ms += t.aggregate_ms
            else:
                left_out.add((t.uid, t.job))
            if t.proof is not None:
                c = check("job", t.uid, "left_out")
                c.left_out = c.left_out or []
                if t.job is not None:  # a null name has no "name: proof" line to list
                    c.left_out.append(f"{t.job}: {t.proof}")
                c.left_out_ms += t.aggregate_ms
    for kind in (k for k in AGGREGATES if k in present and k != "job"):
        _, col, filt = AGGREGATES[kind]
        agg = usable[kind]
        # The time column, else `total_ms`, of the rows that pass the filter.
        names = ["uid", col, "total_ms"]
        if filt is not None and filt[0] in agg.columns:
            names.append(filt[0])
        for uid, v, total, *tested in _columns(agg, *names):
            if not tested or tested[0] == filt[1]:
                check(kind, uid, "aggregate").aggregate_ms += (v if v is not None else total) or 0
    packages = {}
    for kind, uid, tag, ms, _, _, package in by_tag.iter_rows():
        if kind != "job" or (uid, tag) not in left_out:
            check(kind, uid, "history").interval_ms += ms
        packages[kind, uid] = package  # one per kind × uid (`_by_tag`)
    rows = []
    for c in checks.values():
        diff = c.interval_ms - c.aggregate_ms
        share = float(diff) / float(c.aggregate_ms) if c.aggregate_ms > 0 else None  # f64
        agrees = (abs(share) if share is not None else 0.0 if c.interval_ms == 0 else 1.0) \
            <= tolerance
        incomplete = "; ".join(sorted(c.left_out)) if c.left_out is not None else None
        # A uid whose every job name is proven incomplete has nothing left to compare.
        if incomplete is not None and c.aggregate_ms == 0 and c.interval_ms == 0:
            agrees = None
        # A row without uid names no app.
        package = packages.get((c.kind, c.uid)) if c.uid is not None else None
        rows.append((c.kind, c.uid, package, c.interval_ms, c.aggregate_ms, diff, share,
                     agrees, incomplete, c.aggregate_ms + c.left_out_ms))
    rows.sort(key=lambda r: (r[0], -r[-1], _nulls_first(r[1])))
    return pl.DataFrame([r[:-1] for r in rows], schema=_CHECKS_SCHEMA, orient="row")
