"""Batch worker: one input end to end (pipeline, Parquet tables, status record). Every
function a process pool or Dask worker runs is module-level, so it pickles by reference."""

from __future__ import annotations

import contextlib
import hashlib
import os
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
from wakescope.analyzer.report.trace import SUFFIX as TRACE_SUFFIX
from wakescope.parsers.container import MAX_TEXT_BYTES
from wakescope.parsers.diagnostics import CAVEATS

PLOTLY_MODES = ("shared", "inline", "cdn")  # report/plotly_js.py; shared is a batch's default
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
        try:
            with fsspec.open(task["source"], "rb") as src, open(local, "wb") as dst:
                copied = 0
                while chunk := src.read(1 << 20):
                    copied += dst.write(chunk)
                    if copied > MAX_TEXT_BYTES:  # the container's cap, before any unpacking
                        from wakescope.parsers import InputError

                        raise InputError(f"{task['source']} is larger than "
                                         f"{MAX_TEXT_BYTES >> 20} MiB; refusing to copy it.")
        except OSError as exc:  # unreachable, or no room for the local copy: this input only
            from wakescope.parsers import InputError

            raise InputError(f"cannot fetch {task['source']}: "
                             f"{(exc.strerror or str(exc)).rstrip('.')}.") from exc
        yield str(local)


def _tables_and_capture(local: str, html: Path, redact: bool, rules: str | None,
                        plotly: str = "inline", trace: Path | None = None,
                        label: str | None = None):
    """Run the one-input pipeline; returns (every table, the Capture, the stats period ms).

    Tables: the capture's parsed tables, replaced by the analysis' attributed versions, plus
    `findings` and `apps`.
    """
    from wakescope.analyzer.pipeline import run_one

    result = run_one(local, html=html, redact=redact, rules=Path(rules) if rules else None,
                     root=html.parent.parent, plotly=plotly, trace=trace, label=label)
    cap = result.capture
    tables = dict(cap.tables)
    tables.update(result.tables)  # the analysis' tables hold findings and apps
    return tables, cap, result.period_ms


def _serial_key(serial: str | None, meta: dict) -> str | None:
    """A private device key: a digest of the serial number (never the serial itself)."""
    if not serial:
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
        from wakescope.analyzer.tables import all_schemas

        _SCHEMAS.update(all_schemas())
    return _SCHEMAS


def write_capture_tables(out_dir: Path, capture_id: str, tables: dict) -> dict[str, int]:
    """Write each non-empty table as `tables/<table>/<capture_id>.parquet`; rows per table."""
    import polars as pl

    from wakescope.analyzer.outputs import write_atomic
    from wakescope.analyzer.report.tables import safe_child

    rows = {}
    written: list[Path] = []
    for name, df in sorted(tables.items()):
        if df is None or df.height == 0:
            continue
        frame = _conform(name, df)
        if "capture_id" in frame.columns:
            frame = frame.drop("capture_id")
        # A new frame from the columns (no Polars plan to run; the table is not touched).
        ids = pl.Series("capture_id", [capture_id], dtype=pl.String).new_from_index(
            0, frame.height)
        frame = pl.DataFrame([ids, *frame.get_columns()])
        target = safe_child(out_dir / "tables" / safe_name(name),
                            f"{safe_name(capture_id)}.parquet")
        write_atomic(target, frame.write_parquet, root=out_dir, sync=False)
        written.append(target)
        rows[name] = frame.height
    _sync_together(written)
    return rows


def _sync_together(paths: list[Path]) -> None:
    """fsync files written without it, then their folders, back to back: the first flush
    commits the others' data in the same journal transaction, where a sync after each file
    waited for one commit per file (0.3–1 s of wall time per bug report on this disk)."""
    from wakescope.analyzer.outputs import output_error

    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise output_error(exc, path) from exc
    for folder in dict.fromkeys(p.parent for p in paths):
        with contextlib.suppress(OSError):  # the renames survive a power cut once synced
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


