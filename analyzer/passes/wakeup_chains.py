"""Battery history → `wakeup_chains`: each device wakeup linked to what ran right after it.

A wakeup is a `+running` record (the CPU resumed; histories without the running bit: each
kernel `wake_reason`, else each `wakeupap`). Its kernel reason is the first non-abort
`wake_reason` within `window.reason_ms`; its cause is the first work that started within
`window.cause_ms` and before the CPU slept again: a wakelock (first holder, or a
full-wake-history `wake_lock_in`), a job, a sync, an alarm delivery, a radio packet for a
uid (`wakeupap`). A wakelock tag says which API the work came through (`*walarm*:` →
alarm_manager …, knowledge/wakeup_chains.toml). `Abort:` reasons are failed suspends: they
get a row of their own naming the wakeup source that was held.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import polars as pl

from wakescope.analyzer.device_time import HistoryClock, Zone, local_expr
from wakescope.analyzer.passes.history_items import cpu_wake
from wakescope.analyzer.plans import ENGINE, gather_at
from wakescope.analyzer.tables import WAKEUP_CHAINS
from wakescope.parsers.uid import PER_USER_RANGE

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge" / "wakeup_chains.toml"
# Kernel suspend-abort texts (kernel/power/wakeup.c pm_get_active_wakeup_sources,
# drivers/base/power/main.c): the wakeup source(s) held, or the device that failed.
_ABORT_SOURCE = r"(?:Last active Wakeup Source|Pending Wakeup Sources?):\s*(.+?)\s*$"
_ABORT_DEVICE = r"(?:Device|Callback failed on)\s+(\S+)"
# The plans here select their columns and filter once themselves: the optimizer's passes
# (pushdowns, common subexpressions) cost more than they find, ~12 % of a bug report's
# chains (issue 17). Type coercion and checks stay on.
try:
    _OPT = {"optimizations": pl.QueryOptFlags.none()}
except AttributeError:  # Polars before QueryOptFlags (1.20-1.30 are supported): defaults
    _OPT = {}


@lru_cache(maxsize=1)
def knowledge() -> dict:
    """The shipped wakeup_chains.toml, its regexes checked."""
    data = tomllib.loads(KNOWLEDGE.read_text(encoding="utf-8"))
    for group in ("tag_cause", "reason_class"):
        for entry in data.get(group, []):
            re.compile(entry["pattern"])
    return data


def _classify(expr: pl.Expr, entries: list[dict], key: str) -> pl.Expr:
    """`entries[i][key]` of the first entry whose pattern matches (null when none does)."""
    return _lookup(_match(expr, entries), [e[key] for e in entries])


def _lookup(index: pl.Expr, values: list[str | None]) -> pl.Expr:
    """`values[index]`, null where `index` is null: a gather from a literal (one step;
    replace_strict is a join)."""
    if not values:
        return pl.lit(None, pl.String)
    return pl.lit(pl.Series(values, dtype=pl.String)).gather(index)


def _match(expr: pl.Expr, entries: list[dict]) -> pl.Expr:
    """Index of the first entry whose pattern matches `expr`."""
    out = pl.lit(None, pl.Int32)
    for i, e in reversed(list(enumerate(entries))):
        out = pl.when(expr.str.contains(e["pattern"])).then(pl.lit(i, pl.Int32)).otherwise(out)
    return out


# Rows that can be a wakeup's cause, by code (`_cause_code`).
_HOLDER, _WAKE_LOCK_IN, _JOB, _SYNC, _ALARM, _WAKEUP_AP = range(6)
_CAUSE_KINDS = ("wakelock", "wakelock", "job", "sync", "alarm", "wakeup_ap")


def _cause_code(kind: pl.Expr, name: pl.Expr, tr: pl.Expr) -> pl.Expr:
    """Int8 code of a row that can be a wakeup's cause, null on other rows: a wakelock taken
    (the first holder, or a full-wake-history `wake_lock_in`), a job, a sync, an alarm
    delivery, a radio packet for a uid (`wakeupap`)."""
    ev = kind == "event"
    return (pl.when((kind == "wakelock") & (name == "wake_lock") & tr.is_in(["start", "set"]))
            .then(pl.lit(_HOLDER, pl.Int8))
            .when(ev & (name == "wake_lock_in") & (tr == "start"))
            .then(pl.lit(_WAKE_LOCK_IN, pl.Int8))
            .when(ev & (name == "job") & (tr == "start")).then(pl.lit(_JOB, pl.Int8))
            .when(ev & (name == "sync") & (tr == "start")).then(pl.lit(_SYNC, pl.Int8))
            .when(ev & (name == "alarm") & tr.is_in(["start", "instant"]))
            .then(pl.lit(_ALARM, pl.Int8))
            .when(ev & (name == "wakeupap")).then(pl.lit(_WAKEUP_AP, pl.Int8)))


def _candidates(code: pl.Expr, tag: pl.Expr, uid: pl.Expr, api: pl.Expr, tc: pl.Expr,
                ) -> tuple[pl.Expr, pl.Expr]:
    """cause_kind and api of a cause candidate from its `_cause_code`, tag, uid, api and
    `tc`, the index of its wakelock tag's tag_cause entry."""
    entries = knowledge().get("tag_cause", [])
    is_wl = code <= _WAKE_LOCK_IN
    tag_kind = _lookup(tc, [e["cause_kind"] for e in entries])
    tag_api = _lookup(tc, [e["api"] for e in entries])
    # A wakelock's kind by its tag (else wakelock); other candidates' by their code.
    cause_kind = pl.coalesce(pl.when(is_wl).then(tag_kind), _lookup(code, list(_CAUSE_KINDS)))
    cause_api = (pl.when((code == _HOLDER) & (tag.fill_null("") == "screen") & uid.is_null())
                 .then(pl.lit("display"))
                 .when(is_wl).then(pl.coalesce(tag_api, api, pl.lit("wakelock")))
                 .when(code == _WAKEUP_AP).then(pl.lit("network"))
                 .when(code == _ALARM).then(pl.coalesce(api, pl.lit("alarm_manager")))
                 .otherwise(api))
    return cause_kind, cause_api


