"""The same input gives the same findings, apps and JSON on every run (batch and Dask rely
on it: fleet tables are compared across workers)."""

from __future__ import annotations

import json

from tests.conftest import SAMPLES
from wakescope import parsers
from wakescope.analyzer.analysis import analyse
from wakescope.analyzer.report import analysis_json


def _run() -> str:
    result = analyse(parsers.load(SAMPLES / "bugreport-sample.zip"))
    return json.dumps(analysis_json(result), default=str, sort_keys=True)


def test_two_runs_identical():
    first, second = _run(), _run()
    assert first == second
    doc = json.loads(first)
    assert len(doc["findings"]) == 15   # 11 scenarios + 4 screen-off (docs/energy.md)


def test_html_report_identical_across_runs():
    # Timeline lanes that tie on time and count used to come out in random order.
    from wakescope.analyzer.report import render_markdown
    from wakescope.analyzer.report.html import render_html

    def html() -> str:
        return render_html(analyse(parsers.load(SAMPLES / "alarm.txt")))

    assert html() == html()
    res = analyse(parsers.load(SAMPLES / "alarm.txt"))
    assert render_markdown(res) == render_markdown(res)
