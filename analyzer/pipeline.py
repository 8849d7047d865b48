"""One input, end to end: parse → analyse → write the requested outputs. Used by the CLI
and by batch workers, so both do exactly the same thing."""

from __future__ import annotations

import json
import os
from pathlib import Path

from wakescope.analyzer.model import Analysis


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
    root: Path | None = None,
    keep_text: bool = False,
    plotly: str = "inline",
    trace: Path | None = None,
) -> Analysis:
    """Parse and analyse one input and write the outputs asked for; returns the Analysis
    (its capture's text released unless `keep_text`: the outputs never need it). A Perfetto
    `trace` is written before the HTML, which then links it.

    Every output is written atomically and, when `root` is given, never through a link in
    a folder below it (`outputs.write_atomic`). Raises `parsers.InputError` when the input
    is not a readable Android dump, and its subclass `outputs.OutputError` when an output is
    the input, two outputs share a path, or an output cannot be written.
    """
    from wakescope import parsers
    from wakescope.analyzer.analysis import analyse
    from wakescope.analyzer.outputs import check_distinct, write_atomic

    check_distinct([input_path], [("--output", html), ("--md", markdown),
                                  ("--json", json_path)])
    cap = parsers.load(input_path, redact=redact, keep_text=keep_text)
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

        write_html(result, html, root, plotly, trace)
    if markdown is not None:
        from wakescope.analyzer.report import render_markdown

        write_atomic(markdown, render_markdown(result), root=root)
    if json_path is not None:
        from wakescope.analyzer.report import analysis_json

        write_atomic(json_path, json.dumps(analysis_json(result), indent=2, default=str),
                     root=root)
    if tables_dir is not None:
        from wakescope.analyzer.report.tables import safe_child, write_tables

        write_tables(result.tables, tables_dir, fmt)
        write_atomic(safe_child(tables_dir, "capture.json"),
                     json.dumps(cap.summary(), indent=2, default=str), root=tables_dir)
    return result
