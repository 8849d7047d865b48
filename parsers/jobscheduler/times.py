"""Time values in the jobscheduler dump and the service's own "now".

Relative times (`TimeUtils.formatDuration`) are relative to the service's elapsed-realtime now
(`Elapsed clock:` 9+, `Current elapsed time:` 10+ QuotaController, `Alarms: now=` 7–8); the
container stores it in `meta.service_now["jobscheduler"]`. Absolute UTC = the capture clock
applied to now + relative (formats.md §6.4).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from wakescope.parsers.clock import JOB_CLOCK_LINE, Clock, is_never, parse_duration_ms
from wakescope.parsers.numbers import INT64_MAX, safe_int

# 7.x `Earliest run time: 15:37:53` (DateUtils.formatElapsedTime of seconds; hours may exceed 24).
_ELAPSED_HMS = re.compile(r"^(-)?(?:(\d+):)?(\d+):(\d\d)$")
_LOCAL = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[ -](\d\d)[:-](\d\d)[:-](\d\d)$")


@lru_cache(maxsize=4096)
def duration(token: str | None) -> int | None:
    """A formatDuration token → ms; `none`, `N/A`, `--` and Long.MAX "never" → None.
    (Cached: a dump repeats its periods, flexes and backoffs on many jobs.)"""
    if token is None:
        return None
    t = token.strip().rstrip(",")
    if not t or t in ("none", "N/A", "--"):
        return None
    ms = parse_duration_ms(t)
    return None if ms is None or is_never(ms) else ms


def elapsed_hms(token: str) -> int | None:
    """`15:37:53`, `02:05`, `-1:02:03` (7.x run times) → ms; `none` → None."""
    m = _ELAPSED_HMS.match(token.strip())
    if not m:
        return None
    h, mins, s = safe_int(m.group(2) or "0"), safe_int(m.group(3)), safe_int(m.group(4))
    if h is None or mins is None or s is None:
        return None
    ms = (h * 3600 + mins * 60 + s) * 1000
    if ms > INT64_MAX:
        return None
    return -ms if m.group(1) else ms


@lru_cache(maxsize=1024)
def local_time(text: str) -> datetime | None:
    """`2018-04-01 13:59:22` or `2018-04-02-16-05-58` (device-local) → naive datetime
    (cached: jobs that ran in the same maintenance window share their last run time)."""
    m = _LOCAL.match(text.strip())
    if not m:
        return None
    try:
        return datetime(*map(int, m.groups()))
    except ValueError:
        return None


def find_now(meta, lines: list[str]) -> int | None:
    """The service's elapsed now: from metadata when the container read it, else the text."""
    found = (getattr(meta, "service_now", None) or {}).get("jobscheduler") or {}
    for key in ("elapsed_clock_ms", "current_elapsed_ms", "alarms_now_ms"):
        if found.get(key) is not None:
            return safe_int(str(found[key]))
    for line in lines:
        m = JOB_CLOCK_LINE.match(line)
        if m:
            return safe_int(next(g for g in m.groups() if g))
    return None


class Timebase:
    """Turns relative ms and device-local times into UTC epoch ms when the capture allows."""

    def __init__(self, clock: Clock | None, now_elapsed: int | None):
        self.clock = clock
        self.now = now_elapsed
        self._now_utc = (clock.to_utc_ms(now_elapsed)
                         if clock is not None and now_elapsed is not None else None)

    def utc(self, rel_ms: int | None) -> int | None:
        if rel_ms is None or self._now_utc is None:
            return None
        return self._now_utc + rel_ms

    def local_utc(self, local: datetime | None) -> int | None:
        if local is None or self.clock is None:
            return None
        return self.clock.local_to_utc_ms(local)

    def rel(self, utc: int | None) -> int | None:
        """A UTC epoch ms (e.g. a `local_utc`) as ms relative to the service's now."""
        if utc is None or self._now_utc is None:
            return None
        return utc - self._now_utc
