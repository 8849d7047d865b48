"""Run a batch on a Dask distributed cluster: the same `process_one` per input, on workers.

Workers read each input by path or fsspec URL and write their outputs (report, Parquet
files, record) straight to the output folder, which must be a location every worker sees
(a shared file system). The driver only collects the small records and then builds the
fleet summary from the Parquet dataset. Needs `pip install 'wakescope[distributed]'`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from wakescope.analyzer.batch.inputs import BatchUsageError
from wakescope.analyzer.batch.worker import crashed_record, process_one


def _import_distributed():
    try:
        from dask import distributed
    except ModuleNotFoundError as exc:
        if exc.name not in ("dask", "distributed"):  # installed but broken: do not hide it
            raise
        raise BatchUsageError(
            "--scheduler needs Dask distributed: pip install 'wakescope[distributed]'"
        ) from exc
    return distributed


@contextlib.contextmanager
def dask_client(scheduler: str, jobs: int | None = None, timeout: str = "30s") -> Iterator:
    """A Client for `scheduler`: "local" starts a LocalCluster of `jobs` single-threaded
    worker processes bound to 127.0.0.1 without a dashboard; anything else is the address
    of a running scheduler (e.g. tcp://10.0.0.5:8786)."""
    distributed = _import_distributed()
    if not logging.getLogger("wakescope").isEnabledFor(logging.INFO):
        # Dask logs each lost result and reconnect at WARNING; the batch says what matters
        # (shown again with --verbose).
        for name in ("distributed", "distributed.client"):  # dask config sets both
            logging.getLogger(name).setLevel(logging.ERROR)
    if scheduler == "local":
        from wakescope.analyzer.batch.worker import default_jobs

        n = jobs or default_jobs()
        with distributed.LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=40,
            env={"POLARS_MAX_THREADS": "1"},  # one core per worker process
        ) as cluster, distributed.Client(cluster) as client:
            yield client
        return
    try:
        client = distributed.Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise BatchUsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    with client:
        yield client


class NoWorkersLeft(RuntimeError):
    """The cluster lost every worker: the remaining inputs cannot run."""


def _worker_count(client) -> int:
    try:
        return len(client.scheduler_info().get("workers", {}))
    except Exception:  # the scheduler itself is gone: no worker either
        return 0


def run_on_dask(tasks: list[dict], scheduler: str, *, jobs: int | None = None,
                on_done: Callable[[dict], None], timeout: float | None = None,
                no_worker_grace: float = 10.0, poll: float = 0.2) -> None:
    """Submit `process_one` for every task, at most 2× the cluster's threads in flight (the
    driver's memory does not grow with the fleet), calling `on_done` with each record.

    Each task carries its own `timeout` (enforced in the worker, `deadline`). When the
    cluster has had no worker for `no_worker_grace` seconds (a nanny restarts a killed
    worker within that), every input not yet done is recorded as `error` and
    `NoWorkersLeft` is raised instead of waiting forever.
    """
    if not tasks:
        return
    import time

    distributed = _import_distributed()
    with dask_client(scheduler, jobs) as client:
        threads = sum(w.get("nthreads", 1)
                      for w in client.scheduler_info().get("workers", {}).values())
        limit = max(2, 2 * (threads or jobs or 1))
        queue = list(reversed(tasks))
        by_key: dict[str, dict] = {}
        live: dict[str, object] = {}

        def submit(task: dict):
            task = {**task, "submitted_at": datetime.now(UTC).isoformat()}
            fut = client.submit(process_one, task, pure=False,
                                key=f"wakescope-{task['capture_id']}-{len(queue)}")
            by_key[fut.key] = task
            live[fut.key] = fut
            return fut

        running = distributed.as_completed([submit(queue.pop()) for _ in
                                            range(min(limit, len(queue)))])
        watch = _WorkerWatch(client, no_worker_grace)

        def give_up() -> None:
            _abandon(client, list(live.values()), by_key, queue, on_done, scheduler,
                     len(tasks))

        while not running.is_empty():
            ready = running.next_batch(block=False)
            if not ready:
                if watch.none_left():
                    give_up()
                time.sleep(poll)
                continue
            for fut in ready:
                while True:  # a result on a worker that just died is recomputed: wait, watching
                    try:
                        record = fut.result(timeout=1)
                        break
                    except (TimeoutError, distributed.TimeoutError):
                        if watch.none_left():
                            give_up()
                    except Exception as exc:  # the worker died (KilledWorker), not the input
                        record = crashed_record(by_key[fut.key], "Dask task failed: "
                                                f"{type(exc).__name__}: {exc}")
                        break
                by_key.pop(fut.key)
                live.pop(fut.key, None)
                fut.release()
                on_done(record)
                if queue:
                    running.add(submit(queue.pop()))


class _WorkerWatch:
    """Says when the cluster has had no worker for `grace` seconds (checked once a second)."""

    def __init__(self, client, grace: float):
        self.client, self.grace = client, grace
        self.alone_since: float | None = None
        self.next_check = 0.0

    def none_left(self) -> bool:
        import time

        now = time.monotonic()
        if now < self.next_check:
            return False
        self.next_check = now + 1.0
        if _worker_count(self.client):
            self.alone_since = None
        elif self.alone_since is None:
            self.alone_since = now
        return self.alone_since is not None and now - self.alone_since >= self.grace


def _abandon(client, futures: list, by_key: dict, queue: list, on_done, scheduler: str,
             total: int) -> None:
    """Record every unfinished input as `error` (a resumed batch retries it) and raise. An
    input whose worker stored its record before dying keeps that record."""
    from pathlib import Path

    from wakescope.analyzer.batch.records import DONE_STATUSES, read_record

    left = list(by_key.values()) + list(reversed(queue))
    # The client's pending gathers of the lost results end with a logged AllExit traceback
    # when it closes; the one sentence below says all there is.
    for name in ("distributed", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    with contextlib.suppress(Exception):
        client.cancel(futures)
    not_run = 0
    for task in left:
        stored = read_record(Path(task["out_dir"]), task["capture_id"])
        if stored and stored.get("status") in DONE_STATUSES and \
                (stored.get("processed_at") or "") >= task.get("submitted_at", "~"):
            on_done(stored)
            continue
        not_run += 1
        on_done(crashed_record(task, "not processed: the Dask cluster has no worker left"))
    where = "the local cluster" if scheduler == "local" else f"the Dask scheduler {scheduler}"
    raise NoWorkersLeft(
        f"{where} has no worker left, so {not_run} of {total} inputs were not processed; "
        "start workers and run the same batch again to resume")
