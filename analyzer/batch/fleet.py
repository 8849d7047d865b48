"""The fleet summary: captures, failures, top apps and tags, finding prevalence and per-app
distributions, rebuilt from a batch output folder's records and Parquet dataset alone.

    >>> from wakescope.analyzer.batch.fleet import fleet_summary
    >>> s = fleet_summary("out")        # what `wakescope fleet out` writes as index.html
    >>> s.apps.head()                   # per package, summed over every analysed capture

Device counts use `device_key` (a digest of manufacturer, model and serial number, read from
the bug report's properties) and count each capture without one as its own device.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from wakescope import __version__
from wakescope.analyzer.batch.records import load_records
from wakescope.analyzer.model import DAY_MS, HOUR_MS, SEVERITY_RANK, FleetSummary
from wakescope.parsers.schema import LOCAL_MS, UTC_MS, table

I64, I32, F64, S, B = pl.Int64, pl.Int32, pl.Float64, pl.String, pl.Boolean

CAPTURES = table(
    "captures",
    "One row per batch input: where it came from, what it is, and how processing went.",
    ("capture_id", S, "stable id: sha1 of resolved path (or URL), size and mtime, 12 hex"),
    ("name", S, "output name: reports/<name>.html"),
    ("source", S, "resolved input path or fsspec URL"),
    ("size_bytes", I64, "input size"),
    ("mtime", UTC_MS, "input modification time"),
    ("status", S, "ok; partial (a diagnostic whose code says data is missing, or a bug "
                  "report lacking a batterystats/jobscheduler/alarm section); failed (not an "
                  "Android dump: reason is the one sentence); error (internal error: a "
                  "wakescope bug)"),
    ("reason", S, "why partial/failed/error"),
    ("kind", S, "bugreport, batterystats, batterystats_checkin, jobscheduler, alarm"),
    ("container", S, "text, zip, gzip, stdin, or the layers read, outermost first "
                    "(gzip+zip, zip+zip: a bug report zip inside a zip)"),
    ("manufacturer", S, ""), ("brand", S, ""), ("model", S, ""),
    ("device", S, "device code name (ro.product.device)"),
    ("device_key", S, "digest of manufacturer|model|serial (bug reports with properties)"),
    ("device_uid", S, "device_key, else capture_id: what device counts count"),
    ("build", S, "build fingerprint (else display id or build id)"),
    ("build_id", S, ""), ("release", S, "Android release"), ("sdk", I32, ""),
    ("capture_local", LOCAL_MS, "capture time, device-local"),
    ("capture_utc", UTC_MS, "capture time, UTC, when the offset is known"),
    ("period_ms", I64, "the stats period the analysis normalised by, ms"),
    ("sections", pl.List(S), "sections found"),
    ("missing_sections", pl.List(S), "sections a bug report lacks"),
    ("n_errors", I64, "error diagnostics"), ("n_warnings", I64, "warning diagnostics"),
    ("unknown_lines", I64, "unrecognised lines"),
    ("caveats", pl.List(S), "codes of the diagnostics that qualify the whole capture "
                            "(docs/diagnostics.md)"),
    ("n_findings", I64, ""), ("findings_high", I64, ""), ("findings_medium", I64, ""),
    ("findings_low", I64, ""), ("findings_info", I64, ""),
    ("worst_severity", S, ""),
    ("report", S, "report path relative to the output folder"),
    ("duration_ms", I64, "parse + analyse + report, ms"),
    ("write_ms", I64, "writing the tables, ms"),
    ("processed_at", UTC_MS, "when the input was processed"),
    ("redact", B, ""), ("wakescope_version", S, ""), ("worker", S, "host:pid"),
    ("table_rows", pl.List(pl.Struct({"table": S, "rows": I64})),
     "rows written per table (tables/<table>/<capture_id>.parquet), by table name"),
)

EMPTY_FILE = "empty.parquet"  # never a capture's file: capture ids are 12 hex digits

APP_METRICS = ("partial_wakelock_ms", "wakeup_alarms", "jobs_run", "job_ms", "jobs_registered",
               "jobs_deferred", "syncs", "sync_ms", "foreground_service_ms", "power_mah",
               "findings")


def captures_frame(records: list[dict]) -> pl.DataFrame:
    """The `captures` table from per-input records (what status/*.json hold)."""
    rows = []
    for r in records:
        row = {c.name: r.get(c.name) for c in CAPTURES.columns}
        for col in ("mtime", "capture_utc", "processed_at"):
            row[col] = _utc(r.get(col))
        row["capture_local"] = _local(r.get("capture_local"))
        row["table_rows"] = [{"table": t, "rows": n}
                             for t, n in sorted((r.get("tables") or {}).items())]
        row["device_uid"] = r.get("device_key") or r.get("capture_id")
        rows.append(row)
    return CAPTURES.frame(rows) if rows else CAPTURES.empty()


def _utc(value) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def _local(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=None)
    except ValueError:
        return None


def table_files(out_dir: Path, name: str) -> list[str]:
    """The capture files of one table (not the `empty.parquet` schema file)."""
    folder = Path(out_dir) / "tables" / name
    return sorted(str(p) for p in folder.glob("*.parquet")
                  if p.name != EMPTY_FILE) if folder.is_dir() else []


def scan_table(out_dir: str | os.PathLike, name: str,
               schema: dict[str, pl.DataType] | None = None) -> pl.LazyFrame:
    """One table over the whole fleet (every capture's file), as a LazyFrame.

    With `schema`, exactly those columns (missing ones null, others ignored), so files
    written by different wakescope versions still read as one dataset.
    """
    files = table_files(Path(out_dir), name)
    if not files:
        return pl.LazyFrame(schema=schema or {"capture_id": S})
    if schema is None:
        return pl.scan_parquet(files, missing_columns="insert", extra_columns="ignore")
    return pl.scan_parquet(files, schema=schema, missing_columns="insert",
                           extra_columns="ignore")


def _schema(name: str, wanted: tuple[str, ...], extra: dict | None = None) -> dict:
    from wakescope.analyzer.batch.worker import _declared

    declared = _declared()[name].schema if name in _declared() else {}
    out = {"capture_id": S}
    for col in wanted:
        out[col] = declared.get(col, (extra or {}).get(col, S))
    return out


def _analysed_ids(captures: pl.DataFrame) -> pl.DataFrame:
    return captures.filter(pl.col("status").is_in(["ok", "partial"])).select(
        "capture_id", "device_uid", "name")


def _app_values(out_dir: Path, ids: pl.DataFrame) -> pl.DataFrame:
    """Per capture × package: the `apps` figures (summed over a package's uids)."""
    cols = (*APP_METRICS, "partial_wakelock_ms_per_24h", "wakeups_per_hour", "worst_severity")
    lf = scan_table(out_dir, "apps", _schema("apps", ("package", *cols)))
    sev = pl.col("worst_severity").replace_strict(SEVERITY_RANK, default=None,
                                                  return_dtype=pl.Int32)
    df = (
        lf.join(ids.lazy(), on="capture_id", how="semi")
        .filter(pl.col("package").is_not_null())
        .with_columns(sev.alias("severity_rank"))
        .group_by("capture_id", "package")
        .agg(*[pl.col(c).sum() for c in APP_METRICS],
             pl.col("partial_wakelock_ms_per_24h").sum(),
             pl.col("wakeups_per_hour").sum(), pl.col("severity_rank").min())
        .collect()
    )
    return df.join(ids, on="capture_id", how="left").sort("package", "capture_id")


def _apps(values: pl.DataFrame, n_analysed: int) -> pl.DataFrame:
    """Per package over the fleet: sums of the per-capture figures, medians, maxima and the
    fleet mean (sum over captures ÷ analysed captures: an app absent from a capture is 0)."""
    n = max(n_analysed, 1)
    rank_to_sev = {v: k for k, v in SEVERITY_RANK.items()}
    return (
        values.group_by("package")
        .agg(
            pl.col("capture_id").n_unique().alias("captures"),
            pl.col("device_uid").n_unique().alias("devices"),
            *[pl.col(c).sum() for c in APP_METRICS],
            (pl.col("wakeups_per_hour").sum() / n).alias("wakeups_per_hour_fleet_mean"),
            pl.col("wakeups_per_hour").median().alias("wakeups_per_hour_median"),
            pl.col("wakeups_per_hour").max().alias("wakeups_per_hour_max"),
            (pl.col("partial_wakelock_ms_per_24h").sum() / n)
            .alias("partial_wakelock_ms_per_24h_fleet_mean"),
            pl.col("partial_wakelock_ms_per_24h").median()
            .alias("partial_wakelock_ms_per_24h_median"),
            pl.col("partial_wakelock_ms_per_24h").max().alias("partial_wakelock_ms_per_24h_max"),
            pl.col("severity_rank").min(),
        )
        .with_columns(pl.col("severity_rank").replace_strict(rank_to_sev, default=None,
                                                             return_dtype=S)
                      .alias("worst_severity"))
        .drop("severity_rank")
        .sort(["partial_wakelock_ms_per_24h_fleet_mean", "wakeups_per_hour_fleet_mean",
               "package"], descending=[True, True, False], nulls_last=True)
    )


def _periods(out_dir: Path, ids: pl.DataFrame) -> pl.DataFrame:
    """Per capture: time on battery (ms) from batterystats_summary, for per-hour rates."""
    lf = scan_table(out_dir, "batterystats_summary",
                    _schema("batterystats_summary", ("battery_realtime_ms",)))
    return (lf.join(ids.lazy(), on="capture_id", how="semi").group_by("capture_id")
            .agg(pl.col("battery_realtime_ms").max().alias("period_ms")).collect())


def _per_tag(df: pl.DataFrame, value: str, n_analysed: int) -> pl.DataFrame:
    """Group per-capture tag rows (capture_id, device_uid, package, tag, api, value, rate)."""
    n = max(n_analysed, 1)
    return (
        # Sorted first: the rates are summed in capture order, not in the joins' (a float
        # sum's last bits depend on the order); of equally common APIs, the first by name.
        df.sort("package", "tag", "capture_id")
        .group_by("package", "tag")
        .agg(
            pl.col("capture_id").n_unique().alias("captures"),
            pl.col("device_uid").n_unique().alias("devices"),
            pl.col("api").drop_nulls().mode().sort().first().alias("api"),
            pl.col(value).sum(),
            (pl.col("rate").sum() / n).alias("rate_fleet_mean"),
            pl.col("rate").median().alias("rate_median"),
            pl.col("rate").max().alias("rate_max"),
        )
        .sort(["rate_fleet_mean", value, "package", "tag"],
              descending=[True, True, False, False], nulls_last=True)
    )


def _wakelock_tags(out_dir: Path, ids: pl.DataFrame, periods: pl.DataFrame,
                   n_analysed: int) -> pl.DataFrame:
    """Partial wakelock time per package × tag; rate = ms per 24 h on battery."""
    lf = scan_table(out_dir, "batterystats_wakelocks", _schema(
        "batterystats_wakelocks", ("package", "uid", "tag", "kind", "total_ms", "api")))
    df = (
        lf.filter(pl.col("kind") == "partial")
        # Order-keeping joins: `first()` below takes a capture's first row with an API.
        .join(ids.lazy(), on="capture_id", how="inner", maintain_order="left")
        .group_by("capture_id", "device_uid", "package", "tag")
        .agg(pl.col("total_ms").sum(), pl.col("api").drop_nulls().first())
        .collect()
        .join(periods, on="capture_id", how="left")
        .with_columns((pl.col("total_ms") * DAY_MS / pl.col("period_ms"))
                      .cast(F64).alias("rate"))
    )
    return _per_tag(df, "total_ms", n_analysed).rename({
        "rate_fleet_mean": "ms_per_24h_fleet_mean", "rate_median": "ms_per_24h_median",
        "rate_max": "ms_per_24h_max"})


def _alarm_tags(out_dir: Path, ids: pl.DataFrame, periods: pl.DataFrame,
                n_analysed: int) -> pl.DataFrame:
    """Wakeup alarms per package × tag; rate = wakeups per hour on battery.

    From batterystats `Wakeup alarm` counts; a capture without them (a standalone alarm
    dump) contributes its Alarm Stats wakeups with the rate left null (no period known).
    """
    bs = (
        scan_table(out_dir, "batterystats_wakeup_alarms", _schema(
            "batterystats_wakeup_alarms", ("package", "tag", "count", "api")))
        .join(ids.lazy(), on="capture_id", how="inner", maintain_order="left")
        .group_by("capture_id", "device_uid", "package", "tag")
        .agg(pl.col("count").sum().alias("wakeups"), pl.col("api").drop_nulls().first())
        .collect()
        .join(periods, on="capture_id", how="left")
        .with_columns((pl.col("wakeups") * HOUR_MS / pl.col("period_ms")).cast(F64)
                      .alias("rate"))
        .drop("period_ms")
    )
    have = bs.select("capture_id").unique()
    alarm = (
        scan_table(out_dir, "alarm_stats", _schema(
            "alarm_stats", ("package", "tag", "wakeups", "api")))
        .join(ids.lazy(), on="capture_id", how="inner", maintain_order="left")
        .join(have.lazy(), on="capture_id", how="anti", maintain_order="left")
        .filter(pl.col("wakeups") > 0)
        .group_by("capture_id", "device_uid", "package", "tag")
        .agg(pl.col("wakeups").sum(), pl.col("api").drop_nulls().first())
        .with_columns(pl.lit(None, F64).alias("rate"))
        .collect()
    )
    df = pl.concat([bs, alarm.select(bs.columns)], how="vertical_relaxed")
    return _per_tag(df, "wakeups", n_analysed).rename({
        "rate_fleet_mean": "wakeups_per_hour_fleet_mean", "rate_median": "wakeups_per_hour_median",
        "rate_max": "wakeups_per_hour_max"})


def _findings(out_dir: Path, ids: pl.DataFrame) -> pl.DataFrame:
    """Per finding kind × package: on how many captures and devices it appears."""
    lf = scan_table(out_dir, "findings", _schema(
        "findings", ("kind", "package", "severity", "api", "value", "unit", "title")))
    sev = pl.col("severity").replace_strict(SEVERITY_RANK, default=9, return_dtype=pl.Int32)
    rank_to_sev = {v: k for k, v in SEVERITY_RANK.items()}
    return (
        # Order-keeping join: `first()` below takes the first finding in capture order.
        lf.join(ids.lazy(), on="capture_id", how="inner", maintain_order="left")
        .with_columns(sev.alias("rank"))
        .group_by("kind", "package")
        .agg(
            pl.col("device_uid").n_unique().alias("devices"),
            pl.col("capture_id").n_unique().alias("captures"),
            pl.len().alias("findings"),
            pl.col("rank").min(),
            pl.col("api").drop_nulls().mode().sort().first().alias("api"),
            pl.col("value").max().alias("value_max"),
            pl.col("unit").drop_nulls().first().alias("unit"),
            pl.col("title").sort_by("rank", maintain_order=True).first().alias("example"),
        )
        .with_columns(pl.col("rank").replace_strict(rank_to_sev, default=None, return_dtype=S)
                      .alias("worst_severity"))
        .sort(["devices", "rank", "captures", "kind", "package"],
              descending=[True, False, True, False, False], nulls_last=True)
        .drop("rank")
        .collect()
    )


def fleet_summary(out_dir: str | os.PathLike) -> FleetSummary:
    """Rebuild the fleet summary from a batch output folder (records + Parquet tables)."""
    out = Path(out_dir)
    captures = captures_frame(load_records(out))
    ids = _analysed_ids(captures)
    n = ids.height
    values = _app_values(out, ids)
    periods = _periods(out, ids)
    return FleetSummary(
        out_dir=out, captures=captures, apps=_apps(values, n), app_values=values,
        wakelock_tags=_wakelock_tags(out, ids, periods, n),
        alarm_tags=_alarm_tags(out, ids, periods, n), findings=_findings(out, ids),
    )


def write_empty_tables(out_dir: str | os.PathLike) -> list[str]:
    """Give every declared table that no capture filled a `tables/<table>/empty.parquet` with
    zero rows and its schema (capture_id first), so a glob over any table reads as zero rows
    in DuckDB, Polars or Spark; drop that file once real files exist. Returns the tables."""
    from wakescope.analyzer.batch.worker import _declared
    from wakescope.analyzer.outputs import write_atomic

    root = Path(out_dir) / "tables"
    empty = []
    for name, schema in sorted(_declared().items()):
        folder = root / name
        placeholder = folder / EMPTY_FILE
        real = [p for p in folder.glob("*.parquet") if p.name != EMPTY_FILE] \
            if folder.is_dir() else []
        if real:
            placeholder.unlink(missing_ok=True)
            continue
        empty.append(name)
        if placeholder.is_file():
            continue
        frame = pl.DataFrame(schema={"capture_id": S, **schema.schema})
        write_atomic(placeholder, frame.write_parquet, root=Path(out_dir))
    return empty


def write_fleet_outputs(out_dir: str | os.PathLike, plotly: str = "inline") -> Path:
    """Write captures.parquet, status.json, index.html and the empty tables' schema files
    for a batch folder; returns index.html's path (`plotly="shared"`: it loads
    reports/plotly.min.js)."""
    from wakescope.analyzer.outputs import write_atomic

    out = Path(out_dir)
    write_empty_tables(out)
    summary = fleet_summary(out)
    write_atomic(out / "captures.parquet", summary.captures.write_parquet)
    status = {
        "generated_at": summary.generated_at, "wakescope_version": __version__,
        "counts": summary.counts, "captures": summary.captures.height,
        "devices": summary.devices,
        "inputs": [
            {k: r[k] for k in ("capture_id", "name", "source", "status", "reason", "report",
                               "n_findings", "worst_severity")}
            for r in summary.captures.iter_rows(named=True)
        ],
    }
    write_atomic(out / "status.json", json.dumps(status, indent=1, default=str).encode())
    from wakescope.analyzer.report.fleet_page import write_fleet_index

    return write_fleet_index(summary, out / "index.html", plotly)
