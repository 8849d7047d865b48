"""Fuzzing (issue 19): Hypothesis drives mutations of real corpus sections, at two depths.

1. Sections: every corpus section, mutated by a drawn chain of tests/test_robustness.py's
   mutations plus drawn text (control characters, bidi, huge numbers, lines spliced from
   another section), reparsed: no parser failure, every table keeps its declared schema.
2. The CLI: an excerpt of a standalone corpus dump, mutated, in a drawn container (text,
   gzip, zip, a zip inside a zip with its inner zip whole or cut, truncated gzip, flipped
   bytes), through `info`, `parse` and `report`: exit 0, 1 or 2 only, never a traceback or
   an internal error, and every table written conforms to its schema.

Bounded for CI: derandomized (the same examples every run), `FUZZ_EXAMPLES` examples per
test (default 60 sections, 12 CLI runs; raise it locally, e.g. FUZZ_EXAMPLES=2000, and set
FUZZ_RANDOM=1 for new examples each run, reproducible with --hypothesis-seed) and a
wall-clock budget per test (`FUZZ_SECONDS`, default 25) after which the remaining examples
return at once (after drawing, so generation stays deterministic). No example database is
written.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.test_robustness import (
    MUTATIONS,
    STANDALONE,
    captures,  # noqa: F401  (the module fixture: every corpus file opened once)
    failures,
    reparse,
    schema_problems,
)
from wakescope.analyzer.cli import app
from wakescope.parsers.metadata import Metadata

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
SECONDS = float(os.environ.get("FUZZ_SECONDS", "25"))
FUZZ = settings(derandomize=not os.environ.get("FUZZ_RANDOM"), database=None, deadline=None,
                print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

# Text a hostile or broken device could put in a dump: controls (never NUL or CR, which the
# container removes), escapes, bidi overrides, emoji, digit runs, separators parsers split on.
JUNK = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_characters="\x00\r\ufeff", blacklist_categories=("Cs",)),
        st.sampled_from(list("=:,;|()[]{}+-#*/ \t0123456789\x1b\x07\u202e\u2028\x85")),
    ),
    max_size=120,
)
OPS = ("mutation", "insert", "splice", "digits", "cut")


def _apply(lines: list[str], data, pool: list[list[str]]) -> list[str]:
    """One drawn edit of `lines`."""
    op = data.draw(st.sampled_from(OPS), label="op")
    if not lines:
        return [data.draw(JUNK, label="text")]
    at = data.draw(st.integers(0, len(lines)), label="at")
    if op == "mutation":
        name = data.draw(st.sampled_from(sorted(MUTATIONS)), label="mutation")
        seed = data.draw(st.integers(0, 2**32), label="seed")
        return MUTATIONS[name](lines, random.Random(seed))[0]
    if op == "insert":
        text = data.draw(JUNK, label="text")
        return [*lines[:at], *text.split("\n"), *lines[at:]]
    if op == "splice":
        other = data.draw(st.sampled_from(pool), label="other")
        a = data.draw(st.integers(0, max(0, len(other) - 1)), label="from")
        return [*lines[:at], *other[a:a + data.draw(st.integers(1, 60), label="n")], *lines[at:]]
    if op == "digits":
        if at >= len(lines):
            return lines
        digits = str(data.draw(st.integers(-(10**40), 10**40), label="number"))
        return [*lines[:at], "".join(digits if c.isdigit() else c for c in lines[at]),
                *lines[at + 1:]]
    return lines[:at]  # cut


def _mutated(lines: list[str], data, pool: list[list[str]]) -> list[str]:
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        lines = _apply(lines, data, pool)
    return lines


class _Budget:
    """A wall-clock budget shared by one test's examples."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds
        self.ran = 0

    def spent(self) -> bool:
        return time.monotonic() > self.end


@pytest.fixture(scope="module")
def sections(captures):  # noqa: F811
    """(file, section index, capture, lines) of every corpus section."""
    out = [(rel, i, cap, cap.section_lines(sec))
           for rel, cap in captures.items() for i, sec in enumerate(cap.sections)]
    assert out
    return out


@pytest.fixture(scope="module")
def section_budget():
    return _Budget(SECONDS)


@settings(FUZZ, max_examples=EXAMPLES or 60)
@given(data=st.data())
def test_fuzzed_sections_parse_totally(sections, section_budget, data):
    rel, i, cap, lines = data.draw(st.sampled_from(sections), label="section")
    pool = [s[3] for s in sections[:12]]
    lines = _mutated(list(lines), data, pool)
    meta, clock = (cap.meta, cap.clock) if data.draw(st.booleans(), label="meta") else (
        Metadata(), None)
    if section_budget.spent():  # after every draw: the data drawn never depends on time
        return
    section_budget.ran += 1
    name = cap.sections[i].name
    mutated, tables = reparse(cap, name, lines, meta, clock)
    assert failures(mutated) == [], f"{rel} [{name} #{i}]"
    assert schema_problems(tables) == [], f"{rel} [{name} #{i}]"


# --- the CLI on whole (small) mutated inputs -------------------------------------------------

SMALL = tuple(f for f in STANDALONE if f.endswith(".txt"))
MAX_LINES = 600  # an excerpt keeps each CLI run short


