"""Report outputs of one analysis: self-contained HTML, Markdown for tickets, JSON.

    >>> from analyzer.report import write_html, render_markdown, analysis_json
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["analysis_json", "render_markdown", "write_html", "write_trace"]


def write_html(analysis: Any, path: Path, trace: Path | None = None) -> None:
    """Write the one-file HTML report (Plotly embedded, opens offline) to `path`; it links
    `trace`, a Perfetto trace written for the same analysis, when given."""
    from wakescope.analyzer.report.html import write_html as _write

    _write(analysis, path, trace)


def render_markdown(analysis: Any) -> str:
    """A summary of at most 60 lines for a GitHub or Jira ticket."""
    from wakescope.analyzer.report.markdown import render_markdown as _render

    return _render(analysis)


def analysis_json(analysis: Any) -> dict:
    """Findings, apps, metadata, coverage and diagnostics as plain JSON-ready data."""
    from wakescope.analyzer.report.jsonout import analysis_json as _json

    return _json(analysis)


def write_trace(analysis: Any, path: Path):
    """Write the Perfetto trace of the analysis to `path` (open it in ui.perfetto.dev);
    returns a `report.trace.TraceSummary`."""
    from wakescope.analyzer.report.trace import write_trace as _write

    return _write(analysis, path)
