"""Excessive wakeups: wakeup alarms per hour per app (Android vitals: more than 10/h).

Counts come from batterystats `Wakeup alarm` lines when the capture has them (since last
charge; from Android 8.0 / checkin v25 the counter runs on the screen-off battery time
base, AOSP BatteryStatsImpl.Uid.Pkg, so the period is screen-off time on battery), else
from `dumpsys alarm` Alarm Stats (`wakes` per tag since boot; period: elapsed realtime).
Each app's tags are split by what its pending alarms say: exact or inexact, repeat
interval, allow-while-idle, alarm clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
from wakescope.analyzer.passes.wakelocks import rule_recommendation

KIND = "excessive_wakeups"
_JOB_ALARM = re.compile(r"\*job\.(?:delay|deadline)\*")
_WHILE_IDLE = ("ALLOW_WHILE_IDLE", "ALLOW_WHILE_IDLE_UNRESTRICTED", "ALLOW_WHILE_IDLE_COMPAT")


@dataclass
class WakeupCounts:
    """Per (uid, package, tag) wakeup counts, the period they span, and their source."""

    tags: pl.DataFrame          # uid, package, tag, api, rule, count, rows
    period_ms: int | None
    table: str
    basis: str
    period_evidence: dict | None


def wakeup_counts(ctx: Context) -> WakeupCounts | None:
    """Wakeup alarm counts from the best source in the capture (see module docstring),
    computed once per Context (the wakeups pass and the apps table both read them)."""
    if "_wakeup_counts" not in ctx.__dict__:
        ctx.__dict__["_wakeup_counts"] = _wakeup_counts(ctx)
    return ctx.__dict__["_wakeup_counts"]


def _wakeup_counts(ctx: Context) -> WakeupCounts | None:
    p = ctx.periods
    wua = ctx.indexed("batterystats_wakeup_alarms")
    sdk = ctx.cap.meta.sdk or 0
    version = ctx.cap.meta.checkin_version or 0
    from wakescope.analyzer.passes.scope import release

    rel = release(ctx)
    screen_off_base = version >= 25 or sdk >= 26 or (rel.sdk_min or 0) >= 26
    period = p.screen_off_ms if screen_off_base else p.battery_ms
    sc = ctx.rules.scope.rule("excessive_wakeups") if ctx.rules.scope else None
    min_period = (sc.min_window_h if sc else float(
        ctx.threshold("excessive_wakeups").get("min_period_h", 0))) * HOUR_MS
    # batterystats first; alarm stats when it counted nothing or over too short a period
    # (an emulator whose screen never went off has a 1-second screen-off time base).
    stats = ctx.indexed("alarm_stats")
    has_stats = stats.height and {"wakeups", "api"} <= set(stats.columns)
    if (wua.height and "api" in wua.columns and int(wua["count"].fill_null(0).sum()) > 0
            and period and (period >= min_period or not has_stats)):
        col = "screen_off_realtime_ms" if screen_off_base else "battery_realtime_ms"
        words = ("screen-off time on battery (the counter's time base from Android 8.0)"
                 if screen_off_base else "time on battery")
        tags = (wua.group_by("uid", pl.col("owner_package").alias("package"), "tag")
                .agg(pl.col("api").first(), pl.col("rule").first(), pl.col("count").sum(),
                     pl.col("_row").alias("rows")))
        return WakeupCounts(tags, period, "batterystats_wakeup_alarms",
                            f"batterystats wakeup alarms since last charge over "
                            f"{fmt_ms(period)} of {words}", summary_evidence(ctx, col))
    if has_stats:
        tags = (stats.filter(pl.col("tag").is_not_null())
                .group_by("uid", pl.coalesce("owner_package", "package").alias("package"), "tag")
                .agg(pl.col("api").first(), pl.col("rule").first(),
                     pl.col("wakeups").sum().alias("count"), pl.col("_row").alias("rows")))
        return WakeupCounts(tags, p.since_boot_ms, "alarm_stats",
                            f"dumpsys alarm Alarm Stats (wakeups since boot) over "
                            f"{fmt_ms(p.since_boot_ms)} of elapsed realtime",
                            {"table": "capture metadata", "filter": "elapsed_realtime_ms",
                             "rows": [], "value": p.since_boot_ms})
    return None


def per_app(wc: WakeupCounts) -> pl.DataFrame:
    """Per (uid, package): wakeups and wakeups per hour. The apps table calls it with
    `wc.tags` as a LazyFrame, to run these steps in its own plan: only use methods that
    lazy and eager frames share."""
    rate = (pl.col("count") / (wc.period_ms / HOUR_MS) if wc.period_ms
            else pl.lit(None, pl.Float64))
    return (wc.tags.group_by("uid", "package").agg(pl.col("count").sum())
            .with_columns(rate.alias("per_hour")))


def _pending_info(ctx: Context, package: str | None, tags: list[str]) -> dict[str, str]:
    """tag → how its pending alarm is set (exact/inexact, repeat, while-idle, alarm clock)."""
    from wakescope.analyzer.passes.alarm_deferral import pending_once

    pend = pending_once(ctx.table("alarm_pending"))
    if pend.is_empty() or package is None or "tag" not in pend.columns:
        return {}
    owners = [c for c in ("package", "target_package", "operation_target") if c in pend.columns]
    rows = pend.filter(pl.col("tag").is_in(tags)
                       & pl.any_horizontal([pl.col(c) == package for c in owners]).fill_null(False))
    out: dict[str, str] = {}
    for r in rows.iter_rows(named=True):
        bits = []
        if r.get("alarm_clock"):
            bits.append("alarm clock (setAlarmClock)")
        elif r.get("exact"):
            bits.append("exact")
        elif r.get("window_ms") is not None:
            bits.append("inexact" + (f" (window {fmt_ms(r['window_ms'])})"
                                     if (r.get("window_ms") or 0) > 0 else ""))
        if r.get("repeat_interval_ms"):
            bits.append(f"repeating every {fmt_ms(r['repeat_interval_ms'])}")
        names = r.get("flag_names") or []
        if any(f in names for f in _WHILE_IDLE):
            bits.append("allow-while-idle")
        out.setdefault(r["tag"], ", ".join(bits) or "pending")
    return out


def run(ctx: Context) -> list[dict]:
    t = ctx.threshold("excessive_wakeups")
    wc = wakeup_counts(ctx)
    if wc is None or not wc.period_ms:
        return []
    apps = per_app(wc).sort(["count", "uid", "package"], descending=[True, False, False])
    out = []
    for uid, package, count, per_hour in apps.iter_rows():
        w = windowed(ctx, KIND, float(count), wc.period_ms)
        scaled = not w.short
        value = w.value
        sev, _ = grade(ctx, KIND, w, t)
        if sev is None:
            continue
        tags = (wc.tags.filter((pl.col("uid") == uid) & (pl.col("package") == package)
                               & (pl.col("count") > 0))
                .sort(["count", "tag"], descending=[True, False]))
        info = _pending_info(ctx, package, tags["tag"].to_list())
        split = {"exact": 0, "inexact": 0, "alarm clock": 0, "not pending": 0}
        by_api: dict[str, int] = {}
        parts = []
        for tag, api, n in tags.select("tag", "api", "count").iter_rows():
            how = info.get(tag)
            key = ("not pending" if how is None else "alarm clock" if how.startswith("alarm")
                   else "exact" if how.startswith("exact") else "inexact")
            split[key] += n
            by_api[api] = by_api.get(api, 0) + n
            if len(parts) < 6:
                rate = n / (wc.period_ms / HOUR_MS)
                parts.append(f"{tag}: {n} ({rate:.1f}/h; {how or 'not pending at capture'})")
        api = max(by_api, key=by_api.get) if by_api else "alarm_manager"
        rule_id = next((r for a, r in tags.select("api", "rule").iter_rows() if a == api), None)
        rec = ("reduce_wakeups" if api == "alarm_manager"
               else rule_recommendation(ctx, rule_id, "reduce_wakeups"))
        name = package or uid_text(uid)
        rate_words = (f"{per_hour:.1f} per hour" if scaled else
                      f"{per_hour:.1f} per hour over only {fmt_ms(wc.period_ms)}, too short "
                      "an observation to hold against the hourly bar")
        detail = (f"{name} had {count} wakeup alarms, {rate_words} "
                  f"(vitals bar: more than {t['value']:g}/h). By tag: " + "; ".join(parts)
                  + ". Split: " + ", ".join(f"{k} {v}" for k, v in split.items() if v) + ".")
        # JobScheduler's own alarms (TimeController: `*job.delay*`, `*job.deadline*`) wake
        # the device for jobs' latency / deadline: job advice, not inexact-alarm advice.
        job_alarms = sum(n for tag, n in tags.select("tag", "count").iter_rows()
                         if _JOB_ALARM.search(tag or ""))
        if job_alarms * 2 >= count:
            api, rec = "job_scheduler", "job_latency"
            detail += (f" {job_alarms} of them are JobScheduler's own `*job.delay*` / "
                       "`*job.deadline*` alarms: they fire for jobs' minimum latency and "
                       "deadlines, so the apps behind them are the ones scheduling jobs.")
        rows = [r for rs in tags["rows"].to_list() for r in rs]
        ev = [evidence(wc.table, f"uid == {uid} and package == {package!r}", rows)]
        if wc.period_evidence:
            ev.append(wc.period_evidence)
        out.append(ctx.finding(
            kind="excessive_wakeups", severity=sev, package=package, uid=uid, api=api,
            metric="wakeup_alarms_per_hour" if scaled else "wakeup_alarms",
            value=value, unit="wakeups/h" if scaled else "wakeups",
            threshold="excessive_wakeups",
            basis=wc.basis + "; " + w.words("wakeup alarms", "per hour"),
            detail=detail, evidence=ev, recommendation_id=rec,
            title=(f"Excessive wakeups: {name} {value:.1f}/h" if scaled else
                   f"Excessive wakeups: {name} {count} in {fmt_ms(wc.period_ms)}"),
            key=f"{uid}|{package}", window_ms=wc.period_ms, scaled=scaled))
    return out
