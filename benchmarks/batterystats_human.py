"""Human-form batterystats parser speed: each corpus section through
`parsers.batterystats.human.parse` (target: the 8.1 sailfish bug report's section well under
250 ms; the 500 ms batterystats budget is shared with the checkin parser).

    python -m benchmarks.batterystats_human [--repeat 5] [--corpus ../shared/corpus]

Decoding and section finding are excluded (done once per file); the time covers the block
split, the vectorised history, the statistics walk and building the Polars frames. Prints
lines, history records, best and median ms, history rows and the unknown-line count.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
FILES = (
    "bugreports/bugreport-sailfish-OPM1.171019.021-2018-04-02-17-06-30.zip",
    "bugreports/bugreport-meizu-mx6-NMF26O-android7.1.1.zip",
    "bugreports/bugreport-sdk_gphone_x86-PSR1.180720.075-emulator-android9.zip",
    "bugreports/bugreport-sailfish-QP1A.191005.007.A3-2020-01-08-15-30-07.zip",
    "batterystats/emulator-large.txt",
    "batterystats/xiaomi-miro-android15.txt",
    "batterystats/samsung-android9.txt",
    "batterystats/motorola-android6.txt",
    "batterystats/pixel-sailfish-android8.1.txt",
    "batterystats/unknown-android5.txt",
    "batterystats/partial-old-crcrlf.txt",
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.batterystats_human",
                                 description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}; nothing to measure")
        return 0

    import parsers
    from parsers.batterystats.human import parse
    from parsers.diagnostics import Diagnostics
    from parsers.section_input import SectionInput

    print(f"{'file':<44} {'lines':>6} {'best ms':>8} {'median ms':>9} {'history':>8} "
          f"{'unknown':>7}")
    for rel in FILES:
        path = args.corpus / rel
        if not path.exists():
            continue
        cap = parsers.open_capture(path)
        section = cap.section("batterystats")
        lines = cap.section_lines(section)
        times, out, inp = [], {}, None
        for _ in range(args.repeat):
            inp = SectionInput("batterystats", lines, section.first_line, cap.meta, cap.clock,
                               Diagnostics(), True)
            t = time.perf_counter()
            out = parse(inp)
            times.append((time.perf_counter() - t) * 1000)
        hist = out.get("batterystats_history")
        print(f"{Path(rel).name[:44]:<44} {len(lines):>6} {min(times):>8.1f} "
              f"{statistics.median(times):>9.1f} {hist.height if hist is not None else 0:>8} "
              f"{inp.diagnostics.unknown_total('batterystats'):>7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