# `build`'s helper columns that only the reason and cause steps (`_Plan.chain`) read.
_FOUND = ("_i", "_sleep", "tag", "value", "_run", "_rsn", "_ap", "_code", "_wake", "_ri",
          "_ci", "_roff", "_rtext", "_next_wake")


class _Plan(NamedTuple):
    """`build`'s expressions that do not depend on the history (built once per process:
    building them took a few ms a report, about what running them takes)."""

    rows: list[pl.Expr]   # per history row: what it is (run, reason, abort, cause …)
    marks: list[pl.Expr]  # per history row: wakeup or not, next reason and cause positions
    keep: pl.Expr         # the wakeups and the aborts
    chain: list[pl.Expr]  # per wakeup: its reason and whether its cause is in the window
    out: dict[str, pl.Expr]


@lru_cache(maxsize=1)
def _plan() -> _Plan:
    """The expressions of `build`'s plan, from the shipped knowledge."""
    k = knowledge()
    reason_ms = int(k["window"]["reason_ms"])
    cause_ms = int(k["window"]["cause_ms"])
    kind, name, tr = pl.col("kind"), pl.col("name"), pl.col("transition")
    tag, value, seq, i = pl.col("tag"), pl.col("value"), pl.col("seq"), pl.col("_i")
    screen = pl.when((kind == "state") & (name == "screen")).then(tr == "start")
    # The screen state a record leaves (its `+screen` item may follow its `+running`).
    last_of_record = (seq != seq.shift(-1)).fill_null(True)
    # A kernel reason's text is its tag, else its value; `Abort:` ones are failed suspends.
    reason_row = kind == "wake_reason"
    abort = (reason_row & pl.when(tag.is_not_null()).then(tag.str.starts_with("Abort:"))
             .otherwise(value.str.starts_with("Abort:"))).fill_null(False)
    reason = (reason_row & ~abort).fill_null(False)
    # The first record after a reset or boot prints the whole state: its `+running` is
    # the state then, not a wakeup.
    first = pl.when(kind != "marker").then(seq).min().over("_boot")
    run = (cpu_wake() & (seq != first).fill_null(True)).fill_null(False)
    ap = ((kind == "event") & (name == "wakeupap")).fill_null(False)
    rows = [
        pl.col("_i", "_row", "_sleep", "offset_ms", "tag", "value"),
        pl.when(last_of_record).then(screen.forward_fill().fill_null(False)).backward_fill()
        .alias("_screen"),
        run.alias("_run"), reason.alias("_rsn"), abort.alias("_abort"), ap.alias("_ap"),
        _cause_code(kind, name, tr).alias("_code"),
    ]
    # Wakeups: the `+running` records; else the kernel reasons; else the radio packets.
    is_run, is_reason, code = pl.col("_run"), pl.col("_rsn"), pl.col("_code")
    marks = [
        (is_run | (is_reason & ~is_run.any())
         | (pl.col("_ap") & ~is_run.any() & ~is_reason.any())).alias("_wake"),
        # Positions (`_i`) of the first non-abort reason and of the first cause candidate
        # at or after the row, and that candidate's code.
        pl.when(is_reason).then(i).backward_fill().alias("_ri"),
        pl.when(code.is_not_null()).then(i).backward_fill().alias("_ci"),
        code.backward_fill().alias("_cc"),
    ]
    offset, next_wake = pl.col("offset_ms"), pl.col("_next_wake")
    # The kernel reason: first non-abort reason at or after the wakeup, within the window.
    in_reason = (pl.col("_roff") - offset <= reason_ms) & (
        next_wake.is_null() | (pl.col("_ri") < next_wake))
    # The cause: first candidate at or after the wakeup, within the window, before sleep.
    ci = pl.col("_ci")
    in_cause = ((pl.col("_coff") - offset <= cause_ms)
                & (pl.col("_sleep").is_null() | (ci < pl.col("_sleep")))
                & (next_wake.is_null() | (ci < next_wake)))
    cc, own = pl.col("_cc"), pl.col("_own")
    chain = [
        pl.when(in_reason).then(pl.col("_rtext")).alias("_reason"),
        (~pl.col("_abort") & in_cause).fill_null(False).alias("_ok"),
        pl.when(cc <= _WAKE_LOCK_IN).then(_match(pl.col("_ctag").fill_null(""),
                                                 k.get("tag_cause", []))).alias("_tc"),
        # Aborts: the wakeup source held, else the device that failed to suspend.
        own.str.extract(_ABORT_SOURCE).alias("_asrc"),
        own.str.extract(_ABORT_DEVICE).alias("_adev"),
    ]
    ok, is_abort, wake_reason = pl.col("_ok"), pl.col("_abort"), pl.col("_reason")
    cause_kind, cause_api = _candidates(cc, pl.col("_ctag"), pl.col("_cuid"),
                                        pl.col("_capi"), pl.col("_tc"))
    src, dev = pl.col("_asrc"), pl.col("_adev")
    out = {
        "wake_time": pl.col("_utc").cast(pl.Datetime("ms", "UTC")),
        "wake_elapsed_ms": pl.col("_el"), "wake_offset_ms": offset,
        "event": pl.when(is_abort).then(pl.lit("suspend_abort")).otherwise(pl.lit("wakeup")),
        "reason": pl.when(is_abort).then(own).otherwise(wake_reason),
        "reason_class": pl.when(is_abort).then(pl.lit("suspend_abort"))
        .when(wake_reason.is_not_null()).then(pl.coalesce(
            _classify(wake_reason, k.get("reason_class", []), "class"), pl.lit("other"))),
        "cause_kind": pl.when(is_abort).then(
            pl.when(src.is_not_null()).then(pl.lit("wakeup_source"))
            .when(dev.is_not_null()).then(pl.lit("device")).otherwise(pl.lit("unknown")))
        .when(ok).then(cause_kind).otherwise(pl.lit("none")),
        "tag": pl.when(is_abort).then(pl.coalesce(src, dev)).when(ok).then(pl.col("_ctag")),
        "uid": pl.when(ok).then(pl.col("_cuid")),
        "package": pl.when(ok).then(pl.col("_cpkg")),
        "api": pl.when(is_abort).then(pl.lit("kernel")).when(ok).then(cause_api),
        "lag_ms": pl.when(is_abort).then(pl.lit(0, pl.Int64))
        .when(ok).then(pl.col("_coff") - offset),
        "awake_ms": pl.when(~is_abort).then(pl.col("_soff") - offset),
        "screen_off": ~pl.col("_screen"),
        "wake_row": pl.col("_row").cast(pl.Int64),
        "cause_row": pl.when(is_abort).then(pl.col("_row")).when(ok).then(pl.col("_crow"))
        .cast(pl.Int64),
    }
    return _Plan(rows, marks, pl.col("_wake") | pl.col("_abort"), chain, out)


