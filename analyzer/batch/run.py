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
    index.html                              the fleet summary (`batch.fleet`)

Library first: `run_batch(["dumps/"], Path("out"))` does what `wakescope batch` does.
This module runs the batch; `inputs` finds the inputs, `worker` processes one and
`records` stores its status; `wakescope.analyzer.batch` re-exports their public names.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from wakescope.analyzer.batch.inputs import (
    BatchUsageError,
    expand_inputs,
    rules_digest,
)
from wakescope.analyzer.batch.records import (
    STATUSES,
    is_current,
    load_records,
    remove_capture,
)
from wakescope.analyzer.batch.worker import (
    PLOTLY_MODES,
    crashed_record,
    default_jobs,
    process_one,
)

log = logging.getLogger(__name__)
_URL_OUT = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/")  # scheme://… (a Path keeps one slash)


class BatchAborted(RuntimeError):
    """The batch had to stop (no Dask worker left); records say which inputs did not run."""


def local_out_dir(out_dir: str | os.PathLike) -> Path:
    """The output folder as a local path: `file://` URLs are accepted, other URLs refused
    (outputs are written with local file operations; `./s3:/bucket` must never appear)."""
    text = os.fspath(out_dir)
    if text.startswith("file://"):
        return Path(text[len("file://"):])
    if _URL_OUT.match(text) and not re.match(r"^[A-Za-z]:[\\/]", text):  # not C:\ or C:/
        raise BatchUsageError(
            f"--out {text} is a URL; batch outputs go to a local or mounted folder (every "
            "Dask worker must see it). Write to a folder, then copy it, e.g. with "
            "`aws s3 sync` or fsspec.")
    return Path(text)


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


# ---------------------------------------------------------------------------- running


def _init_worker(polars_threads: int) -> None:
    """Each worker process gets its share of the cores (Polars reads this at first use) and
    the CLI's collector thresholds (`runtime.tune_gc`)."""
    from wakescope.analyzer.runtime import tune_gc

    tune_gc()
    os.environ.setdefault("POLARS_MAX_THREADS", str(polars_threads))


_GUARD = re.compile(r"""^if\s+__name__\s*==\s*["']__main__["']\s*:""", re.MULTILINE)


def _cannot_spawn() -> str | None:
    """Why worker processes cannot start here, or None. Spawned workers re-import the main
    script: one read from stdin cannot be, and one that calls run_batch() at top level
    without an `if __name__ == "__main__":` guard would start the batch again in every
    worker (multiprocessing's "safe importing of main module" rule)."""
    main = sys.modules.get("__main__")
    main_file = getattr(main, "__file__", None)
    if not main_file:
        return None  # interactive, a notebook or `python -c`: nothing is re-imported
    if not os.path.exists(main_file):
        return "the main script is not a file (spawned workers could not import it)"
    if getattr(main, "__spec__", None) is not None:
        return None  # `python -m pkg.mod`: workers import it under its own name
    called_from_top = any(
        f.f_globals is vars(main) and f.f_code.co_name == "<module>"
        for f, _ in traceback.walk_stack(None))
    if not called_from_top:
        return None
    try:
        source = Path(main_file).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if _GUARD.search(source):
        return None
    return (f"run_batch() is called at the top level of {Path(main_file).name} without an "
            "`if __name__ == \"__main__\":` guard, so worker processes would run the script "
            "again; put the call under that guard to use every core")


def _run_local(tasks: list[dict], jobs: int, on_done: Callable[[dict], None]) -> None:
    """Run tasks on `jobs` processes with at most 2×jobs in flight (bounded memory).

    A worker that dies (out of memory, killed) breaks the pool: its in-flight inputs are
    retried once on a fresh pool, then recorded as `error`.
    """
    if jobs > 1:
        why = _cannot_spawn()
        if why:
            log.warning("running in one process: %s", why)
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


