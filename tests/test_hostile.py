"""Hostile inputs and hostile file systems (issue 19): nothing escapes, nothing hangs,
nothing is lost. Each numbered case of the issue builds its hostile input here: links
planted in the output, spreadsheet formulas in the input, a FIFO, a gzip bomb, outputs on
the input, a full disk (simulated: `fsync` raising ENOSPC), control characters, encrypted
zip members, unwritable folders and left-over temporary files.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT, SAMPLES
from wakescope.analyzer import outputs
from wakescope.analyzer.cli import app
from wakescope.analyzer.format import plain
from wakescope.analyzer.report.markdown import code, md
from wakescope.analyzer.report.tables import _csv_ready
from wakescope.parsers import InputError, open_capture

ALARM = SAMPLES / "alarm.txt"
BUGREPORT = SAMPLES / "bugreport-sample.zip"
MAIN = "bugreport-nova5_eea-UQ1A.240205.002-2025-03-12-08-15-40.txt"


def _cli(*args: str, timeout: float = 120, env: dict | None = None,
         cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wakescope", *args], capture_output=True,
                          text=True, cwd=cwd, check=False, timeout=timeout,
                          env={**os.environ, **(env or {})})


def _run(*args: str):
    """The CLI in this process (so a monkeypatched file system applies)."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _inproc(*args: str) -> subprocess.CompletedProcess:
    """`_run` shaped like `_cli`'s result (for cases that cannot hang)."""
    res = _run(*args)
    return subprocess.CompletedProcess(args, res.exit_code, res.stdout, res.stderr)


def _one_sentence(stderr: str) -> str:
    """The single `wakescope: …` line of an input or usage error; no traceback."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("wakescope: ") and "Traceback" not in stderr
    assert "internal error" not in stderr
    return lines[0]


def _tmp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def _full_disk(monkeypatch, when=lambda name: True) -> list[str]:
    """Every `fsync` of a file whose path satisfies `when` fails with ENOSPC, as on a full
    disk (data is buffered until then: the write that fails first is the flush/fsync)."""
    hit: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        name = os.readlink(f"/proc/self/fd/{fd}")
        if when(name) and not os.path.isdir(name):
            hit.append(name)
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)
    monkeypatch.setattr(os, "fsync", fsync)
    return hit


def _batch_folder(tmp_path: Path, n: int = 3) -> Path:
    """n small valid inputs (the alarm sample under n names)."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(n):
        (src / f"alarm-{i}.txt").write_bytes(ALARM.read_bytes())
    return src


# --- 1. OUT/reports is a link: refused, nothing written outside --out -----------------------

def test_1_batch_refuses_a_linked_reports_folder(tmp_path):
    src = _batch_folder(tmp_path, 1)
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (out / "reports").symlink_to(outside)
    res = _cli("batch", str(src), "--out", str(out), "-j", "1", "--no-progress")
    assert res.returncode == 2, res.stderr
    assert _one_sentence(res.stderr) == (f"wakescope: {out.resolve() / 'reports'} is a "
                                         "symbolic link, and outputs never follow links")
    assert list(outside.iterdir()) == []


def test_1_a_link_deeper_in_the_output_fails_only_that_write(tmp_path):
    """`tables/alarm_pending` planted as a link after the folders were made: the input's
    tables are refused (its failure, one sentence), nothing lands outside."""
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "alarm_pending").symlink_to(outside)
    with pytest.raises(outputs.OutputError, match="alarm_pending is a symbolic link"):
        outputs.write_atomic(out / "tables" / "alarm_pending" / "x.parquet", b"data",
                             root=out)
    assert list(outside.iterdir()) == [] and _tmp_files(out) == []
    # removing through the link removes nothing either
    (outside / "x.parquet").write_bytes(b"theirs")
    assert not outputs.remove_contained(out / "tables" / "alarm_pending" / "x.parquet",
                                        root=out)
    assert (outside / "x.parquet").read_bytes() == b"theirs"


# --- 2. CSV cells a spreadsheet would run are defused; Parquet keeps the true value ----------

HOSTILE_TAGS = {
    "tag=*walarm*:com.example.newsfeed.action.REFRESH": '=HYPERLINK("http://evil.example/x","y")',
    "tag=*alarm*:com.android.server.action.NETWORK_STATS_POLL": "@SUM(1+1)*cmd|' /C calc'!A0",
}


