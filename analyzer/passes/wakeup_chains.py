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

import polars as pl

from wakescope.analyzer.device_time import HistoryClock, Zone, local_expr
from wakescope.analyzer.tables import WAKEUP_CHAINS
from wakescope.parsers.uid import PER_USER_RANGE

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge" / "wakeup_chains.toml"
# Kernel suspend-abort texts (kernel/power/wakeup.c pm_get_active_wakeup_sources,
# drivers/base/power/main.c): the wakeup source(s) held, or the device that failed.
_ABORT_SOURCE = r"(?:Last active Wakeup Source|Pending Wakeup Sources?):\s*(.+?)\s*$"
_ABORT_DEVICE = r"(?:Device|Callback failed on)\s+(\S+)"


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
    return _match(expr, entries).replace_strict(
        {i: e[key] for i, e in enumerate(entries)}, default=None, return_dtype=pl.String)


def _match(expr: pl.Expr, entries: list[dict]) -> pl.Expr:
    """Index of the first entry whose pattern matches `expr`."""
    out = pl.lit(None, pl.Int32)
    for i, e in reversed(list(enumerate(entries))):
        out = pl.when(expr.str.contains(e["pattern"])).then(pl.lit(i, pl.Int32)).otherwise(out)
    return out


def _candidates(h: pl.DataFrame) -> pl.DataFrame:
    """Rows that can be a wakeup's cause, with cause_kind and api."""
    k = knowledge()
    kind, name, tr = pl.col("kind"), pl.col("name"), pl.col("transition")
    tag = pl.col("tag").fill_null("")
    holder = (kind == "wakelock") & (name == "wake_lock") & tr.is_in(["start", "set"])
    ewl = (kind == "event") & (name == "wake_lock_in") & (tr == "start")
    work = (kind == "event") & name.is_in(["job", "sync"]) & (tr == "start")
    alarm = (kind == "event") & (name == "alarm") & tr.is_in(["start", "instant"])
    ap = (kind == "event") & (name == "wakeupap")
    entries = k.get("tag_cause", [])
    c = h.filter(holder | ewl | work | alarm | ap).with_columns(
        _tc=pl.when(holder | ewl).then(_match(tag, entries)))
    tag_kind = pl.col("_tc").replace_strict(
        {i: e["cause_kind"] for i, e in enumerate(entries)}, default=None,
        return_dtype=pl.String)
    tag_api = pl.col("_tc").replace_strict(
        {i: e["api"] for i, e in enumerate(entries)}, default=None, return_dtype=pl.String)
    is_wl = holder | ewl
    return c.with_columns(
        cause_kind=pl.when(is_wl).then(pl.coalesce(tag_kind, pl.lit("wakelock")))
        .when(ap).then(pl.lit("wakeup_ap"))
        .otherwise(name),
        cause_api=pl.when(holder & (tag == "screen") & pl.col("uid").is_null())
        .then(pl.lit("display"))
        .when(is_wl).then(pl.coalesce(tag_api, pl.col("api"), pl.lit("wakelock")))
        .when(ap).then(pl.lit("network"))
        .when(name == "alarm").then(pl.coalesce(pl.col("api"), pl.lit("alarm_manager")))
        .otherwise(pl.col("api")),
    ).select(pl.col("_i").alias("_ci"), pl.col("offset_ms").alias("_coff"), "cause_kind",
             pl.col("cause_api"), pl.col("tag").alias("_ctag"), pl.col("uid").alias("_cuid"),
             pl.coalesce("owner_package", "package").alias("_cpkg"),
             pl.col("_row").alias("cause_row"))