def _prepare_out(out: Path) -> Path:
    """Create `out` and its fixed folders, refusing a link at any of them (nothing may be
    written outside `out`) and an unwritable `out`, as usage errors; returns it resolved."""
    from wakescope.analyzer.outputs import OutputError, ensure_folder

    try:
        ensure_folder(out)
        out = out.resolve()
        for sub in ("reports", "tables", "status"):
            ensure_folder(out, out / sub)
        if not os.access(out / "status", os.W_OK | os.X_OK):
            raise OutputError(f"cannot write to {out / 'status'}: permission denied.")
    except OutputError as exc:
        raise BatchUsageError(str(exc).rstrip(".")) from exc
    return out


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
    plotly: str = "shared",
    trace: bool = False,
    timeout: float | None = None,
    full_path: bool = False,
) -> BatchResult:
    """Process every input (folders recursively, globs, files, fsspec URLs) into `out_dir`.

    Inputs whose outputs are newer than the input are skipped unless `force`; the fleet
    summary (index.html, status.json, captures.parquet) covers every capture in `out_dir`.
    `scheduler` runs the work on Dask ("local" or a scheduler address) instead of local
    processes. `plotly`: "shared" (one reports/plotly.min.js for every page), "inline"
    (each page self-contained) or "cdn". `trace` also writes a Perfetto trace per input
    under `out_dir/traces/`, linked from its report. `timeout` (seconds) ends one input's
    processing as `failed`. Reports name their input by file name unless `full_path`.
    Raises `BatchUsageError` when nothing matches or an option is wrong, `BatchAborted`
    when a Dask cluster has no worker left (after writing the records and the fleet summary
    of what ran).
    """
    started = time.perf_counter()
    out = local_out_dir(out_dir)
    if timeout is not None and timeout <= 0:
        raise BatchUsageError("--timeout must be a positive number of seconds")
    if out.exists() and not out.is_dir():
        raise BatchUsageError(f"--out {out} exists and is not a folder")
    rules_path = Path(rules) if rules else None
    if rules_path is not None:
        from wakescope.analyzer.knowledge import RulesError, load_rules

        if not rules_path.is_file():
            raise BatchUsageError(f"rules file not found: {rules_path}")
        try:  # a bad rules file is the user's one mistake, not every input's failure
            load_rules(rules_path)
        except RulesError as exc:
            raise BatchUsageError(str(exc)) from exc
    if jobs is not None and jobs < 1:
        raise BatchUsageError("--jobs must be at least 1")
    if plotly not in PLOTLY_MODES:
        raise BatchUsageError(f"--plotly must be one of {', '.join(PLOTLY_MODES)}, "
                              f"not {plotly!r}")
    items, problems = expand_inputs([os.fspath(i) for i in inputs], out_dir=out, exclude=exclude)
    if not items:
        raise BatchUsageError("no input files to process"
                              + (": " + "; ".join(problems) if problems else ""))
    out = _prepare_out(out)
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
        if current is not None and trace and not current.get("trace"):
            current = None  # asked for a trace the earlier run did not write
        if current is not None:
            records.append(current)
        else:
            task = item.task(out, redact, rules_path.resolve() if rules_path else None,
                             timeout=timeout, full_path=full_path)
            task["plotly"] = plotly
            tasks.append({**task, "trace": trace})
    skipped = len(records)

    bar = _Progress(len(tasks), skipped, progress)

    def on_done(record: dict) -> None:
        records.append(record)
        bar.done(record)

    aborted: BatchAborted | None = None
    try:
        if scheduler:
            from wakescope.analyzer.batch.dask_backend import NoWorkersLeft, run_on_dask

            try:
                run_on_dask(tasks, scheduler, jobs=jobs, on_done=on_done, timeout=timeout)
            except NoWorkersLeft as exc:
                aborted = BatchAborted(str(exc))
        else:
            _run_local(tasks, jobs or default_jobs(), on_done)
    finally:
        bar.close()

    result = BatchResult(out, records, processed=len(tasks), skipped=skipped,
                         problems=problems)
    if index:
        from wakescope.analyzer.batch.fleet import write_fleet_outputs

        result.index = write_fleet_outputs(out, plotly)
    result.seconds = time.perf_counter() - started
    if aborted is not None:
        raise aborted
    return result
