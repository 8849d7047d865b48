"""The conventions users expect from sqlite-utils, DuckDB, Polars and Dask-style tools, one
test each: `-` is standard output for every output option, one JSON shape per output
(checked against docs/schemas/), global options anywhere, --quiet/--verbose, completion,
file names instead of local paths in reports, a short repr, py.typed, run_batch() in a
script without a `__main__` guard. Inputs are the bundled sample dumps (sample_logs/)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from wakescope.analyzer.cli import app

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"
ALARM = SAMPLES / "alarm.txt"  # `dumpsys alarm` of the simulated Android 14 day
BUGREPORT = SAMPLES / "bugreport-sample.zip"
SCHEMAS = ROOT / "docs" / "schemas"


def run(*args: str, cwd: Path | None = None):
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(app, [str(a) for a in args])
    finally:
        os.chdir(old)


def validator(name: str):
    """A jsonschema validator for docs/schemas/<name>.schema.json, cross-file $refs resolved."""
    jsonschema = pytest.importorskip("jsonschema")
    from referencing import Registry, Resource

    docs = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.schema.json")}
    registry = Registry().with_resources(
        (d["$id"], Resource.from_contents(d)) for d in docs.values())
    schema = docs[f"{name}.schema.json"]
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=registry)


def assert_valid(name: str, data) -> None:
    errors = sorted(validator(name).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


# ------------------------------------------------------------------------ - is stdout


def test_report_dash_writes_html_to_stdout_and_no_file(tmp_path):
    r = run("report", ALARM, "-o", "-", cwd=tmp_path)
    assert r.exit_code == 0, r.output
    assert r.stdout.lower().startswith("<!doctype html>") and r.stdout.rstrip().endswith("</html>")
    assert "Excessive wakeups: com.example.newsfeed" in r.stdout
    assert r.stderr == "wrote standard output: 2 findings (1 high, 1 medium)\n"
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_report_json_dash_is_the_only_output_and_matches_its_schema(tmp_path):
    r = run("report", ALARM, "--json", "-", cwd=tmp_path)
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert_valid("report", data)
    assert data["input"] == {"source": "alarm.txt", "kind": "alarm", "container": "text",
                             "member": None}
    # alarm.txt line 106: RTC_WAKEUP #2 … com.example.newsfeed; the stats block counts its
    # wakeups; 15 per hour is above Android vitals' 10/h.
    wake = [f for f in data["findings"] if f["kind"] == "excessive_wakeups"]
    assert [(f["package"], f["severity"], f["threshold"]) for f in wake] == [
        ("com.example.newsfeed", "high", 10.0)]
    assert isinstance(wake[0]["evidence"], list) and wake[0]["evidence"][0]["table"] == \
        "alarm_stats"
    assert list(tmp_path.iterdir()) == []  # --json - alone writes no HTML file


def test_report_md_dash_with_an_html_file(tmp_path):
    r = run("report", ALARM, "--md", "-", "-o", "r.html", cwd=tmp_path)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("### Battery report") and "com.example.newsfeed" in r.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
    r = run("report", ALARM, "--md", "-", "--json", "-", cwd=tmp_path)
    assert r.exit_code == 2
    assert r.stderr == "wakescope: only one of -o, --md and --json can be - (standard output).\n"


def test_parse_one_table_to_stdout_as_csv_and_ndjson(tmp_path):
    r = run("parse", ALARM, "--format", "csv", "--table", "alarm_pending", "-o", "-",
            cwd=tmp_path)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    # alarm.txt lines 100–160: eleven pending alarms, #1 ELAPSED … #11 RTC_WAKEUP
    assert len(rows) == 11
    assert [x["type"] for x in rows[:2]] == ["ELAPSED", "RTC_WAKEUP"]
    assert rows[1]["package"] == "com.example.newsfeed"
    assert rows[1]["when_elapsed_ms"] == "269827313"  # whenElapsed 269827313
    r = run("parse", ALARM, "--format", "ndjson", "--table", "apps", "-o", "-", cwd=tmp_path)
    assert r.exit_code == 0, r.output
    apps = [json.loads(line) for line in r.stdout.splitlines()]
    newsfeed = next(a for a in apps if a["package"] == "com.example.newsfeed")
    assert newsfeed["uids"] == [10163] and newsfeed["apis"] == ["alarm_manager"]
    assert list(tmp_path.iterdir()) == []
    # declared but empty in this input: the header alone (the schema), no rows
    r = run("parse", ALARM, "--format", "csv", "--table", "jobscheduler_jobs", "-o", "-")
    assert r.exit_code == 0 and r.stdout.count("\n") == 1 and r.stdout.startswith("uid,")
    for args, said in (
        (("--format", "csv", "--table", "nope"), "no table named 'nope'"),
        (("--format", "parquet", "--table", "apps"), "add --format csv or --format ndjson"),
        (("--format", "csv"), "name it with --table"),
    ):
        r = run("parse", ALARM, "-o", "-", *args, cwd=tmp_path)
        assert r.exit_code == 2 and said in r.stderr, r.output


# ---------------------------------------------------------------------- JSON shapes


def test_info_json_is_always_an_array_with_errors_as_entries(tmp_path):
    one = run("info", ALARM, "--json")
    assert one.exit_code == 0
    data = json.loads(one.stdout)
    assert isinstance(data, list) and len(data) == 1
    assert data[0]["kind"] == "alarm" and data[0]["error"] is None
    missing = tmp_path / "missing.zip"
    both = run("info", BUGREPORT, missing, "--json")
    assert both.exit_code == 2
    data = json.loads(both.stdout)
    assert_valid("info", data)
    assert [d["source"] for d in data] == [str(BUGREPORT), str(missing)]
    assert data[1]["error"] == f"{missing}: no such file."
    assert set(data[0]) == set(data[1])  # one shape
    assert all(data[1][k] is None for k in data[1] if k not in ("source", "error"))
    assert data[0]["metadata"]["sdk"] == 34 and data[0]["metadata"]["model"] == "Nova 5"


def test_tables_json_lists_every_table_a_batch_writes():
    r = run("tables", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert_valid("tables", data)
    by_name = {t["name"]: t for t in data}
    assert by_name["captures"]["written_to"] == {"batch": "captures.parquet"}
    assert by_name["apps"]["written_to"] == {"parse": "apps.parquet",
                                            "batch": "tables/apps/*.parquet"}
    uids = next(c for c in by_name["apps"]["columns"] if c["name"] == "uids")
    assert uids["dtype"] == "List(Int64)"
    rows = next(c for c in by_name["captures"]["columns"] if c["name"] == "table_rows")
    assert rows["dtype"].startswith("List(Struct(")
    one = json.loads(run("tables", "captures", "--json").stdout)
    assert [t["name"] for t in one] == ["captures"]
    assert "captures" in run("tables").stdout


def test_report_schema_lists_the_declared_columns():
    """The schema's finding/app keys are the declared table columns (one home)."""
    from wakescope.analyzer.tables import APPS, FINDINGS

    defs = json.loads((SCHEMAS / "report.schema.json").read_text())["$defs"]
    assert defs["finding"]["required"] == [c.name for c in FINDINGS.columns]
    assert defs["app"]["required"] == [c.name for c in APPS.columns]


