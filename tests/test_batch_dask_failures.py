"""A batch on a real Dask cluster whose only worker dies: it ends with one sentence and
exit code 3 instead of waiting forever, records the inputs it could not run as `error`
(retried on resume), and still writes the fleet outputs for what ran. Also: a URL --out is
refused before anything is written, a per-input --timeout, and fsspec's missing-package
error as a usage error."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from wakescope.analyzer.batch import BatchUsageError, run_batch

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"
BIN = Path(sys.executable).parent
INPUTS = sorted(str(p) for p in SAMPLES.iterdir()
                if p.suffix in (".txt", ".zip"))  # 8 inputs: 5 dumps, 3 bug reports


def _dask(*args: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "dask"), *args], stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and one worker without a nanny (so a killed worker stays dead)."""
    pytest.importorskip("dask.distributed")
    if not (BIN / "dask").exists():
        pytest.skip("the dask command is not installed (the distributed extra)")
    sched_file = tmp_path / "scheduler.json"
    scheduler = _dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                      "--scheduler-file", str(sched_file), log=tmp_path / "scheduler.log")
    for _ in range(300):
        if sched_file.exists() and sched_file.stat().st_size:
            break
        time.sleep(0.1)
    address = json.loads(sched_file.read_text())["address"]
    worker = _dask("worker", address, "--no-nanny", "--nthreads", "1", "--no-dashboard",
                   "--memory-limit", "0", log=tmp_path / "worker.log")
    from dask.distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(1, timeout=60)
    yield address, worker
    _stop(worker)
    _stop(scheduler)


def test_killing_the_only_worker_ends_the_batch_with_one_sentence(cluster, tmp_path):
    address, worker = cluster
    out = tmp_path / "out"

    def kill_after_first_record() -> None:  # the worker dies with work left in the queue
        while not list((out / "status").glob("*.json")) and worker.poll() is None:
            time.sleep(0.05)
        os.killpg(worker.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_after_first_record, daemon=True)
    killer.start()
    done = subprocess.run(
        [str(BIN / "wakescope"), "batch", *INPUTS, "--out", str(out), "--scheduler", address,
         "--timeout", "60", "--no-progress"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    killer.join(5)
    assert done.returncode == 3, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"wakescope: the batch stopped: the Dask scheduler {address} "
                               "has no worker left, so ")
    assert lines[0].endswith(" inputs were not processed; start workers and run the same "
                             "batch again to resume.")
    assert "Traceback" not in done.stderr
    records = [json.loads(p.read_text()) for p in (out / "status").glob("*.json")]
    assert len(records) == len(INPUTS)
    left = [r for r in records if r["status"] == "error"]
    n_left = int(lines[0].split("so ", 1)[1].split(" of ", 1)[0])
    assert n_left == len(left) >= 1
    assert {r["reason"] for r in left} <= {
        "internal error: not processed: the Dask cluster has no worker left"}
    status = json.loads((out / "status.json").read_text())
    assert status["counts"]["error"] == n_left
    assert (out / "index.html").is_file()


def test_url_out_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for url in ("memory://x", "s3://bucket/fleet"):
        with pytest.raises(BatchUsageError, match=r"is a URL; batch outputs go to a local"):
            run_batch([INPUTS[0]], url, jobs=1, progress=False)
    assert list(tmp_path.iterdir()) == []  # no ./memory:/x, no ./s3:/bucket
    # file:// is a local folder
    result = run_batch([str(SAMPLES / "alarm.txt")], (tmp_path / "f").as_uri(), jobs=1,
                       progress=False)
    assert result.counts["ok"] == 1 and (tmp_path / "f" / "status.json").is_file()


def test_missing_s3fs_is_a_usage_error(monkeypatch):
    import builtins

    pytest.importorskip("fsspec")
    real = builtins.__import__

    def no_s3fs(name, *args, **kwargs):
        if name == "s3fs" or name.startswith("s3fs."):
            raise ImportError("No module named 's3fs'", name="s3fs")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_s3fs)
    with pytest.raises(BatchUsageError) as err:
        run_batch(["s3://bucket/dumps/"], "out-never-written", jobs=1, progress=False)
    assert str(err.value).startswith("cannot read s3://bucket/dumps/: ")
    assert "s3fs" in str(err.value)
    assert not Path("out-never-written").exists()


def test_timeout_fails_only_the_slow_input(tmp_path, monkeypatch):
    """A parser stuck in a loop on one input: that input fails after --timeout, the others
    are processed by the same worker."""
    from wakescope.analyzer.batch import worker

    real = worker._tables_and_capture

    def slow_on_alarm(local, *args, **kwargs):
        if local.endswith("alarm.txt"):
            while True:  # Python bytecode, like a runaway parser loop
                pass
        return real(local, *args, **kwargs)

    monkeypatch.setattr(worker, "_tables_and_capture", slow_on_alarm)
    inputs = [str(SAMPLES / "alarm.txt"), str(SAMPLES / "jobscheduler.txt")]
    result = run_batch(inputs, tmp_path / "out", jobs=1, progress=False, timeout=4)
    by_name = {Path(r["source"]).name: r for r in result.records}
    assert by_name["alarm.txt"]["status"] == "failed"
    assert by_name["alarm.txt"]["reason"] == "processing took longer than the --timeout of 4 s"
    assert by_name["jobscheduler.txt"]["status"] == "ok"
    assert by_name["jobscheduler.txt"]["tables"]["jobscheduler_jobs"] > 0
    assert not (tmp_path / "out" / "reports" / f"{by_name['alarm.txt']['name']}.html").exists()
