"""wakescope: who drained an Android battery, through which background API, and why work
was deferred. The library face: `load` an input into a Capture, `analyse` it.

    >>> import wakescope
    >>> cap = wakescope.load("bugreport.zip")
    >>> result = wakescope.analyse(cap)
    >>> result.findings.select("severity", "kind", "package", "value", "unit")

This package is installed from `analyzer/face/` (pyproject `package-dir`); its two
sub-packages are `wakescope.parsers` (from `parsers/`) and `wakescope.analyzer` (from
`analyzer/`). It imports nothing heavy until a function is called.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from wakescope.analyzer.model import Analysis
    from wakescope.parsers import Capture

__all__ = ["__version__", "analyse", "load"]


def load(path: str | os.PathLike, *, redact: bool = True) -> Capture:
    """Parse one bug report or dump (`-` for stdin) into a Capture of Polars tables."""
    from wakescope import parsers

    return parsers.load(path, redact=redact)


def analyse(capture: Capture | str | os.PathLike, *,
            rules: str | os.PathLike | None = None) -> Analysis:
    """Attribute, run every finding rule and build the apps table; accepts a Capture or a
    path (loaded with the default redaction)."""
    from wakescope.analyzer.analysis import analyse as _analyse

    if not hasattr(capture, "tables"):
        capture = load(capture)
    return _analyse(capture, rules=Path(rules) if rules is not None else None)
