"""One input, end to end: parse → analyse → write the requested outputs. Used by the CLI
and by batch workers, so both do exactly the same thing.

Every output path may be `-`: that output goes to standard output (at most one of them).
Reports name the input by its file name; `full_path=True` keeps the path as given.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from wakescope.analyzer.format import source_label
from wakescope.analyzer.model import Analysis

__all__ = ["STDOUT", "is_stdout", "run_one", "source_label", "write_stdout"]

STDOUT = "-"


def is_stdout(path: str | os.PathLike | None) -> bool:
    """True for the `-` that every output option accepts for standard output."""
    return path is not None and os.fspath(path) == STDOUT


def write_stdout(data: str | bytes) -> None:
    """Text or bytes to standard output, as bytes (an HTML report is not re-encoded)."""
    sys.stdout.flush()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (notebook, redirect_stdout)
        sys.stdout.write(raw.decode("utf-8"))
    else:
        buffer.write(raw)
        buffer.flush()


def _write_text(path: Path, text: str, root: Path | None) -> None:
    """Standard output for `-`, else an atomic, contained write (outputs.write_atomic)."""
    from wakescope.analyzer.outputs import write_atomic

    if is_stdout(path):
        write_stdout(text if text.endswith("\n") else text + "\n")
        return
    write_atomic(path, text, root=root)


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
    full_path: bool = False,
    label: str | None = None,
) -> Analysis:
    """Parse and analyse one input and write the outputs asked for (`-`: standard output);
    returns the Analysis (its capture's text released unless `keep_text`: the outputs never
    need it). A Perfetto `trace` is written before the HTML, which then links it. Reports name
    the input `label`, else its file name (its path as given with `full_path`).

    Every file is written atomically and, when `root` is given, never through a link in a
    folder below it (`outputs.write_atomic`). Raises `parsers.InputError` when the input is
    not a readable Android dump, its subclass `outputs.OutputError` when an output is the
    input, two outputs share a path, or an output cannot be written, and ValueError when
    more than one output is `-`.
    """
    from wakescope import parsers
    from wakescope.analyzer.analysis import analyse
    from wakescope.analyzer.outputs import check_distinct, write_atomic

    if sum(is_stdout(p) for p in (html, markdown, json_path)) > 1:
        raise ValueError("only one output can be - (standard output)")
    check_distinct([input_path], [(name, p) for name, p in
                                  (("--output", html), ("--md", markdown),
                                   ("--json", json_path)) if not is_stdout(p)])
    cap = parsers.load(input_path, redact=redact, keep_text=keep_text)
    cap.source = label or source_label(cap.source, full_path)
    result = analyse(cap, rules=rules)
    if trace is not None:
        from wakescope.analyzer.report import write_trace

        try:
            write_trace(result, trace)
        except OSError:
            raise
        except Exception as exc:  # the report is still worth having without its trace
            cap.diagnostics.error("analysis_failed", "trace",
                                  f"Perfetto trace failed: {type(exc).__name__}: {exc}")
            trace = None
    if html is not None:
        if is_stdout(html):
            from wakescope.analyzer.report.html import render_html

            write_stdout(render_html(result))
        else:
            from wakescope.analyzer.report import write_html

            write_html(result, html, root, plotly, trace)
    if markdown is not None:
        from wakescope.analyzer.report import render_markdown

        _write_text(markdown, render_markdown(result), root)
    if json_path is not None:
        from wakescope.analyzer.report import analysis_json

        _write_text(json_path, json.dumps(analysis_json(result), indent=2, default=str), root)
    if tables_dir is not None:
        from wakescope.analyzer.report.tables import safe_child, write_tables

        write_tables(result.tables, tables_dir, fmt)
        write_atomic(safe_child(tables_dir, "capture.json"),
                     json.dumps(cap.summary(), indent=2, default=str), root=tables_dir)
    return result
