"""The self-contained HTML report: one file, Plotly's JS embedded, no network request.

`render_html(analysis)` renders `templates/report.html.j2` from the plain view objects of
`views` (cells already formatted by `cells`) with autoescaping on, so every string from
the input reaches the page as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wakescope.analyzer.report import facts
from wakescope.analyzer.report.cells import ROW_LIMIT
from wakescope.analyzer.report.facts import fmt_ms, fmt_num
from wakescope.analyzer.report.views import (
    alarm_views,
    apps_view,
    diagnostics_view,
    findings_view,
    job_views,
    wakelock_views,
)

# ---------------------------------------------------------------------------------------
# Rendering.
# ---------------------------------------------------------------------------------------

_ENV = None


def _env():
    global _ENV
    if _ENV is None:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined

        _ENV = Environment(
            loader=FileSystemLoader(str(Path(__file__).with_name("templates"))),
            # No bytecode cache on disk: wakescope writes nothing outside its output folder.
            autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        )
    return _ENV


def context(analysis: Any, trace_href: str | None = None) -> dict:
    """Everything the template shows, as plain values (`trace_href`: the Perfetto trace
    written beside the report, relative to it, when there is one)."""
    from wakescope import __version__
    from wakescope.analyzer.report import charts, intervals

    head = facts.header(analysis)
    meta = getattr(getattr(analysis, "capture", None), "meta", None)
    timeline_error = None
    try:
        tl = intervals.build(analysis)
        spec = charts.timeline_spec(tl, getattr(meta, "utc_offset_min", None))
    except Exception as exc:  # the rest of the report is still worth having
        tl, spec = intervals.Timeline(), None
        timeline_error = f"{type(exc).__name__}: {exc}"
    views = {
        "wakelocks": wakelock_views(analysis),
        "alarms": alarm_views(analysis),
        "jobs": job_views(analysis),
    }
    return {
        "h": head,
        "version": __version__,
        "findings": findings_view(analysis),
        "apps": apps_view(analysis),
        "timeline": tl,
        "timeline_error": timeline_error,
        "timeline_json": charts.script_json(spec) if spec else None,
        "views": views,
        "diag": diagnostics_view(analysis),
        "api_colors": charts.API_COLORS,
        "fmt_ms": fmt_ms,
        "fmt_num": fmt_num,
        "row_limit": ROW_LIMIT,
        "trace_href": trace_href,
        "trace_name": trace_href.rsplit("/", 1)[-1] if trace_href else None,
    }


def plotly_js_bytes() -> bytes:
    """Plotly's bundled JS, read straight from the installed package (no plotly import)."""
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    if spec is not None and spec.origin:
        path = Path(spec.origin).parent / "package_data" / "plotly.min.js"
        if path.is_file():
            data = path.read_bytes()
            if b"</script" not in data.lower():
                return data
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().replace("</script", "<\\/script").encode("utf-8")


def _render_parts(analysis: Any, trace_href: str | None = None) -> tuple[str, str, bool]:
    """The page around Plotly's JS: (head, tail, needs_plotly). A random marker stands where
    the JS goes, so 5 MB never pass through Jinja or a str → bytes round trip."""
    import secrets

    from markupsafe import Markup

    ctx = context(analysis, trace_href)
    marker = f"/*plotly-{secrets.token_hex(16)}*/"
    chart = ctx["timeline_json"] is not None
    ctx["timeline_json"] = Markup(ctx["timeline_json"]) if chart else None
    ctx["plotly_js"] = Markup(marker)
    page = _env().get_template("report.html.j2").render(**ctx)
    if not chart:
        return page, "", False
    head, tail = page.split(marker, 1)
    return head, tail, True


def render_html(analysis: Any) -> str:
    """The whole report as one HTML string."""
    head, tail, chart = _render_parts(analysis)
    return head + (plotly_js_bytes().decode("utf-8") if chart else "") + tail


def trace_link(html: Path, trace: Path | None) -> str | None:
    """The trace's address relative to the report's folder (a URL path, percent-encoded)."""
    if trace is None:
        return None
    import os
    from urllib.parse import quote

    rel = os.path.relpath(Path(trace).resolve(), Path(html).resolve().parent)
    return quote(Path(rel).as_posix())


def write_html(analysis: Any, path: Path, trace: Path | None = None) -> None:
    """Write the report; Plotly's JS is copied as bytes between the rendered parts. `trace`:
    a Perfetto trace written for this analysis, linked from the page."""
    head, tail, chart = _render_parts(analysis, trace_link(path, trace))
    with open(path, "wb") as out:
        out.write(head.encode("utf-8"))
        if chart:
            out.write(plotly_js_bytes())
        out.write(tail.encode("utf-8"))
