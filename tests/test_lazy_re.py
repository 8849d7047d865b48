"""Module-level regexes compile on first use (issue 17: import time) and then act exactly
like the compiled pattern."""

from __future__ import annotations

import re

import pytest

from wakescope.parsers.alarm import state
from wakescope.parsers.lazy_re import LazyPattern, lazy_compile


def test_lazy_pattern_compiles_once_and_matches_like_re():
    lazy = lazy_compile(r"^(\w+)=(-?\d+)$", re.ASCII)
    eager = re.compile(r"^(\w+)=(-?\d+)$", re.ASCII)
    with pytest.raises(AttributeError):  # nothing compiled yet: the slot is empty
        LazyPattern.__dict__["match"].__get__(lazy)
    assert lazy.match("nowRTC=-12").groups() == eager.match("nowRTC=-12").groups() == (
        "nowRTC", "-12")
    assert lazy.pattern == eager.pattern and lazy.flags == eager.flags and lazy.groups == 2
    assert lazy.sub(r"\2", "a=1") == "1" and lazy.fullmatch("é=1") is None
    assert lazy.match.__self__ is lazy.search.__self__  # one compiled pattern behind them
    assert LazyPattern.__dict__["match"].__get__(lazy) == lazy.match  # a plain slot now


def test_parser_patterns_are_lazy_and_still_read_lines():
    # AlarmManagerService 8+ `Next alarm clock information:` line shape.
    m = state.ALARM_CLOCK.match("user:0 pendingSend:false time:1522688400000")
    assert isinstance(state.ALARM_CLOCK, LazyPattern)
    assert m.groups() == ("0", "false", "1522688400000", None)
