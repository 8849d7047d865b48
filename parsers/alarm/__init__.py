"""`dumpsys alarm` parser (Android 7–16 and OEM builds): pending alarms, stats, state.

    >>> tables = parse(SectionInput.from_text("alarm", text))
    >>> tables["alarm_pending"], tables["alarm_stats"], tables["alarm_top"]

Modules: `walker` (block dispatch), `pending` (batches, store and each alarm's lines),
`stats` (Top Alarms, Alarm Stats), `state` (settings, histories, problems), `flags`
(types and FLAG_* names), `times` (the dump's own nowRTC/nowELAPSED clock).
"""

from __future__ import annotations

from wakescope.parsers.alarm.schema import (
    EXACT_PERMISSION,
    PENDING,
    PROBLEMS,
    SETTINGS,
    STATS,
    TABLES,
    TOP,
    WAKEUP_HISTORY,
)
from wakescope.parsers.alarm.times import clock_from_lines
from wakescope.parsers.alarm.walker import Walker
from wakescope.parsers.section_input import SectionInput

__all__ = ["TABLES", "parse"]


def parse(inp: SectionInput) -> dict:
    """Parse one alarm section into the tables declared in `schema.py`."""
    meta_now = inp.meta.service_now.get("alarm") if inp.meta is not None else None
    clock = clock_from_lines(inp.lines, meta_now)
    if clock is None:
        inp.diagnostics.warning("missing_clock", inp.name,
                                "no nowRTC/nowELAPSED line: absolute times are null",
                                inp.first_line)
    walker = Walker(inp, clock)
    walker.run()
    pending_rows = walker.pending_rows()
    stats_rows = walker.stats.finish(clock)
    walker.fill_uids(pending_rows, stats_rows)
    if walker.redact:
        from wakescope.parsers.alarm.state import redact

        for r in stats_rows + walker.top.rows:
            r["tag"] = redact(r.get("tag"))
    return {
        PENDING.name: PENDING.frame(pending_rows),
        STATS.name: STATS.frame(stats_rows),
        TOP.name: TOP.frame(walker.top.rows),
        WAKEUP_HISTORY.name: WAKEUP_HISTORY.frame(walker.history),
        SETTINGS.name: SETTINGS.frame(walker.settings),
        PROBLEMS.name: PROBLEMS.frame(walker.problems),
        EXACT_PERMISSION.name: EXACT_PERMISSION.frame(list(walker.exact.values())),
    }
