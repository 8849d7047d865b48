"""The memory-lean paths for long histories give what the plain ones give (issue 19 item 8):
the plugged-span search, and attribution keyed on a history's distinct source columns."""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import corpus_path
from wakescope import parsers
from wakescope.analyzer import attribution
from wakescope.analyzer.knowledge import load_rules
from wakescope.analyzer.passes.interval_checks import _plugged_at


def test_plugged_at_is_inside_any_plugged_span():
    # Plugged 10–20 and 15–40 (overlapping, e.g. two boots' spans), 50–60; a job span is
    # not a plugged one. An instant is plugged when some span starts at or before it and
    # ends after it (the end itself is unplugged).
    iv = pl.DataFrame({"kind": ["plugged", "job", "plugged", "plugged"],
                       "start_offset_ms": [10, 0, 15, 50],
                       "end_offset_ms": [20, 100, 40, 60]})
    ends = pl.DataFrame({"e": [5, 10, 19, 20, 39, 40, 49, 50, 59, 60, None]},
                        schema={"e": pl.Int64})
    assert _plugged_at(ends, iv).to_list() == [
        False, True, True, True, True, False, False, True, True, False, False]
    assert _plugged_at(ends, iv.filter(pl.col("kind") == "job")).to_list() == [False] * 11


@pytest.mark.parametrize("rel", ["batterystats/pixel-sailfish-android8.1.txt",
                                 "batterystats/xiaomi-miro-android15.txt"])
def test_distinct_history_keys_match_per_row_keys(rel, monkeypatch):
    # Corpus histories are below the threshold (sailfish 8.1: ~3k rows): force the
    # distinct-keys path and compare every attributed column, row for row.
    tables = dict(parsers.load(corpus_path(rel)).tables)
    rules = load_rules()
    plain = attribution.attribute(tables, rules)["batterystats_history"]
    monkeypatch.setattr(attribution, "DISTINCT_KEYS_MIN_ROWS", 0)
    lean = attribution.attribute(tables, rules)["batterystats_history"]
    assert lean.columns == plain.columns
    assert lean.height == plain.height > 1000
    assert plain.filter(pl.col("api").is_not_null()).height > 100
    assert lean.equals(plain, null_equal=True)
