"""Batch throughput: the corpus through `run_batch` with 1 and 2 (or --jobs) processes.

    python -m benchmarks.batch [--repeat 3] [--jobs 1,2] [--corpus ../shared/corpus]
    python -m benchmarks.batch --inputs 500 --jobs 2 --repeat 1   # the corpus repeated
    python -m benchmarks.batch --inputs 500 --bugreports-only      # only the bug reports

Each run starts from an empty output folder (nothing is skipped) and includes the worker
start-up, the reports, the Parquet tables and the fleet summary: what a user waits for.
Prints wall time (best of --repeat), inputs/s, MB/s, the speed-up over the first --jobs,
the per-input work summed over inputs and how busy the processes were (work ÷ jobs × wall;
the rest is worker start-up, the fleet summary and waiting for the biggest input).
With `--inputs N` the corpus files are copied round-robin into a temporary folder until it
holds N inputs (copies, each its own capture), and the line also gives reports/hour and the
HTML written per report (a batch shares one plotly.min.js; `--plotly inline` to compare).
"""

from __future__ import annotations

import argparse
import itertools
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
NOT_INPUTS = ["README.md", "SHA256SUMS"]


def _cpu_s() -> float:
    """User + system CPU seconds of this process and its finished children (the workers)."""
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                  resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(corpus: Path, jobs: int, repeat: int,
            plotly: str = "shared") -> tuple[list[float], dict, float, float, list[float]]:
    """Wall times of `repeat` fresh batches with `jobs` processes, the last counts, the
    per-input work (parse + analyse + report + tables, summed) of the fastest run, the
    MB of HTML it wrote (reports, their shared plotly.min.js and index.html) and the CPU
    seconds (user + sys, parent and workers) of each batch."""
    from wakescope.analyzer.batch import run_batch

    times, counts, work, html_mb, cpus = [], {}, 0.0, 0.0, []
    for _ in range(repeat):
        out = Path(tempfile.mkdtemp(prefix="wakescope-bench-"))
        try:
            t, c = time.perf_counter(), _cpu_s()
            result = run_batch([str(corpus)], out, jobs=jobs, progress=False,
                               exclude=NOT_INPUTS, plotly=plotly)
            times.append(time.perf_counter() - t)
            cpus.append(_cpu_s() - c)
            counts = dict(result.counts)
            if times[-1] == min(times):
                work = sum((r.get("duration_ms") or 0) + (r.get("write_ms") or 0)
                           for r in result.records) / 1000
                html_mb = sum(p.stat().st_size for p in out.rglob("*")
                              if p.suffix in (".html", ".js")) / 1e6
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return times, counts, work, html_mb, cpus


def repeated(files: list[Path], n: int, folder: Path) -> list[Path]:
    """`n` inputs: the files copied round-robin (`k-name`), each copy its own capture."""
    made = []
    for k, src in zip(range(n), itertools.cycle(files), strict=False):
        dst = folder / f"{k:04d}-{src.name}"
        shutil.copyfile(src, dst)
        made.append(dst)
    return made


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.batch", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", default="1,2", help="comma-separated process counts")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--inputs", type=int, help="repeat the corpus files to this many inputs")
    ap.add_argument("--bugreports-only", action="store_true",
                    help="only the corpus bug reports (bugreports/)")
    ap.add_argument("--plotly", default="shared", choices=("shared", "inline", "cdn"))
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}; nothing to measure")
        return 0
    root = args.corpus / "bugreports" if args.bugreports_only else args.corpus
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name not in NOT_INPUTS)
    if args.inputs:
        tmp = Path(tempfile.mkdtemp(prefix="wakescope-bench-inputs-"))
        try:
            files = repeated(files, args.inputs, tmp)
            return _run(tmp, files, args)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return _run(args.corpus if not args.bugreports_only else root, files, args)


def _run(corpus: Path, files: list[Path], args) -> int:
    kinds = {}
    for p in files:
        kind = "bug report" if p.suffix == ".zip" and "bugreport" in p.name else "dump"
        kinds[kind] = kinds.get(kind, 0) + 1
    mb = sum(p.stat().st_size for p in files) / 1e6
    jobs_list = [int(j) for j in args.jobs.split(",")]
    print(f"batch throughput: {len(files)} inputs ("
          + ", ".join(f"{n} {k}s" for k, n in sorted(kinds.items()))
          + f"), {mb:.1f} MB on disk, best of {args.repeat}, plotly {args.plotly}")
    print(f"{'jobs':>4} {'best s':>8} {'median s':>9} {'inputs/s':>9} {'per hour':>9} "
          f"{'MB/s':>7} {'speed-up':>8} {'work s':>7} {'busy':>5} {'HTML MB/report':>14}"
          f" {'CPU s':>7} {'per hour at CPU':>15}  statuses")
    base = None
    for jobs in jobs_list:
        times, counts, work, html_mb, cpus = measure(corpus, jobs, args.repeat, args.plotly)
        best = min(times)
        base = base or best
        reports = max(1, counts.get("ok", 0) + counts.get("partial", 0))
        print(f"{jobs:>4} {best:>8.2f} {statistics.median(times):>9.2f} "
              f"{len(files) / best:>9.1f} {3600 * len(files) / best:>9.0f} {mb / best:>7.1f} "
              f"{base / best:>7.2f}× {work:>7.2f} {work / (jobs * best):>5.0%} "
              f"{html_mb / reports:>14.2f} {min(cpus):>7.1f} "
              # what `jobs` idle cores would do: the best CPU time spread over them
              f"{3600 * len(files) * jobs / min(cpus):>15.0f}  "
              + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
