"""`wakescope trace INPUT`: the capture as a Perfetto trace (open it in ui.perfetto.dev)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from wakescope.analyzer.cli.app import INPUT_HELP, app, fail, input_errors
from wakescope.analyzer.cli.options import NoRedact, Rules


def default_trace(input_path: str) -> Path:
    """`bugreport-x.zip` → `./bugreport-x.perfetto-trace`; stdin → wakescope.perfetto-trace."""
    from wakescope.analyzer.report.trace import SUFFIX

    if input_path in ("-", ""):
        return Path(f"wakescope{SUFFIX}")
    name = Path(input_path).name
    stem = re.sub(r"(\.(zip|txt|gz|log|dump|out))+$", "", name, flags=re.IGNORECASE) or name
    return Path(f"{stem}{SUFFIX}")


@app.command()
def trace(
    input: Annotated[str, typer.Argument(help=INPUT_HELP)],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Trace file to write (default: the input's name, "
                               ".perfetto-trace, here).")] = None,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Also write the HTML report, linking the trace.")] = None,
    no_redact: NoRedact = False,
    rules: Rules = None,
) -> None:
    """Write the capture as a Perfetto trace: battery and device-state counters, one process
    per app with its wakelocks, jobs, syncs, foreground services, alarms and wakeups as
    slices (API, component and rule on each), kernel wakeup reasons and findings."""
    from wakescope.analyzer.pipeline import run_one
    from wakescope.analyzer.report.facts import table

    if rules is not None and not rules.is_file():
        fail(f"rules file {str(rules)!r} not found.")
    target = output or default_trace(input)
    with input_errors("the trace", target):
        result = run_one(input, html=html, trace=target, redact=not no_redact, rules=rules)
    problems = [d.message for d in result.capture.diagnostics.items if d.section == "trace"]
    if problems or not target.is_file():
        fail(f"internal error: {problems[0] if problems else 'no trace written'} "
             "(please report it)", code=3)
    if table(result, "batterystats_history").is_empty():
        typer.echo("wakescope: note: this input has no battery history, so the trace has no "
                   "timeline (only the capture's metadata).", err=True)
    size = target.stat().st_size
    typer.echo(f"wrote {target} ({size / 1e6:.1f} MB)"
               + (f" and {html}" if html else "")
               + ": open it in https://ui.perfetto.dev (Open trace file)")
