"""Time wakescope's stages on real inputs; see benchmarks/README.md.

    python -m benchmarks                       # corpus files, every stage, best of 3
    python -m benchmarks --repeat 5 FILE ...   # chosen files
    python -m benchmarks --stage parse         # one stage (open, parse, load, analyse, report,
                                               # trace)
    python -m benchmarks --cli                 # `wakescope info` / `report` wall time + RSS

Each input is measured in a fresh subprocess, so its peak RSS (its own VmHWM) is its
own. Each stage runs once to warm up, then `--repeat` times; the best time is reported.
Nothing here asserts: the targets are printed next to the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
STAGES = ("open", "parse", "load", "analyse", "energy", "report", "trace")
CORPUS_DIRS = ("bugreports", "batterystats", "checkin", "jobscheduler", "alarm")

# Targets (README.md). Stage keys match the stage labels; `parse:<section>` per section.
TARGET_MS = {"parse:batterystats": 500, "parse:batterystats_checkin": 500,
             "parse:jobscheduler": 100, "parse:alarm": 100, "analyse": 300, "energy": 50,
             "trace": 500}
TRACE_TARGET_MB = 5  # the Perfetto trace of the 18.8 MB bug report
CLI_TARGETS = {"info": (500, 300), "report": (1500, None)}  # (wall ms, peak RSS MB)
CLI_TARGET_FILE = "bugreport-sailfish-OPM1.171019.021-2018-04-02-17-06-30.zip"


def default_files() -> list[Path]:
    """The 4 corpus bug reports, then every standalone corpus dump (missing ones skipped)."""
    out: list[Path] = []
    for sub in CORPUS_DIRS:
        folder = CORPUS / sub
        if folder.is_dir():
            out += sorted(p for p in folder.iterdir() if p.is_file())
    return out


def _rss_mb(rusage) -> float:
    """ru_maxrss is KiB on Linux, bytes on macOS."""
    scale = 1 if sys.platform == "darwin" else 1024
    return rusage.ru_maxrss * scale / 1e6


def _best(fn, repeat: int) -> tuple[float, float, object]:
    """Warm up once, then `repeat` runs: best wall ms, best CPU ms (all threads of this
    process; shows when a busy machine, not the code, made the wall time long), result."""
    result = fn()
    best = cpu_best = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        best = min(best, time.perf_counter() - t0)
        cpu_best = min(cpu_best, time.process_time() - c0)
    return best * 1000, cpu_best * 1000, result


# ----------------------------------------------------------------------------- worker ----

def measure(path: Path, repeat: int, stages: set[str]) -> dict:
    """All requested stages for one input, in this process (run it in a fresh one)."""
    import resource

    from wakescope import parsers

    rows: list[dict] = []
    notes: list[str] = []

    def add(stage: str, ms: float, cpu: float, **extra) -> None:
        rows.append({"stage": stage, "ms": round(ms, 1), "cpu_ms": round(cpu, 1),
                     "target_ms": TARGET_MS.get(stage.split("#")[0]), **extra})

    if "open" in stages:
        ms, cpu, cap = _best(lambda: parsers.open_capture(path), repeat)
        add("open", ms, cpu)
    else:
        cap = parsers.open_capture(path)
    info = {"kind": cap.kind, "text_mb": round(cap.text_size() / 1e6, 2),
            "lines": cap.text_lines, "sections": [s.name for s in cap.sections]}
    if "parse" in stages:
        seen: dict[str, int] = {}
        for sec in cap.sections:
            seen[sec.name] = seen.get(sec.name, 0) + 1
            label = f"parse:{sec.name}" + (f"#{seen[sec.name]}" if seen[sec.name] > 1 else "")
            ms, cpu, tables = _best(lambda sec=sec: parsers.parse_section(cap, sec.name, sec),
                                    repeat)
            add(label, ms, cpu, lines=sec.line_count,
                rows={name: frame.height for name, frame in tables.items()})
    loaded = None
    if stages & {"load", "analyse", "energy", "report", "trace"}:
        if "load" in stages:
            ms, cpu, loaded = _best(lambda: parsers.load(path), repeat)
            add("load", ms, cpu)
        else:
            loaded = parsers.load(path)
    result = None
    if stages & {"analyse", "report", "trace"}:
        from wakescope.analyzer.analysis import analyse

        if "analyse" in stages:
            ms, cpu, result = _best(lambda: analyse(loaded), repeat)
            add("analyse", ms, cpu)
        else:
            result = analyse(loaded)
    if "energy" in stages and loaded is not None:
        ms, cpu, _ = _best(_energy_stage(loaded), repeat)
        add("energy", ms, cpu)
    if "report" in stages and result is not None:
        from wakescope.analyzer.report import write_html

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "report.html"
            ms, cpu, _ = _best(lambda: write_html(result, out), repeat)
            add("report", ms, cpu)
            info["report_mb"] = round(out.stat().st_size / 1e6, 2)
    if "trace" in stages and result is not None:
        from wakescope.analyzer.report.trace import write_trace

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "capture.perfetto-trace"
            ms, cpu, summary = _best(lambda: write_trace(result, out), repeat)
            add("trace", ms, cpu, slices=summary.slices + summary.instants)
            info["trace_mb"] = round(out.stat().st_size / 1e6, 2)
    # This process's own peak: VmHWM is its mm's since exec; ru_maxrss would also hold the
    # spawning process's (`_child_peak`).
    peak = _own_hwm_mb()
    if peak is None:
        peak = _rss_mb(resource.getrusage(resource.RUSAGE_SELF))
    return {"file": str(path), "size_mb": round(path.stat().st_size / 1e6, 2), **info,
            "stages": rows, "peak_rss_mb": round(peak, 1), "notes": notes}


def _energy_stage(loaded):
    """What the energy budget adds to a report (docs/energy.md): the energy and screen-off
    passes, the headline and the sunburst spec, on a Context built once (attribution is the
    analyse stage's), caches cleared before each run."""
    from wakescope.analyzer.analysis import _periods
    from wakescope.analyzer.attribution import attribute, uid_names
    from wakescope.analyzer.knowledge import load_rules
    from wakescope.analyzer.passes import energy, screen_off
    from wakescope.analyzer.passes.context import Context
    from wakescope.analyzer.passes.energy_report import report
    from wakescope.analyzer.report.energy_view import sunburst_spec

    rules = load_rules(None)
    tables = attribute(loaded.tables, rules)
    ctx = Context(cap=loaded, tables=tables, rules=rules, periods=_periods(loaded, tables),
                  names=uid_names(tables, rules))

    def run():
        for key in ("_energy_budget", "_screen_off"):
            ctx.__dict__.pop(key, None)
        energy.run(ctx)
        screen_off.run(ctx)
        return sunburst_spec(report(ctx))

    return run


def run_worker(path: Path, repeat: int, stages: set[str]) -> dict:
    """Measure one input in a fresh interpreter and return its figures."""
    cmd = [sys.executable, "-m", "benchmarks", "--worker", str(path), "--repeat", str(repeat)]
    for s in sorted(stages):
        cmd += ["--stage", s]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"file": str(path), "error": tail[0]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -------------------------------------------------------------------------------- CLI ----

def _wakescope() -> list[str]:
    exe = shutil.which("wakescope")
    return [exe] if exe else [sys.executable, "-m", "wakescope"]


class Run(NamedTuple):
    """One child's figures. `anon_mb` and `file_mb`: the largest anonymous (the program's
    data) and file-backed (code of the interpreter and libraries, mapped from their files
    and shared with the page cache) RSS seen, read from /proc every few ms (Linux; None
    elsewhere or when the child ends first). Their maxima need not fall at the same moment:
    `peak_mb` is the one peak."""

    wall_ms: float
    cpu_ms: float
    peak_mb: float
    status: int
    anon_mb: float | None = None
    file_mb: float | None = None


_SAMPLE_S = 0.005


def _status_mb(pid: int | str, keys: tuple[str, ...]) -> dict[str, float]:
    """The `keys` (e.g. "VmHWM") of /proc/<pid>/status, in MB (raises OSError or
    ValueError where it cannot be read)."""
    out: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in keys:
                out[key] = int(value.split()[0]) * 1024 / 1e6
    return out


def _rss_parts(pid: int, stop: threading.Event, out: dict) -> None:
    """Largest RssAnon, RssFile and VmHWM of `pid` (MB) until `stop`, into `out`."""
    while not stop.is_set():
        try:
            for key, mb in _status_mb(pid, ("RssAnon", "RssFile", "VmHWM")).items():
                out[key] = max(out.get(key, 0.0), mb)
        except (OSError, ValueError):
            return
        stop.wait(_SAMPLE_S)


def _own_hwm_mb() -> float | None:
    """This process's peak RSS so far (VmHWM, MB); None where /proc is absent."""
    try:
        return _status_mb("self", ("VmHWM",)).get("VmHWM")
    except (OSError, ValueError):
        return None


def _child_peak(maxrss_mb: float, own_mb: float | None, sampled_mb: float | None) -> float:
    """The child's own peak RSS. Linux carries the spawning process's high-water mark into
    the child (`exec_mmap` keeps the old mm's hiwater in `ru_maxrss`, also after vfork), so
    `ru_maxrss` is max(this process's VmHWM at the spawn, the child's peak): above the
    first it is the child's peak; at it, the child's own VmHWM sampled every few ms is
    (a child of a 300 MB parent that does nothing reads 311 MB there)."""
    if own_mb is None or sampled_mb is None or maxrss_mb > own_mb + 1:
        return maxrss_mb
    return sampled_mb


def _run_child(cmd: list[str]) -> Run:
    """Wall ms, CPU ms, peak RSS MB (os.wait4 rusage, `_child_peak`), exit status, and what
    the RSS was made of (`Run`) for one child."""
    own = _own_hwm_mb()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    parts: dict[str, float] = {}
    stop = threading.Event()
    sampler = threading.Thread(target=_rss_parts, args=(proc.pid, stop, parts), daemon=True)
    sampler.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        stop.set()
        sampler.join()
    wall = (time.perf_counter() - t0) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = (usage.ru_utime + usage.ru_stime) * 1000
    return Run(wall, cpu, _child_peak(_rss_mb(usage), own, parts.get("VmHWM")),
               proc.returncode, parts.get("RssAnon"), parts.get("RssFile"))


def rss_parts(runs: list[Run]) -> dict:
    """The largest data (anonymous) and code (file-backed) RSS over `runs`, MB (None: not
    sampled)."""
    anon = [r.anon_mb for r in runs if r.anon_mb is not None]
    files = [r.file_mb for r in runs if r.file_mb is not None]
    return {"data_rss_mb": round(max(anon), 1) if anon else None,
            "code_rss_mb": round(max(files), 1) if files else None}


def measure_cli(path: Path, repeat: int) -> list[dict]:
    """`wakescope info` and `wakescope report` as a user runs them: best wall time of
    `repeat` runs after a warm-up, and the largest peak RSS seen."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        commands = {"info": [*_wakescope(), "info", str(path)],
                    "report": [*_wakescope(), "report", str(path), "-o",
                               str(Path(tmp) / "report.html")]}
        for name, cmd in commands.items():
            runs = [_run_child(cmd) for _ in range(repeat + 1)][1:]
            wall = min(r[0] for r in runs)
            cpu = min(r[1] for r in runs)
            rss = max(r[2] for r in runs)
            status = runs[-1][3]
            target = CLI_TARGETS[name] if path.name == CLI_TARGET_FILE or name == "report" \
                else (None, None)
            rows.append({"command": name, "wall_ms": round(wall, 1), "cpu_ms": round(cpu, 1),
                         "peak_rss_mb": round(rss, 1), **rss_parts(runs), "exit": status,
                         "target_ms": target[0], "target_rss_mb": target[1]})
    return rows


# ------------------------------------------------------------------------------ print ----

def _short(path: str, width: int = 46) -> str:
    name = Path(path).name
    return name if len(name) <= width else name[: width - 1] + "…"


def _flag(ms: float, target: float | None) -> str:
    if not target:
        return ""
    return f"< {target:g}  " + ("ok" if ms < target else "SLOW")


def print_stage_table(results: list[dict]) -> None:
    print(f"{'file':<46}  {'stage':<28} {'ms':>9} {'cpu ms':>9}  target")
    print("-" * 100)
    for r in results:
        if "error" in r:
            print(f"{_short(r['file']):<46}  {'ERROR':<28} {'':>10}  {r['error']}")
            continue
        first = True
        for s in r["stages"]:
            name = _short(r["file"]) if first else ""
            first = False
            print(f"{name:<46}  {s['stage']:<28} {s['ms']:>9.1f} {s['cpu_ms']:>9.1f}  "
                  f"{_flag(s['ms'], s['target_ms'])}")
        for note in r.get("notes", []):
            print(f"{'':<46}  ({note})")
    print()
    print(f"{'file':<46}  {'kind':<21} {'input MB':>9} {'text MB':>8} {'lines':>9} "
          f"{'peak RSS MB':>12} {'trace MB':>9}")
    print("-" * 100)
    for r in results:
        if "error" in r:
            continue
        trace = r.get("trace_mb")
        flag = "" if trace is None else f"{trace:>9.2f}" + (
            f"  < {TRACE_TARGET_MB} MB " + ("ok" if trace < TRACE_TARGET_MB else "BIG"))
        print(f"{_short(r['file']):<46}  {r['kind']:<21} {r['size_mb']:>9.2f} "
              f"{r['text_mb']:>8.2f} {r['lines']:>9} {r['peak_rss_mb']:>12.1f} {flag}")


def print_cli_table(results: list[tuple[str, list[dict]]]) -> None:
    print(f"{'file':<46}  {'command':<8} {'wall ms':>9} {'cpu ms':>9} {'peak RSS MB':>12} "
          f"{'data':>6} {'code':>6} {'exit':>5}  target")
    print("-" * 114)
    for path, rows in results:
        for i, r in enumerate(rows):
            name = _short(path) if i == 0 else ""
            target = []
            if r["target_ms"]:
                target.append(_flag(r["wall_ms"], r["target_ms"]))
            if r["target_rss_mb"]:
                target.append(f"< {r['target_rss_mb']} MB  "
                              + ("ok" if r["peak_rss_mb"] < r["target_rss_mb"] else "BIG"))
            print(f"{name:<46}  {r['command']:<8} {r['wall_ms']:>9.1f} {r['cpu_ms']:>9.1f} "
                  f"{r['peak_rss_mb']:>12.1f} {_mb(r['data_rss_mb'])} {_mb(r['code_rss_mb'])} "
                  f"{r['exit']:>5}  {'; '.join(target)}")
    print("(data: the largest anonymous RSS, the program's own memory; code: the largest "
          "file-backed RSS,\n the interpreter's and libraries' code mapped from their files, "
          "e.g. Polars' as its functions are first used; sampled every 5 ms)")


def _mb(value: float | None) -> str:
    return f"{value:>6.1f}" if value is not None else f"{'—':>6}"


# ------------------------------------------------------------------------------- main ----

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path,
                        help="inputs (default: the corpus in ../shared/corpus)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per stage (best kept)")
    parser.add_argument("--stage", action="append", choices=STAGES,
                        help="stage(s) to time (default: all)")
    parser.add_argument("--cli", action="store_true",
                        help="time `wakescope info` and `wakescope report` as subprocesses")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    stages = set(args.stage or STAGES)
    repeat = max(1, args.repeat)

    if args.worker:  # internal: one input, this process
        print(json.dumps(measure(args.worker, repeat, stages)))
        return 0

    files = args.files or default_files()
    missing = [f for f in files if not f.exists()]
    for f in missing:
        print(f"skipped (missing): {f}", file=sys.stderr)
    files = [f for f in files if f.exists()]
    if not files:
        print("no input files (../shared/corpus is absent; pass files)", file=sys.stderr)
        return 2

    if args.cli:
        results = [(str(f), measure_cli(f, repeat)) for f in files]
        print_cli_table(results)
        payload = [{"file": f, "commands": rows} for f, rows in results]
    else:
        payload = []
        for f in files:
            payload.append(run_worker(f, repeat, stages))
        print_stage_table(payload)
    if args.json:
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
