"""Kernel wakeup reasons: interrupts that wake the device most often, per hour on battery.

From batterystats `Wakeup reason` lines since last charge over the time on battery. The
detail names the heaviest kernel wakelocks too. At most `max_findings`, most frequent first.
`Abort:…` reasons are not wakeups: the kernel aborted a suspend because a wakeup source was
still held (`Abort:Pending Wakeup Sources: <source> …`, formats.md §4.2); they are reported
apart, as `aborted_suspend`, naming the sources held.
"""

from __future__ import annotations

import re

import polars as pl

from wakescope.analyzer.passes.context import (
    HOUR_MS,
    Context,
    evidence,
    fmt_ms,
    summary_evidence,
)
from wakescope.analyzer.passes.scope import grade, windowed

KIND = "kernel_wakeup_reason"
ABORT = "aborted_suspend"


def _abort_cause(reason: str) -> str:
    """`Abort:Pending Wakeup Sources: a b` → `while a, b was held`; other Abort texts
    (a driver callback that failed) → `because <text>`."""
    text = reason.split("Abort:", 1)[1].strip()
    m = re.search(r"(?i)wakeup sources?:\s*(.*)", text)
    if m:   # `Pending Wakeup Sources: a b` (pending) / `Last active Wakeup Source: a`
        return f"while {', '.join(m.group(1).split()) or 'an unnamed wakeup source'} was held"
    return f"because {text}" if text else "for an unprinted reason"


def run(ctx: Context) -> list[dict]:
    t = ctx.threshold(KIND)
    wr = ctx.indexed("batterystats_wakeup_reasons")
    period = ctx.window_ms(t)
    if wr.is_empty() or period is None:
        return []
    per = (wr.group_by("reason").agg(pl.col("count").sum(), pl.col("total_ms").sum(),
                                     pl.col("_row"))
           .sort(["count", "reason"], descending=[True, False]))
    kwl = ctx.table("batterystats_kernel_wakelocks")
    top_kwl = ""
    if kwl.height:
        k = kwl.sort(["total_ms", "name"], descending=[True, False],
                     maintain_order=True).head(3)
        top_kwl = " Heaviest kernel wakelocks: " + "; ".join(
            f"{n} {fmt_ms(ms)} ({c or 0}×)" for n, ms, c in
            k.select("name", "total_ms", "count").iter_rows()) + "."
    is_abort = pl.col("reason").str.contains(r"(?i)\bAbort:")
    wakeups = per.filter(~is_abort)
    total = int(wakeups["count"].sum())
    out = []
    for reason, count, total_ms, rows in wakeups.iter_rows():
        if len(out) >= int(t.get("max_findings", 3)):
            break
        w = windowed(ctx, KIND, float(count or 0), period)
        sev, _ = grade(ctx, KIND, w, t)
        if sev is None:
            break
        rate = (count or 0) / (period / HOUR_MS)
        shown = f"{rate:.1f}/h" if not w.short else f"{count} in {fmt_ms(period)}"
        out.append(ctx.finding(
            kind=KIND, severity=sev, package=None, uid=None, api="kernel",
            metric="kernel_wakeups_per_hour" if not w.short else "kernel_wakeups",
            value=w.value, unit="wakeups/h" if not w.short else "wakeups",
            threshold=KIND,
            basis="batterystats wakeup reasons since last charge on battery: "
                  + w.words("wakeups", "per hour"),
            detail=f"Wakeup reason {reason!r} woke the device {count} times ({rate:.1f}/h, "
                   f"{fmt_ms(total_ms)} awake), of {total} kernel wakeups in all." + top_kwl,
            evidence=[evidence("batterystats_wakeup_reasons", f"reason == {reason!r}", rows),
                      summary_evidence(ctx, "battery_realtime_ms")],
            recommendation_id="kernel_wakeups",
            title=f"Kernel wakeup reason: {reason} {shown}", key=reason,
            window_ms=period, scaled=w.scaled))
    for reason, count, total_ms, rows in per.filter(is_abort).iter_rows():
        w = windowed(ctx, ABORT, float(count or 0), period)
        sev, _ = grade(ctx, ABORT, w, t)
        if sev is None:
            continue
        cause = _abort_cause(reason)
        rate = (count or 0) / (period / HOUR_MS)
        out.append(ctx.finding(
            kind=ABORT, severity=sev, package=None, uid=None, api="kernel",
            metric="aborted_suspends_per_hour" if not w.short else "aborted_suspends",
            value=w.value, unit="aborts/h" if not w.short else "aborts", threshold=KIND,
            basis="batterystats wakeup reasons (`Abort:` lines) since last charge on "
                  "battery: " + w.words("aborted suspends", "per hour"),
            detail=f"Suspend aborted {cause}: {count} times ({rate:.1f}/h, "
                   f"{fmt_ms(total_ms)}). An `Abort:` wakeup reason is not a wakeup: the "
                   "kernel gave up suspending (a wakeup source was still held or a driver "
                   "refused), so look at that source or driver.",
            evidence=[evidence("batterystats_wakeup_reasons", f"reason == {reason!r}", rows),
                      summary_evidence(ctx, "battery_realtime_ms")],
            recommendation_id="kernel_wakeups",
            title=f"Suspend aborted {cause} ({count}×)", key=reason,
            window_ms=period, scaled=w.scaled))
    return out
