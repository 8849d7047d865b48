"""The benchmark runner works end to end on a small sample (no timing is asserted)."""

from __future__ import annotations

import json

from benchmarks.__main__ import STAGES, main, measure
from tests.conftest import SAMPLES


def test_measure_reports_every_stage_and_section():
    res = measure(SAMPLES / "jobscheduler.txt", repeat=1, stages=set(STAGES))
    stages = [s["stage"] for s in res["stages"]]
    assert stages == ["open", "parse:jobscheduler", "load", "analyse", "energy", "report",
                      "trace"]
    assert res["kind"] == "jobscheduler" and res["lines"] == 1013
    assert all(s["ms"] >= 0 and s["cpu_ms"] >= 0 for s in res["stages"])
    assert res["stages"][1]["target_ms"] == 100 and res["stages"][1]["lines"] == 1012
    assert res["peak_rss_mb"] > 0 and res["report_mb"] > 0 and res["trace_mb"] >= 0


def test_main_runs_each_input_in_a_subprocess(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["--repeat", "1", "--stage", "open", "--stage", "parse", "--json", str(out),
                 str(SAMPLES / "alarm.txt"), str(tmp_path / "missing.txt")]) == 0
    data = json.loads(out.read_text())
    assert [d["kind"] for d in data] == ["alarm"]
    assert [s["stage"] for s in data[0]["stages"]] == ["open", "parse:alarm"]
    captured = capsys.readouterr()
    assert "parse:alarm" in captured.out and "peak RSS MB" in captured.out
    assert "skipped (missing)" in captured.err
