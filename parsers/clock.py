"""Time in one capture: duration tokens, and the elapsed-realtime ↔ UTC mapping.

Android prints relative times two ways (AOSP `TimeUtils.formatDuration`: `+1h0m2s5ms`,
`--` for never; `BatteryStats.formatTimeMs`: `1h 0m 2s 5ms `). Some OEM builds print a
decimal comma (`5,0ms`). Each service's relative times are relative to its own "now".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Each service's own "now", the one home of these patterns (metadata reads them at the
# container stage, the alarm and jobscheduler parsers when the metadata has none):
# AlarmManagerService prints `nowRTC=<ms>=<local date> nowELAPSED=<ms>` (7.x: nowELAPSED as
# a duration, formats.md §2.2); JobSchedulerService `Elapsed clock:` (7–8), `Current elapsed
# time:` or `Alarms: now=` (formats.md §3).
NOW_RTC_LINE = re.compile(
    r"nowRTC=(-?\d+)=(\d{4,}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) nowELAPSED=(\S+)")
JOB_CLOCK_LINE = re.compile(
    r"^\s*(?:Elapsed clock: (\d+)|Current elapsed time: (\d+)|Alarms: now=(\d+))", re.MULTILINE)

# Values above ~10^4 days are "never" (Long.MAX_VALUE printed as a duration).
NEVER_MS = 10_000 * 86_400_000
# A device wall clock (nowRTC) outside 1970–2200 is corrupt text, not a clock to map with:
# times derived from it would leave Python's datetime range downstream.
WALL_CLOCK_MAX_MS = 7_258_118_400_000  # 2200-01-01T00:00:00Z


def plausible_clock(rtc_ms: int | None, elapsed_ms: int | None) -> bool:
    """A nowRTC/nowELAPSED pair that can anchor a clock (both known and in range)."""
    return (rtc_ms is not None and elapsed_ms is not None
            and 0 <= rtc_ms < WALL_CLOCK_MAX_MS and 0 <= elapsed_ms < NEVER_MS)

_UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
# `(?<!\d)`: a number starts where its digits start (else `findall` is quadratic on long
# digit runs of corrupt text; the matches are the same).
_PART = re.compile(r"(?<!\d)(-?\d+(?:[.,]\d+)?)\s*(ms|d|h|m|s)(?![a-z])")
_DURATION_TOKEN = re.compile(
    r"^(?P<sign>[+-])?(?:(?P<d>-?\d+)d)?\s*(?:(?P<h>-?\d+)h)?\s*(?:(?P<m>-?\d+)m(?!s))?\s*"
    r"(?:(?P<s>-?\d+)s)?\s*(?:(?P<ms>-?\d+(?:[.,]\d+)?)ms)$"
)


def parse_duration_ms(token: str | None) -> int | None:
    """Parse `+1h2m3s4ms`, `-5ms`, `0`, `1h 2m 3s 4ms`, `5,0ms` into ms; `--`/empty → None.

    Values beyond ~27 years (Android's "never") are returned as is; callers compare with
    `NEVER_MS`.
    """
    if token is None:
        return None
    t = token.strip()
    if not t or t in ("--", "-", "never"):
        return None
    if t == "0":
        return 0
    try:
        return _duration_ms(t)
    except (OverflowError, ValueError):  # 5,000-digit runs, `1e400`: corrupt text, no value
        return None


# formatDuration's own shape (`+1h02m10s975ms`, `-5ms`): integer units, one sign. Read with
# integer arithmetic below 2^53, where the float sum of the general path is exact too.
_PLAIN_DURATION = re.compile(r"([+-]?)(?:(\d{1,9})d)?(?:(\d{1,9})h)?(?:(\d{1,9})m)?"
                             r"(?:(\d{1,9})s)?(\d{1,9})ms", re.ASCII)


def _duration_ms(t: str) -> int | None:
    """`parse_duration_ms` on a stripped, non-empty token (may raise on absurd numbers)."""
    p = _PLAIN_DURATION.fullmatch(t)
    if p is not None:
        sign, d, h, mi, s, ms = p.groups()
        total = ((int(d) * 86_400_000 if d else 0) + (int(h) * 3_600_000 if h else 0)
                 + (int(mi) * 60_000 if mi else 0) + (int(s) * 1000 if s else 0) + int(ms))
        if total < 1 << 53:
            return -total if sign == "-" else total
    m = _DURATION_TOKEN.match(t.replace(" ", ""))
    if not m:
        # Fallback: any sequence of <n><unit> parts (e.g. "1h 2m", "-7h -39m -29s -531ms").
        parts = _PART.findall(t)
        if not parts:
            try:
                return int(t)
            except ValueError:
                return None
        total = 0.0
        for num, unit in parts:
            total += float(num.replace(",", ".")) * _UNIT_MS[unit]
        return -int(-total) if t.startswith("-") and total > 0 else int(total)
    # "-7h -39m -29s -531ms" (Samsung) repeats the sign on every unit.
    sign = -1 if m.group("sign") == "-" or "-" in t else 1
    total = 0.0
    for unit in ("d", "h", "m", "s", "ms"):
        v = m.group(unit)
        if v:
            total += abs(float(v.replace(",", "."))) * _UNIT_MS[unit]
    return round(sign * total)


def is_never(ms: int | None) -> bool:
    return ms is None or abs(ms) >= NEVER_MS


_UPTIME_PART = re.compile(r"(?<!\d)(\d+)\s+(week|day|hour|minute|second)s?")
_UPTIME_UNITS = {"week": 604_800_000, "day": 86_400_000, "hour": 3_600_000,
                 "minute": 60_000, "second": 1000}
_TOYBOX_UPTIME = re.compile(r"up\s+(?:(\d+)\s+days?,\s+)?(?:(\d+):(\d+)|(\d+)\s+min)")


def parse_uptime_ms(text: str) -> int | None:
    """`up 0 weeks, 0 days, 3 hours, 1 minute` (dumpstate 9+) or toybox `up 2 days, 3:04`."""
    try:
        return _uptime_ms(text)
    except ValueError:  # digit runs beyond int()'s limit: corrupt header
        return None


def _uptime_ms(text: str) -> int | None:
    """`parse_uptime_ms` proper (may raise on absurd digit runs)."""
    parts = _UPTIME_PART.findall(text)
    if parts:
        return sum(int(n) * _UPTIME_UNITS[u] for n, u in parts)
    m = _TOYBOX_UPTIME.search(text)
    if m:
        days = int(m.group(1) or 0)
        if m.group(2) is not None:
            return days * 86_400_000 + int(m.group(2)) * 3_600_000 + int(m.group(3)) * 60_000
        return days * 86_400_000 + int(m.group(4)) * 60_000
    return None


@dataclass(frozen=True, slots=True)
class Clock:
    """Maps elapsed-realtime ms of one capture to UTC, from one anchor pair.

    `anchor_elapsed_ms` and `anchor_utc_ms` are the same instant on both clocks (best source:
    alarm `nowRTC`/`nowELAPSED`). `utc_offset_min` is the device's local offset where known
    (local wall times printed by the device minus UTC), used to read local timestamps.
    """

    anchor_elapsed_ms: int
    anchor_utc_ms: int
    source: str
    utc_offset_min: int | None = None

    def to_utc_ms(self, elapsed_ms: int) -> int:
        return self.anchor_utc_ms + (elapsed_ms - self.anchor_elapsed_ms)

    def to_datetime(self, elapsed_ms: int) -> datetime:
        return datetime.fromtimestamp(self.to_utc_ms(elapsed_ms) / 1000, tz=UTC)

    def to_elapsed_ms(self, utc_ms: int) -> int:
        return self.anchor_elapsed_ms + (utc_ms - self.anchor_utc_ms)

    def local_to_utc_ms(self, local: datetime) -> int | None:
        """A naive device-local wall time → UTC epoch ms, when the offset is known."""
        if self.utc_offset_min is None:
            return None
        try:
            aware = local.replace(tzinfo=UTC) - timedelta(minutes=self.utc_offset_min)
        except OverflowError:  # year 1 or 9999 shifted out of datetime's range
            return None
        return int(aware.timestamp() * 1000)

    def as_dict(self) -> dict:
        return {
            "anchor_elapsed_ms": self.anchor_elapsed_ms,
            "anchor_utc": datetime.fromtimestamp(self.anchor_utc_ms / 1000, tz=UTC).isoformat(),
            "anchor_utc_ms": self.anchor_utc_ms,
            "utc_offset_min": self.utc_offset_min,
            "source": self.source,
        }


def local_offset_minutes(local: datetime, utc_ms: int) -> int:
    """Device UTC offset from a local wall time and the same instant in UTC, to 15 minutes."""
    delta = (local.replace(tzinfo=UTC).timestamp() * 1000 - utc_ms) / 60_000
    return int(round(delta / 15.0) * 15)
