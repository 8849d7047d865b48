"""The same small batch on local processes and on a real Dask LocalCluster gives the same
tables and statuses; one input goes through an fsspec `file://` URL."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from analyzer.batch import run_batch

pytest.importorskip("dask.distributed", reason="needs pip install 'wakescope[distributed]'")
pytestmark = pytest.mark.corpus

VOLATILE = {"duration_ms", "write_ms", "processed_at", "worker", "capture_id", "name",
            "source", "report", "mtime", "tables"}


def _by_file(result) -> dict[str, dict]:
    return {r["source"].rsplit("/", 1)[-1]: r for r in result.records}


def _tables(out: Path, capture_id: str) -> dict[str, pl.DataFrame]:
    return {f.parent.name: pl.read_parquet(f).drop("capture_id")
            for f in (out / "tables").glob(f"*/{capture_id}.parquet")}


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
            assert sorted(map(repr, ta[table].rows())) == sorted(map(repr, tb[table].rows())), (
                name, table)
    # The checkin dump has tables; the garbage file none.
    assert a[checkin.name]["tables"]["batterystats_summary"] == 1
    assert not a["garbage.bin"].get("tables")
    assert dask.exit_code == 0 and (tmp_path / "dask" / "index.html").is_file()
