"""Many inputs → one report and one set of tables per input, a status per input, and the
fleet summary. Bad inputs never stop a batch; a resumed batch skips inputs already done.

Output layout (every path inside `out_dir`, names sanitised):

    reports/<name>.html                     one report per input that parsed
    tables/<table>/<capture_id>.parquet     one file per input and non-empty table, with a
                                            `capture_id` column: `pl.scan_parquet(
                                            "DIR/tables/<table>/*.parquet")` reads a table
                                            for the whole fleet (DuckDB, Spark alike)
    status/<capture_id>.json                the per-input record (status, reason, device,
                                            timings); written last, so it marks completion
    captures.parquet, status.json           every record, as a table and as JSON
    index.html                              the fleet summary (`analyzer.fleet`)

Library first: `run_batch(["dumps/"], Path("out"))` does what `wakescope batch` does.
"""

from __future__ import annotations

import contextlib
import fnmatch
import glob
import hashlib
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import __version__

STATUSES = ("ok", "partial", "failed", "error")
DONE_STATUSES = ("ok", "partial", "failed")  # not retried on resume; `error` is
# Sections a full bug report is expected to hold; a standalone dump holds one of them.
EXPECTED_SECTIONS = {
    "batterystats": ("batterystats", "batterystats_checkin"),
    "jobscheduler": ("jobscheduler",),
    "alarm": ("alarm",),
}
_GLOB_CHARS = re.compile(r"[*?\[]")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_STRIP_SUFFIXES = (".zip", ".txt", ".gz", ".log", ".dump")


class BatchUsageError(ValueError):
    """The batch cannot start: bad options, or no input matched."""


@dataclass(frozen=True)
class InputItem:
    """One input to process: a local path or an fsspec URL, with what identifies it."""

    source: str  # resolved local path, or the URL
    is_url: bool
    size: int
    mtime_ns: int
    capture_id: str
    name: str  # sanitised output name: reports/<name>.html

    def task(self, out_dir: Path, redact: bool, rules: Path | None) -> dict:
        """The picklable work order a process or Dask worker runs (`process_one`)."""
        return {
            "source": self.source, "is_url": self.is_url, "size": self.size,
            "mtime_ns": self.mtime_ns, "capture_id": self.capture_id, "name": self.name,
            "out_dir": str(out_dir), "redact": redact,
            "rules": str(rules) if rules else None, "rules_sha": rules_digest(rules),
        }


@dataclass
class BatchResult:
    """What a batch did: every record of this run's inputs and the counts by outcome."""

    out_dir: Path
    records: list[dict]
    processed: int
    skipped: int
    problems: list[str] = field(default_factory=list)  # arguments that matched nothing
    seconds: float = 0.0
    index: Path | None = None

    @property
    def counts(self) -> Counter:
        return Counter(r["status"] for r in self.records)

    @property
    def exit_code(self) -> int:
        """0 when every input was handled (input errors included); 3 on internal errors."""
        return 3 if self.counts.get("error") else 0


# ---------------------------------------------------------------------------- inputs


def capture_id_for(key: str, size: int, mtime_ns: int) -> str:
    """Stable short id: the same file (path, size, mtime) always gets the same id."""
    return hashlib.sha1(f"{key}\n{size}\n{mtime_ns}".encode()).hexdigest()[:12]


def rules_digest(rules: Path | str | None) -> str | None:
    """A digest of the rules file, so that a resumed batch with other rules re-runs."""
    if not rules:
        return None
    try:
        return hashlib.sha1(Path(rules).read_bytes()).hexdigest()[:12]
    except OSError:
        return None


def safe_name(text: str, limit: int = 80) -> str:
    """A file-name-safe rendering of `text`: letters, digits, `._-` only, no leading dot."""
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return clean[:limit] or "input"


def output_name(file_name: str, capture_id: str) -> str:
    """`bugreport-x.zip` → `bugreport-x-<id>`: unique even when names repeat across dirs."""
    stem = file_name
    while stem.lower().endswith(_STRIP_SUFFIXES):
        stem = stem[: stem.rfind(".")]
    return f"{safe_name(stem)}-{capture_id}"


def _local_item(path: Path) -> InputItem:
    resolved = path.resolve()
    st = resolved.stat()
    cid = capture_id_for(str(resolved), st.st_size, st.st_mtime_ns)
    return InputItem(str(resolved), False, st.st_size, st.st_mtime_ns, cid,
                     output_name(path.name, cid))


def _excluded(path: str, patterns: Iterable[str]) -> bool:
    name = path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) for p in patterns)


