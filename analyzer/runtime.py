"""Process settings for wakescope's own processes (the CLI and batch workers), never for a
program that imports wakescope as a library."""

from __future__ import annotations

import gc

# Python's cyclic collector walks the tracked objects of a generation on every pass, and
# each older pass walks all of them: Polars' and Typer's imports alone leave ~100k, and a
# `report` ran ~130 collections (~50-60 ms of a 1.3 s run) while it makes almost no
# reference cycles (refcounting frees its frames and rows). So: a young pass every 50,000
# net allocations instead of 700, an older one every 20 of those (issue 17).
GC_THRESHOLD = (50_000, 20, 100)


def tune_gc() -> None:
    """Collect cycles rarely (`GC_THRESHOLD`): call once, first thing, in a process of ours."""
    gc.set_threshold(*GC_THRESHOLD)
