"""Top power consumers: uids with a large share of the apps' estimated power (mAh).

From batterystats `Estimated power use` per-uid totals (category uid, component total).
The share is of the sum over all uids (device components such as screen or cell standby
are not apps and are left out). At most `max_findings`, largest first.
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.passes.context import Context, evidence, fmt_ms, level, uid_text


def uid_power(ctx: Context) -> pl.DataFrame:
    """uid → mAh (per-uid totals), with row positions and share of all uids."""
    pw = ctx.indexed("batterystats_power_use")
    if pw.is_empty() or "mah" not in pw.columns:
        return pl.DataFrame(schema={"uid": pl.Int64, "mah": pl.Float64, "share": pl.Float64,
                                    "rows": pl.List(pl.UInt32)})
    cond = pl.col("uid").is_not_null()
    if "category" in pw.columns:
        cond &= pl.col("category").fill_null("uid") == "uid"
    if "component" in pw.columns:
        cond &= pl.col("component").fill_null("total") == "total"
    per = pw.filter(cond).group_by("uid").agg(pl.col("mah").sum(), pl.col("_row").alias("rows"))
    total = per["mah"].sum()
    return per.with_columns((pl.col("mah") / total if total else pl.lit(None, pl.Float64))
                            .alias("share")).sort(["mah", "uid"], descending=[True, False])


def run(ctx: Context) -> list[dict]:
    t = ctx.threshold("top_power_consumer")
    per = uid_power(ctx)
    if per.is_empty():
        return []
    total = float(per["mah"].sum())
    wl = ctx.table("batterystats_wakelocks")
    out = []
    for uid, mah, rows, share in per.select("uid", "mah", "rows", "share").iter_rows():
        if len(out) >= int(t.get("max_findings", 3)):
            break
        sev = level(share, t)
        if sev is None:
            break
        pkg = ctx.package_of(uid)
        # Estimated power is not one API's doing: system uids say so, apps name none (the
        # detail lists the APIs their wakelock time went through).
        api = "system" if uid % 100_000 < 10_000 else None
        apis = ""
        if wl.height and "api" in wl.columns:
            top = (wl.filter((pl.col("uid") == uid) & (pl.col("kind") == "partial"))
                   .group_by("api").agg(pl.col("total_ms").sum())
                   .sort(["total_ms", "api"], descending=[True, False]))
            if top.height:
                apis = " Partial wakelock time by API: " + ", ".join(
                    f"{a} {fmt_ms(ms)}" for a, ms in top.iter_rows()) + "."
        out.append(ctx.finding(
            kind="top_power_consumer", severity=sev, package=pkg, uid=uid, api=api,
            metric="power_share", value=share, unit="share",
            threshold="top_power_consumer",
            basis=f"batterystats estimated power use per uid since last charge; share of "
                  f"{total:.1f} mAh over all uids",
            detail=f"{pkg or uid_text(uid)} used an estimated {mah:.2f} mAh, "
                   f"{share * 100:.1f} % of all uids' estimated power.{apis}",
            evidence=[evidence("batterystats_power_use",
                               f'uid == {uid} and category == "uid" and component == "total"',
                               rows)],
            recommendation_id="system_overhead" if api == "system" else "power_investigate",
            title=f"Top power consumer: {pkg or uid_text(uid)} {share * 100:.0f} %",
            key=str(uid)))
    return out
