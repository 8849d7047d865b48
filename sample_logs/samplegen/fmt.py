"""Print primitives shared by the dump writers, each a copy of the AOSP helper's output shape.

See ../shared/docs/formats.md §0.2: `TimeUtils.formatDuration`, `BatteryStats.formatTimeMs`,
`formatCharge`, `UserHandle.formatUid` and the date formats each service uses.
"""

from __future__ import annotations

from datetime import datetime, timedelta

UTC_OFFSET = timedelta(hours=1)  # the device is in Europe/Berlin in March: CET, UTC+1


def block(text: str) -> list[str]:
    """Lines of a literal dump excerpt; `~` marks a significant trailing space (the
    `key=value ` shape of IndentingPrintWriter.print(key, value), formats.md §0.2)."""
    return text.replace("~", " ").split("\n")


def duration(ms: int) -> str:
    """`TimeUtils.formatDuration(ms)`: `0`, `+5ms`, `+1h0m0s0ms`, `-2m3s4ms`."""
    if ms == 0:
        return "0"
    sign = "+" if ms > 0 else "-"
    ms = abs(ms)
    d, rest = divmod(ms, 86_400_000)
    h, rest = divmod(rest, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    out = [sign]
    started = False
    for value, unit in ((d, "d"), (h, "h"), (m, "m"), (s, "s")):
        if value or started:
            out.append(f"{value}{unit}")
            started = True
    out.append(f"{milli}ms")
    return "".join(out)


def duration_since(when: int, now: int) -> str:
    """`TimeUtils.formatDuration(time, now)`: `--` for 0 ("never"), else `time - now`."""
    return "--" if when == 0 else duration(when - now)


def duration_padded(ms: int, width: int = 19) -> str:
    """`formatDuration` with `HUNDRED_DAY_FIELD_LEN`: right-aligned, later fields zero-padded
    (battery history time column and job history: `+1m02s003ms`)."""
    if ms == 0:
        return "0".rjust(width)
    sign = "+" if ms > 0 else "-"
    ms = abs(ms)
    d, rest = divmod(ms, 86_400_000)
    h, rest = divmod(rest, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    out = [sign]
    started = False
    for value, unit in ((d, "d"), (h, "h"), (m, "m"), (s, "s")):
        if value or started:
            out.append(f"{value:02d}{unit}" if started else f"{value}{unit}")
            started = True
    out.append(f"{milli:03d}ms" if started else f"{milli}ms")
    return "".join(out).rjust(width)


def time_ms(ms: int) -> str:
    """`BatteryStats.formatTimeMs`: `1h 2m 3s 4ms ` (trailing space; smaller units follow a
    larger one even when zero)."""
    d, rest = divmod(ms, 86_400_000)
    h, rest = divmod(rest, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    out = []
    started = False
    for value, unit in ((d, "d"), (h, "h"), (m, "m"), (s, "s")):
        if value or started:
            out.append(f"{value}{unit} ")
            started = True
    out.append(f"{milli}ms ")
    return "".join(out)


def charge(mah: float) -> str:
    """`BatteryStats.formatCharge` (Locale.ENGLISH): about three significant digits."""
    if mah == 0:
        return "0"
    if mah < 0.00001:
        return f"{mah:.8f}"
    for bound, fmt in ((0.0001, ".7f"), (0.001, ".6f"), (0.01, ".5f"), (0.1, ".4f"),
                       (1, ".3f"), (10, ".2f"), (100, ".1f")):
        if mah < bound:
            return format(mah, fmt)
    return f"{mah:.0f}"


def uid(value: int) -> str:
    """`UserHandle.formatUid`: `1000`, `u0a151`, `u10a45`."""
    user, app = divmod(value, 100_000)
    if app < 10_000 and user == 0:
        return str(value)
    if app >= 10_000:
        return f"u{user}a{app - 10_000}"
    return f"u{user}s{app}"


def pct(part: int, whole: int) -> str:
    """`(12.3%)`-style percentage text used next to batterystats timers."""
    return f"{100.0 * part / whole:.1f}%" if whole else "0.0%"


class WallClock:
    """Maps elapsed-realtime ms of the capture to device-local and UTC wall time."""

    def __init__(self, boot_local: datetime) -> None:
        self.boot_local = boot_local

    def local(self, elapsed: int) -> datetime:
        return self.boot_local + timedelta(milliseconds=elapsed)

    def epoch_ms(self, elapsed: int) -> int:
        utc = self.local(elapsed) - UTC_OFFSET
        return round((utc - datetime(1970, 1, 1)).total_seconds() * 1000)

    def elapsed(self, local: datetime) -> int:
        return round((local - self.boot_local).total_seconds() * 1000)

    # Date shapes, by service (formats.md §1.2, §2.2, §3.2, §4.3).
    def dumpstate(self, elapsed: int) -> str:
        return self.local(elapsed).strftime("%Y-%m-%d %H:%M:%S")

    def alarm(self, elapsed: int) -> str:
        t = self.local(elapsed)
        return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"

    def history(self, elapsed: int) -> str:
        return self.local(elapsed).strftime("%Y-%m-%d-%H-%M-%S")
