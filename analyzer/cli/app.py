"""The Typer app every command module attaches to, its shared options, and `main`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from wakescope import __version__
from wakescope.analyzer.format import plain

app = typer.Typer(
    name="wakescope",
    help="Who drained the battery, through which background API, and why work was deferred.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
state = {"debug": False}
INPUT_HELP = "Bug report zip/txt or dumpsys dump; - for stdin."


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
    state["debug"] = debug


def fail(message: str, code: int = 2) -> None:
    """One clear sentence on stderr and a non-zero exit: how every input error ends."""
    typer.echo(f"wakescope: {plain(message)}", err=True)  # input text: no raw controls
    raise typer.Exit(code)


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
    except MemoryError:  # past the budget check (parsers/memory.py): still one sentence
        typer.echo("wakescope: out of memory: the input needs more memory than is free; "
                   "close other programs or use a machine with more.", err=True)
        sys.exit(2)
    except BaseException as exc:  # last resort (Polars panics derive from BaseException)
        if debug:
            raise
        typer.echo(f"wakescope: internal error: {type(exc).__name__}: {plain(exc)} "
                   "(run with --debug for the traceback)", err=True)
        sys.exit(3)

