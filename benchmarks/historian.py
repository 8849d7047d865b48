"""wakescope beside Battery Historian on the same bug report: the ratio users compare.

    python -m benchmarks.historian                  # the sailfish 8.1 corpus bug report
    python -m benchmarks.historian --pairs 5 FILE…  # bug report zips or .txt files
    python -m benchmarks.historian --bh DIR         # Battery Historian's binaries in DIR

Per input, `--pairs` alternating whole-process runs (after one warm-up of each):
`wakescope report INPUT -o x.html`, then Battery Historian's two parsers on the bug report
text (`checkin-parse -input TXT -output x.pb` and `history-parse --summary=totalTime
-input TXT`, timed together). The ratio is taken pair by pair; the median of the pairs is
printed, with each side's median wall time and largest peak RSS (`os.wait4`). Each pair
also runs `benchmarks.floor` on the input: the interpreter, `import polars`, reading the
input and a first use of Polars, with none of wakescope's work; it says how much of issue
17's absolute targets (≤ 0.6 s, ≤ 100 MB) any Polars-based report has left for its own.

Battery Historian's parsers come from `--bh DIR`, `$BH_BIN`, or are built with
`../shared/tools/bh-build` from the fetched snapshot `../.mirror/google+battery-historian`;
without any of them the comparison is skipped with a note (exit 0). Nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from benchmarks.__main__ import CORPUS, ROOT, Run, _run_child, _wakescope, rss_parts

DEFAULT = CORPUS / "bugreports" / "bugreport-sailfish-OPM1.171019.021-2018-04-02-17-06-30.zip"
BH_BUILD = ROOT / ".." / "shared" / "tools" / "bh-build"
BH_MIRROR = ROOT / ".." / ".mirror" / "google+battery-historian" / "repo"
TARGET_RATIO = 0.5  # issue 17: wakescope report ≤ 0.5 × Battery Historian's two parsers
TARGET_S, TARGET_MB = 0.6, 100  # issue 17: the report's absolute wall time and peak RSS


def find_bh(explicit: Path | None) -> tuple[Path | None, str]:
    """The folder holding checkin-parse and history-parse, or None and why not."""
    for cand in (explicit, os.environ.get("BH_BIN")):
        if cand and (Path(cand) / "checkin-parse").is_file():
            return Path(cand), ""
    if not BH_MIRROR.exists():
        return None, (f"Battery Historian skipped: no snapshot at {BH_MIRROR.resolve()} "
                      "(fetch google/battery-historian, or pass --bh DIR)")
    if not BH_BUILD.is_file():
        return None, f"Battery Historian skipped: {BH_BUILD} is absent"
    build_dir = Path(tempfile.gettempdir()) / "wakescope-bh-build"
    proc = subprocess.run([str(BH_BUILD), str(BH_MIRROR)], capture_output=True, text=True,
                          env={**os.environ, "BH_DIR": str(build_dir)})
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines or not (Path(lines[-1]) / "checkin-parse").is_file():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"Battery Historian skipped: bh-build failed ({tail})"
    return Path(lines[-1]), ""


def bugreport_text(path: Path, tmp: Path) -> Path:
    """The bug report text Battery Historian reads: a zip's main member, extracted."""
    if not zipfile.is_zipfile(path):
        return path
    from wakescope.parsers.container import _pick_member

    with zipfile.ZipFile(path) as zf:
        info, _ = _pick_member(zf, str(path), [])
        target = tmp / Path(info.filename).name
        with zf.open(info) as src, open(target, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
    return target


def _bh_run(bh: Path, text: Path, tmp: Path) -> Run:
    """Both parsers, one after the other: summed wall and CPU ms, the larger peaks."""
    a = _run_child([str(bh / "checkin-parse"), "-input", str(text),
                    "-output", str(tmp / "bh.pb")])
    b = _run_child([str(bh / "history-parse"), "--summary=totalTime", "-input", str(text)])
    parts = [max(x, y) if x is not None and y is not None else None
             for x, y in ((a.anon_mb, b.anon_mb), (a.file_mb, b.file_mb))]
    return Run(a.wall_ms + b.wall_ms, a.cpu_ms + b.cpu_ms, max(a.peak_mb, b.peak_mb),
               a.status or b.status, *parts)


def compare(path: Path, bh: Path, pairs: int) -> dict:
    """Alternate wakescope and Battery Historian `pairs` times on one input."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        text = bugreport_text(path, tmp)
        ws_cmd = [*_wakescope(), "report", str(path), "-o", str(tmp / "report.html")]
        floor_cmd = [sys.executable, "-m", "benchmarks.floor", str(path)]
        _run_child(ws_cmd)  # warm-ups: page cache, bytecode, compiled templates
        _bh_run(bh, text, tmp)
        _run_child(floor_cmd)
        ws, hist, floor = [], [], []
        for _ in range(pairs):
            ws.append(_run_child(ws_cmd))
            hist.append(_bh_run(bh, text, tmp))
            floor.append(_run_child(floor_cmd))
        ratios = [w[0] / h[0] for w, h in zip(ws, hist, strict=True) if h[0] > 0]
        # CPU time (user + sys) says what the code costs when the machine is shared and the
        # wall times swing; Battery Historian's Go runtime may use both cores.
        cpu_ratios = [w[1] / h[1] for w, h in zip(ws, hist, strict=True) if h[1] > 0]
        return {
            "file": str(path), "text_mb": round(text.stat().st_size / 1e6, 2), "pairs": pairs,
            "wakescope_ms": round(statistics.median(w[0] for w in ws), 1),
            "wakescope_cpu_ms": round(statistics.median(w[1] for w in ws), 1),
            "wakescope_rss_mb": round(max(w[2] for w in ws), 1),
            **{f"wakescope_{k}": v for k, v in rss_parts(ws).items()},
            "historian_ms": round(statistics.median(h[0] for h in hist), 1),
            "historian_cpu_ms": round(statistics.median(h[1] for h in hist), 1),
            "historian_rss_mb": round(max(h[2] for h in hist), 1),
            **{f"historian_{k}": v for k, v in rss_parts(hist).items()},
            "ratio": round(statistics.median(ratios), 3) if ratios else None,
            "cpu_ratio": round(statistics.median(cpu_ratios), 3) if cpu_ratios else None,
            "floor_ms": round(statistics.median(f[0] for f in floor), 1),
            "floor_rss_mb": round(statistics.median(f[2] for f in floor), 1),
            "exit": [ws[-1][3], hist[-1][3], floor[-1][3]],
        }


def print_table(rows: list[dict]) -> None:
    print(f"{'file':<46} {'text MB':>8} {'wakescope ms':>13} {'RSS MB':>7} "
          f"{'Historian ms':>13} {'RSS MB':>7} {'ratio':>6} {'cpu ratio':>9}  target")
    print("-" * 122)
    for r in rows:
        name = Path(r["file"]).name
        name = name if len(name) <= 46 else name[:45] + "…"
        flag = ""
        if r["ratio"] is not None:
            flag = f"≤ {TARGET_RATIO}  " + ("ok" if r["ratio"] <= TARGET_RATIO else "SLOW")
        print(f"{name:<46} {r['text_mb']:>8.2f} {r['wakescope_ms']:>13.1f} "
              f"{r['wakescope_rss_mb']:>7.1f} {r['historian_ms']:>13.1f} "
              f"{r['historian_rss_mb']:>7.1f} {r['ratio'] or float('nan'):>6.3f} "
              f"{r['cpu_ratio'] or float('nan'):>9.3f}  {flag}")
    for r in rows:
        print(f"{Path(r['file']).name}: RSS made of data (anonymous) + code (file-backed, "
              f"sampled): wakescope {_parts(r, 'wakescope')}, Battery Historian "
              f"{_parts(r, 'historian')}")
        print(f"  floor (interpreter, import polars, reading the input, first Polars use; "
              f"benchmarks.floor): {r['floor_ms']:.0f} ms, {r['floor_rss_mb']:.1f} MB: "
              f"≤ {TARGET_S} s and ≤ {TARGET_MB} MB leave "
              f"{TARGET_S * 1000 - r['floor_ms']:.0f} ms and "
              f"{TARGET_MB - r['floor_rss_mb']:.1f} MB for parsing, analysis and HTML")
    print("(medians of alternating whole-process runs; ratio: wall, the target; cpu ratio: "
          "user + sys,\n what the code costs when the machine is busy; CPU ms in --json)")


def _parts(r: dict, side: str) -> str:
    data, code = r.get(f"{side}_data_rss_mb"), r.get(f"{side}_code_rss_mb")
    return "not sampled" if data is None or code is None else f"{data:.1f} + {code:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.historian",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="bug report zips or texts")
    parser.add_argument("--pairs", type=int, default=5, help="alternating runs (median)")
    parser.add_argument("--bh", type=Path, help="folder with checkin-parse, history-parse")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    files = [f for f in (args.files or [DEFAULT]) if f.exists()]
    if not files:
        print("no input files (../shared/corpus is absent; pass files)", file=sys.stderr)
        return 2
    bh, why = find_bh(args.bh)
    if bh is None:
        print(why, file=sys.stderr)
        return 0
    rows = [compare(f, bh, max(1, args.pairs)) for f in files]
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
