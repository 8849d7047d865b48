"""The whole corpus through `wakescope batch` (once, module-scoped), plus a garbage file and
an empty file beside it: statuses, exit code, the Parquet dataset, resume and the fleet
summary's sums."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.conftest import CORPUS
from wakescope.analyzer.batch.fleet import fleet_summary, table_files
from wakescope.analyzer.cli import app

pytestmark = pytest.mark.corpus

GARBAGE = bytes(range(256)) * 64


def _no_scripts(page: str) -> str:
    """The page without its <script> elements (Plotly's bundle holds URLs of its own)."""
    return re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)


def corpus_files() -> list[Path]:
    """The 22 corpus inputs (README and checksums left out)."""
    return sorted(p for p in CORPUS.rglob("*")
                  if p.is_file() and p.name not in ("README.md", "SHA256SUMS"))


@pytest.fixture(scope="module")
def fleet_dir(tmp_path_factory):
    """Symlinks to every corpus file (same sub-folders) + garbage.bin + empty.txt."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent in this checkout")
    root = tmp_path_factory.mktemp("fleet-in")
    for f in corpus_files():
        link = root / f.relative_to(CORPUS)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(f)
    (root / "bad").mkdir()
    (root / "bad" / "garbage.bin").write_bytes(GARBAGE)
    (root / "bad" / "empty.txt").write_bytes(b"")
    return root


@pytest.fixture(scope="module")
def batch_run(fleet_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("fleet-out") / "out"
    result = CliRunner().invoke(app, ["batch", str(fleet_dir), "--out", str(out),
                                      "--jobs", "2", "--no-progress"])
    return result, out


def records(out: Path) -> dict[str, dict]:
    """Records keyed by the input's path relative to the corpus (or bad/...)."""
    recs = {}
    for p in (out / "status").glob("*.json"):
        r = json.loads(p.read_text())
        src = Path(r["source"])
        key = (src.relative_to(CORPUS).as_posix() if CORPUS in src.parents
               else "bad/" + src.name)
        recs[key] = r
    return recs


def test_every_input_has_a_status_and_exit_is_0(batch_run, fleet_dir):
    result, out = batch_run
    assert result.exit_code == 0, result.output
    assert len(corpus_files()) == 22
    recs = records(out)
    assert len(recs) == 24
    assert "24 inputs (24 processed, 0 up to date)" in result.output
    bad = fleet_dir.resolve() / "bad"
    assert recs["bad/garbage.bin"]["status"] == "failed"
    assert recs["bad/garbage.bin"]["reason"] == (
        f"{bad / 'garbage.bin'} is binary data, not an Android bug report or dumpsys text output.")
    assert recs["bad/empty.txt"]["status"] == "failed"
    assert recs["bad/empty.txt"]["reason"] == (
        f"{bad / 'empty.txt'} is empty; expected an Android bug report or dumpsys output.")
    for key, rec in recs.items():
        if key.startswith("bad/"):
            assert rec["report"] is None and not rec.get("tables")
            continue
        assert rec["status"] in ("ok", "partial"), (key, rec["reason"])
        assert (rec["status"] == "partial") == bool(rec["reason"]), key
    # The Meizu bug report has 201 undecodable bytes (formats.md §7): parsed, with a warning.
    meizu = recs["bugreports/bugreport-meizu-mx6-NMF26O-android7.1.1.zip"]
    assert meizu["status"] == "partial"
    assert "201 invalid byte sequences replaced" in meizu["reason"]
    assert (meizu["manufacturer"], meizu["model"], meizu["release"], meizu["sdk"]) == (
        "Meizu", "MX6", "7.1", 25)
    # Symlinked inputs are identified by the file they point at.
    assert recs["alarm/pixel-android10.txt"]["source"] == str(CORPUS / "alarm/pixel-android10.txt")


