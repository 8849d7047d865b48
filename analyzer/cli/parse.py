"""`wakescope parse INPUT`: every table of one input as Parquet, CSV or NDJSON files, or one
table on standard output (`--table NAME -o -`)."""

from __future__ import annotations

from typing import Annotated

import typer

from wakescope.analyzer.cli.app import INPUT_HELP, app, fail, log, refuse_url, say, state
from wakescope.analyzer.cli.options import FullPath, NoRedact, Rules


@app.command()
def parse(
    input: Annotated[str, typer.Argument(help=INPUT_HELP)],
    out: Annotated[str, typer.Option(
        "--out", "-o", help="Output folder; - writes the --table to standard output.")
    ] = "wakescope-out",
    fmt: Annotated[str, typer.Option("--format", help="parquet, csv or ndjson "
                                     "(standard output: csv or ndjson).")] = "parquet",
    table: Annotated[str | None, typer.Option(
        "--table", help="The one table to write with -o - (`wakescope tables` lists them).")
    ] = None,
    no_redact: NoRedact = False,
    rules: Rules = None,
    full_path: FullPath = False,
) -> None:
    """Parse one input and write capture.json plus one Parquet/CSV/NDJSON file per table."""
    from pathlib import Path

    from wakescope.analyzer.pipeline import is_stdout, write_stdout
    from wakescope.analyzer.report.tables import (
        FORMATS,
        capture_tables,
        export_capture,
        table_bytes,
    )
    from wakescope.parsers import InputError

    if fmt not in FORMATS:
        fail(f"--format must be parquet, csv or ndjson, not {fmt!r}.")
    refuse_url("--out", out)
    to_stdout = is_stdout(out)
    if to_stdout and fmt == "parquet":
        fail("-o - writes one table as text: add --format csv or --format ndjson.")
    if to_stdout and table is None:
        fail("-o - writes one table: name it with --table (`wakescope tables` lists them).")
    if table is not None and not to_stdout:
        fail("--table goes with -o - (standard output); a folder gets every table.")
    rules_path = rules
    try:
        if to_stdout:
            from wakescope.analyzer.cli.tables import all_schemas

            cap, tables = capture_tables(input, redact=not no_redact, rules=rules_path,
                                         full_path=full_path)
            frame = tables.get(table)
            if frame is None:
                if table not in all_schemas():
                    fail(f"no table named {table!r}; `wakescope tables` lists them.")
                frame = cap.table(table)  # declared but absent here: its empty schema
            write_stdout(table_bytes(frame, fmt))
            log.info(f"{table}: {frame.height} rows")
            return
        written = export_capture(input, Path(out), fmt=fmt, redact=not no_redact,
                                 rules=rules_path, full_path=full_path)
    except InputError as exc:
        if state["debug"]:
            raise
        fail(str(exc))
    except OSError as exc:  # an output folder that cannot be created or written
        if state["debug"]:
            raise
        fail(f"cannot write to {out} ({exc.strerror or exc}).")
    say(f"wrote {len(written)} files to {out}")
