"""Real inputs whose JSON used to change run to run (issue 17): the same bytes every time.

Causes fixed: energy `by_api` summed a uid's wakelock APIs in group_by order (float sums
differ in the last digits: motorola-android6, pixel7 checkin, samsung-android9,
xiaomi-miro-android15), and the apps table renamed a package seen under two uids to one
owner picked by row order (emulator 9: a DownloadManager job of u0a7 run for u0a57).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import BUGREPORTS, corpus_path
from wakescope import parsers
from wakescope.analyzer.analysis import analyse
from wakescope.analyzer.report import analysis_json

UNSTABLE = [
    BUGREPORTS["emulator_9"],
    "batterystats/motorola-android6.txt",
    "checkin/pixel7-lynx-android15-checkin.txt",
    "batterystats/samsung-android9.txt",
    "batterystats/xiaomi-miro-android15.txt",
]


def _json(path) -> str:
    return json.dumps(analysis_json(analyse(parsers.load(path))), indent=2, default=str)


@pytest.mark.parametrize("rel", UNSTABLE, ids=lambda r: r.rsplit("/", 1)[-1][:24])
def test_json_byte_stable(rel):
    path = corpus_path(rel)
    runs = {_json(path) for _ in range(2)}
    assert len(runs) == 1


@pytest.mark.parametrize("rel", [BUGREPORTS["sailfish_8_1"], BUGREPORTS["emulator_9"]],
                         ids=["sailfish_8_1", "emulator_9"])
def test_report_bytes_do_not_depend_on_threads_or_hash_seed(rel, tmp_path):
    """The whole report (HTML, Markdown, JSON) is the same with one Polars thread or two and
    under different string-hash seeds: no order comes from a thread schedule, an unstable
    sort, a join without `maintain_order` or a set (analyzer/plans.py)."""
    path = corpus_path(rel)
    outs = []
    for threads, seed in (("1", "1"), ("2", "2")):
        out = tmp_path / f"t{threads}"
        out.mkdir()
        env = {**os.environ, "POLARS_MAX_THREADS": threads, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "wakescope", "report", str(path),
                        "-o", str(out / "r.html"), "--md", str(out / "r.md"),
                        "--json", str(out / "r.json")], env=env, check=True,
                       capture_output=True)
        outs.append([(out / f"r.{ext}").read_bytes() for ext in ("html", "md", "json")])
    assert outs[0] == outs[1]


def test_job_for_another_uid_names_the_api_for_both_owners():
    # emulator 9, dumpsys jobscheduler:
    #   JOB #u0a7/1: b21cdab DownloadManager:com.android.providers.downloads
    #     u0a7 tag=*job*/DownloadManager:com.android.providers.downloads
    #     Source: uid=u0a57 user=0 pkg=com.google.android.inputmethod.latin
    # u0a7 is shared (owner com.android.mtp); the job runs for u0a57 (latin): both list it.
    doc = json.loads(_json(corpus_path(BUGREPORTS["emulator_9"])))
    apps = {a["package"]: a for a in doc["apps"]}
    latin = apps["com.google.android.inputmethod.latin"]
    assert (latin["uid"], latin["jobs_registered"], latin["apis"]) == (10057, 1, ["job_scheduler"])
    mtp = apps["com.android.mtp"]
    assert mtp["uids"] == [10007] and mtp["apis"] == ["job_scheduler"]
    assert "com.android.providers.downloads" in mtp["shared_packages"].split(",")


def test_job_history_lists_events_of_one_instant_most_recent_first():
    """The HTML job history is most recent first; events of one instant used to keep the
    dump's order (oldest first) by the luck of an unstable sort. Emulator 9, dumpsys
    jobscheduler `Job history:` (oldest first):
         -3h01m29s523ms START-P: #u0a38/70 com.google.android.googlequicksearchbox/…
         -3h01m29s523ms START-P: #u0a38/32 …
         -3h01m29s523ms START-P: #u0a38/48 …
         -3h01m29s523ms START-P: #u0a38/26 …
         -3h01m27s804ms   START: #u0a19/8580 com.google.android.setupwizard/…
         -3h01m27s497ms    STOP: #u0a38/32 … app called jobFinished
         -3h01m27s497ms START-P: #u0a38/32 …
    Job 32 finished and was started again within one millisecond: the restart is listed
    above the stop, and the four starts of 29s523ms in reverse dump order."""
    from wakescope.analyzer.report import views

    analysis = analyse(parsers.load(corpus_path(BUGREPORTS["emulator_9"])))
    table = next(v for v in views.job_views(analysis) if v.id == "jobs-history-table")
    rows = [(r[0].sort, r[1].text, r[3].text.split()[0]) for r in table.rows]
    at = {ms: [(event, job) for off, event, job in rows if off == ms]
          for ms in (-10_889_523, -10_887_804, -10_887_497)}  # 3h01m29s523ms, …
    assert at[-10_887_497] == [("START", "#32"), ("STOP", "#32")]
    assert at[-10_889_523] == [("START", "#26"), ("START", "#48"), ("START", "#32"),
                               ("START", "#70")]
    # The three instants, most recent first.
    offs = [off for off, _, _ in rows if off in at]
    assert offs == [-10_887_497] * 2 + [-10_887_804] + [-10_889_523] * 4
