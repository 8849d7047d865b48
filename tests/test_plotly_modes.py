"""Where the pages get Plotly's JS (issue 17): inline by default for `report`, one shared
`plotly.min.js` for a batch, or the CDN; the rest of the page is the same bytes."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import SAMPLES
from wakescope.analyzer.cli import app
from wakescope.analyzer.report.plotly_js import plotly_js_bytes, plotly_js_version

SAMPLE = SAMPLES / "bugreport-sample.zip"
_INLINE = re.compile(rb"<script>/\*\*\n\* plotly\.js v.*?</script>", re.S)


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_report_modes_differ_only_in_the_plotly_element(tmp_path: Path):
    pages = {}
    for mode in ("inline", "shared", "cdn"):
        out = tmp_path / mode / "r.html"
        r = run("report", SAMPLE, "-o", out, "--plotly", mode)
        assert r.exit_code == 0, r.output
        assert "15 findings (4 high, 3 medium, 4 low, 4 info)" in r.output
        pages[mode] = out.read_bytes()
    default = tmp_path / "default.html"
    assert run("report", SAMPLE, "-o", default).exit_code == 0
    assert default.read_bytes() == pages["inline"]  # inline stays the default
    js = plotly_js_bytes()
    assert js in pages["inline"] and js not in pages["shared"]
    shared_tag = b'<script src="plotly.min.js" charset="utf-8"></script>'
    cdn_tag = (f'<script src="https://cdn.plot.ly/plotly-{plotly_js_version()}.min.js" '
               'charset="utf-8"></script>').encode()
    assert pages["shared"].count(shared_tag) == 1 and pages["cdn"].count(cdn_tag) == 1
    # Beside the shared page: the library, byte for byte; nothing beside the others.
    assert (tmp_path / "shared" / "plotly.min.js").read_bytes() == js
    assert sorted(p.name for p in (tmp_path / "cdn").iterdir()) == ["r.html"]
    # Swapping the element back gives the inline page.
    inline = _INLINE.sub(lambda _: shared_tag, pages["inline"], count=1)
    assert inline == pages["shared"]
    assert len(pages["shared"]) < len(pages["inline"]) - len(js) + 100


def test_batch_shares_one_plotly_js(tmp_path: Path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("bugreport-sample.zip", "bugreport-sample-android12.zip", "alarm.txt"):
        (inputs / name).write_bytes((SAMPLES / name).read_bytes())
    out = tmp_path / "out"
    r = run("batch", inputs, "--out", out, "-j", "1", "--no-progress")
    assert r.exit_code == 0, r.output
    assert "3 inputs (3 processed, 0 up to date): 3 ok" in r.output
    js = plotly_js_bytes()
    assert (out / "reports" / "plotly.min.js").read_bytes() == js
    reports = sorted((out / "reports").glob("*.html"))
    assert len(reports) == 3
    for page in reports:
        data = page.read_bytes()
        assert js not in data
        if b"plotly" in data:  # a page with a chart loads the shared copy
            assert data.count(b'<script src="plotly.min.js" charset="utf-8"></script>') == 1
    index = (out / "index.html").read_bytes()
    assert js not in index
    r = run("batch", inputs, "--out", tmp_path / "bad", "--plotly", "embedded", "--no-progress")
    assert r.exit_code == 2 and "--plotly must be one of shared, inline, cdn" in r.output