def test_captures_table_and_status_json(batch_run):
    _, out = batch_run
    caps = pl.read_parquet(out / "captures.parquet")
    assert caps.height == 24
    assert caps.get_column("capture_id").n_unique() == 24
    counts = caps.group_by("status").len().sort("status")
    status = json.loads((out / "status.json").read_text())
    assert status["counts"] == {s: n for s, n in counts.iter_rows()} | {
        s: 0 for s in ("ok", "partial", "failed", "error")
        if s not in counts.get_column("status").to_list()}
    assert status["counts"]["failed"] == 2
    sailfish = caps.filter(pl.col("name").str.starts_with("bugreport-sailfish-OPM1")).row(
        0, named=True)
    assert (sailfish["manufacturer"], sailfish["model"], sailfish["release"]) == (
        "Google", "Pixel", "8.1")
    assert sailfish["kind"] == "bugreport"
    assert sailfish["device_key"] is not None  # serial digest from the properties
    assert "batterystats" in sailfish["sections"] and "alarm" in sailfish["sections"]


def test_tables_read_as_one_dataset(batch_run):
    _, out = batch_run
    ids = set(pl.read_parquet(out / "captures.parquet").get_column("capture_id"))
    tables = sorted(p.name for p in (out / "tables").iterdir())
    assert "batterystats_wakelocks" in tables
    for name in tables:
        df = pl.scan_parquet(str(out / "tables" / name / "**" / "*.parquet")).collect()
        assert df.columns[0] == "capture_id"
        assert set(df.get_column("capture_id")) <= ids
        # One file per capture that has rows, each holding only its own capture_id.
        assert df.get_column("capture_id").n_unique() == len(table_files(out, name))
    # Row counts recorded per capture match the files.
    for rec in records(out).values():
        for name, rows in (rec.get("tables") or {}).items():
            f = out / "tables" / name / f"{rec['capture_id']}.parquet"
            assert pl.read_parquet(f).height == rows


def test_fleet_totals_equal_sums_of_per_capture_tables(batch_run):
    _, out = batch_run
    summary = fleet_summary(out)
    # Partial wakelock time per package × tag = the sum over the per-capture files.
    expected: dict[tuple, int] = {}
    for f in table_files(out, "batterystats_wakelocks"):
        df = pl.read_parquet(f).filter(pl.col("kind") == "partial")
        for pkg, tag, ms in df.select("package", "tag", "total_ms").iter_rows():
            expected[(pkg, tag)] = expected.get((pkg, tag), 0) + (ms or 0)
    got = {(p, t): ms for p, t, ms in
           summary.wakelock_tags.select("package", "tag", "total_ms").iter_rows()}
    assert got == expected
    assert len(got) > 100
    # Per-app totals (the analysis `apps` table) = the sums over captures.
    app_files = table_files(out, "apps")
    if not app_files:
        pytest.skip("the analysis produced no apps table in this build")
    sums: dict[str, dict] = {}
    for f in app_files:
        for row in pl.read_parquet(f).iter_rows(named=True):
            acc = sums.setdefault(row["package"], {"wakeup_alarms": 0, "partial_wakelock_ms": 0,
                                                   "captures": set()})
            acc["wakeup_alarms"] += row["wakeup_alarms"] or 0
            acc["partial_wakelock_ms"] += row["partial_wakelock_ms"] or 0
            acc["captures"].add(row["capture_id"])
    apps = {r["package"]: r for r in summary.apps.iter_rows(named=True)}
    assert set(apps) == {p for p in sums if p is not None}
    for pkg, acc in sums.items():
        if pkg is None:
            continue
        assert apps[pkg]["wakeup_alarms"] == acc["wakeup_alarms"], pkg
        assert apps[pkg]["partial_wakelock_ms"] == acc["partial_wakelock_ms"], pkg
        assert apps[pkg]["captures"] == len(acc["captures"]), pkg


def test_index_links_every_report_relatively(batch_run):
    _, out = batch_run
    page = (out / "index.html").read_text()
    links = re.findall(r'href="([^"#]+)"', _no_scripts(page))
    reports = {r["report"] for r in records(out).values() if r["report"]}
    assert set(links) == reports
    for link in links:
        assert not link.startswith(("/", "http")) and (out / link).is_file()
    assert "is binary data, not an Android bug report" in page
    assert not re.search(r'<link[^>]+href=', page)
    # A batch shares one Plotly beside the reports (issue 17): a local, relative file.
    assert re.findall(r'<script[^>]+src="([^"]+)"', page) == ["reports/plotly.min.js"]
    assert (out / "reports" / "plotly.min.js").stat().st_size > 1_000_000


