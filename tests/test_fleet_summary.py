"""Fleet summary on a small hand-made batch folder: sums, device counts, escaping, and the
index page in a real headless Chromium (no console errors, no network)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from wakescope.analyzer.batch import write_capture_tables, write_record
from wakescope.analyzer.batch.fleet import fleet_summary, write_fleet_outputs

XSS = "<script>alert(1)</script>"
HOUR = 3_600_000


def _no_scripts(page: str) -> str:
    """The page without its <script> elements (Plotly's bundle holds URLs of its own)."""
    return re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)


def _record(cid: str, status: str = "ok", device_key: str | None = None, **kw) -> dict:
    return {"capture_id": cid, "name": f"in-{cid}", "source": f"/data/{cid}.zip",
            "size_bytes": 10, "mtime": "2024-01-01T00:00:00+00:00", "status": status,
            "reason": kw.pop("reason", None), "report": kw.pop("report", None),
            "device_key": device_key, "kind": "bugreport", "manufacturer": "Google",
            "model": "Pixel", "release": "14", "sdk": 34, "redact": True,
            "wakescope_version": "0.1.0", **kw}


def _apps(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"package": pl.String, "partial_wakelock_ms": pl.Int64,
                                      "partial_wakelock_ms_per_24h": pl.Float64,
                                      "wakeup_alarms": pl.Int64, "wakeups_per_hour": pl.Float64,
                                      "worst_severity": pl.String}, orient="row")


