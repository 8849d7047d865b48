"""The one input every jobscheduler block reader gets (instead of nine to eleven positional
arguments): the section's lines and where they start, its clock and release, redaction,
where unknown lines go, and what the first pass learnt (constants, job names, tracking)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from wakescope.parsers.jobscheduler.times import Timebase


@dataclass
class BlockInput:
    """One jobscheduler section as its block readers see it."""

    lines: list[str]
    first_line: int                      # input line number of lines[0]
    tb: Timebase                         # the dump's clock (relative times → UTC)
    sdk: int | None                      # release, where a shape depends on it
    redact: bool                         # redact names and free text
    unknown: Callable[[int], None]       # report lines[i] as unrecognised
    constants: dict[str, str] = field(default_factory=dict)  # settings (for quota stats)
    known_names: set[str] = field(default_factory=set)       # registered job names (history)
    tracked: dict[tuple, set[str]] = field(default_factory=dict)  # 7.x controller tracking
