"""The CLI process's own settings (analyzer/runtime.py): how it ends without the interpreter's
teardown, and that nothing written is lost on the way (issue 17)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from tests.conftest import ROOT, SAMPLES
from wakescope.analyzer.runtime import exit_code, exit_now


def test_exit_code_is_what_the_interpreter_would_give(capsys):
    assert exit_code(SystemExit()) == 0
    assert exit_code(SystemExit(2)) == 2
    assert exit_code(SystemExit(256 + 3)) == 3
    assert exit_code(SystemExit("wakescope: no input")) == 1
    assert capsys.readouterr().err == "wakescope: no input\n"


def test_a_running_thread_gets_the_normal_exit():
    """os._exit would kill a thread mid-write: with one running, exit_now is sys.exit."""
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        with pytest.raises(SystemExit) as stop:
            exit_now(3)
        assert stop.value.code == 3
    finally:
        release.set()
        worker.join()


def test_report_to_stdout_is_whole_after_the_fast_exit():
    """`report FILE -o -` ends with os._exit: the whole HTML must still reach the pipe (the
    stream is flushed first), with the summary line on stderr and exit 0."""
    res = subprocess.run([sys.executable, "-m", "wakescope", "report",
                          str(SAMPLES / "alarm.txt"), "-o", "-"],
                         capture_output=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(b"<!doctype html>")
    assert res.stdout.rstrip().endswith(b"</html>")
    assert res.stderr.decode().startswith("wrote standard output: ")


def test_usage_and_input_errors_keep_their_status_after_the_fast_exit(tmp_path):
    res = subprocess.run([sys.executable, "-m", "wakescope", "report",
                          str(tmp_path / "absent.txt"), "-o", str(tmp_path / "r.html")],
                         capture_output=True, cwd=ROOT, timeout=120, text=True)
    assert res.returncode == 2
    assert res.stderr == f"wakescope: {tmp_path / 'absent.txt'}: no such file.\n"
    res = subprocess.run([sys.executable, "-m", "wakescope", "report", "--no-such-option"],
                         capture_output=True, cwd=ROOT, timeout=120, text=True)
    assert res.returncode == 2
    assert "No such option" in res.stderr
