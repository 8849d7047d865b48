"""`wakescope trace`: the Perfetto export, decoded with perfetto's own `perfetto_trace_pb2`.

Counts were read from the raw dumps by hand (grep over the history lines), e.g. in the
sailfish 8.1 bug report `+job=u0a92` 88 times, `+sync=u0a92` 34, `wakeupap=u0a92` 3 and
`+wake_lock=u0a92:` / `wake_lock=u0a92:` twice (com.google.android.gm, uid 10092);
`+wake_lock=u0a18` / `wake_lock=u0a18` 115, `wakeupap=u0a18` 38, `+job=u0a18` 28,
`+sync=u0a18` 20, `+longwake=u0a18` 2 (gms, 10018); 522 history lines carry
`wake_reason=`; the history starts at `RESET:TIME: 2018-04-01-23-54-40` (-07:00) at
elapsed 209,697,071 ms and the capture is at nowELAPSED 271,645,365 ms. In the Xiaomi 15
dump, u0a130: `+job=` 181 (180 `-job=`, one still running), `+sync=` 162, `+longwake=` 66,
`wake_lock=` 6, `wakeupap=` 6; u0a140: `+fg=` 36 and `-fg=` 36.
"""

from __future__ import annotations

import collections
from datetime import UTC, datetime

import polars as pl
import pytest
from conftest import BUGREPORTS, corpus_path
from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb
from typer.testing import CliRunner

from wakescope import parsers
from wakescope.analyzer.analysis import analyse
from wakescope.analyzer.cli import app
from wakescope.analyzer.report.history_spans import app_intervals
from wakescope.analyzer.report.trace import build_trace, write_trace

TE = pb.TrackEvent
XIAOMI = "batterystats/xiaomi-miro-android15.txt"


class Decoded:
    """A written trace, decoded: tracks by uuid, events in file order."""

    def __init__(self, data: bytes):
        self.trace = pb.Trace.FromString(data)
        self.tracks: dict[int, pb.TrackDescriptor] = {}
        self.events: list[pb.TracePacket] = []
        for p in self.trace.packet:
            if p.HasField("track_descriptor"):
                self.tracks[p.track_descriptor.uuid] = p.track_descriptor
            elif p.HasField("track_event"):
                self.events.append(p)

    def name(self, uuid: int) -> str:
        d = self.tracks[uuid]
        return d.name or d.thread.thread_name or d.process.process_name

    def names(self) -> set[str]:
        return {self.name(u) for u in self.tracks}

    def pid(self, uuid: int) -> int | None:
        d = self.tracks[uuid]
        return d.thread.pid if d.HasField("thread") else None

    def starts(self):
        """Slice begins and instants (what the UI counts as slices)."""
        return [p for p in self.events
                if p.track_event.type in (TE.TYPE_SLICE_BEGIN, TE.TYPE_INSTANT)]

    def per_app_thread(self) -> collections.Counter:
        out = collections.Counter()
        for p in self.starts():
            pid = self.pid(p.track_event.track_uuid)
            if pid is not None:
                out[(pid, self.name(p.track_event.track_uuid))] += 1
        return out

    def on_track(self, name: str) -> list[pb.TracePacket]:
        return [p for p in self.events if self.name(p.track_event.track_uuid) == name]


def _analysis(rel: str):
    return analyse(parsers.load(corpus_path(rel)))


@pytest.fixture(scope="module")
def sailfish(tmp_path_factory):
    a = _analysis(BUGREPORTS["sailfish_8_1"])
    path = tmp_path_factory.mktemp("trace") / "sailfish.perfetto-trace"
    summary = write_trace(a, path)
    return a, Decoded(path.read_bytes()), summary


@pytest.fixture(scope="module")
def xiaomi():
    a = _analysis(XIAOMI)
    data, summary = build_trace(a)
    return a, Decoded(data), summary


def _check_closed_and_nested(d: Decoded) -> int:
    """Every begin has its end on the same track, in time order; returns the slice count."""
    stacks: dict[int, list[int]] = collections.defaultdict(list)
    last: dict[int, int] = {}
    closed = 0
    for p in d.events:
        ev = p.track_event
        assert p.timestamp >= last.get(-1, 0), "events are written in time order"
        last[-1] = p.timestamp
        if ev.type == TE.TYPE_SLICE_BEGIN:
            stacks[ev.track_uuid].append(p.timestamp)
        elif ev.type == TE.TYPE_SLICE_END:
            assert stacks[ev.track_uuid], f"end without begin on {d.name(ev.track_uuid)}"
            assert stacks[ev.track_uuid].pop() <= p.timestamp
            closed += 1
    assert not any(stacks.values()), "a slice was left open"
    return closed


