"""Report outputs (HTML, Markdown, JSON) on hand-made analyses: escaping, structure, caps.

The fake analysis is built from frames conformed to the declared schemas, so these tests
hold while the parsers and passes evolve; corpus runs are in test_report_corpus.py.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import polars as pl
import pytest

from wakescope.analyzer.model import Analysis
from wakescope.analyzer.report import analysis_json, render_markdown, write_html
from wakescope.analyzer.report.charts import esc, script_json
from wakescope.analyzer.report.html import render_html
from wakescope.analyzer.tables import APPS, FINDINGS
from wakescope.parsers.alarm.schema import PENDING, STATS
from wakescope.parsers.batterystats.schema import HISTORY, SUMMARY, WAKELOCKS
from wakescope.parsers.capture import Capture
from wakescope.parsers.diagnostics import Diagnostics
from wakescope.parsers.jobscheduler.schema import HISTORY as JOB_HISTORY
from wakescope.parsers.jobscheduler.schema import JOBS
from wakescope.parsers.metadata import Metadata
from wakescope.parsers.sections import Section

XSS = "<script>window.__xss=1</script>"
XSS_IMG = '"><img src=x onerror="window.__xss=2">'
SYNC_OWNER = "mail<i>x</i>"  # an owner name with markup, shown as a timeline lane label


def _history(tag: str) -> pl.DataFrame:
    """A small battery history: screen on/off, plug, doze, wakelocks, a job and a sync."""
    t0 = datetime(2024, 5, 1, 8, 0, 0)
    rows = []

    def add(offset_s, kind, transition, name, value=None, tag=None, uid=None, package=None,
            level=None, api=None):
        rows.append({
            "seq": len(rows), "offset_ms": offset_s * 1000,
            "local_time": datetime.fromtimestamp(t0.timestamp() + offset_s),
            "battery_level": level, "kind": kind, "transition": transition, "name": name,
            "value": value, "tag": tag, "uid": uid, "package": package, "api": api,
        })

    add(0, "marker", "instant", "reset", level=90)
    add(0, "state", "start", "screen", level=90)
    add(600, "state", "stop", "screen", level=88)
    add(700, "value", "set", "device_idle", "light", level=88)
    add(1200, "wakelock", "start", "wake_lock", tag=tag, uid=10123, package="com.evil.app",
        level=87, api="wakelock")
    add(1500, "wakelock", "stop", "wake_lock", level=87)
    add(1600, "event", "start", "job", tag="*job*/com.evil.app/.Sync", uid=10123,
        package="com.evil.app", level=86, api="job_scheduler")
    add(1700, "event", "stop", "job", tag="*job*/com.evil.app/.Sync", uid=10123,
        package="com.evil.app", level=86, api="job_scheduler")
    add(1800, "event", "start", "sync", tag="com.example.provider/com.google/***", uid=10200,
        package=SYNC_OWNER, level=85, api="sync_adapter")
    add(2400, "event", "stop", "sync", tag="com.example.provider/com.google/***", uid=10200,
        package=SYNC_OWNER, level=85, api="sync_adapter")
    add(3000, "value", "set", "device_idle", "off", level=84)
    add(3600, "state", "start", "plugged", level=84)
    add(4000, "battery", "set", "status", "charging", level=86)
    return HISTORY.conform(pl.DataFrame(rows).with_columns(
        pl.col("local_time").cast(pl.Datetime("ms"))))


def fake_analysis(findings: bool = True, tag: str = XSS) -> Analysis:
    """An Analysis from hand-made frames; `tag` is put in every string slot."""
    meta = Metadata(manufacturer="Google", model="Pixel " + XSS_IMG, device="sailfish",
                    fingerprint="google/sailfish/sailfish:8.1.0/OPM1/1:user/release-keys",
                    release="8.1", sdk=27, build_id="OPM1.171019.021",
                    capture_local="2024-05-01T09:10:00", utc_offset_min=120)
    diags = Diagnostics()
    diags.unknown_line("batterystats", "  weird line " + XSS, 42)
    diags.seen("batterystats", 100)
    diags.warning("unknown_lines", "alarm", "section truncated " + XSS, 7)
    cap = Capture(
        meta=meta, clock=None, diagnostics=diags, source="bugreport-" + XSS + ".zip",
        kind="bugreport", container="zip", member="bugreport.txt", encoding="utf-8",
        line_ends="lf", text="", text_lines=1234,
        sections=[Section("batterystats", 0, 0, first_line=10, line_count=500),
                  Section("jobscheduler", 0, 0, first_line=600, line_count=80)],
    )
    tables = {
        "batterystats_history": _history(tag),
        "batterystats_summary": SUMMARY.frame([{
            "battery_realtime_ms": 4 * 3_600_000, "screen_off_realtime_ms": 3 * 3_600_000,
            "start_level": 90, "end_level": 84, "discharge_pct": 6,
            "discharge_screen_on_pct": 2, "discharge_screen_off_pct": 4, "source": "human"}]),
        "batterystats_wakelocks": WAKELOCKS.frame([
            {"uid": 10123, "package": "com.evil.app", "tag": tag, "kind": "partial",
             "total_ms": 3_000_000, "count": 12, "max_ms": 900_000, "api": "wakelock"},
            {"uid": 10123, "package": "com.evil.app", "tag": "*job*/com.evil.app/.Sync",
             "kind": "partial", "total_ms": 1_000_000, "count": 3, "api": "job_scheduler"},
            {"uid": 10200, "package": "com.example.mail", "tag": "*sync*/x", "kind": "partial",
             "total_ms": 200_000, "count": 5, "api": "sync_adapter"},
        ]),
        "jobscheduler_jobs": JOBS.frame([
            {"uid": 10123, "job_id": 7, "package": "com.evil.app", "service": tag,
             "source_package": "com.evil.app", "source_uid": 10123, "scheduler": "work_manager",
             "ready": False, "running": False, "unsatisfied": ["CONNECTIVITY", "WITHIN_QUOTA"],
             "required": ["CONNECTIVITY"], "standby_bucket": "RARE", "enqueue_ms": -7_200_000,
             "work_spec_id": "1b7c-" + tag, "api": "work_manager",
             # what the analysis writes (passes/jobs.annotate); the report only shows it
             "status": "deferred", "waited_ms": 7_200_000,
             "wait_reasons": ["waiting for the network it requires", "out of job quota: " + tag]},
        ]),
        "jobscheduler_history": JOB_HISTORY.frame([
            {"offset_ms": -60_000, "event": "STOP", "uid": 10123, "job_id": 7,
             "package": "com.evil.app", "tag": tag, "stop_reason": "timeout"},
        ]),
        "alarm_stats": STATS.frame([
            {"package": "com.evil.app", "uid": 10123, "tag": "*walarm*:" + tag, "wakeups": 99,
             "alarms": 120, "running_ms": 5000, "api": "alarm_manager"},
        ]),
        "alarm_pending": PENDING.frame([
            {"type": "RTC_WAKEUP", "wakeup": True, "tag": "*walarm*:" + tag,
             "package": "com.evil.app", "when_relative_ms": 60_000, "window_ms": 0,
             "exact": True, "repeat_interval_ms": 0, "flag_names": [tag],
             "deferred_by": "app_standby", "api": "alarm_manager"},
        ]),
    }
    f_rows = []
    if findings:
        f_rows = [
            {"id": "w1", "severity": "high", "kind": "excessive_wakelock",
             "title": "Wakelock " + tag + " held 2h", "package": "com.evil.app", "uid": 10123,
             "api": "wakelock", "metric": "partial_wakelock_ms_per_24h", "value": 18_000_000.0,
             "unit": "ms", "threshold": 7_200_000.0, "threshold_source": "Android vitals " + tag,
             "basis": "history " + tag, "detail": "detail " + tag,
             "evidence": json.dumps([{"table": "batterystats_wakelocks",
                                      "filter": "tag == " + tag, "rows": [0, 1]}]),
             "recommendation_id": "wl-best", "recommendation": "Use WorkManager " + tag,
             "doc_url": "javascript:window.__xss=3"},
            {"id": "a1", "severity": "medium", "kind": "excessive_wakeups",
             "title": "Too many wakeups", "package": "com.evil.app", "uid": 10123,
             "api": "alarm_manager", "metric": "wakeup_alarms_per_hour", "value": 24.75,
             "unit": "/h", "threshold": 10.0, "threshold_source": "Android vitals",
             "recommendation": "Use inexact alarms",
             "doc_url": "https://developer.android.com/develop/background-work/services/alarms"},
            {"id": "i1", "severity": "info", "kind": "top_power_consumer",
             "title": "Top consumer", "package": "com.example.mail", "uid": 10200,
             "api": "sync_adapter", "metric": "power_share", "value": 0.4, "unit": "share"},
        ]
    apps = APPS.frame([
        {"package": "com.evil.app", "uid": 10123, "partial_wakelock_ms": 4_000_000,
         "partial_wakelock_ms_per_24h": 24_000_000.0, "wakeup_alarms": 99,
         "wakeups_per_hour": 24.75, "jobs_run": 3, "jobs_registered": 1, "jobs_deferred": 1,
         "power_mah": 120.5, "power_share": 0.6, "apis": ["wakelock", "job_scheduler"],
         "findings": 2 if findings else 0, "worst_severity": "high" if findings else None},
        {"package": "com.example.mail", "uid": 10200, "partial_wakelock_ms": 200_000,
         "syncs": 1, "power_mah": 80.0, "power_share": 0.4, "apis": ["sync_adapter"],
         "findings": 1 if findings else 0, "worst_severity": "info" if findings else None},
    ])
    ff = FINDINGS.frame(f_rows) if f_rows else FINDINGS.empty()
    tables["findings"], tables["apps"] = ff, apps
    return Analysis(capture=cap, tables=tables, findings=ff, apps=apps,
                    period_ms=4 * 3_600_000,
                    coverage={"wakelock_time_attributed": 0.97, "checks_run": 9})


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(fake_analysis())


def _text_outside_scripts(html: str) -> str:
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S)


def test_untrusted_strings_are_escaped_in_html(page):
    body = _text_outside_scripts(page)
    assert "<script>window.__xss" not in body
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in body
    assert '<img src=x' not in body
    assert "javascript:" not in body.replace("javascript:window.__xss=3", "")  # never a link
    assert 'href="javascript' not in page


def test_script_blocks_cannot_be_closed_by_input(page):
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S)
    data = [s for s in scripts if "__xss" in s]
    assert data, "the payload should reach the timeline data, escaped"
    for s in data:
        assert "<" not in s and ">" not in s.replace("=>", "")
    spec = json.loads(re.search(r'<script id="timeline-data" type="application/json">(.*?)'
                                r"</script>", page, flags=re.S).group(1))
    # Plotly renders hover text as HTML: the tag arrives entity-escaped inside the JSON.
    assert any("&lt;script&gt;window.__xss=1&lt;/script&gt;" in t for t in spec["texts"])


def test_plotly_embedded_once_and_no_remote_references(page):
    assert page.count("plotly.js v") == 1
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?https?:""", page)
    assert "@import" not in page and "fonts.googleapis" not in page


