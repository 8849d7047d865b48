"""The `apps` table: one row per package with the figures behind the findings, for triage.

Packages come from each row's `owner_package` (attribution): the tag's package for
`*job*/<pkg>/…`, alarm stats' package for a shared uid's alarm, else the uid's package
(system uids by name: 1000 → android). A package seen under several uids (users, clones)
is one row: figures summed, `uid` the uid with the most partial wakelock time (else the
lowest), `uids` all of them.
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.model import SEVERITIES, SEVERITY_RANK
from wakescope.analyzer.passes.context import DAY_MS, Context
from wakescope.analyzer.passes.jobs import waiting_jobs
from wakescope.analyzer.passes.power import uid_power
from wakescope.analyzer.passes.wakeups import per_app, wakeup_counts
from wakescope.analyzer.tables import APPS

_I64 = pl.Int64


def _by_package(df: pl.DataFrame, aggs: list[pl.Expr]) -> pl.DataFrame:
    return df.filter(pl.col("package").is_not_null()).group_by("package", "uid").agg(aggs)


def _owner(df: pl.DataFrame, ctx: Context, uid_col: str = "uid") -> pl.DataFrame:
    pkg = (pl.coalesce("owner_package", "package") if "owner_package" in df.columns
           else pl.col("package") if "package" in df.columns else pl.lit(None, pl.String))
    return df.with_columns(pkg.alias("package"), pl.col(uid_col).cast(_I64).alias("uid"))


def _energy_part(ctx: Context) -> list[pl.DataFrame]:
    """Per uid: CPU time, radio and GPS mAh, share of the measured loss (passes.energy)."""
    from wakescope.analyzer.passes.energy import budget

    b = budget(ctx)
    if not b or not b["apps"]:
        return []
    rows = [{"package": a["package"], "uid": a["uid"],
             "energy_share": a["mah"] / b["total_mah"],
             "cpu_ms": None if a["cpu_ms"] is None else int(a["cpu_ms"]),
             "radio_mah": a["by_resource"].get("radio"), "gps_mah": a["by_resource"].get("gps")}
            for a in b["apps"] if a["package"]]
    if not rows:
        return []
    return [pl.DataFrame(rows, schema={"package": pl.String, "uid": _I64,
                                       "energy_share": pl.Float64, "cpu_ms": _I64,
                                       "radio_mah": pl.Float64, "gps_mah": pl.Float64})]


def build_apps(ctx: Context, findings: pl.DataFrame) -> pl.DataFrame:
    """The apps table (analyzer.tables.APPS) from the attributed tables and the findings."""
    parts: list[pl.DataFrame] = []
    period = ctx.periods.battery_ms
    wl = ctx.table("batterystats_wakelocks")
    if wl.height and "api" in wl.columns:
        part = _owner(wl.filter(pl.col("kind") == "partial"), ctx)
        parts.append(_by_package(part, [pl.col("total_ms").sum().alias("partial_wakelock_ms")]))
        apis = (part.filter(pl.col("package").is_not_null())
                .group_by("package", "uid", "api").agg(pl.col("total_ms").sum().alias("_ms")))
    else:
        apis = pl.DataFrame(schema={"package": pl.String, "uid": _I64, "api": pl.String,
                                    "_ms": _I64})
    api_frames = [apis]
    wc = wakeup_counts(ctx)
    if wc is not None:
        pa = per_app(wc)
        parts.append(pa.select("package", pl.col("uid").cast(_I64),
                               pl.col("count").cast(_I64).alias("wakeup_alarms"),
                               pl.col("per_hour").alias("wakeups_per_hour")))
        api_frames.append(wc.tags.group_by("package", pl.col("uid").cast(_I64), "api")
                          .agg(pl.lit(0, _I64).alias("_ms")))
    bj = ctx.table("batterystats_jobs")
    if bj.height and "api" in bj.columns:
        bj = _owner(bj, ctx)
        parts.append(_by_package(bj, [pl.col("count").sum().alias("jobs_run"),
                                      pl.col("total_ms").sum().alias("job_ms")]))
        api_frames.append(bj.group_by("package", "uid", "api")
                          .agg(pl.lit(0, _I64).alias("_ms")))
    jobs = ctx.table("jobscheduler_jobs")
    if jobs.height:
        uid = pl.coalesce([pl.col(c) for c in ("source_uid", "uid") if c in jobs.columns])
        j = _owner(jobs.with_columns(uid.alias("_u")), ctx, "_u")
        parts.append(_by_package(j, [pl.len().cast(_I64).alias("jobs_registered")]))
        w = waiting_jobs(ctx)
        if w.height:
            w = _owner(w.with_columns(pl.coalesce([pl.col(c) for c in ("source_uid", "uid")
                                                   if c in w.columns]).alias("_u")), ctx, "_u")
            parts.append(_by_package(w, [pl.len().cast(_I64).alias("jobs_deferred")]))
        if "api" in j.columns:
            api_frames.append(j.group_by("package", "uid", "api")
                              .agg(pl.lit(0, _I64).alias("_ms")))
    sy = ctx.table("batterystats_syncs")
    if sy.height:
        sy = _owner(sy, ctx)
        parts.append(_by_package(sy, [pl.col("count").sum().alias("syncs"),
                                      pl.col("total_ms").sum().alias("sync_ms")]))
    fg = ctx.table("batterystats_foreground_services")
    if fg.height:
        fg = _owner(fg, ctx)
        parts.append(_by_package(fg, [pl.col("total_ms").sum().alias("foreground_service_ms")]))
        # An app whose only background work is a foreground service still names that API.
        api_frames.append(fg.filter(pl.col("package").is_not_null() & (pl.col("total_ms") > 0))
                          .group_by("package", "uid").agg(pl.col("total_ms").sum().alias("_ms"))
                          .with_columns(pl.lit("foreground_service").alias("api"))
                          .select("package", "uid", "api", pl.col("_ms").cast(_I64)))
    pw = uid_power(ctx)
    if pw.height:
        parts.append(pw.select(
            pl.col("uid").cast(_I64), pl.col("mah").alias("power_mah"),
            pl.col("share").alias("power_share"),
            (pl.col("uid") % 100_000).replace_strict(ctx.name_map, default=None,
                                                     return_dtype=pl.String).alias("package"),
        ).filter(pl.col("package").is_not_null()))
    parts.extend(_energy_part(ctx))
    if not parts:
        return APPS.empty()
    long = pl.concat(parts, how="diagonal_relaxed")
    # One row per uid: every row of a uid goes under the uid's owner (a shared uid's
    # `*job*/<pkg>/…` rows and its power row alike), with the other packages listed.
    owner = (pl.col("uid") % 100_000).replace_strict(ctx.name_map, default=None,
                                                     return_dtype=pl.String)
    long = long.with_columns(pl.coalesce(owner, pl.col("package")).alias("_owner"))
    long = long.with_columns(pl.col("_owner").alias("package")).drop("_owner")
    num = [c for c in long.columns if c not in ("package", "uid")]
    sums = [pl.col(c).sum() for c in num]
    # Sorted groups: float sums in a fixed order give the same digits on every run.
    per_uid = long.group_by("package", "uid").agg(sums).sort("package", "uid", nulls_last=True)
    if "partial_wakelock_ms" not in per_uid.columns:
        per_uid = per_uid.with_columns(pl.lit(None, _I64).alias("partial_wakelock_ms"))
    primary = (per_uid.sort(["package", pl.col("partial_wakelock_ms").fill_null(-1), "uid"],
                            descending=[False, True, False])
               .group_by("package", maintain_order=True)
               .agg(pl.col("uid").first().alias("uid"),
                    pl.col("uid").drop_nulls().unique().sort().alias("uids")))
    apps = per_uid.group_by("package", maintain_order=True).agg(
        [pl.col(c).sum() for c in num]).join(
        primary, on="package", how="left")
    if "partial_wakelock_ms" in apps.columns and period:
        apps = apps.with_columns((pl.col("partial_wakelock_ms") * DAY_MS / period)
                                 .alias("partial_wakelock_ms_per_24h"))
    # Each API row goes to its uid's owner, like the figures above (a package seen under
    # two uids, e.g. a job scheduled by one uid for another, counts for both owners).
    api_rank = (pl.concat(api_frames, how="vertical_relaxed")
                .filter(pl.col("package").is_not_null() & pl.col("api").is_not_null())
                .with_columns(pl.coalesce(owner, pl.col("package")).alias("package"))
                .drop("uid")
                .group_by("package", "api").agg(pl.col("_ms").sum())
                .sort(["package", "_ms", "api"], descending=[False, True, False])
                .group_by("package", maintain_order=True)
                .agg(pl.col("api").alias("apis")))
    apps = apps.join(api_rank, on="package", how="left")
    shared = ctx.names.filter(pl.col("shared")).select(
        pl.col("name").alias("package"), pl.col("packages").alias("shared_packages"))
    apps = apps.join(shared.unique(subset="package", keep="first"), on="package", how="left")
    if findings.height:
        rank = SEVERITY_RANK
        f = (findings.filter(pl.col("package").is_not_null())
             .with_columns(pl.coalesce((pl.col("uid") % 100_000).replace_strict(
                 ctx.name_map, default=None, return_dtype=pl.String), pl.col("package"))
                 .alias("package"))
             .with_columns(pl.col("severity").replace_strict(rank, default=len(rank))
                           .alias("_rank"))
             .group_by("package").agg(pl.len().cast(_I64).alias("findings"),
                                      pl.col("_rank").min()))
        f = f.with_columns(pl.col("_rank").replace_strict(dict(enumerate(SEVERITIES)),
                                                          default=None).alias("worst_severity"))
        apps = apps.join(f.drop("_rank"), on="package", how="left")
    apps = apps.with_columns(pl.col(c).fill_null(0) for c in
                             ("findings", "jobs_run", "jobs_registered", "jobs_deferred",
                              "wakeup_alarms") if c in apps.columns)
    out = APPS.conform(apps).with_columns(
        pl.col(c).round_sig_figs(9) for c in ("partial_wakelock_ms_per_24h", "wakeups_per_hour",
                                              "power_mah", "power_share", "energy_share",
                                              "radio_mah", "gps_mah"))
    # Ties broken by package so the same input always gives the same table.
    order = [pl.col("partial_wakelock_ms").fill_null(0), pl.col("wakeup_alarms").fill_null(0),
             pl.col("package")]
    return out.sort(order, descending=[True, True, False])
