"""One answer to "why does this job not run": passes/jobs.job_state writes status and wait
reasons on jobscheduler_jobs; the deferred_job findings, the apps table and the report's job
tables all show that one answer (a --rules wording override reaches every one of them)."""

from __future__ import annotations

import textwrap

import polars as pl
import pytest

import wakescope
from tests.conftest import SAMPLES
from wakescope.analyzer.passes.jobs import WAITING
from wakescope.analyzer.report.html import render_html


def _jobs(a) -> pl.DataFrame:
    return a.tables["jobscheduler_jobs"]


def test_sample_job_states_and_the_finding_agree():
    a = wakescope.analyse(SAMPLES / "jobscheduler.txt")
    jobs = _jobs(a)
    # `JOB androidx.work.systemjobscheduler:u0a170/7` (photobackup): `Unsatisfied
    # constraints: BATTERY_NOT_LOW CONNECTIVITY`, `Enqueue time: -9h46m47s902ms`, no
    # earliest run time: the only app job that is due and held back.
    waiting = jobs.filter(pl.col("status").is_in(WAITING))
    assert waiting.select("job_id", "status", "wait_reasons", "waited_ms").rows() == [
        (7, "deferred", ["waiting for the battery not to be low",
                         "waiting for the network it requires"], 35_207_902)]
    (f,) = a.findings.filter(kind="deferred_job").iter_rows(named=True)
    assert f["package"] == "com.example.photobackup"
    for words in waiting["wait_reasons"][0]:
        assert words in f["detail"]
    app = a.apps.filter(package="com.example.photobackup").row(0, named=True)
    assert app["jobs_deferred"] == waiting.height
    # system jobs with CHARGING/IDLE *and* TIMING_DELAY unsatisfied are not due: scheduled
    # (e.g. `Run time: earliest=+3h…` for BackgroundDexOptService #800)
    dexopt = jobs.filter(job_id=800).row(0, named=True)
    assert (dexopt["status"], dexopt["wait_reasons"], dexopt["waited_ms"]) == \
        ("scheduled", ["due in 3h"], None)
    html = render_html(a)
    assert "Waiting jobs: 1 deferred, 9 scheduled or ready" in html


@pytest.mark.corpus
def test_rare_bucket_is_no_reason_by_itself(corpus):
    # `Standby bucket: RARE`, `Unsatisfied constraints: TIMING_DELAY CONNECTIVITY`,
    # `Run time: earliest=+38m29s834ms`: not due yet, so neither a finding nor "deferred".
    a = wakescope.analyse(corpus("jobscheduler/android10-workmanager-job-excerpt.txt"))
    assert _jobs(a).select("status", "wait_reasons", "standby_bucket").rows() == [
        ("scheduled", ["due in 38m 29s"], "RARE")]
    assert a.findings.filter(kind="deferred_job").height == 0
    assert "standby bucket rare" not in render_html(a)


def test_rules_wording_reaches_finding_and_report(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(textwrap.dedent("""
        [wording.constraints]
        CONNECTIVITY = { class = "requested", text = "no usable network (fleet wording)" }
        """), encoding="utf-8")
    a = wakescope.analyse(SAMPLES / "jobscheduler.txt", rules=rules)
    (f,) = a.findings.filter(kind="deferred_job").iter_rows(named=True)
    assert "no usable network (fleet wording)" in f["detail"]
    assert "no usable network (fleet wording)" in _jobs(a).filter(job_id=7)["wait_reasons"][0]
    assert '<span class="chip">no usable network (fleet wording)</span>' in render_html(a)
