"""Capture → Analysis: attribute every row to its API, run the passes, build findings/apps.

    >>> import parsers
    >>> from analyzer.analysis import analyse
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
from wakescope.analyzer.passes import PASSES
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
        pl.col("value").round_sig_figs(9), pl.col("threshold").round_sig_figs(9))
    rank = SEVERITY_RANK
    return (df.with_columns(pl.col("severity").replace_strict(rank, default=len(rank))
                            .alias("_rank"))
            .sort(["_rank", "value", "kind", "id"], descending=[False, True, False, False],
                  nulls_last=True)
            .drop("_rank"))


def run_passes(ctx: Context, passes=PASSES) -> list[dict]:
    """Run each pass; a pass that raises becomes a diagnostic and the others go on."""
    found: list[dict] = []
    for module in passes:
        name = module.__name__.rpartition(".")[2]
        try:
            found.extend(module.run(ctx))
        except Exception as exc:  # passes are independent: one failure must not stop the rest
            ctx.cap.diagnostics.error(SECTION, f"pass {name} failed: {type(exc).__name__}: "
                                      f"{exc}")
    return found


def analyse(cap: parsers.Capture, rules: Path | None = None) -> Analysis:
    """Attribute the capture's rows, run every pass, and build the findings and apps tables.

    Raises `analyzer.rules.RulesError` (an `InputError`) when `rules` is not a valid rules
    file; never raises for content.
    """
    ruleset: RuleSet = load_rules(rules)
    try:
        tables = attribute(cap.tables, ruleset)
    except Exception as exc:  # attribution must not take the capture down with it
        cap.diagnostics.error(SECTION, f"attribution failed: {type(exc).__name__}: {exc}")
        tables = dict(cap.tables)
    names = uid_names(tables, ruleset)
    ctx = Context(cap=cap, tables=tables, rules=ruleset, periods=_periods(cap, tables),
                  names=names)
    from wakescope.analyzer.passes import scope

    findings = _sorted(scope.apply(ctx, run_passes(ctx)))
    try:
        from wakescope.analyzer.passes.apps import build_apps

        apps = build_apps(ctx, findings)
    except Exception as exc:
        cap.diagnostics.error(SECTION, f"apps table failed: {type(exc).__name__}: {exc}")
        apps = APPS.empty()
    try:
        cov = coverage(tables)
    except Exception as exc:
        cap.diagnostics.error(SECTION, f"coverage failed: {type(exc).__name__}: {exc}")
        cov = {}
    out_tables = dict(tables)
    out_tables["findings"] = findings
    out_tables["apps"] = apps
    return Analysis(capture=cap, tables=out_tables, findings=findings, apps=apps,
                    period_ms=ctx.periods.battery_ms, coverage=cov)
