"""Alarms the system is holding back, by the policy that delays them (platform-rules §1.6, §5).

12+: `policyWhenElapsed:` gives each policy's time; the latest one later than the
requester's (`deferred_by`) is the reason. 9–11: an alarm in the pending-while-idle list
waits for Doze to end; one whose `whenElapsed` is later than `expectedWhenElapsed` was
delayed by its standby bucket (AOSP AlarmManagerService.adjustDeliveryTimeBasedOnBucketLocked).
9+: `Pending user blocked background alarms` wait for a background-restricted app to be
used. Samsung prints `origType` when its battery optimisation turned a wakeup alarm into a
non-wakeup one (formats.md §7.2). One finding per package and policy.
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.passes.context import Context, app_uid_expr, evidence, fmt_ms, uid_text
from wakescope.analyzer.plans import ENGINE

_BASIS = {
    "policy": "policyWhenElapsed (latest policy time − requester time, 12+)",
    "device_idle": "the pending-while-idle list (Android 9–11)",
    "background_restricted": "the `Pending user blocked background alarms` list; delay = how "
                             "long the alarm is overdue",
    "oem_downgrade": "Samsung `origType` (the requested type) differs from the type",
}
_POLICY_COLS = {"app_standby": "policy_app_standby_ms", "device_idle": "policy_device_idle_ms",
                "battery_saver": "policy_battery_saver_ms"}


def pending_once(pend: pl.DataFrame) -> pl.DataFrame:
    """Pending alarms counted once: `Next wake from idle:` (AlarmManagerService 9+) prints
    an alarm that is also in the pending list, so that row is an attribute of the listed
    one (same `Alarm{hash}`, else same tag, package and due time), not another alarm."""
    if pend.is_empty() or "list" not in pend.columns:
        return pend
    nw = pl.col("list") == "next_wake_from_idle"
    keys = [c for c in ("alarm_hash",) if c in pend.columns] or [
        c for c in ("tag", "package", "when_elapsed_ms") if c in pend.columns]
    listed = pend.lazy().filter(~nw).select(keys).unique().with_columns(_listed=pl.lit(True))
    # One plan (a plan per step cost ~0.2 ms each, issue 17); row order kept.
    return (pend.lazy().join(listed, on=keys, how="left", maintain_order="left")
            .filter(~(nw.fill_null(False) & pl.col("_listed").fill_null(False)))
            .drop("_listed")
            .collect(engine=ENGINE))


def run(ctx: Context) -> list[dict]:
    t = ctx.threshold("alarm_deferral")
    pend = pending_once(ctx.indexed("alarm_pending"))
    if pend.is_empty():
        return []
    col = lambda c, d=pl.Int64: pl.col(c) if c in pend.columns else pl.lit(None, d)  # noqa: E731
    computed = (pl.max_horizontal([col(c) for c in _POLICY_COLS.values()])
                - col("policy_requester_ms"))
    delay = pl.coalesce(col("deferral_ms"), computed)
    lst = col("list", pl.String)
    by = col("deferred_by", pl.String)
    downgraded = col("orig_type", pl.String).is_not_null() & (
        col("orig_type", pl.String) != col("type", pl.String))
    overdue = -col("when_relative_ms")
    policy = (pl.when(by.is_not_null()).then(by)
              .when(lst == "pending_while_idle").then(pl.lit("device_idle"))
              .when(lst == "pending_user_blocked").then(pl.lit("background_restricted"))
              .when(downgraded).then(pl.lit("oem_downgrade"))
              .when(delay > 0).then(pl.lit("app_standby")))
    # A user-blocked alarm's delay is how long it is overdue.
    delay = pl.when(lst == "pending_user_blocked").then(overdue).otherwise(delay)
    rows = pend.with_columns(policy.alias("_policy"), delay.alias("_delay")).filter(
        pl.col("_policy").is_not_null()
        & (pl.col("uid").is_null() | app_uid_expr()).fill_null(True)
        & (col("package", pl.String) != "android").fill_null(True))
    if rows.is_empty():
        return []
    pkg = pl.coalesce([c for c in ("owner_package", "target_package", "package")
                       if c in rows.columns])
    # Battery Saver gives held alarms a policy time ~365 days away (AOSP
    # AlarmManagerService: INDEFINITE_DELAY); that is "until Battery Saver is off", not a
    # measured delay: one summary for the capture.
    hold_ms = float(t.get("indefinite_after_days", 300)) * 86_400_000
    held = pl.col("_policy").is_in(["battery_saver", "device_idle", "app_standby"]) & (
        pl.col("_delay").fill_null(0) >= hold_ms)
    out_hold = _held_summary(ctx, rows.filter(held).with_columns(pkg.alias("_pkg")))
    rows = rows.filter(~held)
    if rows.is_empty():
        return out_hold
    words = ctx.wording("alarm_policies")
    sev_map = t.get("severity_by_policy", {})
    out = []
    groups = rows.with_columns(pkg.alias("_pkg")).group_by("_pkg", "_policy",
                                                           maintain_order=True)
    for (package, pol), g in groups:
        key = pol if pol in words else "other"
        w = words.get(key, {})
        sev = sev_map.get(pol, sev_map.get("other", "info"))
        max_delay = g["_delay"].drop_nulls().max()
        uid = g["uid"].drop_nulls().first() if "uid" in g.columns and g["uid"].drop_nulls().len() \
            else None
        tags = g["tag"].drop_nulls().unique(maintain_order=True).to_list()
        wakeups = int(g["wakeup"].fill_null(False).sum()) if "wakeup" in g.columns else 0
        detail = (f"{g.height} pending alarm(s) of {package} are held back: {w.get('text', pol)}"
                  + (f"; the longest by {fmt_ms(max_delay)} past the requested time"
                     if max_delay and max_delay > 0 else "")
                  + f". Tags: {', '.join(tags[:6])}" + ("…" if len(tags) > 6 else "")
                  + (f". Wakeup alarms among them: {wakeups}." if pol != "oem_downgrade"
                     else "."))
        value = max_delay / 60_000 if max_delay and max_delay > 0 else 0.0
        basis = "dumpsys alarm pending alarms: " + _BASIS.get(
            "policy" if "deferred_by" in g.columns and g["deferred_by"].drop_nulls().len()
            else pol, "whenElapsed − expectedWhenElapsed (Android 9–11)")
        out.append(ctx.finding(
            kind="alarm_deferral", severity=sev, package=package, uid=uid,
            api=g["api"].drop_nulls().first() if "api" in g.columns and g["api"].drop_nulls().len()
            else "alarm_manager",
            metric="max_alarm_delay_min", value=value, unit="min", threshold="alarm_deferral",
            basis=basis, detail=detail,
            evidence=[evidence("alarm_pending", f"package == {package!r} and policy == {pol!r}",
                               g["_row"])],
            recommendation_id=w.get("recommendation", "alarm_standby"),
            title=f"Alarms deferred by {pol.replace('_', ' ')}: {package or uid_text(uid)} "
                  f"({g.height})",
            key=f"{package}|{pol}"))
    return out + out_hold


def _held_summary(ctx: Context, rows: pl.DataFrame) -> list[dict]:
    """One info finding for every alarm held until a policy (Battery Saver) ends."""
    if rows.is_empty():
        return []
    pols = sorted(set(rows["_policy"].drop_nulls()))
    pkgs = rows["_pkg"].drop_nulls().unique().sort().to_list()
    who = "Battery Saver is off" if pols == ["battery_saver"] else (
        "the policy holding them ends (" + ", ".join(p.replace("_", " ") for p in pols) + ")")
    detail = (f"{rows.height} pending alarm(s) of {len(pkgs)} app(s) are held until {who}: "
              "AlarmManager gives them a policy time about a year away, which is not a "
              "measured delay. Apps: " + ", ".join(pkgs[:10]) + ("…" if len(pkgs) > 10 else "")
              + ".")
    return [ctx.finding(
        kind="alarm_deferral", severity="info", package=None, uid=None, api="alarm_manager",
        metric="held_alarms", value=float(rows.height), unit="alarms",
        threshold="alarm_deferral", threshold_value=None,
        basis="dumpsys alarm pending alarms whose policy time is ≥ "
              f"{ctx.threshold('alarm_deferral').get('indefinite_after_days', 300)} days away",
        detail=detail,
        evidence=[evidence("alarm_pending", "policy time ~365 days away", rows["_row"])],
        recommendation_id="battery_saver_hold",
        title=f"Alarms held until {who.split(' (')[0]}: {rows.height} alarm(s), "
              f"{len(pkgs)} app(s)",
        key="held|" + ",".join(pols))]
