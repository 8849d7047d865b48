"""The fleet page (a batch's index.html): self-contained, every input string escaped."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from wakescope import __version__
from wakescope.analyzer.format import esc, script_json, source_label
from wakescope.analyzer.model import HOUR_MS, FleetSummary


def _box_chart(values: pl.DataFrame, packages: list[str], column: str, scale: float,
               title: str, unit: str) -> dict:
    """One box+strip trace per app: a point per capture, hover naming the capture."""
    traces = []
    for pkg in packages:
        rows = values.filter((pl.col("package") == pkg) & pl.col(column).is_not_null())
        ys = [None if v is None else round(v / scale, 3) for v in rows.get_column(column)]
        traces.append({
            "type": "box", "name": esc(pkg), "y": ys, "boxpoints": "all", "jitter": 0.4,
            "pointpos": 0, "marker": {"size": 5}, "line": {"width": 1},
            "text": [esc(n) for n in rows.get_column("name")],
            "hovertemplate": "%{text}<br>%{y:.2f} " + esc(unit) + "<extra>"
                             + esc(pkg) + "</extra>",
        })
    return {
        "data": traces,
        "layout": {"title": {"text": esc(title)}, "showlegend": False,
                   "yaxis": {"title": {"text": esc(unit)}, "rangemode": "tozero"},
                   "xaxis": {"automargin": True, "tickangle": -30},
                   "margin": {"t": 40, "r": 10}, "height": 420},
    }


def _charts(summary: FleetSummary, top: int) -> list[dict]:
    apps, values = summary.apps, summary.app_values
    if apps.height == 0:
        return []
    charts = []
    by_wake = (apps.filter(pl.col("wakeups_per_hour_max") > 0)
               .sort(["wakeups_per_hour_fleet_mean", "package"], descending=[True, False])
               .head(top))
    if by_wake.height:
        charts.append({"id": "chart-wakeups", **_box_chart(
            values, by_wake.get_column("package").to_list(), "wakeups_per_hour", 1.0,
            "Wakeup alarms per hour, per capture", "wakeups/h")})
    by_wl = (apps.filter(pl.col("partial_wakelock_ms_per_24h_max") > 0)
             .sort(["partial_wakelock_ms_per_24h_fleet_mean", "package"],
                   descending=[True, False]).head(top))
    if by_wl.height:
        charts.append({"id": "chart-wakelocks", **_box_chart(
            values, by_wl.get_column("package").to_list(), "partial_wakelock_ms_per_24h",
            HOUR_MS, "Partial wakelock hours per 24 h, per capture", "h per 24 h")})
    return charts


def render_fleet_html(summary: FleetSummary, top: int = 25, plotly: str = "inline") -> str:
    """index.html as a string: self-contained (Plotly embedded), every input string escaped;
    `plotly` "shared" loads reports/plotly.min.js instead, "cdn" Plotly's CDN."""
    import secrets

    from wakescope.analyzer.report import plotly_js
    from wakescope.analyzer.report.templating import environment

    env = environment()
    caps = summary.captures
    analysed = summary.analysed
    failures = caps.filter(pl.col("status").is_in(["failed", "error"])).sort("name")
    partial = caps.filter(pl.col("status") == "partial").sort("name")
    releases = (analysed.group_by("release").len().sort(["len", "release"],
                                                        descending=[True, False]))
    charts = _charts(summary, min(top, 15))
    marker = f"/*plotly-{secrets.token_hex(16)}*/"
    apps = summary.apps
    top_wake = (apps.filter(pl.col("wakeup_alarms") > 0)
                .sort(["wakeups_per_hour_fleet_mean", "package"], descending=[True, False])
                .head(top))
    top_wl = (apps.filter(pl.col("partial_wakelock_ms") > 0)
              .sort(["partial_wakelock_ms_per_24h_fleet_mean", "package"],
                    descending=[True, False]).head(top))
    problems = summary.findings.filter(pl.col("worst_severity") != "info")
    text = env.get_template("fleet.html.j2").render(
        s=summary, counts=summary.counts, n_captures=caps.height, n_analysed=analysed.height,
        n_devices=summary.devices, version=__version__,
        failures=[_by_file_name(c) for c in failures.to_dicts()],
        partial=[_by_file_name(c) for c in partial.to_dicts()],
        releases=releases.to_dicts(),
        top_wake=top_wake.to_dicts(), top_wl=top_wl.to_dicts(),
        wakelock_tags=summary.wakelock_tags.head(top).to_dicts(),
        alarm_tags=summary.alarm_tags.head(top).to_dicts(),
        findings=problems.head(2 * top).to_dicts(), n_findings_rows=problems.height,
        n_info_rows=summary.findings.height - problems.height,
        captures=caps.sort("name").to_dicts(),
        charts_json=script_json(charts) if charts else None,
        plotly_js=marker if charts else None,
    )
    if charts:
        # The template holds `<script>{{ plotly_js | safe }}</script>`: the JS, or the
        # element swapped whole for one that loads it.
        element = f"<script>{marker}</script>"
        if plotly != "inline" and element in text:
            src = f"reports/{plotly_js.SHARED_NAME}"
            text = text.replace(element, plotly_js.script_tag(plotly, src), 1)
        else:
            text = text.replace(marker, plotly_js.plotly_js_bytes().decode("utf-8"), 1)
    return text


def write_fleet_index(summary: FleetSummary, path: str | os.PathLike,
                      plotly: str = "inline") -> Path:
    """Write index.html (links to reports are relative to its folder)."""
    from wakescope.analyzer.outputs import write_atomic

    target = Path(path)
    if plotly == "shared":
        from wakescope.analyzer.report.plotly_js import ensure_shared

        ensure_shared(target.parent / "reports")
    write_atomic(target, render_fleet_html(summary, plotly=plotly).encode("utf-8"))
    return target


def _by_file_name(capture: dict) -> dict:
    """A failed or partial input as the page shows it: by file name, also in its reason (the
    full path stays in status.json and captures.parquet, the batch's own index)."""
    source = capture.get("source") or ""
    label = source_label(source)
    reason = capture.get("reason")
    return {**capture, "source": label,
            "reason": reason.replace(source, label) if reason and source else reason}