def test_resume_then_change_one_input(batch_run, fleet_dir):
    _, out = batch_run
    again = CliRunner().invoke(app, ["batch", str(fleet_dir), "--out", str(out),
                                     "--no-progress"])
    assert again.exit_code == 0
    assert "24 inputs (0 processed, 24 up to date)" in again.output
    # --fail-on: exit 1 when some capture has a finding at or above that severity.
    recs = records(out)
    highs = sum(1 for r in recs.values() if r.get("worst_severity") == "high")
    failing = CliRunner().invoke(app, ["batch", str(fleet_dir), "--out", str(out),
                                       "--no-progress", "--fail-on", "high"])
    assert highs > 0  # e.g. com.google.android.gms wakeups in the emulator Android 9 report
    assert failing.exit_code == 1
    assert f"{highs} captures have findings at or above high" in failing.output
    garbage = fleet_dir / "bad" / "garbage.bin"
    st = garbage.stat()
    os.utime(garbage, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    third = CliRunner().invoke(app, ["batch", str(fleet_dir), "--out", str(out), "-j", "1",
                                     "--no-progress"])
    assert "24 inputs (1 processed, 23 up to date)" in third.output
    assert len(list((out / "status").glob("*.json"))) == 24
    # `wakescope fleet` rebuilds the same summary from the folder alone.
    before = json.loads((out / "status.json").read_text())
    (out / "index.html").unlink()
    rebuilt = CliRunner().invoke(app, ["fleet", str(out)])
    assert rebuilt.exit_code == 0 and (out / "index.html").is_file()
    after = json.loads((out / "status.json").read_text())
    assert after["counts"] == before["counts"] and after["inputs"] == before["inputs"]


def test_duckdb_reads_every_table_by_glob_including_empty_ones(batch_run):
    """Every table the batch can write has a folder: DuckDB's glob over it gives the rows
    the records say were written, and zero rows with the declared columns for a table no
    corpus input filled (its `empty.parquet`), instead of "no files found"."""
    duckdb = pytest.importorskip("duckdb")
    from wakescope.analyzer.cli.tables import all_schemas

    _, out = batch_run
    written: dict[str, int] = {}
    for rec in records(out).values():
        for name, n in (rec.get("tables") or {}).items():
            written[name] = written.get(name, 0) + n
    declared = {n: s for n, s in all_schemas().items() if n != "captures"}
    assert set(written) <= set(declared)
    empty = sorted(set(declared) - set(written))
    assert empty, "the corpus fills every table: nothing here checks the empty case"
    con = duckdb.connect()
    for name, schema in declared.items():
        glob = str(out / "tables" / name / "*.parquet")
        rel = con.sql(f"SELECT * FROM read_parquet('{glob}', union_by_name = true)")
        count = con.sql(f"SELECT count(*) FROM read_parquet('{glob}', "
                        "union_by_name = true)").fetchall()[0][0]
        assert count == written.get(name, 0), name
        assert rel.columns[0] == "capture_id", name
        if name in empty:
            assert rel.columns == ["capture_id", *(c.name for c in schema.columns)], name
            assert [p.name for p in (out / "tables" / name).iterdir()] == ["empty.parquet"]
    n = con.sql(f"SELECT count(*) FROM '{out / 'captures.parquet'}'").fetchall()[0][0]
    assert n == len(records(out))


def test_pages_name_inputs_by_file_name(batch_run, fleet_dir):
    """No local folder in the fleet page or the per-input reports (a privacy leak when
    attached to a ticket); status.json keeps the resolved path as the batch's index."""
    _, out = batch_run
    page = _no_scripts((out / "index.html").read_text())
    assert "<code>garbage.bin</code>" in page
    assert "garbage.bin is binary data, not an Android bug report" in page
    for html in [out / "index.html", *sorted((out / "reports").glob("*.html"))[:4]]:
        text = _no_scripts(html.read_text())
        assert str(fleet_dir) not in text and str(CORPUS) not in text, html.name
