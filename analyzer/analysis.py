"""Capture → Analysis: attribute every row to its API, run the passes, build findings/apps.

    >>> from wakescope import parsers
    >>> from wakescope.analyzer.analysis import analyse
    >>> result = analyse(parsers.load("bugreport.zip"))
    >>> result.findings.select("severity", "kind", "package", "value", "unit")
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from wakescope import parsers
from wakescope.analyzer.attribution import attribute, coverage, uid_names
from wakescope.analyzer.knowledge import RuleSet, load_rules
from wakescope.analyzer.model import SEVERITY_RANK, Analysis, Periods
from wakescope.analyzer.passes import PASSES, jobs
from wakescope.analyzer.passes.context import Context
from wakescope.analyzer.tables import APPS, FINDINGS

SECTION = "analysis"


def _periods(cap: parsers.Capture, tables: dict[str, pl.DataFrame]) -> Periods:
    p = Periods(since_boot_ms=cap.meta.elapsed_realtime_ms)
    summary = tables.get("batterystats_summary")
    if summary is not None and summary.height:
        row = summary.row(0, named=True)
        p.battery_ms = row.get("battery_realtime_ms") or None
        p.screen_off_ms = row.get("screen_off_realtime_ms")
        p.summary_source = row.get("source")
    return p


def _sorted(findings: list[dict]) -> pl.DataFrame:
    if not findings:
        return FINDINGS.empty()
    # Rounded to 9 significant digits: multi-threaded float sums differ in the last bits,
    # and the same input must give the same output on every run.
    df = FINDINGS.frame(findings).with_columns(
        pl.col("value").round_sig_figs(9), pl.col("threshold").round_sig_figs(9),
        pl.col("energy_mah").round_sig_figs(9))
    rank = SEVERITY_RANK
    return (df.with_columns(pl.col("severity").replace_strict(rank, default=len(rank))
                            .alias("_rank"))
            # Within a severity, the energy a finding explains first (DESIGN principle 10).
            .sort(["_rank", "energy_mah", "value", "kind", "id"],
                  descending=[False, True, True, False, False], nulls_last=True)
            .drop("_rank"))


def history_tables(cap: parsers.Capture, tables: dict[str, pl.DataFrame],
                   clocks: list | None = None) -> dict[str, pl.DataFrame]:
    """history_intervals and wakeup_chains from the attributed battery history (`clocks`,
    when given, receives the history's clock)."""
    from wakescope.analyzer.passes.history_intervals import build_all

    h = tables.get("batterystats_history")
    if h is None or h.is_empty():
        return {}
    try:
        built = build_all(h.with_row_index("_row"), cap.meta, cap.clock)
    except Exception as exc:  # the history's derived tables must not stop the analysis
        cap.diagnostics.error("analysis_failed", SECTION,
                              f"history intervals failed: {type(exc).__name__}: "
                              f"{exc}")
        return {}
    if clocks is not None:
        clocks.append(built.clock)
    return {"history_intervals": built.intervals, "wakeup_chains": built.chains}


def run_passes(ctx: Context, passes=PASSES) -> list[dict]:
    """Run each pass; a pass that raises becomes a diagnostic and the others go on."""
    found: list[dict] = []
    for module in passes:
        name = module.__name__.rpartition(".")[2]
        try:
            found.extend(module.run(ctx))
        except Exception as exc:  # passes are independent: one failure must not stop the rest
            ctx.cap.diagnostics.error("pass_failed", SECTION,
                                      f"pass {name} failed: {type(exc).__name__}: {exc}")
    return found


def analyse(cap: parsers.Capture, rules: Path | None = None) -> Analysis:
    """Attribute the capture's rows, run every pass, and build the findings and apps tables.

    Raises `wakescope.analyzer.knowledge.RulesError` (an `InputError`) when `rules` is not a
    valid rules file; never raises for content.
    """
    ruleset: RuleSet = load_rules(rules)
    names: pl.DataFrame | None = None
    try:
        # Attribution adds columns only: the uid → package map is the same before and after.
        names = uid_names(cap.tables, ruleset)
        tables = attribute(cap.tables, ruleset, names)
    except Exception as exc:  # attribution must not take the capture down with it
        cap.diagnostics.error("analysis_failed", SECTION,
                              f"attribution failed: {type(exc).__name__}: {exc}")
        tables = dict(cap.tables)
    clocks: list = []
    tables.update(history_tables(cap, tables, clocks))
    if names is None:
        names = uid_names(tables, ruleset)
    ctx = Context(cap=cap, tables=tables, rules=ruleset, periods=_periods(cap, tables),
                  names=names)
    try:
        jobs.annotate(ctx)  # job status and wait reasons: the one answer every output shows
    except Exception as exc:
        cap.diagnostics.error("analysis_failed", SECTION,
                              f"job status failed: {type(exc).__name__}: {exc}")
    from wakescope.analyzer.passes import scope

    findings = _sorted(scope.apply(ctx, run_passes(ctx)))
    try:
        from wakescope.analyzer.passes.apps import build_apps

        apps = build_apps(ctx, findings)
    except Exception as exc:
        cap.diagnostics.error("analysis_failed", SECTION,
                              f"apps table failed: {type(exc).__name__}: {exc}")
        apps = APPS.empty()
    try:
        cov = coverage(tables)
    except Exception as exc:
        cap.diagnostics.error("analysis_failed", SECTION,
                              f"coverage failed: {type(exc).__name__}: {exc}")
        cov = {}
    out_tables = dict(tables)
    out_tables["findings"] = findings
    out_tables["apps"] = apps
    return Analysis(capture=cap, tables=out_tables, findings=findings, apps=apps,
                    period_ms=ctx.periods.battery_ms, coverage=cov, energy=_energy(ctx),
                    history_clock=clocks[0] if clocks else None)


def _energy(ctx: Context) -> dict | None:
    """The energy budget with its headline (passes.energy); None when the dump has none."""
    try:
        from wakescope.analyzer.passes.energy_report import report

        return report(ctx)
    except Exception as exc:
        ctx.cap.diagnostics.error("analysis_failed", SECTION,
                                  f"energy budget failed: {type(exc).__name__}: {exc}")
        return None
