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


def _write_text(path: Path, text: str) -> None:
    if is_stdout(path):
        write_stdout(text if text.endswith("\n") else text + "\n")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


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
    full_path: bool = False,
    label: str | None = None,
):
    """Parse and analyse one input and write the outputs asked for; returns the Analysis.

    Reports name the input `label`, else its file name (its path as given with `full_path`).

    Raises `parsers.InputError` when the input is not a readable Android dump, and
    ValueError when more than one output is `-`.
    """
    from wakescope import parsers
    from wakescope.analyzer.analysis import analyse

    if sum(is_stdout(p) for p in (html, markdown, json_path)) > 1:
        raise ValueError("only one output can be - (standard output)")
    cap = parsers.load(input_path, redact=redact)
    cap.source = label or source_label(cap.source, full_path)
    result = analyse(cap, rules=rules)
    if html is not None:
        from wakescope.analyzer.report import write_html

        if is_stdout(html):
            from wakescope.analyzer.report.html import render_html

            write_stdout(render_html(result))
        else:
            html.parent.mkdir(parents=True, exist_ok=True)
            write_html(result, html)
    if markdown is not None:
        from wakescope.analyzer.report import render_markdown

        _write_text(markdown, render_markdown(result))
    if json_path is not None:
        from wakescope.analyzer.report import analysis_json

        _write_text(json_path, json.dumps(analysis_json(result), indent=2, default=str))
    if tables_dir is not None:
        from wakescope.analyzer.report.tables import safe_child, write_tables

        write_tables(result.tables, tables_dir, fmt)
        safe_child(tables_dir, "capture.json").write_text(
            json.dumps(cap.summary(), indent=2, default=str), encoding="utf-8")
    return result