def _walk(root: Path, skip: Path | None) -> Iterator[Path]:
    """Files under `root`, recursively, sorted; hidden files and folders and `skip` left out."""
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".") and (skip is None or (here / d).resolve() != skip)
        )
        for f in sorted(filenames):
            if not f.startswith("."):
                yield here / f


def _url_items(url: str, exclude: Iterable[str]) -> list[InputItem]:
    """Expand an fsspec URL (file, folder or glob) into items; size and mtime from `info`."""
    fsspec = _import_fsspec()
    fs, path = fsspec.core.url_to_fs(url)
    if _GLOB_CHARS.search(path):
        paths = fs.glob(path)
    elif fs.isdir(path):
        paths = fs.find(path)
    else:
        paths = [path]
    items = []
    for p in sorted(paths):
        info = fs.info(p)
        if info.get("type") == "directory" or p.rsplit("/", 1)[-1].startswith("."):
            continue
        full = fs.unstrip_protocol(p)
        if _excluded(full, exclude):
            continue
        mtime = _info_mtime_ns(info)
        size = int(info.get("size") or 0)
        cid = capture_id_for(full, size, mtime)
        items.append(InputItem(full, True, size, mtime, cid,
                               output_name(p.rsplit("/", 1)[-1], cid)))
    return items


def _info_mtime_ns(info: dict) -> int:
    """Modification time from an fsspec `info` dict (each filesystem names it differently)."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "created", "ETag", "etag"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, int | float):
            return int(value * 1e9)
        if isinstance(value, datetime):
            return int(value.timestamp() * 1e9)
        try:
            return int(datetime.fromisoformat(str(value)).timestamp() * 1e9)
        except ValueError:  # an ETag: not a time, but it changes when the object does
            return int(hashlib.sha1(str(value).encode()).hexdigest()[:12], 16)
    return 0


def expand_inputs(args: Iterable[str], *, out_dir: Path | None = None,
                  exclude: Iterable[str] = ()) -> tuple[list[InputItem], list[str]]:
    """Folders (recursively), globs, files and fsspec URLs → unique items, largest first.

    Returns the items and one sentence per argument that matched nothing. Files inside
    `out_dir` are never inputs (a batch run over `.` with `--out ./out` stays sane).
    """
    exclude = tuple(exclude)
    skip = out_dir.resolve() if out_dir is not None else None
    items: dict[str, InputItem] = {}
    problems: list[str] = []
    for arg in args:
        found: list[InputItem] = []
        if _URL.match(arg):
            try:
                found = _url_items(arg, exclude)
            except (OSError, ValueError) as exc:
                problems.append(f"cannot list {arg}: {exc}")
                continue
        else:
            p = Path(arg).expanduser()
            if p.is_dir():
                paths = list(_walk(p, skip))
            elif p.is_file():
                paths = [p]
            elif _GLOB_CHARS.search(arg):
                paths = []
                for m in sorted(glob.glob(str(p), recursive=True)):
                    mp = Path(m)
                    paths.extend(_walk(mp, skip) if mp.is_dir() else [mp] if mp.is_file() else [])
            else:
                problems.append(f"no such file or folder: {arg}")
                continue
            for path in paths:
                if skip is not None and (skip == path.resolve() or skip in path.resolve().parents):
                    continue
                if _excluded(str(path), exclude):
                    continue
                try:
                    found.append(_local_item(path))
                except OSError as exc:  # a dangling symlink, a file removed meanwhile
                    problems.append(f"cannot read {path}: {exc.strerror or exc}")
        if not found:
            problems.append(f"no input files matched {arg}")
        for item in found:
            items.setdefault(item.source, item)
    # Most text first: the long inputs start early, so the workers finish together.
    ordered = sorted(items.values(), key=lambda i: (-_text_size(i), i.source))
    return ordered, problems


def _text_size(item: InputItem) -> int:
    """Roughly how much text an input holds: a zip's or gzip's uncompressed size, else its
    size. Only orders the work (a 3 MB zip can hold an 18 MB bug report)."""
    if item.is_url:
        return item.size
    try:
        with open(item.source, "rb") as f:
            head = f.read(4)
            if head[:2] == b"\x1f\x8b" and item.size >= 4:
                f.seek(-4, os.SEEK_END)  # gzip ISIZE: uncompressed size mod 2**32
                return max(item.size, int.from_bytes(f.read(4), "little"))
        if head == b"PK\x03\x04":
            import zipfile

            with zipfile.ZipFile(item.source) as z:
                return max(item.size, sum(i.file_size for i in z.infolist()))
    except Exception:  # unreadable, a broken zip: the worker will say so; order by size
        return item.size
    return item.size


def _import_fsspec():
    try:
        import fsspec
    except ImportError as exc:
        raise BatchUsageError(
            "reading inputs by URL needs fsspec: pip install 'wakescope[distributed]'"
        ) from exc
    return fsspec


# ---------------------------------------------------------------------------- records


def status_path(out_dir: Path, capture_id: str) -> Path:
    from .export import safe_child

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


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_record(out_dir: Path, record: dict) -> None:
    _atomic_write(status_path(out_dir, record["capture_id"]),
                  json.dumps(record, indent=1, default=str).encode())


def remove_capture(out_dir: Path, capture_id: str, name: str | None) -> None:
    """Delete one capture's outputs (tables, report, record): its input changed or is redone."""
    from .export import safe_child

    tables = out_dir / "tables"
    if tables.is_dir():
        for table_dir in tables.iterdir():
            with contextlib.suppress(OSError, ValueError):
                safe_child(table_dir, f"{safe_name(capture_id)}.parquet").unlink(missing_ok=True)
    if name:
        with contextlib.suppress(OSError, ValueError):
            safe_child(out_dir / "reports", f"{name}.html").unlink(missing_ok=True)
    with contextlib.suppress(OSError, ValueError):
        status_path(out_dir, capture_id).unlink(missing_ok=True)


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