def _container(text: str, data) -> tuple[str, bytes]:
    """The mutated text in a drawn container, some of them broken on purpose."""
    raw = text.encode("utf-8", "surrogatepass")
    kind = data.draw(st.sampled_from(["txt", "gz", "zip", "gz-cut", "flip", "utf16",
                                      "zip-in-zip"]), label="container")
    if kind == "gz":
        return "x.txt.gz", gzip.compress(raw, 1)
    if kind == "gz-cut":
        packed = gzip.compress(raw, 1)
        return "x.gz", packed[:data.draw(st.integers(0, len(packed)), label="cut")]
    if kind == "zip":
        return "x.zip", _zipped(raw, data)
    if kind == "zip-in-zip":  # a bug report zip zipped again, its inner zip maybe cut
        inner = _zipped(raw, data)
        inner = inner[:data.draw(st.sampled_from([len(inner), len(inner) // 2]), label="cut")]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr(data.draw(st.sampled_from(["bugreport-x.zip", "upload.zip",
                                                   "a/bugreport-\x1b[2J.zip"]), label="inner"),
                        inner)
            if data.draw(st.booleans(), label="screenshot"):
                zf.writestr("screenshot.png", b"\x89PNG\r\n\x1a\n")
        return "x.zip", buf.getvalue()
    if kind == "flip":
        b = bytearray(raw)
        for _ in range(data.draw(st.integers(1, 20), label="flips")):
            if b:
                b[data.draw(st.integers(0, len(b) - 1), label="pos")] = data.draw(
                    st.integers(0, 255), label="byte")
        return "x.txt", bytes(b)
    if kind == "utf16":
        return "x.txt", b"\xff\xfe" + text.encode("utf-16-le", "surrogatepass")
    return "x.txt", raw


def _zipped(raw: bytes, data) -> bytes:
    """The text as a zip member under a drawn name, maybe named by a main_entry.txt."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        name = data.draw(st.sampled_from(["dumpsys.txt", "bugreport-x.txt", "a/b.log",
                                          "../up.txt", "x\x1b[2J.txt"]), label="member")
        zf.writestr(name, raw)
        if data.draw(st.booleans(), label="main_entry"):
            zf.writestr("main_entry.txt", data.draw(st.sampled_from([name, "gone.txt"]),
                                                    label="entry"))
    return buf.getvalue()


def _written_schema_problems(folder: Path) -> list[str]:
    """Every Parquet table `parse` wrote, checked against its declared schema."""
    from wakescope.analyzer.tables import TABLES
    from wakescope.parsers.schemas import all_tables

    parser_tables, problems = {}, []
    for path in folder.glob("*.parquet"):
        df = pl.read_parquet(path)
        name = path.stem
        if name in all_tables():
            parser_tables[name] = df
        elif name in TABLES:
            want = list(TABLES[name].schema.items())
            if list(df.schema.items())[:len(want)] != want:
                problems.append(f"{name}: {list(df.schema.items())[:len(want)]} != {want}")
        else:
            problems.append(f"{name}: not declared in any schema")
    return problems + schema_problems(parser_tables)


@pytest.fixture(scope="module")
def cli_budget():
    return _Budget(SECONDS)


@pytest.fixture(scope="module")
def excerpts(captures):  # noqa: F811
    out = []
    for rel in SMALL:
        cap = captures.get(rel)
        if cap is not None:
            out.append((rel, cap.text.split("\n")[:MAX_LINES]))
    assert out
    return out


@settings(FUZZ, max_examples=EXAMPLES or 12)
@given(data=st.data())
def test_fuzzed_inputs_through_the_cli(excerpts, cli_budget, tmp_path_factory, data):
    rel, lines = data.draw(st.sampled_from(excerpts), label="input")
    lines = _mutated(list(lines), data, [e[1] for e in excerpts])
    name, payload = _container("\n".join(lines), data)
    if cli_budget.spent():  # after every draw: the data drawn never depends on time
        return
    cli_budget.ran += 1
    d = tmp_path_factory.mktemp("fuzz")
    src = d / name
    src.write_bytes(payload)
    runner = CliRunner()
    for args in (["info", str(src)],
                 ["parse", str(src), "--out", str(d / "tables")],
                 ["report", str(src), "-o", str(d / "r.html"), "--md", str(d / "r.md"),
                  "--json", str(d / "r.json"), "--fail-on", "high"]):
        res = runner.invoke(app, args)
        where = f"{rel} as {name}: wakescope {args[0]}"
        assert res.exception is None or isinstance(res.exception, SystemExit), (
            f"{where}: {type(res.exception).__name__}: {res.exception}")
        assert res.exit_code in (0, 1, 2), f"{where}: exit {res.exit_code}: {res.output}"
        assert "Traceback" not in res.output and "internal error" not in res.output, where
        if res.exit_code == 2:
            lines_err = res.stderr.strip().splitlines()
            assert len(lines_err) == 1 and lines_err[0].startswith("wakescope: "), where
            assert "\x1b" not in res.stderr, where
        if args[0] == "parse" and res.exit_code == 0:
            assert _written_schema_problems(d / "tables") == [], where
        if args[0] == "report" and res.exit_code in (0, 1):
            assert (d / "r.html").is_file() and (d / "r.json").is_file()
            assert "\x1b" not in (d / "r.md").read_text(encoding="utf-8"), where


def test_the_fuzzers_ran(section_budget, cli_budget):
    """Each fuzz test ran at least a few examples within its budget (none skipped them)."""
    if not section_budget.ran and not cli_budget.ran:
        pytest.skip("the fuzz tests were not selected in this run")
    assert section_budget.ran >= 5 and cli_budget.ran >= 3, (section_budget.ran,
                                                             cli_budget.ran)