def test_2_csv_export_defuses_formulas(tmp_path):
    text = ALARM.read_text()
    for old, new in HOSTILE_TAGS.items():
        assert old in text
        text = text.replace(old, f"tag={new}", 1)
    src = tmp_path / "hostile-alarm.txt"
    src.write_text(text)
    res = _inproc("parse", str(src), "--out", str(tmp_path / "csv"), "--format", "csv")
    assert res.returncode == 0, res.stderr
    res = _inproc("parse", str(src), "--out", str(tmp_path / "pq"))
    assert res.returncode == 0, res.stderr
    csv = pl.read_csv(tmp_path / "csv" / "alarm_pending.csv", infer_schema=False)
    pq = pl.read_parquet(tmp_path / "pq" / "alarm_pending.parquet")
    for tag in HOSTILE_TAGS.values():
        assert csv.filter(pl.col("tag") == "'" + tag).height == 1
        assert csv.filter(pl.col("tag") == tag).height == 0
        assert pq.filter(pl.col("tag") == tag).height == 1  # Parquet: the true value
    # No cell of any CSV file starts a formula.
    for path in (tmp_path / "csv").glob("*.csv"):
        df = pl.read_csv(path, infer_schema=False)
        for col in df.columns:
            bad = df.filter(pl.col(col).str.contains(r"^[=+@\t\r]"))
            assert bad.height == 0, (path.name, col, bad[col].to_list()[:3])


def test_2_only_text_is_defused_numbers_stay_numbers():
    df = pl.DataFrame({
        "text": ["=1+1", "+x", "-2+3", "@SUM(1)", "\tcmd", "\rcmd", "com.ok", None, "a=b"],
        "delta_ms": [-5, 1, -1, 0, 2, 3, 4, None, -9],
        "names": [["=a", "b"], ["ok"], [], None, ["-1"], ["x"], ["y"], ["z"], ["@w"]],
        "ints": [[-1, 2], [3], [], None, [-4], [5], [6], [7], [8]],
    })
    out = _csv_ready(df)
    assert out["text"].to_list() == ["'=1+1", "'+x", "'-2+3", "'@SUM(1)", "'\tcmd", "'\rcmd",
                                     "com.ok", None, "a=b"]
    assert out["delta_ms"].to_list() == [-5, 1, -1, 0, 2, 3, 4, None, -9]
    assert out["names"].to_list() == ["'=a;b", "ok", "", None, "'-1", "x", "y", "z", "'@w"]
    assert out["ints"].to_list() == ["-1;2", "3", "", None, "-4", "5", "6", "7", "8"]


# --- 3. a FIFO (or any non-regular file) is refused, never waited on -------------------------

