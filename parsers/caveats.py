"""Degenerate captures: the checks that qualify a whole input (cut off, never on battery,
history overflowed, clock set many times, many reboots, an emulator), each a diagnostic with
its code, so every output can say so above the findings (docs/diagnostics.md)."""

from __future__ import annotations

import re

from wakescope.parsers.capture import Capture

# dumpstate ends every complete run with `== dumpstate: done` (7.x) or
# `== dumpstate: done (id <n>)` (8+), followed by a few trailing lines (formats.md §1).
_DONE = "== dumpstate: done"
# BatteryStatsImpl prints `Battery History (<n>% used, …)`; at 100 % and above the oldest
# records were dropped (BatteryStatsHistory: the buffer is full, formats.md §7).
_HISTORY_USE = re.compile(r"Battery History (?:\[Format: \d+\] )?\((\d+)% used")
# Emulator system properties: goldfish (≤ 9) and ranchu kernels set ro.kernel.qemu, and
# 12+ images ro.boot.qemu (android-emulator init scripts).
_EMULATOR_PROPS = ("[ro.kernel.qemu]: [1]", "[ro.boot.qemu]: [1]", "[ro.hardware]: [ranchu]",
                   "[ro.hardware]: [goldfish]")

# Thresholds for "many": a TIME record is written on every wall-clock set
# (BatteryStatsImpl.noteCurrentTimeChangedLocked) and after each START, so clock changes are
# TIME records beyond the START ones.
CLOCK_CHANGES_MIN = 5
REBOOTS_MIN = 3
# Under an hour on battery, per-hour and per-24 h rates rest on a few events.
SHORT_WINDOW_MS = 3_600_000


def check_text(cap: Capture, props: tuple[str, int] | None = None) -> None:
    """The caveats the text alone shows (container stage, so `info` says them too).
    `props`: the getprop output (SYSTEM PROPERTIES text, its first line), when the input
    has it."""
    _truncated(cap)
    _emulator(cap, props)
    _history_use(cap)


def check_tables(cap: Capture) -> None:
    """The caveats the parsed tables show (time on battery, history markers)."""
    _battery_window(cap)
    _history_markers(cap)


def _truncated(cap: Capture) -> None:
    if cap.kind == "bugreport" and not cap.has_text(_DONE):
        cap.diagnostics.warning(
            "truncated_input", "container",
            "the bug report has no closing `== dumpstate: done` banner: it was cut off, so "
            "whatever came after the cut is missing")


def _emulator(cap: Capture, props: tuple[str, int] | None) -> None:
    """The properties are getprop lines: a bug report has them in its SYSTEM PROPERTIES
    section, searched alone; other inputs are searched whole."""
    if props is not None:
        text, first_line = props
        found = {p: first_line + text.count("\n", 0, at)
                 for p in _EMULATOR_PROPS if (at := text.find(p)) >= 0}
    else:
        found = cap.find_any(_EMULATOR_PROPS)  # one pass over the text, not one per property
    for prop in _EMULATOR_PROPS:
        line = found.get(prop)
        if line is not None:
            cap.diagnostics.warning(
                "emulator", "container",
                f"captured on an emulator (`{prop}`): battery level, drain and power figures "
                "are simulated; app activity is real", line)
            return


def _history_use(cap: Capture) -> None:
    for section in (s for s in cap.sections if s.name == "batterystats"):
        head = cap.section_head(section, 4096)
        m = _HISTORY_USE.search(head)
        if m and int(m.group(1)) >= 100:
            line = section.first_line + head.count("\n", 0, m.start())
            cap.diagnostics.warning(
                "history_overflow", "batterystats",
                f"the battery history buffer is {m.group(1)} % used: its oldest records were "
                "dropped, so the timeline starts after the stats reset", line)
            return


def _battery_window(cap: Capture) -> None:
    summary = cap.tables.get("batterystats_summary")
    if summary is None or summary.height == 0:
        return
    on_battery = summary.get_column("battery_realtime_ms")[0]
    if on_battery is None:
        return
    if on_battery == 0:
        cap.diagnostics.warning(
            "not_on_battery", "batterystats",
            "`Time on battery: 0ms`: the device was on the charger for the whole stats window, "
            "so there is no battery drain to explain")
    elif on_battery < SHORT_WINDOW_MS:
        cap.diagnostics.info(
            "short_window", "batterystats",
            f"only {on_battery / 60_000:.1f} min on battery: rates and 24 h projections "
            "rest on a few events")


def _history_markers(cap: Capture) -> None:
    import polars as pl  # only once tables exist (`info` stays light)

    history = cap.tables.get("batterystats_history")
    if history is None or history.height == 0:
        return
    markers = (history.filter(pl.col("kind") == "marker").get_column("name")
               .value_counts().rows())
    counts = dict(markers)
    starts, times = counts.get("start", 0), counts.get("time", 0)
    if counts.get("overflow", 0) and not any(d.code == "history_overflow"
                                             for d in cap.diagnostics.items):
        cap.diagnostics.warning(
            "history_overflow", "batterystats",
            "the battery history holds an `*OVERFLOW*` record: records were dropped there")
    if times - starts >= CLOCK_CHANGES_MIN:
        cap.diagnostics.info(
            "clock_changes", "batterystats",
            f"the wall clock was set {times - starts} times in the battery history "
            f"({times} TIME records, {starts} START): clock times of history events step "
            "where it was set")
    if starts >= REBOOTS_MIN:
        cap.diagnostics.info(
            "reboots", "batterystats",
            f"the device started {starts} times in the battery history (START records): "
            "per-boot counters restarted and the window spans several boots")