def build(h: pl.DataFrame, hc: HistoryClock, packages: pl.DataFrame | None = None,
          ) -> pl.DataFrame:
    """The `wakeup_chains` table of a history in `_i` order (history_intervals._rows; `hc`
    its clock, one row per history row). One plan, where there were ~40 Polars operations
    (issue 17): each wakeup's kernel reason, cause and sleep are found by position."""
    if h.is_empty():
        return WAKEUP_CHAINS.empty()
    # The plan reads tag and value as text: an all-null column built by hand (tests, the
    # library face) has the Null type, where `.str` fails.
    untyped = [c for c in ("tag", "value") if h.schema[c] != pl.String]
    if untyped:
        h = h.with_columns(pl.col(untyped).cast(pl.String))
    plan = _plan()

    t = hc.frame
    rows = h.lazy().select(plan.rows).with_columns(plan.marks).filter(plan.keep).with_columns(
        # The next wakeup's position (the rows left are the wakeups and the aborts).
        _next_wake=pl.when(~pl.col("_abort")).then("_i").shift(-1).backward_fill(),
    # Wakeups and aborts at one offset keep their record order (a stable sort), sorted
    # while the rows are narrow: sorting the finished rows copied every column at the
    # stage's peak (issue 19 item 8). All below is per row or gathered by position.
    ).sort("offset_ms", plan.out["event"], maintain_order=True).with_columns(
        _roff=gather_at(h, "offset_ms", "_ri"),
        _rtext=pl.coalesce(gather_at(h, "tag", "_ri"), gather_at(h, "value", "_ri")),
        _coff=gather_at(h, "offset_ms", "_ci"), _ctag=gather_at(h, "tag", "_ci"),
        _cuid=gather_at(h, "uid", "_ci"), _capi=gather_at(h, "api", "_ci"),
        _cpkg=pl.coalesce(gather_at(h, "owner_package", "_ci"), gather_at(h, "package", "_ci")),
        _crow=gather_at(h, "_row", "_ci"),
        _soff=gather_at(t, "offset_ms", "_sleep"), _utc=gather_at(t, "utc_ms", "_i"),
        _el=gather_at(t, "elapsed_ms", "_i"),
        # An abort's own reason (null on wakeups).
        _own=pl.when("_abort").then(pl.coalesce("tag", "value")),
    # What only found the reason and the cause goes before the output is made beside the
    # rest (issue 19 item 8).
    ).with_columns(plan.chain).drop(_FOUND)
    out = plan.out
    if packages is not None and packages.height:
        # Apps' uids whose cause names no package: the history's own package strings.
        uid = out["uid"]
        hist = uid.replace_strict(packages.get_column("uid"), packages.get_column("_hist_pkg"),
                                  default=None, return_dtype=pl.String)
        out = {**out, "package": pl.coalesce(
            out["package"], pl.when((uid % PER_USER_RANGE) >= 10_000).then(hist))}
    chains = rows.select(**out).collect(engine=ENGINE, **_OPT)
    if chains.is_empty():
        return WAKEUP_CHAINS.empty()
    return WAKEUP_CHAINS.conform(chains)


