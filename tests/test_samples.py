"""The bundled sample logs: the generator reproduces them exactly, and `wakescope info`
reads each one as what it is (kind, Android release, device, sections and line counts)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from parsers import open_capture
from tests.conftest import SAMPLES

TEXT_FILES = ("batterystats.txt", "batterystats-checkin.txt", "jobscheduler.txt", "alarm.txt",
              "scenarios.json")
MAIN_ENTRY = "bugreport-nova5_eea-UQ1A.240205.002-2025-03-12-08-15-40.txt"


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


def test_regenerated_zip_has_identical_members(regenerated):
    """Same member names, order, times and bytes (the deflate stream itself depends on the
    zlib build, so the archive bytes are compared only against a second local run)."""
    assert _members((regenerated / "bugreport-sample.zip").read_bytes()) == _members(
        (SAMPLES / "bugreport-sample.zip").read_bytes())


def test_generator_is_deterministic(regenerated, tmp_path):
    subprocess.run([sys.executable, str(SAMPLES / "generate.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    for name in (*TEXT_FILES, "bugreport-sample.zip"):
        assert (tmp_path / name).read_bytes() == (regenerated / name).read_bytes(), name


def test_zip_layout():
    with zipfile.ZipFile(SAMPLES / "bugreport-sample.zip") as zf:
        assert zf.namelist() == ["version.txt", "FS/data/misc/recovery/ro.build.fingerprint",
                                 MAIN_ENTRY, "main_entry.txt", "dumpstate_log.txt"]
        assert zf.read("version.txt") == b"2.0"
        assert zf.read("main_entry.txt").decode() == MAIN_ENTRY


# name → (kind, sdk, release, device, manufacturer/model, [(section, first line, lines)])
EXPECTED = {
    "bugreport-sample.zip": ("bugreport", 34, "14", "nova5", ("Acme", "Nova 5"), [
        ("alarm", 140, 277), ("batterystats", 442, 6276), ("jobscheduler", 6772, 1012),
        ("batterystats_checkin", 7791, 5914)]),
    "batterystats.txt": ("batterystats", None, None, None, (None, None),
                         [("batterystats", 1, 6276)]),
    "batterystats-checkin.txt": ("batterystats_checkin", 34, "14", None, (None, None),
                                 [("batterystats_checkin", 1, 5914)]),
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


def test_bugreport_clock_and_build():
    meta = open_capture(SAMPLES / "bugreport-sample.zip").meta
    assert meta.fingerprint == (
        "acme/nova5_eea/nova5:14/UQ1A.240205.002/11374062:user/release-keys")
    assert meta.capture_local == "2025-03-12T08:15:40"
    assert meta.utc_offset_min == 60
    assert meta.elapsed_realtime_ms == 269_676_753  # alarm nowELAPSED
    assert meta.checkin_version == 36 and meta.parcel_version == 212


def test_standalone_dumps_are_the_bug_report_bodies():
    cap = open_capture(SAMPLES / "bugreport-sample.zip")
    for name, section in (("alarm.txt", "alarm"), ("jobscheduler.txt", "jobscheduler"),
                          ("batterystats-checkin.txt", "batterystats_checkin")):
        body = cap.section_text(cap.section(section))
        assert (SAMPLES / name).read_text() == body + "\n", name


def test_scenarios_list_every_finding_kind_once():
    data = json.loads((SAMPLES / "scenarios.json").read_text())
    scenarios = data["scenarios"]
    assert len(scenarios) == 11
    packages = [p for p in scenarios.values() if p]
    assert len(packages) == len(set(packages)) == 10
    assert all(p.startswith("com.example.") for p in packages)
    assert scenarios["kernel_wakeup_reason"] is None
    assert data["details"]["kernel_wakeup_reason"]["reason"] == "223 smp2p-modem"
