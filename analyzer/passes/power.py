"""Top power consumers: uids that explain a large share of what the battery MEASURABLY lost.

From batterystats `Estimated power use` per-uid totals (category uid, component total),
graded on the uid's mAh as a share of the measured discharge (passes/discharge.py:
coulomb counter, checkin dc, actual drain, Computed drain, level drop × capacity) — never
on the share of the per-uid sum, which can be a few µAh or a small part of the real loss.
Below the floors in knowledge/scope.toml (mAh and share) there is no finding. Without a
measured discharge the share of the per-uid sum is shown, at most `info`. At most
`max_findings`, largest first.
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.format import fmt_num
from wakescope.analyzer.passes.context import Context, evidence, fmt_ms, level, lower, uid_text
from wakescope.analyzer.passes.discharge import measured_discharge

KIND = "top_power_consumer"


def uid_power(ctx: Context) -> pl.DataFrame:
    """uid → mAh (per-uid totals), with row positions and share of all uids; computed once
    per Context (the power pass and the apps table both read it)."""
    if "_uid_power" not in ctx.__dict__:
        ctx.__dict__["_uid_power"] = _uid_power(ctx)
    return ctx.__dict__["_uid_power"]


def _uid_power(ctx: Context) -> pl.DataFrame:
    pw = ctx.indexed("batterystats_power_use")
    if pw.is_empty() or "mah" not in pw.columns:
        return pl.DataFrame(schema={"uid": pl.Int64, "mah": pl.Float64, "share": pl.Float64,
                                    "rows": pl.List(pl.UInt32)})
    cond = pl.col("uid").is_not_null()
    if "category" in pw.columns:
        cond &= pl.col("category").fill_null("uid") == "uid"
    if "component" in pw.columns:
        cond &= pl.col("component").fill_null("total") == "total"
    # One split per uid (null where the dump prints none: before 14, checkin rows).
    fg = [pl.col(c).drop_nulls().first() for c in ("fg_mah", "bg_mah", "fgs_mah", "cached_mah")
          if c in pw.columns]
    per = (pw.filter(cond).group_by("uid").agg(pl.col("mah").sum(), pl.col("_row").alias("rows"),
                                               *fg)
           .sort(["mah", "uid"], descending=[True, False]))
    # Summed in that order, not group_by's: a float sum's last bits depend on the order.
    total = per["mah"].sum()
    return per.with_columns((pl.col("mah") / total if total else pl.lit(None, pl.Float64))
                            .alias("share"))


def _mah(x: float) -> str:
    return fmt_num(x, 2 if x < 10 else 1 if x < 100 else 0)


def run(ctx: Context) -> list[dict]:
    t = ctx.threshold(KIND)
    sc = ctx.rules.scope.rule(KIND) if ctx.rules.scope else None
    per = uid_power(ctx)
    if per.is_empty():
        return []
    uid_sum = float(per["mah"].sum())
    measured, source = measured_discharge(ctx)
    min_mah = (sc.min_mah if sc and sc.min_mah is not None else 0.0)
    min_share = (sc.min_discharge_share if sc and sc.min_discharge_share is not None else 0.0)
    wl = ctx.table("batterystats_wakelocks")
    window = ctx.periods.battery_ms
    out = []
    split = {c for c in ("fg_mah", "bg_mah", "fgs_mah", "cached_mah") if c in per.columns}
    for row in per.iter_rows(named=True):
        uid, mah, rows = row["uid"], row["mah"], row["rows"]
        if len(out) >= int(t.get("max_findings", 3)):
            break
        mah = float(mah or 0.0)
        if measured:
            share = mah / measured
            basis = (f"batterystats estimated power use per uid since last charge ({_mah(mah)} "
                     f"mAh) as a share of the measured discharge, {_mah(measured)} mAh from the "
                     f"{source}")
        else:
            share = mah / uid_sum if uid_sum else None
            basis = (f"batterystats estimated power use per uid since last charge; no "
                     f"measured discharge in the capture, so the share of {_mah(uid_sum)} mAh "
                     "over all uids (at most info)")
        if share is None or mah < min_mah or share < min_share:
            break                      # sorted by mAh: the rest are smaller still
        sev = level(share, t)
        if sev is None:
            break
        if not measured:
            sev = lower(sev, "info")
        # Context (scope.toml `top`): power spent while the app was in the foreground is the
        # user using it, not background work (14+ prints the split by process state).
        fg_words = ""
        fg_mah = row.get("fg_mah") if "fg_mah" in split else None
        if fg_mah is not None and mah > 0:
            back = sum((row.get(c) or 0.0) for c in ("bg_mah", "fgs_mah", "cached_mah")
                       if c in split)
            fg_words = (f"By process state: {_mah(fg_mah)} mAh in the foreground (the user "
                        f"using the app), {_mah(back)} mAh in the background, in foreground "
                        "services or cached (the rest is not split by state).")
            if back <= 0.2 * mah:
                sev = lower(sev, "info")
                fg_words += " Mostly not background work, so informational."
        pkg = ctx.package_of(uid)
        api = "system" if uid % 100_000 < 10_000 else None
        apis = ""
        if wl.height and "api" in wl.columns:
            top = (wl.filter((pl.col("uid") == uid) & (pl.col("kind") == "partial"))
                   .group_by("api").agg(pl.col("total_ms").sum())
                   .sort(["total_ms", "api"], descending=[True, False]))
            if top.height:
                apis = " Partial wakelock time by API: " + ", ".join(
                    f"{a} {fmt_ms(ms)}" for a, ms in top.iter_rows()) + "."
        name = pkg or uid_text(uid)
        of = (f"of the {_mah(measured)} mAh the battery lost ({source})" if measured
              else f"of all uids' estimated {_mah(uid_sum)} mAh")
        out.append(ctx.finding(
            kind=KIND, severity=sev, package=pkg, uid=uid, api=api,
            metric="discharge_share" if measured else "power_share", value=share,
            unit="share", threshold=KIND, basis=basis,
            detail=f"{name} used an estimated {_mah(mah)} mAh, {share * 100:.1f} % {of}. "
                   + (fg_words or "Estimated power includes foreground use: read the "
                                  "app's background findings before blaming it.") + apis,
            evidence=[evidence("batterystats_power_use",
                               f'uid == {uid} and category == "uid" and component == "total"',
                               rows)],
            recommendation_id="system_overhead" if api == "system" else "power_investigate",
            title=f"Top power consumer: {name} {_mah(mah)} mAh, {share * 100:.0f} % of the "
                  + ("measured discharge" if measured else "apps' estimate"),
            key=str(uid), window_ms=window, scaled=False))
    return out
