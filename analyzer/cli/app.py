"""The Typer app every command module attaches to, its shared options, and `main`.

Global options (`--debug`, `--quiet`, `--verbose`) work before or after the subcommand, as
in git or sqlite-utils: `GlobalOptionsGroup` moves them in front before Click parses.
Messages go through `logging` (logger `wakescope`): the library logs, the CLI sets the level.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from wakescope import __version__
from wakescope.analyzer.format import plain

GLOBAL_FLAGS = ("--debug", "--quiet", "--verbose")
log = logging.getLogger("wakescope")


class GlobalOptionsGroup(TyperGroup):
    """The root group: global flags given after the subcommand are moved before it."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if "--" in args:
            cut = args.index("--")
            head, tail = args[:cut], args[cut:]
        else:
            head, tail = args, []
        flags = [a for a in head if a in GLOBAL_FLAGS]
        rest = [a for a in head if a not in GLOBAL_FLAGS]
        return super().parse_args(ctx, [*flags, *rest, *tail])


app = typer.Typer(
    name="wakescope",
    cls=GlobalOptionsGroup,
    help="Who drained the battery, through which background API, and why work was deferred.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
state = {"debug": False, "quiet": False, "verbose": False}
INPUT_HELP = "Bug report zip/txt or dumpsys dump; - for stdin."


class _StderrHandler(logging.Handler):
    """`wakescope: warning: …` on the current stderr (also under typer.testing)."""

    def emit(self, record: logging.LogRecord) -> None:
        level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        typer.echo(f"wakescope: {level}{record.getMessage()}", err=True)


def configure_logging(quiet: bool = False, verbose: bool = False, debug: bool = False) -> None:
    """One stderr handler on the `wakescope` logger: warnings by default, errors only with
    --quiet, progress notes with --verbose, everything with --debug."""
    for h in list(log.handlers):
        if isinstance(h, _StderrHandler):
            log.removeHandler(h)
    log.addHandler(_StderrHandler())
    log.propagate = False
    log.setLevel(logging.DEBUG if debug else logging.INFO if verbose
                 else logging.ERROR if quiet else logging.WARNING)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wakescope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors "
                                        "(before or after the command).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print only errors and the data "
                                        "asked for.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Also print what is being "
                                          "done.")] = False,
) -> None:
    """wakescope reads bug reports and dumpsys output (Android 5–16)."""
    if quiet and verbose:
        fail("--quiet and --verbose exclude each other.")
    state.update(debug=debug, quiet=quiet, verbose=verbose)
    configure_logging(quiet=quiet, verbose=verbose, debug=debug)


def fail(message: str, code: int = 2) -> None:
    """One clear sentence on stderr and a non-zero exit: how every input error ends."""
    typer.echo(f"wakescope: {plain(message)}", err=True)  # input text: no raw controls
    raise typer.Exit(code)


@contextlib.contextmanager
def input_errors(what: str, target: object):
    """Around one library call: a bad input or an unwritable output ends the command with one
    sentence and exit 2 (`--debug` re-raises). `what` names the output in the message."""
    from wakescope.parsers import InputError

    try:
        yield
    except InputError as exc:
        if state["debug"]:
            raise
        fail(str(exc))
    except OSError as exc:  # an output path that cannot be written
        if state["debug"]:
            raise
        fail(f"cannot write {what} ({exc.strerror or exc}: {exc.filename or target}).")


def refuse_url(option: str, value: object) -> None:
    """Output options take local paths (or `-`): a URL would become a folder named `s3:`."""
    import re

    text = str(value) if value is not None else ""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:/", text):
        fail(f"{option} {text} is a URL; write to a local file or folder (or - for standard "
             "output), then copy it.")


def say(message: str, *, data_on_stdout: bool = False) -> None:
    """A summary line (`wrote …`): stdout, or stderr when stdout carries data; none if quiet."""
    if not state["quiet"]:
        typer.echo(message, err=data_on_stdout)


def main() -> None:
    """Console entry point: input errors are one sentence; --debug shows tracebacks."""
    debug = "--debug" in sys.argv[1:sys.argv.index("--") if "--" in sys.argv else None]
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
