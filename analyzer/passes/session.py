"""The battery session: levels while on battery, the platform's discharge range, and the
screen-off drain, each saying where it came from.

`start_level` / `end_level` are the battery levels of the on-battery part of the stats
period: the first level on battery and the last level before the capture or before the
device was plugged in for good (a report read after recharging otherwise says 100 → 100).
`min_level` is the lowest level seen on battery. The discharge is the platform's own
lower–upper range (`Amount discharged (lower/upper bound)`, checkin `dc`), which sums
every on-battery stretch since the reset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import polars as pl

from wakescope.analyzer.plans import ENGINE


@dataclass
class Session:
    on_battery_ms: int | None = None
    start_level: int | None = None
    end_level: int | None = None
    min_level: int | None = None
    levels_source: str | None = None
    discharge_pct: dict | None = None           # {"lower": int|None, "upper": int|None}
    on_battery_stretches: int | None = None
    screen_off_ms: int | None = None
    screen_off_drain: float | None = None
    screen_off_drain_unit: str | None = None      # "mAh" or "%"
    screen_off_drain_source: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def words(self) -> str | None:
        """One sentence-part for headers: the platform's discharge range and the levels."""
        d = self.discharge_pct or {}
        lo, hi = d.get("lower"), d.get("upper")
        if lo is None and hi is None and self.start_level is None:
            return None
        if lo is not None and hi is not None and lo != hi:
            used = f"{lo}–{hi} % used"
        elif hi is not None or lo is not None:
            used = f"{hi if hi is not None else lo} % used"
        else:
            used = "battery use not printed"
        if self.start_level is not None and self.end_level is not None:
            used += f" (level {self.start_level}% → {self.end_level}% on battery"
            if self.min_level is not None and self.min_level < self.end_level:
                used += f", lowest {self.min_level}%"
            if self.on_battery_stretches and self.on_battery_stretches > 1:
                used += f", over {self.on_battery_stretches} stretches between charges"
            used += ")"
        return used


def first_value(df: pl.DataFrame, col: str):
    """First non-null value of a column (summary tables hold a checkin and a human row at
    most: read in Python, a Polars step would cost more than the rows)."""
    if df.is_empty() or col not in df.columns:
        return None
    return next((v for v in df.get_column(col).to_list() if v is not None), None)


def _history_levels(h: pl.DataFrame) -> tuple[int | None, int | None, int | None, int] | None:
    """(start, end, min, stretches) of the levels on battery, from the history rows."""
    need = {"seq", "battery_level", "kind", "name", "transition", "value"}
    if h.is_empty() or not need <= set(h.columns):
        return None
    kind, name = pl.col("kind"), pl.col("name")
    plugged = (pl.when((kind == "state") & (name == "plugged"))
               .then(pl.col("transition") == "start")
               .when((kind == "battery") & (name == "plug")).then(pl.col("value") != "none"))
    # The columns read, before the sort and the filter copy them (long histories, issue 19).
    lf = h.lazy().select(sorted(need))
    if h.get_column("seq").null_count() or not h.get_column("seq").is_sorted():
        lf = lf.sort("seq", maintain_order=True)
    # One plan over the rows with a level (a Polars step costs ~0.1-0.3 ms, issue 17).
    on_battery = ~pl.col("_plugged")
    level = pl.col("battery_level").filter(on_battery)
    n_on, start, end, low, starts, first_plugged = (
        lf.with_columns(plugged.forward_fill().fill_null(False).alias("_plugged"))
        .filter(pl.col("battery_level").is_not_null())
        .select(on_battery.sum(), level.first().alias("start"), level.last().alias("end"),
                level.min().alias("low"),
                (pl.col("_plugged").cast(pl.Int8).diff().fill_null(0) == -1).sum()
                .alias("starts"),
                pl.col("_plugged").first().alias("first_plugged"))
        .collect(engine=ENGINE).row(0))
    if not n_on:
        return None
    return int(start), int(end), int(low), int(starts) + (0 if first_plugged else 1)


def battery_session(table: Callable[[str], pl.DataFrame]) -> Session:
    """The on-battery session of the capture (see the module docstring); `table(name)`
    gives a table (`Context.table`, or the report's view of an Analysis)."""
    s = table("batterystats_summary")
    if not s.is_empty() and "source" in s.columns:
        s = s.sort(pl.col("source") != "human")
    out = Session(on_battery_ms=first_value(s, "battery_realtime_ms"),
                  screen_off_ms=first_value(s, "screen_off_realtime_ms"))
    hist = _history_levels(table("batterystats_history"))
    if hist is not None:
        out.start_level, out.end_level, out.min_level, out.on_battery_stretches = hist
        out.levels_source = "battery history (levels while not plugged in)"
    else:
        out.start_level, out.end_level = first_value(s, "start_level"), first_value(s, "end_level")
        if out.start_level is not None:
            out.min_level = (min(out.start_level, out.end_level)
                             if out.end_level is not None else None)
            out.levels_source = "stats summary (first and last level)"
    upper, lower = first_value(s, "discharge_pct"), first_value(s, "discharge_low_pct")
    if upper is not None or lower is not None:
        out.discharge_pct = {"lower": lower, "upper": upper}
    off_mah = first_value(s, "discharge_screen_off_mah")
    off_pct = first_value(s, "discharge_screen_off_pct")
    if off_mah is not None and (first_value(s, "discharge_mah") or 0) > 0:
        out.screen_off_drain, out.screen_off_drain_unit = float(off_mah), "mAh"
        out.screen_off_drain_source = "coulomb counter (screen off discharge, mAh)"
    elif off_pct is not None:
        out.screen_off_drain, out.screen_off_drain_unit = float(off_pct), "%"
        out.screen_off_drain_source = "battery level steps while the screen was off"
    return out
