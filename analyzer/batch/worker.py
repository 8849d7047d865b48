"""Batch worker: one input end to end (pipeline, Parquet tables, status record). Every
function a process pool or Dask worker runs is module-level, so it pickles by reference."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import tempfile
import time
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from wakescope import __version__
from wakescope.analyzer.batch.deadline import InputTimeout, deadline
from wakescope.analyzer.batch.inputs import safe_name
from wakescope.analyzer.batch.records import remove_capture, write_record
from wakescope.analyzer.model import severity_counts, worst_severity

# Sections a full bug report is expected to hold; a standalone dump holds one of them.
EXPECTED_SECTIONS = {
    "batterystats": ("batterystats", "batterystats_checkin"),
    "jobscheduler": ("jobscheduler",),
    "alarm": ("alarm",),
}


@contextlib.contextmanager
def _local_copy(task: dict) -> Iterator[str]:
    """A local path for the input: the path itself, or an fsspec URL copied to a temp file
    (named like the original, so the report shows a recognisable source name)."""
    if not task["is_url"]:
        yield task["source"]
        return
    import fsspec

    with tempfile.TemporaryDirectory(prefix="wakescope-") as tmp:
        base = safe_name(task["source"].rstrip("/").rsplit("/", 1)[-1], 200)
        local = Path(tmp) / base
        with fsspec.open(task["source"], "rb") as src, open(local, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        yield str(local)


def _tables_and_capture(local: str, html: Path, redact: bool, rules: str | None,
                        label: str | None = None):
    """Run the one-input pipeline; returns (every table, the Capture, the stats period ms).

    Tables: the capture's parsed tables, replaced by the analysis' attributed versions, plus
    `findings` and `apps`.
    """
    from wakescope.analyzer.pipeline import run_one

    result = run_one(local, html=html, redact=redact, rules=Path(rules) if rules else None,
                     label=label)
    cap = result.capture
    tables = dict(cap.tables)
    tables.update(result.tables or {})
    for name in ("findings", "apps"):
        frame = getattr(result, name, None)
        if name not in tables and frame is not None and hasattr(frame, "height"):
            tables[name] = frame
    return tables, cap, getattr(result, "period_ms", None)


def _serial_key(text: str, meta: dict) -> str | None:
    """A private device key: a digest of the serial number (never the serial itself)."""
    at = text.find("[ro.serialno]: [")
    if at < 0:
        return None
    end = text.find("]", at + 16)
    serial = text[at + 16:end] if 0 < end - at < 80 else ""
    if not serial.strip():
        return None
    parts = (meta.get("manufacturer") or "", meta.get("model") or "", serial)
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]


def _conform(name: str, df):
    """Cast a table to its declared schema (stable column types across the dataset)."""
    schema = _declared().get(name)
    return schema.conform(df) if schema is not None else df


_SCHEMAS: dict = {}


def _declared() -> dict:
    if not _SCHEMAS:
        from wakescope.analyzer.tables import TABLES
        from wakescope.parsers.schemas import all_tables

        _SCHEMAS.update(all_tables())
        _SCHEMAS.update(TABLES)
    return _SCHEMAS


def write_capture_tables(out_dir: Path, capture_id: str, tables: dict) -> dict[str, int]:
    """Write each non-empty table as `tables/<table>/<capture_id>.parquet`; rows per table."""
    import polars as pl

    from wakescope.analyzer.report.tables import safe_child

    rows = {}
    for name, df in sorted(tables.items()):
        if df is None or df.height == 0:
            continue
        frame = _conform(name, df)
        if "capture_id" in frame.columns:
            frame = frame.drop("capture_id")
        frame = frame.select(pl.lit(capture_id, pl.String).alias("capture_id"), pl.all())
        target = safe_child(out_dir / "tables" / safe_name(name),
                            f"{safe_name(capture_id)}.parquet")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        frame.write_parquet(tmp)
        os.replace(tmp, target)
        rows[name] = frame.height
    return rows


def _status_of(summary: dict) -> tuple[str, str | None, list[str]]:
    """ok, or partial with the reason (errors/warnings, sections a bug report lacks)."""
    names = {s["name"] for s in summary.get("sections", [])}
    missing = []
    if summary.get("kind") == "bugreport":
        missing = [k for k, alts in EXPECTED_SECTIONS.items() if not names & set(alts)]
    problems = [d for d in summary.get("diagnostics", []) if d.get("level") in ("error", "warning")]
    said = " ".join(d.get("message") or "" for d in problems)
    unsaid = [m for m in missing if f"no {m} section" not in said]
    reasons = []
    if unsaid:
        reasons.append("no " + ", ".join(unsaid) + " section" + ("s" if len(unsaid) > 1 else ""))
    for d in problems[:3]:
        reasons.append(f"{d['level']} in {d['section']}: {d['message']}")
    if len(problems) > 3:
        reasons.append(f"{len(problems) - 3} more warnings/errors")
    if not reasons:
        return "ok", None, missing
    reason = "; ".join(reasons)
    return "partial", reason[:500], missing


def _findings_counts(tables: dict) -> dict:
    df = tables.get("findings")
    sevs = ([] if df is None or df.height == 0 or "severity" not in df.columns
            else df.get_column("severity").to_list())
    counts = severity_counts(sevs)
    return {"n_findings": len(sevs), **{f"findings_{s}": n for s, n in counts.items()},
            "worst_severity": worst_severity(sevs)}


def base_record(task: dict) -> dict:
    """The fields every record has, whatever happened to the input."""
    return {
        "capture_id": task["capture_id"], "name": task["name"], "source": task["source"],
        "size_bytes": task["size"],
        "mtime": datetime.fromtimestamp(task["mtime_ns"] / 1e9, UTC).isoformat(),
        "status": None, "reason": None, "report": None,
        "redact": task["redact"], "rules": task["rules"], "rules_sha": task["rules_sha"],
        "wakescope_version": __version__,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }


def process_one(task: dict) -> dict:
    """Process one input end to end and store its record; never raises for the input.

    Input errors become status `failed` with the container's one sentence; anything else
    (a bug in wakescope) becomes `error` with its text, and the batch goes on.
    """
    from wakescope.analyzer.report.tables import safe_child
    from wakescope.parsers import InputError

    out_dir = Path(task["out_dir"])
    record = base_record(task)
    cid = task["capture_id"]
    remove_capture(out_dir, cid, task["name"])  # nothing stale survives a re-run
    html = safe_child(out_dir / "reports", f"{task['name']}.html")
    started = time.perf_counter()
    record["processed_at"] = datetime.now(UTC).isoformat()
    try:
        try:
            with deadline(task.get("timeout")), _local_copy(task) as local:
                try:
                    tables, cap, period_ms = _tables_and_capture(
                        local, html, task["redact"], task["rules"],
                        task["source"] if task.get("full_path") else None)
                except InputError as exc:
                    reason = str(exc).replace(local, task["source"])
                    record.update(status="failed", reason=reason)
                    tables = cap = period_ms = None
        except InputTimeout:
            record.update(status="failed", reason=f"processing took longer than the "
                          f"--timeout of {task['timeout']:g} s")
            tables = cap = period_ms = None
            html.unlink(missing_ok=True)
        record["duration_ms"] = round((time.perf_counter() - started) * 1000)
        if cap is not None:
            summary = cap.summary()
            record.update(_describe(summary))
            record["device_key"] = _serial_key(cap.text, summary["metadata"])
            record["period_ms"] = period_ms
            status, reason, missing = _status_of(summary)
            record.update(status=status, reason=reason, missing_sections=missing)
            t = time.perf_counter()
            record["tables"] = write_capture_tables(out_dir, cid, tables)
            record["write_ms"] = round((time.perf_counter() - t) * 1000)
            record.update(_findings_counts(tables))
            if html.is_file():
                record["report"] = html.relative_to(out_dir.resolve()).as_posix()
    except Exception as exc:  # a bug in wakescope: record it, keep the batch going
        record.update(status="error", reason=f"internal error: {type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc(limit=8))
        record.setdefault("duration_ms", round((time.perf_counter() - started) * 1000))
    write_record(out_dir, record)
    return record


def _describe(summary: dict) -> dict:
    """Device, build and capture-time fields of the `captures` table, from a summary."""
    m = summary.get("metadata", {})
    diags = summary.get("diagnostics", [])
    return {
        "kind": summary.get("kind"), "container": summary.get("container"),
        "member": summary.get("member"),
        "manufacturer": m.get("manufacturer"), "brand": m.get("brand"),
        "model": m.get("model"), "device": m.get("device"),
        "build": m.get("fingerprint") or m.get("build_display") or m.get("build_id"),
        "build_id": m.get("build_id"), "release": m.get("release"), "sdk": m.get("sdk"),
        "capture_local": m.get("capture_local"), "capture_utc": m.get("capture_utc"),
        "utc_offset_min": m.get("utc_offset_min"),
        "sections": sorted({s["name"] for s in summary.get("sections", [])}),
        "lines": summary.get("lines"),
        "n_errors": sum(1 for d in diags if d.get("level") == "error"),
        "n_warnings": sum(1 for d in diags if d.get("level") == "warning"),
        "unknown_lines": sum(d.get("count", 0) for d in diags
                             if "unrecognised lines" in (d.get("message") or "")),
    }


def crashed_record(task: dict, reason: str) -> dict:
    """The record of an input whose worker died (out of memory, killed): status `error`."""
    record = base_record(task)
    record.update(status="error", reason=f"internal error: {reason}",
                  processed_at=datetime.now(UTC).isoformat())
    write_record(Path(task["out_dir"]), record)
    return record


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
