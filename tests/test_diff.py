"""`wakescope diff`: real corpus pairs, with deltas computed by hand from the raw dumps.

Raw lines used:
- sailfish 8.1 (bug report and the standalone batterystats: the same stats period):
  `Time on battery: 9h 35m 17s 110ms`, `Time on battery screen off: 9h 34m 35s 819ms`,
  `Amount discharged while screen off: 4`, `Discharge: 117 mAh` (standalone; the bug
  report's summary comes from its checkin `9,0,l,dc,3,4,0,4,116,112,0,0`: 116 mAh), and
  u0a92 (com.google.android.gm) `Job …` lines of 4 + 20 + 6 + 24 + 5 = 59 runs.
- sailfish 10: `Time on battery screen off: 3h 5m 46s 364ms`,
  `Amount discharged while screen off: 1`; no gm job ran.
- Xiaomi 15: `Time on battery: 7h 51m 25s 785ms (85.9%) realtime, 7h 36m 20s 849ms
  (96.8%) uptime`, `Estimated battery capacity: 5559 mAh`; Pixel 7 checkin
  `9,0,l,bt,0,182449198,31878737,…,4340,…`: 182,449,198 ms on battery, 31,878,737 ms up,
  4,340 mAh.
"""

from __future__ import annotations

import itertools
import json
import math

import pytest
from conftest import BUGREPORTS, corpus_path
from typer.testing import CliRunner

from wakescope import parsers
from wakescope.analyzer.analysis import analyse
from wakescope.analyzer.cli import app
from wakescope.analyzer.report.diff import compare, ranked
from wakescope.analyzer.report.diff_page import render_diff_html, render_diff_markdown

H = 3_600_000
BAT_81 = 9 * H + 35 * 60_000 + 17_110          # 34,517,110 ms
OFF_81 = 9 * H + 34 * 60_000 + 35_819          # 34,475,819 ms
OFF_10 = 3 * H + 5 * 60_000 + 46_364           # 11,146,364 ms
STANDALONE_81 = "batterystats/pixel-sailfish-android8.1.txt"
XIAOMI = "batterystats/xiaomi-miro-android15.txt"
PIXEL7 = "checkin/pixel7-lynx-android15-checkin.txt"

_CACHE: dict[str, object] = {}


def _an(rel: str):
    if rel not in _CACHE:
        _CACHE[rel] = analyse(parsers.load(corpus_path(rel)))
    return _CACHE[rel]


def _one(changes, scope, metric, **match):
    rows = [c for c in changes if c.scope == scope and c.metric == metric
            and all(getattr(c, k) == v for k, v in match.items())]
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.corpus
def test_standalone_vs_bug_report_of_the_same_period():
    cmp = compare(_an(STANDALONE_81), _an(BUGREPORTS["sailfish_8_1"]))
    off = _one(cmp.drain, "drain", "screen_off_pct_per_h")
    assert off.base == pytest.approx(4 / (OFF_81 / H)) == pytest.approx(0.417684, abs=1e-6)
    assert off.verdict == "unchanged" and off.delta == 0
    mah = _one(cmp.drain, "drain", "mah_per_h")
    assert mah.base == pytest.approx(117 / (BAT_81 / H))
    assert mah.new == pytest.approx(116 / (BAT_81 / H))
    # One whole mAh over each window: ±(1/9.588 + 1/9.588) mAh/h.
    assert mah.noise == pytest.approx(2 / (BAT_81 / H)) and mah.verdict == "within_noise"
    gm = _one(cmp.apps, "app", "jobs_per_h", package="com.google.android.gm")
    assert gm.base == gm.new == pytest.approx(59 / (BAT_81 / H))
    assert gm.verdict == "unchanged"
    assert any("does not name its device" in w for w in cmp.warnings)
    # The standalone dump has no jobscheduler/alarm dump: its 2 reviewed findings
    # (tests/golden/pixel-sailfish-android8.1.txt.toml) both recur; the bug report's other
    # 41 (of 43 in its golden file) appear, the deferred-job ones among them.
    assert cmp.findings["resolved"] == [] and cmp.findings["unchanged"][0]["count"] == 2
    assert len(cmp.findings["appeared"]) == 41


@pytest.mark.corpus
def test_two_sailfish_bug_reports():
    cmp = compare(_an(BUGREPORTS["sailfish_8_1"]), _an(BUGREPORTS["sailfish_10"]))
    assert any(w.startswith("Different Android releases (8.1 vs 10)") for w in cmp.warnings)
    off = _one(cmp.drain, "drain", "screen_off_pct_per_h")
    assert off.new == pytest.approx(1 / (OFF_10 / H)) == pytest.approx(0.322975, abs=1e-6)
    assert off.delta == pytest.approx(1 / (OFF_10 / H) - 4 / (OFF_81 / H))
    # Whole-percent levels: ±1 %/T per capture; -0.095 %/h is within ±0.427 %/h.
    assert off.noise == pytest.approx(H / OFF_81 + H / OFF_10)
    assert off.verdict == "within_noise"
    gm = _one(cmp.apps, "app", "jobs_per_h", package="com.google.android.gm")
    assert gm.base == pytest.approx(59 / (BAT_81 / H)) and gm.new == 0
    assert gm.noise == pytest.approx(2 * math.sqrt(59) / (BAT_81 / H))  # 1.602 /h
    assert gm.verdict == "gone"
    top = ranked(cmp.apps, "app", "jobs_per_h")
    assert top[0].package == "com.google.android.gm"  # the largest change comes first
    assert all(abs(a.delta) >= abs(b.delta) for a, b in itertools.pairwise(top))
    assert cmp.findings["resolved"] and cmp.findings["appeared"]
    # Screen-off wakelock time from the history (first holder): com.facebook.katana
    # (u0a131) holds it 4 times, +3m52s026ms→+3m52s059ms, +47m11s140ms→+48m11s958ms,
    # +1h46m48s988ms→+1h46m51s757ms, +7h46m50s079ms→+7h46m53s491ms: 67,032 ms, over the
    # history's 9.577 screen-off hours. Four intervals, one of 61 s: gone is within noise.
    fb = _one(cmp.apps, "app", "screen_off_wakelock_s_per_h", package="com.facebook.katana")
    assert fb.base == pytest.approx(67.032 / (OFF_81 / H), rel=1e-5)
    assert fb.new == 0 and fb.noise == pytest.approx(2 * fb.base / math.sqrt(4))
    assert fb.verdict == "within_noise"


