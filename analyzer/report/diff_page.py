"""`wakescope diff` outputs: the HTML page (the report's look, autoescaped), a Markdown
summary that fits a ticket (at most 40 lines) and JSON, from `report.diff.Comparison`s."""

from __future__ import annotations

import json
from pathlib import Path

from wakescope.analyzer.format import fmt_num
from wakescope.analyzer.report.diff import (
    APP_API_METRICS,
    METRICS,
    Change,
    Comparison,
    ranked,
    thresholds,
)

MD_LINES = 40
DRAIN_LABELS = {
    "screen_off_pct_per_h": ("Screen-off drain", "%/h"),
    "screen_on_pct_per_h": ("Screen-on drain", "%/h"),
    "awake_pct_on_battery": ("CPU awake, share of time on battery", "%"),
    "mah_per_h": ("Discharge", "mAh/h"),
    "battery_hours": ("Time on battery", "h"),
}
VERDICT_TEXT = {"unchanged": "no change", "within_noise": "within noise", "up": "up",
                "down": "down", "appeared": "new", "gone": "gone", "n/a": "—",
                "window": "window"}


def _num(v: float | None, digits: int = 2) -> str:
    return "—" if v is None else fmt_num(v, digits)


def _signed(v: float | None, digits: int = 2) -> str:
    if v is None:
        return "—"
    return ("+" if v > 0 else "") + fmt_num(v, digits)


def _pct(c: Change) -> str:
    return "" if c.pct is None else f" ({'+' if c.pct > 0 else ''}{c.pct:.0f} %)"


def _who(c: Change) -> str:
    parts = [c.package or c.key or "device"]
    if c.scope == "app_api" and c.api:
        parts.append(c.api)
    if c.scope == "tag" and c.key:
        parts = [c.package or "?", c.key]
    return " · ".join(parts)


def _row(c: Change) -> dict:
    day = c.unit.endswith("/h") and c.scope != "drain"
    return {"who": _who(c), "base": _num(c.base), "new": _num(c.new),
            "delta": _signed(c.delta) + _pct(c), "verdict": c.verdict,
            "day": f"{_signed(c.delta * 24)} {c.unit[:-2]} per 24 h".replace("  ", " ")
            if day and c.delta is not None else "",
            "verdict_text": VERDICT_TEXT.get(c.verdict, c.verdict),
            "noise": "" if c.noise is None else "±" + _num(c.noise), "unit": c.unit}


def view(cmp: Comparison) -> dict:
    """Plain values for the template (one BASE → NEW pair)."""
    limit = thresholds()["report"]["rows_per_metric"]
    metrics = []
    for metric in (*APP_API_METRICS, "screen_off_wakelock_s_per_h", "energy_share",
                   "discharge_share"):
        label, unit, _ = METRICS[metric]
        per_app = ranked(cmp.apps, "app", metric, limit)
        per_api = ranked(cmp.apps, "app_api", metric, limit)
        noise = sum(1 for c in cmp.apps if c.metric == metric and c.verdict == "within_noise")
        metrics.append({"label": label, "unit": unit, "apps": [_row(c) for c in per_app],
                        "apis": [_row(c) for c in per_api], "noise": noise})
    drain = []
    for c in cmp.drain:
        label, unit = DRAIN_LABELS.get(c.metric, (c.metric, c.unit))
        drain.append({**_row(c), "who": label, "unit": unit})
    f = cmp.findings
    return {
        "base": cmp.base, "new": cmp.new, "warnings": cmp.warnings, "drain": drain,
        "metrics": metrics, "findings": f,
        "unchanged_findings": f["unchanged"][0]["count"] if f.get("unchanged") else 0,
        "kernel": [_row(c) for c in ranked(cmp.kernel, "kernel_reason", "wakeups_per_h",
                                           limit)],
        "kernel_wl": [_row(c) for c in ranked(cmp.kernel, "kernel_wakelock",
                                              "wakelock_ms_per_h", limit)],
        "tags": [_row(c) for c in ranked(cmp.tags, "tag", "wakelock_ms_per_h", limit)],
        "deferred": cmp.deferred[:limit], "deferred_total": len(cmp.deferred),
        "noise_rule": cmp.noise_rule,
    }


def _env():
    from wakescope.analyzer.report.html import _env as report_env

    return report_env()


def render_diff_html(comparisons: list[Comparison]) -> str:
    """The whole diff page: one section per NEW capture against BASE."""
    from wakescope import __version__

    return _env().get_template("diff.html.j2").render(
        pairs=[view(c) for c in comparisons], version=__version__,
        base=comparisons[0].base if comparisons else None)


def write_diff_html(comparisons: list[Comparison], path: Path) -> None:
    """The comparison page, written atomically (outputs.write_atomic)."""
    from wakescope.analyzer.outputs import write_atomic

    write_atomic(path, render_diff_html(comparisons))


def _md_cell(text: object) -> str:
    """Markdown table cell: no pipes, backticks or line breaks from the input."""
    return str(text).replace("|", "\\|").replace("`", "'").replace("\n", " ")


