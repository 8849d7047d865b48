"""Batch throughput: the corpus through `run_batch` with 1 and 2 (or --jobs) processes.

    python -m benchmarks.batch [--repeat 3] [--jobs 1,2] [--corpus ../shared/corpus]

Each run starts from an empty output folder (nothing is skipped) and includes the worker
start-up, the reports, the Parquet tables and the fleet summary: what a user waits for.
Prints wall time (best of --repeat), inputs/s, MB/s, the speed-up over the first --jobs,
the per-input work summed over inputs and how busy the processes were (work ÷ jobs × wall;
the rest is worker start-up, the fleet summary and waiting for the biggest input).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
NOT_INPUTS = ["README.md", "SHA256SUMS"]


def measure(corpus: Path, jobs: int, repeat: int) -> tuple[list[float], dict, float]:
    """Wall times of `repeat` fresh batches with `jobs` processes, the last counts, and the
    per-input work (parse + analyse + report + tables, summed) of the fastest run."""
    from wakescope.analyzer.batch import run_batch

    times, counts, work = [], {}, 0.0
    for _ in range(repeat):
        out = Path(tempfile.mkdtemp(prefix="wakescope-bench-"))
        try:
            t = time.perf_counter()
            result = run_batch([str(corpus)], out, jobs=jobs, progress=False,
                               exclude=NOT_INPUTS)
            times.append(time.perf_counter() - t)
            counts = dict(result.counts)
            if times[-1] == min(times):
                work = sum((r.get("duration_ms") or 0) + (r.get("write_ms") or 0)
                           for r in result.records) / 1000
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return times, counts, work


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.batch", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", default="1,2", help="comma-separated process counts")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}; nothing to measure")
        return 0
    files = [p for p in args.corpus.rglob("*") if p.is_file() and p.name not in NOT_INPUTS]
    mb = sum(p.stat().st_size for p in files) / 1e6
    jobs_list = [int(j) for j in args.jobs.split(",")]
    print(f"batch throughput: {len(files)} inputs, {mb:.1f} MB on disk, best of {args.repeat}")
    print(f"{'jobs':>4} {'best s':>8} {'median s':>9} {'inputs/s':>9} {'MB/s':>7} {'speed-up':>8}"
          f" {'work s':>7} {'busy':>5}  statuses")
    base = None
    for jobs in jobs_list:
        times, counts, work = measure(args.corpus, jobs, args.repeat)
        best = min(times)
        base = base or best
        print(f"{jobs:>4} {best:>8.2f} {statistics.median(times):>9.2f} "
              f"{len(files) / best:>9.1f} {mb / best:>7.1f} {base / best:>7.2f}× "
              f"{work:>7.2f} {work / (jobs * best):>5.0%}  "
              + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
