"""Each command imports only what it needs (issue 17): checked in a fresh interpreter by the
modules it holds when the command is done, never by time."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import SAMPLES

HEAVY = ("polars", "jinja2", "plotly", "rich", "dask", "distributed", "pyarrow", "pandas",
         "numpy", "fsspec")

_RUN = """
import contextlib, io, json, sys
watch = set(json.loads(sys.argv[2]))
sys.argv = ["wakescope", *json.loads(sys.argv[1])]
from wakescope.analyzer.cli import main
out = io.StringIO()
code = 0
with contextlib.redirect_stdout(out):
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
heavy = sorted(m for m in sys.modules if m in watch)
print(json.dumps({"code": code, "out": out.getvalue(), "heavy": heavy}))
"""


def _run(*args: str) -> dict:
    """Run one command in a fresh interpreter; its exit code, stdout and heavy modules."""
    proc = subprocess.run([sys.executable, "-c", _RUN, json.dumps(args), json.dumps(HEAVY)],
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(proc.stdout.splitlines()[-1])


def test_info_imports_no_polars_jinja_or_plotly():
    res = _run("info", str(SAMPLES / "bugreport-sample.zip"))
    assert res["code"] == 0
    assert "device      Acme Nova 5 (nova5)" in res["out"]
    assert "batterystats_checkin      5915 lines from line 7792" in res["out"]
    assert res["heavy"] == []


def test_report_imports_no_rich_dask_or_plotly(tmp_path):
    html = tmp_path / "r.html"
    res = _run("report", str(SAMPLES / "bugreport-sample.zip"), "-o", str(html))
    assert res["code"] == 0
    assert "15 findings (4 high, 3 medium, 4 low, 4 info)" in res["out"]
    assert b"Acme Nova 5" in html.read_bytes()
    # Polars for the tables, Jinja for the page; Plotly's JS is read as a file, not imported.
    assert res["heavy"] == ["jinja2", "polars"]


@pytest.mark.parametrize("args", [("tables",), ("--version",)])
def test_light_commands_import_no_jinja_rich_or_dask(args):
    res = _run(*args)
    assert res["code"] == 0 and res["out"]
    assert not {"jinja2", "rich", "dask", "plotly"} & set(res["heavy"])