def test_sections_and_header(page):
    for anchor in ("findings", "apps", "timeline", "wakelocks", "alarms", "jobs",
                   "diagnostics"):
        assert f'<section id="{anchor}">' in page
    assert "Android 8.1 (API 27)" in page
    assert "90% → 84%" in page and "6 %" in page
    assert "2.0 %/h" in page  # screen on: 2 points over 1 h
    assert "1.3 %/h" in page  # screen off: 4 points over 3 h
    # findings worst first, info apart
    assert page.index("Wakelock &lt;script&gt;") < page.index("Too many wakeups")
    assert "Informational notes (1)" in page
    # the analysis' status and reasons, shown as written (escaped)
    assert "out of job quota: &lt;script&gt;" in page
    assert "Waiting jobs: 1 deferred" in page


def test_no_findings_said_plainly():
    html = render_html(fake_analysis(findings=False))
    assert "No findings." in html
    md = render_markdown(fake_analysis(findings=False))
    assert "No findings" in md


def test_markdown_is_short_and_escaped():
    md = render_markdown(fake_analysis())
    lines = md.splitlines()
    assert len(lines) <= 60
    assert "<script>" not in md and "<img" not in md
    assert "1. **HIGH** `com.evil.app` · App wakelock · " in md
    # the recommendation sits right under its finding, whole (no cut mid-word)
    lines_ = md.splitlines()
    first = next(i for i, ln in enumerate(lines_) if ln.startswith("1. **HIGH**"))
    assert lines_[first + 2].startswith("   Change: ")
    assert not any(ln.rstrip().endswith("…") and "[docs]" not in ln for ln in lines_)
    assert "javascript:" not in md
    assert "[docs](https://developer.android.com/" in md


