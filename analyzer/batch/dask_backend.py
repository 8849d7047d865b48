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


def run_on_dask(tasks: list[dict], scheduler: str, *, jobs: int | None = None,
                on_done: Callable[[dict], None]) -> None:
    """Submit `process_one` for every task, at most 2× the cluster's threads in flight (the
    driver's memory does not grow with the fleet), calling `on_done` with each record."""
    if not tasks:
        return
    distributed = _import_distributed()
    with dask_client(scheduler, jobs) as client:
        threads = sum(w.get("nthreads", 1)
                      for w in client.scheduler_info().get("workers", {}).values())
        limit = max(2, 2 * (threads or jobs or 1))
        queue = list(reversed(tasks))
        by_key: dict[str, dict] = {}

        def submit(task: dict):
            fut = client.submit(process_one, task, pure=False,
                                key=f"wakescope-{task['capture_id']}-{len(queue)}")
            by_key[fut.key] = task
            return fut

        running = distributed.as_completed([submit(queue.pop()) for _ in
                                            range(min(limit, len(queue)))])
        for fut in running:
            task = by_key.pop(fut.key)
            try:
                record = fut.result()
            except Exception as exc:  # the worker died (KilledWorker), not the input
                record = crashed_record(task, f"Dask task failed: {type(exc).__name__}: {exc}")
            fut.release()
            on_done(record)
            if queue:
                running.add(submit(queue.pop()))