# ---------------------------------------------------------------------------- one input


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


def _tables_and_capture(local: str, html: Path, redact: bool, rules: str | None):
    """Run the one-input pipeline; returns (every table, the Capture, the stats period ms).

    Tables: the capture's parsed tables, replaced by the analysis' attributed versions, plus
    `findings` and `apps`.
    """
    from .pipeline import run_one

    result = run_one(local, html=html, redact=redact, rules=Path(rules) if rules else None)
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
        from parsers.schemas import all_tables

        from .tables import TABLES

        _SCHEMAS.update(all_tables())
        _SCHEMAS.update(TABLES)
    return _SCHEMAS


def write_capture_tables(out_dir: Path, capture_id: str, tables: dict) -> dict[str, int]:
    """Write each non-empty table as `tables/<table>/<capture_id>.parquet`; rows per table."""
    import polars as pl

    from .export import safe_child

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


_SEVERITIES = ("high", "medium", "low", "info")


def _findings_counts(tables: dict) -> dict:
    df = tables.get("findings")
    out = {"n_findings": 0, **{f"findings_{s}": 0 for s in _SEVERITIES}, "worst_severity": None}
    if df is None or df.height == 0 or "severity" not in df.columns:
        return out
    counts = Counter(df.get_column("severity").to_list())
    out["n_findings"] = df.height
    for s in _SEVERITIES:
        out[f"findings_{s}"] = counts.get(s, 0)
    out["worst_severity"] = next((s for s in _SEVERITIES if counts.get(s)), None)
    return out


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
    from parsers import InputError

    from .export import safe_child

    out_dir = Path(task["out_dir"])
    record = base_record(task)
    cid = task["capture_id"]
    remove_capture(out_dir, cid, task["name"])  # nothing stale survives a re-run
    html = safe_child(out_dir / "reports", f"{task['name']}.html")
    started = time.perf_counter()
    record["processed_at"] = datetime.now(UTC).isoformat()
    try:
        with _local_copy(task) as local:
            try:
                tables, cap, period_ms = _tables_and_capture(local, html, task["redact"],
                                                             task["rules"])
            except InputError as exc:
                reason = str(exc).replace(local, task["source"])
                record.update(status="failed", reason=reason)
                tables = cap = period_ms = None
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


# ---------------------------------------------------------------------------- running


def _init_worker(polars_threads: int) -> None:
    """Each worker process gets its share of the cores (Polars reads this at first use)."""
    os.environ.setdefault("POLARS_MAX_THREADS", str(polars_threads))


