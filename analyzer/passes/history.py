"""Battery-history timelines shared by passes: who held the wakelock when, screen and plug.

The history names one wakelock per interval (the one that took the device's wakelock
state from off to on; AOSP BatteryStatsImpl only records later ones with full wake history
enabled), so time per tag from the history is a lower bound. `+longwake` / `-longwake`
events (a wakelock held more than 60 s, AOSP PowerManagerService) are per tag and exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass
class Timeline:
    """One row per history row (in order) with the state in force from it to the next."""

    rows: pl.DataFrame          # _row, seq, offset_ms, dur, on_battery, screen_off, cum_off,
    #                             holder_row, held
    holders: pl.DataFrame       # wakelock start/set rows: holder_row, uid, tag, api, owner…
    battery_span_ms: int        # on-battery time the history covers
    span_ms: int                # whole history span


def timeline(history: pl.DataFrame) -> Timeline | None:
    """Vectorised timeline of a (attributed, `_row`-indexed) batterystats_history table."""
    if history.is_empty() or not {"seq", "offset_ms", "kind", "name", "transition"} <= set(
            history.columns):
        return None
    h = history.sort(["seq", "_row"])
    kind, name, tr = pl.col("kind"), pl.col("name"), pl.col("transition")
    is_wl = (kind == "wakelock") & (name == "wake_lock")
    screen = pl.when((kind == "state") & (name == "screen")).then(tr == "start")
    plugged = (pl.when((kind == "state") & (name == "plugged")).then(tr == "start")
               .when((kind == "battery") & (name == "plug")).then(pl.col("value") != "none"))
    h = h.with_columns(
        pl.when(is_wl).then(pl.col("_row")).forward_fill().alias("holder_row"),
        pl.when(is_wl).then(tr.is_in(["start", "set"])).forward_fill().fill_null(False)
        .alias("held"),
        screen.forward_fill().fill_null(False).alias("screen_on"),
        plugged.forward_fill().fill_null(False).alias("plugged"),
        (pl.col("offset_ms").shift(-1) - pl.col("offset_ms")).clip(lower_bound=0).fill_null(0)
        .alias("dur"),
    ).with_columns(
        (~pl.col("plugged")).alias("on_battery"),
        (~pl.col("plugged") & ~pl.col("screen_on")).alias("screen_off"),
    ).with_columns(
        (pl.col("dur") * pl.col("screen_off")).alias("_off"),
    ).with_columns(
        (pl.col("_off").cum_sum() - pl.col("_off")).alias("cum_off"),
    )
    cols = [c for c in ("uid", "tag", "api", "component", "rule", "owner_package", "package")
            if c in history.columns]
    holders = history.filter(
        (pl.col("kind") == "wakelock") & (pl.col("name") == "wake_lock")
        & pl.col("transition").is_in(["start", "set"])
    ).select(pl.col("_row").alias("holder_row"), *cols)
    span = int(h["dur"].sum())
    battery = int((h["dur"] * h["on_battery"]).sum())
    return Timeline(h.select("_row", "seq", "offset_ms", "dur", "on_battery", "screen_off",
                             "cum_off", "holder_row", "held"), holders, battery, span)


def first_holder_screen_off(tl: Timeline) -> pl.DataFrame:
    """Screen-off, on-battery time of wakelock intervals per opening (uid, tag, api)."""
    seg = tl.rows.filter(pl.col("held") & pl.col("screen_off") & (pl.col("dur") > 0))
    joined = seg.join(tl.holders, on="holder_row", how="inner")
    keys = [c for c in ("uid", "tag", "api", "owner_package") if c in joined.columns]
    return joined.group_by(keys).agg(
        pl.col("dur").sum().alias("screen_off_ms"),
        pl.col("holder_row").unique().sort().alias("rows"),
    )


def longwakes(history: pl.DataFrame, tl: Timeline) -> pl.DataFrame:
    """`+longwake` … `-longwake` intervals per (uid, tag): start/end offset, duration,
    screen-off on-battery part, and whether still open at the end of the history."""
    ev = history.filter((pl.col("kind") == "event") & (pl.col("name") == "longwake")
                        & pl.col("transition").is_in(["start", "stop"]))
    if ev.is_empty():
        return pl.DataFrame()
    ev = ev.join(tl.rows.select("_row", "cum_off"), on="_row", how="left").sort(["seq", "_row"])
    ev = ev.with_columns(
        pl.col("transition").shift(-1).over("uid", "tag").alias("_next_tr"),
        pl.col("offset_ms").shift(-1).over("uid", "tag").alias("_next_off"),
        pl.col("cum_off").shift(-1).over("uid", "tag").alias("_next_cum"),
        pl.col("_row").shift(-1).over("uid", "tag").alias("_next_row"),
    ).filter(pl.col("transition") == "start")
    last = tl.rows.tail(1)
    end_off = int(last["offset_ms"][0]) if last.height else None
    end_cum = int(last["cum_off"][0]) if last.height else None
    # The next longwake event of the same (uid, tag) ends the interval (normally its stop).
    closed = pl.col("_next_tr").is_not_null()
    extra = [c for c in ("api", "component", "rule", "owner_package") if c in ev.columns]
    return ev.select(
        "uid", "tag", *extra,
        pl.col("_row").alias("start_row"),
        pl.when(closed).then(pl.col("_next_row")).alias("stop_row"),
        pl.col("offset_ms").alias("start_ms"),
        pl.when(closed).then(pl.col("_next_off")).otherwise(pl.lit(end_off)).alias("end_ms"),
        (~closed.fill_null(False)).alias("open"),
        (pl.when(closed).then(pl.col("_next_cum")).otherwise(pl.lit(end_cum))
         - pl.col("cum_off")).alias("screen_off_ms"),
    ).with_columns((pl.col("end_ms") - pl.col("start_ms")).alias("duration_ms"))
