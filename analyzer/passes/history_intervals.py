"""Battery history → `history_intervals`: one row per held interval, each with a proven end.

The one source for the timeline, the passes and the exports (DESIGN.md principle 11: the
history never invents). Start and stop records pair by the string and uid they name (the
parser has already resolved checkin pool indexes, so two pool entries of one tag are one
key), first in first out per (name, uid, tag, boot). A start without its stop closes at the
first proof that it ended:

- `cpu_sleep`: the CPU went to sleep (`-running`). Wakelock-backed work (a wakelock, job,
  sync, alarm, long wakelock) without its stop cannot outlive the CPU-awake span (AOSP
  `PowerManagerService` keeps the CPU up while a partial wakelock is held; jobs and syncs
  run under `*job*/` / `*sync*/` wakelocks, alarms under `*walarm*:`);
- `state_drop`: the device wakelock state dropped (`-wake_lock`): no wakelock was held, so
  a full-wake-history `+wake_lock_in` (`+Ewl`) without its release ended there;
- `reset`, `shutdown`, `reboot`: a `RESET:TIME`, `SHUTDOWN` or `START` record (AOSP
  `BatteryStatsImpl` restarts its state with each);
- `end_of_history`: nothing proved an end; the interval is open at the last record.

Paired intervals close with `release` (their own stop); the device's wakelock state with its
first holder (`+wake_lock=<uid>:"<tag>"`, formats.md §4.3) closes with `release` or
`next_holder` (a `wake_lock=` record naming another holder).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from wakescope.analyzer.device_time import (
    BOUNDARY,
    BUILD_COLUMNS,
    HistoryClock,
    has_row,
    history_clock,
)
from wakescope.analyzer.passes.history_items import cpu_sleep, cpu_wake
from wakescope.analyzer.plans import ENGINE, gather_at
from wakescope.analyzer.tables import HISTORY_INTERVALS, WAKEUP_CHAINS
from wakescope.parsers.uid import PER_USER_RANGE

# History event name → interval kind.
EVENT_KINDS = {
    "job": "job", "sync": "sync", "top": "top", "fg": "foreground", "longwake": "longwake",
    "alarm": "alarm", "wake_lock_in": "wakelock", "tmpwhitelist": "tmp_allowlist",
    "proc": "process", "est_capacity": "component", "state": "component",
}
# State bit → interval kind (others keep their history name).
STATE_KINDS = {"running": "cpu_running", "power_save": "battery_saver",
               "device_idle": "doze"}
# Kinds that only exist while a wakelock keeps the CPU up.
CPU_BACKED = ("wakelock", "wakelock_state", "job", "sync", "alarm", "longwake")
_OFF_VALUES = ("off", "none", "0", "false", "")

_OUT = ("kind", "uid", "tag", "api", "pkg_hint", "s_i", "e_i", "closed_by", "opened_by")


# What the holder and event spans read of a row (filtered copies carry only these).
_KEYS = ["kind", "name", "transition", "uid", "tag", "api", "owner_package", "package"]


def _col(df: pl.DataFrame, name: str, dtype=pl.String) -> pl.Expr:
    return pl.col(name) if name in df.columns else pl.lit(None, dtype=dtype).alias(name)


# The history columns `_rows` keeps (those present): what the passes here, the history
# clock (device_time) and wakeup_chains read.
_ROW_COLS = ("_row", "seq", "offset_ms", "elapsed_ms", "time", "local_time", "kind", "name",
             "transition", "value", "tag", "uid", "api", "owner_package", "package")


def _in_order(h: pl.DataFrame) -> bool:
    """Whether `h` is already sorted by (seq, _row): seq never falls and _row rises."""
    seq, row = h.get_column("seq"), h.get_column("_row")
    if seq.null_count() or row.null_count():
        return False
    return bool(seq.is_sorted() and (row.diff().drop_nulls() > 0).all())


def _boundary() -> pl.Expr:
    """A `RESET`, `SHUTDOWN` or `START` record (a reset at the very first record starts the
    history; it closes nothing)."""
    return ((pl.col("kind") == "marker") & pl.col("name").is_in(list(BOUNDARY))
            & (pl.col("_i") > 0))


def _rows(history: pl.DataFrame) -> pl.DataFrame:
    """History in record order with what the intervals, the clock and the chains all read:
    `_i` (position), `_boot` (boot segment) and `_sleep` (position of the next CPU sleep at
    or after each row). The intervals' own columns are `_proofs`."""
    h = history
    if "_row" not in h.columns:
        h = h.with_row_index("_row")
    # Only the columns the intervals, the clock and the chains read: every filtered or
    # sorted copy below carries them all (memory on long histories, issue 19 item 8).
    lf = h.lazy().select([c for c in _ROW_COLS if c in h.columns]).with_columns(
        _col(h, "uid", pl.Int64), _col(h, "tag"), _col(h, "api"), _col(h, "owner_package"),
        _col(h, "package"), _col(h, "value"))
    if not _in_order(h):   # the parsers emit record order: a sort would copy every column
        lf = lf.sort(["seq", "_row"])
    # Positions as Int32: `_i` and the positions taken from it (`_sleep`, `_proofs`) are a
    # column on every history row each, half an Int64 one (issue 19 item 8).
    lf = lf.with_row_index("_i").with_columns(pl.col("_i").cast(pl.Int32))
    return lf.with_columns(
        (_boundary() & pl.col("name").is_in(["start", "reset"])).cast(pl.Int64).cum_sum()
        .alias("_boot"),
        pl.when(cpu_sleep()).then(pl.col("_i")).backward_fill().alias("_sleep"),
    ).collect(engine=ENGINE)


