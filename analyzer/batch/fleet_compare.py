"""Groups of captures compared: per app × API rates over each group (medians and device
counts), and the change between two groups, from a batch output folder alone.

    >>> from wakescope.analyzer.batch.fleet_compare import group_rates, compare_groups
    >>> group_rates("out", "build")                  # per build × app × API × metric
    >>> compare_groups("out", "build", "A", "B")     # per app × API × metric: B − A

Every capture of a group counts: an app absent from a capture contributes 0 to the
group's median. Rates are per hour on battery (the capture's batterystats period), as in
`wakescope diff`.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from wakescope.analyzer.batch.fleet import (
    HOUR_MS,
    _analysed_ids,
    _periods,
    _schema,
    captures_frame,
    scan_table,
)
from wakescope.analyzer.batch.records import load_records

F64 = pl.Float64
# Group fields: the captures-table column holding each capture's value.
# A build is named by its id (OPM1.171019.021), else the fingerprint or display id.
GROUP_FIELDS = {"build": ("build_id", "build"), "device": ("device", "model")}
UNSUPPORTED = {
    "app_version": "app versions are not in the parsed tables (wakescope reads no "
                   "`dumpsys package` section), so captures cannot be grouped by app version",
}
# Metric → (table, value column, filter on `kind`, unit scale per hour).
SOURCES = {
    "wakelock_s_per_h": ("batterystats_wakelocks", "total_ms", "partial", 1 / 1000),
    "wakeups_per_h": ("batterystats_wakeup_alarms", "count", None, 1.0),
    "jobs_per_h": ("batterystats_jobs", "count", None, 1.0),
    "syncs_per_h": ("batterystats_syncs", "count", None, 1.0),
    "fgs_s_per_h": ("batterystats_foreground_services", "total_ms", None, 1 / 1000),
}


class GroupError(ValueError):
    """A grouping the batch folder cannot answer; the message is one sentence."""


def _captures(out: Path, field: str) -> pl.DataFrame:
    """Analysed captures with their group value (`group`) and device uid."""
    if field in UNSUPPORTED:
        raise GroupError(UNSUPPORTED[field])
    if field not in GROUP_FIELDS:
        raise GroupError(f"cannot group by {field!r}: use one of "
                         f"{', '.join([*GROUP_FIELDS, *UNSUPPORTED])}")
    caps = captures_frame(load_records(out))
    ids = _analysed_ids(caps)
    cols = GROUP_FIELDS[field]
    return ids.join(caps.select("capture_id", *cols), on="capture_id", how="left").with_columns(
        group=pl.coalesce([pl.col(c) for c in cols]))


def _rates(out: Path, ids: pl.DataFrame) -> pl.DataFrame:
    """Per capture × package × api × metric: the rate per hour on battery."""
    periods = _periods(out, ids.select("capture_id", "device_uid", "name"))
    parts = []
    for metric, (name, value, kind, scale) in SOURCES.items():
        wanted = ("package", "owner_package", "api", value, "kind")
        lf = scan_table(out, name, _schema(name, wanted))
        if kind is not None:
            lf = lf.filter(pl.col("kind") == kind)
        parts.append(
            lf.join(ids.lazy().select("capture_id"), on="capture_id", how="semi")
            .with_columns(package=pl.coalesce("owner_package", "package"))
            .filter(pl.col("package").is_not_null())
            .group_by("capture_id", "package", "api")
            .agg(pl.col(value).cast(F64).sum().alias("v"))
            .with_columns(metric=pl.lit(metric), scale=pl.lit(scale))
            .collect())
    df = pl.concat([p for p in parts if p.height], how="vertical_relaxed") if any(
        p.height for p in parts) else pl.DataFrame(
        schema={"capture_id": pl.String, "package": pl.String, "api": pl.String, "v": F64,
                "metric": pl.String, "scale": F64})
    return (df.join(periods, on="capture_id", how="inner")
            .filter(pl.col("period_ms") > 0)
            .with_columns(rate=pl.col("v") * HOUR_MS / pl.col("period_ms") * pl.col("scale"))
            .select("capture_id", "package", "api", "metric", "rate"))


def group_rates(out_dir: str | os.PathLike, field: str) -> pl.DataFrame:
    """Per group × package × api × metric: captures and devices in the group, devices where
    the app shows, and the median and mean rate over every capture of the group."""
    out = Path(out_dir)
    caps = _captures(out, field).filter(pl.col("group").is_not_null())
    rates = _rates(out, caps)
    sizes = caps.group_by("group").agg(pl.len().alias("captures"),
                                       pl.col("device_uid").n_unique().alias("devices"))
    keys = rates.select("package", "api", "metric").unique()
    # Every (group, capture) × key, absent rates as 0, so medians count every capture.
    full = (caps.select("group", "capture_id", "device_uid").join(keys, how="cross")
            .join(rates, on=["capture_id", "package", "api", "metric"], how="left")
            .with_columns(present=pl.col("rate").is_not_null(),
                          rate=pl.col("rate").fill_null(0.0)))
    # The mean of the sorted rates: the joins above keep no order, and a float sum's last
    # bits depend on it.
    return (full.group_by("group", "package", "api", "metric")
            .agg(pl.col("rate").median().alias("median"),
                 pl.col("rate").sort().mean().alias("mean"),
                 pl.col("device_uid").filter(pl.col("present")).n_unique()
                 .alias("devices_with_app"))
            .join(sizes, on="group", how="left")
            .sort("group", "metric", "median", "package", "api",
                  descending=[False, False, True, False, False], nulls_last=True))


def parse_compare(spec: str) -> tuple[str, str, str]:
    """`build=A,build=B` → (field, A, B); raises GroupError with one sentence."""
    parts = [p.strip() for p in spec.split(",")]
    pairs = [p.split("=", 1) for p in parts]
    if len(parts) != 2 or any(len(p) != 2 or not p[1] for p in pairs):
        raise GroupError(f"--compare wants FIELD=A,FIELD=B (e.g. build=A,build=B), not "
                         f"{spec!r}")
    (f1, a), (f2, b) = pairs
    if f1 != f2:
        raise GroupError(f"--compare needs one field on both sides, not {f1!r} and {f2!r}")
    return f1, a, b


def compare_groups(out_dir: str | os.PathLike, field: str, a: str, b: str) -> pl.DataFrame:
    """Per package × api × metric: group A's and B's medians, the change and device counts,
    largest change first. Raises GroupError when a group has no analysed capture."""
    rates = group_rates(out_dir, field)
    have = set(rates.get_column("group").unique().to_list())
    caps = _captures(Path(out_dir), field)
    known = sorted({g for g in caps.get_column("group").to_list() if g})
    for g in (a, b):
        if g not in have and g not in known:
            raise GroupError(f"no analysed capture has {field} {g!r} (groups: "
                             f"{', '.join(known) or 'none'})")
    side = lambda g, s: rates.filter(pl.col("group") == g).select(  # noqa: E731
        "package", "api", "metric", pl.col("median").alias(f"{s}_median"),
        pl.col("devices_with_app").alias(f"{s}_devices_with_app"),
        pl.col("devices").alias(f"{s}_devices"), pl.col("captures").alias(f"{s}_captures"))
    out = side(a, "a").join(side(b, "b"), on=["package", "api", "metric"], how="full",
                            coalesce=True, nulls_equal=True)
    sizes = {g: caps.filter(pl.col("group") == g) for g in (a, b)}
    fill = {f"{s}_{k}": sizes[g].select(pl.col("device_uid").n_unique()).item()
            if k == "devices" else sizes[g].height
            for s, g in (("a", a), ("b", b)) for k in ("devices", "captures")}
    out = out.with_columns(
        pl.col("a_median").fill_null(0.0), pl.col("b_median").fill_null(0.0),
        pl.col("a_devices_with_app").fill_null(0), pl.col("b_devices_with_app").fill_null(0),
        *[pl.col(k).fill_null(v) for k, v in fill.items()])
    return (out.with_columns(delta=pl.col("b_median") - pl.col("a_median"))
            .filter(pl.col("delta") != 0)
            .sort(pl.col("delta").abs(), "package", "api", descending=[True, False, False],
                  nulls_last=True))