def _run_local(tasks: list[dict], jobs: int, on_done: Callable[[dict], None]) -> None:
    """Run tasks on `jobs` processes with at most 2×jobs in flight (bounded memory).

    A worker that dies (out of memory, killed) breaks the pool: its in-flight inputs are
    retried once on a fresh pool, then recorded as `error`.
    """
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if jobs > 1 and main_file and not os.path.exists(main_file):
        # A script read from stdin: spawned workers would die re-importing `<stdin>`.
        print("wakescope: running in one process (the main script is not a file)",
              file=sys.stderr)
        jobs = 1
    if jobs <= 1:
        for task in tasks:
            on_done(process_one(task))
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("spawn")  # fork + Polars threads can deadlock
    threads = max(1, (os.cpu_count() or 1) // jobs)
    queue = deque((t, 0) for t in tasks)
    while queue:
        broken: list[tuple[dict, int]] = []
        with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker,
                                 initargs=(threads,)) as pool:
            inflight: dict = {}
            try:
                while queue or inflight:
                    while queue and len(inflight) < 2 * jobs and not broken:
                        task, tries = queue.popleft()
                        inflight[pool.submit(process_one, task)] = (task, tries)
                    if not inflight:
                        break
                    done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                    for fut in done:
                        task, tries = inflight.pop(fut)
                        try:
                            on_done(fut.result())
                        except BrokenProcessPool:
                            broken.append((task, tries))
                        except Exception as exc:  # pickling and the like: not the input
                            on_done(crashed_record(task, f"{type(exc).__name__}: {exc}"))
            except KeyboardInterrupt:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        for task, tries in broken:
            if tries >= 1:
                on_done(crashed_record(task, "the worker process died (out of memory?)"))
            else:
                queue.appendleft((task, tries + 1))


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class _Progress:
    """A rich progress bar on stderr with per-status counts and an ETA."""

    def __init__(self, total: int, skipped: int, enabled: bool):
        self.counts: Counter = Counter()
        self.skipped = skipped
        self.enabled = enabled and total > 0
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), console=Console(stderr=True), transient=False,
        )
        self.task = self.bar.add_task("batch", total=total, counts=self._text())
        self.bar.start()

    def _text(self) -> str:
        parts = [f"{self.counts.get(s, 0)} {s}" for s in STATUSES]
        if self.skipped:
            parts.append(f"{self.skipped} up to date")
        return " · ".join(parts)

    def done(self, record: dict) -> None:
        self.counts[record["status"]] += 1
        if self.enabled:
            self.bar.update(self.task, advance=1, counts=self._text())

    def close(self) -> None:
        if self.enabled:
            self.bar.stop()


def run_batch(
    inputs: Iterable[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    jobs: int | None = None,
    force: bool = False,
    scheduler: str | None = None,
    redact: bool = True,
    rules: str | os.PathLike | None = None,
    progress: bool = True,
    exclude: Iterable[str] = (),
    index: bool = True,
) -> BatchResult:
    """Process every input (folders recursively, globs, files, fsspec URLs) into `out_dir`.

    Inputs whose outputs are newer than the input are skipped unless `force`; the fleet
    summary (index.html, status.json, captures.parquet) covers every capture in `out_dir`.
    `scheduler` runs the work on Dask ("local" or a scheduler address) instead of local
    processes. Raises `BatchUsageError` when nothing matches.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BatchUsageError(f"--out {out} exists and is not a folder")
    rules_path = Path(rules) if rules else None
    if rules_path is not None:
        from .rules import RulesError, load_rules

        if not rules_path.is_file():
            raise BatchUsageError(f"rules file not found: {rules_path}")
        try:  # a bad rules file is the user's one mistake, not every input's failure
            load_rules(rules_path)
        except RulesError as exc:
            raise BatchUsageError(str(exc)) from exc
    if jobs is not None and jobs < 1:
        raise BatchUsageError("--jobs must be at least 1")
    items, problems = expand_inputs([os.fspath(i) for i in inputs], out_dir=out, exclude=exclude)
    if not items:
        raise BatchUsageError("no input files to process"
                              + (": " + "; ".join(problems) if problems else ""))
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()
    rules_sha = rules_digest(rules_path)

    # Inputs that changed since a previous run got new ids: drop their old outputs.
    by_source: dict[str, list[dict]] = {}
    for rec in load_records(out):
        by_source.setdefault(rec.get("source"), []).append(rec)
    records: list[dict] = []
    tasks: list[dict] = []
    for item in items:
        for old in by_source.get(item.source, ()):
            if old["capture_id"] != item.capture_id:
                remove_capture(out, old["capture_id"], old.get("name"))
        current = None if force else is_current(out, item, redact, rules_sha)
        if current is not None:
            records.append(current)
        else:
            tasks.append(item.task(out, redact, rules_path.resolve() if rules_path else None))
    skipped = len(records)

    bar = _Progress(len(tasks), skipped, progress)

    def on_done(record: dict) -> None:
        records.append(record)
        bar.done(record)

    try:
        if scheduler:
            from .distributed import run_on_dask

            run_on_dask(tasks, scheduler, jobs=jobs, on_done=on_done)
        else:
            _run_local(tasks, jobs or default_jobs(), on_done)
    finally:
        bar.close()

    result = BatchResult(out, records, processed=len(tasks), skipped=skipped,
                         problems=problems)
    if index:
        from .fleet import write_fleet_outputs

        result.index = write_fleet_outputs(out)
    result.seconds = time.perf_counter() - started
    return result