def _proofs(h: pl.DataFrame) -> pl.DataFrame:
    """`h` (`_rows`) with what only the intervals read: `_awake` (CPU-awake span), the
    positions of the next wakelock-state drop (`_drop`) and boundary (`_bound`) at or after
    each row, and of the latest CPU wake (`_woke`) and boundary (`_prev_bound`) at or before
    it. Positions only: what a proof was is read at its position (`_close`). `_build` adds
    them, so they are gone before the chains are built (issue 19 item 8)."""
    kind, name, tr = pl.col("kind"), pl.col("name"), pl.col("transition")
    bound = _boundary()
    drop = (kind == "wakelock") & (name == "wake_lock") & (tr == "stop")
    # CPU-awake span of each record: sleeps in earlier records (a record's `-running` item
    # comes before its events, which still belong to the span it ends).
    n_sleep = cpu_sleep().cast(pl.Int64)
    new_record = (pl.col("seq") != pl.col("seq").shift(1)).fill_null(True)
    return h.lazy().with_columns(
        pl.when(new_record).then(n_sleep.cum_sum() - n_sleep).forward_fill().alias("_awake"),
        pl.when(drop).then(pl.col("_i")).backward_fill().alias("_drop"),
        pl.when(bound).then(pl.col("_i")).backward_fill().alias("_bound"),
        # The latest CPU wake and boundary at or before each row (where an orphan stop of
        # wakelock-backed work can have started at the earliest).
        pl.when(cpu_wake()).then(pl.col("_i")).forward_fill().alias("_woke"),
        pl.when(bound).then(pl.col("_i")).forward_fill().fill_null(0).alias("_prev_bound"),
    ).collect(engine=ENGINE)


def _state_spans(h: pl.DataFrame) -> pl.LazyFrame:
    """State bits (`+screen` … `-screen`) and valued states (`device_idle=light`, `plug=ac`
    where the build lacks the plugged bit): on from a start to the next change."""
    # Only the columns read here: state rows are most of a history, and filtered copies of
    # every column were the analysis' peak on long histories (issue 19 item 8).
    kind, name = pl.col("kind"), pl.col("name")
    bit = (kind == "state") & (name != "wake_lock")
    # Older builds lack the plugged bit; `plug=ac|usb|…` says the same.
    plug = ((kind == "battery") & (name == "plug") if not has_row(h, "state", "plugged").any()
            else pl.lit(False))
    valued = ((kind == "value") & (name == "device_idle")) | plug
    value = pl.col("value").fill_null("").str.to_lowercase()
    # One filter keeps the rows in history order: the bits and the valued states apart
    # needed a concat and a sort, each a copy of most of a history (issue 19 item 8).
    d = h.lazy().select("kind", "name", "transition", "value", "_i", "_boot").filter(
        bit | valued).select(
        pl.when(plug).then(pl.lit("plugged")).otherwise(name).alias("name"),
        "transition", "_i", "_boot",
        on=pl.when(bit).then(pl.col("transition") == "start")
        .otherwise(~value.is_in(_OFF_VALUES)),
        label=pl.when(bit).then(pl.lit(None, pl.String)).otherwise(value))
    key = ["name", "_boot"]
    # A change is a row whose (on, label) differs from the previous row of that state.
    d = d.with_columns(
        _prev_on=pl.col("on").shift(1).over(key),
        _prev_label=pl.col("label").shift(1).over(key),
        _first=pl.col("_i") == pl.col("_i").min().over(key),
    ).filter(pl.col("_first") | (pl.col("on") != pl.col("_prev_on"))
             | (pl.col("on") & (pl.col("label").fill_null("") !=
                                pl.col("_prev_label").fill_null(""))))
    d = d.with_columns(_next=pl.col("_i").shift(-1).over(key),
                       _next_on=pl.col("on").shift(-1).over(key))
    kind = pl.col("name").replace_strict(STATE_KINDS, default=pl.col("name"))
    spans = d.filter("on").select(
        kind=kind, tag=pl.col("label"), s_i=pl.col("_i"), e_i=pl.col("_next"),
        closed_by=pl.when(pl.col("_next").is_not_null()).then(pl.lit("release")),
        opened_by=pl.lit("start"))
    # A state whose first record in a boot is an `off` was on since before the history.
    before = d.filter(pl.col("_first") & ~pl.col("on") & (pl.col("transition") != "set")
                      & (pl.col("_boot") == 0)).select(
        kind=kind, tag=pl.lit(None, pl.String), s_i=pl.lit(0, pl.Int64), e_i=pl.col("_i"),
        closed_by=pl.lit("release"), opened_by=pl.lit("history_start"))
    return pl.concat([spans, before], how="diagonal_relaxed")


