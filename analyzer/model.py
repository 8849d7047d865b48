"""The types every layer shares: severities and their order, the normalisation periods,
`Analysis` (the analysed capture that reports, batch and CLI read) and `FleetSummary` (what
batch aggregation builds and the fleet page shows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from wakescope.parsers import Capture

HOUR_MS = 3_600_000
DAY_MS = 86_400_000

SEVERITIES = ("high", "medium", "low", "info")
# high → 0 … info → 3: sort keys and "at least" comparisons.
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def severity_counts(severities) -> dict[str, int]:
    """Findings per severity, every severity present (unknown ones count as info)."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for sev in severities:
        counts[sev if sev in counts else "info"] += 1
    return counts


def worst_severity(severities) -> str | None:
    """The most severe of `severities`, None when there is none."""
    ranks = [SEVERITY_RANK[s] for s in severities if s in SEVERITY_RANK]
    return SEVERITIES[min(ranks)] if ranks else None


def at_least(severity: str | None, level: str) -> bool:
    """Is `severity` at `level` or worse (`--fail-on`)?"""
    return severity in SEVERITY_RANK and SEVERITY_RANK[severity] <= SEVERITY_RANK[level]


@dataclass
class Periods:
    """The time spans figures are normalised by, and where each came from."""

    battery_ms: int | None = None        # time on battery (batterystats summary)
    screen_off_ms: int | None = None     # screen-off time on battery
    since_boot_ms: int | None = None     # elapsed realtime at capture (alarm stats span)
    summary_source: str | None = None


@dataclass
class Analysis:
    """The analysed capture: attributed tables, findings, apps and attribution coverage."""

    capture: Capture
    tables: dict[str, pl.DataFrame]   # capture tables + api/component/rule, findings, apps
    findings: pl.DataFrame            # analyzer.tables.FINDINGS, sorted high→info, by value
    apps: pl.DataFrame                # analyzer.tables.APPS
    period_ms: int | None             # stats period used for normalisation (time on battery)
    coverage: dict                    # attribution coverage (see attribution.coverage)
    energy: dict | None = None        # passes.energy.budget: the energy budget + screen off
    # The battery history's clock (passes.history_intervals.HistoryClock) built with the
    # history tables, so the report's timeline and wakeup views do not build it again.
    history_clock: object | None = field(default=None, repr=False, compare=False)
    # Report facts built once per analysis (report.facts.header: one run's HTML, Markdown
    # and JSON all show it); the tables do not change after `analyse` returns. Not copied
    # by `dataclasses.replace`, which may give the copy other tables.
    memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)


@dataclass
class FleetSummary:
    """Everything index.html shows, as frames (a notebook user gets the same figures)."""

    out_dir: Path
    captures: pl.DataFrame
    apps: pl.DataFrame  # per package over the fleet
    app_values: pl.DataFrame  # per capture × package: the distributions
    wakelock_tags: pl.DataFrame  # per package × tag: partial wakelock time
    alarm_tags: pl.DataFrame  # per package × tag: wakeup alarms
    findings: pl.DataFrame  # per finding kind × package: captures and devices
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(
        timespec="seconds"))

    @property
    def counts(self) -> dict[str, int]:
        c = dict(self.captures.group_by("status").len().iter_rows())
        return {s: c.get(s, 0) for s in ("ok", "partial", "failed", "error")}

    @property
    def analysed(self) -> pl.DataFrame:
        """Captures that parsed (ok or partial): the denominator of fleet means."""
        return self.captures.filter(pl.col("status").is_in(["ok", "partial"]))

    @property
    def devices(self) -> int:
        return self.analysed.get_column("device_uid").n_unique()
