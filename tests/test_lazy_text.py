"""The sections are found in the normalised bytes and only their slices decoded (issue 17):
the same text, offsets, line numbers and diagnostics as decoding the whole input first."""

from __future__ import annotations

import zipfile

from tests.conftest import BUGREPORTS, corpus_path
from wakescope import parsers
from wakescope.parsers.body import char_offsets
from wakescope.parsers.decode import decode


def _reference(data: bytes) -> str:
    """The whole-text decode the container did before: NULs dropped, CR CR LF, CR LF and
    stray CR folded to LF, then UTF-8 with replacement characters."""
    data = data.replace(b"\x00", b"")
    data = data.replace(b"\r\r\n", b"\n").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data.decode("utf-8", "replace")


def test_sailfish_sections_sliced_from_bytes_match_the_whole_text():
    # The 8.1 report holds 407 non-ASCII characters (app labels such as 播放音乐), 1,477 NUL
    # bytes and 405 stray CRs (LAST KMSG): byte and character offsets differ.
    path = corpus_path(BUGREPORTS["sailfish_8_1"])
    with zipfile.ZipFile(path) as zf:
        member = next(i for i in zf.infolist() if i.filename.startswith("bugreport-"))
        ref = _reference(zf.read(member))
    cap = parsers.open_capture(path)
    assert "text" not in cap.__dict__  # nothing decoded the whole text yet
    names = [s.name for s in cap.sections]
    assert names == ["alarm", "batterystats", "jobscheduler", "batterystats_checkin"]
    for s in cap.sections:
        assert s.byte_start > s.start  # non-ASCII characters before every section
        assert cap.section_text(s) == ref[s.start:s.end]
        assert s.first_line == ref.count("\n", 0, s.start) + 1
        assert s.line_count == ref.count("\n", s.start, s.end) + 1
    assert cap.text_lines == ref.count("\n") + 1 == 253_511
    codes = [d.code for d in cap.diagnostics.items]
    assert "nul_bytes" in codes and "bytes_replaced" not in codes
    assert cap.text == ref  # decoded on first use
    assert all(cap.section_text(s) == ref[s.start:s.end] for s in cap.sections)


def test_invalid_bytes_and_wide_characters_before_a_section():
    # Two invalid sequences (a cut 3-byte sequence before an LF, a lone continuation byte),
    # a 4-byte character and a BOM-less UTF-8 text with CRLF line ends.
    head = "Ünïcödé 🔋\r\n".encode() + b"bad \xe4\xb8\r\nlone \x80 byte\r\n"
    body = (b"DUMP OF SERVICE alarm:\r\nCurrent Alarm Manager state:\r\n  nowRTC=1\r\n"
            b"DUMP OF SERVICE jobscheduler:\r\nJob history:\r\n")
    data = head + body
    ref = _reference(data)
    path_text = decode(data).text
    assert path_text == ref and ref.count("\ufffd") == 2
    norm = data.replace(b"\r\n", b"\n")
    offsets, replaced = char_offsets(norm, [norm.index(b"DUMP OF SERVICE alarm")])
    assert replaced == 2
    assert offsets[norm.index(b"DUMP OF SERVICE alarm")] == ref.index("DUMP OF SERVICE alarm")


def test_capture_from_text_with_invalid_bytes(tmp_path):
    f = tmp_path / "dump.txt"
    f.write_bytes(b"caf\xc3\xa9 \xff\n" b"DUMP OF SERVICE alarm:\nCurrent Alarm Manager state:\n"
                  b"  nowRTC=1 nowELAPSED=2\n")
    cap = parsers.open_capture(f)
    alarm = cap.section("alarm")
    assert (alarm.start, alarm.byte_start, alarm.first_line) == (30, 31, 3)
    assert cap.section_text(alarm) == "Current Alarm Manager state:\n  nowRTC=1 nowELAPSED=2"
    assert cap.text[alarm.start:alarm.end] == cap.section_text(alarm)
    assert [d.message for d in cap.diagnostics.items if d.code == "bytes_replaced"] == [
        "1 invalid byte sequences replaced (U+FFFD)"]


def test_few_runs_of_nul_and_cr_fold_in_place_like_the_replaces():
    data = (b"a\r\x00\r\nb\x00\x00\nc\r\r\r\nd\x00" * 3) + b"e\r"
    d = decode(data)
    # c CR CR CR LF: CR CR LF → LF leaves CR LF → LF (one line end)
    assert d.text == _reference(data) == "a\nb\nc\nd" * 3 + "e\n"
    assert d.nul_bytes == 12


def test_lazy_capture_pickles_and_releases(tmp_path):
    import pickle

    f = tmp_path / "dump.txt"
    f.write_bytes("DUMP OF SERVICE alarm:\nCurrent Alarm Manager state:\n  é\n".encode())
    cap = parsers.open_capture(f)
    copy = pickle.loads(pickle.dumps(cap))
    assert "text" not in copy.__dict__
    assert copy.section_text(copy.section("alarm")) == "Current Alarm Manager state:\n  é"
    assert copy.text == cap.text == "DUMP OF SERVICE alarm:\nCurrent Alarm Manager state:\n  é\n"
    cap.release_text()
    assert cap.text == "" and pickle.loads(pickle.dumps(cap)).text == ""


def test_read_into_grows_from_a_small_first_buffer(monkeypatch):
    import io

    from wakescope.parsers import container

    monkeypatch.setattr(container, "_FIRST_BUFFER", 10)
    # A stream shorter than declared (a lying zip header) costs only what it holds.
    assert container._read_into(io.BytesIO(b"x" * 25), 30) == bytearray(b"x" * 25)
    # One byte past the declared size is asked for: the caller sees the member lied.
    assert len(container._read_into(io.BytesIO(b"y" * 40), 31)) == 31
    assert container._read_into(io.BytesIO(b""), 12) == bytearray()


def test_heads_of_wide_text_match_the_decoded_slices(tmp_path):
    f = tmp_path / "dump.txt"
    f.write_bytes("DUMP OF SERVICE alarm:\nCurrent Alarm Manager state:\n  播放音乐 🔋 é\n"
                  "[ro.serialno]: [ÄBC]\n".encode())
    cap = parsers.open_capture(f)
    alarm = cap.section("alarm")
    heads = [cap.section_head(alarm, n) for n in range(1, 45)]
    tops = [cap.head(n) for n in range(1, 80)]
    assert cap.text_from("[ro.serialno]: [", 19) == "[ro.serialno]: [ÄBC"
    assert heads == [cap.section_text(alarm)[:n] for n in range(1, 45)]
    assert tops == [cap.text[:n] for n in range(1, 80)]