def _holder_spans(h: pl.DataFrame) -> pl.LazyFrame:
    """The device wakelock state per first holder: each `+wake_lock=`/`wake_lock=` record
    holds until the next `wake_lock` record of any kind (formats.md §4.3)."""
    w = h.lazy().select([*_KEYS, "_i", "_boot"]).filter(
        (pl.col("kind") == "wakelock") & (pl.col("name") == "wake_lock"))
    w = w.with_columns(_next=pl.col("_i").shift(-1).over("_boot"),
                       _next_tr=pl.col("transition").shift(-1).over("_boot"))
    return w.filter(pl.col("transition").is_in(["start", "set"])).select(
        kind=pl.lit("wakelock_state"), uid=pl.col("uid"), tag=pl.col("tag"),
        api=pl.col("api"), pkg_hint=pl.coalesce("owner_package", "package"),
        s_i=pl.col("_i"), e_i=pl.col("_next"),
        closed_by=pl.when(pl.col("_next_tr") == "stop").then(pl.lit("release"))
        .when(pl.col("_next_tr").is_not_null()).then(pl.lit("next_holder")),
        opened_by=pl.lit("start"))


def _event_spans(h: pl.DataFrame) -> pl.LazyFrame:
    """`+name=uid:"tag"` … `-name=uid:"tag"` paired first in first out per key and boot
    (and, for `wake_lock_in`, CPU-awake span).

    The k-th start of a key pairs with its k-th stop that is not an orphan; a stop is an
    orphan (its start predates the history) when stops so far outnumber starts by a new
    maximum. Overlapping runs of one key happen: redacted sync names make two accounts'
    syncs one key.
    """
    ev = h.lazy().select([*_KEYS, "_i", "_boot", "_awake", "_prev_bound", "_woke"]).filter(
        (pl.col("kind") == "event") & pl.col("name").is_in(list(EVENT_KINDS))
        & pl.col("transition").is_in(["start", "stop"]))
    # A full-wake-history wakelock (`wake_lock_in`) pairs only within one CPU-awake span:
    # a partial wakelock held keeps the CPU up, so a `-running` proves it was released.
    ev = ev.with_columns(_span=pl.when(pl.col("name") == "wake_lock_in").then(pl.col("_awake"))
                         .otherwise(0))
    key = ["name", "uid", "tag", "_boot", "_span"]
    ev = ev.with_columns(
        _s=(pl.col("transition") == "stop").cast(pl.Int64),
        _t=(pl.col("transition") == "start").cast(pl.Int64),
    ).with_columns(S=pl.col("_s").cum_sum().over(key), T=pl.col("_t").cum_sum().over(key))
    ev = ev.with_columns(O=(pl.col("S") - pl.col("T")).cum_max().over(key).clip(lower_bound=0))
    ev = ev.with_columns(orphan=(pl.col("_s") == 1)
                         & (pl.col("O") > pl.col("O").shift(1).over(key).fill_null(0)))
    kind = pl.col("name").replace_strict(EVENT_KINDS, default=pl.col("name"))
    base = dict(kind=kind, api=pl.col("api"),
                pkg_hint=pl.coalesce("owner_package", "package"))
    starts = ev.filter(pl.col("_t") == 1).select(*key, **base, k=pl.col("T"),
                                                 s_i=pl.col("_i"))
    ends = ev.filter((pl.col("_s") == 1) & ~pl.col("orphan")).select(
        *key, k=pl.col("S") - pl.col("O"), e_i=pl.col("_i"))
    paired = starts.join(ends, on=[*key, "k"], how="left", nulls_equal=True,
                         maintain_order="left").select(
        *base.keys(), "uid", "tag", "s_i", "e_i",
        closed_by=pl.when(pl.col("e_i").is_not_null()).then(pl.lit("release")),
        opened_by=pl.lit("start"))
    cpu = kind.is_in(list(CPU_BACKED))
    # An orphan stop started after the last boundary, and for wakelock-backed work after
    # the CPU last woke.
    earliest = pl.when(cpu).then(pl.max_horizontal("_prev_bound", pl.col("_woke").fill_null(0)))
    orphans = ev.filter(pl.col("orphan")).select(
        **base, uid=pl.col("uid"), tag=pl.col("tag"),
        s_i=earliest.otherwise(pl.col("_prev_bound")),
        e_i=pl.col("_i"), closed_by=pl.lit("release"), opened_by=pl.lit("history_start"))
    return pl.concat([paired, orphans], how="diagonal_relaxed")


