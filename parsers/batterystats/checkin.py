"""batterystats checkin parser (being built)."""

from __future__ import annotations

from ..section_input import SectionInput


def parse(inp: SectionInput) -> dict:
    """Parse one section into tables (not built yet: returns none)."""
    inp.diagnostics.info(inp.name, "parser not built yet")
    return {}
