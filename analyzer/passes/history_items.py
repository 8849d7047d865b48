"""What one `batterystats_history` row says, as Polars predicates shared by the passes that
read the history row by row (history intervals, wakeup chains): one spelling each."""

from __future__ import annotations

import polars as pl


def cpu_item(transition: str) -> pl.Expr:
    """A `running` state item: `start` is `+running` (the CPU woke), `stop` is `-running`
    (it went to sleep). AOSP `BatteryStats.HistoryItem.STATE_CPU_RUNNING_FLAG`."""
    return ((pl.col("kind") == "state") & (pl.col("name") == "running")
            & (pl.col("transition") == transition))


def cpu_wake() -> pl.Expr:
    """A `+running` item: the CPU woke."""
    return cpu_item("start")


def cpu_sleep() -> pl.Expr:
    """A `-running` item: the CPU went to sleep."""
    return cpu_item("stop")
