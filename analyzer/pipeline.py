"""One input, end to end: parse → analyse → write the requested outputs. Used by the CLI
and by batch workers, so both do exactly the same thing."""

from __future__ import annotations

import json
import os
from pathlib import Path


def run_one(
    input_path: str | os.PathLike,
    *,
    html: Path | None = None,
    markdown: Path | None = None,
    json_path: Path | None = None,
    tables_dir: Path | None = None,
    fmt: str = "parquet",
    redact: bool = True,
    rules: Path | None = None,
    trace: Path | None = None,
):
    """Parse and analyse one input and write the outputs asked for; returns the Analysis.
    A Perfetto `trace` is written before the HTML, which then links it.

    Raises `parsers.InputError` when the input is not a readable Android dump.
    """
    from wakescope import parsers
    from wakescope.analyzer.analysis import analyse

    cap = parsers.load(input_path, redact=redact)
    result = analyse(cap, rules=rules)
    if trace is not None:
        from wakescope.analyzer.report import write_trace

        try:
            write_trace(result, trace)
        except OSError:
            raise
        except Exception as exc:  # the report is still worth having without its trace
            cap.diagnostics.error("trace", f"Perfetto trace failed: {type(exc).__name__}: "
                                           f"{exc}")
            trace = None
    if html is not None:
        from wakescope.analyzer.report import write_html

        html.parent.mkdir(parents=True, exist_ok=True)
        write_html(result, html, trace)
    if markdown is not None:
        from wakescope.analyzer.report import render_markdown

        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(render_markdown(result), encoding="utf-8")
    if json_path is not None:
        from wakescope.analyzer.report import analysis_json

        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(analysis_json(result), indent=2, default=str),
                             encoding="utf-8")
    if tables_dir is not None:
        from wakescope.analyzer.report.tables import safe_child, write_tables

        write_tables(result.tables, tables_dir, fmt)
        safe_child(tables_dir, "capture.json").write_text(
            json.dumps(cap.summary(), indent=2, default=str), encoding="utf-8")
    return result
