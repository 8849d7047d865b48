"""`wakescope report` end to end on the real corpus, and the command's options and exit codes.

Expected figures were read from the corpus text by hand, e.g. the sailfish 8.1 bug report's
`Time on battery: 9h 35m 17s 110ms`, `Time on battery screen off: 9h 34m 35s 819ms`,
`Amount discharged (upper bound): 4`, `Amount discharged while screen off: 4` and its
history's `RESET:TIME: 2018-04-01-23-54-40`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_report import fake_analysis
from typer.testing import CliRunner

from wakescope.analyzer.cli import app
from wakescope.analyzer.cli.report import default_output
from wakescope.analyzer.tables import FINDINGS

runner = CliRunner()

ALL_INPUTS = [
    "alarm/pixel-android10.txt",
    "alarm/samsung-android14-utf16le-bom.txt",
    "alarm/vivo-batch-layout.txt",
    "batterystats/emulator-large.txt",
    "batterystats/misnamed-text-batterystats.zip",
    "batterystats/motorola-android6.txt",
    "batterystats/partial-old-crcrlf.txt",
    "batterystats/pixel-sailfish-android8.1.txt",
    "batterystats/samsung-android9.txt",
    "batterystats/unknown-android5.txt",
    "batterystats/xiaomi-miro-android15.txt",
    "bugreports/bugreport-meizu-mx6-NMF26O-android7.1.1.zip",
    "bugreports/bugreport-sailfish-OPM1.171019.021-2018-04-02-17-06-30.zip",
    "bugreports/bugreport-sailfish-QP1A.191005.007.A3-2020-01-08-15-30-07.zip",
    "bugreports/bugreport-sdk_gphone_x86-PSR1.180720.075-emulator-android9.zip",
    "checkin/pixel7-lynx-android15-checkin.txt",
    "checkin/samsung-tab-android6-checkin.txt",
    "jobscheduler/android10-job-history-excerpt.txt",
    "jobscheduler/android10-workmanager-job-excerpt.txt",
    "jobscheduler/android11-excerpt-transcribed.txt",
    "jobscheduler/android11-workmanager-job-excerpt.txt",
    "jobscheduler/samsung-android15-utf16le-bom.txt",
]
SAILFISH_81 = "bugreports/bugreport-sailfish-OPM1.171019.021-2018-04-02-17-06-30.zip"


def _report(src: Path, out: Path, *extra: str):
    md, js = out.with_suffix(".md"), out.with_suffix(".json")
    result = runner.invoke(app, ["report", str(src), "-o", str(out), "--md", str(md),
                                 "--json", str(js), *extra])
    return result, md, js


@pytest.mark.corpus
@pytest.mark.parametrize("rel", ALL_INPUTS)
def test_report_on_every_corpus_file(corpus, tmp_path, rel):
    result, md, js = _report(corpus(rel), tmp_path / "r.html")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert len(html.encode("utf-8")) < 6_000_000
    assert html.count("plotly.js v") <= 1
    assert '<section id="diagnostics">' in html
    assert len(md.read_text(encoding="utf-8").splitlines()) <= 60
    data = json.loads(js.read_text(encoding="utf-8"))
    assert set(data) >= {"findings", "apps", "metadata", "coverage", "diagnostics", "period"}
    assert data["input"]["kind"]


@pytest.fixture(scope="module")
def sailfish(tmp_path_factory):
    from conftest import corpus_path

    src = corpus_path(SAILFISH_81)
    out = tmp_path_factory.mktemp("sailfish") / "s.html"
    result, md, js = _report(src, out)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8"), md.read_text(encoding="utf-8"), json.loads(
        js.read_text(encoding="utf-8"))


@pytest.mark.corpus
def test_sailfish_header_figures(sailfish):
    html, md, data = sailfish
    p = data["period"]
    assert p["period_ms"] == 9 * 3_600_000 + 35 * 60_000 + 17_110
    assert p["screen_off_ms"] == 9 * 3_600_000 + 34 * 60_000 + 35_819
    assert p["drop_pct"] == 4 and p["screen_off_drop_pct"] == 4
    assert round(p["screen_off_rate"], 2) == 0.42  # 4 points over 9.576 h
    assert p["period_start_local"] == "2018-04-01 23:54:40"
    assert (p["release"], p["sdk"], p["build"]) == ("8.1", 27, "OPM1.171019.021")
    assert p["capture_local"] == "2018-04-02 17:06:30"
    assert "Google Pixel (sailfish)" in html and "9h 35m" in html and "0.4 %/h" in html
    assert "**Android 8.1 (API 27)**" in md and "4 % used" in md


@pytest.mark.corpus
def test_sailfish_timeline_pairs_every_job(corpus):
    """238 `+job=` and 238 `-job=` records in the 8.1 history → 238 job spans."""
    from wakescope import parsers
    from wakescope.analyzer.analysis import analyse
    from wakescope.analyzer.report import intervals

    tl = intervals.build(analyse(parsers.load(corpus(SAILFISH_81))))
    assert tl.axis == "local" and tl.source == "batterystats history"
    jobs = sum(1 for segs in tl.segments.values() for lane, *_ in segs
               if tl.group_of_lane[lane] == "job")
    assert jobs == 238
    assert tl.merged == 0
    assert tl.lanes[:5] == ["Screen on", "Plugged in", "Charging", "Doze", "CPU awake"]


@pytest.mark.corpus
def test_sailfish_timeline_draws_spans_of_one_start_in_history_interval_order(corpus):
    """Three sync jobs start in one millisecond of the 8.1 history (`+Ejb=` records at
    +9h35m17s299ms: people, photos.iu, games.background, rows 2894-2896). Spans of one lane and
    one start keep the order of history_intervals (start, kind, uid, tag), so the draw order
    and the hover-text numbering do not depend on the Polars release (2.1 and 2.2 differed)."""
    from wakescope import parsers
    from wakescope.analyzer.analysis import analyse
    from wakescope.analyzer.report import intervals

    tl = intervals.build(analyse(parsers.load(corpus(SAILFISH_81))))
    job_segs = [s for segs in tl.segments.values() for s in segs
                if tl.group_of_lane[s[0]] == "job"]
    starts = [s[1] for s in job_segs]
    tied = [s for s in job_segs if starts.count(s[1]) == 3
            and "photos.iu.EsGoogleIuProvider" in tl.texts[s[3]]]
    assert len(tied) == 1  # the photos.iu job of the three
    lane, start = tied[0][:2]
    order = [tl.texts[s[3]].split("/com.google/")[0]
             for s in job_segs if s[:2] == (lane, start)]
    assert order == ["com.google.android.gms.games.background", "com.google.android.gms.people",
                     "com.google.android.gms.photos.iu.EsGoogleIuProvider"]
    # The hover texts are numbered in that order too.
    ids = [s[3] for s in job_segs if s[:2] == (lane, start)]
    assert ids == sorted(ids)


@pytest.mark.corpus
def test_xiaomi_standalone_figures(corpus, tmp_path):
    # `Time on battery: 7h 51m 25s 785ms`; `Amount discharged (upper bound): 115`,
    # `while screen on: 114`, `while screen off: 1` (the phone was plugged in between).
    result, _, js = _report(corpus("batterystats/xiaomi-miro-android15.txt"),
                            tmp_path / "x.html")
    assert result.exit_code == 0, result.output
    p = json.loads(js.read_text())["period"]
    assert p["period_ms"] == 7 * 3_600_000 + 51 * 60_000 + 25_785
    assert (p["drop_pct"], p["screen_on_drop_pct"], p["screen_off_drop_pct"]) == (115, 114, 1)


def test_default_output_name():
    assert default_output("/x/bugreport-a-b.zip") == Path("bugreport-a-b.html")
    assert default_output("dump.txt") == Path("dump.html")
    assert default_output("batterystats.txt.gz") == Path("batterystats.html")
    assert default_output("-") == Path("wakescope-report.html")


@pytest.fixture
def fake_pipeline(monkeypatch):
    """Replace the pipeline with one that writes the fake analysis (findings settable)."""
    state = {"findings": True}

    def run_one(input_path, *, html=None, markdown=None, json_path=None, redact=True,
                rules=None, **_):
        from wakescope.analyzer.report import analysis_json, render_markdown, write_html

        a = fake_analysis(findings=state["findings"])
        if html is not None:
            write_html(a, html)
        if markdown is not None:
            markdown.write_text(render_markdown(a))
        if json_path is not None:
            json_path.write_text(json.dumps(analysis_json(a)))
        state["redact"] = redact
        return a

    monkeypatch.setattr("wakescope.analyzer.pipeline.run_one", run_one)
    return state


def test_fail_on_exit_codes(fake_pipeline, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # the fake holds one high, one medium and one info finding
    for level, code in (("high", 1), ("medium", 1), ("low", 1)):
        r = runner.invoke(app, ["report", "in.zip", "--fail-on", level])
        assert r.exit_code == code, r.output
    assert (tmp_path / "in.html").exists()  # default name, current folder
    fake_pipeline["findings"] = False
    r = runner.invoke(app, ["report", "in.zip", "--fail-on", "low"])
    assert r.exit_code == 0 and "0 findings" in r.output
    r = runner.invoke(app, ["report", "in.zip", "--fail-on", "severe"])
    assert r.exit_code == 2 and "--fail-on must be one of" in r.output
    r = runner.invoke(app, ["report", "in.zip", "--no-redact"])
    assert r.exit_code == 0 and fake_pipeline["redact"] is False


def test_fail_on_ignores_info_only(fake_pipeline, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = fake_analysis()
    info_only = a.findings.filter(a.findings["severity"] == "info")
    from wakescope.analyzer.report.facts import severity_at_least

    assert severity_at_least(info_only, "low") == 0
    assert severity_at_least(a.findings, "medium") == 2
    assert severity_at_least(FINDINGS.empty(), "low") == 0


def test_input_errors_exit_2(tmp_path):
    r = runner.invoke(app, ["report", str(tmp_path / "missing.zip"), "-o",
                            str(tmp_path / "x.html")])
    assert r.exit_code == 2
    assert r.output.startswith("wakescope: ") and "Traceback" not in r.output
    junk = tmp_path / "notes.txt"
    junk.write_text("shopping list\nmilk\n")
    r = runner.invoke(app, ["report", str(junk), "-o", str(tmp_path / "y.html")])
    assert r.exit_code == 2 and "Traceback" not in r.output
    r = runner.invoke(app, ["report", str(junk), "--rules", str(tmp_path / "none.toml")])
    assert r.exit_code == 2 and "rules file" in r.output