def _annotations(p: pb.TracePacket) -> dict[str, str]:
    return {a.name: a.string_value for a in p.track_event.debug_annotations}


@pytest.mark.corpus
def test_sailfish_tracks_counters_and_clock(sailfish):
    _, d, summary = sailfish
    names = d.names()
    for expected in ("batt.capacity_pct", "batt.charge_uah", "batt.voltage_uv",
                     "batt.temperature_c", "PlugType", "BatteryStatus",
                     "battery_stats.screen", "battery_stats.device_idle",
                     "battery_stats.running", "battery_stats.plugged",
                     "battery_stats.charging", "battery_stats.wake_reason",
                     "wakescope findings", "WakeLocks", "battery_stats.job",
                     "battery_stats.sync", "battery_stats.wakeupap",
                     "battery_stats.longwake", "com.google.android.gm"):
        assert expected in names, expected
    # pid = uid, named by package.
    procs = {t.process.pid: t.process.process_name for t in d.tracks.values()
             if t.HasField("process")}
    assert procs[10092] == "com.google.android.gm"
    assert procs[10018] == "com.google.android.gms"
    # Boot-time clock: the history's first record at elapsed 209,697,071 ms, nothing after
    # the capture (nowELAPSED 271,645,365 ms).
    stamps = [p.timestamp for p in d.events]
    assert min(stamps) == 209_697_071 * 1_000_000
    assert max(stamps) <= 271_645_365 * 1_000_000
    # The wall clock: RESET:TIME 2018-04-01 23:54:40 at -07:00 is 06:54:40 UTC, plus the
    # history's 855 ms; REALTIME − BOOTTIME as a clock snapshot, the zone in system_info.
    snap = next(p.clock_snapshot for p in d.trace.packet if p.HasField("clock_snapshot"))
    clocks = {c.clock_id: c.timestamp for c in snap.clocks}
    first_utc = datetime(2018, 4, 2, 6, 54, 40, 855000, tzinfo=UTC)
    assert clocks[1] - clocks[6] == (int(first_utc.timestamp() * 1000) - 209_697_071) * 10**6
    info = next(p.system_info for p in d.trace.packet if p.HasField("system_info"))
    assert info.timezone_off_mins == -420
    assert info.android_sdk_version == 27
    # Battery level: the history's first `status=discharging … level=100` record.
    level = d.on_track("batt.capacity_pct")
    assert level[0].track_event.double_counter_value == 100.0
    # Doze as 0/1/2 (off/light/deep), as Perfetto's importer maps `device_idle`.
    doze = {p.track_event.double_counter_value for p in d.on_track("battery_stats.device_idle")}
    assert doze <= {0.0, 1.0, 2.0} and 2.0 in doze
    assert summary.size_bytes < 5_000_000


@pytest.mark.corpus
def test_sailfish_slices_per_app_match_intervals(sailfish):
    a, d, _ = sailfish
    per = d.per_app_thread()
    gm = {k[1]: v for k, v in per.items() if k[0] == 10092}
    assert gm == {"battery_stats.job": 88, "battery_stats.sync": 34,
                  "battery_stats.wakeupap": 3, "WakeLocks": 2}
    gms = {k[1]: v for k, v in per.items() if k[0] == 10018}
    assert gms == {"WakeLocks": 115, "battery_stats.wakeupap": 38, "battery_stats.job": 28,
                   "battery_stats.sync": 20, "battery_stats.longwake": 2}
    # Every app: slices in the trace = its intervals.
    spans, axis, source = app_intervals(a)
    assert source == "history_intervals table" and axis.elapsed
    want = dict(spans.filter(pl.col("uid") > 0).group_by("uid").len().iter_rows())
    got = collections.Counter()
    for (pid, _), n in per.items():
        got[pid] += n
    assert dict(got) == want
    # 33 apps: the history_intervals table adds uid 1001 (RILJ) and 1002 (bluetooth_timer)
    # as first holders of the device wakelock, and holds no interval for u0a32 (one `top`
    # instant) or u0a145 (`tmpwhitelist` only, not an exported kind).
    assert len(want) == 33


@pytest.mark.corpus
def test_sailfish_every_slice_closed_and_annotated(sailfish):
    _, d, summary = sailfish
    closed = _check_closed_and_nested(d)
    assert closed == summary.slices
    for p in d.starts():
        if d.pid(p.track_event.track_uuid) is None:
            continue
        ann = _annotations(p)
        assert {"api", "component", "rule", "tag"} <= set(ann)
        assert ann["api"]
    # The gm job at +2m45s063ms: `+job=u0a92:"…gm.email.provider/…/<e-mail>:android"`, a
    # SyncManager job, its account redacted as in the report.
    t0 = (209_697_071 + 165_063) * 1_000_000
    job = next(p for p in d.starts() if p.timestamp == t0
               and d.name(p.track_event.track_uuid) == "battery_stats.job")
    ann = _annotations(job)
    assert ann["api"] == "sync_adapter" and ann["rule"] == "job.sync_manager"
    assert ann["closed_by"] == "release"
    assert job.track_event.name == ("com.google.android.gm.email.provider/"
                                    "com.google.android.gm.exchange/<account>:android")


