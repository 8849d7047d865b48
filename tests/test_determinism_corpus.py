"""Real inputs whose JSON used to change run to run (issue 17): the same bytes every time.

Causes fixed: energy `by_api` summed a uid's wakelock APIs in group_by order (float sums
differ in the last digits: motorola-android6, pixel7 checkin, samsung-android9,
xiaomi-miro-android15), and the apps table renamed a package seen under two uids to one
owner picked by row order (emulator 9: a DownloadManager job of u0a7 run for u0a57).
"""

from __future__ import annotations

import json

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
