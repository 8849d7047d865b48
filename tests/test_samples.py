"""The bundled sample logs: the generator reproduces them exactly, and `wakescope info`
reads each one as what it is (kind, Android release and where the SDK came from, device,
sections and line counts). The same simulated day is printed as an Android 14 bug report with
its standalone dumps, and as Android 16 and Android 12 bug reports."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from wakescope import parsers
from wakescope.parsers import open_capture

TEXT_FILES = ("batterystats.txt", "batterystats-checkin.txt", "jobscheduler.txt", "alarm.txt",
              "scenarios.json")
# bug report zip → its main entry (`bugreport-<product>-<build id>-<date>.txt`)
ZIPS = {
    "bugreport-sample.zip": "bugreport-nova5_eea-UQ1A.240205.002-2025-03-12-08-15-40.txt",
    "bugreport-sample-android16.zip":
        "bugreport-nova5_eea-BP22.250221.010-2025-03-12-08-15-40.txt",
    "bugreport-sample-android12.zip":
        "bugreport-nova5_eea-SQ1A.220205.002-2025-03-12-08-15-40.txt",
}
MAIN_ENTRY = ZIPS["bugreport-sample.zip"]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    subprocess.run([sys.executable, str(SAMPLES / "generate.py"), "--out", str(out)],
                   check=True, capture_output=True)
    return out


@pytest.mark.parametrize("name", TEXT_FILES)
def test_regenerated_text_files_are_byte_identical(regenerated, name):
    assert (regenerated / name).read_bytes() == (SAMPLES / name).read_bytes()


def _members(data: bytes) -> list[tuple[str, tuple, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, i.date_time, zf.read(i)) for i in zf.infolist()]


@pytest.mark.parametrize("name", sorted(ZIPS))
def test_regenerated_zip_has_identical_members(regenerated, name):
    """Same member names, order, times and bytes (the deflate stream itself depends on the
    zlib build, so the archive bytes are compared only against a second local run)."""
    assert _members((regenerated / name).read_bytes()) == _members(
        (SAMPLES / name).read_bytes())


def test_generator_is_deterministic(regenerated, tmp_path):
    subprocess.run([sys.executable, str(SAMPLES / "generate.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    for name in (*TEXT_FILES, *ZIPS):
        assert (tmp_path / name).read_bytes() == (regenerated / name).read_bytes(), name


@pytest.mark.parametrize("name", sorted(ZIPS))
def test_zip_layout(name):
    main = ZIPS[name]
    with zipfile.ZipFile(SAMPLES / name) as zf:
        assert zf.namelist() == ["version.txt", "FS/data/misc/recovery/ro.build.fingerprint",
                                 main, "main_entry.txt", "dumpstate_log.txt"]
        assert zf.read("version.txt") == b"2.0"
        assert zf.read("main_entry.txt").decode() == main
        # Each zip stays about the size of the Android 14 one (~100 KB).
        assert (SAMPLES / name).stat().st_size < 120_000


# name → (kind, sdk, release, device, manufacturer/model, [(section, first line, lines)])
EXPECTED = {
    "bugreport-sample.zip": ("bugreport", 34, "14", "nova5", ("Acme", "Nova 5"), [
        ("alarm", 140, 277), ("batterystats", 442, 6277), ("jobscheduler", 6773, 1012),
        ("batterystats_checkin", 7792, 5915)]),
    # 16: header like 14 (`Android SDK version: 36`) plus `strict_run=`; 7 header lines more
    # in alarm (Feature Flags, Scheduled user wakeups), history format v2, no 14 `Preferred
    # constraints:` / pending `Tag:` lines in jobscheduler.
    "bugreport-sample-android16.zip": ("bugreport", 36, "16", "nova5", ("Acme", "Nova 5"), [
        ("alarm", 140, 284), ("batterystats", 449, 6285), ("jobscheduler", 6788, 996),
        ("batterystats_checkin", 7791, 5926)]),
    # 12: no SDK line in the header (`SDK extension versions [r=2 s=2]`, no `Bootconfig:`),
    # so the SDK comes from getprop; 12's shorter alarm settings, jobscheduler without
    # 13/14 blocks (Preferred constraints, Uid proc states, Flexibility/Prefetch controllers).
    "bugreport-sample-android12.zip": ("bugreport", 31, "12", "nova5", ("Acme", "Nova 5"), [
        ("alarm", 135, 278), ("batterystats", 438, 6254), ("jobscheduler", 6746, 855),
        ("batterystats_checkin", 7608, 5910)]),
    "batterystats.txt": ("batterystats", None, None, None, (None, None),
                         [("batterystats", 1, 6277)]),
    "batterystats-checkin.txt": ("batterystats_checkin", 34, "14", None, (None, None),
                                 [("batterystats_checkin", 1, 5915)]),
    "jobscheduler.txt": ("jobscheduler", None, None, None, (None, None),
                         [("jobscheduler", 1, 1012)]),
    "alarm.txt": ("alarm", None, None, None, (None, None), [("alarm", 1, 277)]),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_info(name):
    kind, sdk, release, device, (maker, model), sections = EXPECTED[name]
    info = open_capture(SAMPLES / name).summary()
    meta = info["metadata"]
    assert info["kind"] == kind
    assert (meta["sdk"], meta["release"], meta["device"]) == (sdk, release, device)
    assert (meta["manufacturer"], meta["model"]) == (maker, model)
    assert [(s["name"], s["first_line"], s["line_count"]) for s in info["sections"]] == sections


# name → (fingerprint, SDK source, checkin version, parcel version)
BUILDS = {
    "bugreport-sample.zip": ("acme/nova5_eea/nova5:14/UQ1A.240205.002/11374062:user/release-keys",
                             "dumpstate header", 36, 212),
    "bugreport-sample-android16.zip": (
        "acme/nova5_eea/nova5:16/BP22.250221.010/13193326:user/release-keys",
        "dumpstate header", 36, 215),
    "bugreport-sample-android12.zip": (
        "acme/nova5_eea/nova5:12/SQ1A.220205.002/8010174:user/release-keys", "getprop", 35, 200),
}


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_bugreport_clock_and_build(name):
    """One simulated day: every release has the same clock; the build, where the SDK was
    read (12 prints no `Android SDK version:` header line) and the checkin `vers` differ."""
    fingerprint, sdk_source, checkin, parcel = BUILDS[name]
    meta = open_capture(SAMPLES / name).meta
    assert meta.fingerprint == fingerprint
    assert meta.sources["sdk"] == sdk_source
    assert meta.capture_local == "2025-03-12T08:15:40"
    assert meta.utc_offset_min == 60
    assert meta.elapsed_realtime_ms == 269_676_753  # alarm nowELAPSED
    assert meta.checkin_version == checkin and meta.parcel_version == parcel


def test_standalone_dumps_are_the_bug_report_bodies():
    cap = open_capture(SAMPLES / "bugreport-sample.zip")
    for name, section in (("alarm.txt", "alarm"), ("jobscheduler.txt", "jobscheduler"),
                          ("batterystats-checkin.txt", "batterystats_checkin")):
        body = cap.section_text(cap.section(section))
        assert (SAMPLES / name).read_text() == body + "\n", name


def test_scenarios_list_every_finding_kind_once():
    data = json.loads((SAMPLES / "scenarios.json").read_text())
    assert data["files"]["bugreport-sample-android16.zip"] == "all"
    assert data["files"]["bugreport-sample-android12.zip"] == "all"
    assert sorted(data["releases"]) == sorted(ZIPS)
    assert {name: r["release"] for name, r in data["releases"].items()} == {
        "bugreport-sample.zip": "14", "bugreport-sample-android16.zip": "16",
        "bugreport-sample-android12.zip": "12"}
    scenarios = data["scenarios"]
    assert len(scenarios) == 15   # 11 + the 4 device-level energy findings (docs/energy.md)
    packages = [p for p in scenarios.values() if p]
    assert len(packages) == len(set(packages)) == 10
    assert all(p.startswith("com.example.") for p in packages)
    assert scenarios["kernel_wakeup_reason"] is None
    assert data["details"]["kernel_wakeup_reason"]["reason"] == "223 smp2p-modem"


# Lines that must (True) or must not (False) appear in each bug report: the release's own
# dump shapes (formats.md §5), so a generator change cannot quietly print 14's.
SHAPES = {
    "bugreport-sample.zip": {
        "Android SDK version: 34": True, "Battery History (": True,
        "  Preferred constraints:": True, "tag=*job*/com.example.cloudnotes/.sync."
        "NotesSyncJobService#1001": True, "9,0,i,vers,36,212,": True,
        "Feature Flags:": False, "Aconfig flags:": False, "strict_run=": False,
    },
    "bugreport-sample-android16.zip": {
        "Android SDK version: 36": True, "parallel_run=1 strict_run=1 ": True,
        "Battery History [Format: 2] (": True,
        "\n  03-11 07:30:05.000 RESET:TIME: 2025-03-11-07-30-05\n": True,
        " nr_state=connected": True, ' +state=u0a142:"audio"': True,
        "  Feature Flags:\n": True, "  Scheduled user wakeups:\n": True,
        "\nAconfig flags:\n": True, "\nConsidered charging: false\n": True,
        "tag=*job*e/#NotesSync#com.example.cloudnotes/.sync.NotesSyncJobService\n": True,
        "Has media backup exemption=false \n": True, "Trace tag: NotesSync": True,
        "JOB SyncManager:1000/100007: ": True, "Started with foreground flag: false": True,
        "9,0,i,vers,36,215,": True,
        'NotesSyncJobService",0,0,5,0,6,0,0,0,0,0,0,3,0,0,0\n': True,  # jbc: 15 reasons
        "  Preferred constraints:": False, "\n    Tag: ": False, "TARE_WEALTH": False,
        "  Temporary Quota Reserves:": True,
    },
    "bugreport-sample-android12.zip": {
        "SDK extension versions [r=2 s=2]": True, "Android SDK version:": False,
        "Bootconfig:": False, "parallel_run=1 args=": True,
        "9,0,i,vers,35,200,": True, "Battery History (": True,
        'NotesSyncJobService",0,5,0,6,0,0,0,0,0,0,3\n': True,  # jbc: 11 reasons
        "  Pending #0: ": True, "    Evaluated priority: 0 [DEFAULT]": True,
        "Pending stop because 1/0/cancel() called by app, callingUid=1000": True,
        "readyWithinExpeditedQuota: true": True, "WITHIN_EXPEDITED_QUOTA": True,
        "\nUid priority overrides:\n": True, "qc_allowed_time_per_period_ms=": True,
        "  Removal history: \n": True, "      Reason=alarm_cancelled": True,
        "lazy_batching=true": True, "On battery measured charge stats": True,
        "    UID u0a142: 2315 ( ": True, "9,10142,l,pwi,uid,": True,
        "9,0,l,pwi,scrn,": True,
        "JOB androidx.work": False, "@androidx.work": False, "Temporary Quota Reserves": False,
        "Recently cancelled jobs:": False, "Idle contexts": False, "TARE": False,
        "POWER SUMMARY": False, "CPU wakeup stats:": False, "policy_permission": False,
    },
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_release_shapes(name):
    with zipfile.ZipFile(SAMPLES / name) as zf:
        text = zf.read(ZIPS[name]).decode()
    wrong = [shape for shape, present in SHAPES[name].items() if (shape in text) != present]
    assert wrong == []


@pytest.mark.parametrize("name", sorted(ZIPS))
def test_bug_reports_parse_cleanly(name):
    """Every line of the four sections is recognised; no warning or error."""
    cap = parsers.load(SAMPLES / name)
    diag = cap.diagnostics
    assert sorted(diag.lines_seen) == ["alarm", "batterystats", "batterystats_checkin",
                                       "jobscheduler"]
    assert diag.unknown_total() == 0, dict(diag.unknown)
    assert [d for d in diag.items if d.level in ("warning", "error")] == []


def test_android16_batterystats_alone_is_recognised(tmp_path):
    """`adb shell dumpsys batterystats` on 16 starts `Battery History [Format: 2] (…):` and its
    records with a wall-clock time: found as a batterystats dump, parsed as history v2, with
    the same record times as the Android 14 dump of the same day."""
    cap = open_capture(SAMPLES / "bugreport-sample-android16.zip")
    path = tmp_path / "batterystats.txt"
    path.write_text(cap.section_text(cap.section("batterystats")) + "\n")
    info = open_capture(path).summary()
    assert info["kind"] == "batterystats"
    assert [(s["name"], s["first_line"], s["line_count"]) for s in info["sections"]] == [
        ("batterystats", 1, 6285)]
    loaded = parsers.load(path)
    assert loaded.diagnostics.unknown_total() == 0
    assert any("(v2 format)" in d.message for d in loaded.diagnostics.items)
    v2 = loaded.table("batterystats_history")
    legacy = parsers.load(SAMPLES / "batterystats.txt").table("batterystats_history")
    assert v2.height == 8175 and legacy.height == 8085  # + 16's nr_state and state events
    wl = "wake_lock"
    assert (v2.filter(v2["name"] == wl)["offset_ms"].to_list()
            == legacy.filter(legacy["name"] == wl)["offset_ms"].to_list())