@pytest.mark.corpus
def test_xiaomi_15_vs_pixel_7_is_not_comparable():
    cmp = compare(_an(XIAOMI), _an(PIXEL7))
    awake = _one(cmp.drain, "drain", "awake_pct_on_battery")
    assert awake.base == pytest.approx(100 * 27_380_849 / 28_285_785)   # 96.80 %
    assert awake.new == pytest.approx(100 * 31_878_737 / 182_449_198)   # 17.47 %
    assert awake.delta == pytest.approx(awake.new - awake.base) and awake.verdict == "down"
    text = " ".join(cmp.warnings)
    assert "Different batteries (estimated capacity 5,559 vs 4,340 mAh)" in text
    assert "mostly screen-on (93% of its battery time)" in text


@pytest.mark.corpus
def test_a_capture_against_itself_shows_no_change_and_no_noise():
    a = _an(BUGREPORTS["sailfish_8_1"])
    cmp = compare(a, a)
    everything = [*cmp.drain, *cmp.apps, *cmp.kernel, *cmp.tags]
    assert everything and {c.verdict for c in everything} <= {"unchanged", "n/a"}
    assert not any(c.verdict == "within_noise" for c in everything)
    assert cmp.warnings == []
    f = cmp.findings
    assert f["appeared"] == f["resolved"] == f["changed"] == []
    assert f["unchanged"][0]["count"] == a.findings.height
    assert cmp.deferred == [] and cmp.regressions(0) == []


@pytest.mark.corpus
def test_outputs_and_cli(tmp_path):
    base, new = corpus_path(BUGREPORTS["sailfish_8_1"]), corpus_path(BUGREPORTS["sailfish_10"])
    out, md, js = tmp_path / "d.html", tmp_path / "d.md", tmp_path / "d.json"
    res = CliRunner().invoke(app, ["diff", str(base), str(new), "-o", str(out), "--md",
                                   str(md), "--json", str(js)])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert "Different Android releases (8.1 vs 10)" in page and "within noise" in page
    assert "<script" not in page  # static page: nothing to run
    lines = md.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 40 and lines[0] == "## wakescope diff"
    assert any(line.startswith("| Screen-off drain (%/h) | 0.42 | 0.32 |") for line in lines)
    data = json.loads(js.read_text(encoding="utf-8"))
    pair = data["comparisons"][0]
    assert pair["base"]["sdk"] == 27 and pair["new"]["sdk"] == 29
    # gm's 59 jobs stopped: a regression gate on increases does not fire on it, but new
    # work (accuweather's jobs, absent in 8.1) does.
    res = CliRunner().invoke(app, ["diff", str(base), str(new), "-o", str(out),
                                   "--fail-on-regression", "50"])
    assert res.exit_code == 1 and "com.accuweather.android" in res.output
    res = CliRunner().invoke(app, ["diff", str(base), str(tmp_path / "missing.zip"), "-o",
                                   str(out)])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_html_escapes_input_strings():
    from test_report import XSS, fake_analysis

    a = fake_analysis()
    cmp = compare(a, a, base_label=XSS, new_label="new")
    page = render_diff_html([cmp])
    assert XSS not in page and "&lt;" in page
    md = render_diff_markdown([cmp])
    assert len(md.splitlines()) <= 40


@pytest.mark.corpus
def test_findings_that_appeared_or_resolved_come_by_severity_in_the_analysis_order():
    """Appeared and resolved findings: by severity, then in the analysis' own order (the
    energy explained, then the figure, worst first). They were iterated from set
    differences, in an order that changed run to run (string hashes are salted)."""
    from wakescope.analyzer.model import SEVERITY_RANK

    base, new = _an(BUGREPORTS["sailfish_8_1"]), _an(BUGREPORTS["sailfish_10"])
    cmp = compare(base, new)
    for side, an, other in (("appeared", new, base), ("resolved", base, new)):
        others = set(other.findings["id"])
        rows = [r for r in an.findings.iter_rows(named=True) if r["id"] not in others]
        rows.sort(key=lambda r: SEVERITY_RANK[r["severity"]])
        assert [r["id"] for r in cmp.findings[side]] == [r["id"] for r in rows]
    # Sailfish 10's 8 new findings are infos; the kernel wakeup reason of 14.8/h first.
    appeared = cmp.findings["appeared"]
    assert len(appeared) == 8 and {r["severity"] for r in appeared} == {"info"}
    assert appeared[0]["title"].startswith("Kernel wakeup reason: 168:qcom,smd-rpm-summary")