def _close(spans: pl.LazyFrame, h: pl.DataFrame) -> pl.LazyFrame:
    """Every span gets a proven end: its own stop; else the earliest of the next CPU sleep
    (wakelock-backed kinds), the next wakelock-state drop (`wakelock`), the next boundary;
    else the last record."""
    last = int(h["_i"].max())
    s = spans.with_columns(gather_at(h, c, "s_i").alias(c) for c in ("_sleep", "_drop", "_bound"))
    # The next boundary's word (`closed_by`): reset, shutdown or reboot, by its record.
    s = s.with_columns(_bound_kind=gather_at(h, "name", "_bound")
                       .replace_strict(BOUNDARY, default=None, return_dtype=pl.String))
    # Proofs strictly after the start row (a start and its own record's sleep: the sleep
    # item precedes the start item in the record, so `>= s_i` is already after it).
    cpu = pl.col("kind").is_in(list(CPU_BACKED))
    cand = [
        (pl.when(cpu).then(pl.col("_sleep")), "cpu_sleep"),
        (pl.when(pl.col("kind") == "wakelock").then(pl.col("_drop")), "state_drop"),
        (pl.col("_bound"), None),
    ]
    # Only a start without its own stop needs a proof: a paired interval is proven (the
    # running bit can drop while a wakelock is held: 251 times in the Samsung 6 checkin).
    s = s.with_columns(_unmatched=pl.col("e_i").is_null())
    # One step per proof, the end so far a column: one expression nesting the earlier
    # steps' twice each cost ~5 ms to evaluate.
    end = pl.col("e_i")
    for proof, label in cand:
        earlier = pl.col("_unmatched") & proof.is_not_null() & (end.is_null() | (proof < end))
        s = s.with_columns(
            closed_by=pl.when(earlier).then(pl.lit(label) if label else pl.col("_bound_kind"))
            .otherwise(pl.col("closed_by")),
            e_i=pl.when(earlier).then(proof).otherwise(end))
    s = s.with_columns(closed_by=pl.col("closed_by").fill_null("end_of_history"),
                       e_i=pl.col("e_i").fill_null(last))
    return s.drop("_sleep", "_drop", "_bound", "_bound_kind", "_unmatched")


def _history_packages(h: pl.DataFrame) -> pl.DataFrame:
    """uid → package from the history's own strings: `top`, `pkgactive`, `pkginactive`
    events name the package (AOSP `ActivityManagerService` / `AppStandbyController`)."""
    named = h.lazy().select("name", "uid", "tag").filter(
        pl.col("name").is_in(["top", "pkgactive", "pkginactive"])
        & pl.col("uid").is_not_null() & pl.col("tag").is_not_null()
        & pl.col("tag").str.contains(r"^[A-Za-z][\w]*(\.[\w]+)+$"))
    return (named.group_by("uid").agg(pl.col("tag").mode().sort().first().alias("_hist_pkg"))
            .collect(engine=ENGINE))