# ----------------------------------------------------------------- global options


def test_debug_works_before_and_after_the_command(tmp_path):
    from wakescope.parsers import InputError

    for args in (("--debug", "info", "nope.txt"), ("info", "nope.txt", "--debug")):
        r = run(*args, cwd=tmp_path)
        assert isinstance(r.exception, InputError), args
    r = run("info", "nope.txt", cwd=tmp_path)
    assert r.exit_code == 2 and r.stderr == "wakescope: nope.txt: no such file.\n"
    # after `--`, --debug is an argument, not the option
    r = run("info", "--", "--debug", cwd=tmp_path)
    assert r.exit_code == 2 and r.stderr == "wakescope: --debug: no such file.\n"


def test_quiet_and_verbose(tmp_path):
    r = run("report", ALARM, "-o", "r.html", "--quiet", cwd=tmp_path)
    assert r.exit_code == 0 and r.stdout == "" and r.stderr == ""
    assert (tmp_path / "r.html").is_file()
    r = run("--verbose", "parse", ALARM, "--format", "csv", "--table", "alarm_pending",
            "-o", "-", cwd=tmp_path)
    assert r.stderr == "wakescope: alarm_pending: 11 rows\n"
    r = run("--quiet", "--verbose", "tables")
    assert r.exit_code == 2 and "exclude each other" in r.stderr


