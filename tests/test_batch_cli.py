"""`wakescope batch` / `wakescope fleet` exit codes on small hand-made inputs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from wakescope.analyzer.cli import app

ALARM = """Current Alarm Manager state:
  nowRTC=1600566618601=2020-09-19 18:50:18 nowELAPSED=101449404
"""


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_usage_errors_exit_2(tmp_path: Path):
    r = run("batch", str(tmp_path / "none"), "--out", str(tmp_path / "out"), "--no-progress")
    assert r.exit_code == 2
    assert f"no input files to process: no such file or folder: {tmp_path / 'none'}" in r.output
    (tmp_path / "a.txt").write_text(ALARM)
    r = run("batch", str(tmp_path / "a.txt"), "--fail-on", "severe", "--no-progress")
    assert r.exit_code == 2 and "--fail-on must be high, medium or low" in r.output
    r = run("fleet", str(tmp_path))
    assert r.exit_code == 2 and "is not a wakescope batch output folder" in r.output


def test_input_errors_exit_0_and_are_listed(tmp_path: Path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "alarm.txt").write_text(ALARM)
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "notes.md").write_text("hello\n")
    # `dumpsys` output (service markers) holding only the alarm service: parsed, partial.
    (inputs / "dumpsys.txt").write_text("DUMP OF SERVICE alarm:\n" + ALARM)
    out = tmp_path / "out"
    r = run("batch", str(inputs), "--out", str(out), "-j", "1", "--no-progress",
            "--exclude", "*.md")
    assert r.exit_code == 0, r.output
    assert "3 inputs (3 processed, 0 up to date): 1 ok, 1 partial, 1 failed, 0 error" in r.output
    status = json.loads((out / "status.json").read_text())
    partial = [i for i in status["inputs"] if i["status"] == "partial"]
    assert [p["source"] for p in partial] == [str((inputs / "dumpsys.txt").resolve())]
    assert partial[0]["reason"].startswith("warning in batterystats: no batterystats section found")
    assert f"failed: {(inputs / 'empty.txt').resolve()} is empty" in r.output
    assert (out / "index.html").is_file() and (out / "captures.parquet").is_file()
    # A glob that matches nothing beside one that matches: a warning, still exit 0.
    r = run("batch", str(inputs / "*.txt"), str(inputs / "*.zip"), "--out", str(out),
            "--no-progress")
    assert r.exit_code == 0
    assert "3 up to date" in r.output
    assert f"warning: no input files matched {inputs / '*.zip'}" in r.output
