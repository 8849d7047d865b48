"""Batch records: one JSON status file per input (written last, so it marks completion),
the resume check, atomic writes and removal of a capture's outputs."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from wakescope import __version__
from wakescope.analyzer.batch.inputs import InputItem, safe_name
from wakescope.analyzer.outputs import write_atomic

STATUSES = ("ok", "partial", "failed", "error")
DONE_STATUSES = ("ok", "partial", "failed")  # not retried on resume; `error` is retried


def status_path(out_dir: Path, capture_id: str) -> Path:
    from wakescope.analyzer.report.tables import safe_child

    return safe_child(out_dir / "status", f"{safe_name(capture_id)}.json")


def read_record(out_dir: Path, capture_id: str) -> dict | None:
    """The stored record of one input, or None when absent or unreadable."""
    try:
        return json.loads(status_path(out_dir, capture_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def load_records(out_dir: Path) -> list[dict]:
    """Every stored per-input record under `out_dir/status/`, sorted by name."""
    folder = Path(out_dir) / "status"
    records = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(rec, dict) and rec.get("capture_id"):
            records.append(rec)
    records.sort(key=lambda r: (r.get("name") or "", r["capture_id"]))
    return records


def write_record(out_dir: Path, record: dict) -> None:
    write_atomic(status_path(out_dir, record["capture_id"]),
                 json.dumps(record, indent=1, default=str).encode(), root=out_dir)


def remove_capture(out_dir: Path, capture_id: str, name: str | None) -> None:
    """Delete one capture's outputs (tables, report, record): its input changed or is redone.

    Only files below `out_dir` through real folders are removed (`outputs.remove_contained`):
    a link planted at `reports/` or a table folder deletes nothing it points at.
    """
    from wakescope.analyzer.outputs import remove_contained
    from wakescope.analyzer.report.tables import safe_child

    def remove(path: Path) -> None:
        # Nothing there (a fresh batch): skip remove_contained's folder-by-folder walk.
        if os.path.lexists(path):
            remove_contained(path, root=out_dir)

    tables = out_dir / "tables"
    if tables.is_dir() and not tables.is_symlink():
        with contextlib.suppress(OSError):
            for table_dir in tables.iterdir():
                remove(safe_child(table_dir, f"{safe_name(capture_id)}.parquet"))
    if name:
        remove(safe_child(out_dir / "reports", f"{name}.html"))
        remove(safe_child(out_dir / "traces", f"{name}.perfetto-trace"))
    remove(status_path(out_dir, capture_id))


def is_current(out_dir: Path, item: InputItem, redact: bool, rules_sha: str | None) -> dict | None:
    """The stored record when it is complete and newer than the input, with the same options."""
    rec = read_record(out_dir, item.capture_id)
    if not rec or rec.get("status") not in DONE_STATUSES:
        return None
    if (rec.get("redact") != redact or rec.get("rules_sha") != rules_sha
            or rec.get("wakescope_version") != __version__):
        return None
    try:
        if status_path(out_dir, item.capture_id).stat().st_mtime_ns < item.mtime_ns:
            return None
        if rec.get("report") and not (out_dir / rec["report"]).is_file():
            return None
    except (OSError, ValueError):
        return None
    return rec