def build(h: pl.DataFrame, hc: HistoryClock, packages: pl.DataFrame | None = None,
          ) -> pl.DataFrame:
    """The `wakeup_chains` table of a history in `_i` order (history_intervals._rows)."""
    if h.is_empty():
        return WAKEUP_CHAINS.empty()
    k = knowledge()
    reason_ms = int(k["window"]["reason_ms"])
    cause_ms = int(k["window"]["cause_ms"])
    kind, name, tr = pl.col("kind"), pl.col("name"), pl.col("transition")
    screen = pl.when((kind == "state") & (name == "screen")).then(tr == "start")
    # The screen state a record leaves (its `+screen` item may follow its `+running`).
    last_of_record = (pl.col("seq") != pl.col("seq").shift(-1)).fill_null(True)
    # Only the columns read below: the filtered copies carry them (issue 19 item 8).
    h = h.select("_i", "_row", "_boot", "_sleep", "seq", "offset_ms", "kind", "name",
                 "transition", "value", "tag", "uid", "api", "owner_package", "package")
    h = h.with_columns(_screen=screen.forward_fill().fill_null(False)).with_columns(
        pl.when(last_of_record).then(pl.col("_screen")).backward_fill())
    reasons = h.filter(kind == "wake_reason").with_columns(
        _reason=pl.coalesce(pl.col("tag"), pl.col("value")))
    is_abort = pl.col("_reason").fill_null("").str.starts_with("Abort:")
    # The first record after a reset or boot prints the whole state: its `+running` is
    # the state then, not a wakeup.
    firsts = h.select("kind", "_boot", "seq").filter(kind != "marker").group_by("_boot").agg(
        pl.col("seq").min())
    runs = h.filter((kind == "state") & (name == "running") & (tr == "start")).join(
        firsts, on=["_boot", "seq"], how="anti")
    if runs.height:
        wakes = runs
    elif reasons.filter(~is_abort).height:
        wakes = reasons.filter(~is_abort)
    else:
        wakes = h.filter((kind == "event") & (name == "wakeupap"))
    aborts = reasons.filter(is_abort)
    if wakes.is_empty() and aborts.is_empty():
        return WAKEUP_CHAINS.empty()
    wakes = wakes.select("_i", "offset_ms", "_sleep", "_screen", "_row").sort("_i")
    wakes = wakes.with_columns(_next_wake=pl.col("_i").shift(-1))
    # The kernel reason: first non-abort reason at or after the wakeup, within the window.
    r = reasons.filter(~is_abort).select(pl.col("_i").alias("_ri"),
                                         pl.col("offset_ms").alias("_roff"), "_reason")
    w = wakes.join_asof(r.sort("_ri"), left_on="_i", right_on="_ri", strategy="forward")
    in_reason = (pl.col("_roff") - pl.col("offset_ms") <= reason_ms) & (
        pl.col("_next_wake").is_null() | (pl.col("_ri") < pl.col("_next_wake")))
    w = w.with_columns(reason=pl.when(in_reason).then(pl.col("_reason")))
    # The cause: first candidate at or after the wakeup, within the window, before sleep.
    c = _candidates(h).sort("_ci")
    w = w.join_asof(c, left_on="_i", right_on="_ci", strategy="forward")
    in_cause = ((pl.col("_coff") - pl.col("offset_ms") <= cause_ms)
                & (pl.col("_sleep").is_null() | (pl.col("_ci") < pl.col("_sleep")))
                & (pl.col("_next_wake").is_null() | (pl.col("_ci") < pl.col("_next_wake"))))
    t = hc.frame.select("_i", "utc_ms", "elapsed_ms", "offset_ms")
    w = w.with_columns(_ok=in_cause.fill_null(False)).join(
        t.rename({"_i": "_si", "offset_ms": "_soff", "utc_ms": "_sutc",
                  "elapsed_ms": "_sel"}), left_on="_sleep", right_on="_si", how="left")
    w = w.join(t.select("_i", "utc_ms", "elapsed_ms"), on="_i", how="left")
    classes = k.get("reason_class", [])
    wake_rows = w.select(
        wake_time=pl.from_epoch("utc_ms", time_unit="ms").dt.replace_time_zone("UTC"),
        wake_elapsed_ms="elapsed_ms", wake_offset_ms="offset_ms",
        event=pl.lit("wakeup"), reason="reason",
        reason_class=pl.when(pl.col("reason").is_not_null()).then(pl.coalesce(
            _classify(pl.col("reason"), classes, "class"), pl.lit("other"))),
        cause_kind=pl.when("_ok").then(pl.col("cause_kind")).otherwise(pl.lit("none")),
        tag=pl.when("_ok").then(pl.col("_ctag")),
        uid=pl.when("_ok").then(pl.col("_cuid")),
        package=pl.when("_ok").then(pl.col("_cpkg")),
        api=pl.when("_ok").then(pl.col("cause_api")),
        lag_ms=pl.when("_ok").then(pl.col("_coff") - pl.col("offset_ms")),
        awake_ms=pl.col("_soff") - pl.col("offset_ms"),
        screen_off=~pl.col("_screen"),
        wake_row=pl.col("_row").cast(pl.Int64),
        cause_row=pl.when("_ok").then(pl.col("cause_row")).cast(pl.Int64),
    )
    a = aborts.join(t.select("_i", "utc_ms", "elapsed_ms"), on="_i", how="left")
    abort_rows = a.select(
        wake_time=pl.from_epoch("utc_ms", time_unit="ms").dt.replace_time_zone("UTC"),
        wake_elapsed_ms="elapsed_ms", wake_offset_ms="offset_ms",
        event=pl.lit("suspend_abort"), reason="_reason", reason_class=pl.lit("suspend_abort"),
        cause_kind=pl.when(pl.col("_reason").str.contains(_ABORT_SOURCE))
        .then(pl.lit("wakeup_source"))
        .when(pl.col("_reason").str.contains(_ABORT_DEVICE)).then(pl.lit("device"))
        .otherwise(pl.lit("unknown")),
        tag=pl.coalesce(pl.col("_reason").str.extract(_ABORT_SOURCE),
                        pl.col("_reason").str.extract(_ABORT_DEVICE)),
        uid=pl.lit(None, pl.Int64), package=pl.lit(None, pl.String), api=pl.lit("kernel"),
        lag_ms=pl.lit(0, pl.Int64), awake_ms=pl.lit(None, pl.Int64),
        screen_off=~pl.col("_screen"), wake_row=pl.col("_row").cast(pl.Int64),
        cause_row=pl.col("_row").cast(pl.Int64),
    )
    out = pl.concat([wake_rows, abort_rows], how="diagonal_relaxed").sort(
        "wake_offset_ms", "event")
    if packages is not None and packages.height:
        out = out.join(packages, on="uid", how="left").with_columns(
            package=pl.coalesce("package", pl.when((pl.col("uid") % PER_USER_RANGE) >= 10_000)
                                .then(pl.col("_hist_pkg")))).drop("_hist_pkg")
    return WAKEUP_CHAINS.conform(out)


