"""The HTML report in a real headless Chromium: renders offline with no console error and no
network request, shows findings and the Plotly timeline, and never runs input strings.

Skipped when Playwright or Debian's /usr/bin/chromium is missing (`.ci/run` installs both).
Screenshots land in /tmp/wakescope-report-*.png for a human look.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from test_report import SYNC_OWNER, XSS, evil_dump, fake_analysis

from wakescope.analyzer.report import write_html

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("the playwright Python package is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Opened:
    """A loaded report page with what it logged and requested."""

    def __init__(self, browser, path: Path, shot: str):
        self.url = path.resolve().as_uri()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_timeout(300)
        self.page.screenshot(path=f"/tmp/wakescope-report-{shot}.png")

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()

    def check_clean(self) -> None:
        assert self.errors == []
        assert self.requests == [self.url], "the report must not request anything else"
        assert self.page.evaluate("typeof window.__xss") == "undefined"


def _pipeline_report(src: Path, out: Path) -> None:
    from wakescope.analyzer.pipeline import run_one

    run_one(src, html=out)


def _check_sorting(o: Opened) -> None:
    """Click headers of the wakelock table: numbers high to low first, text A to Z."""
    table = o.page.locator("#wakelocks-table")
    counts = "els => els.map(e => e.textContent.trim())"
    header = table.locator("th", has_text="Count")
    header.click()
    assert table.locator("tbody td:nth-child(5)").evaluate_all(counts) == ["12", "5", "3"]
    header.click()
    assert table.locator("tbody td:nth-child(5)").evaluate_all(counts) == ["3", "5", "12"]
    table.locator("th", has_text="App").click()
    apps = table.locator("tbody td:nth-child(1)").evaluate_all(counts)
    assert apps == sorted(apps)


def test_xss_payload_is_text_everywhere(browser, tmp_path):
    path = tmp_path / "xss.html"
    write_html(fake_analysis(), path)
    o = Opened(browser, path, "xss")
    o.check_clean()
    # shown as text in the findings and the tables
    title = o.page.locator("#findings .finding h3").first.text_content()
    assert XSS in title
    assert XSS in o.page.locator("#wakelocks-table").text_content()
    assert o.count("#findings script, #wakelocks script, img[src='x']") == 0
    # the javascript: doc link of the fake finding is not rendered as a link
    assert o.count("a[href^='javascript']") == 0
    # and in Plotly's hover text: hover the wakelock span holding the payload
    o.page.locator("#timeline-chart").scroll_into_view_if_needed()
    x, y = o.page.evaluate("""() => {
        const gd = document.getElementById('timeline-chart');
        const i = gd.data.findIndex(t => (t.text || []).some(s => s && s.includes('__xss')));
        const j = gd.data[i].text.findIndex(s => s && s.includes('__xss'));
        const fl = gd._fullLayout, box = gd.getBoundingClientRect();
        return [fl.xaxis.d2p(gd.data[i].x[j]) + fl.xaxis._offset + box.left + 2,
                fl.yaxis2.d2p(gd.data[i].y[j]) + fl.yaxis2._offset + box.top];
    }""")
    o.page.mouse.move(x, y)
    o.page.wait_for_timeout(200)
    shown = o.page.locator(".hoverlayer").text_content()
    assert XSS in shown
    ticks = o.page.locator("#timeline-chart .y2tick text").all_text_contents()
    assert f"sync · {SYNC_OWNER}" in ticks  # lane labels are text too
    assert o.count("#timeline-chart i") == 0
    assert o.page.evaluate("typeof window.__xss") == "undefined"
    assert o.count(".js-plotly-plot .main-svg") >= 1
    _check_sorting(o)
    o.check_clean()
    o.page.close()


def test_no_findings_page(browser, tmp_path):
    path = tmp_path / "none.html"
    write_html(fake_analysis(findings=False), path)
    o = Opened(browser, path, "no-findings")
    o.check_clean()
    assert "No findings." in o.page.locator("#findings").text_content()
    o.page.close()


def test_markup_in_a_real_dump_stays_text(browser, tmp_path):
    """The hand-made evil dump through the real parsers and analysis, in the browser."""
    out = tmp_path / "evil.html"
    _pipeline_report(Path(evil_dump(tmp_path)), out)
    o = Opened(browser, out, "evil-dump")
    o.check_clean()
    assert XSS in o.page.locator("#wakelocks-table").text_content()
    assert o.count("img[src='x'], svg[onload], #wakelocks b") == 0
    assert o.count("#timeline-chart .main-svg") >= 1
    o.page.close()


@pytest.mark.corpus
@pytest.mark.parametrize("rel", [
    "bugreports/bugreport-sailfish-OPM1.171019.021-2018-04-02-17-06-30.zip",
    "batterystats/xiaomi-miro-android15.txt",
    "alarm/pixel-android10.txt",
])
def test_corpus_report_renders(browser, corpus, tmp_path, rel):
    src = corpus(rel)
    out = tmp_path / "report.html"
    _pipeline_report(src, out)
    assert out.stat().st_size < 6_000_000
    o = Opened(browser, out, Path(rel).stem)
    o.check_clean()
    assert o.count("#findings h2") == 1
    assert o.page.locator("#findings .finding, #findings .nofind").count() >= 1
    assert o.count("#timeline-chart .js-plotly-plot .main-svg, "
                   "#timeline-chart.js-plotly-plot .main-svg") >= 1
    assert o.count("#apps table, #apps .empty") >= 1
    # sorting works: click the first numeric header of the wakelock or alarm table
    o.page.close()