def test_shell_completion_is_enabled():
    """The installed command speaks Click's completion protocol: it prints its bash script
    and completes a command name (what `--install-completion` wires into the shell)."""
    command = str(Path(sys.executable).parent / "wakescope")
    env = {"PATH": os.environ.get("PATH", ""), "_WAKESCOPE_COMPLETE": "source_bash"}
    script = subprocess.run([command], capture_output=True, text=True, env=env, timeout=60)
    assert script.returncode == 0, script.stderr
    assert "complete -o default -F _wakescope_completion wakescope" in script.stdout
    env.update(_WAKESCOPE_COMPLETE="complete_bash", COMP_WORDS="wakescope rep", COMP_CWORD="1")
    done = subprocess.run([command], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.split() == ["report"]
    assert "--install-completion" in run("--help").stdout


# ------------------------------------------------------------- privacy of local paths


def test_reports_name_the_input_by_file_name_unless_full_path(tmp_path):
    folder = tmp_path / "home" / "jdoe4711" / "secret-project"
    folder.mkdir(parents=True)
    src = folder / "bugreport-sample.zip"
    src.write_bytes(BUGREPORT.read_bytes())
    r = run("report", src, "-o", tmp_path / "r.html", "--md", tmp_path / "r.md",
            "--json", tmp_path / "r.json")
    assert r.exit_code == 0, r.output
    r = run("parse", src, "-o", tmp_path / "tables", "--format", "csv")
    assert r.exit_code == 0, r.output
    outputs = [tmp_path / n for n in ("r.html", "r.md", "r.json", "tables/capture.json")]
    for path in outputs:
        text = path.read_text(encoding="utf-8")
        assert "jdoe4711" not in text and str(folder) not in text, path.name
        assert "bugreport-sample.zip" in text, path.name
    assert json.loads((tmp_path / "r.json").read_text())["input"]["source"] == \
        "bugreport-sample.zip"
    capture = json.loads((tmp_path / "tables" / "capture.json").read_text())
    assert capture["source"] == "bugreport-sample.zip"
    assert_valid("info", [{**capture, "error": None}])
    r = run("report", src, "--json", "-", "--full-path")
    assert json.loads(r.stdout)["input"]["source"] == str(src)


# ------------------------------------------------------------------------- library


def test_capture_repr_is_one_short_line():
    import wakescope

    cap = wakescope.load(BUGREPORT)
    text = repr(cap)
    assert "\n" not in text and len(text) < 300
    assert text.startswith("<Capture ") and "bugreport (zip), Acme Nova 5, Android 14" in text
    assert f"{cap.text_lines} lines" in text and cap.text[:200] not in text


def test_package_is_typed():
    from importlib.resources import files

    assert files("wakescope").joinpath("py.typed").is_file()


def test_run_batch_in_a_script_without_main_guard(tmp_path):
    """Spawned workers re-import the main script; without the guard run_batch() would start
    again in each one. It runs in one process instead and logs why, in one sentence."""
    script = tmp_path / "myscript.py"
    script.write_text(
        "import logging\n"
        "logging.basicConfig(format='%(levelname)s %(name)s: %(message)s')\n"
        "from wakescope.analyzer.batch import run_batch\n"
        f"r = run_batch([{str(ALARM)!r}, {str(SAMPLES / 'jobscheduler.txt')!r}], "
        f"{str(tmp_path / 'out')!r}, jobs=2, progress=False)\n"
        "print(dict(r.counts))\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'ok': 2}"
    assert done.stderr.strip() == (
        "WARNING wakescope.analyzer.batch.run: running in one process: run_batch() is called "
        "at the top level of myscript.py without an `if __name__ == \"__main__\":` guard, so "
        "worker processes would run the script again; put the call under that guard to use "
        "every core")


def test_batch_captures_table_has_lists_not_strings(tmp_path):
    from wakescope.analyzer.batch import run_batch

    result = run_batch([str(ALARM)], tmp_path / "out", jobs=1, progress=False)
    assert result.counts["ok"] == 1
    caps = pl.read_parquet(tmp_path / "out" / "captures.parquet")
    rows = {r["table"]: r["rows"] for r in caps["table_rows"][0]}
    assert rows["alarm_pending"] == 11 and caps["sections"][0].to_list() == ["alarm"]
    status = json.loads((tmp_path / "out" / "status.json").read_text())
    assert_valid("status", status)
    assert status["counts"] == {"ok": 1, "partial": 0, "failed": 0, "error": 0}


def test_output_urls_are_refused_not_made_into_folders(tmp_path):
    for args, option in ((("parse", ALARM, "-o", "memory://x"), "--out memory://x"),
                         (("report", ALARM, "--json", "s3://bucket/r.json"), "--json s3:")):
        r = run(*args, cwd=tmp_path)
        assert r.exit_code == 2 and r.stderr.startswith(f"wakescope: {option}"), r.output
        assert "is a URL; write to a local file or folder" in r.stderr
    r = run("batch", ALARM, "--out", "-", "--no-progress", cwd=tmp_path)
    assert r.exit_code == 2 and "a batch writes a folder of reports and tables" in r.stderr
    assert list(tmp_path.iterdir()) == []
