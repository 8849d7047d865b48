"""The parse stage's fast paths (issue 17) give what the general paths give."""

from __future__ import annotations

import polars as pl

from wakescope.parsers.clock import parse_duration_ms
from wakescope.parsers.schema import table


def test_plain_durations_read_as_integers():
    # TimeUtils.formatDuration with a field width: +1h02m10s975ms = 3,600,000 + 120,000
    # + 10,000 + 975 ms.
    assert parse_duration_ms("+1h02m10s975ms") == 3_730_975
    assert parse_duration_ms("-5ms") == -5
    assert parse_duration_ms("+0ms") == 0
    assert parse_duration_ms("1d0h0m0s1ms") == 86_400_001
    # Samsung repeats the sign on every unit: the general path still reads it.
    assert parse_duration_ms("-7h -39m -29s -531ms") == -(7 * 3_600_000 + 39 * 60_000
                                                          + 29_000 + 531)
    # Long.MAX_VALUE as a duration (jobscheduler "never") keeps the general path's float sum.
    never = "+106751991167300d15h30m7s807ms"
    assert parse_duration_ms(never) == round(106751991167300 * 86_400_000.0 + 15 * 3_600_000
                                             + 30 * 60_000 + 7000 + 807)


def test_string_list_columns_built_by_split_match_row_by_row():
    schema = table("t", "test", ("c", pl.List(pl.String), "lists"), ("n", pl.Int64, "n"))
    rows = [{"c": ["battery_not_low", "charging"], "n": 1}, {"c": None, "n": 2},
            {"c": [], "n": 3}, {"c": [""], "n": 4}, {"n": 5}]
    got = schema.from_rows(rows)
    assert got["c"].to_list() == [["battery_not_low", "charging"], None, [], [""], None]
    assert got.schema == {"c": pl.List(pl.String), "n": pl.Int64}
    # A value holding the separator, or not a list of str, is built row by row.
    odd = schema.from_rows([{"c": ["a\x1fb"]}, {"c": ["x", None]}])
    assert odd["c"].to_list() == [["a\x1fb"], ["x", None]]
