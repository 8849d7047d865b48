"""The alarm dump's own clock: `nowRTC`/`nowELAPSED`, relative durations and local dates.

Every relative time in `dumpsys alarm` is relative to its own `nowELAPSED`
(`TimeUtils.formatDuration(time, now)`), and dates are device-local `SimpleDateFormat`
output (`yyyy-MM-dd HH:mm:ss`, `.SSS` from 9). "Never" is Long.MAX_VALUE, printed as
`+24855d3h14m7s…` or a nine-digit year (`292278994-08-16 23:12:55`, formats.md §7.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from wakescope.parsers.clock import (
    NEVER_MS,
    NOW_RTC_LINE,
    local_offset_minutes,
    parse_duration_ms,
    plausible_clock,
)
from wakescope.parsers.numbers import (
    safe_int as to_int,  # the readers' printed-long → int (shared helper)
)

LONG_MAX = 9_223_372_036_854_775_807

_DATE = re.compile(r"^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:[.,](\d{1,3}))?$")
# formatDuration output (unpadded), allowing a decimal comma (`5,0ms`, car head unit).
_DURATION = re.compile(r"^(?:0|[+-]?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?\d+(?:[.,]\d+)?ms)$")


def is_duration(token: str) -> bool:
    return bool(_DURATION.match(token))


@lru_cache(maxsize=8192)
def duration_ms(token: str | None) -> int | None:
    """A formatDuration token → ms; `--`, empty or malformed → None (cached: dumps repeat)."""
    if token is None or token in ("--", ""):
        return None
    if not _DURATION.match(token):
        return None
    return parse_duration_ms(token)


def never(ms: int | None) -> bool:
    """Long.MAX 'never' and anything beyond ~27 years (clock.NEVER_MS)."""
    return ms is not None and abs(ms) >= NEVER_MS


def parse_local_date(text: str) -> datetime | None:
    """`yyyy-MM-dd HH:mm:ss[.SSS]` → naive datetime; None for years > 9999 ('never')."""
    m = _DATE.match(text.strip())
    if not m or len(m.group(1)) > 4:
        return None
    ms = m.group(7) or "0"
    try:
        return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4)),
                        int(m.group(5)), int(m.group(6)), int(ms.ljust(3, "0")) * 1000)
    except ValueError:
        return None


def is_date(text: str) -> bool:
    return bool(_DATE.match(text.strip()))


@dataclass(frozen=True, slots=True)
class DumpClock:
    """`nowELAPSED` and `nowRTC` of one alarm dump, plus the device's UTC offset."""

    now_elapsed: int
    now_rtc: int
    offset_min: int | None

    def elapsed(self, rel: int | None) -> int | None:
        """A relative time → elapsed realtime ms."""
        return None if rel is None or never(rel) else self.now_elapsed + rel

    def utc_from_rel(self, rel: int | None) -> int | None:
        return None if rel is None or never(rel) else self.now_rtc + rel

    def utc_from_elapsed(self, elapsed: int | None) -> int | None:
        if elapsed is None or never(elapsed - self.now_elapsed):
            return None
        return self.now_rtc + (elapsed - self.now_elapsed)

    def utc_from_local(self, text: str | None) -> int | None:
        """A device-local printed date → UTC epoch ms (None when never or offset unknown)."""
        if not text or self.offset_min is None:
            return None
        local = parse_local_date(text)
        if local is None:
            return None
        return int(local.replace(tzinfo=UTC).timestamp() * 1000) - self.offset_min * 60_000


def clock_from_lines(lines: list[str], meta_now: dict | None) -> DumpClock | None:
    """Find the dump's `nowRTC=… nowELAPSED=…` line; fall back to the capture metadata."""
    for line in lines:
        if "nowRTC=" not in line:
            continue
        m = NOW_RTC_LINE.search(line)
        if not m:
            continue
        rtc = to_int(m.group(1))
        raw = m.group(3)
        elapsed = to_int(raw)
        if elapsed is None:
            elapsed = duration_ms(raw)  # 7.1.1 Meizu: nowELAPSED as a duration
        if not plausible_clock(rtc, elapsed):  # corrupt numbers: no clock from this line
            continue
        local = parse_local_date(m.group(2))
        offset = local_offset_minutes(local, rtc) if local else None
        return DumpClock(elapsed, rtc, offset)
    if meta_now and "now_rtc_ms" in meta_now:
        local = parse_local_date(meta_now.get("now_local", "").replace("T", " "))
        offset = local_offset_minutes(local, meta_now["now_rtc_ms"]) if local else None
        return DumpClock(meta_now["now_elapsed_ms"], meta_now["now_rtc_ms"], offset)
    return None
