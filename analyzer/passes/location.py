"""Background location: location wakelock time per app, normalised to 24 h.

Location wakelocks (NlpWakeLock, NetworkLocationLocator, *location*, GnssLocationProvider,
…; the location rules in apis.toml) are exempt from the excessive-wakelock vital but
still drain the battery (platform-rules §1.9, §3.2). Background time per tag where the
capture has it (8.0+), else the tag's time; location wakeup alarms are added to the detail.
"""

from __future__ import annotations

import polars as pl

from . import (
    DAY_MS,
    HOUR_MS,
    Context,
    app_uid_expr,
    evidence,
    fmt_ms,
    level,
    summary_evidence,
    uid_text,
)
from .wakelocks import aggregate_rows


def run(ctx: Context) -> list[dict]:
    t = ctx.threshold("background_location")
    period = ctx.periods.battery_ms
    agg, words = aggregate_rows(ctx)
    if agg.is_empty() or not period or period < float(t.get("min_period_h", 0)) * HOUR_MS:
        return []
    loc = agg.filter(app_uid_expr() & (pl.col("api") == "location"))
    alarms = ctx.table("batterystats_wakeup_alarms")
    out = []
    for uid, total, rows, tags in (loc.group_by("uid")
                                   .agg(pl.col("value_ms").sum(), pl.col("_row"),
                                        pl.col("tag")).iter_rows()):
        value = (total or 0) / HOUR_MS * DAY_MS / period
        sev = level(value, t)
        if sev is None:
            continue
        pkg = ctx.package_of(uid)
        n_alarms = 0
        if alarms.height and "api" in alarms.columns:
            n_alarms = int(alarms.filter((pl.col("uid") == uid) & (pl.col("api") == "location"))
                           ["count"].sum())
        detail = (f"{pkg or uid_text(uid)} held location wakelocks for {fmt_ms(total)} "
                  f"({value:.2f} h per 24 h; {words}): {', '.join(sorted(set(tags))[:6])}."
                  + (f" Location wakeup alarms: {n_alarms}." if n_alarms else "")
                  + " Location is exempt from the wakelock vital but Android 8+ limits "
                  "background apps to a few location updates an hour.")
        out.append(ctx.finding(
            kind="background_location", severity=sev, package=pkg, uid=uid, api="location",
            metric="location_wakelock_h_per_24h", value=value, unit="h/24h",
            threshold="background_location",
            basis=f"aggregates since last charge: {words} of location-attributed tags over "
                  f"{fmt_ms(period)} on battery, scaled to 24 h",
            detail=detail,
            evidence=[evidence("batterystats_wakelocks",
                               f'uid == {uid} and api == "location" and '
                               f"{agg['_filter'][0]}", rows),
                      summary_evidence(ctx, "battery_realtime_ms")],
            recommendation_id="location_batching",
            title=f"Background location: {pkg or uid_text(uid)} {value:.2f} h/24h",
            key=str(uid)))
    return out
