"""The `apps` table: one row per package with the figures behind the findings, for triage.

Packages come from each row's `owner_package` (attribution): the tag's package for
`*job*/<pkg>/…`, alarm stats' package for a shared uid's alarm, else the uid's package
(system uids by name: 1000 → android). A package seen under several uids (users, clones)
is one row: figures summed, `uid` the uid with the most partial wakelock time (else the
lowest), `uids` all of them.

The table is one lazy plan collected once: each source table contributes its rows as they
are (package, uid and the figure columns), the rows go under their uid's owner and are
summed per (package, uid) and then per package; the APIs, shared-uid packages and findings
are joined on (issue 17: a Polars step costs ~0.1–0.5 ms whatever the rows, so the table
is built in as few steps as its semantics allow).
"""

from __future__ import annotations

import functools
from dataclasses import replace

import polars as pl

from wakescope.analyzer.model import SEVERITIES, SEVERITY_RANK
from wakescope.analyzer.passes.context import DAY_MS, Context
from wakescope.analyzer.passes.jobs import WAITING
from wakescope.analyzer.passes.power import uid_power
from wakescope.analyzer.passes.wakeups import per_app, wakeup_counts
from wakescope.analyzer.plans import ENGINE
from wakescope.analyzer.tables import APPS

_I64 = pl.Int64
_PACKAGE = pl.col("package")
_OWNER_PACKAGE = pl.coalesce("owner_package", "package").alias("package")
_NO_PACKAGE = pl.lit(None, pl.String).alias("package")
_UID = pl.col("uid").cast(_I64)
_ZERO_MS = pl.lit(0, _I64).alias("_ms")
_RANK = pl.col("severity").replace_strict(SEVERITY_RANK, default=len(SEVERITY_RANK))
# Counts that are 0, not null, for an app the source has no row for.
_ZERO = ("findings", "jobs_run", "jobs_registered", "jobs_deferred", "wakeup_alarms")
_ROUNDED = ("partial_wakelock_ms_per_24h", "wakeups_per_hour", "power_mah", "power_share",
            "energy_share", "radio_mah", "gps_mah")


def _keys(df: pl.DataFrame, uid: pl.Expr = _UID) -> list[pl.Expr]:
    """The row's package (`owner_package`, else `package`) and uid (Int64)."""
    cols = df.columns
    pkg = (_OWNER_PACKAGE if "owner_package" in cols
           else _PACKAGE if "package" in cols else _NO_PACKAGE)
    return [pkg, uid]


def _rows(df: pl.DataFrame, figures: dict[str, pl.Expr], uid: pl.Expr = _UID,
          where: pl.Expr | None = None) -> pl.LazyFrame:
    """The rows of `df` (those `where` selects) as package, uid and `figures`: one row per
    source row, summed per package and uid in build_apps (rows naming no package dropped
    there)."""
    lf = df.lazy() if where is None else df.lazy().filter(where)
    return lf.select(*_keys(df, uid), *(e.alias(n) for n, e in figures.items()))


def _energy_part(ctx: Context) -> pl.LazyFrame | None:
    """Per uid: CPU time, radio and GPS mAh, share of the measured loss (passes.energy)."""
    from wakescope.analyzer.passes.energy import budget

    b = budget(ctx)
    apps = [a for a in b["apps"] if a["package"]] if b else []
    if not apps:
        return None
    total = b["total_mah"]
    return pl.DataFrame([
        {"package": a["package"], "uid": a["uid"], "energy_share": a["mah"] / total,
         "cpu_ms": None if a["cpu_ms"] is None else int(a["cpu_ms"]),
         "radio_mah": a["by_resource"].get("radio"), "gps_mah": a["by_resource"].get("gps")}
        for a in apps], schema=_ENERGY).lazy()


_ENERGY = {"package": pl.String, "uid": _I64, "energy_share": pl.Float64, "cpu_ms": _I64,
           "radio_mah": pl.Float64, "gps_mah": pl.Float64}
# Ties broken by package so the same input always gives the same table.
_ORDER = [pl.col("partial_wakelock_ms").fill_null(0), pl.col("wakeup_alarms").fill_null(0),
          _PACKAGE]
_PER_24H = [c.name for c in APPS.columns].index("partial_wakelock_ms_per_24h")


