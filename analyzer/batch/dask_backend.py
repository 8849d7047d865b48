"""Run a batch on a Dask distributed cluster: the same `process_one` per input, on workers.

Workers read each input by path or fsspec URL and write their outputs (report, Parquet
files, record) straight to the output folder, which must be a location every worker sees
(a shared file system). The driver only collects the small records and then builds the
fleet summary from the Parquet dataset. Needs `pip install 'wakescope[distributed]'`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from wakescope.analyzer.batch.inputs import BatchUsageError
from wakescope.analyzer.batch.worker import crashed_record, process_one


def _import_distributed():
    try:
        from dask import distributed
    except ImportError as exc:
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
            fut = client.submit(process_one, task, pure=False,
                                key=f"wakescope-{task['capture_id']}-{len(queue)}")
            by_key[fut.key] = task
            live[fut.key] = fut
            return fut

        running = distributed.as_completed([submit(queue.pop()) for _ in
                                            range(min(limit, len(queue)))])
        alone_since: float | None = None
        next_check = 0.0
        while not running.is_empty():
            ready = running.next_batch(block=False)
            if not ready:
                now = time.monotonic()
                if now >= next_check:
                    next_check = now + 1.0
                    if _worker_count(client):
                        alone_since = None
                    elif alone_since is None:
                        alone_since = now
                    elif now - alone_since >= no_worker_grace:
                        _abandon(client, list(live.values()), by_key, queue, on_done,
                                 scheduler, len(tasks))
                time.sleep(poll)
                continue
            for fut in ready:
                task = by_key.pop(fut.key)
                live.pop(fut.key, None)
                try:
                    record = fut.result()
                except Exception as exc:  # the worker died (KilledWorker), not the input
                    record = crashed_record(task, f"Dask task failed: {type(exc).__name__}: "
                                                  f"{exc}")
                fut.release()
                on_done(record)
                if queue:
                    running.add(submit(queue.pop()))


def _abandon(client, futures: list, by_key: dict, queue: list, on_done, scheduler: str,
             total: int) -> None:
    """Record every unfinished input as `error` (a resumed batch retries it) and raise."""
    import contextlib

    left = list(by_key.values()) + list(reversed(queue))
    with contextlib.suppress(Exception):
        client.cancel(futures)
    for task in left:
        on_done(crashed_record(task, "not processed: the Dask cluster has no worker left"))
    where = "the local cluster" if scheduler == "local" else f"the Dask scheduler {scheduler}"
    raise NoWorkersLeft(
        f"{where} has no worker left, so {len(left)} of {total} inputs were not processed; "
        "start workers and run the same batch again to resume")
