"""Regexes compiled on first use instead of at import (issue 17).

The parsers hold ~230 module-level patterns; compiling them (`re` parses and compiles in
Python) is about half of the parsers' import time, and a given dump uses only some of them
(a sailfish 8.1 bug report leaves 63 unused: other releases' and OEMs' line shapes).
"""

from __future__ import annotations

import re

# The compiled pattern's attributes copied onto the proxy on first use.
_ATTRS = ("match", "fullmatch", "search", "finditer", "findall", "sub", "subn", "split",
          "pattern", "flags", "groups", "groupindex", "scanner")


class LazyPattern:
    """`re.compile(pattern, flags)` on first attribute use; from then on the compiled
    pattern's methods are plain slot attributes, so a call costs what it did before."""

    __slots__ = ("_args", *_ATTRS)

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str):
        # Reached only while the slots are empty (or for a name no pattern has).
        compiled = re.compile(*self._args)
        for attr in _ATTRS:
            object.__setattr__(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"LazyPattern({self._args[0]!r})"


def lazy_compile(pattern: str | bytes, flags: int = 0) -> re.Pattern:
    """A pattern that compiles itself when first used (typed as the `re.Pattern` it acts as)."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]
