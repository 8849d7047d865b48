"""Sync storms: a sync adapter running more often than every 15 minutes on battery.

From batterystats `Sync` lines since last charge (count per authority), over the time on
battery. The 15-minute floor is the minimum period of periodic work (PeriodicWorkRequest,
JobInfo.getMinPeriodMillis; platform-rules §1.3).
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.passes.context import (
    HOUR_MS,
    Context,
    evidence,
    fmt_ms,
    summary_evidence,
    uid_text,
)
from wakescope.analyzer.passes.scope import grade, windowed

KIND = "sync_storm"


def run(ctx: Context) -> list[dict]:
    t = ctx.threshold("sync_storm")
    syncs = ctx.indexed("batterystats_syncs")
    period = ctx.window_ms(t)
    if syncs.is_empty() or period is None:
        return []
    hours = period / HOUR_MS
    out = []
    for r in syncs.filter(pl.col("count") > 0).iter_rows(named=True):
        rate = r["count"] / hours
        w = windowed(ctx, KIND, float(r["count"]), period)
        sev, _ = grade(ctx, KIND, w, t)
        if sev is None:
            continue
        pkg = r.get("owner_package") or ctx.package_of(r["uid"])
        name = r.get("authority") or r.get("component") or r.get("sync")
        detail = (f"Sync {r['sync']} ran {r['count']} times in {fmt_ms(period)} on battery "
                  f"({rate:.1f}/h, one every {fmt_ms(period / r['count'])}), "
                  f"{fmt_ms(r.get('total_ms'))} in total"
                  + (f", {r['background_count']} in the background"
                     if r.get("background_count") is not None else "") + ".")
        out.append(ctx.finding(
            kind="sync_storm", severity=sev, package=pkg, uid=r["uid"],
            api=r.get("api") or "sync_adapter",
            metric="syncs_per_hour" if not w.short else "syncs", value=w.value,
            unit="syncs/h" if not w.short else "syncs", threshold="sync_storm",
            basis="batterystats syncs since last charge on battery: "
                  + w.words("syncs", "per hour"),
            detail=detail,
            evidence=[evidence("batterystats_syncs",
                               f"uid == {r['uid']} and sync == {r['sync']!r}", [r["_row"]]),
                      summary_evidence(ctx, "battery_realtime_ms")],
            recommendation_id="sync_periodic",
            title=(f"Sync storm: {name} {rate:.1f}/h" if not w.short else
                   f"Sync storm: {name} {r['count']} in {fmt_ms(period)}")
                  + f" ({pkg or uid_text(r['uid'])})",
            key=f"{r['uid']}|{r['sync']}", window_ms=period, scaled=w.scaled))
    return out
