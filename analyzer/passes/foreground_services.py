"""Long-running foreground services: foreground service time per app, against Android 15's
6 h per 24 h cap for dataSync / mediaProcessing services (platform-rules §1.4).

From batterystats `Foreground services` (8.1+, per uid since last charge) over the time on
battery. Where the rule applies lives in knowledge/scope.toml: the cap is SDK-gated (only
apps targeting 15 on a 15+ device), needs 12 h of observation before time is projected to
24 h, and platform/OEM services are reported as platform. Context in the detail: audio /
video timers covering most of the service time mean media playback (not limited, no
transfer advice); a service already in the foreground at the stats reset (`(0 times)
(running)`, or `fg=` in the reset's history state) ran before the window began.
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.passes.context import (
    Context,
    app_uid_expr,
    evidence,
    fmt_ms,
    summary_evidence,
    uid_text,
)
from wakescope.analyzer.passes.scope import grade, windowed

KIND = "long_foreground_service"


def _state_ms(ctx: Context, states: tuple[str, ...]) -> dict[int, int]:
    st = ctx.table("batterystats_uid_states")
    if st.is_empty() or "state" not in st.columns:
        return {}
    rows = st.filter(pl.col("state").is_in(list(states))).group_by("uid").agg(
        pl.col("total_ms").sum())
    return {u: int(ms or 0) for u, ms in rows.iter_rows()}


def _fg_at_reset(ctx: Context) -> set[int]:
    """uids the history shows in the foreground in the state printed at the reset."""
    h = ctx.table("batterystats_history")
    if h.is_empty() or not {"offset_ms", "name", "transition", "uid"} <= set(h.columns):
        return set()
    first = h.filter(pl.col("offset_ms") == h["offset_ms"].min())
    return set(first.filter((pl.col("name") == "fg") & (pl.col("transition") == "instant"))
               ["uid"].drop_nulls().to_list())


def run(ctx: Context) -> list[dict]:
    t = ctx.threshold(KIND)
    fgs = ctx.indexed("batterystats_foreground_services")
    period = ctx.window_ms(t)
    if fgs.is_empty() or period is None:
        return []
    running = pl.col("running").fill_null(False) if "running" in fgs.columns else pl.lit(False)
    per_uid = (fgs.filter(app_uid_expr()).with_columns(running.alias("_run"))
               .group_by("uid")
               .agg(pl.col("total_ms").sum(), pl.col("count").sum(), pl.col("_row"),
                    pl.col("owner_package").first(), pl.col("_run").any()))
    media = _state_ms(ctx, ("audio", "video"))
    top = _state_ms(ctx, ("top",))
    at_reset = _fg_at_reset(ctx)
    out = []
    for uid, total, count, rows, owner, run_now in per_uid.iter_rows():
        total = total or 0
        w = windowed(ctx, KIND, total / 3_600_000, period)
        sev, bound = grade(ctx, KIND, w, t)
        if sev is None:
            continue
        pkg = owner or ctx.package_of(uid)
        name = pkg or uid_text(uid)
        is_media = media.get(uid, 0) >= 0.5 * total > 0
        context = []
        if run_now and (count or 0) == 0:
            context.append("It was already running when the stats were reset (`(0 times) "
                           "(running)`), so it started before this window.")
        elif uid in at_reset:
            context.append("It was in the foreground when the stats were reset (history "
                           "`fg=` at the reset), so it started before this window"
                           + (" and was still running at capture." if run_now else "."))
        elif run_now:
            context.append("It was still running at capture (`(running)`).")
        if is_media:
            context.append(f"It played audio/video for {fmt_ms(media[uid])}: media playback "
                           "(a mediaPlayback service is not limited by the cap).")
            sev = "info"
        if top.get(uid):
            context.append(f"It was the top app for {fmt_ms(top[uid])} of the window.")
        shown = (f"{w.value:.1f} h per 24 h" if w.scaled or not w.short
                 else f"{w.value:.1f} h in {fmt_ms(period)}")
        detail = (f"{name} ran foreground services for {fmt_ms(total)} ({count or 0} starts) "
                  f"in {fmt_ms(period)} on battery: {shown}. " + " ".join(context)
                  + (" " if context else "")
                  + "Android 15 stops dataSync and mediaProcessing services after 6 h per "
                  "24 h (apps targeting 15); the dump does not print the service type.")
        unit = "h/24h" if not w.short else "h"
        out.append(ctx.finding(
            kind=KIND, severity=sev, package=pkg, uid=uid,
            api="media" if is_media else "foreground_service",
            metric="foreground_service_h_per_24h" if not w.short else "foreground_service_h",
            value=w.value, unit=unit, threshold=KIND,
            basis="batterystats foreground service time since last charge: "
                  + w.words("hours", "24 h")
                  + ("; the raw time already exceeds the 24 h bar (a lower bound for any "
                     "24 h containing this window)" if bound else ""),
            detail=detail,
            evidence=[evidence("batterystats_foreground_services", f"uid == {uid}", rows),
                      summary_evidence(ctx, "battery_realtime_ms")],
            recommendation_id="fgs_media" if is_media else "fgs_timeout",
            title=f"Long foreground service: {name} "
                  + (f"{w.value:.1f} h/24h" if not w.short else
                     f"{w.value:.1f} h in {fmt_ms(period)}"),
            key=str(uid), window_ms=period, scaled=w.scaled))
    return out