@pytest.mark.corpus
def test_sailfish_wake_reasons_findings_and_privacy(sailfish):
    a, d, _ = sailfish
    wr = d.on_track("battery_stats.wake_reason")
    assert len(wr) == 522 and all(p.track_event.type == TE.TYPE_INSTANT for p in wr)
    assert _annotations(wr[0])["api"] == "kernel"
    found = d.on_track("wakescope findings")
    # 43: tests/golden/bugreport-sailfish-OPM1….toml, the reviewed findings of this input.
    assert len(found) == a.findings.height == 43
    first = a.findings.row(0, named=True)
    mine = next(p for p in found if p.track_event.name == f"[{first['severity']}] {first['title']}")
    ann = _annotations(mine)
    assert ann["severity"] == first["severity"] and ann["kind"] == first["kind"]
    # Account names are redacted as in the report (the gm sync tag names an e-mail).
    raw = b"".join(p.SerializeToString() for p in d.trace.packet)
    assert b"@pitt.edu" not in raw


@pytest.mark.corpus
def test_xiaomi_trace(xiaomi):
    a, d, summary = xiaomi
    per = d.per_app_thread()
    gms = {k[1]: v for k, v in per.items() if k[0] == 10130}
    assert gms == {"battery_stats.job": 181, "battery_stats.sync": 162,
                   "battery_stats.longwake": 66, "WakeLocks": 6,
                   "battery_stats.wakeupap": 6}
    assert per[(10140, "battery_stats.fg")] == 36
    spans, axis, _ = app_intervals(a)
    assert not axis.elapsed  # this dump prints no elapsed realtime: history offsets
    want = dict(spans.filter(pl.col("uid") > 0).group_by("uid").len().iter_rows())
    got = collections.Counter()
    for (pid, _), n in per.items():
        got[pid] += n
    assert dict(got) == want
    assert _check_closed_and_nested(d) == summary.slices
    # The one u0a130 job with no `-job=` ends at the first proof it ended (a SHUTDOWN
    # record; history_intervals never runs it to the history's end), and says so.
    open_jobs = [p for p in d.starts() if d.pid(p.track_event.track_uuid) == 10130
                 and _annotations(p).get("closed_by") == "shutdown"
                 and d.name(p.track_event.track_uuid) == "battery_stats.job"]
    assert len(open_jobs) == 1
    stamps = [p.timestamp for p in d.events]
    assert min(stamps) == 0 and max(stamps) == axis.end_ms * 1_000_000
    assert not any(p.HasField("clock_snapshot") for p in d.trace.packet)
    for name in ("battery_stats.fg", "battery_stats.device_idle", "batt.charge_uah",
                 "wakescope findings", "battery_stats.wake_reason"):
        assert name in d.names()


def test_history_intervals_table_is_used_when_present():
    """The adapter's switch: a `history_intervals` table (issue 14's columns) wins over
    pairing the history; its rows become the app's slices with the history's attribution."""
    from test_report import fake_analysis

    a = fake_analysis()
    history = pl.DataFrame({
        "seq": [0, 1, 2], "offset_ms": [0, 1000, 5000], "elapsed_ms": [50_000, 51_000, 55_000],
        "kind": ["event", "event", "event"], "transition": ["start", "stop", "instant"],
        "name": ["job", "job", "wakeupap"], "value": [None, None, None],
        "tag": ["*job*/com.example/.Sync", "*job*/com.example/.Sync", ""],
        "uid": [10123, 10123, 10123], "package": ["com.example"] * 3,
        "api": ["job_scheduler", "job_scheduler", None],
        "component": ["com.example/.Sync", "com.example/.Sync", None],
        "rule": ["job.jobscheduler", "job.jobscheduler", None],
    })
    given = pl.DataFrame({
        "kind": ["job", "WakeLock"], "uid": [10123, 10123],
        "package": ["com.example", "com.example"],
        "tag": ["*job*/com.example/.Sync", "sync-lock"], "api": ["job_scheduler", "wakelock"],
        "start_elapsed_ms": [50_000, 52_000], "end_elapsed_ms": [51_000, 52_500],
        "start": [None, None], "end": [None, None], "duration_ms": [1000, 500],
        "closed_by": ["release", "release"],
    })
    a.tables = {**a.tables, "batterystats_history": history, "history_intervals": given}
    spans, _, source = app_intervals(a)
    assert source.startswith("history_intervals table")
    # The table's two rows (not the history's job pairing) + the history's `Ewa` radio
    # wakeup, an instant the table does not hold.
    assert spans.height == 3
    job = spans.filter(pl.col("kind") == "job").row(0, named=True)
    assert job["rule"] == "job.jobscheduler" and job["component"] == "com.example/.Sync"
    d = Decoded(build_trace(a)[0])
    assert d.per_app_thread() == {(10123, "battery_stats.job"): 1, (10123, "WakeLocks"): 1,
                                  (10123, "battery_stats.wakeupap"): 1}
    begins = {p.timestamp for p in d.events if p.track_event.type == TE.TYPE_SLICE_BEGIN}
    assert begins == {50_000 * 10**6, 52_000 * 10**6}


