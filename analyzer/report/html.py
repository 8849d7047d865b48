"""The self-contained HTML report: one file, Plotly's JS embedded, no network request.

`render_html(analysis)` renders `templates/report.html.j2` from the plain view objects of
`views` (cells already formatted by `cells`) with autoescaping on, so every string from
the input reaches the page as text.
"""

from __future__ import annotations

from pathlib import Path

from wakescope.analyzer.model import Analysis
from wakescope.analyzer.report import facts
from wakescope.analyzer.report.cells import ROW_LIMIT
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

def _env():
    from wakescope.analyzer.report.templating import environment

    return environment()


def context(analysis: Analysis, trace_href: str | None = None) -> dict:
    """Everything the template shows, as plain values (`trace_href`: the Perfetto trace
    written beside the report, relative to it, when there is one)."""
    from wakescope import __version__
    from wakescope.analyzer.report import charts, intervals

    head = facts.header(analysis)
    timeline_error = None
    try:
        tl = intervals.build(analysis)
        spec = charts.timeline_spec(tl, analysis.capture.meta.utc_offset_min)
    except Exception as exc:  # the rest of the report is still worth having
        tl, spec = intervals.Timeline(), None
        timeline_error = f"{type(exc).__name__}: {exc}"
    from wakescope.analyzer.report.wakeup_view import wakeup_view

    try:
        wakeups = wakeup_view(analysis)
    except Exception as exc:  # the rest of the report is still worth having
        wakeups = {"present": False, "tables": [], "summary": [], "checks": None,
                   "error": f"{type(exc).__name__}: {exc}"}
    from wakescope.analyzer.report.energy_view import energy_view, sunburst_spec

    energy_spec = sunburst_spec(analysis.energy)
    views = {
        "wakeups": wakeups,
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
        "energy": energy_view(analysis),
        "energy_json": charts.script_json(energy_spec) if energy_spec else None,
        "views": views,
        "diag": diagnostics_view(analysis),
        "row_limit": ROW_LIMIT,
        "trace_href": trace_href,
        "trace_name": trace_href.rsplit("/", 1)[-1] if trace_href else None,
    }


def plotly_js_bytes() -> bytes:
    """Plotly's bundled JS, read straight from the installed package (no plotly import)."""
    from wakescope.analyzer.report.plotly_js import plotly_js_bytes as _bytes

    return _bytes()


def _render_parts(analysis: Analysis, trace_href: str | None = None) -> tuple[str, str, bool]:
    """The page around Plotly's JS: (head, tail, needs_plotly). A random marker stands where
    the JS goes, so 5 MB never pass through Jinja or a str → bytes round trip."""
    import secrets

    from markupsafe import Markup

    ctx = context(analysis, trace_href)
    marker = f"/*plotly-{secrets.token_hex(16)}*/"
    chart = ctx["timeline_json"] is not None or ctx["energy_json"] is not None
    for key in ("timeline_json", "energy_json"):
        ctx[key] = Markup(ctx[key]) if ctx[key] is not None else None
    ctx["plotly_js"] = Markup(marker)
    page = _env().get_template("report.html.j2").render(**ctx)
    if not chart:
        return page, "", False
    head, tail = page.split(marker, 1)
    return head, tail, True


def render_html(analysis: Analysis) -> str:
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


def write_html(analysis: Analysis, path: Path, root: Path | None = None,
               plotly: str = "inline", trace: Path | None = None) -> None:
    """Write the report atomically inside `root` (`outputs.write_atomic`); Plotly's JS is
    copied as bytes between the rendered parts, or (`plotly="shared"`) loaded from a
    `plotly.min.js` written beside the page, or (`plotly="cdn"`) from Plotly's CDN. `trace`:
    a Perfetto trace written for this analysis, linked from the page."""
    from wakescope.analyzer.outputs import write_atomic

    head, tail, chart = _render_parts(analysis, trace_link(path, trace))
    if chart and plotly != "inline":
        from wakescope.analyzer.report import plotly_js

        # The template holds `<script>{{ plotly_js }}</script>`: swap the element whole.
        if head.endswith("<script>") and tail.startswith("</script>"):
            if plotly == "shared":
                plotly_js.ensure_shared(Path(path).parent)
            head = head[:-len("<script>")] + plotly_js.script_tag(plotly)
            tail = tail[len("</script>"):]
            chart = False

    def emit(out) -> None:
        from wakescope.analyzer.report.plotly_js import write_plotly_js

        out.write(head.encode("utf-8"))
        if chart:
            write_plotly_js(out)
        out.write(tail.encode("utf-8"))

    write_atomic(path, emit, root=root)