@functools.cache
def _columns(have: frozenset[str]) -> tuple[pl.Expr, ...]:
    """The APPS columns in order and type (TableSchema.conform's casts) from the plan's
    columns `have`, counts 0 where null and figures rounded; partial_wakelock_ms_per_24h
    null (build_apps sets it)."""
    known = _PACKAGE.is_not_null()
    derived = {
        # A package no uid names (wakeups of a uid without a name) has no primary uid.
        "uid": pl.when(known).then(pl.col("uid")),
        "uids": pl.when(known).then(pl.col("uids")),
        "worst_severity": pl.col("_rank").replace_strict(dict(enumerate(SEVERITIES)),
                                                         default=None),
    }
    cols = []
    for c in APPS.columns:
        if c.name not in have or c.name == "partial_wakelock_ms_per_24h":
            cols.append(pl.lit(None, c.dtype).alias(c.name))
            continue
        e = derived.get(c.name, pl.col(c.name))
        if c.name in _ZERO:
            e = e.fill_null(0)
        e = e.cast(c.dtype, strict=False)
        if c.name in _ROUNDED:
            e = e.round_sig_figs(9)
        cols.append(e.alias(c.name))
    return tuple(cols)


def build_apps(ctx: Context, findings: pl.DataFrame) -> pl.DataFrame:
    """The apps table (analyzer.tables.APPS) from the attributed tables and the findings.

    One lazy plan, collected once: each source adds its rows as they are (package, uid,
    figures; `parts`) and its API rows (package, uid, api, time; `api_parts`)."""
    parts: list[pl.LazyFrame] = []
    num: list[str] = []  # the figure columns the parts bring
    api_parts: list[pl.LazyFrame] = []

    def add(lf: pl.LazyFrame, *names: str) -> None:
        parts.append(lf)
        num.extend(names)

    wl = ctx.table("batterystats_wakelocks")
    if wl.height and "api" in wl.columns:
        partial = pl.col("kind") == "partial"
        add(_rows(wl, {"partial_wakelock_ms": pl.col("total_ms")}, where=partial),
            "partial_wakelock_ms")
        api_parts.append(_rows(wl, {"api": pl.col("api"), "_ms": pl.col("total_ms")},
                               where=partial))
    wc = wakeup_counts(ctx)
    if wc is not None:
        # Per (uid, package) as passes.wakeups.per_app has them (the rate is of the sum),
        # rows naming no package included; per_app's steps run lazily, in this plan.
        pa = per_app(replace(wc, tags=wc.tags.lazy()))
        add(pa.select("package", _UID, pl.col("count").cast(_I64).alias("wakeup_alarms"),
                      pl.col("per_hour").alias("wakeups_per_hour")),
            "wakeup_alarms", "wakeups_per_hour")
        api_parts.append(wc.tags.lazy().select("package", _UID, "api", _ZERO_MS))
    bj = ctx.table("batterystats_jobs")
    if bj.height and "api" in bj.columns:
        add(_rows(bj, {"jobs_run": pl.col("count"), "job_ms": pl.col("total_ms")}),
            "jobs_run", "job_ms")
        api_parts.append(_rows(bj, {"api": pl.col("api"), "_ms": _ZERO_MS}))
    jobs = ctx.table("jobscheduler_jobs")
    if jobs.height:
        uid = pl.coalesce([pl.col(c) for c in ("source_uid", "uid") if c in jobs.columns]
                          ).cast(_I64).alias("uid")
        figures = {"jobs_registered": pl.lit(1, _I64)}
        # Waiting jobs (passes.jobs.waiting_jobs): a figure only when some job waits.
        if "status" in jobs.columns and any((jobs["status"] == w).any() for w in WAITING):
            figures["jobs_deferred"] = pl.col("status").is_in(WAITING).cast(_I64)
        add(_rows(jobs, figures, uid), *figures)
        if "api" in jobs.columns:
            api_parts.append(_rows(jobs, {"api": pl.col("api"), "_ms": _ZERO_MS}, uid))
    sy = ctx.table("batterystats_syncs")
    if sy.height:
        add(_rows(sy, {"syncs": pl.col("count"), "sync_ms": pl.col("total_ms")}),
            "syncs", "sync_ms")
    fg = ctx.table("batterystats_foreground_services")
    if fg.height:
        add(_rows(fg, {"foreground_service_ms": pl.col("total_ms")}), "foreground_service_ms")
        # An app whose only background work is a foreground service still names that API.
        api_parts.append(_rows(fg, {"api": pl.lit("foreground_service"),
                                    "_ms": pl.col("total_ms")}, where=pl.col("total_ms") > 0))
    pw = uid_power(ctx)
    energy = _energy_part(ctx)
    if not (parts or pw.height or energy is not None):
        return APPS.empty()
    # ctx.name_map as Series (app ids are unique in ctx.names, attribution.uid_names).
    owner = (pl.col("uid") % 100_000).replace_strict(
        ctx.names.get_column("app_id"), ctx.names.get_column("name"), default=None,
        return_dtype=pl.String)
    if pw.height:  # named by the uid's owner, or not at all
        add(pw.lazy().select(_UID, pl.col("mah").alias("power_mah"),
                             pl.col("share").alias("power_share"), owner.alias("package")),
            "power_mah", "power_share")
    if energy is not None:
        add(energy, *list(_ENERGY)[2:])
    sums = [pl.col(c).sum() for c in num]
    # Rows that name no package are dropped, but for wakeups (per_app's rows, the only ones
    # with a count there, never null): those go under their uid's owner as they did.
    named = (_PACKAGE.is_not_null() | pl.col("wakeup_alarms").is_not_null()
             if wc is not None else _PACKAGE.is_not_null())
    # One row per uid: every row of a uid goes under the uid's owner (a shared uid's
    # `*job*/<pkg>/…` rows and its power row alike), with the other packages listed.
    # Sorted groups: float sums in a fixed order give the same digits on every run.
    per_uid = (pl.concat(parts, how="diagonal_relaxed").filter(named)
               .with_columns(pl.coalesce(owner, _PACKAGE).alias("package"))
               .group_by("package", "uid").agg(sums)
               .sort("package", "uid", nulls_last=True))
    # The primary uid: most partial wakelock time, then the lowest (a null uid first).
    primary = (pl.col("uid").sort_by([pl.col("partial_wakelock_ms").fill_null(-1), "uid"],
                                     descending=[True, False])
               if "partial_wakelock_ms" in num else pl.col("uid").sort())
    # `uids`: a package's uids are sorted and distinct already (per_uid).
    apps = per_uid.group_by("package", maintain_order=True).agg(
        *sums, primary.first(), pl.col("uid").drop_nulls().alias("uids"))
    have = {*num, "package", "uid", "uids", "shared_packages"}
    # Each API row goes to its uid's owner, like the figures above (a package seen under
    # two uids, e.g. a job scheduled by one uid for another, counts for both owners).
    if api_parts:
        apis = (pl.concat(api_parts, how="vertical_relaxed")
                .filter(_PACKAGE.is_not_null() & pl.col("api").is_not_null())
                .select(pl.coalesce(owner, _PACKAGE).alias("package"), "api", "_ms")
                .group_by("package", "api").agg(pl.col("_ms").sum())
                .group_by("package").agg(pl.col("api").sort_by(
                    ["_ms", "api"], descending=[True, False]).alias("apis")))
        apps = apps.join(apis, on="package", how="left")
        have.add("apis")
    # One row per name: app ids can share one (1010 and 1037 are both `wifi`), and
    # ctx.names is in no order, so the lowest app id's packages are listed.
    shared = (ctx.names.lazy().filter(pl.col("shared")).sort("app_id")
              .unique(subset="name", keep="first", maintain_order=True)
              .select(pl.col("name").alias("package"), pl.col("packages").alias("shared_packages")))
    apps = apps.join(shared, on="package", how="left")
    if findings.height:
        f = (findings.lazy().filter(_PACKAGE.is_not_null())
             .group_by(pl.coalesce(owner, _PACKAGE).alias("package"))
             .agg(pl.len().cast(_I64).alias("findings"), _RANK.min().alias("_rank")))
        apps = apps.join(f, on="package", how="left")
        have.update(("findings", "worst_severity"))
    period = ctx.periods.battery_ms
    cols = _columns(frozenset(have))
    if "partial_wakelock_ms" in num and period:
        cols = [*cols[:_PER_24H], (pl.col("partial_wakelock_ms") * DAY_MS / period)
                .cast(pl.Float64).round_sig_figs(9).alias("partial_wakelock_ms_per_24h"),
                *cols[_PER_24H + 1:]]
    return apps.select(cols).sort(_ORDER, descending=[True, True, False]).collect(
        engine=ENGINE)