def test_overlapping_intervals_get_their_own_threads():
    """Two jobs of one app that overlap partially go on two threads (slices on one thread
    must nest), both named like Perfetto's job track."""
    from test_report import fake_analysis

    a = fake_analysis()
    history = pl.DataFrame({
        "seq": [0, 1, 2, 3], "offset_ms": [0, 100, 200, 300],
        "elapsed_ms": [1000, 1100, 1200, 1300],
        "kind": ["event"] * 4, "transition": ["start", "start", "stop", "stop"],
        "name": ["job"] * 4, "value": [None] * 4,
        "tag": ["*job*/a/.A", "*job*/a/.B", "*job*/a/.A", "*job*/a/.B"],
        "uid": [10001] * 4, "package": ["a"] * 4,
    })
    from wakescope.analyzer.passes.history_intervals import build_all

    intervals = build_all(history.with_row_index("_row"), None, None).intervals
    a.tables = {**a.tables, "batterystats_history": history, "history_intervals": intervals}
    d = Decoded(build_trace(a)[0])
    assert d.per_app_thread() == {(10001, "battery_stats.job"): 2}
    threads = {p.track_event.track_uuid for p in d.starts() if d.pid(p.track_event.track_uuid)}
    assert len(threads) == 2
    _check_closed_and_nested(d)


@pytest.mark.corpus
def test_cli_trace_and_html_link(tmp_path):
    src = corpus_path(XIAOMI)
    out = tmp_path / "x.perfetto-trace"
    html = tmp_path / "x.html"
    res = CliRunner().invoke(app, ["trace", str(src), "-o", str(out), "--html", str(html)])
    assert res.exit_code == 0, res.output
    assert "ui.perfetto.dev" in res.output
    d = Decoded(out.read_bytes())
    assert "battery_stats.job" in d.names()
    page = html.read_text(encoding="utf-8")
    assert 'href="x.perfetto-trace"' in page and "ui.perfetto.dev" in page
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["trace", str(bad), "-o", str(tmp_path / "b.trace")])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_report_without_trace_has_no_link():
    from test_report import fake_analysis

    from wakescope.analyzer.report.html import render_html

    assert "ui.perfetto.dev" not in render_html(fake_analysis())


@pytest.mark.corpus
def test_batch_trace_per_input(tmp_path):
    from wakescope.analyzer.batch import run_batch

    src = corpus_path(XIAOMI)
    result = run_batch([str(src)], tmp_path / "out", jobs=1, progress=False, trace=True)
    rec = result.records[0]
    assert rec["status"] == "ok" and rec["trace"].startswith("traces/")
    trace = tmp_path / "out" / rec["trace"]
    assert "battery_stats.job" in Decoded(trace.read_bytes()).names()
    page = (tmp_path / "out" / rec["report"]).read_text(encoding="utf-8")
    assert f'href="../{rec["trace"]}"' in page


def test_a_failing_trace_keeps_the_report(tmp_path, monkeypatch):
    """A bug in the exporter becomes a diagnostic; the report is written, without a link,
    and `wakescope trace` exits 3 with one sentence."""
    from conftest import SAMPLES

    import wakescope.analyzer.report.trace as trace_mod
    from wakescope.analyzer.pipeline import run_one

    def broken(analysis, path):
        raise RuntimeError("boom")

    monkeypatch.setattr(trace_mod, "write_trace", broken)
    html, out = tmp_path / "r.html", tmp_path / "r.perfetto-trace"
    result = run_one(SAMPLES / "batterystats.txt", html=html, trace=out)
    assert not out.exists() and html.is_file()
    assert "ui.perfetto.dev" not in html.read_text(encoding="utf-8")
    assert any(d.section == "trace" and "boom" in d.message
               for d in result.capture.diagnostics.items)
    res = CliRunner().invoke(app, ["trace", str(SAMPLES / "batterystats.txt"), "-o", str(out)])
    assert res.exit_code == 3 and "boom" in res.output and "Traceback" not in res.output
