"""`SectionInput.line_series` splits in Polars exactly as `str.split("\\n")` does (issue 19
item 8: no list of Python strings for a long history)."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS
from wakescope.parsers import section_input
from wakescope.parsers.section_input import SectionInput

CHECKIN = CORPUS / "checkin" / "pixel7-lynx-android15-checkin.txt"


@pytest.mark.parametrize("text", ["", "a", "a\n", "\n", "\n\n9,h,0\n", "x\n" * 5 + "tail"])
def test_edges_split_like_str_split(text):
    assert SectionInput.from_text("s", text).line_series().to_list() == text.split("\n")


def test_real_checkin_split_across_pieces(monkeypatch):
    if not CHECKIN.is_file():
        pytest.skip(f"corpus absent: {CHECKIN}")
    text = CHECKIN.read_text(encoding="utf-8")
    want = text.split("\n")
    # 4 KiB pieces: the pixel7 checkin dump is cut at dozens of line ends.
    monkeypatch.setattr(section_input, "_PIECE", 4096)
    got = SectionInput.from_text("batterystats_checkin", text).line_series("text")
    assert got.len() == len(want)
    assert got.to_list() == want
    # Line 3 of the file (after the unzip chatter): the checkin version record.
    assert got[2] == "9,0,i,vers,36,215,AP3A.241105.007,AP4A.250105.002"
    assert got.len() == 22399  # `wc -l` counts 22,398 line ends; the split adds the tail


def test_lines_after_series_are_handed_over_once():
    inp = SectionInput.from_text("s", "a\nb")
    assert inp.line_series().to_list() == ["a", "b"]
    assert inp.lines == [] and inp.text is None
