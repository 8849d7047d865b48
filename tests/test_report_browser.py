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


# ---------------------------------------------------------------- keyboard, print, contrast

SAMPLE = Path(__file__).resolve().parent.parent / "sample_logs" / "bugreport-sample.zip"


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> Path:
    """The bundled sample bug report's HTML report, through the real pipeline."""
    out = tmp_path_factory.mktemp("sample") / "sample.html"
    _pipeline_report(SAMPLE, out)
    return out


def test_headers_sort_from_the_keyboard(browser, tmp_path):
    """Tab reaches each sortable header; Enter and Space sort; aria-sort says how."""
    path = tmp_path / "keys.html"
    write_html(fake_analysis(), path)
    o = Opened(browser, path, "keyboard")
    table = o.page.locator("#wakelocks-table")
    counts = "els => els.map(e => e.textContent.trim())"
    heads = table.locator("thead th")
    assert heads.evaluate_all("els => els.map(e => e.tabIndex)") == [0] * heads.count()
    heads.nth(3).focus()
    o.page.keyboard.press("Tab")  # Tab goes from one header to the next: Count
    assert o.page.evaluate("document.activeElement.textContent.trim()") == "Count"
    count = table.locator("th", has_text="Count")
    assert count.get_attribute("aria-sort") is None
    o.page.keyboard.press("Enter")
    assert table.locator("tbody td:nth-child(5)").evaluate_all(counts) == ["12", "5", "3"]
    assert count.get_attribute("aria-sort") == "descending"
    o.page.keyboard.press(" ")
    assert table.locator("tbody td:nth-child(5)").evaluate_all(counts) == ["3", "5", "12"]
    assert count.get_attribute("aria-sort") == "ascending"
    app = table.locator("th", has_text="App")
    app.focus()
    o.page.keyboard.press("Enter")
    assert app.get_attribute("aria-sort") == "ascending"
    assert count.get_attribute("aria-sort") is None  # one sorted column at a time
    o.check_clean()
    o.page.close()


def _pdf_text(pdf: bytes) -> str:
    import io

    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def test_print_to_pdf_keeps_wide_columns_and_opens_sections(browser, sample_report):
    """Printing the sample report: the findings table's Measured and Threshold columns fit
    the page (no scroll box clips a column) and every collapsed section's rows are printed."""
    o = Opened(browser, sample_report, "print")
    page = o.page
    closed = page.evaluate("""() => [...document.querySelectorAll('details.tbl:not([open])')]
        .map(d => d.querySelector('tbody td:not(.num)')).filter(td => td)
        .map(td => td.textContent.trim())""")
    assert len(closed) >= 5  # the sample has collapsed detail tables
    measured = page.evaluate("""() => [...document.querySelectorAll('#findings-table tbody tr')]
        .map(r => [r.cells[4].textContent.trim(), r.cells[5].textContent.trim()])""")
    assert ["14.9 wakeups/h", "10 wakeups/h"] in measured
    text = _pdf_text(page.pdf(format="A4"))
    assert "Measured" in text and "Threshold" in text
    for value, threshold in measured:
        assert value in text and threshold in text
    missing = [c for c in closed if " ".join(c.split())[:20] not in text]
    assert missing == []
    # Layout in print media at an A4 page's width: nothing overflows its box.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 700, "height": 1000})
    assert page.evaluate("""() => [...document.querySelectorAll('.scroll')]
        .filter(s => s.scrollWidth > s.clientWidth).map(s => s.firstElementChild.id)""") == []
    right = page.evaluate("""() => [...document.querySelectorAll('#findings-table th')]
        .filter(h => /Measured|Threshold/.test(h.textContent))
        .map(h => h.getBoundingClientRect().right)""")
    assert len(right) == 2 and max(right) <= 700
    assert page.evaluate("[...document.querySelectorAll('details')].every(d => "
                         "getComputedStyle(d.querySelector('summary ~ *') || d)"
                         ".display !== 'none')")
    o.page.close()


CONTRAST = """() => {
  function rgb(c) {
    const s = c.match(/color\\(srgb ([^)]+)\\)/);
    if (s) { return s[1].split(/[ \\/]+/).slice(0, 3).map(x => parseFloat(x) * 255); }
    return c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  }
  function lum(c) {
    const l = c.map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  }
  return [...document.querySelectorAll('.api, .sev, .st, .chip, .count')].map(el => {
    const st = getComputedStyle(el);
    const a = lum(rgb(st.color)), b = lum(rgb(st.backgroundColor));
    return [el.className + ' ' + el.textContent.trim(),
            (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}"""


def test_chips_meet_wcag_aa_contrast(browser, sample_report):
    """Every chip (API, severity, status, count) has text contrast of at least 4.5:1 on its
    own background (WCAG 2.1 AA); the Location chip was 4.37:1."""
    from wakescope.analyzer.report.charts import API_COLORS

    o = Opened(browser, sample_report, "contrast")
    # one chip of every API colour, so colours the sample lacks are checked too
    o.page.evaluate("""colors => { const box = document.createElement('div');
        for (const c of colors) { const s = document.createElement('span');
          s.className = 'api'; s.style.setProperty('--c', c); s.textContent = c;
          box.appendChild(s); }
        document.querySelector('main').appendChild(box); }""", list(API_COLORS.values()))
    ratios = o.page.evaluate(CONTRAST)
    assert any("Location" in name for name, _ in ratios)
    low = [(name, round(r, 2)) for name, r in ratios
           if r < 4.5 and "zero" not in name]  # `.sev.zero` sits on the dark header
    assert low == []
    o.page.close()
