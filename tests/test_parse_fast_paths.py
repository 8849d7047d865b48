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


def test_conform_builds_columns_as_the_plan_did():
    """`TableSchema.conform` without a plan: declared order, casts only where the type
    differs, null columns for missing names, extras kept last, instants outside years
    1000–8999 nulled (a corrupt dump's `time=` can be any 64-bit value)."""
    utc = pl.Datetime("ms", "UTC")
    schema = table("t", "test", ("time", utc, "when"), ("uid", pl.Int64, "uid"),
                   ("tags", pl.List(pl.String), "tags"), ("name", pl.String, "name"))
    far = 300_000_000_000_000            # ms: year ~11,000, past the safe range
    df = pl.DataFrame({"extra": ["x", "y", "z"], "uid": pl.Series([10_001, None, 1000],
                                                                  dtype=pl.Int32),
                       "time": pl.Series([1_522_680_000_000, far, None], dtype=pl.Int64)
                       .cast(pl.Datetime("us", "UTC"))})
    out = schema.conform(df)
    assert out.columns == ["time", "uid", "tags", "name", "extra"]
    assert out.schema["time"] == utc and out.schema["uid"] == pl.Int64
    # 1,522,680,000,000 µs is 1,522,680,000 ms after the epoch (1970-01-18 14:58 UTC).
    assert out["time"].cast(pl.Int64).to_list() == [1_522_680_000, far // 1000, None]
    assert out["uid"].to_list() == [10_001, None, 1000]
    assert out["tags"].dtype == pl.List(pl.String) and out["tags"].null_count() == 3
    assert out["name"].null_count() == 3 and out["extra"].to_list() == ["x", "y", "z"]
    # The far instant, read in ms, is nulled.
    ms = df.with_columns(pl.col("time").cast(pl.Int64).cast(utc))
    assert schema.conform(ms)["time"].cast(pl.Int64).to_list() == [1_522_680_000_000, None,
                                                                     None]
    # A conformed frame is returned as it is; an empty one keeps the schema.
    assert schema.conform(out) is out
    empty = schema.conform(pl.DataFrame({"uid": pl.Series([], dtype=pl.Int32)}))
    assert empty.height == 0 and list(empty.schema.items())[:4] == list(schema.schema.items())


def test_form_disagreement_names_the_first_key():
    """Checkin and human sums that differ by more than 5 % + 1000 ms become one diagnostic
    naming the count and the first such key in key order (the same on every run)."""
    from wakescope.parsers.batterystats.merge import merge
    from wakescope.parsers.diagnostics import Diagnostics

    def wl(rows):
        return pl.DataFrame(rows, schema={"uid": pl.Int64, "tag": pl.String,
                                          "kind": pl.String, "total_ms": pl.Int64},
                            orient="row")
    checkin = wl([(10_090, "sync", "partial", 90_000), (10_010, "gms", "partial", 50_000),
                  (10_050, "ok", "partial", 10_000)])
    # 90,000 vs 60,000: |Δ| 30,000 > 5 % of 90,000 + 1000 = 5,500; 50,000 vs 40,000: 10,000
    # > 3,500; 10,000 vs 10,400: 400 < 1,500.
    human = wl([(10_050, "ok", "partial", 10_400), (10_090, "sync", "partial", 60_000),
                (10_010, "gms", "partial", 40_000)])
    diags = Diagnostics()
    out = merge({"batterystats_wakelocks": checkin}, {"batterystats_wakelocks": human}, diags)
    assert out["batterystats_wakelocks"] is checkin
    [msg] = [d.message for d in diags.items if "disagree on" in d.message]
    assert msg == ("batterystats_wakelocks: checkin and human form disagree on total_ms for 2 "
                   "of 3 rows (checkin used); e.g. {'uid': 10010, 'tag': 'gms', "
                   "'kind': 'partial', 'c': 50000, 'h': 40000}")


def test_form_disagreements_follow_the_checkin_tables_order():
    """Two tables that disagree give their diagnostics in the checkin form's table order,
    whichever it is: the merge once walked a set of table names, whose order is the same
    for both orders below (and changes from run to run with the string-hash seed)."""
    from wakescope.parsers.batterystats.merge import merge
    from wakescope.parsers.diagnostics import Diagnostics

    wakelocks = ({"uid": [10_090], "tag": ["sync"], "kind": ["partial"],
                  "total_ms": [90_000]},
                 {"uid": [10_090], "tag": ["sync"], "kind": ["partial"],
                  "total_ms": [60_000]})  # |Δ| 30,000 > 5 % of 90,000 + 1000
    jobs = ({"uid": [10_010], "job": ["gms/.Sync"], "count": [9_000]},
            {"uid": [10_010], "job": ["gms/.Sync"], "count": [1_000]})  # 8,000 > 1,450
    tables = {"batterystats_wakelocks": wakelocks, "batterystats_jobs": jobs}
    for order in (["batterystats_wakelocks", "batterystats_jobs"],
                  ["batterystats_jobs", "batterystats_wakelocks"]):
        diags = Diagnostics()
        merge({n: pl.DataFrame(tables[n][0]) for n in order},
              {n: pl.DataFrame(tables[n][1]) for n in reversed(order)}, diags)
        named = [d.message.split(":")[0] for d in diags.items if "disagree on" in d.message]
        assert named == order