@pytest.fixture()
def fleet(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    # c1 and c2: the same phone (same device key); c3 another one; c4 failed.
    caps = {
        "c1": (_apps([("com.a", 2 * HOUR, 4.0 * HOUR, 30, 3.0, "high"),
                      (XSS, 1000, 2000.0, 0, 0.0, None)]),
               [("com.a", "sync", "a_tag", "partial", 2 * HOUR),
                (XSS, XSS, XSS, "partial", 1000), ("com.a", "x", "full_tag", "full", 99)],
               [("excessive_wakelock", "com.a", "high", 4.0),
                ("excessive_wakeups", XSS, "low", 11.0)],
               12 * HOUR),
        "c2": (_apps([("com.a", HOUR, 1.0 * HOUR, 10, 0.5, "medium")]),
               [("com.a", "sync", "a_tag", "partial", HOUR)],
               [("excessive_wakelock", "com.a", "medium", 2.5)], 24 * HOUR),
        "c3": (_apps([("com.a", 0, 0.0, 5, 1.0, None), ("com.b", 3 * HOUR, 6.0 * HOUR, 0, 0.0,
                                                         "high")]),
               [("com.b", None, "b_tag", "partial", 3 * HOUR)],
               [("excessive_wakelock", "com.b", "high", 6.0)], 12 * HOUR),
    }
    keys = {"c1": "dev1", "c2": "dev1", "c3": None}
    for cid, (apps, wl, findings, period) in caps.items():
        tables = {
            "apps": apps,
            "batterystats_wakelocks": pl.DataFrame(
                wl, schema=["package", "api", "tag", "kind", "total_ms"], orient="row"),
            "findings": pl.DataFrame(findings, schema=["kind", "package", "severity", "value"],
                                     orient="row"),
            "batterystats_summary": pl.DataFrame({"battery_realtime_ms": [period]}),
            "batterystats_wakeup_alarms": pl.DataFrame(
                {"package": ["com.a"], "tag": [f"*walarm*:{XSS}"], "count": [12]}),
        }
        rows = write_capture_tables(out, cid, tables)
        write_record(out, _record(cid, device_key=keys[cid], tables=rows,
                                  report=f"reports/in-{cid}.html"))
    write_record(out, _record("c4", "failed", reason=f"/data/{XSS}.zip is empty; expected an "
                                                      "Android bug report or dumpsys output."))
    # A table file from an interrupted run (no record): never counted.
    write_capture_tables(out, "orphan", {"apps": _apps([("com.a", 10**9, 1e9, 10**6, 1e6,
                                                         "high")])})
    return out


def test_apps_totals_devices_and_means(fleet: Path):
    s = fleet_summary(fleet)
    assert s.counts == {"ok": 3, "partial": 0, "failed": 1, "error": 0}
    assert s.devices == 2  # dev1 (c1, c2) + c3 without a key
    a = {r["package"]: r for r in s.apps.iter_rows(named=True)}
    assert set(a) == {"com.a", "com.b", XSS}
    assert a["com.a"]["partial_wakelock_ms"] == 3 * HOUR
    assert a["com.a"]["wakeup_alarms"] == 45
    assert (a["com.a"]["captures"], a["com.a"]["devices"]) == (3, 2)
    assert a["com.a"]["wakeups_per_hour_fleet_mean"] == pytest.approx(4.5 / 3)
    assert a["com.a"]["wakeups_per_hour_median"] == pytest.approx(1.0)
    assert a["com.a"]["wakeups_per_hour_max"] == pytest.approx(3.0)
    assert a["com.a"]["partial_wakelock_ms_per_24h_fleet_mean"] == pytest.approx(5 * HOUR / 3)
    assert a["com.a"]["worst_severity"] == "high"
    assert a["com.b"]["worst_severity"] == "high" and a[XSS]["worst_severity"] is None
    # Ordered by wakelock time per 24 h across the fleet: com.b (6 h / 3), then com.a.
    assert s.apps.get_column("package").to_list()[:2] == ["com.b", "com.a"]


def test_tags_and_findings_prevalence(fleet: Path):
    s = fleet_summary(fleet)
    wl = {(r["package"], r["tag"]): r for r in s.wakelock_tags.iter_rows(named=True)}
    assert set(wl) == {("com.a", "a_tag"), (XSS, XSS), ("com.b", "b_tag")}  # partial only
    assert wl[("com.a", "a_tag")]["total_ms"] == 3 * HOUR
    assert wl[("com.a", "a_tag")]["devices"] == 1 and wl[("com.a", "a_tag")]["api"] == "sync"
    # c1: 2 h in 12 h → 4 h/24 h; c2: 1 h in 24 h → 1 h/24 h; fleet mean over 3 captures.
    assert wl[("com.a", "a_tag")]["ms_per_24h_max"] == pytest.approx(4 * HOUR)
    assert wl[("com.a", "a_tag")]["ms_per_24h_fleet_mean"] == pytest.approx(5 * HOUR / 3)
    (alarm,) = s.alarm_tags.iter_rows(named=True)
    assert alarm["wakeups"] == 36 and alarm["devices"] == 2
    assert alarm["wakeups_per_hour_max"] == pytest.approx(1.0)  # 12 in 12 h
    f = {(r["kind"], r["package"]): r for r in s.findings.iter_rows(named=True)}
    assert f[("excessive_wakelock", "com.a")]["devices"] == 1
    assert f[("excessive_wakelock", "com.a")]["captures"] == 2
    assert f[("excessive_wakelock", "com.a")]["worst_severity"] == "high"
    assert f[("excessive_wakelock", "com.b")]["devices"] == 1
    assert s.findings.row(0, named=True)["kind"] == "excessive_wakelock"


def test_index_escapes_input_strings(fleet: Path):
    index = write_fleet_outputs(fleet)
    page = index.read_text()
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    data = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page,
                     re.S).group(1)
    assert "<" not in data and ">" not in data
    charts = json.loads(data)
    assert [c["id"] for c in charts] == ["chart-wakeups", "chart-wakelocks"]
    assert "&lt;script&gt;" in json.dumps(charts)  # Plotly gets escaped text
    assert set(re.findall(r'href="([^"#]+)"', _no_scripts(page))) == {
        "reports/in-c1.html", "reports/in-c2.html", "reports/in-c3.html"}
    assert pl.read_parquet(fleet / "captures.parquet").height == 4
    status = json.loads((fleet / "status.json").read_text())
    assert status["counts"]["failed"] == 1 and status["devices"] == 2


def test_empty_folder_summary(tmp_path: Path):
    (tmp_path / "status").mkdir()
    page = write_fleet_outputs(tmp_path).read_text()
    assert "No input failed." in page and "No per-app figures to plot." in page
    assert "Plotly" not in page


@pytest.mark.browser
def test_index_in_headless_chromium(fleet: Path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no chromium on this machine (Debian's `chromium` package)")
    sync_api = pytest.importorskip("playwright.sync_api")
    index = write_fleet_outputs(fleet)
    errors, requests = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(index.as_uri())
        page.wait_for_selector("#chart-wakelocks .main-svg")
        boxes = page.locator("#chart-wakeups g.trace.boxes").count()
        dialog = []
        page.on("dialog", lambda d: dialog.append(d.message))
        page.click("#apps table th:nth-child(2)")  # sorting works without errors
        browser.close()
    assert errors == []
    assert requests == [index.as_uri()]
    assert boxes == 1 and dialog == []
