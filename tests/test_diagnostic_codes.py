"""Diagnostics carry a declared code; degenerate captures are said at the top of every
output (docs/diagnostics.md), and the batch worker decides by code, never by message."""

from __future__ import annotations

import ast
import io
import json
import re
import zipfile

import pytest

import wakescope
from tests.conftest import BUGREPORTS, ROOT, SAMPLES
from wakescope.analyzer.batch.worker import _describe, _status_of
from wakescope.analyzer.report import analysis_json, render_markdown
from wakescope.analyzer.report.html import render_html
from wakescope.parsers.diagnostics import CAVEATS, CODES, Diagnostic, Diagnostics


def _outputs(path) -> tuple[str, str, dict]:
    a = wakescope.analyse(wakescope.load(path))
    return render_html(a), render_markdown(a), analysis_json(a)


def _codes(cap) -> dict[str, Diagnostic]:
    return {d.code: d for d in cap.diagnostics.items}


# ---------------------------------------------------------------------------------------
# The vocabulary
# ---------------------------------------------------------------------------------------


def test_docs_list_exactly_the_declared_codes():
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", doc, re.M))
    assert listed == set(CODES)
    assert set(CODES) >= CAVEATS


def test_an_undeclared_code_is_refused():
    with pytest.raises(ValueError, match="undeclared diagnostic code 'oops'"):
        Diagnostics().warning("oops", "alarm", "text")


