"""`dumpsys jobscheduler` parser (being built): tables declared in `schema.py`."""

from __future__ import annotations

from ..section_input import SectionInput
from .schema import TABLES

__all__ = ["TABLES", "parse"]


def parse(inp: SectionInput) -> dict:
    """Parse one jobscheduler section into tables (not built yet: returns none)."""
    inp.diagnostics.info(inp.name, "parser not built yet")
    return {}