def per_app(chains: pl.DataFrame, screen_off_ms: int | None, zone: Zone | None = None,
            ) -> pl.DataFrame:
    """Per (package, api, cause_kind): wakeups, screen-off wakeups per hour of screen-off
    history, the busiest local hour, awake time caused and its share of all wakeups'."""
    w = chains.filter(pl.col("event") == "wakeup")
    if w.is_empty():
        return pl.DataFrame()
    total_awake = int(w["awake_ms"].fill_null(0).sum()) or None
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
    w = w.with_columns(
        owner=pl.coalesce(pl.col("package"), pl.when(pl.col("uid").is_not_null())
                          .then(pl.lit("uid ") + pl.col("uid").cast(pl.String)),
                          pl.when(pl.col("api") == "display").then(pl.lit("screen / display")),
                          pl.when((pl.col("cause_kind") == "wakelock") & pl.col("tag").is_null())
                          .then(pl.lit("(first holder unknown)")),
                          pl.lit("(kernel only)")),
        hour=hour,
    )
    keys = ["owner", "api", "cause_kind"]
    busiest = (w.filter(pl.col("hour").is_not_null()).group_by([*keys, "hour"]).len()
               .sort(["len", "hour"], descending=[True, False])
               .group_by(keys, maintain_order=True).first()
               .rename({"hour": "busiest_hour", "len": "busiest_hour_wakeups"}))
    g = w.group_by(keys).agg(
        pl.len().alias("wakeups"),
        pl.col("screen_off").sum().alias("screen_off_wakeups"),
        pl.col("awake_ms").sum().alias("awake_ms"),
        pl.col("reason_class").drop_nulls().mode().sort().first().alias("reason_class"),
        pl.col("tag").drop_nulls().mode().sort().first().alias("top_tag"),
    ).join(busiest, on=keys, how="left")
    return g.with_columns(
        screen_off_per_hour=(pl.col("screen_off_wakeups") / hours) if hours > 0
        else pl.lit(None, pl.Float64),
        awake_share=(pl.col("awake_ms") / total_awake) if total_awake
        else pl.lit(None, pl.Float64),
    ).sort(["wakeups", "awake_ms", "owner"], descending=[True, True, False])


def screen_off_battery_ms(h: pl.DataFrame, hc: HistoryClock) -> int:
    """Screen-off time on battery that the history covers, ms."""
    kind, name, tr = pl.col("kind"), pl.col("name"), pl.col("transition")
    screen = pl.when((kind == "state") & (name == "screen")).then(tr == "start")
    # Both are in `_i` order, one row per record: side by side, not joined and sorted.
    f = h.select(_screen=screen.forward_fill().fill_null(False)).with_columns(
        hc.frame.get_column("on_battery_ms"))
    f = f.with_columns(_d=(pl.col("on_battery_ms").shift(-1) - pl.col("on_battery_ms"))
                       .fill_null(0))
    return int((f["_d"] * (~f["_screen"]).cast(pl.Int64)).sum())
