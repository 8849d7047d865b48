"""`parsers/numbers.py`: integers from untrusted dump text never raise and never leave Int64."""

from __future__ import annotations

import pytest

from wakescope.parsers.numbers import INT64_MAX, INT64_MIN, safe_hex, safe_int


@pytest.mark.parametrize(("text", "value"), [
    ("0", 0), ("12", 12), ("-12", -12), ("+12", 12), ("-0", 0),
    ("9223372036854775807", INT64_MAX), ("-9223372036854775808", INT64_MIN),
    ("0000000000000000012", 12),  # 19 digits
    ("9223372036854775808", None), ("-9223372036854775809", None),
    ("00000000000000000012", None),  # 20 digits: no Java long prints so
    ("9" * 5000, None), ("-" + "9" * 5000, None),  # int() raises beyond 4,300 digits
    ("\u00b2", None), ("\u0661\u0662", None), ("1_000", None),  # int() takes the last two
    (" 1", None), ("1 ", None), ("", None), ("-", None), ("--1", None), ("1.5", None),
    (None, None),
])
def test_safe_int(text, value):
    assert safe_int(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("1f", 31), ("0x10", 16), ("7" + "f" * 15, INT64_MAX), ("f" * 16, None), ("f" * 17, None),
    ("f" * 5000, None), ("g", None), ("", None), ("-1", None), (None, None),
])
def test_safe_hex(text, value):
    assert safe_hex(text) == value
