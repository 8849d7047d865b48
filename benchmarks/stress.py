"""Long-history bug reports, generated (never committed), and how wakescope scales on them.

    python -m benchmarks.stress                          # 74k, 4× 74k and 500k history lines
    python -m benchmarks.stress --history-lines 74000 --history-lines 296000
    python -m benchmarks.stress --write DIR --history-lines 500000   # only write the inputs

A stress input is the bundled Android 14 sample bug report (`sample_logs/bugreport-sample
.zip`, one simulated day) with its battery history repeated day after day: the human
`Battery History` block (formats.md §4.3; each copy's `+…ms` offsets shifted by the
day's span, printed like AOSP `TimeUtils.formatDuration`) and the checkin `9,h` history
(§4.5; delta-coded, so each copy continues the last). Everything else is the sample's own
text, so the history dominates: `--history-lines` counts the human block's lines (the
checkin history grows by the same factor).

Per input (as a .txt bug report): `wakescope report` as a subprocess (wall, CPU, peak RSS
by `os.wait4`; the peak over the text size is the memory figure of issues 17 and 19), and
in a fresh interpreter the two history sections' parse time (`parse:batterystats` +
`parse:batterystats_checkin`, best of `--repeat`). The scaling column divides each input's
parse time by the first one's and by the history ratio: ≤ 1.0 is linear or better.

The "table floor" is what the parsed history's rows take in memory by their published types
alone (docs/tables.md `batterystats_history` plus the attribution columns the analysis
adds): 8 bytes a cell for Int64 and Datetime, 4 for Int32, and 16 for String (Arrow's
string view, before any text longer than 12 bytes), over the text size. Beside the floor of
the interpreter and Polars (`benchmarks.floor`), it says how much of "≤ 3× the text" a
history held as that table leaves.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import zipfile
from pathlib import Path

from benchmarks.__main__ import ROOT, _mb, _run_child, _wakescope, rss_parts, run_worker

SAMPLE = ROOT / "sample_logs" / "bugreport-sample.zip"
DEFAULT_LINES = (74_000, 296_000, 500_000)
_HUMAN = re.compile(r"^( *)(\+(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?\d+ms) (\(\d+\) .*)$")
_UNITS = re.compile(r"(\d+)(d|h|ms|m|s)")
_UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}


def _parse_offset(text: str) -> int:
    return sum(int(n) * _UNIT_MS[u] for n, u in _UNITS.findall(text))


def format_offset(ms: int) -> str:
    """`+1d00h00m35s701ms` as AOSP `TimeUtils.formatDuration` prints a history offset:
    leading zero fields left out, later fields zero-padded (h, m, s to 2, ms to 3)."""
    parts = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        amount, ms = divmod(ms, size)
        if amount or parts:
            parts.append(f"{amount:0{2 if parts else 1}d}{unit}")
    parts.append(f"{ms:0{3 if parts else 1}d}ms")
    return "+" + "".join(parts)


def _sample_text() -> str:
    with zipfile.ZipFile(SAMPLE) as zf:
        name = next(n for n in zf.namelist() if n.startswith("bugreport-") and n.endswith(".txt"))
        return zf.read(name).decode("utf-8")


def _human_block(lines: list[str]) -> tuple[int, int]:
    """[first, end) of the human history records after the `Battery History (` header."""
    head = next(i for i, line in enumerate(lines) if line.startswith("Battery History ("))
    end = head + 1
    while end < len(lines) and lines[end].strip():
        end += 1
    return head + 1, end


def stress_text(history_lines: int) -> tuple[str, int]:
    """A bug report whose human history block has about `history_lines` lines; returns the
    text and the factor the history was repeated by."""
    lines = _sample_text().split("\n")
    first, end = _human_block(lines)
    block = lines[first:end]
    # The repeated part: every record after the opening RESET/state lines at offset 0.
    body_at = next(i for i, line in enumerate(block) if _HUMAN.match(line))
    body = block[body_at:]
    last = max(_parse_offset(m.group(2)) for m in map(_HUMAN.match, body) if m)
    span = last + 60_000  # the next day starts a minute after the last record
    factor = max(1, round(history_lines / len(block)))
    human = list(block)
    for k in range(1, factor):
        for line in body:
            m = _HUMAN.match(line)
            if m is None:  # Details:, /proc/stat=, ext= lines: as they are
                human.append(line)
                continue
            stamp = format_offset(_parse_offset(m.group(2)) + k * span)
            human.append(f"{' ' * max(0, 19 - len(stamp)):s}{stamp} {m.group(3)}"
                         if len(m.group(1)) + len(m.group(2)) <= 19
                         else f"{m.group(1)}{stamp} {m.group(3)}")
    # Checkin history: `9,h,<delta>,…` after the first `9,h,0:RESET:TIME:` line.
    checkin = [i for i, line in enumerate(lines) if line.startswith("9,h,")]
    c_first, c_end = checkin[0], checkin[-1] + 1
    c_body = [line for line in lines[c_first:c_end] if ":RESET:" not in line]
    out = lines[:first] + human + lines[end:c_end]
    for _ in range(1, factor):
        out += c_body
    out += lines[c_end:]
    return "\n".join(out), factor


def write_inputs(folder: Path, sizes: list[int]) -> list[tuple[int, int, Path]]:
    """Write one stress bug report per size: (requested lines, factor, path)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for n in sizes:
        text, factor = stress_text(n)
        path = folder / f"bugreport-stress-{n // 1000}k-history.txt"
        path.write_text(text, encoding="utf-8")
        made.append((n, factor, path))
    return made


