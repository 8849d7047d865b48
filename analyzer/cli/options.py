"""Options several commands share, declared once (name, type, help)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

NoRedact = Annotated[bool, typer.Option("--no-redact", help="Keep account names and e-mails.")]
Rules = Annotated[Path | None, typer.Option("--rules", help="Extra rules TOML.")]
FullPath = Annotated[bool, typer.Option(
    "--full-path", help="Name the input by its full path or URL in the reports (default: its "
                        "file name).")]
