"""The human blocks that are recognised but not tabulated: `Per-PID Stats:`, `Discharge step
durations:` / `Charge step durations:` and `Daily stats:` (formats.md §4.1).

Their lines have few shapes (AOSP `BatteryStats.dumpLocked`, `dumpDurationSteps`,
`dumpTimeEstimate`, `dumpDailyLevelStepSummary`, `dumpDailyPackageChanges`), so each block
is checked line by line against them with one vectorised `str.contains`; any other line
is junk (a corrupt or unknown OEM dump) and is counted as unknown, not skipped unseen.
"""

from __future__ import annotations

import polars as pl

# Polars regexes are Rust `regex`, where `\d` is any Unicode digit: patterns spell [0-9].
# TimeUtils.formatDuration (`+1h2m3s4ms`, `0`, negative with `-`).
_DURATION = r"(?:0|[+-]?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?[0-9]+ms)"
# BatteryStats.formatTimeMs (`1d 2h 3m 4s 5ms `, trailing space; Samsung signs every unit).
_TIME_MS = r"(?:-?[0-9]+d )?(?:-?[0-9]+h )?(?:-?[0-9]+m )?(?:-?[0-9]+s )?-?[0-9]+ms ?"
# DateFormat "yyyy-MM-dd-HH-mm-ss".
_WALL = r"[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2}"
# dumpDurationSteps: the step's initial modes where they did not change during the step.
_MODE = r"(?:screen-(?:off|on|doze|doze-suspend|\?)|power-save-(?:on|off)|device-idle-(?:on|off))"
# `#<i>: <duration> to <level> (<modes>)`; 5.0 printed only `#<i>: <duration>`.
_STEP = rf"#[0-9]+: {_DURATION}(?: to -?[0-9]+(?: \({_MODE}(?:, {_MODE})*\))?)?"
# STEP_LEVEL_MODE_LABELS (`screen off`, `screen doze-suspend device idle`, …).
_LABEL = r"screen (?:off|on|doze|doze-suspend)(?: power save| device idle)?"
_BLANK = r"\s*"

_SHAPES = {
    # `  PID <pid> wake time: <formatDuration>` (mPidStats, ≤ 9).
    "pid": [rf"PID [0-9]+ wake time: {_DURATION}"],
    "steps": [
        _STEP,
        rf"Estimated (?:discharge|charge) time remaining: {_DURATION}",
        rf"Estimated {_LABEL} time: {_TIME_MS}",
    ],
    "daily": [
        rf"(?:Current start time|Next min deadline|Next max deadline): {_WALL}",
        r"Current daily (?:discharge |charge )?step(?:s| durations):",
        rf"Daily from {_WALL} to {_WALL}:",
        r"(?:Discharge|Charge) step durations:",
        _STEP,
        rf"(?:Discharge|Charge) (?:total|{_LABEL}) time: {_TIME_MS} \(from [0-9]+ steps\)",
        r"Package changes:",
        r"Update \S+ vers=-?[0-9]+",
        r"Uninstall \S+",
    ],
}
_PATTERNS = {kind: rf"^ *(?:{'|'.join(shapes)}) *$|^{_BLANK}$" for kind, shapes in
             _SHAPES.items()}

# Column-0 headers of these blocks → their kind.
HEADERS = {
    "Per-PID Stats:": "pid",
    "Discharge step durations:": "steps",
    "Charge step durations:": "steps",
    "Daily stats:": "daily",
}


def unknown_in_blocks(series: pl.Series, blocks: list[tuple[str, int, int]]) -> list[int]:
    """Indexes into `series` of the lines inside `blocks` ((kind, header, end) ranges, the
    header excluded) that have none of their block's shapes."""
    out: list[int] = []
    for kind, start, end in blocks:
        body = series.slice(start + 1, end - start - 1)
        if body.len() == 0:
            continue
        bad = (~body.str.contains(_PATTERNS[kind])).arg_true()
        out += (bad + start + 1).to_list()
    return out
