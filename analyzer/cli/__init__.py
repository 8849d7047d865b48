"""The `wakescope` command: a thin Typer shell over the library, one module per command
(every command is one call of a public function that a notebook user can make too).
Importing a command module attaches its command to `app`; the order is the help's order."""

# ruff: noqa: I001, F401  (imported for registration, in help order)
from wakescope.analyzer.cli.app import app, fail, main, say, state
from wakescope.analyzer.cli import info
from wakescope.analyzer.cli import parse
from wakescope.analyzer.cli import tables
from wakescope.analyzer.cli import report
from wakescope.analyzer.cli import trace
from wakescope.analyzer.cli import diff
from wakescope.analyzer.cli import batch

__all__ = ["app", "fail", "main", "say", "state"]
