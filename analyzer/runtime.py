"""Process settings for wakescope's own processes (the CLI and batch workers), never for a
program that imports wakescope as a library."""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading

# Python's cyclic collector walks the tracked objects of a generation on every pass, and
# each older pass walks all of them: a `report` ran ~130 collections (~50-60 ms of a 1.3 s
# run) while it makes almost no reference cycles (refcounting frees its frames and rows).
# So: a young pass every 100,000 net allocations instead of 700, an older one every 20 of
# those (issue 17). 100,000 is above the ~55,000 container objects the imports of Polars
# 2.2, Typer and Jinja leave: at 50,000 a report's one pass fell in the middle of them and
# took 25-27 ms; now a bug report's `report` runs none, the 500k-line stress one included.
GC_THRESHOLD = (100_000, 20, 100)


def tune_gc() -> None:
    """Collect cycles rarely (`GC_THRESHOLD`): call once, first thing, in a process of ours."""
    gc.set_threshold(*GC_THRESHOLD)


def exit_code(exc: SystemExit) -> int:
    """The status `sys.exit(arg)` gives: None is 0, an int itself, anything else is printed
    to standard error and gives 1 (as the interpreter does)."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    sys.stderr.write(f"{exc.code}\n")
    return 1


def exit_now(code: int) -> None:
    """End the CLI process without tearing the interpreter down.

    Finalising frees every module, frame and Polars buffer one by one: ~100-130 ms after a
    `report` of the sailfish 8.1 bug report, for nothing, since the process ends. The atexit
    handlers (weakref finalizers, logging, multiprocessing) still run and both streams are
    flushed; an output that cannot be flushed (a closed pipe) gives 120, as the interpreter's
    own exit does. With a thread of ours still running, the normal exit joins it instead.
    """
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            code = code or 120
    os._exit(code)
