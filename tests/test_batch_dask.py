"""The same small batch on local processes and on a real Dask LocalCluster gives the same
tables and statuses; one input goes through an fsspec `file://` URL."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from wakescope.analyzer.batch import run_batch

pytest.importorskip("dask.distributed", reason="needs pip install 'wakescope[distributed]'")
pytestmark = pytest.mark.corpus

VOLATILE = {"duration_ms", "write_ms", "processed_at", "worker", "capture_id", "name",
            "source", "report", "mtime", "tables"}


def _by_file(result) -> dict[str, dict]:
    return {r["source"].rsplit("/", 1)[-1]: r for r in result.records}


def _tables(out: Path, capture_id: str) -> dict[str, pl.DataFrame]:
    return {f.parent.name: pl.read_parquet(f).drop("capture_id")
            for f in (out / "tables").glob(f"*/{capture_id}.parquet")}


def _evidence(text: str | None) -> str | None:
    """Findings evidence with each row list sorted (the analysis lists rows in group order)."""
    if text is None:
        return None
    items = json.loads(text)
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and isinstance(item.get("rows"), list):
            item["rows"] = sorted(item["rows"], key=repr)
    return json.dumps(items, sort_keys=True)


def _rows(df: pl.DataFrame) -> list[str]:
    """Rows as sorted text, floats to 9 digits (parallel sums differ in the last bit)."""
    df = df.with_columns(pl.col(pl.Float64).round(9))
    if "detail" in df.columns:  # names "top tags"; the analysis breaks count ties at random
        df = df.drop("detail")
    if "evidence" in df.columns:
        df = df.with_columns(pl.col("evidence").map_elements(_evidence, return_dtype=pl.String))
    return sorted(map(repr, df.rows()))


def test_local_cluster_matches_process_pool(corpus, tmp_path: Path):
    alarm = corpus("alarm/pixel-android10.txt")
    checkin = corpus("checkin/samsung-tab-android6-checkin.txt")
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 16)

    local = run_batch([str(alarm), str(checkin), str(garbage)], tmp_path / "local", jobs=1,
                      progress=False)
    dask = run_batch([str(alarm), checkin.resolve().as_uri(), str(garbage)], tmp_path / "dask",
                     jobs=2, scheduler="local", progress=False)
    a, b = _by_file(local), _by_file(dask)
    assert set(a) == set(b) == {alarm.name, checkin.name, "garbage.bin"}
    assert b[checkin.name]["source"] == checkin.resolve().as_uri()
    assert b["garbage.bin"]["status"] == "failed"
    assert b["garbage.bin"]["reason"] == (
        f"{garbage.resolve()} is binary data, not an Android bug report or dumpsys text output.")
    for name in a:
        ra = {k: v for k, v in a[name].items() if k not in VOLATILE}
        rb = {k: v for k, v in b[name].items() if k not in VOLATILE}
        assert ra == rb, (name, {k: (ra.get(k), rb.get(k)) for k in ra.keys() | rb.keys()
                             if ra.get(k) != rb.get(k)})
        assert a[name].get("tables") == b[name].get("tables"), name
        ta = _tables(tmp_path / "local", a[name]["capture_id"])
        tb = _tables(tmp_path / "dask", b[name]["capture_id"])
        assert sorted(ta) == sorted(tb), name
        for table in ta:  # same rows (group_by order may differ between processes)
            assert ta[table].schema == tb[table].schema, (name, table)
            assert _rows(ta[table]) == _rows(tb[table]), (name, table)
    # The checkin dump has tables; the garbage file none.
    assert a[checkin.name]["tables"]["batterystats_summary"] == 1
    assert not a["garbage.bin"].get("tables")
    assert dask.exit_code == 0 and (tmp_path / "dask" / "index.html").is_file()


def test_scheduler_address(corpus, tmp_path: Path):
    """`--scheduler tcp://…`: a running cluster's address (here a LocalCluster's)."""
    from dask.distributed import LocalCluster

    alarm = corpus("alarm/vivo-batch-layout.txt")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        result = run_batch([str(alarm)], tmp_path / "out", scheduler=cluster.scheduler_address,
                           progress=False)
    (rec,) = result.records
    assert rec["status"] == "ok" and rec["kind"] == "alarm"
    assert rec["tables"]["alarm_pending"] > 0
    pending = tmp_path / "out" / "tables" / "alarm_pending"
    assert (pending / f"{rec['capture_id']}.parquet").is_file()


def test_unreachable_scheduler_is_a_usage_error():
    from wakescope.analyzer.batch import BatchUsageError
    from wakescope.analyzer.batch.dask_backend import dask_client

    with (pytest.raises(BatchUsageError, match=r"cannot reach the Dask scheduler at tcp://"),
          dask_client("tcp://127.0.0.1:9", timeout="1s")):
        pass
