"""The memory budget behind the container's size cap: refuse, in one sentence, an input
whose text would need more memory than the machine (or its cgroup) has free, instead of
letting the analysis swap or be killed by the OOM killer.

The budget is what Linux calls available memory (`MemAvailable` in /proc/meminfo, the
memory a process can take without swapping), lowered to the cgroup v2 limit when one is
set (containers, CI runners); `WAKESCOPE_MEMORY_BUDGET` (bytes, or with a K/M/G suffix)
overrides both. Where neither is readable (not Linux) there is no budget, only the cap.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from wakescope.parsers.errors import InputError

# Peak resident memory per byte of main text over parse + analyse + report, measured as
# (peak RSS − the 52 MB of imports) / text bytes with `/usr/bin/time -f %M wakescope report`:
# the four corpus bug reports (11.7–18.8 MB of text) 5.6–7.8×; history-heavy batterystats
# dumps more (emulator-large.txt, 3.7 MB: 34×) until history parsing streams (issue 19
# item 8). Generous for bug reports: it only has to separate "fits" from "will swap".
PEAK_PER_TEXT_BYTE = 12
ENV = "WAKESCOPE_MEMORY_BUDGET"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def _parse_size(text: str) -> int | None:
    m = _SIZE.match(text)
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()]) if m else None


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room() -> int | None:
    """Bytes left under this process's cgroup v2 `memory.max`, when it sets one."""
    try:
        rel = next(line[3:] for line in Path("/proc/self/cgroup").read_text().splitlines()
                   if line.startswith("0::"))
        folder = Path("/sys/fs/cgroup") / rel.lstrip("/")
        limit = (folder / "memory.max").read_text().strip()
        if limit == "max":
            return None
        used = int((folder / "memory.current").read_text().strip())
        return max(0, int(limit) - used)
    except (OSError, ValueError, StopIteration):
        return None


def budget_bytes() -> int | None:
    """Memory this process may still take without swapping; None when unknown."""
    override = os.environ.get(ENV)
    if override:
        value = _parse_size(override)
        if value is not None:
            return value
    known = [b for b in (_meminfo_available(), _cgroup_room()) if b is not None]
    return min(known) if known else None


def text_limit(cap: int) -> int:
    """The most main text worth reading: `cap`, or less when memory is short."""
    budget = budget_bytes()
    return cap if budget is None else max(1 << 20, min(cap, budget // PEAK_PER_TEXT_BYTE))


def memory_error(label: str, text_bytes: int, budget: int | None = None) -> InputError:
    """The one sentence for an input too large for the memory at hand."""
    budget = budget_bytes() if budget is None else budget
    have = f"only {budget >> 20} MiB is free" if budget is not None else "memory ran out"
    return InputError(
        f"{label} holds {max(1, text_bytes >> 20)} MiB of text, which needs about "
        f"{max(1, (text_bytes * PEAK_PER_TEXT_BYTE) >> 20)} MiB of memory to analyse and "
        f"{have}; refusing it rather than swapping (set {ENV} to change the budget)."
    )


def check_budget(text_bytes: int, label: str) -> None:
    """Refuse `text_bytes` of main text when analysing it would not fit in memory."""
    budget = budget_bytes()
    if budget is not None and text_bytes * PEAK_PER_TEXT_BYTE > budget:
        raise memory_error(label, text_bytes, budget)