def test_markdown_capped_at_60_lines():
    a = fake_analysis()
    many = pl.concat([a.findings] * 40)
    a.findings = many
    a.apps = pl.concat([a.apps] * 30)
    assert len(render_markdown(a).splitlines()) <= 60


def test_json_output():
    data = analysis_json(fake_analysis())
    text = json.dumps(data)  # plain JSON, no default= needed
    assert "NaN" not in text
    assert [f["severity"] for f in data["findings"]] == ["high", "medium", "info"]
    assert data["findings"][0]["evidence"][0]["rows"] == [0, 1]
    assert data["apps"][0]["package"] == "com.evil.app"
    assert data["metadata"]["sdk"] == 27
    assert data["severity_counts"] == {"high": 1, "medium": 1, "low": 0, "info": 1}
    assert data["coverage"]["checks_run"] == 9
    assert any("unrecognised" in d["message"] for d in data["diagnostics"])
    assert data["period"]["drop_pct"] == 6


def test_empty_analysis_renders(tmp_path):
    """A capture with no tables at all (e.g. a dump we found nothing in) still renders."""
    cap = Capture(source="x.txt", container="text", kind="dumpsys", member=None,
                  encoding="utf-8", line_ends="lf", text="", sections=[], meta=Metadata(),
                  clock=None, diagnostics=Diagnostics())
    a = Analysis(capture=cap, tables={}, findings=FINDINGS.empty(), apps=APPS.empty(),
                 period_ms=None, coverage={})
    out = tmp_path / "r.html"
    write_html(a, out)
    html = out.read_text()
    assert "No findings." in html and "no timeline" in html
    assert "plotly.js v" not in html  # no chart, no 4.8 MB of JS
    assert render_markdown(a).count("\n") < 60
    assert analysis_json(a)["findings"] == []


