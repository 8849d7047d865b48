"""What the battery measurably lost in the stats period (mAh) and where that figure came
from: the denominator power findings are graded on (never the sum of per-uid estimates).

Order: the coulomb counter (human `Discharge: N mAh` / checkin `dc` mAh, 7.0+), the
platform's level-based `actual drain` range (`Estimated power use`, capacity × level
steps; its midpoint), `Computed drain` (the power model's total: an estimate on ≤ 11, from
measured energy consumers where the device has them), else the level drop × capacity.
(The lead reconciles this with passes/energy.py's budget at merge.)
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.passes.context import Context


def _summary_value(ctx: Context, col: str):
    s = ctx.table("batterystats_summary")
    if s.is_empty() or col not in s.columns:
        return None
    v = s.get_column(col).drop_nulls()
    return v[0] if len(v) else None


def _global(ctx: Context, component: str) -> float | None:
    pw = ctx.table("batterystats_power_use")
    if pw.is_empty() or not {"component", "mah"} <= set(pw.columns):
        return None
    cond = pl.col("component") == component
    if "uid" in pw.columns:
        cond &= pl.col("uid").is_null()
    v = pw.filter(cond)["mah"].drop_nulls()
    return float(v[0]) if len(v) else None


def measured_discharge(ctx: Context) -> tuple[float | None, str | None]:
    """(mAh, source words) of the measured discharge, (None, None) when nothing measures it."""
    mah = _summary_value(ctx, "discharge_mah")
    if mah is not None and mah > 0:
        src = _summary_value(ctx, "source")
        return float(mah), ("coulomb counter (checkin dc)" if src == "checkin"
                            else "coulomb counter (Discharge: … mAh)")
    lo, hi = _global(ctx, "min_drained"), _global(ctx, "max_drained")
    if lo is not None and hi is not None and hi > 0:
        return (lo + hi) / 2, f"actual drain {lo:g}–{hi:g} mAh (levels × capacity), midpoint"
    computed = _global(ctx, "computed_drain")
    if computed is not None and computed > 0:
        return computed, "Computed drain (the power model's total)"
    cap = _summary_value(ctx, "estimated_capacity_mah") or _global(ctx, "capacity")
    start, end = _summary_value(ctx, "start_level"), _summary_value(ctx, "end_level")
    pct = _summary_value(ctx, "discharge_pct")
    if pct is None and start is not None and end is not None:
        pct = start - end
    if cap and pct and pct > 0:
        return float(cap) * pct / 100, f"level drop {pct} % × capacity {cap:g} mAh"
    return None, None
