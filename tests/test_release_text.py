"""The pipeline keeps only the sections' text while parsing (issue 17: memory bounded by
the tables, not the text): the same tables, the text released, the serial kept in memory
for the batch device key and in no output."""

from __future__ import annotations

import json

from tests.conftest import SAMPLES
from wakescope import parsers
from wakescope.analyzer.pipeline import run_one

SAMPLE = SAMPLES / "bugreport-sample.zip"


def test_released_text_gives_the_same_tables():
    kept = parsers.load(SAMPLE)
    released = parsers.load(SAMPLE, keep_text=False)
    assert len(kept.text) > 700_000 and released.text == ""
    assert released.text_lines == kept.text_lines == 13722
    assert sorted(released.tables) == sorted(kept.tables)
    for name, frame in kept.tables.items():
        assert released.tables[name].equals(frame), name
    assert released.summary() == kept.summary()
    # `[ro.serialno]: [NV5A0C71D2E4]` (getprop, line 124 of the member): memory only.
    assert kept.serial == released.serial == "NV5A0C71D2E4"
    assert "NV5A0C71D2E4" not in json.dumps(released.summary(), default=str)


def test_pipeline_releases_the_text(tmp_path):
    result = run_one(SAMPLE, html=tmp_path / "r.html", json_path=tmp_path / "r.json")
    assert result.capture.text == ""
    assert result.capture.table("batterystats_history").height > 5000
    assert b"NV5A0C71D2E4" not in (tmp_path / "r.html").read_bytes()
    assert "NV5A0C71D2E4" not in (tmp_path / "r.json").read_text()