# A hand-written batterystats dump whose strings are markup: history tags, wakelock and job
# names. It goes through the real parsers and analysis.
EVIL_DUMP = """\
Battery History (0% used, 2KB used of 256KB, 3 strings using 200):
                    0 (10) RESET:TIME: 2024-05-01-08-00-00
                    0 (2) 100 status=discharging health=good plug=none temp=260 volt=4377 \
charge=2517 +running +screen top=u0a123:"<img src=x onerror=window.__xss=4>"
               +10s0ms (2) 100 -screen
               +11s0ms (2) 100 +wake_lock=u0a123:"<script>window.__xss=1</script>"
             +1m0s0ms (2) 099 -wake_lock
             +2m0s0ms (2) 099 +job=u0a123:"<b>job</b>&amp;<svg/onload=window.__xss=5>"
             +3m0s0ms (2) 098 -job=u0a123:"<b>job</b>&amp;<svg/onload=window.__xss=5>"
             +9m0s0ms (1) 098 -running
Statistics since last charge:
  System starts: 0, currently on battery: true
  Time on battery: 1h 0m 0s 0ms (100.0%) realtime, 10m 0s 0ms (16.7%) uptime
  Time on battery screen off: 50m 0s 0ms (83.3%) realtime, 9m 0s 0ms (15.0%) uptime
  Total run time: 1h 0m 0s 0ms realtime, 10m 0s 0ms uptime
  Start clock time: 2024-05-01-08-00-00
    Amount discharged (lower bound): 2
    Amount discharged (upper bound): 2
    Amount discharged while screen on: 1
    Amount discharged while screen off: 1
  u0a123:
    Wake lock <script>window.__xss=1</script>: 49m 0s 0ms partial (30 times) max=3000000 \
actual=2940000 realtime
    Job <b>job</b>&amp;<svg/onload=window.__xss=5>: 1m 0s 0ms realtime (1 times)
"""


