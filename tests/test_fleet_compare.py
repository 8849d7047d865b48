"""Fleet comparison: a batch of corpus captures grouped by build, group medians per app × API.

Hand-computed from the sailfish 8.1 bug report (build OPM1.171019.021): u0a92
(com.google.android.gm) `Job …` lines: the SyncManager ones `gmail-ls/…` (4 runs) and
`com.google.android.gm.email.provider/…` (20) are sync_adapter, the app's own
`UpdateNotificationJob` (6), `SendSetNewEmailIndicatorJob` (24) and
`UpdateAuthNotificationJob` (5) job_scheduler: 24 and 35 runs over
`Time on battery: 9h 35m 17s 110ms`. The sailfish 10 report (QP1A.191005.007.A3) ran none.
"""

from __future__ import annotations

import pytest
from conftest import BUGREPORTS, corpus_path
from typer.testing import CliRunner

from wakescope.analyzer.batch import run_batch
from wakescope.analyzer.batch.fleet_compare import (
    GroupError,
    compare_groups,
    group_rates,
    parse_compare,
)
from wakescope.analyzer.cli import app

H = 3_600_000
BAT_81 = 9 * H + 35 * 60_000 + 17_110
A, B = "OPM1.171019.021", "QP1A.191005.007.A3"


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory):
    inputs = [corpus_path(BUGREPORTS["sailfish_8_1"]), corpus_path(BUGREPORTS["sailfish_10"]),
              corpus_path("checkin/pixel7-lynx-android15-checkin.txt"),
              corpus_path("batterystats/xiaomi-miro-android15.txt")]
    out = tmp_path_factory.mktemp("fleet") / "out"
    run_batch([str(p) for p in inputs], out, jobs=2, progress=False)
    return out


@pytest.mark.corpus
def test_group_rates_by_build(batch_dir):
    rates = group_rates(batch_dir, "build")
    # The Xiaomi dump names no build: it belongs to no group.
    groups = dict(rates.select("group", "captures").unique().iter_rows())
    assert groups == {A: 1, B: 1, "AP4A.250105.002": 1}
    gm = rates.filter((rates["group"] == A) & (rates["package"] == "com.google.android.gm")
                      & (rates["metric"] == "jobs_per_h"))
    by_api = dict(gm.select("api", "median").iter_rows())
    assert by_api["job_scheduler"] == pytest.approx(35 / (BAT_81 / H))
    assert by_api["sync_adapter"] == pytest.approx(24 / (BAT_81 / H))


@pytest.mark.corpus
def test_compare_two_builds(batch_dir):
    df = compare_groups(batch_dir, "build", A, B)
    row = df.filter((df["package"] == "com.google.android.gm") & (df["api"] == "job_scheduler")
                    & (df["metric"] == "jobs_per_h")).row(0, named=True)
    assert row["a_median"] == pytest.approx(35 / (BAT_81 / H)) and row["b_median"] == 0
    assert row["delta"] == pytest.approx(-35 / (BAT_81 / H))
    assert (row["a_devices_with_app"], row["a_devices"]) == (1, 1)
    assert (row["b_devices_with_app"], row["b_devices"]) == (0, 1)
    deltas = df.get_column("delta").abs().to_list()
    assert deltas == sorted(deltas, reverse=True) and 0 not in deltas
    with pytest.raises(GroupError, match="no analysed capture has build 'NOPE'"):
        compare_groups(batch_dir, "build", A, "NOPE")


def test_parse_compare():
    assert parse_compare("build=A,build=B") == ("build", "A", "B")
    for bad in ("build=A", "build=A,device=B", "A,B", "build=,build=B"):
        with pytest.raises(GroupError):
            parse_compare(bad)


@pytest.mark.corpus
def test_fleet_compare_cli(batch_dir):
    res = CliRunner().invoke(app, ["fleet", str(batch_dir), "--compare", f"build={A},build={B}"])
    assert res.exit_code == 0, res.output
    md = (batch_dir / "compare-build.md").read_text(encoding="utf-8").splitlines()
    assert len(md) <= 40 and md[0] == f"## wakescope fleet: build {A} → {B}"
    assert any(line.startswith("| com.google.android.gm · job_scheduler | Job runs (/h) | 3.65 "
                               "| 0.00 | -3.65 | 1/1 | 0/1 |") for line in md)
    page = (batch_dir / "compare-build.html").read_text(encoding="utf-8")
    assert "com.google.android.gm · job_scheduler" in page
    res = CliRunner().invoke(app, ["fleet", str(batch_dir), "--compare", "build=A"])
    assert res.exit_code == 2 and "FIELD=A,FIELD=B" in res.output
    res = CliRunner().invoke(app, ["batch", str(corpus_path("alarm/pixel-android10.txt")),
                                   "-o", str(batch_dir.parent / "x"), "--group-by",
                                   "app_version"])
    assert res.exit_code == 2 and "cannot be grouped by app version" in res.output


@pytest.mark.corpus
def test_batch_group_by_writes_group_medians(tmp_path):
    import polars as pl

    src = corpus_path("checkin/pixel7-lynx-android15-checkin.txt")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["batch", str(src), "-o", str(out), "--group-by", "build",
                                   "--no-progress", "-j", "1"])
    assert res.exit_code == 0, res.output
    assert "build AP4A.250105.002: 1 capture, 1 device" in res.output
    groups = pl.read_parquet(out / "groups-build.parquet")
    assert set(groups.get_column("group")) == {"AP4A.250105.002"}
    assert {"median", "mean", "devices_with_app", "captures", "devices"} <= set(groups.columns)
