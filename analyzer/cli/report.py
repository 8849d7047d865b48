"""`wakescope report INPUT`: the HTML report, plus Markdown and JSON on request."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from wakescope.analyzer.cli.app import app, fail, input_errors, refuse_url, say
from wakescope.analyzer.cli.options import FullPath, NoRedact, Rules

SEVERITY_CHOICES = ("high", "medium", "low")


def default_output(input_path: str) -> Path:
    """`bugreport-x.zip` → `./bugreport-x.html` (in the current folder); stdin → report.html."""
    if input_path in ("-", ""):
        return Path("wakescope-report.html")
    name = Path(input_path).name
    stem = re.sub(r"(\.(zip|txt|gz|log|dump|out))+$", "", name, flags=re.IGNORECASE) or name
    return Path(f"{stem}.html")


@app.command()
def report(
    input: Annotated[str, typer.Argument(help="Bug report zip/txt or dumpsys dump; - for stdin.")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="HTML file to write (default: the input's name, .html, here); "
                               "- for standard output.")
    ] = None,
    md: Annotated[Path | None, typer.Option(
        "--md", help="Also write a Markdown summary; - for standard output (then no HTML "
                     "unless -o is given).")] = None,
    json_path: Annotated[Path | None, typer.Option(
        "--json", help="Also write findings, apps and metadata as JSON (docs/schemas/"
                       "report.schema.json); - for standard output.")] = None,
    trace: Annotated[Path | None, typer.Option(
        "--trace", help="Also write a Perfetto trace (open in ui.perfetto.dev), linked "
                        "from the report.")] = None,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="Exit 1 when a finding at or above this severity exists "
                          "(high, medium or low).")] = None,
    no_redact: NoRedact = False,
    rules: Rules = None,
    plotly: Annotated[str, typer.Option(
        "--plotly", help="Plotly's JS: inline (one self-contained file), shared (a "
                         "plotly.min.js written beside the report) or cdn (needs the "
                         "network).")] = "inline",
    full_path: FullPath = False,
) -> None:
    """Write the HTML report for one input (findings, apps, timeline, jobs, alarms)."""
    from wakescope.analyzer.model import severity_counts
    from wakescope.analyzer.pipeline import is_stdout, run_one
    from wakescope.analyzer.report.facts import severity_at_least

    if fail_on is not None and fail_on.lower() not in SEVERITY_CHOICES:
        fail(f"--fail-on must be one of high, medium or low, not {fail_on!r}.")
    if plotly not in ("inline", "shared", "cdn"):
        fail(f"--plotly must be inline, shared or cdn, not {plotly!r}.")
    if rules is not None and not rules.is_file():
        fail(f"rules file {str(rules)!r} not found.")
    for option, value in (("-o", output), ("--md", md), ("--json", json_path)):
        refuse_url(option, value)
    outputs = [p for p in (output, md, json_path) if p is not None]
    if sum(is_stdout(p) for p in outputs) > 1:
        fail("only one of -o, --md and --json can be - (standard output).")
    # `--md -` or `--json -` without -o: that stream is the output asked for, no HTML file.
    html = None if output is None and any(is_stdout(p) for p in outputs) else (
        output or default_output(input))
    with input_errors("the report", html):
        result = run_one(input, html=html, markdown=md, json_path=json_path,
                         redact=not no_redact, rules=rules, plotly=plotly, trace=trace,
                         full_path=full_path)
    findings = result.findings
    counts = severity_counts(findings.get_column("severity").to_list()
                             if "severity" in findings.columns else [])
    total = sum(counts.values())
    parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    written = [p for p in (html, md, json_path, trace) if p is not None]
    wrote = ["standard output" if is_stdout(p) else str(p) for p in written]
    say(f"wrote {', '.join(wrote)}: {total} finding{'s' if total != 1 else ''}"
        + (f" ({parts})" if parts else ""), data_on_stdout=any(is_stdout(p) for p in written))
    if fail_on is not None and severity_at_least(findings, fail_on.lower()):
        raise typer.Exit(1)