@dataclass
class HistoryTables:
    """The history's derived tables and its clock."""

    intervals: pl.DataFrame
    chains: pl.DataFrame
    clock: HistoryClock | None


def build_all(history: pl.DataFrame, meta: Any = None, clock: Any = None) -> HistoryTables:
    """history_intervals and wakeup_chains of one (attributed) history, one pass of prep."""
    from wakescope.analyzer.passes import wakeup_chains

    if history.is_empty() or not {"seq", "offset_ms", "kind", "name", "transition"} <= set(
            history.columns):
        return HistoryTables(HISTORY_INTERVALS.empty(), WAKEUP_CHAINS.empty(), None)
    h = _rows(history)
    packages = _history_packages(h)
    intervals, hc = _build(h, meta, clock, packages)
    # Each of the clock's build columns goes once what reads it is built: the running
    # totals after the intervals, the elapsed times after the chains (issue 19 item 8).
    hc = hc.without("on_battery_ms", "screen_off_ms")
    chains = wakeup_chains.build(h, hc, packages)
    return HistoryTables(intervals, chains, hc.without(*BUILD_COLUMNS))


def build(history: pl.DataFrame, meta: Any = None, clock: Any = None) -> pl.DataFrame:
    """The `history_intervals` table of an (attributed) batterystats_history table; `meta`
    and `clock` (the capture's) place it in time."""
    return build_with_clock(history, meta, clock)[0]


def build_with_clock(history: pl.DataFrame, meta: Any = None, clock: Any = None,
                     ) -> tuple[pl.DataFrame, HistoryClock | None]:
    """`build`, plus the history's clock (rows' times, clock changes, zone)."""
    if history.is_empty() or not {"seq", "offset_ms", "kind", "name", "transition"} <= set(
            history.columns):
        return HISTORY_INTERVALS.empty(), None
    return _build(_rows(history), meta, clock)


def _build(h: pl.DataFrame, meta: Any, clock: Any, packages: pl.DataFrame | None = None,
           ) -> tuple[pl.DataFrame, HistoryClock]:
    """build_with_clock on prepared rows (`packages`: `_history_packages(h)`, when the
    caller has it already). The spans, their ends and their times are one plan: a plan per
    step cost ~0.1-0.3 ms each, ~50 of them (issue 17)."""
    hc = history_clock(h, meta, clock)
    h = _proofs(h)
    # One kind of span after the other: run side by side, their window steps over the
    # history were the stage's peak (issue 19 item 8).
    spans = pl.concat([_state_spans(h), _holder_spans(h), _event_spans(h)],
                      how="diagonal_relaxed", parallel=False)
    spans = _close(spans.select(_OUT), h)
    # The clock's frame is in `_i` order with `_i` its position: each end's times are a
    # gather, not a join that copies the spans twice (issue 19 item 8).
    t = hc.frame
    # The table's order (start, kind, uid, tag; a stable sort), taken while the spans are
    # narrow: sorting the finished rows copied all 18 columns at the stage's peak.
    spans = spans.with_columns(gather_at(t, "offset_ms", "s_i").alias("s_offset_ms")).sort(
        ["s_offset_ms", "kind", "uid", "tag"], nulls_last=True, maintain_order=True)

    def at_start(col: str) -> pl.Expr:
        return gather_at(t, col, "s_i")

    def at_end(col: str) -> pl.Expr:
        return gather_at(t, col, "e_i")

    # uid → the history's package: a lookup (one `packages` row per uid), where a join
    # copied every span's columns at the stage's peak (issue 19 item 8).
    if packages is None:
        packages = _history_packages(h)
    hist_pkg = pl.col("uid").replace_strict(packages.get_column("uid"),
                                            packages.get_column("_hist_pkg"), default=None,
                                            return_dtype=pl.String)
    app = (pl.col("uid") % PER_USER_RANGE) >= 10_000
    # The times are gathered into the output columns themselves: gathered first as helper
    # columns, all of them were alive beside the output (issue 19 item 8).
    out = spans.select(
        "kind", "uid",
        package=pl.coalesce(pl.col("pkg_hint"), pl.when(app).then(hist_pkg)),
        tag="tag", api="api",
        start_elapsed_ms=at_start("elapsed_ms"), end_elapsed_ms=at_end("elapsed_ms"),
        start=pl.from_epoch(at_start("utc_ms"), time_unit="ms").dt.replace_time_zone("UTC"),
        end=pl.from_epoch(at_end("utc_ms"), time_unit="ms").dt.replace_time_zone("UTC"),
        duration_ms=(at_end("offset_ms") - pl.col("s_offset_ms")).clip(lower_bound=0),
        closed_by="closed_by", opened_by="opened_by",
        start_offset_ms="s_offset_ms", end_offset_ms=at_end("offset_ms"),
        on_battery_ms=(at_end("on_battery_ms") - at_start("on_battery_ms")).clip(lower_bound=0),
        screen_off_ms=(at_end("screen_off_ms") - at_start("screen_off_ms")).clip(lower_bound=0),
        start_row=at_start("_row"), end_row=at_end("_row"),
    ).collect(engine=ENGINE)
    if out.is_empty():
        return HISTORY_INTERVALS.empty(), hc
    return HISTORY_INTERVALS.conform(out), hc


