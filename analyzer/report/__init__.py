"""Report outputs of one analysis: self-contained HTML, Markdown for tickets, JSON.

    >>> from wakescope.analyzer.report import write_html, render_markdown, analysis_json
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wakescope.analyzer.model import Analysis

__all__ = ["analysis_json", "render_markdown", "write_html", "write_trace"]


def write_html(analysis: Analysis, path: Path, root: Path | None = None,
               plotly: str = "inline", trace: Path | None = None) -> None:
    """Write the one-file HTML report to `path`, atomically and never through a link below
    `root` (default: its folder); `plotly` "inline" embeds Plotly (opens offline), "shared"
    loads a `plotly.min.js` written beside it, "cdn" Plotly's CDN; `trace`, a Perfetto trace
    written for the same analysis, is linked when given."""
    from wakescope.analyzer.report.html import write_html as _write

    _write(analysis, path, root, plotly, trace)


def render_markdown(analysis: Analysis) -> str:
    """A summary of at most 60 lines for a GitHub or Jira ticket."""
    from wakescope.analyzer.report.markdown import render_markdown as _render

    return _render(analysis)


def analysis_json(analysis: Analysis) -> dict:
    """Findings, apps, metadata, coverage and diagnostics as plain JSON-ready data."""
    from wakescope.analyzer.report.jsonout import analysis_json as _json

    return _json(analysis)


def write_trace(analysis: Analysis, path: Path):
    """Write the Perfetto trace of the analysis to `path` (open it in ui.perfetto.dev);
    returns a `report.trace.TraceSummary`."""
    from wakescope.analyzer.report.trace import write_trace as _write

    return _write(analysis, path)
