"""Long-running foreground services: foreground service time per app, normalised to 24 h.

From batterystats `Foreground services` (8.1+, per uid since last charge) over the time on
battery. The bar is Android 15's 6 h per 24 h for dataSync / mediaProcessing services
(platform-rules §1.4); the dump does not say the service type, so the detail says so.
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.passes.context import (
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


def run(ctx: Context) -> list[dict]:
    t = ctx.threshold("long_foreground_service")
    fgs = ctx.indexed("batterystats_foreground_services")
    period = ctx.window_ms(t)
    if fgs.is_empty() or period is None:
        return []
    out = []
    per_uid = (fgs.filter(app_uid_expr()).group_by("uid")
               .agg(pl.col("total_ms").sum(), pl.col("count").sum(), pl.col("_row"),
                    pl.col("owner_package").first()))
    for uid, total, count, rows, owner in per_uid.iter_rows():
        value = (total or 0) / HOUR_MS * DAY_MS / period
        sev = level(value, t)
        if sev is None:
            continue
        pkg = owner or ctx.package_of(uid)
        detail = (f"{pkg or uid_text(uid)} ran foreground services for {fmt_ms(total)} "
                  f"({count or 0} starts) in {fmt_ms(period)} on battery: {value:.1f} h per "
                  f"24 h. Android 15 stops dataSync and mediaProcessing services after 6 h "
                  "per 24 h (apps targeting 15); the dump does not print the service type.")
        out.append(ctx.finding(
            kind="long_foreground_service", severity=sev, package=pkg, uid=uid,
            api="foreground_service", metric="foreground_service_h_per_24h",
            value=value, unit="h/24h", threshold="long_foreground_service",
            basis=f"batterystats foreground service time since last charge over "
                  f"{fmt_ms(period)} on battery, scaled to 24 h",
            detail=detail,
            evidence=[evidence("batterystats_foreground_services", f"uid == {uid}", rows),
                      summary_evidence(ctx, "battery_realtime_ms")],
            recommendation_id="fgs_timeout",
            title=f"Long foreground service: {pkg or uid_text(uid)} {value:.1f} h/24h",
            key=str(uid)))
    return out