def table_bytes_per_row() -> int:
    """Bytes per history row by the published types (String: its 16-byte view only)."""
    import polars as pl

    from wakescope.analyzer.tables import ATTRIBUTION_COLUMNS
    from wakescope.parsers.batterystats.schema import HISTORY

    widths = {pl.String: 16, pl.Int64: 8, pl.Datetime: 8, pl.Int32: 4}
    dtypes = [c.dtype for c in HISTORY.columns] + [d for _, d, _ in ATTRIBUTION_COLUMNS]
    return sum(next(w for t, w in widths.items() if d == t) for d in dtypes)


def measure(sizes: list[int], repeat: int) -> list[dict]:
    rows = []
    per_row = table_bytes_per_row()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for n, factor, path in write_inputs(tmp, sizes):
            text_mb = path.stat().st_size / 1e6
            run = _run_child([*_wakescope(), "report", str(path), "-o", str(tmp / "r.html")])
            parsed = run_worker(path, repeat, {"parse"})
            hist = [s for s in parsed.get("stages", [])
                    if s["stage"] in ("parse:batterystats", "parse:batterystats_checkin")]
            hist_ms = sum(s["ms"] for s in hist)
            # The checkin history's rows are the ones kept when both forms have them (merge).
            rows_by = {s["stage"]: s.get("rows", {}).get("batterystats_history", 0)
                       for s in hist}
            hist_rows = (rows_by.get("parse:batterystats_checkin")
                         or rows_by.get("parse:batterystats", 0))
            floor_mb = hist_rows * per_row / 1e6
            rows.append({"history_lines": n, "factor": factor, "text_mb": round(text_mb, 2),
                         "report_ms": round(run.wall_ms, 1),
                         "report_cpu_ms": round(run.cpu_ms, 1),
                         "peak_rss_mb": round(run.peak_mb, 1),
                         "rss_per_text": round(run.peak_mb / text_mb, 2), **rss_parts([run]),
                         "history_parse_ms": round(hist_ms, 1), "history_rows": hist_rows,
                         "table_bytes_per_row": per_row,
                         "table_floor_mb": round(floor_mb, 1),
                         "table_floor_per_text": round(floor_mb / text_mb, 2),
                         "exit": run.status,
                         "error": parsed.get("error")})
            path.unlink()
    base = rows[0] if rows else None
    for r in rows:
        if base and base["history_parse_ms"]:
            r["scaling"] = round((r["history_parse_ms"] / base["history_parse_ms"])
                                 / (r["factor"] / base["factor"]), 2)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stress",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--history-lines", type=int, action="append",
                        help=f"human history lines per input (default {DEFAULT_LINES})")
    parser.add_argument("--repeat", type=int, default=1, help="timed parse runs (best kept)")
    parser.add_argument("--write", type=Path, help="only write the inputs into this folder")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    sizes = args.history_lines or list(DEFAULT_LINES)
    if args.write:
        for n, factor, path in write_inputs(args.write, sizes):
            print(f"{path}  {n} history lines (×{factor}), {path.stat().st_size / 1e6:.1f} MB")
        return 0
    rows = measure(sizes, max(1, args.repeat))
    print(f"{'history lines':>13} {'×':>4} {'text MB':>8} {'report ms':>10} {'cpu ms':>8} "
          f"{'peak MB':>8} {'data':>6} {'code':>6} {'peak/text':>9} {'hist parse ms':>13} "
          f"{'scaling':>8}  target")
    print("-" * 114)
    for r in rows:
        flag = "≤ 3× text  " + ("ok" if r["rss_per_text"] <= 3 else "BIG")
        print(f"{r['history_lines']:>13} {r['factor']:>4} {r['text_mb']:>8.2f} "
              f"{r['report_ms']:>10.1f} {r['report_cpu_ms']:>8.1f} {r['peak_rss_mb']:>8.1f} "
              f"{_mb(r['data_rss_mb'])} {_mb(r['code_rss_mb'])} "
              f"{r['rss_per_text']:>9.2f} {r['history_parse_ms']:>13.1f} "
              f"{r.get('scaling', float('nan')):>8.2f}  {flag}"
              + (f"  ({r['error']})" if r.get("error") else ""))
    print("(scaling: parse time ratio over history ratio, against the first row; ≤ 1 linear;"
          "\n data / code: the largest anonymous / file-backed RSS, as in --cli)")
    for r in rows:
        print(f"{r['history_lines']} lines: {r['history_rows']} history rows × "
              f"{r['table_bytes_per_row']} bytes "
              f"(published types) = table floor {r['table_floor_mb']:.1f} MB, "
              f"{r['table_floor_per_text']:.2f}× the text")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
