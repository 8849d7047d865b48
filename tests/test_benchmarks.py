"""The benchmark runner works end to end on a small sample (no timing is asserted)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

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
    # Rows per table the section gave: `Registered 11 jobs:` (line 147 of the dump).
    assert res["stages"][1]["rows"]["jobscheduler_jobs"] == 11
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


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_a_child_run_says_what_its_memory_was_made_of():
    """`_run_child` splits the RSS into data (anonymous) and code (file-backed): a child
    that fills 80 MB of its own memory shows at least that as data, and the interpreter's
    code as mapped from files."""
    from benchmarks.__main__ import _run_child

    run = _run_child([sys.executable, "-c",
                      "import time; b = bytearray(80_000_000); time.sleep(0.3)"])
    assert run.status == 0
    assert run.anon_mb >= 80
    assert run.file_mb > 1
    assert run.peak_mb >= run.anon_mb


def test_the_floor_reads_the_same_text_as_a_report():
    """`benchmarks.floor` reads the bug report member the container picks (the sample's
    `bugreport-*.txt`), all of it: its bytes and line ends are the member's."""
    import subprocess
    import zipfile

    from wakescope.parsers.container import _pick_member

    sample = SAMPLES / "bugreport-sample.zip"
    with zipfile.ZipFile(sample) as zf:
        info, _ = _pick_member(zf, str(sample), [])
        data = zf.read(info)
    line_ends = data.count(b"\n")
    proc = subprocess.run([sys.executable, "-m", "benchmarks.floor", str(sample)],
                          capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"read {len(data)} bytes, {line_ends} line ends; ")
    assert proc.stdout.rstrip().endswith("37 groups")  # com.pkg0 … com.pkg36


def test_the_history_table_floor_is_its_published_types():
    """docs/tables.md: batterystats_history has six 8-byte columns (seq, offset_ms,
    elapsed_ms, time, local_time, uid), two Int32 (battery_level, user_id) and seven
    String, and attribution adds four String: 6 × 8 + 2 × 4 + 11 × 16 bytes a row."""
    from benchmarks.stress import table_bytes_per_row

    assert table_bytes_per_row() == 6 * 8 + 2 * 4 + 11 * 16 == 232


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_a_child_run_peak_is_its_own_not_the_spawners():
    """Linux hands a spawning process's peak RSS to its child's `ru_maxrss`: from a process
    that once held 150 MB, an idle interpreter read 150 MB. `_run_child` gives the child's
    own peak (its sampled VmHWM) there, and `ru_maxrss` when the child goes above."""
    from benchmarks.__main__ import _child_peak, _own_hwm_mb, _run_child

    held = bytearray(150 << 20)
    held[::4096] = b"\1" * len(held[::4096])  # touch every page
    assert _own_hwm_mb() >= 150
    idle = _run_child([sys.executable, "-c", "import time; time.sleep(0.3)"])
    assert idle.status == 0 and idle.peak_mb < 60
    big = _run_child([sys.executable, "-c",
                      "import time; b = bytearray(400 << 20); time.sleep(0.1)"])
    assert big.peak_mb >= 400
    del held
    # ru_maxrss above the spawner's mark is the child's; at it, the sample is.
    assert _child_peak(430.0, 160.0, 425.0) == 430.0
    assert _child_peak(160.0, 160.0, 12.0) == 12.0
    assert _child_peak(160.0, 160.0, None) == 160.0  # not sampled: all there is
