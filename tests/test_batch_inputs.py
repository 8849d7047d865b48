"""Batch input expansion, ids, names and resume rules, on small files made here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wakescope.analyzer.batch import (
    BatchUsageError,
    capture_id_for,
    expand_inputs,
    is_current,
    output_name,
    run_batch,
    safe_name,
)

ALARM = """Current Alarm Manager state:
  nowRTC=1600566618601=2020-09-19 18:50:18 nowELAPSED=101449404
"""


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "a" / "one.txt").write_text(ALARM)
    (tmp_path / "a" / "deep" / "two.txt").write_text(ALARM + "\n")
    (tmp_path / "b" / "one.txt").write_text(ALARM + "\n\n")  # same name, other folder
    (tmp_path / "b" / "notes.md").write_text("# not a dump\n")
    (tmp_path / ".hidden" / "x.txt").write_text(ALARM)
    (tmp_path / "a" / ".dot.txt").write_text(ALARM)
    return tmp_path


def test_folders_recurse_skip_hidden_and_dedupe(tree: Path):
    items, problems = expand_inputs([str(tree), str(tree / "a" / "one.txt")])
    names = sorted(Path(i.source).relative_to(tree.resolve()).as_posix() for i in items)
    assert names == ["a/deep/two.txt", "a/one.txt", "b/notes.md", "b/one.txt"]
    assert problems == []
    # Same file name in two folders → two distinct output names.
    ones = [i for i in items if i.source.endswith("one.txt")]
    assert len({i.name for i in ones}) == 2
    assert all(i.name.startswith("one-") for i in ones)


def test_globs_exclude_and_missing(tree: Path):
    items, problems = expand_inputs([str(tree / "**" / "*.txt"), str(tree / "nope"),
                                     str(tree / "*.zip")], exclude=["two.*"])
    assert sorted(Path(i.source).name for i in items) == ["one.txt", "one.txt"]
    assert problems == [f"no such file or folder: {tree / 'nope'}",
                        f"no input files matched {tree / '*.zip'}"]


def test_out_dir_inside_input_is_not_an_input(tree: Path):
    out = tree / "a" / "out"
    (out / "reports").mkdir(parents=True)
    (out / "reports" / "r.html").write_text("<html>")
    items, _ = expand_inputs([str(tree / "a")], out_dir=out)
    assert sorted(Path(i.source).name for i in items) == ["one.txt", "two.txt"]


def test_largest_first(tree: Path):
    items, _ = expand_inputs([str(tree / "a"), str(tree / "b" / "one.txt")])
    assert [i.size for i in items] == sorted((i.size for i in items), reverse=True)


def test_capture_id_is_stable_and_changes_with_the_file(tree: Path):
    f = tree / "a" / "one.txt"
    first = expand_inputs([str(f)])[0][0]
    again = expand_inputs([str(f)])[0][0]
    assert first.capture_id == again.capture_id
    st = f.stat()
    assert first.capture_id == capture_id_for(str(f.resolve()), st.st_size, st.st_mtime_ns)
    assert len(first.capture_id) == 12
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert expand_inputs([str(f)])[0][0].capture_id != first.capture_id


def test_names_are_sanitised():
    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name("<script>alert(1)</script>") == "script_alert_1_script"
    assert safe_name("...") == "input"
    assert output_name("bugreport-x.txt.gz", "abc") == "bugreport-x-abc"
    assert output_name("../evil name.zip", "abc") == "evil_name-abc"


def test_no_inputs_is_a_usage_error(tmp_path: Path):
    with pytest.raises(BatchUsageError, match="no input files to process"):
        run_batch([str(tmp_path / "missing")], tmp_path / "out", progress=False)
    with pytest.raises(BatchUsageError, match="--jobs"):
        run_batch([str(tmp_path)], tmp_path / "out", jobs=0, progress=False)


def test_resume_skips_done_inputs_and_redoes_changed_ones(tree: Path, tmp_path: Path):
    out = tmp_path / "out"
    files = [str(tree / "a" / "one.txt"), str(tree / "b" / "notes.md")]
    first = run_batch(files, out, jobs=1, progress=False)
    assert (first.processed, first.skipped) == (2, 0)
    by_name = {Path(r["source"]).name: r for r in first.records}
    assert by_name["notes.md"]["status"] == "failed"
    assert by_name["one.txt"]["status"] in ("ok", "partial")

    second = run_batch(files, out, jobs=1, progress=False)
    assert (second.processed, second.skipped) == (0, 2)
    assert sorted(r["capture_id"] for r in second.records) == sorted(
        r["capture_id"] for r in first.records)

    # Other options → not current; --force → redone.
    item = expand_inputs([files[0]])[0][0]
    assert is_current(out.resolve(), item, True, None) is not None
    assert is_current(out.resolve(), item, False, None) is None
    forced = run_batch(files, out, jobs=1, force=True, progress=False)
    assert (forced.processed, forced.skipped) == (2, 0)

    # The input changes: new id, the old record and tables are gone.
    st = Path(files[0]).stat()
    os.utime(files[0], ns=(st.st_atime_ns, st.st_mtime_ns + 5 * 10**9))
    third = run_batch(files, out, jobs=1, progress=False)
    assert (third.processed, third.skipped) == (1, 1)
    old = by_name["one.txt"]["capture_id"]
    assert not (out / "status" / f"{old}.json").exists()
    assert not list((out / "tables").glob(f"*/{old}.parquet"))
    assert len(list((out / "status").glob("*.json"))) == 2


def test_internal_error_is_recorded_and_exit_code_3(tree: Path, tmp_path: Path, monkeypatch):
    import wakescope.analyzer.batch.worker as worker

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(worker, "_tables_and_capture", boom)
    result = run_batch([str(tree / "a" / "one.txt")], tmp_path / "out", jobs=1, progress=False)
    (rec,) = result.records
    assert rec["status"] == "error"
    assert rec["reason"] == "internal error: RuntimeError: boom"
    assert result.exit_code == 3
    # An error is not "done": a resumed run tries again.
    monkeypatch.undo()
    again = run_batch([str(tree / "a" / "one.txt")], tmp_path / "out", jobs=1, progress=False)
    assert again.processed == 1 and again.records[0]["status"] in ("ok", "partial")


def test_zipped_inputs_are_ordered_by_their_text(tmp_path: Path):
    import zipfile

    big_text = ALARM + "x" * 200_000
    with zipfile.ZipFile(tmp_path / "small-on-disk.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bugreport.txt", big_text)
    (tmp_path / "plain.txt").write_text(ALARM + "y" * 20_000)
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    items, _ = expand_inputs([str(tmp_path)])
    assert (tmp_path / "small-on-disk.zip").stat().st_size < (tmp_path / "plain.txt").stat().st_size
    assert [Path(i.source).name for i in items] == ["small-on-disk.zip", "plain.txt", "broken.zip"]
