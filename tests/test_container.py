"""Container stage: input kinds by content, decoding, sections and metadata, bad inputs."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT
from wakescope import parsers
from wakescope.parsers import InputError
from wakescope.parsers.decode import decode

# Values read from the corpus files themselves (headers, getprop, checkin vers, chatter).
# file → (kind, release, sdk, device, {section: line_count})
CORPUS_EXPECT = {
    "bugreports/bugreport-meizu-mx6-NMF26O-android7.1.1.zip": (
        "bugreport", "7.1", 25, "MX6",
        {"alarm": 588, "batterystats": 5821, "jobscheduler": 397, "batterystats_checkin": 6022}),
    "bugreports/bugreport-sailfish-OPM1.171019.021-2018-04-02-17-06-30.zip": (
        "bugreport", "8.1", 27, "sailfish",
        {"alarm": 846, "batterystats": 4789, "jobscheduler": 3590,
         "batterystats_checkin": 3642}),
    "bugreports/bugreport-sdk_gphone_x86-PSR1.180720.075-emulator-android9.zip": (
        "bugreport", "9", 28, "generic_x86",
        {"alarm": 473, "batterystats": 2549, "jobscheduler": 2018,
         "batterystats_checkin": 1837}),
    "bugreports/bugreport-sailfish-QP1A.191005.007.A3-2020-01-08-15-30-07.zip": (
        "bugreport", "10", 29, "sailfish",
        {"alarm": 201, "batterystats": 1745, "jobscheduler": 1006,
         "batterystats_checkin": 1520}),
    "checkin/pixel7-lynx-android15-checkin.txt": (
        "batterystats_checkin", "15", 35, "lynx", {"batterystats_checkin": 22396}),
    "checkin/samsung-tab-android6-checkin.txt": (
        "batterystats_checkin", "6.0", 23, None, {"batterystats_checkin": 35597}),
    "alarm/pixel-android10.txt": ("alarm", None, None, None, {"alarm": 1587}),
    "alarm/samsung-android14-utf16le-bom.txt": ("alarm", None, None, None, {"alarm": 4257}),
    "alarm/vivo-batch-layout.txt": ("alarm", None, None, None, {"alarm": 1435}),
    "batterystats/emulator-large.txt": (
        "batterystats", None, None, None, {"batterystats": 65030}),
    "batterystats/misnamed-text-batterystats.zip": (
        "batterystats", None, None, None, {"batterystats": 311}),
    "batterystats/motorola-android6.txt": (
        "batterystats", None, None, None, {"batterystats": 12806}),
    "batterystats/partial-old-crcrlf.txt": (
        "batterystats", None, None, None, {"batterystats": 311}),
    "batterystats/pixel-sailfish-android8.1.txt": (
        "batterystats", None, None, None, {"batterystats": 4788}),
    "batterystats/samsung-android9.txt": (
        "batterystats", None, None, None, {"batterystats": 13530}),
    "batterystats/unknown-android5.txt": (
        "batterystats", None, None, None, {"batterystats": 1477}),
    "batterystats/xiaomi-miro-android15.txt": (
        "batterystats", None, None, None, {"batterystats": 23382}),
    "jobscheduler/android10-job-history-excerpt.txt": (
        "jobscheduler", None, None, None, {"jobscheduler": 3}),
    "jobscheduler/android10-workmanager-job-excerpt.txt": (
        "jobscheduler", None, None, None, {"jobscheduler": 24}),
    "jobscheduler/android11-excerpt-transcribed.txt": (
        "jobscheduler", None, None, None, {"jobscheduler": 645}),
    "jobscheduler/android11-workmanager-job-excerpt.txt": (
        "jobscheduler", None, None, None, {"jobscheduler": 33}),
    "jobscheduler/samsung-android15-utf16le-bom.txt": (
        "jobscheduler", None, None, None, {"jobscheduler": 4685}),
}


@pytest.mark.parametrize("rel", sorted(CORPUS_EXPECT))
def test_corpus_kind_release_device_sections(corpus, rel):
    kind, release, sdk, device, sections = CORPUS_EXPECT[rel]
    cap = parsers.open_capture(corpus(rel))
    assert cap.kind == kind
    assert cap.meta.release == release
    assert cap.meta.sdk == sdk
    assert cap.meta.device == device
    assert {s.name: s.line_count for s in cap.sections} == sections
    # Nothing downstream ever sees a BOM or a carriage return.
    assert "\r" not in cap.text and not cap.text.startswith("\ufeff")


def test_bugreport_metadata_sailfish_8_1(corpus):
    cap = parsers.open_capture(corpus(
        "bugreports/bugreport-sailfish-OPM1.171019.021-2018-04-02-17-06-30.zip"))
    m = cap.meta
    assert cap.container == "zip"
    assert cap.member == "bugreport-sailfish-OPM1.171019.021-2018-04-02-17-06-30.txt"
    assert m.fingerprint == (
        "google/sailfish/sailfish:8.1.0/OPM1.171019.021/4565141:user/release-keys")
    assert (m.manufacturer, m.model) == ("Google", "Pixel")
    assert m.sources["sdk"] == "getprop"
    assert m.checkin_version == 27 and m.parcel_version == 167
    assert m.capture_local == "2018-04-02T17:06:30"
    # alarm nowRTC/nowELAPSED pairs the two clocks; the offset is the device's (UTC-7).
    assert m.utc_offset_min == -420
    assert m.capture_utc == "2018-04-03T00:06:30Z"
    assert cap.clock is not None and cap.clock.source == "alarm nowRTC/nowELAPSED"
    assert m.elapsed_realtime_ms == cap.clock.anchor_elapsed_ms
    assert m.bugreport_format == "1.0"


def test_bugreport_v0_zip_without_main_entry(corpus):
    # The 10 sailfish zip holds only the txt: the first (only) entry is the main text.
    cap = parsers.open_capture(corpus(
        "bugreports/bugreport-sailfish-QP1A.191005.007.A3-2020-01-08-15-30-07.zip"))
    assert cap.member == "bugreport-sailfish-QP1A.191005.007.A3-2020-01-08-15-30-07.txt"
    assert cap.meta.uptime_ms == 0  # "Uptime: up 0 weeks, 0 days, 0 hours, 0 minutes"


def test_encodings_and_line_ends_in_corpus(corpus):
    assert parsers.open_capture(corpus("alarm/samsung-android14-utf16le-bom.txt")).encoding \
        == "utf-16-le-bom"
    crcrlf = parsers.open_capture(corpus("batterystats/partial-old-crcrlf.txt"))
    assert crcrlf.line_ends == "crcrlf"
    # CR CR LF is one line end (a CRLF file converted twice), not a blank line.
    assert crcrlf.text.startswith("Per-PID Stats:\n  PID 0 wake time: +1s741ms\n")
    assert parsers.open_capture(corpus("batterystats/unknown-android5.txt")).line_ends == "crlf"


def test_checkin_tool_chatter_skipped(corpus):
    cap = parsers.open_capture(corpus("checkin/pixel7-lynx-android15-checkin.txt"))
    sec = cap.section("batterystats_checkin")
    assert cap.section_lines(sec)[0] == "9,0,i,vers,36,215,AP3A.241105.007,AP4A.250105.002"
    assert sec.first_line == 3
    assert any("2 lines before the first dump" in d.message for d in cap.diagnostics.items)


# --- edge cases -------------------------------------------------------------------------

ALARM = (
    "Current Alarm Manager state:\n  Settings:\n    min_futurity=+5s0ms\n\n"
    "  nowRTC=1600534218000=2020-09-19 18:50:18.000 nowELAPSED=123456\n"
)
JOBS = "Settings:\n  min_ready_non_active_jobs_count=5 \n\nRegistered 0 jobs:\n"


def _write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_empty_file(tmp_path):
    with pytest.raises(InputError, match="is empty"):
        parsers.open_capture(_write(tmp_path, "empty.txt", b""))


def test_binary_garbage(tmp_path):
    garbage = bytes((i * 7919 + 13) % 251 for i in range(20000))
    with pytest.raises(InputError, match=r"binary data|not an Android"):
        parsers.open_capture(_write(tmp_path, "garbage.bin", garbage))


def test_truncated_zip(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bugreport-x.txt", ALARM * 200)
    data = buf.getvalue()
    with pytest.raises(InputError, match="cannot be read"):
        parsers.open_capture(_write(tmp_path, "cut.zip", data[: len(data) // 2]))


def test_zip_without_text_member(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("proto/activity.proto", b"\x08\x01")
        zf.writestr("FS/data/anr/anr_1", "trace")
    with pytest.raises(InputError, match="holds no bug report text"):
        parsers.open_capture(_write(tmp_path, "notext.zip", buf.getvalue()))


def test_zip_bomb_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bugreport-bomb.txt", b"\0" * (24 << 20))
    assert len(buf.getvalue()) < 200_000
    with pytest.raises(InputError, match="zip bomb"):
        parsers.open_capture(_write(tmp_path, "bomb.zip", buf.getvalue()))


def test_gzip_bomb_refused(tmp_path, monkeypatch):
    from wakescope.parsers import container

    monkeypatch.setattr(container, "MAX_TEXT_BYTES", 1 << 20)
    data = gzip.compress(b"a" * (3 << 20))
    with pytest.raises(InputError, match="zip bomb"):
        parsers.open_capture(_write(tmp_path, "big.gz", data))


def test_utf16_without_bom(tmp_path):
    cap = parsers.open_capture(_write(tmp_path, "a.txt", ALARM.encode("utf-16-le")))
    assert cap.kind == "alarm" and cap.encoding == "utf-16-le"
    assert cap.meta.service_now["alarm"]["now_elapsed_ms"] == 123456
    be = parsers.open_capture(_write(tmp_path, "b.txt", ALARM.encode("utf-16-be")))
    assert be.encoding == "utf-16-be" and be.kind == "alarm"


def test_utf8_bom_crlf_and_invalid_bytes(tmp_path):
    data = b"\xef\xbb\xbf" + ALARM.replace("\n", "\r\n").encode() + b"  bad \xff\xfe byte\r\n"
    cap = parsers.open_capture(_write(tmp_path, "a.txt", data))
    assert cap.kind == "alarm" and cap.encoding == "utf-8-bom" and cap.line_ends == "crlf"
    assert "\ufeff" not in cap.text and "\r" not in cap.text
    assert any("invalid byte" in d.message for d in cap.diagnostics.items)


def test_dump_cut_off_mid_line(tmp_path):
    cap = parsers.open_capture(_write(tmp_path, "cut.txt", (ALARM + "  Pending alar").encode()))
    sec = cap.section("alarm")
    assert cap.section_lines(sec)[-1] == "  Pending alar"


def test_gzip_and_text_named_zip(tmp_path):
    cap = parsers.open_capture(_write(tmp_path, "a.txt.gz", gzip.compress(JOBS.encode())))
    assert cap.kind == "jobscheduler" and cap.container == "gzip"
    cap = parsers.open_capture(_write(tmp_path, "jobs.zip", JOBS.encode()))
    assert cap.kind == "jobscheduler" and cap.container == "text"


def test_zip_in_gzip(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("dump.txt", ALARM)
    cap = parsers.open_capture(_write(tmp_path, "a.zip.gz", gzip.compress(buf.getvalue())))
    assert cap.container == "gzip+zip" and cap.member == "dump.txt" and cap.kind == "alarm"


def _zip(members: dict[str, bytes | str], method=zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_bug_report_zip_inside_a_zip(tmp_path):
    """A ticket's attachments zipped again: the outer zip holds no text but the bug report
    zip (and a screenshot), which is read; the capture is the inner zip's, as if given
    directly, and says where it came from."""
    sample = (ROOT / "sample_logs" / "bugreport-sample.zip").read_bytes()
    outer = _write(tmp_path, "ticket-4711.zip",
                   _zip({"screenshot.png": b"\x89PNG\r\n", "logs/bugreport-nova5.zip": sample}))
    cap = parsers.open_capture(outer)
    direct = parsers.open_capture(ROOT / "sample_logs" / "bugreport-sample.zip")
    assert cap.container == "zip+zip" and direct.container == "zip"
    assert cap.member == "logs/bugreport-nova5.zip/" + direct.member
    assert cap.text == direct.text and cap.meta.device == direct.meta.device == "nova5"
    [note] = [d for d in cap.diagnostics.items if d.code == "nested_zip"]
    assert note.level == "info" and "logs/bugreport-nova5.zip" in note.message
    # Any name, when it is the only zip; gzip around it too.
    alone = _write(tmp_path, "a.zip", _zip({"upload.zip": sample}))
    assert parsers.open_capture(alone).container == "zip+zip"
    gz = _write(tmp_path, "a.zip.gz", gzip.compress(_zip({"upload.zip": sample})))
    assert parsers.open_capture(gz).container == "gzip+zip+zip"


def test_zip_inside_a_zip_is_read_one_level_only(tmp_path):
    """A zip of a zip of a bug report zip, two zips of no bug report name, or an inner zip
    that is a bomb: one sentence each, nothing unpacked past its caps."""
    sample = (ROOT / "sample_logs" / "bugreport-sample.zip").read_bytes()
    deep = _write(tmp_path, "deep.zip", _zip({"bugreport-b.zip": _zip({"bugreport-a.zip":
                                                                       sample})}))
    with pytest.raises(InputError, match="read only one level down"):
        parsers.open_capture(deep)
    two = _write(tmp_path, "two.zip", _zip({"a.zip": sample, "b.zip": sample}))
    with pytest.raises(InputError, match=r"holds no bug report text .*no bug report zip\)"):
        parsers.open_capture(two)
    bomb = _zip({"bugreport-x.txt": b"\0" * (24 << 20)}, zipfile.ZIP_DEFLATED)
    outer = _write(tmp_path, "bomb.zip", _zip({"bugreport-bomb.zip": bomb}))
    with pytest.raises(InputError, match=r"\(bugreport-bomb.zip\): .*zip bomb"):
        parsers.open_capture(outer)


def test_concatenated_dumps(tmp_path):
    text = "$ adb shell dumpsys alarm\n" + ALARM + JOBS + "9,0,i,vers,36,215,A,B\n9,h,0:START\n"
    cap = parsers.open_capture(_write(tmp_path, "all.txt", text.encode()))
    assert cap.kind == "concatenated"
    assert [s.name for s in cap.sections] == ["alarm", "jobscheduler", "batterystats_checkin"]
    assert cap.meta.sdk == 35


def test_whole_dumpsys_output(tmp_path):
    dash = "-" * 79
    text = (
        f"{dash}\nDUMP OF SERVICE activity:\nACTIVITY MANAGER\n"
        f"--------- 0.010s was the duration of dumpsys activity, ending at: 2024-05-01 10:22:41\n"
        f"{dash}\nDUMP OF SERVICE alarm:\n{ALARM}"
        f"--------- 0.042s was the duration of dumpsys alarm, ending at: 2024-05-01 10:22:41\n"
        f"{dash}\nDUMP OF SERVICE jobscheduler:\n{JOBS}"
    )
    cap = parsers.open_capture(_write(tmp_path, "dumpsys.txt", text.encode()))
    assert cap.kind == "dumpsys"
    assert {s.name: s.line_count for s in cap.sections} == {"alarm": 5, "jobscheduler": 4}


def test_stdin(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "wakescope", "info", "--json", "-"],
        input=ALARM.encode(), capture_output=True, check=True,
    )
    assert b'"kind": "alarm"' in out.stdout


def test_cli_not_a_dump_is_one_sentence(tmp_path):
    p = _write(tmp_path, "passwd", b"root:x:0:0:root:/root:/bin/bash\n")
    out = subprocess.run([sys.executable, "-m", "wakescope", "info", str(p)],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "not an Android bug report" in out.stderr
    assert "Traceback" not in out.stderr


def test_cli_missing_file():
    out = subprocess.run([sys.executable, "-m", "wakescope", "info", "/nonexistent/x.zip"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "no such file" in out.stderr and "Traceback" not in out.stderr


def test_decode_crcrlf_and_stray_cr():
    d = decode(b"a\r\r\nb\r\nc\rd\n")
    assert d.text == "a\nb\nc\nd\n"


def test_cli_unwritable_output_is_one_sentence(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    for args in (["report", "sample_logs/alarm.txt", "-o", str(blocker / "r.html")],
                 ["parse", "sample_logs/alarm.txt", "--out", str(blocker)]):
        out = subprocess.run([sys.executable, "-m", "wakescope", *args], capture_output=True,
                             text=True, cwd=str(ROOT))
        assert out.returncode == 2, out.stderr
        assert out.stderr.startswith("wakescope: cannot write") and "Traceback" not in out.stderr