def test_3_fifo_is_refused_by_report_and_info(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    for args in (["report", str(fifo), "-o", str(tmp_path / "r.html")], ["info", str(fifo)],
                 ["parse", str(fifo), "--out", str(tmp_path / "p")]):
        res = _cli(*args, timeout=60)
        assert res.returncode == 2, res.stderr
        line = _one_sentence(res.stderr)
        assert line == f"wakescope: {fifo} is a named pipe (FIFO), not a regular file; give " \
                       "a bug report or dump file, or - for standard input."
    assert not (tmp_path / "r.html").exists()


def test_3_device_and_folder_are_refused():
    with pytest.raises(InputError, match="is a character device, not a regular file"):
        open_capture("/dev/zero")
    with pytest.raises(InputError, match="is a directory"):
        open_capture(SAMPLES)


def test_3_fifo_in_a_batch_folder_is_that_inputs_failure(tmp_path):
    src = _batch_folder(tmp_path, 2)
    os.mkfifo(src / "stuck.txt")
    out = tmp_path / "out"
    res = _cli("batch", str(src), "--out", str(out), "-j", "1", "--no-progress", timeout=120)
    assert res.returncode == 0, res.stderr
    status = json.loads((out / "status.json").read_text())
    by_name = {Path(r["source"]).name: r for r in status["inputs"]}
    assert by_name["stuck.txt"]["status"] == "failed"
    assert "is a named pipe (FIFO), not a regular file" in by_name["stuck.txt"]["reason"]
    assert [by_name[f"alarm-{i}.txt"]["status"] for i in range(2)] == ["ok", "ok"]
    assert (out / "index.html").is_file()


def test_3_ctrl_c_during_start_up_exits_130(monkeypatch, capsys):
    """Ctrl-C while the CLI's modules import (Polars, Typer: a second or more): one line,
    exit 130 (the console script and `python -m wakescope` both enter through `run`)."""
    import types

    from wakescope.__main__ import run

    class Importing(types.ModuleType):
        def __getattr__(self, name):
            raise KeyboardInterrupt
    monkeypatch.setitem(sys.modules, "wakescope.analyzer.cli", Importing("cli"))
    with pytest.raises(SystemExit) as stop:
        run()
    assert stop.value.code == 130
    assert capsys.readouterr().err == "wakescope: interrupted\n"


def test_3_ctrl_c_while_reading_stdin_exits_130(tmp_path):
    """`report -` waiting on a pipe that never ends: SIGINT ends it with exit 130, whether
    it comes late in start-up or while blocked reading."""
    proc = subprocess.Popen([sys.executable, "-m", "wakescope", "report", "-", "-o",
                             str(tmp_path / "r.html")], stdin=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        proc.stdin.write(b"Current Alarm Manager state:\n")
        proc.stdin.flush()
        # Past the interpreter's own start (which no program can guard): Polars is mapped
        # in the new program. Before the exec the forked child is a copy of this test
        # process, which has Polars mapped too, so the command line must be ours first.
        proc_dir = Path(f"/proc/{proc.pid}")
        for _ in range(600):
            if proc.poll() is not None or (
                    b"wakescope" in (proc_dir / "cmdline").read_bytes()
                    and "polars" in (proc_dir / "maps").read_text(errors="replace")):
                break
            time.sleep(0.1)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err  # Typer ends a Ctrl-C quietly with 130
    assert "Traceback" not in err.decode() and len(err.decode().strip().splitlines()) <= 1
    assert not (tmp_path / "r.html").exists() and _tmp_files(tmp_path) == []


# --- 4. a gzip bomb is refused early (ratio and absolute cap, like zip) ----------------------

def test_4_gzip_bomb_is_refused(tmp_path):
    bomb = tmp_path / "bomb.txt.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as gz:
        block = b"\n" * (1 << 20)
        for _ in range(96):  # 96 MiB of blank lines → ~95 KiB: ratio ~1000:1
            gz.write(block)
    size = bomb.stat().st_size
    assert size < 200_000
    with pytest.raises(InputError, match=r"\(gzip, \d+ KiB compressed\) expands to more than "
                                         r"\d+ MiB; refusing it as a likely zip bomb"):
        open_capture(bomb)
    # An honest gzip of the same order of ratio as real text (the alarm sample) still opens.
    honest = tmp_path / "alarm.txt.gz"
    honest.write_bytes(gzip.compress(ALARM.read_bytes()))
    assert open_capture(honest).kind == "alarm"


# --- 5. an output on the input, or two outputs on one path, is refused -----------------------

def test_5_output_equal_to_input_is_refused(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(ALARM.read_bytes())
    res = _inproc("report", str(src), "-o", str(src))
    assert res.returncode == 2
    assert _one_sentence(res.stderr) == (f"wakescope: --output {src} is the input itself; "
                                         "refusing to overwrite it, give another path.")
    assert src.read_bytes() == ALARM.read_bytes()
    res = _inproc("report", str(src), "-o", str(tmp_path / "r.html"), "--md", str(src))
    assert res.returncode == 2 and "--md" in _one_sentence(res.stderr)
    assert src.read_bytes() == ALARM.read_bytes() and not (tmp_path / "r.html").exists()


def test_5_two_outputs_on_one_path_are_refused(tmp_path):
    same = tmp_path / "same.out"
    res = _inproc("report", str(ALARM), "-o", str(same), "--md", str(same), "--json",
               str(tmp_path / "x.json"))
    assert res.returncode == 2
    assert _one_sentence(res.stderr) == (f"wakescope: --output and --md are both {same}; "
                                         "give each output its own path.")
    assert not same.exists() and not (tmp_path / "x.json").exists()


# --- 6. a link planted at a report's name does not abort the batch ---------------------------

def test_6_link_at_a_reports_name_is_replaced_not_followed(tmp_path):
    src = _batch_folder(tmp_path, 2)
    out = tmp_path / "out"
    res = _inproc("batch", str(src), "--out", str(out), "-j", "1", "--no-progress")
    assert res.returncode == 0, res.stderr
    victim = tmp_path / "victim.html"
    victim.write_text("not yours")
    reports = sorted((out / "reports").glob("*.html"))  # beside them: the shared plotly.min.js
    assert len(reports) == 2
    for r in reports:
        r.unlink()
        r.symlink_to(victim)
    res = _inproc("batch", str(src), "--out", str(out), "-j", "1", "--no-progress", "--force")
    assert res.returncode == 0, res.stderr
    assert victim.read_text() == "not yours"
    for r in reports:
        assert r.is_file() and not r.is_symlink() and r.read_text().startswith("<!doctype html>")
    status = json.loads((out / "status.json").read_text())
    assert status["counts"]["ok"] == 2 and (out / "index.html").is_file()


def test_6_parse_into_a_folder_holding_a_link(tmp_path):
    """Issue case 11b: `parse -o` where `apps.parquet` is a link: exit 0, link replaced."""
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("not yours")
    (out / "alarm_pending.parquet").symlink_to(victim)
    res = _inproc("parse", str(ALARM), "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert victim.read_text() == "not yours"
    assert pl.read_parquet(out / "alarm_pending.parquet").height > 0
    assert not (out / "alarm_pending.parquet").is_symlink()


# --- 7. a full disk: one sentence, exit 2, no 0-byte file, the batch goes on -----------------

def test_7_report_on_a_full_disk(tmp_path, monkeypatch):
    html = tmp_path / "r.html"
    html.write_text("previous report")
    _full_disk(monkeypatch)
    res = _run("report", str(ALARM), "-o", str(html))
    assert res.exit_code == 2
    assert res.output.strip() == f"wakescope: cannot write {html}: no space left on the device."
    assert html.read_text() == "previous report"  # atomic: the old file is intact
    assert _tmp_files(tmp_path) == []


def test_7_parse_on_a_full_disk(tmp_path, monkeypatch):
    _full_disk(monkeypatch, lambda name: name.endswith(".tmp") and "apps.parquet" in name)
    res = _run("parse", str(ALARM), "--out", str(tmp_path / "p"))
    assert res.exit_code == 2
    assert res.output.strip() == (f"wakescope: cannot write {tmp_path / 'p' / 'apps.parquet'}: "
                                  "no space left on the device.")
    assert _tmp_files(tmp_path) == []


def test_7_batch_on_a_disk_that_fills_records_per_input_and_goes_on(tmp_path, monkeypatch):
    src = _batch_folder(tmp_path, 4)
    out = tmp_path / "out"
    hit = _full_disk(monkeypatch, lambda name: "alarm-1" in name)  # this input's outputs
    res = _run("batch", str(src), "--out", str(out), "-j", "1", "--no-progress")
    assert hit and res.exit_code == 0, res.output
    status = json.loads((out / "status.json").read_text())
    by_name = {Path(r["source"]).name: r for r in status["inputs"]}
    assert [by_name[f"alarm-{i}.txt"]["status"] for i in range(4)] == [
        "ok", "failed", "ok", "ok"]
    reason = by_name["alarm-1.txt"]["reason"]
    assert reason.startswith("cannot write ") and reason.endswith(
        ": no space left on the device.") and "alarm-1" in reason
    failed_id = by_name["alarm-1.txt"]["capture_id"]  # no half set of its outputs remains
    assert not list(out.glob("reports/alarm-1-*")) and not list(
        out.glob(f"tables/*/{failed_id}.parquet"))
    assert len(list(out.glob("reports/*.html"))) == 3
    assert (out / "index.html").is_file() and _tmp_files(out) == []


def test_7_batch_and_fleet_on_a_full_disk(tmp_path, monkeypatch):
    src = _batch_folder(tmp_path, 2)
    out = tmp_path / "out"
    assert _run("batch", str(src), "--out", str(out), "-j", "1",
                "--no-progress").exit_code == 0
    _full_disk(monkeypatch)
    res = _run("fleet", str(out))
    assert res.exit_code == 2
    assert res.output.strip() == (f"wakescope: cannot write {out / 'captures.parquet'}: no "
                                  "space left on the device.")
    res = _run("batch", str(src), "--out", str(out), "-j", "1", "--no-progress", "--force")
    assert res.exit_code == 2 and "no space left on the device." in res.output
    assert "Traceback" not in res.output and _tmp_files(out) == []


# --- 9. control characters from the input never reach a terminal or a ticket raw -------------

def _zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_9_control_characters_are_escaped(tmp_path):
    with zipfile.ZipFile(BUGREPORT) as zf:
        text = zf.read(MAIN).decode()
    assert "[ro.product.model]: [Nova 5]" in text
    evil_model = "Nova\x1b]0;pwned\x07 5\u202e"
    text = text.replace("[ro.product.model]: [Nova 5]", f"[ro.product.model]: [{evil_model}]")
    clear = "\x1b[2J\x1b[Hbugreport-x.txt"
    # main_entry.txt names a member that is not there: the error quotes the member name.
    bad = _zip(tmp_path / "bad.zip", {"main_entry.txt": clear, "version.txt": "2.0"})
    good = _zip(tmp_path / "good.zip", {"main_entry.txt": MAIN, MAIN: text,
                                        "version.txt": "2.0"})
    res = _inproc("info", str(bad), str(good))
    assert res.returncode == 2
    line = _one_sentence(res.stderr)
    assert "\x1b" not in line and "\\x1b[2J\\x1b[Hbugreport-x.txt" in line
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout and "\u202e" not in res.stdout
    assert "device      Acme Nova\\x1b]0;pwned\\x07 5\\u202e" in res.stdout
    res = _inproc("report", str(good), "-o", str(tmp_path / "r.html"), "--md",
               str(tmp_path / "r.md"))
    assert res.returncode == 0, res.stderr
    summary = (tmp_path / "r.md").read_text()
    assert summary.splitlines()[0] == (
        "### Battery report: Acme Nova\\\\x1b\\]0;pwned\\\\x07 5\\\\u202e (nova5)")
    assert not any(ch in summary for ch in "\x1b\x07\u202e")


def test_9_plain_and_markdown_escapers():
    assert plain("a\x1b[31mb\nc\x9b\u2028\u2066d é 中") == \
        "a\\x1b[31mb\\x0ac\\x9b\\u2028\\u2066d é 中"
    assert md("x\x1b]0;t\x07") == "x\\\\x1b\\]0;t\\\\x07"
    assert code("com.x\x1bq") == "`com.x\\x1bq`"


# --- 10. encrypted small members are input errors ---------------------------------------------

def _encrypt_flag(path: Path, member: str) -> None:
    """Set the 'encrypted' bit of `member` in its local and central headers, as a zip
    made with a password has it (zipfile cannot write encrypted members)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for sig, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        at = data.find(sig)
        while at >= 0:
            if data[at + name_at:at + name_at + len(name)] == name:
                data[at + flag_at] |= 0x1
            at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("member", ["version.txt", "main_entry.txt", MAIN])
def test_10_encrypted_member_is_exit_2(tmp_path, member):
    path = tmp_path / "enc.zip"
    path.write_bytes(BUGREPORT.read_bytes())
    _encrypt_flag(path, member)
    res = _inproc("info", str(path))
    assert res.returncode == 2
    assert _one_sentence(res.stderr) == (f"wakescope: {path}: zip member {member} is "
                                         "encrypted; wakescope reads only unencrypted bug "
                                         "reports.")


# --- 11. unwritable output folders are usage errors ------------------------------------------

def test_11_unwritable_batch_out_is_exit_2(tmp_path, monkeypatch):
    src = _batch_folder(tmp_path, 1)
    out = tmp_path / "ro"
    real = os.mkdir

    def mkdir(path, mode=0o777, *, dir_fd=None):
        if str(path).startswith(str(out)) or (dir_fd is not None and path in (
                "reports", "tables", "status")):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, mode, dir_fd=dir_fd)
    monkeypatch.setattr(os, "mkdir", mkdir)
    res = _run("batch", str(src), "--out", str(out), "-j", "1", "--no-progress")
    assert res.exit_code == 2
    assert res.output.strip() == f"wakescope: cannot write {out}: permission denied"


def test_11_unwritable_json_names_the_json_file(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    res = _inproc("report", str(ALARM), "-o", str(tmp_path / "r.html"), "--json",
               str(blocker / "x.json"))
    assert res.returncode == 2
    line = _one_sentence(res.stderr)
    assert line.startswith(f"wakescope: cannot write {blocker / 'x.json'}: ")


# --- 12. temporary files never outlive a failed write ----------------------------------------

def test_12_failed_writes_leave_no_temporary_files(tmp_path, monkeypatch):
    folder = tmp_path / "o"

    def boom(fh) -> None:
        fh.write(b"half")
        raise KeyboardInterrupt  # Ctrl-C in the middle of a write
    with pytest.raises(KeyboardInterrupt):
        outputs.write_atomic(folder / "captures.parquet", boom)
    assert list(folder.iterdir()) == []
    _full_disk(monkeypatch)
    with pytest.raises(outputs.OutputError, match="no space left"):
        outputs.write_atomic(folder / "captures.parquet", pl.DataFrame({"a": [1]}).write_parquet)
    assert list(folder.iterdir()) == []


def test_12_fleet_captures_parquet_temp_is_removed(tmp_path, monkeypatch):
    src = _batch_folder(tmp_path, 1)
    out = tmp_path / "out"
    assert _run("batch", str(src), "--out", str(out), "-j", "1",
                "--no-progress").exit_code == 0
    _full_disk(monkeypatch, lambda name: ".captures.parquet." in name)
    assert _run("fleet", str(out)).exit_code == 2
    assert [p.name for p in out.iterdir() if "captures.parquet" in p.name] == [
        "captures.parquet"]


# --- the memory budget behind the 1 GiB cap ----------------------------------------------------

def test_memory_budget_refuses_in_one_sentence(monkeypatch):
    """batterystats.txt is 471,944 bytes: × 12 (PEAK_PER_TEXT_BYTE) = 5.4 MiB > 2 MiB."""
    monkeypatch.setenv("WAKESCOPE_MEMORY_BUDGET", "2M")
    res = _inproc("info", str(SAMPLES / "batterystats.txt"))
    assert res.returncode == 2
    assert _one_sentence(res.stderr) == (
        f"wakescope: {SAMPLES / 'batterystats.txt'} holds 1 MiB of text, which needs about "
        "5 MiB of memory to analyse and only 2 MiB is free; refusing it rather than swapping "
        "(set WAKESCOPE_MEMORY_BUDGET to change the budget).")
    monkeypatch.setenv("WAKESCOPE_MEMORY_BUDGET", "4M")  # the zip member declares 718,283 B
    res = _inproc("info", str(BUGREPORT))
    assert res.returncode == 2 and f"zip member {MAIN} holds" in _one_sentence(res.stderr)
    monkeypatch.setenv("WAKESCOPE_MEMORY_BUDGET", "1G")
    assert _inproc("info", str(ALARM)).returncode == 0
    # Without the override the budget is what the machine (or its cgroup) has free.
    monkeypatch.delenv("WAKESCOPE_MEMORY_BUDGET")
    from wakescope.parsers.memory import _meminfo_available, budget_bytes
    if _meminfo_available() is not None:
        assert 0 < budget_bytes() <= _meminfo_available()


def test_memory_error_past_the_budget_is_one_sentence(tmp_path, monkeypatch, capsys):
    """Memory that runs out anyway (the budget is an estimate): exit 2 and one sentence from
    the command, `failed` for that input alone in a batch."""
    import wakescope.analyzer.analysis as analysis
    from wakescope.analyzer.cli import main

    def exhausted(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(analysis, "analyse", exhausted)
    monkeypatch.setattr(sys, "argv", ["wakescope", "report", str(ALARM), "-o",
                                      str(tmp_path / "r.html")])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 2
    assert _one_sentence(capsys.readouterr().err) == (
        "wakescope: out of memory: the input needs more memory than is free; close other "
        "programs or use a machine with more.")
    src = _batch_folder(tmp_path, 1)
    res = _run("batch", str(src), "--out", str(tmp_path / "out"), "-j", "1", "--no-progress")
    assert res.exit_code == 0
    status = json.loads((tmp_path / "out" / "status.json").read_text())
    assert [(r["status"], r["reason"]) for r in status["inputs"]] == [
        ("failed", "out of memory: the input needs more memory than this worker has free.")]


def test_4_a_url_input_is_copied_only_up_to_the_cap(tmp_path, monkeypatch):
    """An fsspec URL is copied to a temporary file before reading: the copy stops at the
    container's cap (lowered here to 1 MiB for 100 alarm samples, 1,571,900 bytes)."""
    pytest.importorskip("fsspec")
    import wakescope.analyzer.batch.worker as worker

    monkeypatch.setattr(worker, "MAX_TEXT_BYTES", 1 << 20)
    src = tmp_path / "in"
    src.mkdir()
    (src / "alarm-0.txt").write_bytes(ALARM.read_bytes() * 100)
    res = _run("batch", f"file://{src}/alarm-0.txt", "--out", str(tmp_path / "out"), "-j",
               "1", "--no-progress")
    assert res.exit_code == 0, res.output
    status = json.loads((tmp_path / "out" / "status.json").read_text())
    assert [(r["status"], r["reason"]) for r in status["inputs"]] == [
        ("failed", f"file://{src}/alarm-0.txt is larger than 1 MiB; refusing to copy it.")]
