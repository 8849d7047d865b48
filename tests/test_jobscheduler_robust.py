"""jobscheduler parser: totality (unknown lines counted, truncated input, empty input) and the
small helpers (stop reasons, job references, redaction)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakescope.parsers.jobscheduler import TABLES, parse
from wakescope.parsers.jobscheduler.ids import (
    JOB_LINE,
    TRACKED,
    parse_short,
    redact_name,
    redact_tag,
    split_tag,
)
from wakescope.parsers.jobscheduler.stop_reasons import classify, split_reason
from wakescope.parsers.section_input import SectionInput

DATA = Path(__file__).parent / "data" / "jobscheduler"


def _run(text: str):
    inp = SectionInput.from_text("jobscheduler", text)
    return parse(inp), inp


def test_empty_input_gives_every_table_with_its_schema():
    res, inp = _run("")
    assert set(res) == set(TABLES)
    for name, frame in res.items():
        assert frame.height == 0
        assert list(frame.schema) == list(TABLES[name].schema)
    assert inp.diagnostics.unknown_total() == 0


def test_unknown_lines_are_counted_by_shape():
    text = (DATA / "android14-shapes.txt").read_text()
    text = text.replace("    Standby bucket: EXEMPTED\n",
                        "    Standby bucket: EXEMPTED\n    Frobnication level: 7\n", 1)
    text = text.replace("Pending queue:\n",
                        "Some OEM thing 12\nSome OEM thing 13\nPending queue:\n")
    res, inp = _run(text)
    assert res["jobscheduler_jobs"].height == 5  # the job around the odd line still parses
    counter = inp.diagnostics.unknown["jobscheduler"]
    assert counter["Frobnication level: 0"] == 1
    assert counter["Some OEM thing 0"] == 2
    assert inp.diagnostics.unknown_total() == 3
    assert inp.diagnostics.lines_seen["jobscheduler"] == len(text.split("\n"))


@pytest.mark.parametrize("name", ["android12-shapes.txt", "android14-shapes.txt",
                                  "android16-shapes.txt"])
def test_truncated_anywhere_never_raises(name):
    text = (DATA / name).read_text()
    step = max(1, len(text) // 97)
    for cut in range(0, len(text), step):
        res, _ = _run(text[:cut])
        assert set(res) == set(TABLES)


def test_truncated_job_block_keeps_what_it_has():
    text = (DATA / "android14-shapes.txt").read_text()
    cut = text.index("    Required constraints: CONNECTIVITY [0x10000000]\n    Preferred")
    res, inp = _run(text[:cut])
    jobs = res["jobscheduler_jobs"]
    assert jobs.height == 4
    last = jobs.row(3, named=True)
    assert (last["job_id"], last["flags"], last["required"]) == (7, 0x10, None)
    assert any("only 4 job blocks" in d.message for d in inp.diagnostics.items)


def test_stop_reason_classification():
    assert classify("app called jobFinished") == (0, 10)
    assert classify("job rescheduled by app") == (1, 0)
    assert classify("cancel() called by app, callingUid=10038 uid=10038 jobId=-9") == (1, 0)
    assert classify("timeout") == (3, 3)
    assert classify("restricted_bucket") == (12, 6)
    assert classify("canceled", sdk=27) == (None, 0)  # 8.1: also printed for normal finishes
    assert classify("canceled", sdk=34) == (1, 0)
    assert classify("unknown:-1") == (None, -1)
    assert classify("unexpectedly disconnected") == (None, None)
    assert classify(None) == (None, None)


def test_split_reason_from_a_stop_line_tail():
    tail = "com.x/.Svc cancel() called by app, callingUid=10038 uid=10038 jobId=-9"
    assert split_reason(tail) == ("com.x/.Svc", tail[len("com.x/.Svc "):])
    assert split_reason("a/b/mail Data Sync:android canceled") == (
        "a/b/mail Data Sync:android", "canceled")
    assert split_reason("com.x/.Svc") is None


def test_job_references():
    m = JOB_LINE.match("  JOB androidx.work.systemjobscheduler:u0a287/1160: 23c1002 "
                       "@androidx.work.systemjobscheduler@com.x/androidx.work.impl."
                       "background.systemjob.SystemJobService")
    assert (m.group("ns"), m.group("uid"), m.group("id")) == (
        "androidx.work.systemjobscheduler", "u0a287", "1160")
    m = JOB_LINE.match("  JOB #u11s1000/-200: 1610cc3 com.android.providers.media/.IdleService")
    assert (m.group("ns"), m.group("uid"), m.group("id")) == (None, "u11s1000", "-200")
    ref = parse_short("5d6e7f8 {ns.one} #u0a123/7 @ns.one@com.x/.S")
    assert (ref.uid, ref.namespace, ref.job_id) == (10123, "ns.one", 7)
    assert ref.name == "@ns.one@com.x/.S"
    for line, ns in (("##u0a1/2 from u0a1", None), ("#ns:u0a1/2 from u0a1", "ns"),
                     ("#u0a1/2 from u0a1: C=true", None)):
        t = TRACKED.match(line)
        assert (t.group("ns"), t.group("uid"), t.group("id")) == (ns, "u0a1", "2")


def test_tags_and_redaction():
    assert split_tag("*job*/com.x/.S#12") == (None, "com.x/.S", 12)
    assert split_tag("*job*u/com.x/.S") == ("u", "com.x/.S", None)
    assert redact_name("gmail-ls/com.google/a.b@gmail.com:android") == (
        "gmail-ls/com.google/<account>:android")
    assert redact_name("@SyncManager@p/com.google/x y:android") == (
        "@SyncManager@p/com.google/<account>:android")
    # `@ns@` prefixes are not e-mail addresses
    name = "@androidx.work.systemjobscheduler@com.x/androidx.work.Svc"
    assert redact_name(name) == name
    assert redact_tag("*job*/p/t/a@b.com:android#5") == "*job*/p/t/<account>:android#5"


def test_scheduler_identification():
    from wakescope.parsers.jobscheduler.identify import identify

    def who(service, uid=10123, source=10123, ns=None, name=None, extras=None):
        return identify(service, ns, name, extras or {}, uid, source)["scheduler"]

    assert who("com.x/com.firebase.jobdispatcher.GooglePlayReceiver") == "firebase_jobdispatcher"
    assert who("com.google.android.gms/.gcm.nts.SchedulerService") == "gcm_network_manager"
    assert who("com.x/androidx.work.impl.background.systemjob.SystemJobService") == "work_manager"
    assert who("com.x/.Custom", ns="androidx.work.systemjobscheduler") == "work_manager"
    assert who("android/com.android.server.content.SyncJobService", 1000) == "sync_manager"
    assert who("android/.Other", 1000, 10123, extras={"SyncManagerJob": "true"}) == "sync_manager"
    assert who("android/com.android.server.pm.BackgroundDexOptService", 1000, 1000) == "system"
    assert who("com.x/.MyJobService") == "app"


def test_count_quota_tracker_limits_are_kept():
    res, inp = _run("CountQuotaTracker:\n  Limits:\n"
                    "    Category{timeout-ej}: 5 events in +1d0h0m0s0ms\n")
    row = res["jobscheduler_settings"].row(0, named=True)
    assert (row["group"], row["key"], row["value"]) == (
        "state:CountQuotaTracker", "Category{timeout-ej}", "5 events in +1d0h0m0s0ms")
    assert inp.diagnostics.unknown_total() == 0


N = "9" * 5000  # a run beyond Python's int() digit limit (4,300): int() raises on it


def test_absurd_numbers_in_job_blocks_are_null():
    """An id, user, count or flag no Java int holds is null; the rest of its line is kept,
    and a line left with nothing usable is unknown."""
    res, inp = _run(
        "Registered 2 jobs:\n"
        f"  JOB #u0a48/{N}: cb89045 com.example/.Svc\n"
        "    Source: uid=u0a48 user=0 pkg=com.example\n"
        "  JOB #u0a20/10022: cb89046 com.example/.Svc\n"
        f"    Source: uid=u0a20 user={N} pkg=com.example\n"
        f"    Num failures: {N}\n"
        f"    Flags: {'f' * 17}\n"
        f"    Required constraints: CHARGING [0x{'f' * 20}]\n"
        f"Registered {N} jobs:\n")
    jobs = res["jobscheduler_jobs"].select(
        "uid", "job_id", "source_uid", "source_user_id", "source_package", "num_failures",
        "flags", "required", "required_mask").rows()
    assert jobs == [
        (10048, None, 10048, 0, "com.example", None, None, None, None),
        (10020, 10022, 10020, None, "com.example", None, None, ["CHARGING"], None),
    ]
    assert inp.diagnostics.unknown["jobscheduler"] == {
        "Num failures: 0": 1, "Flags: #": 1, "Registered 0": 1}
    assert res["jobscheduler_settings"].rows() == [("state", "Registered jobs", "2", 1)]


def test_absurd_numbers_in_quota_controllers_and_stats_are_null():
    res, inp = _run(
        "QuotaController:\n"
        f"  Current elapsed time: {N}\n"
        f"  #1000/{N} from u0a77\n"
        f"    WORKING_SET, within EJ quota, {N}ms remaining in EJ quota\n"
        f"  Timer{{<{N}>com.news}} NOT active, 0 running bg jobs\n"
        "    Saved sessions:\n"
        "      4300000 -> 4310000 (10000), 1 bg jobs.\n"
        f"      4300000 -> 4310000 ({N}), 1 bg jobs.\n"
        "TimeController:\n"
        f"  #1000/{N} from 1000: Delay=-3h27m17s69ms\n"
        "Historical stats at 2026-02-24-17-01-25 (-4h53m9s130ms) over +30m0s314ms:\n"
        f"  Max concurrency: {N} total, {N} foreground\n"
        "  u0a48 / com.example:\n"
        f"    {N}x pending 1x active\n")
    quota = res["jobscheduler_quota"].select(
        "source", "uid", "job_id", "bucket", "time_left_ms", "user_id", "package",
        "execution_ms", "job_count", "session_count").rows()
    assert quota == [
        ("job", 10077, None, "WORKING_SET", None, 0, None, None, None, None),
        ("timer", None, None, None, None, None, "com.news", 10000, 1, 1),  # one session summed
    ]
    stats = res["jobscheduler_package_stats"].select(
        "uid", "pending_count", "active_count", "max_concurrency_total").rows()
    assert stats == [(10048, None, 1, None)]
    # Tracked lines with an absurd id link nothing; so say the session and concurrency lines.
    assert inp.diagnostics.unknown["jobscheduler"] == {
        "#0/0": 2, "0 -> 0 (0": 1, "Max concurrency: 0": 1}
