"""`wakescope parse INPUT`: every table of one input as Parquet or CSV files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wakescope.analyzer.cli.app import INPUT_HELP, app, fail, state


@app.command()
def parse(
    input: Annotated[str, typer.Argument(help=INPUT_HELP)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "wakescope-out"),
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    no_redact: Annotated[bool, typer.Option("--no-redact",
                                            help="Keep account names and e-mails.")] = False,
    rules: Annotated[Path | None, typer.Option("--rules", help="Extra rules TOML.")] = None,
) -> None:
    """Parse one input and write capture.json plus one Parquet/CSV file per table."""
    from wakescope.analyzer.report.tables import export_capture
    from wakescope.parsers import InputError

    if fmt not in ("parquet", "csv"):
        fail(f"--format must be parquet or csv, not {fmt!r}.")
    try:
        written = export_capture(input, out, fmt=fmt, redact=not no_redact, rules=rules)
    except InputError as exc:
        if state["debug"]:
            raise
        fail(str(exc))
    except OSError as exc:  # an output folder that cannot be created or written
        if state["debug"]:
            raise
        fail(f"cannot write to {out} ({exc.strerror or exc}).")
    typer.echo(f"wrote {len(written)} files to {out}")