_APP_KEYS = ["owner", "api", "cause_kind"]


@lru_cache(maxsize=1)
def _app_exprs() -> tuple[pl.Expr, list[pl.Expr]]:
    """per_app's owner of a wakeup and its aggregations per owner, api and cause (built
    once per process: they do not depend on the chains)."""
    col = pl.col
    owner = pl.coalesce(col("package"), pl.when(col("uid").is_not_null())
                        .then(pl.lit("uid ") + col("uid").cast(pl.String)),
                        pl.when(col("api") == "display").then(pl.lit("screen / display")),
                        pl.when((col("cause_kind") == "wakelock") & col("tag").is_null())
                        .then(pl.lit("(first holder unknown)")),
                        pl.lit("(kernel only)"))
    hour = col("hour")
    busiest = hour.drop_nulls().mode().min()  # the most wakeups, the earliest of equals
    aggs = [
        pl.len().alias("wakeups"),
        col("screen_off").sum().alias("screen_off_wakeups"),
        col("awake_ms").sum().alias("awake_ms"),
        col("reason_class").drop_nulls().mode().sort().first().alias("reason_class"),
        col("tag").drop_nulls().mode().sort().first().alias("top_tag"),
        busiest.alias("busiest_hour"),
        pl.when(busiest.is_not_null()).then(hour.filter(hour == busiest).len())
        .alias("busiest_hour_wakeups"),
    ]
    return owner, aggs


