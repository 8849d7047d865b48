"""Long histories without extra copies (issue 19 item 8): a bug report's human history is read
but its rows are not built when the checkin history has them, and the history analysis
skips the sort of rows already in record order. Every output must stay the same."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from tests.conftest import BUGREPORTS, corpus_path
from wakescope import parsers
from wakescope.analyzer.passes import history_intervals
from wakescope.parsers.batterystats.human_history import parse_history
from wakescope.parsers.diagnostics import Diagnostics

# A legacy (8.1) block: levels 100 → 98, three `top` events of u0a95 and one `inactive`
# (8.0 alias of pkginactive) of u0a96, one indented line that is no record.
BLOCK = """\
                    0 (10) RESET:TIME: 2018-04-01-23-54-40
                    0 (2) 100 c4300041 status=discharging plug=none +running
             +1s000ms (2) 100 c4300041 +top=u0a95:"com.example.mail"
             +2s000ms (2) 099 c4300041 -top=u0a95:"com.example.mail" \
inactive=u0a96:"com.example.news"
             +3s000ms (2) 098 c4300041 +top=u0a95:"com.example.mail" +wake_lock=1000:"x"
   not a record"""


_LOADED: dict[str, parsers.Capture] = {}


def _load(key: str) -> parsers.Capture:
    """The corpus bug report loaded once for this module's tests."""
    if key not in _LOADED:
        _LOADED[key] = parsers.load(corpus_path(BUGREPORTS[key]))
    return _LOADED[key]


def _parse(rows: bool):
    diags = Diagnostics()
    return parse_history(BLOCK.split("\n"), 10, "batterystats", None, diags, True,
                         rows=rows), diags


def test_block_read_without_rows_gives_what_the_summary_and_packages_need():
    full, d_full = _parse(True)
    light, d_light = _parse(False)
    assert light.frame.height == 0 and full.frame.height > 0
    for r in (full, light):
        assert (r.records, r.lines, r.unknown) == (5, 6, 1)
        assert (r.start_level, r.end_level) == (100, 98)
        assert r.start_local == datetime(2018, 4, 1, 23, 54, 40)
        # u0a95 = uid 10095, u0a96 = 10096; one package each.
        assert r.packages == [(10095, "com.example.mail"), (10096, "com.example.news")]
        assert r.format == "legacy"
    assert light.frame.columns == full.frame.columns
    assert d_light.as_list() == d_full.as_list()
    # The indented line is the block's 6th: line 10 + 5.
    assert [d["line"] for d in d_full.as_list() if d["code"] == "unknown_lines"] == [15]


@pytest.mark.corpus
@pytest.mark.parametrize("key", ["sailfish_8_1"])
def test_bug_report_tables_are_the_same_without_the_human_history_rows(key, monkeypatch):
    path = corpus_path(BUGREPORTS[key])
    skipped = _load(key)
    monkeypatch.setattr(parsers, "_has_history", lambda per_section, name: False)
    built = parsers.load(path)
    assert sorted(skipped.tables) == sorted(built.tables)
    for name, frame in built.tables.items():
        assert skipped.tables[name].equals(frame, null_equal=True), name
    assert skipped.diagnostics.as_list() == built.diagnostics.as_list()
    # The human block was still read: its record count from the raw dump (sailfish 8.1:
    # 1,882 records under `Battery History (7% used, …)`, 1,895 lines).
    reads = [d["message"] for d in skipped.diagnostics.as_list()
             if d["code"] == "history_read" and d["section"] == "batterystats"]
    assert len(reads) == 1
    if key == "sailfish_8_1":
        assert reads[0] == ("history: 1882 records (legacy format), 0 of 1895 lines "
                            "unrecognised")


@pytest.mark.corpus
def test_human_history_rows_skipped_only_when_checkin_has_them():
    cap = parsers.open_capture(corpus_path(BUGREPORTS["sailfish_8_1"]))
    section = cap.section("batterystats")
    light = parsers.parse_section(cap, "batterystats", section, history_rows=False)
    assert light["batterystats_history"].height == 0
    full = parsers.parse_section(cap, "batterystats", section)
    assert full["batterystats_history"].height > 1882   # one row per item, not per record
    assert light["packages"].equals(full["packages"])
    assert parsers._has_history({"batterystats_checkin": {
        "batterystats_history": full["batterystats_history"]}}, "batterystats")
    assert not parsers._has_history({"batterystats_checkin": {}}, "batterystats")
    assert not parsers._has_history({"batterystats_checkin": {
        "batterystats_history": full["batterystats_history"]}}, "jobscheduler")


@pytest.mark.corpus
def test_rows_in_record_order_are_not_sorted_and_give_the_same_intervals():
    cap = _load("sailfish_8_1")
    h = cap.table("batterystats_history").with_row_index("_row")
    assert history_intervals._in_order(h)   # the parser emits record order
    shuffled = h.sample(fraction=1.0, shuffle=True, seed=7)
    assert not history_intervals._in_order(shuffled)
    a = history_intervals.build(h, cap.meta, cap.clock)
    b = history_intervals.build(shuffled, cap.meta, cap.clock)
    assert a.height > 100
    assert a.equals(b, null_equal=True)
    # Only the columns the analysis reads are carried through its filters and joins.
    rows = history_intervals._rows(h)
    assert "battery_level" not in rows.columns and "source" not in rows.columns
    assert rows.get_column("_i").to_list() == list(range(h.height))
    assert rows.get_column("_row").cast(pl.Int64).to_list() == list(range(h.height))