def evil_dump(folder) -> str:
    path = folder / "evil-batterystats.txt"
    path.write_text(EVIL_DUMP, encoding="utf-8")
    return str(path)


def test_real_pipeline_escapes_markup_from_the_dump(tmp_path):
    pytest.importorskip("wakescope.analyzer.analysis")
    from wakescope.analyzer.pipeline import run_one

    out = tmp_path / "evil.html"
    a = run_one(evil_dump(tmp_path), html=out, markdown=tmp_path / "evil.md")
    assert a.capture.table("batterystats_wakelocks").height == 1
    page = out.read_text(encoding="utf-8")
    body = _text_outside_scripts(page)
    for raw in ("<script>window.__xss", "<img src=x", "<svg/onload", "<b>job</b>"):
        assert raw not in body
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in body
    for s in re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S):
        if "__xss" in s:
            assert "<" not in s
    assert "<script>" not in (tmp_path / "evil.md").read_text()


def test_esc_and_script_json():
    assert esc("<b>&") == "&lt;b&gt;&amp;"
    assert script_json({"a": "</script><!--"}) == '{"a":"\\u003c/script\\u003e\\u003c!--"}'


def test_page_stays_under_6_mb_with_huge_tables():
    """Caps hold: thousands of rows with long strings in every table stay under 6 MB."""
    a = fake_analysis()
    n, long = 5000, "x" * 150

    def many(frame, **cols):
        big = pl.concat([frame] * n)
        return big.with_columns(**{k: pl.lit(v) for k, v in cols.items()})

    t = a.tables
    t["batterystats_wakelocks"] = many(t["batterystats_wakelocks"], tag=long)
    t["alarm_stats"] = many(t["alarm_stats"], tag=long)
    t["alarm_pending"] = many(t["alarm_pending"], tag=long)
    t["jobscheduler_jobs"] = many(t["jobscheduler_jobs"], service=long)
    t["jobscheduler_history"] = many(t["jobscheduler_history"], tag=long)
    rows = []
    for i in range(20_000):  # 10,000 job runs in the history, each its own tag
        for tr in ("start", "stop"):
            rows.append({"seq": len(rows), "offset_ms": i * 60_000 + (tr == "stop") * 30_000,
                         "local_time": datetime(2024, 5, 1) , "kind": "event",
                         "transition": tr, "name": "job", "tag": f"{long}{i}",
                         "uid": 10_000 + i % 300, "package": f"com.app{i % 300}"})
    t["batterystats_history"] = HISTORY.frame(rows).with_columns(local_time=None)
    a.findings = pl.concat([a.findings] * 400).with_columns(detail=pl.lit("d" * 1500))
    a.apps = pl.concat([a.apps] * n)
    html = render_html(a)
    size = len(html.encode("utf-8"))
    assert size < 6_000_000, size
    assert "Showing the top 200 of 15,000 rows." in html  # the wakelock table says so


def test_timeline_failure_does_not_lose_the_report(monkeypatch):
    def boom(analysis):
        raise ValueError("odd history")

    monkeypatch.setattr("wakescope.analyzer.report.intervals.build", boom)
    html = render_html(fake_analysis())
    assert "The timeline could not be drawn (ValueError: odd history)" in html
    assert "Wakelock &lt;script&gt;" in html  # findings still there
