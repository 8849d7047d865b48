"""Analysis passes: one module per concern, each `run(ctx) -> list[dict]` of findings.

A pass reads the attributed tables in `ctx.tables` (`passes.context.Context`), compares
figures with the thresholds in knowledge/recommendations.toml and returns finding rows built
with `ctx.finding(...)`. Passes are independent: `analysis.run_passes` runs each in turn and
turns a failure into a diagnostic.
"""

from wakescope.analyzer.passes import (
    alarm_deferral,
    energy,
    foreground_services,
    jobs,
    kernel,
    location,
    power,
    screen_off,
    syncs,
    wakelocks,
    wakeups,
)

# The order findings are produced in (ties in the findings sort keep it).
PASSES = (energy, wakelocks, wakeups, jobs, alarm_deferral, syncs, foreground_services, location,
          power, kernel, screen_off)

__all__ = ["PASSES"]
