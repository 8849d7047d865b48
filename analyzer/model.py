"""The types every layer shares: severities and their order, the normalisation periods,
and `Analysis`, the analysed capture that reports, batch and CLI read."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from wakescope.parsers import Capture

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
