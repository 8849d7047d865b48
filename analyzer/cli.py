"""The `wakescope` command: a thin Typer shell over the library (every command is one call)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from . import __version__

app = typer.Typer(
    name="wakescope",
    help="Who drained the battery, through which background API, and why work was deferred.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_state = {"debug": False}
_INPUT_HELP = "Bug report zip/txt or dumpsys dump; - for stdin."


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wakescope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """wakescope reads bug reports and dumpsys output (Android 5–16)."""
    _state["debug"] = debug


def fail(message: str, code: int = 2) -> None:
    """One clear sentence on stderr and a non-zero exit: how every input error ends."""
    typer.echo(f"wakescope: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def info(
    inputs: Annotated[list[str], typer.Argument(help=_INPUT_HELP)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Summarise inputs: kind, device, build, SDK, capture time, sections, diagnostics."""
    from parsers import InputError, open_capture

    from .summary import format_info

    results = []
    failed = 0
    for path in inputs:
        try:
            cap = open_capture(path)
        except InputError as exc:
            failed += 1
            if _state["debug"]:
                raise
            typer.echo(f"wakescope: {exc}", err=True)
            continue
        results.append(cap.summary())
        if not as_json:
            typer.echo(format_info(results[-1]))
    if as_json:
        typer.echo(json.dumps(results if len(inputs) > 1 else (results or [None])[0],
                              indent=2, default=str))
    if failed:
        raise typer.Exit(2)


@app.command()
def parse(
    input: Annotated[str, typer.Argument(help=_INPUT_HELP)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "wakescope-out"),
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    no_redact: Annotated[bool, typer.Option("--no-redact",
                                            help="Keep account names and e-mails.")] = False,
    rules: Annotated[Path | None, typer.Option("--rules", help="Extra rules TOML.")] = None,
) -> None:
    """Parse one input and write capture.json plus one Parquet/CSV file per table."""
    from parsers import InputError

    from .export import export_capture

    if fmt not in ("parquet", "csv"):
        fail(f"--format must be parquet or csv, not {fmt!r}.")
    try:
        written = export_capture(input, out, fmt=fmt, redact=not no_redact, rules=rules)
    except InputError as exc:
        if _state["debug"]:
            raise
        fail(str(exc))
    except OSError as exc:  # an output folder that cannot be created or written
        if _state["debug"]:
            raise
        fail(f"cannot write to {out} ({exc.strerror or exc}).")
    typer.echo(f"wrote {len(written)} files to {out}")


@app.command()
def tables(
    name: Annotated[str | None, typer.Argument(help="A table name to show its columns.")] = None,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="The full Markdown "
                                              "reference (docs/tables.md).")] = False,
) -> None:
    """List the tables wakescope writes, or one table's columns and their meaning."""
    from .table_docs import all_schemas, markdown, text

    if as_markdown:
        typer.echo(markdown(), nl=False)
        return
    if name is not None and name not in all_schemas():
        fail(f"no table named {name!r}; `wakescope tables` lists them.")
    typer.echo(text(name))


def _register_commands() -> None:
    from .commands import register_all

    register_all(app)


_register_commands()


def main() -> None:
    """Console entry point: input errors are one sentence; --debug shows tracebacks."""
    debug = "--debug" in sys.argv
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        typer.echo("wakescope: interrupted", err=True)
        sys.exit(130)
    except BaseException as exc:  # last resort (Polars panics derive from BaseException)
        if debug:
            raise
        typer.echo(f"wakescope: internal error: {type(exc).__name__}: {exc} "
                   "(run with --debug for the traceback)", err=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
