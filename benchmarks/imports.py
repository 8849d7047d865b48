"""What each command imports, and what that costs: `python -X importtime` per command.

    python -m benchmarks.imports [--repeat 3] [FILE]

Runs `wakescope info FILE`, `wakescope report FILE -o tmp.html` and `wakescope tables` under
`-X importtime` (best of --repeat per package) and prints the import time by top-level
package against the budget in benchmarks/README.md. The tests check *which* modules each
command imports (tests/test_imports.py); this measures how long they take.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from benchmarks.__main__ import CLI_TARGET_FILE, CORPUS, ROOT

# Budget (ms of import time on an idle 2-core machine of this kind), README.md.
BUDGET_MS = {"info": 150, "report": 400, "tables": 350}
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def import_times(args: list[str]) -> dict[str, float]:
    """Self import time (ms) per top-level package for one command."""
    cmd = [sys.executable, "-X", "importtime", "-c",
           "import sys; from wakescope.analyzer.cli import main; sys.argv = ['wakescope', "
           + ", ".join(repr(a) for a in args) + "]\ntry:\n    main()\nexcept SystemExit:\n"
           "    pass"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    by_pkg: dict[str, float] = defaultdict(float)
    for line in proc.stderr.splitlines():
        m = _LINE.match(line)
        if m:
            by_pkg[m.group(4).split(".")[0]] += int(m.group(1)) / 1000
    return dict(by_pkg)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.imports",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", type=Path,
                    default=CORPUS / "bugreports" / CLI_TARGET_FILE)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if not args.file.exists():
        args.file = ROOT / "sample_logs" / "bugreport-sample.zip"
    with tempfile.TemporaryDirectory() as tmp:
        commands = {"info": ["info", str(args.file)],
                    "report": ["report", str(args.file), "-o", str(Path(tmp) / "r.html")],
                    "tables": ["tables"]}
        print(f"{'command':<8} {'total ms':>9}  budget   top packages (ms)")
        for name, cmd in commands.items():
            runs = [import_times(cmd) for _ in range(max(1, args.repeat))]
            best = {k: min(r.get(k, 0.0) for r in runs) for k in runs[0]}
            total = sum(best.values())
            top = sorted(best.items(), key=lambda kv: -kv[1])[:6]
            flag = "ok" if total <= BUDGET_MS[name] else "OVER"
            print(f"{name:<8} {total:>9.0f}  ≤ {BUDGET_MS[name]:<4} {flag:<4} "
                  + ", ".join(f"{k} {v:.0f}" for k, v in top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
