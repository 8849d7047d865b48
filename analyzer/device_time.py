"""Device time: the history's elapsed axis mapped to wall time segment by segment, and the
device's time zone.

The battery history's time column is elapsed realtime (formats.md §4.5: signed deltas
summed); `TIME:` / `RESET:TIME:` records say what the wall clock read at that instant.
The wall clock jumps (NTP, a user setting it, a board without an RTC starting in 1970),
so one record's wall time cannot be extrapolated across the whole history. Here the axis
stays elapsed time: every record of the current boot maps to UTC through the last clock
record (the clock the capture's `nowRTC` also reads), records of earlier boots through
the clock record of their own segment; each later `TIME:` record that moves the clock is
a clock change, drawn as an annotated break rather than a stretched axis.

The zone: `persist.sys.timezone` (getprop in a bug report) names it, and its real rules
(`zoneinfo`, DST included) convert UTC to local time; without it, the fixed offset read
from the alarm dump's `nowRTC` line; without either, UTC. Every label names its zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import polars as pl

from wakescope.analyzer.plans import ENGINE

# A TIME record that moves the clock by less than this is a tick, not a change.
CLOCK_CHANGE_MIN_MS = 1_000


@lru_cache(maxsize=64)
def _zoneinfo(name: str):
    """The IANA zone `name` (None when unknown to this system's tz database)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


# Marker records where the history restarts, and the word an interval they close gets
# (`closed_by`): the intervals and the clock's screen state both end there.
BOUNDARY = {"reset": "reset", "shutdown": "shutdown", "start": "reboot"}


@dataclass(frozen=True, slots=True)
class Zone:
    """The device's time zone: an IANA name with real rules, else a fixed offset, else UTC."""

    name: str | None = None         # IANA name, when known and valid
    offset_min: int | None = None   # fixed offset when no name is known
    source: str = "none"

    @property
    def polars(self) -> str:
        """The zone as Polars understands it."""
        if self.name:
            return self.name
        if self.offset_min:
            sign = "+" if self.offset_min >= 0 else "-"
            h, m = divmod(abs(self.offset_min), 60)
            return f"{sign}{h:02d}:{m:02d}"
        return "UTC"

    def offset_at(self, utc_ms: int) -> int:
        """The zone's offset from UTC at that instant, minutes (DST included)."""
        if self.name:
            tz = _zoneinfo(self.name)
            off = (datetime.fromtimestamp(utc_ms / 1000, tz=UTC).astimezone(tz).utcoffset()
                   if tz is not None else None)
            return int(off.total_seconds() // 60) if off is not None else 0
        return self.offset_min or 0

    def label(self, utc_ms: int | None = None) -> str:
        """`Europe/Stockholm (UTC+01:00)`, `UTC+08:00 (fixed, from nowRTC)` or `UTC`."""
        if self.name and utc_ms is None:
            return self.name
        off = self.offset_at(utc_ms) if utc_ms is not None else (self.offset_min or 0)
        text = _offset_text(off)
        if self.name:
            return f"{self.name} ({text})"
        if self.offset_min is not None:
            return f"{text} (fixed offset, {self.source})"
        return "UTC"

    def abbrev(self, utc_ms: int) -> str:
        """The zone's abbreviation at that instant (CET, CEST, PDT), else `UTC+hh:mm`."""
        if self.name:
            tz = _zoneinfo(self.name)
            name = datetime.fromtimestamp(utc_ms / 1000, tz=tz).tzname() if tz else None
            if name and not name.startswith(("+", "-")):
                return name
        return _offset_text(self.offset_at(utc_ms)) if (self.name or self.offset_min) \
            else "UTC"

    def local_text(self, utc_ms: int, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
        """A UTC instant as local wall time with its zone abbreviation or offset."""
        off = self.offset_at(utc_ms)
        local = datetime.fromtimestamp(utc_ms / 1000, tz=UTC) + timedelta(minutes=off)
        return f"{local.strftime(fmt)} {self.abbrev(utc_ms)}"

    def transitions(self, start_utc_ms: int, end_utc_ms: int) -> list[tuple[int, int, int]]:
        """(utc ms, offset before, offset after) for each offset change in the range (DST)."""
        if not self.name or end_utc_ms <= start_utc_ms:
            return []
        out = []
        hour = 3_600_000
        t, prev = start_utc_ms, self.offset_at(start_utc_ms)
        while t < end_utc_ms:
            nxt = min(t + hour, end_utc_ms)
            off = self.offset_at(nxt)
            if off != prev:  # bisect the hour to the minute
                lo, hi = t, nxt
                while hi - lo > 60_000:
                    mid = (lo + hi) // 2
                    if self.offset_at(mid) == prev:
                        lo = mid
                    else:
                        hi = mid
                out.append((hi, prev, off))
                prev = off
            t = nxt
        return out


def _offset_text(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "−"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h:02d}:{m:02d}"


def device_zone(meta: Any, clock: Any = None) -> Zone:
    """`persist.sys.timezone` with real rules when this system knows it; else the fixed
    offset the alarm dump's nowRTC line gave; else UTC."""
    name = getattr(meta, "timezone", None)
    if name and _zoneinfo(str(name)) is not None:
        return Zone(name=str(name), source="persist.sys.timezone")
    off = getattr(meta, "utc_offset_min", None)
    if off is None and clock is not None:
        off = getattr(clock, "utc_offset_min", None)
    if off is not None:
        return Zone(offset_min=int(off), source="nowRTC")
    return Zone()


def local_expr(utc: pl.Expr, zone: Zone) -> pl.Expr:
    """A UTC Datetime expression → naive device-local wall time (real rules, DST included)."""
    return utc.dt.convert_time_zone(zone.polars).dt.replace_time_zone(None)


def utc_from_local_expr(local: pl.Expr, zone: Zone) -> pl.Expr:
    """A naive device-local Datetime → UTC (the first of a repeated hour; null in a gap)."""
    return local.dt.replace_time_zone(zone.polars, ambiguous="earliest",
                                      non_existent="null").dt.convert_time_zone("UTC")


# The clock's per-row columns only the history's own tables read while they are built
# (history_intervals, wakeup_chains); `HistoryClock.without` drops them after.
BUILD_COLUMNS = ("elapsed_ms", "on_battery_ms", "screen_off_ms")


@dataclass
class HistoryClock:
    """Per history row (`_i` order, a row's position is its `_i`): `_row`, offset_ms,
    utc_ms and local_ms (device wall time, real zone rules), plus the clock changes, the
    zone and the screen-off time on battery the history covers. As built it also has
    elapsed_ms, on_battery_ms and screen_off_ms (cumulative on-battery and screen-off
    on-battery time before the row), which the history's tables read; the clock kept with
    the analysis (the report draws with it) is without them (`BUILD_COLUMNS`): each is a
    value per history row (issue 19 item 8)."""

    frame: pl.DataFrame
    changes: pl.DataFrame = field(default_factory=pl.DataFrame)
    zone: Zone = field(default_factory=Zone)
    source: str = "none"     # how utc_ms was derived
    axis: str = "relative"   # local (zone known or the history's local clock), utc, relative
    # Screen-off time on battery that the history covers, ms: screen_off_ms at the last
    # record, which adds no time of its own (the wakeup rates' denominator).
    screen_off_battery_ms: int = 0

    def without(self, *columns: str) -> HistoryClock:
        """This clock without those per-row columns (once what read them is built)."""
        return replace(self, frame=self.frame.drop(columns, strict=False))


def _epoch(col: str, df: pl.DataFrame) -> pl.Expr:
    if col not in df.columns:
        return pl.lit(None, pl.Int64)
    return pl.col(col).cast(pl.Datetime("ms")).cast(pl.Int64) if col == "local_time" else \
        pl.col(col).cast(pl.Datetime("ms", "UTC")).dt.epoch("ms")


def has_row(h: pl.DataFrame, kind: str, *names: str) -> pl.Series:
    """Which rows of `h` are of `kind` and one of `names` (Series compares: no plan)."""
    name = h.get_column("name")
    named = name == names[0]
    for n in names[1:]:
        named = named | (name == n)
    return (h.get_column("kind") == kind) & named


def _last_anchor(f: pl.DataFrame, col: str, is_anchor: pl.Series) -> dict | None:
    """`_i`, `offset_ms` and `col` of the last anchor row with `col` known (None: none)."""
    at = is_anchor & f.get_column(col).is_not_null()
    if not at.any():
        return None
    return {c: f.get_column(c).filter(at)[-1] for c in ("_i", "offset_ms", col)}


def history_clock(h: pl.DataFrame, meta: Any = None, clock: Any = None) -> HistoryClock:
    """The time of every row of a history in `_i` order (history_intervals._rows output).
    Three plans: the rows' wall readings, their UTC, the rest; the choices between them
    are made on Series (a plan per check cost ~0.2 ms each, issue 17)."""
    zone = device_zone(meta, clock) if meta is not None else Zone()
    kind, name = pl.col("kind"), pl.col("name")
    is_anchor = has_row(h, "marker", "time", "reset")
    boots = h.get_column("_i").filter(has_row(h, "marker", "start"))
    last_boot = boots.max() if boots.len() else 0
    f = h.with_columns(_wall_utc=_epoch("time", h), _wall_local=_epoch("local_time", h))
    source = "none"
    utc = pl.lit(None, pl.Int64)
    for col, label in (("_wall_utc", "utc"), ("_wall_local", "local")):
        anchor = _last_anchor(f, col, is_anchor)
        if anchor is None:
            continue
        wall = _mapped(col, anchor, last_boot or 0)
        if label == "utc":
            utc, source = wall, "history clock records (UTC)"
        elif zone.name or zone.offset_min is not None:
            local = pl.from_epoch(wall, time_unit="ms")
            utc = utc_from_local_expr(local, zone).dt.epoch("ms")
            source = f"history clock records (local, {zone.label()})"
        break
    f = f.with_columns(utc_ms=utc)
    # Device-local wall time: from UTC through the zone's real rules; else the history's own
    # local clock records (human form without a zone), mapped like UTC above.
    if f["utc_ms"].null_count() < f.height:
        local = local_expr(pl.from_epoch("utc_ms", time_unit="ms").dt.replace_time_zone("UTC"),
                           zone).dt.epoch("ms")
        axis = "local" if (zone.name or zone.offset_min is not None) else "utc"
    else:
        anchor = _last_anchor(f, "_wall_local", is_anchor)
        local = pl.col("_wall_local") if anchor is None else _mapped(
            "_wall_local", anchor, last_boot or 0)
        axis = "local"
        if f["_wall_local"].null_count() == f.height:
            local, axis = pl.lit(None, pl.Int64), "relative"
        elif source == "none":
            source = "history clock records (local, zone unknown)"
    current = pl.col("_i") >= (last_boot or 0)
    if clock is not None:
        base = int(clock.anchor_elapsed_ms) - int(clock.anchor_utc_ms)
        el = pl.col("utc_ms") + base
        elapsed = pl.when(current & (el >= 0)).then(el)
    elif "elapsed_ms" in f.columns:
        elapsed = pl.col("elapsed_ms")
    else:
        elapsed = pl.lit(None, pl.Int64)
    # On-battery time: not plugged (plugged bit, else the `plug=` battery field).
    plugged_bit = (kind == "state") & (name == "plugged")
    if has_row(h, "state", "plugged").any():
        plug = pl.when(plugged_bit).then(pl.col("transition") == "start")
    else:
        plug = pl.when((kind == "battery") & (name == "plug")).then(
            ~pl.col("value").fill_null("none").is_in(["none", "n"]))
    frame = f.lazy().with_columns(
        local_ms=local,
        elapsed_ms=elapsed,
        _plugged=plug.forward_fill().fill_null(False),
        _dur=(pl.col("offset_ms").shift(-1) - pl.col("offset_ms")).clip(lower_bound=0)
        .fill_null(0),
        # The screen as the intervals have it: on from `+screen` to `-screen` or to a
        # boundary. The state bits start again from 0 there: `RESET` resets the printer's
        # previous state (formats.md §4.3), and after `START` the first record prints
        # `+running` though the CPU ran up to the `SHUTDOWN` (xiaomi 15, Android 15:
        # `+5h12m00s369ms (4) 042 status=discharging … +running`).
        _screen=pl.when((kind == "state") & (name == "screen"))
        .then(pl.col("transition") == "start")
        .when((kind == "marker") & name.is_in(list(BOUNDARY))).then(False)
        .forward_fill().fill_null(False),
    ).with_columns(
        _batt=pl.col("_dur") * (~pl.col("_plugged")).cast(pl.Int64),
    ).with_columns(
        _off=pl.col("_batt") * (~pl.col("_screen")).cast(pl.Int64),
    ).select("_row", "offset_ms", "utc_ms", "local_ms", "elapsed_ms",
             on_battery_ms=pl.col("_batt").cum_sum() - pl.col("_batt"),
             screen_off_ms=pl.col("_off").cum_sum() - pl.col("_off")).collect(engine=ENGINE)
    off = frame.get_column("screen_off_ms")
    return HistoryClock(frame, _clock_changes(f), zone, source, axis,
                        screen_off_battery_ms=int(off[-1] or 0) if off.len() else 0)


def _mapped(col: str, anchor: dict, last_boot: int) -> pl.Expr:
    """Wall time of `col`'s clock per row: the current boot through its last clock record
    (`anchor`, `_last_anchor`), earlier boots through their own segment's."""
    if anchor["_i"] < last_boot:
        return pl.col(col)
    mapped = pl.lit(anchor[col] - anchor["offset_ms"]) + pl.col("offset_ms")
    return pl.when(pl.col("_i") >= last_boot).then(mapped).otherwise(pl.col(col))


def _clock_changes(f: pl.DataFrame) -> pl.DataFrame:
    """`TIME:` records that moved the device's clock: where (offset, axis UTC) and by how
    much (`jump_ms`: the new reading minus the old clock carried forward)."""
    col = "_wall_utc" if f["_wall_utc"].null_count() < f.height else "_wall_local"
    m = f.filter(has_row(f, "marker", "time", "reset", "start"))
    if m.height < 2 or m[col].null_count() == m.height:
        return pl.DataFrame(schema={"offset_ms": pl.Int64, "utc_ms": pl.Int64,
                                    "jump_ms": pl.Int64, "clock_before_ms": pl.Int64,
                                    "clock_after_ms": pl.Int64, "row": pl.UInt32})
    carried = pl.col("_prev_wall") + (pl.col("offset_ms") - pl.col("_prev_off"))
    # After a boot the clock restarts from the RTC: every reading there is a change.
    return m.lazy().with_columns(
        _prev_wall=pl.col(col).shift(1), _prev_off=pl.col("offset_ms").shift(1),
        _prev_name=pl.col("name").shift(1),
    ).filter((pl.col("name") == "time") & pl.col(col).is_not_null()
             & pl.col("_prev_wall").is_not_null()).with_columns(
        clock_before_ms=carried, clock_after_ms=pl.col(col),
        jump_ms=pl.col(col) - carried,
    ).filter(pl.col("jump_ms").abs() >= CLOCK_CHANGE_MIN_MS).select(
        "offset_ms", "utc_ms", "jump_ms", "clock_before_ms", "clock_after_ms",
        pl.col("_row").alias("row")).collect(engine=ENGINE)


@dataclass
class Axis:
    """A history's drawing axis: elapsed time, placed so that its last record sits at its
    device-local wall time; `shifts` turn an axis position back into the wall time the
    record really had (earlier boots, clock jumps, DST), zone named."""

    kind: str                 # local, utc, relative
    x0: int                   # axis ms of history offset 0
    title: str
    shifts: list[tuple[int, int, str]] = field(default_factory=list)
    # (history offset from which, ms to add to the axis for the wall time, zone abbreviation)

    def x(self, offset_ms: int) -> int:
        return self.x0 + offset_ms


MAX_SHIFTS = 2000


def history_axis(hc: HistoryClock) -> Axis:
    """The axis of a history clock (see `Axis`)."""
    f = hc.frame
    known = f.filter(pl.col("local_ms").is_not_null())
    if hc.axis == "relative" or known.is_empty():
        return Axis("relative", 0, "hours since the history began (no wall clock in this "
                                   "capture)")
    last = known.row(known.height - 1, named=True)
    x0 = int(last["local_ms"]) - int(last["offset_ms"])
    if hc.axis == "utc":
        title = "UTC (device time zone unknown)"
    elif last["utc_ms"] is None:
        title = "device local time (time zone unknown)"
    else:
        title = f"device local time, {hc.zone.label(int(last['utc_ms']))}"
    runs = known.select(
        "offset_ms", "utc_ms",
        delta=pl.col("local_ms") - (pl.lit(x0) + pl.col("offset_ms")),
    ).filter((pl.col("delta") != pl.col("delta").shift(1)).fill_null(True))
    shifts = []
    for off, utc, delta in runs.head(MAX_SHIFTS).iter_rows():
        abbrev = hc.zone.abbrev(int(utc)) if utc is not None and hc.axis == "local" else (
            "UTC" if hc.axis == "utc" else "local")
        shifts.append([int(off), int(delta), abbrev])
    # A DST change takes effect at its instant, not at the next record.
    if last["utc_ms"] is not None and hc.zone.name:
        utc0 = int(last["utc_ms"]) - int(last["offset_ms"])  # the current boot's mapping
        for at, before, after in hc.zone.transitions(utc0 + shifts[0][0], int(last["utc_ms"])):
            t_off = at - utc0
            for i in range(1, len(shifts)):
                step = shifts[i][1] - shifts[i - 1][1]
                if shifts[i][0] >= t_off and step == (after - before) * 60_000:
                    shifts[i][0] = max(t_off, shifts[i - 1][0])
                    break
    return Axis("local" if hc.axis == "local" else hc.axis, x0, title,
                [(o, d, z) for o, d, z in shifts])