def test_every_call_site_names_a_declared_code():
    """Every `<diagnostics>.error/warning/info(...)` passes a literal, declared code first."""
    calls = 0
    for path in [*ROOT.glob("analyzer/**/*.py"), *ROOT.glob("parsers/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("error", "warning", "info")):
                continue
            receiver = ast.unparse(node.func.value)
            if "diag" not in receiver:
                continue  # a logger, fsspec's info(), …
            calls += 1
            first = node.args[0] if node.args else None
            assert isinstance(first, ast.Constant) and first.value in CODES, \
                f"{path.name}:{node.lineno}: {ast.unparse(node)[:80]}"
    assert calls >= 25


def test_json_diagnostics_carry_their_code():
    _html, _md, data = _outputs(SAMPLES / "batterystats.txt")
    # `history: 5350 records (legacy format), 0 of 5523 lines unrecognised` (human parser)
    (d,) = data["diagnostics"]
    assert (d["code"], d["level"], d["section"]) == ("history_read", "info", "batterystats")
    assert data["caveats"] == []


# ---------------------------------------------------------------------------------------
# Degenerate captures (corpus and hand-cut inputs)
# ---------------------------------------------------------------------------------------


@pytest.mark.corpus
def test_emulator_bug_report(corpus):
    path = corpus(BUGREPORTS["emulator_9"])
    cap = wakescope.load(path)
    codes = _codes(cap)
    # `[ro.kernel.qemu]: [1]` is line 70760 of the report text
    assert codes["emulator"].line == 70760 and codes["emulator"].level == "warning"
    # 29 `TIME:` history records and no START: the emulator syncs its clock from the host
    assert "set 29 times" in codes["clock_changes"].message
    html, md, data = _outputs(path)
    assert [c["code"] for c in data["caveats"]] == ["emulator", "clock_changes"]
    assert list(data).index("caveats") == list(data).index("input") + 1  # at the top
    assert html.index('id="caveats"') < html.index('id="findings"')
    assert md.index("> **Caveat** `emulator`") < md.index("####")


@pytest.mark.corpus
def test_withheld_job_list(corpus):
    # `Registered 528 jobs:` then `  None.` (Samsung 15 build that hides per-job detail)
    html, md, data = _outputs(corpus("jobscheduler/samsung-android15-utf16le-bom.txt"))
    (cav,) = data["caveats"]
    assert cav["code"] == "job_list_withheld"
    assert cav["message"].startswith("Registered 528 jobs but the dump lists none")
    assert "> **Caveat** `job_list_withheld`" in md
    assert "<code>job_list_withheld</code>" in html


@pytest.mark.corpus
def test_never_on_battery_is_no_all_clear(corpus):
    # `Time on battery: 0ms (0.0%) realtime` (line 18 of the partial old dump)
    html, md, data = _outputs(corpus("batterystats/partial-old-crcrlf.txt"))
    assert [c["code"] for c in data["caveats"]] == ["not_on_battery"]
    assert data["findings"] == []
    assert "<strong>No findings.</strong>" not in html
    assert "No findings, and no all-clear." in html
    assert "**No findings**:" not in md and "**No findings, and no all-clear**" in md


@pytest.mark.corpus
def test_reboots_and_clock_changes(corpus):
    # 3 `SHUTDOWN` / `START` pairs and 15 `TIME:` records in the history
    cap = wakescope.load(corpus("batterystats/xiaomi-miro-android15.txt"))
    codes = _codes(cap)
    assert "started 3 times" in codes["reboots"].message
    assert "set 12 times" in codes["clock_changes"].message  # 15 TIME − 3 after START
    # 33 `TIME:` records, no START
    cap = wakescope.load(corpus("batterystats/emulator-large.txt"))
    assert "set 33 times" in _codes(cap)["clock_changes"].message


@pytest.mark.corpus
def test_short_window(corpus):
    # `Time on battery: 2m 36s 878ms` → 156878 ms
    cap = wakescope.load(corpus("batterystats/unknown-android5.txt"))
    assert _codes(cap)["short_window"].message.startswith("only 2.6 min on battery")


def _sample_bugreport_text() -> tuple[str, str]:
    with zipfile.ZipFile(SAMPLES / "bugreport-sample.zip") as z:
        name = next(n for n in z.namelist() if n.startswith("bugreport-") and n.endswith(".txt"))
        return name, z.read(name).decode("utf-8")


def test_truncated_bug_report_is_said_and_never_green(tmp_path):
    name, text = _sample_bugreport_text()
    assert "== dumpstate: done" in text
    cut = text[:text.index("DUMP OF SERVICE ")]   # cut off before the first service dump
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, cut)
    path = tmp_path / "cut.zip"
    path.write_bytes(buf.getvalue())
    html, md, data = _outputs(path)
    assert data["caveats"][0]["code"] == "truncated_input"
    assert data["findings"] == []
    assert "No findings, and no all-clear." in html and "<strong>No findings.</strong>" not in html
    assert "**No findings, and no all-clear**" in md
    whole = wakescope.load(SAMPLES / "bugreport-sample.zip")
    assert "truncated_input" not in _codes(whole)


def test_history_overflow(tmp_path):
    text = (SAMPLES / "batterystats.txt").read_text(encoding="utf-8")
    head = re.search(r"Battery History \((\d+)% used", text)
    line = text.count("\n", 0, head.start()) + 1
    path = tmp_path / "overflow.txt"
    path.write_text(text[:head.start(1)] + "102" + text[head.end(1):], encoding="utf-8")
    d = _codes(wakescope.load(path))["history_overflow"]
    assert d.line == line and "102 % used" in d.message
    assert "history_overflow" not in _codes(wakescope.load(SAMPLES / "batterystats.txt"))


# ---------------------------------------------------------------------------------------
# The batch worker reads codes
# ---------------------------------------------------------------------------------------


def _summary(*diags: tuple[str, str, str, str], kind: str = "batterystats") -> dict:
    return {"kind": kind, "sections": [{"name": "batterystats"}],
            "diagnostics": [{"level": lv, "code": c, "section": s, "message": m, "count": 1}
                            for lv, c, s, m in diags]}


def test_worker_status_by_code_not_by_message():
    # an emulator capture is whole: ok, though the caveat is a warning
    ok = _summary(("warning", "emulator", "container", "captured on an emulator"))
    assert _status_of(ok)[0] == "ok"
    # a message that reads like a missing section decides nothing without its code
    assert _status_of(_summary(("info", "line_ends", "container",
                                "no jobscheduler section found")))[0] == "ok"
    cut = _summary(("warning", "truncated_input", "container", "cut off"))
    status, reason, _ = _status_of(cut)
    assert status == "partial" and reason == "warning in container: cut off"
    bugreport = _summary(("warning", "missing_section", "alarm", "no alarm section found"),
                         kind="bugreport")
    status, reason, missing = _status_of(bugreport)
    assert missing == ["jobscheduler", "alarm"]
    assert reason == ("no jobscheduler section; warning in alarm: no alarm section found")


def test_worker_counts_unknown_lines_and_caveats_by_code():
    s = _summary(("info", "unknown_lines", "alarm", "12 unrecognised lines of 40"),
                 ("info", "history_read", "batterystats", "0 of 9 lines unrecognised lines"),
                 ("info", "short_window", "batterystats", "only 2.6 min on battery"))
    s["diagnostics"][0]["count"] = 12
    s["diagnostics"][1]["count"] = 99
    s["metadata"] = {}
    described = _describe(s)
    assert described["unknown_lines"] == 12
    assert described["caveats"] == ["short_window"]
    assert json.dumps(described)  # plain data for the record
