"""CLI commands that live in their own modules; each exposes `register(app)`."""

from __future__ import annotations

import importlib

import typer

_MODULES = ("analyzer.commands.report", "analyzer.commands.batch")


def register_all(app: typer.Typer) -> None:
    """Attach every command module's commands to the Typer app."""
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # that command module is not part of this build
                continue
            raise
        module.register(app)