# Diagnostic codes that mean the capture's data is incomplete (status `partial`); the other
# codes qualify or describe a capture that is whole (parsers/diagnostics.CODES).
PARTIAL_CODES = frozenset({
    "main_entry_missing", "bytes_replaced", "missing_section", "missing_clock",
    "parser_failed", "pass_failed", "analysis_failed", "truncated_input", "history_overflow",
    "job_list_withheld", "job_list_incomplete",
})


def _status_of(summary: dict) -> tuple[str, str | None, list[str]]:
    """ok, or partial with the reason (incomplete-data codes, sections a bug report lacks)."""
    names = {s["name"] for s in summary.get("sections", [])}
    missing = []
    if summary.get("kind") == "bugreport":
        missing = [k for k, alts in EXPECTED_SECTIONS.items() if not names & set(alts)]
    problems = [d for d in summary.get("diagnostics", []) if d.get("code") in PARTIAL_CODES]
    said = {d.get("section") for d in problems if d.get("code") == "missing_section"}
    unsaid = [m for m in missing if m not in said]
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
    trace = (safe_child(out_dir / "traces", f"{task['name']}{TRACE_SUFFIX}")
             if task.get("trace") else None)
    started = time.perf_counter()
    record["processed_at"] = datetime.now(UTC).isoformat()
    try:
        try:
            with deadline(task.get("timeout")), _local_copy(task) as local:
                try:
                    tables, cap, period_ms = _tables_and_capture(
                        local, html, task["redact"], task["rules"],
                        task.get("plotly", "inline"), trace,
                        task["source"] if task.get("full_path") else None)
                except InputError as exc:
                    reason = str(exc).replace(local, task["source"])
                    record.update(status="failed", reason=reason)
                    tables = cap = period_ms = None
        except InputTimeout:
            record.update(status="failed", reason=f"processing took longer than the "
                          f"--timeout of {task['timeout']:g} s")
            tables = cap = period_ms = None
            remove_capture(out_dir, cid, task["name"])
        record["duration_ms"] = round((time.perf_counter() - started) * 1000)
        if cap is not None:
            summary = cap.summary()
            record.update(_describe(summary))
            record["device_key"] = _serial_key(cap.serial, summary["metadata"])
            record["period_ms"] = period_ms
            status, reason, missing = _status_of(summary)
            record.update(status=status, reason=reason, missing_sections=missing)
            t = time.perf_counter()
            record["tables"] = write_capture_tables(out_dir, cid, tables)
            record["write_ms"] = round((time.perf_counter() - t) * 1000)
            record.update(_findings_counts(tables))
            if html.is_file():
                record["report"] = html.relative_to(out_dir.resolve()).as_posix()
            if trace is not None and trace.is_file():
                record["trace"] = trace.relative_to(out_dir.resolve()).as_posix()
    except InputError as exc:  # an output that cannot be written (disk full, a link): failed
        record.update(status="failed", reason=str(exc), report=None)
        remove_capture(out_dir, cid, task["name"])  # no half set of outputs for the fleet
        record.setdefault("duration_ms", round((time.perf_counter() - started) * 1000))
    except MemoryError:  # past the budget check (parsers/memory.py): this input only
        record.update(status="failed", reason="out of memory: the input needs more memory "
                                              "than this worker has free.")
        record.setdefault("duration_ms", round((time.perf_counter() - started) * 1000))
    except Exception as exc:  # a bug in wakescope: record it, keep the batch going
        record.update(status="error", reason=f"internal error: {type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc(limit=8))
        record.setdefault("duration_ms", round((time.perf_counter() - started) * 1000))
    try:
        write_record(out_dir, record)
    except InputError as exc:  # the record itself cannot be stored: say so in the result
        if record["status"] != "error":
            record.update(status="failed", reason=str(exc) if record["status"] in ("ok", "partial")
                          else f"{record['reason']}; {exc}")
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
                             if d.get("code") == "unknown_lines"),
        "caveats": sorted({d["code"] for d in diags if d.get("code") in CAVEATS}),
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
