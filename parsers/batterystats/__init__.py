"""`dumpsys batterystats` parsers: checkin (`-c`), history, and the human-readable form."""

from __future__ import annotations

from wakescope.parsers.batterystats.schema import TABLES

__all__ = ["TABLES"]