def render_diff_markdown(comparisons: list[Comparison]) -> str:
    """A ticket-sized summary (≤ 40 lines): per NEW, drain, warnings, top app changes,
    findings that appeared or resolved."""
    rows_each = max(2, thresholds()["report"]["markdown_rows"] // max(1, len(comparisons)))
    lines = ["## wakescope diff", ""]
    for cmp in comparisons:
        lines.append(f"### {_md_cell(cmp.base.label)} → {_md_cell(cmp.new.label)}")
        for w in cmp.warnings[:3]:
            lines.append(f"- ⚠ {_md_cell(w)}")
        if len(cmp.warnings) > 3:
            lines.append(f"- ⚠ {len(cmp.warnings) - 3} more comparability notes (HTML)")
        lines += ["", "| figure | base | new | change |", "|---|---:|---:|---|"]
        for c in cmp.drain:
            if c.metric in ("screen_off_pct_per_h", "awake_pct_on_battery", "mah_per_h"):
                label, unit = DRAIN_LABELS[c.metric]
                lines.append(f"| {label} ({unit}) | {_num(c.base)} | {_num(c.new)} | "
                             f"{_signed(c.delta)}{_pct(c)} {VERDICT_TEXT[c.verdict]} |")
        # The largest app change of each metric, in metric order (HTML has the rest).
        real = [top[0] for m in (*APP_API_METRICS, "discharge_share")
                if (top := ranked(cmp.apps, "app", m, 1))][:rows_each]
        for c in real:
            label, unit, _ = METRICS[c.metric]
            lines.append(f"| {_md_cell(_who(c))}: {label} ({unit}) | {_num(c.base)} | "
                         f"{_num(c.new)} | {_signed(c.delta)}{_pct(c)} "
                         f"{VERDICT_TEXT[c.verdict]} |")
        f = cmp.findings
        lines.append("")
        lines.append(f"Findings: {len(f['appeared'])} new, {len(f['resolved'])} resolved, "
                     f"{len(f['changed'])} changed severity.")
        for r in (f["appeared"][:2] + f["resolved"][:1]):
            tag = "new" if r in f["appeared"] else "resolved"
            lines.append(f"- {tag}: [{r.get('severity')}] {_md_cell(r.get('title'))}")
        lines.append("")
    noise = sum(1 for cmp in comparisons for c in cmp.apps if c.verdict == "within_noise")
    lines.append(f"_{noise} app changes within noise not shown. "
                 f"{_md_cell(comparisons[0].noise_rule) if comparisons else ''}_")
    if len(lines) > MD_LINES:
        lines = [*lines[:MD_LINES - 1], "_(truncated; see the HTML)_"]
    return "\n".join(lines) + "\n"


def diff_json(comparisons: list[Comparison]) -> dict:
    """Every compared figure, as plain JSON-ready data."""
    return {"comparisons": [c.as_dict() for c in comparisons]}


def write_diff_json(comparisons: list[Comparison], path: Path) -> None:
    """The comparison as JSON, written atomically (outputs.write_atomic)."""
    from wakescope.analyzer.outputs import write_atomic

    write_atomic(path, json.dumps(diff_json(comparisons), indent=2, default=str))


# ---------------------------------------------------------------------------------------
# Fleet: two groups of captures (batch.fleet_compare.compare_groups).
# ---------------------------------------------------------------------------------------

GROUP_METRICS = {
    "wakelock_s_per_h": "Partial wakelock time (s/h)", "wakeups_per_h": "Wakeup alarms (/h)",
    "jobs_per_h": "Job runs (/h)", "syncs_per_h": "Sync runs (/h)",
    "fgs_s_per_h": "Foreground service time (s/h)",
}


def group_rows(df, limit: int | None = None) -> list[dict]:
    """Plain rows of a group comparison for the page and the Markdown."""
    rows = []
    for r in df.head(limit or df.height).iter_rows(named=True):
        rows.append({
            "who": r["package"] + (f" · {r['api']}" if r.get("api") else ""),
            "metric": GROUP_METRICS.get(r["metric"], r["metric"]),
            "a": _num(r["a_median"]), "b": _num(r["b_median"]), "delta": _signed(r["delta"]),
            "verdict": "up" if r["delta"] > 0 else "down",
            "a_dev": f"{r['a_devices_with_app']}/{r['a_devices']}",
            "b_dev": f"{r['b_devices_with_app']}/{r['b_devices']}",
        })
    return rows


def render_group_compare_html(df, field: str, a: str, b: str) -> str:
    from wakescope import __version__

    limit = thresholds()["report"]["rows_per_metric"] * len(GROUP_METRICS)
    return _env().get_template("fleet_compare.html.j2").render(
        field=field, a=a, b=b, rows=group_rows(df, limit), total=df.height,
        version=__version__)


def render_group_compare_markdown(df, field: str, a: str, b: str) -> str:
    """≤ 40 lines: the largest per app × API changes of the group medians."""
    lines = [f"## wakescope fleet: {field} {_md_cell(a)} → {_md_cell(b)}", "",
             "Median per capture in each group (absent app = 0), per hour on battery; "
             "devices: with the app / in the group.", "",
             "| app · API | figure | A | B | change | devices A | devices B |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in group_rows(df, MD_LINES - len(lines) - 2):
        lines.append(f"| {_md_cell(r['who'])} | {r['metric']} | {r['a']} | {r['b']} | "
                     f"{r['delta']} | {r['a_dev']} | {r['b_dev']} |")
    if df.height > MD_LINES - 8:
        lines += ["", f"_{df.height} changes in all; see the HTML._"]
    return "\n".join(lines[:MD_LINES]) + "\n"