def per_app(chains: pl.DataFrame, screen_off_ms: int | None, zone: Zone | None = None,
            ) -> pl.DataFrame:
    """Per (package, api, cause_kind): wakeups, screen-off wakeups per hour of screen-off
    history, the busiest local hour, awake time caused and its share of all wakeups'.
    One plan, one group_by (issue 17)."""
    event = chains.get_column("event")
    # wakeup_view passes the wakeups only: no filtered copy then.
    w = chains if not event.null_count() and (event == "wakeup").all() else chains.filter(
        pl.col("event") == "wakeup")
    if w.is_empty():
        return pl.DataFrame()
    total_awake = int(w.get_column("awake_ms").sum() or 0) or None
    zone = zone or Zone()
    hours = (screen_off_ms or 0) / 3_600_000
    if "wake_local_ms" in w.columns and w["wake_local_ms"].null_count() < w.height:
        # Device-local wall time per record (history_clock: real zone rules, or the
        # history's own local clock records when no zone is known).
        hour = pl.from_epoch("wake_local_ms", time_unit="ms").dt.truncate("1h")
    elif w["wake_time"].null_count() < w.height:
        hour = local_expr(pl.col("wake_time"), zone).dt.truncate("1h")
    else:
        hour = pl.lit(None, pl.Datetime("ms"))
    owner, aggs = _app_exprs()
    apps = w.lazy().with_columns(owner=owner, hour=hour).group_by(_APP_KEYS).agg(aggs)
    apps = apps.with_columns(
        screen_off_per_hour=(pl.col("screen_off_wakeups") / hours) if hours > 0
        else pl.lit(None, pl.Float64),
        awake_share=(pl.col("awake_ms") / total_awake) if total_awake
        else pl.lit(None, pl.Float64),
    # Then by api and cause: one order for equal groups (group_by's is arbitrary).
    ).sort(["wakeups", "awake_ms", "owner", "api", "cause_kind"],
           descending=[True, True, False, False, False])
    return apps.collect(engine=ENGINE, **_OPT)
