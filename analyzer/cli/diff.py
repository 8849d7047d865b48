"""`wakescope diff BASE NEW [NEW2 …]`: did the fix work? Rates side by side, with noise."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wakescope.analyzer.cli.app import app, fail, input_errors
from wakescope.analyzer.cli.options import NoRedact, Rules


def _label(path: str, taken: set[str]) -> str:
    """A short, unique label per input: its file name."""
    name = Path(path).name or path
    label, n = name, 2
    while label in taken:
        label, n = f"{name} ({n})", n + 1
    taken.add(label)
    return label


@app.command(epilog="Exit codes: 0 written; 1 --fail-on-regression matched; 2 input or "
                    "usage error.")
def diff(
    base: Annotated[str, typer.Argument(help="The capture before (bug report or dump).")],
    new: Annotated[list[str], typer.Argument(help="One or more captures after.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path(
        "diff.html"),
    md: Annotated[Path | None, typer.Option("--md", help="Also write a Markdown summary "
                                                          "(≤ 40 lines).")] = None,
    json_path: Annotated[Path | None, typer.Option(
        "--json", help="Also write every compared figure as JSON.")] = None,
    fail_on_regression: Annotated[float | None, typer.Option(
        "--fail-on-regression", help="Exit 1 when the screen-off drain or an app's figure "
                                     "rose beyond noise by more than PCT %.",
        metavar="PCT")] = None,
    no_redact: NoRedact = False,
    rules: Rules = None,
) -> None:
    """Compare BASE with each NEW on rates (per hour on battery, screen-off drain, energy
    shares): drain, apps and APIs, findings, kernel wakeups, wakelocks and deferred jobs,
    saying when the captures are not comparable and which changes are within noise."""
    from wakescope.analyzer.outputs import write_atomic
    from wakescope.analyzer.report.diff_page import (
        render_diff_markdown,
        write_diff_html,
        write_diff_json,
    )
    from wakescope.analyzer.report.diff_run import diff_inputs

    if rules is not None and not rules.is_file():
        fail(f"rules file {str(rules)!r} not found.")
    if fail_on_regression is not None and fail_on_regression < 0:
        fail("--fail-on-regression must be a percentage of at least 0.")
    taken: set[str] = set()
    labels = [_label(p, taken) for p in (base, *new)]
    with input_errors("the comparison", output):
        comparisons = diff_inputs([base, *new], labels, redact=not no_redact, rules=rules)
        write_diff_html(comparisons, output)
        if md is not None:
            write_atomic(md, render_diff_markdown(comparisons))
        if json_path is not None:
            write_diff_json(comparisons, json_path)
    wrote = ", ".join(str(p) for p in (output, md, json_path) if p is not None)
    for cmp in comparisons:
        f = cmp.findings
        note = f" ({len(cmp.warnings)} comparability notes)" if cmp.warnings else ""
        typer.echo(f"{cmp.base.label} → {cmp.new.label}: {len(f['appeared'])} findings new, "
                   f"{len(f['resolved'])} resolved{note}")
    typer.echo(f"wrote {wrote}")
    if fail_on_regression is not None:
        hits = [(cmp, c) for cmp in comparisons for c in cmp.regressions(fail_on_regression)]
        if hits:
            for cmp, c in hits[:10]:
                who = c.package or "device"
                typer.echo(f"regression in {cmp.new.label}: {who}"
                           f"{' · ' + c.api if c.api else ''} {c.metric} "
                           f"{c.base or 0:.3g} → {c.new or 0:.3g} {c.unit}", err=True)
            raise typer.Exit(1)
