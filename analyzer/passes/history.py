"""Battery-history timeline shared by passes: who took the wakelock state, and how long the
history covers on battery.
(The wakelock figures the passes read come from `history_intervals`:
passes/history_intervals.first_holder_screen_off and longwakes.)

The history names one wakelock per interval (the one that took the device's wakelock
state from off to on; AOSP BatteryStatsImpl only records later ones with full wake history
enabled), so time per tag from the history is a lower bound. `+longwake` / `-longwake`
events (a wakelock held more than 60 s, AOSP PowerManagerService) are per tag and exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from wakescope.analyzer.plans import ENGINE


@dataclass
class Timeline:
    """The history's first wakelock holders and how long it covers (on battery and in all).
    Totals, not a row per history row: the passes read no more, and the timeline lives as
    long as the passes do (a 735k-row history: ~30 MB, issue 19 item 8)."""

    holders: pl.DataFrame       # wakelock start/set rows: holder_row, uid, tag, api, owner…
    battery_span_ms: int        # on-battery time the history covers
    span_ms: int                # whole history span


def timeline(history: pl.DataFrame) -> Timeline | None:
    """Vectorised timeline of a (attributed, `_row`-indexed) batterystats_history table."""
    if history.is_empty() or not {"seq", "offset_ms", "kind", "name", "transition"} <= set(
            history.columns):
        return None
    from wakescope.analyzer.passes.history_intervals import _in_order

    # One plan (a Polars step costs ~0.1-0.3 ms whatever the rows, issue 17), reading only
    # the columns used before any sort copies them (issue 19 item 8).
    lf = history.lazy().select("_row", "seq", "offset_ms", "kind", "name", "transition",
                               "value")
    if not _in_order(history):  # the parsers emit record order: a sort would copy columns
        lf = lf.sort(["seq", "_row"])
    kind, name, tr = pl.col("kind"), pl.col("name"), pl.col("transition")
    plugged = (pl.when((kind == "state") & (name == "plugged")).then(tr == "start")
               .when((kind == "battery") & (name == "plug")).then(pl.col("value") != "none"))
    # Each row's time to the next, on battery where not plugged.
    dur = (pl.col("offset_ms").shift(-1) - pl.col("offset_ms")).clip(lower_bound=0).fill_null(0)
    on_battery = ~plugged.forward_fill().fill_null(False)
    span, battery = lf.select(_span=dur.sum(), _battery=(dur * on_battery).sum(),
                              ).collect(engine=ENGINE).row(0)
    cols = [c for c in ("uid", "tag", "api", "component", "rule", "owner_package", "package")
            if c in history.columns]
    holders = history.lazy().filter(
        (pl.col("kind") == "wakelock") & (pl.col("name") == "wake_lock")
        & pl.col("transition").is_in(["start", "set"])
    ).select(pl.col("_row").alias("holder_row"), *cols).collect(engine=ENGINE)
    return Timeline(holders, int(battery), int(span))