def clock_of(history: pl.DataFrame, meta: Any = None, clock: Any = None
             ) -> HistoryClock | None:
    """The history's clock alone (times per row, clock changes, zone), for drawing."""
    if history.is_empty() or not {"seq", "offset_ms", "kind", "name", "transition"} <= set(
            history.columns):
        return None
    return history_clock(_rows(history), meta, clock)


# ---------------------------------------------------------------------------------------
# What the passes read: the wakelock figures, from the intervals.
# ---------------------------------------------------------------------------------------


def _start_rows(history: pl.DataFrame, intervals: pl.LazyFrame, cols: list[str],
                ) -> pl.LazyFrame:
    """`start_row` (the history's `_row`) and `cols` of the history rows `intervals` start
    at: only those rows, not a whole history to join against (issue 19 item 8)."""
    starts = intervals.select("start_row").collect(engine=ENGINE).to_series()
    row = pl.col("_row").cast(pl.Int64)
    return history.lazy().filter(row.is_in(starts.implode())).select(
        row.alias("start_row"), *cols)


def first_holder_screen_off(intervals: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """Screen-off, on-battery time of the wakelock state per opening (uid, tag, api,
    owner_package), with the history rows that opened it."""
    if "screen_off_ms" not in intervals.columns:
        return pl.DataFrame(schema={"uid": pl.Int64, "tag": pl.String, "api": pl.String,
                                    "owner_package": pl.String, "screen_off_ms": pl.Int64,
                                    "rows": pl.List(pl.Int64)})
    # One plan: a Polars step costs ~0.1-0.3 ms whatever the rows (issue 17).
    iv = intervals.lazy().filter((pl.col("kind") == "wakelock_state")
                                 & (pl.col("screen_off_ms") > 0))
    cols = [c for c in ("_row", "owner_package") if c in history.columns]
    if "owner_package" in cols:
        iv = iv.join(_start_rows(history, iv, ["owner_package"]), on="start_row", how="left")
    else:
        iv = iv.with_columns(pl.lit(None, pl.String).alias("owner_package"))
    return iv.group_by("uid", "tag", "api", "owner_package").agg(
        pl.col("screen_off_ms").sum(),
        pl.col("start_row").unique().sort().alias("rows"),
    ).collect(engine=ENGINE)


def longwakes(intervals: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """`+longwake` … `-longwake` intervals (a wakelock held over 60 s, AOSP
    PowerManagerService) per (uid, tag): rows, offsets, duration, screen-off on-battery
    part, and whether its release is missing (`open`)."""
    if "closed_by" not in intervals.columns:
        return pl.DataFrame()
    # A stop whose start predates the history is not a measured hold.
    iv = intervals.lazy().filter((pl.col("kind") == "longwake")
                                 & (pl.col("opened_by") == "start"))
    extra = [c for c in ("component", "rule", "owner_package") if c in history.columns]
    if extra:
        iv = iv.join(_start_rows(history, iv, extra), on="start_row", how="left",
                     maintain_order="left")
    released = pl.col("closed_by") == "release"
    # One plan (issue 17); the left join keeps one row per interval (`_row` is unique), so
    # the result is empty exactly when there is no such interval.
    out = iv.select(
        "uid", "tag", "api", *extra, "start_row",
        pl.when(released & (pl.col("opened_by") == "start")).then(pl.col("end_row"))
        .alias("stop_row"),
        pl.col("start_offset_ms").alias("start_ms"), pl.col("end_offset_ms").alias("end_ms"),
        (~released).alias("open"), "closed_by", "screen_off_ms", "duration_ms",
    ).collect(engine=ENGINE)
    return out if out.height else pl.DataFrame()
