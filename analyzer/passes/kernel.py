"""Kernel wakeup reasons: interrupts that wake the device most often, per hour on battery.

From batterystats `Wakeup reason` lines since last charge over the time on battery. The
detail names the heaviest kernel wakelocks too. At most `max_findings`, most frequent first.
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.passes.context import (
    HOUR_MS,
    Context,
    evidence,
    fmt_ms,
    level,
    summary_evidence,
)


def run(ctx: Context) -> list[dict]:
    t = ctx.threshold("kernel_wakeup_reason")
    wr = ctx.indexed("batterystats_wakeup_reasons")
    period = ctx.window_ms(t)
    if wr.is_empty() or period is None:
        return []
    hours = period / HOUR_MS
    per = (wr.group_by("reason").agg(pl.col("count").sum(), pl.col("total_ms").sum(),
                                     pl.col("_row"))
           .sort(["count", "reason"], descending=[True, False]))
    kwl = ctx.table("batterystats_kernel_wakelocks")
    top_kwl = ""
    if kwl.height:
        k = kwl.sort(["total_ms", "name"], descending=[True, False]).head(3)
        top_kwl = " Heaviest kernel wakelocks: " + "; ".join(
            f"{n} {fmt_ms(ms)} ({c or 0}×)" for n, ms, c in
            k.select("name", "total_ms", "count").iter_rows()) + "."
    total = int(per["count"].sum())
    out = []
    for reason, count, total_ms, rows in per.iter_rows():
        if len(out) >= int(t.get("max_findings", 3)):
            break
        rate = (count or 0) / hours
        sev = level(rate, t)
        if sev is None:
            break
        out.append(ctx.finding(
            kind="kernel_wakeup_reason", severity=sev, package=None, uid=None, api="kernel",
            metric="kernel_wakeups_per_hour", value=rate, unit="wakeups/h",
            threshold="kernel_wakeup_reason",
            basis=f"batterystats wakeup reasons since last charge over {fmt_ms(period)} on "
                  "battery",
            detail=f"Wakeup reason {reason!r} woke the device {count} times ({rate:.1f}/h, "
                   f"{fmt_ms(total_ms)} awake), of {total} kernel wakeups in all." + top_kwl,
            evidence=[evidence("batterystats_wakeup_reasons", f"reason == {reason!r}", rows),
                      summary_evidence(ctx, "battery_realtime_ms")],
            recommendation_id="kernel_wakeups",
            title=f"Kernel wakeup reason: {reason[:60]} {rate:.1f}/h", key=reason))
    return out
