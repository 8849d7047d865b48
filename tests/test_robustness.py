"""Parsers are total (DESIGN.md principle 1): mutated corpus sections and hostile containers.

Every corpus section is mutated (truncated, lines dropped, duplicated, swapped, replaced by
junk, numbers mangled) with a fixed `random.Random` seed and reparsed through
`parsers.parse_section`: no "parser failed" error, every table keeps its declared schema,
injected junk is counted as unknown lines. Container cases: a bug report with a junk alarm
section, one 20 MB line, broken zips, gzip nested 50 deep, and the CLI on all of them.
"""

from __future__ import annotations

import copy
import dataclasses
import gzip
import json
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import BUGREPORTS, CORPUS, ROOT, corpus_path
from wakescope import parsers
from wakescope.parsers.diagnostics import Diagnostics
from wakescope.parsers.metadata import Metadata
from wakescope.parsers.schemas import all_tables
from wakescope.parsers.section_input import SectionInput
from wakescope.parsers.sections import SECTION_NAMES, Section

SEED = 20240501
STANDALONE = (
    "alarm/pixel-android10.txt", "alarm/samsung-android14-utf16le-bom.txt",
    "alarm/vivo-batch-layout.txt",
    "batterystats/emulator-large.txt", "batterystats/misnamed-text-batterystats.zip",
    "batterystats/motorola-android6.txt", "batterystats/partial-old-crcrlf.txt",
    "batterystats/pixel-sailfish-android8.1.txt", "batterystats/samsung-android9.txt",
    "batterystats/unknown-android5.txt", "batterystats/xiaomi-miro-android15.txt",
    "checkin/pixel7-lynx-android15-checkin.txt", "checkin/samsung-tab-android6-checkin.txt",
    "jobscheduler/android10-job-history-excerpt.txt",
    "jobscheduler/android10-workmanager-job-excerpt.txt",
    "jobscheduler/android11-excerpt-transcribed.txt",
    "jobscheduler/android11-workmanager-job-excerpt.txt",
    "jobscheduler/samsung-android15-utf16le-bom.txt",
)
FILES = (*BUGREPORTS.values(), *STANDALONE)

# Junk lines (the container never hands a parser NUL, CR or a BOM, so none appear here).
GARBAGE = (
    "x" * 100_000,
    "\x01\x02\x07\x1b\x7f\ufffd\x85\u2028\x0b\x0c\x1c binary-ish \xff\xfe\u00e9\u4e2d",
    " " * 37,
    "\t \t\t  ",
    "=:,=:,,==::,=,:" * 20,
    "  key=:value,,=:=, :: ,= :",
    "99999999999999999999999",
    "  -99999999999999999999999 -1 -0 99999999999999999999999",
    "--",
    "  -- -- --",
    "-1",
    "-" * 79,
    "@@ wakescope junk @@ 12 34",
    # Junk in the shape of real lines, with absurd numbers.
    "      +99999999999999999999999ms (2) 100 +r -w wake_lock=u0a99999999999999999999999:\"x\"",
    "9,0,l,99999999999999999999999,-5,--,,",
    "9,h,99999999999999999999999,+r,Bl=-1",
    "9,hsp,99999999999999999999999,-1,\"\"",
    "    Batch{ffff num=-1 start=99999999999999999999999 end=--}:",
    "    RTC_WAKEUP #-1: Alarm{x type 99999999999999999999999 when -- y}",
    "  JOB #u0a-1/99999999999999999999999: 1a2b x.y/z",
    "  u0a99999999999999999999999:",
    "    Wake lock x realtime: 99999999999999999999999h 1m",
)
# Junk that no parser may take for anything: the unknown-line count must grow.
ALIEN = (
    "@@ wakescope junk @@ 12 34",
    "\x01\x02\x07\x1b\x7f\ufffd binary-ish \xff\xfe",
    "x" * 100_000,
    "  ~~ ^^ || \u4e2d\u6587 99999999999999999999999 ~~",
)
NUMBER_JUNK = ("99999999999999999999999", "-1", "--", "", "0", "1,5", "-0",
               "9223372036854775808", "-9223372036854775809")
_DIGITS = re.compile(r"\d+")


# --- mutations: (lines, rng) -> (lines, alien lines inserted) -------------------------------

def _truncate_at_line(lines: list[str], r: random.Random):
    return lines[:r.randrange(len(lines) + 1)], 0


def _truncate_mid_line(lines: list[str], r: random.Random):
    i = r.randrange(len(lines))
    return [*lines[:i], lines[i][:r.randrange(len(lines[i]) + 1)]], 0


def _drop_lines(lines: list[str], r: random.Random):
    out = list(lines)
    for _ in range(max(1, len(out) // 20)):
        if out:
            del out[r.randrange(len(out))]
    return out, 0


def _duplicate_lines(lines: list[str], r: random.Random):
    out = list(lines)
    for _ in range(max(1, len(out) // 50)):
        i = r.randrange(len(out))
        out.insert(i, out[i])
    a = r.randrange(len(out))
    b = min(len(out), a + r.randint(1, 40))
    return out[:b] + out[a:b] + out[b:], 0  # and one block twice


def _swap_blocks(lines: list[str], r: random.Random):
    if len(lines) < 3:
        return lines[::-1], 0
    a, b = sorted(r.sample(range(len(lines)), 2))
    c = r.randrange(b, len(lines) + 1)
    return lines[:a] + lines[b:c] + lines[a:b] + lines[c:], 0


def _replace_with_garbage(lines: list[str], r: random.Random):
    out = list(lines)
    for g in r.sample(GARBAGE, 8):
        out[r.randrange(len(out))] = g
    return out, 0


def _inject_alien(lines: list[str], r: random.Random):
    out = list(lines)
    for g in ALIEN:
        out.insert(r.randrange(len(out) + 1), g)
    return out, len(ALIEN)


def _first_n_lines(lines: list[str], r: random.Random):
    return lines[:r.choice((0, 1, 2, 3, 5, 10, 30, 100, r.randrange(len(lines) + 1)))], 0


def _mangle_numbers(lines: list[str], r: random.Random):
    out = list(lines)
    for _ in range(max(1, len(out) // 15)):
        i = r.randrange(len(out))
        out[i] = _DIGITS.sub(lambda m: r.choice(NUMBER_JUNK) if r.random() < 0.5
                             else m.group(0), out[i])
    return out, 0


MUTATIONS = {f.__name__.lstrip("_"): f for f in (
    _truncate_at_line, _truncate_mid_line, _drop_lines, _duplicate_lines, _swap_blocks,
    _replace_with_garbage, _inject_alien, _first_n_lines, _mangle_numbers)}


# --- fixtures and checks --------------------------------------------------------------------

@pytest.fixture(scope="module")
def captures() -> dict[str, parsers.Capture]:
    """Every corpus file opened once (container stage only)."""
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is absent in this checkout")
    return {rel: parsers.open_capture(CORPUS / rel) for rel in FILES if (CORPUS / rel).exists()}


@pytest.fixture(scope="module")
def base_unknown(captures) -> dict[tuple[str, int], int]:
    """Unknown-line count of each unmutated section, keyed by (file, section index)."""
    out = {}
    for rel, cap in captures.items():
        for i, sec in enumerate(cap.sections):
            c, _ = reparse(cap, sec.name, cap.section_lines(sec), cap.meta, cap.clock)
            out[rel, i] = c.diagnostics.unknown_total(sec.name)
    return out


def reparse(cap: parsers.Capture, name: str, lines: list[str], meta, clock):
    """`parse_section` on `lines` as the whole text of a copy of `cap` (fresh diagnostics)."""
    text = "\n".join(lines)
    copy_ = dataclasses.replace(cap, text=text, sections=[], diagnostics=Diagnostics(),
                                tables={}, meta=copy.deepcopy(meta), clock=clock)
    section = Section(name, 0, len(text), 1, len(lines))
    return copy_, parsers.parse_section(copy_, name, section)


def schema_problems(tables: dict) -> list[str]:
    """Tables that are undeclared, whose leading columns / dtypes differ from the schema, or
    whose datetimes leave years 1000–8999 (Python's datetime and the report need them)."""
    schemas = all_tables()
    out = []
    for name, df in tables.items():
        schema = schemas.get(name)
        if schema is None:
            out.append(f"{name}: not declared in any schema")
            continue
        want = list(schema.schema.items())
        got = list(df.schema.items())[:len(want)]
        if got != want:
            bad = [(w, g) for w, g in zip(want, got, strict=False) if w != g] or [(want, got)]
            out.append(f"{name}: {bad[0][1]} where the schema says {bad[0][0]}")
            continue
        for col, dtype in want:
            if isinstance(dtype, pl.Datetime) and df[col].null_count() < df.height:
                years = df[col].dt.year()
                if not 1000 <= years.min() <= years.max() < 9000:
                    out.append(f"{name}.{col}: years {years.min()}–{years.max()}")
    return out


def failures(cap: parsers.Capture) -> list[str]:
    return [d.message for d in cap.diagnostics.items
            if d.level == "error" and "parser failed" in d.message]


@pytest.mark.parametrize("mutation", list(MUTATIONS))
@pytest.mark.parametrize("kind", SECTION_NAMES)
def test_mutated_sections_parse_totally(captures, base_unknown, kind, mutation):
    """Each corpus section of `kind`, mutated once: no failure, schemas kept, junk counted."""
    problems = []
    n = 0
    for k, (rel, cap) in enumerate(captures.items()):
        for i, sec in enumerate(cap.sections):
            if sec.name != kind:
                continue
            n += 1
            r = random.Random(f"{SEED}:{mutation}:{rel}:{i}")
            lines, aliens = MUTATIONS[mutation](cap.section_lines(sec), r)
            # Half the cases without metadata or clock (a standalone dump of unknown origin).
            meta, clock = (cap.meta, cap.clock) if k % 2 else (Metadata(), None)
            mutated, tables = reparse(cap, kind, lines, meta, clock)
            where = f"{rel} [{kind} #{i}]"
            problems += [f"{where}: {m}" for m in failures(mutated)]
            problems += [f"{where}: {m}" for m in schema_problems(tables)]
            if aliens and mutated.diagnostics.unknown_total(kind) <= base_unknown[rel, i]:
                problems.append(f"{where}: {aliens} junk lines injected, unknown count did not "
                                f"grow ({mutated.diagnostics.unknown_total(kind)})")
    assert n, f"no corpus section of kind {kind}"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", SECTION_NAMES)
def test_empty_and_blank_sections(captures, kind):
    """Empty, blank-only and one-junk-line sections give schema-conformant tables."""
    cap = next(iter(captures.values()))
    for lines in ([""], ["", "   ", "\t"], ["--"], [GARBAGE[0]], ["-" * 79] * 3):
        mutated, tables = reparse(cap, kind, lines, Metadata(), None)
        assert failures(mutated) == []
        assert schema_problems(tables) == []


@pytest.mark.parametrize("name", parsers.SECTION_ORDER)
def test_a_failing_parser_leaves_the_other_sections_whole(monkeypatch, name):
    """`parse_section` is the last line of defence: one parser raising costs only its tables."""
    path = corpus_path(BUGREPORTS["sailfish_10"])
    base = parsers.load(path)

    def boom(inp):
        raise RuntimeError("boom")

    monkeypatch.setattr(parsers.section_parser(name), "parse", boom)
    cap = parsers.load(path)
    assert failures(cap) == ["parser failed: RuntimeError: boom"]
    assert [d.section for d in cap.diagnostics.items if d.level == "error"] == [name]
    own = "batterystats" if name.startswith("batterystats") else name
    for table, frame in base.tables.items():
        if not table.startswith(own) and table != "packages":
            assert cap.tables[table].height == frame.height, table
    assert schema_problems(cap.tables) == []


@pytest.mark.parametrize("rel,after", [
    ("batterystats/misnamed-text-batterystats.zip", "  PID 1554 wake time: +7ms"),
    ("batterystats/motorola-android6.txt",
     "      #16: +1m53s574ms to 73 (screen-off, power-save-off, device-idle-off)"),
], ids=["per-pid-stats", "discharge-steps"])
def test_junk_inside_skipped_human_blocks_is_counted(rel, after):
    cap = parsers.open_capture(corpus_path(rel))
    lines = cap.section_lines(cap.sections[0])
    at = lines.index(after) + 1
    base, _ = reparse(cap, "batterystats", lines, cap.meta, cap.clock)
    junk, _ = reparse(cap, "batterystats", [*lines[:at], "@@ wakescope junk @@ 12 34",
                                            *lines[at:]], cap.meta, cap.clock)
    assert junk.diagnostics.unknown_total("batterystats") == \
        base.diagnostics.unknown_total("batterystats") + 1


# --- integers beyond Python's int() limit (4,300 digits) ------------------------------------



def _huge_digits(lines: list[str], r: random.Random) -> list[str]:
    out = list(lines)
    for _ in range(max(3, len(out) // 10)):
        i = r.randrange(len(out))
        out[i] = _DIGITS.sub(lambda m: "9" * 5000 if r.random() < 0.5 else m.group(0), out[i])
    return out


@pytest.mark.parametrize("kind", ["alarm", "batterystats_checkin", "batterystats",
                                  "jobscheduler"])
def test_digit_runs_beyond_int_limit(captures, kind):
    """`int()` raises on 4,300+ digits and on `²`; parsers must not (they read untrusted text)."""
    problems = []
    for rel, cap in captures.items():
        for i, sec in enumerate(cap.sections):
            if sec.name == kind:
                r = random.Random(f"{SEED}:digits:{rel}:{i}")
                mutated, tables = reparse(cap, kind, _huge_digits(cap.section_lines(sec), r),
                                          cap.meta, cap.clock)
                problems += [f"{rel}: {m[:120]}" for m in failures(mutated)]
                problems += schema_problems(tables)
    assert not problems, "\n".join(problems)


# Minimal inputs that crashed, one per site (all fixed: `parsers/numbers.py` `safe_int`).
ROUTED_CRASHES = [
    ("batterystats", "parsers/batterystats/human_text.py:34 time_ms int()",
     "Statistics since last charge:\n  Mobile radio active time: " + "9" * 5000 + "ms"),
    ("jobscheduler", "parsers/jobscheduler/job_dump.py:158 _source int(user)",
     "  JOB #u0a20/10022: cb89045 com.example/.Svc\n    Source: uid=u0a20 user="
     + "9" * 5000 + " pkg=com.example"),
    ("jobscheduler", "parsers/jobscheduler/ids.py:60 ref_from_match int(id)",
     "  JOB #u0a48/" + "9" * 5000 + ": cb89045 com.example/.Svc"),
    ("jobscheduler", "parsers/jobscheduler/controllers.py:113 tracked int(id)",
     "Alarms: now=271649983\n  #1000/" + "9" * 5000
     + " from 1000: Delay=-3h27m17s69ms, Deadline=+20h32m42s931ms"),
    ("jobscheduler", "parsers/jobscheduler/jobs.py:50 Registered int(count)",
     "Registered " + "9" * 5000 + " jobs:"),
    ("jobscheduler", "parsers/jobscheduler/stats.py:44 Max-concurrency int()",
     "Historical stats at 2026-02-24-17-01-25 (-4h53m9s130ms) over +30m0s314ms:\n"
     "  Max concurrency: " + "9" * 5000 + " total, 1 foreground"),
    ("jobscheduler", "parsers/jobscheduler/stats.py:72 _counters int()",
     "Historical stats at 2026-02-24-17-01-25 (-4h53m9s130ms) over +30m0s314ms:\n"
     "  u0a48 / com.example:\n    " + "9" * 5000 + "x pending"),
]


@pytest.mark.parametrize("kind,site,text", [
    pytest.param(k, s, t, id=s.split(" ")[0].rsplit("/", 1)[1]) for k, s, t in ROUTED_CRASHES
])
def test_routed_crash_repro(kind, site, text):
    """The smallest input found for each crash site (the site is in its id)."""
    inp = SectionInput.from_text(kind, text)
    parsers.section_parser(kind).parse(inp)


# --- container level ------------------------------------------------------------------------

_JUNK_BODY = "\n".join(
    f"@@ junk {i} == :: ,, {'9' * 23} " + ("\x07" if i % 7 == 0 else "") + ("x" * (i % 3) * 500)
    for i in range(300)
)


@pytest.fixture(scope="module")
def junk_alarm_report(captures, tmp_path_factory) -> Path:
    """The Android 9 emulator bug report, its alarm section body replaced by junk, as .txt."""
    rel = BUGREPORTS["emulator_9"]
    if rel not in captures:
        pytest.skip(f"corpus file {rel} not found")
    cap = captures[rel]
    alarm = cap.section("alarm")
    path = tmp_path_factory.mktemp("junk") / "bugreport-junk-alarm.txt"
    path.write_text(cap.text[:alarm.start] + _JUNK_BODY + "\n" + cap.text[alarm.end:],
                    encoding="utf-8")
    return path


def test_junk_section_leaves_the_others_whole(captures, junk_alarm_report):
    original = captures[BUGREPORTS["emulator_9"]]
    jobs_section = original.section("jobscheduler")
    _, want = reparse(original, "jobscheduler", original.section_lines(jobs_section),
                      original.meta, original.clock)
    cap = parsers.load(junk_alarm_report)
    assert [s.name for s in cap.sections] == [s.name for s in original.sections]
    assert failures(cap) == []
    assert cap.diagnostics.unknown_total("alarm") == 300  # every junk line counted
    assert cap.table("alarm_pending").height == 0
    assert cap.clock is None  # the clock came from the alarm section's nowRTC line
    for name, frame in want.items():  # jobscheduler: same rows without the alarm section
        assert cap.table(name).height == frame.height, name
    assert cap.table("jobscheduler_jobs").height == 68
    for name in ("batterystats_summary", "batterystats_history", "batterystats_wakelocks",
                 "batterystats_jobs"):
        assert cap.table(name).height > 0, name
    assert schema_problems(cap.tables) == []


def _measure(path: Path) -> dict:
    """Load `path` in a child process; its outcome and peak RSS growth (KiB) during load.

    The peak is the child's own `VmHWM` (`ru_maxrss` would carry pytest's peak over exec).
    """
    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc/self/status (Linux)")
    code = (
        "import json, re, sys, parsers\n"
        "def hwm():\n"
        "    status = open('/proc/self/status').read()\n"
        "    return int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1))\n"
        "before = hwm()\n"
        "try:\n"
        "    cap = parsers.load(sys.argv[1])\n"
        "    out = {'outcome': 'capture', 'errors': [d.message for d in cap.diagnostics.items"
        " if d.level == 'error'], 'sections': [s.name for s in cap.sections]}\n"
        "except parsers.InputError as exc:\n"
        "    out = {'outcome': 'InputError', 'message': str(exc)}\n"
        "out['growth_kib'] = hwm() - before\n"
        "print(json.dumps(out))\n"
    )
    res = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, cwd=ROOT, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout)


BIG = 20 << 20  # one 20 MB line


@pytest.fixture(scope="module")
def huge_line_files(tmp_path_factory) -> dict[str, Path]:
    """A file that is one 20 MB line; and concatenated dumps with one 20 MB line inside."""
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is absent in this checkout")
    d = tmp_path_factory.mktemp("huge")

    def dump(rel: str) -> str:
        return (CORPUS / rel).read_text(encoding="utf-8", errors="replace").replace("\r", "")

    alarm = dump("alarm/vivo-batch-layout.txt").split("\n")
    checkin = dump("checkin/samsung-tab-android6-checkin.txt").split("\n")
    jobs = dump("jobscheduler/android11-excerpt-transcribed.txt")
    files = {
        "alone": "x" * BIG,
        # A history-shaped line: split into items it would be millions of rows.
        "checkin": "\n".join([*checkin[:5000], "9,h,0," * (BIG // 6), *checkin[5000:]]),
        "alarm": "\n".join([*alarm[:700], "    " + "a=b, c: " * (BIG // 8), *alarm[700:]])
        + "\n" + jobs,
    }
    out = {}
    for name, text in files.items():
        out[name] = d / f"{name}.txt"
        out[name].write_text(text, encoding="utf-8")
    return out


def test_one_line_of_20_mb_alone_is_refused(huge_line_files):
    res = _measure(huge_line_files["alone"])
    assert res["outcome"] == "InputError"
    assert "not an Android bug report" in res["message"]
    assert res["growth_kib"] < 16 * (BIG >> 10)


@pytest.mark.parametrize("name", ["checkin", "alarm"])
def test_one_line_of_20_mb_in_a_dump_is_parsed_in_bounded_memory(huge_line_files, name):
    size = huge_line_files[name].stat().st_size
    res = _measure(huge_line_files[name])
    assert res["outcome"] == "capture" and res["errors"] == []
    # Measured (polars import included): ~10× (checkin, was ~120× before the line cap), ~6×.
    assert res["growth_kib"] < 16 * (size >> 10), res


def test_one_huge_history_line_in_human_batterystats_bounded_memory(tmp_path):
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is absent in this checkout")
    lines = (CORPUS / "batterystats/unknown-android5.txt").read_text(
        encoding="utf-8", errors="replace").replace("\r", "").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("Battery History")) + 5
    path = tmp_path / "batterystats.txt"
    # 20 MB, as above: the fixed cost (polars import and first use, ~65 MB) would exceed
    # 16× a 4 MB file on its own. Uncapped, a 4 MB line took ~630 MB, 20 MB ~3 GB.
    history_line = "      +1ms (2) 100 c0" + " +r" * (BIG // 3)
    path.write_text("\n".join([*lines[:at], history_line, *lines[at:]]), encoding="utf-8")
    size = path.stat().st_size
    res = _measure(path)
    assert res["outcome"] == "capture" and res["errors"] == []
    assert res["growth_kib"] < 16 * (size >> 10), res


_NOW = "nowRTC=1776394973844=2026-04-17 11:02:53.844 nowELAPSED=29499904"


@pytest.mark.parametrize("now", [
    "nowRTC=9223372036854775000=2026-04-17 11:02:53.844 nowELAPSED=29499904",
    "nowRTC=-9223372036854775000=0001-01-01 00:00:00.000 nowELAPSED=-9223372036854775000",
    "nowRTC=1776394973844=2026-04-17 11:02:53.844 nowELAPSED=9223372036854775000",
    "nowRTC=253402300799000=9999-12-31 23:59:59.000 nowELAPSED=29499904",
])
def test_absurd_alarm_clock_is_no_clock(tmp_path, now):
    """A corrupt nowRTC/nowELAPSED anchors nothing (it made the report overflow and panic)."""
    text = corpus_path("alarm/vivo-batch-layout.txt").read_text(encoding="utf-8")
    assert text.count(_NOW) == 1
    path = tmp_path / "alarm.txt"
    path.write_text(text.replace(_NOW, now), encoding="utf-8")
    cap = parsers.load(path)
    assert cap.clock is None and cap.meta.capture_utc is None
    assert cap.table("alarm_pending").height == 173  # as tests/test_alarm_corpus.py: vivo
    assert cap.table("alarm_pending")["when_time"].null_count() == 173  # no clock to map
    assert schema_problems(cap.tables) == []


def test_report_on_an_absurd_clock(tmp_path):
    text = corpus_path("alarm/vivo-batch-layout.txt").read_text(encoding="utf-8")
    path = tmp_path / "alarm.txt"
    path.write_text(text.replace(_NOW, "nowRTC=253402300799000=9999-12-31 23:59:59.000 "
                                       "nowELAPSED=29499904"), encoding="utf-8")
    res = _cli("report", str(path), "--output", str(tmp_path / "report.html"))
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr and (tmp_path / "report.html").exists()


def _zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def bad_containers(tmp_path_factory) -> dict[str, Path]:
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is absent in this checkout")
    d = tmp_path_factory.mktemp("containers")
    alarm = (CORPUS / "alarm/pixel-android10.txt").read_bytes()
    jobs = (CORPUS / "jobscheduler/android11-excerpt-transcribed.txt").read_bytes()
    nested = alarm
    for _ in range(50):
        nested = gzip.compress(nested, compresslevel=1)
    (d / "nested50.gz").write_bytes(nested)
    return {
        "missing_only": _zip(d / "missing-only.zip", {
            "version.txt": "2.0", "main_entry.txt": "bugreport-gone-2024.txt"}),
        "missing_fallback": _zip(d / "missing-fallback.zip", {
            "version.txt": "2.0", "main_entry.txt": "bugreport-gone-2024.txt",
            "dumpstate_log.txt": "dumpstate log, not a bug report\n", "alarm.txt": alarm,
            "FS/data/misc/jobs.txt": jobs}),
        "traversal": _zip(d / "traversal.zip", {
            "../../escape-bugreport.txt": alarm, "main_entry.txt": "../../escape-bugreport.txt",
            "..\\..\\windows-escape.txt": jobs}),
        "nested50": d / "nested50.gz",
    }


def test_main_entry_naming_a_missing_member(bad_containers):
    with pytest.raises(parsers.InputError, match=r"main_entry\.txt names 'bugreport-gone"):
        parsers.open_capture(bad_containers["missing_only"])
    cap = parsers.open_capture(bad_containers["missing_fallback"])
    assert (cap.member, cap.kind) == ("alarm.txt", "alarm")  # not dumpstate_log.txt
    assert any("main_entry.txt names 'bugreport-gone-2024.txt'" in d.message and
               d.level == "warning" for d in cap.diagnostics.items)


def test_member_names_with_dot_dot_are_only_read(bad_containers):
    """Members are read in memory, never extracted: a `../` name reaches no file system."""
    zip_path = bad_containers["traversal"]
    cap = parsers.load(zip_path)
    assert (cap.member, cap.kind) == ("../../escape-bugreport.txt", "alarm")
    assert cap.table("alarm_pending").height == 126  # as tests/test_alarm_corpus.py: pixel_10
    for up in (zip_path.parent, zip_path.parent.parent, zip_path.parent.parent.parent, ROOT):
        assert not (up / "escape-bugreport.txt").exists()


def test_gzip_nested_50_deep_is_refused_without_recursion(bad_containers, tmp_path):
    with pytest.raises(parsers.InputError, match="more than 4 layers deep"):
        parsers.open_capture(bad_containers["nested50"])
    deep = b"x"
    for _ in range(1500):  # beyond Python's recursion limit (was a RecursionError)
        deep = gzip.compress(deep, compresslevel=1)
    (tmp_path / "deep.gz").write_bytes(deep)
    with pytest.raises(parsers.InputError, match="more than 4 layers deep"):
        parsers.open_capture(tmp_path / "deep.gz")


# --- the CLI: exit 0 or 2, one sentence on stderr, never a traceback ------------------------

def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wakescope", *args], capture_output=True,
                          text=True, cwd=ROOT, check=False)


def _one_sentence_each(stderr: str) -> None:
    assert "Traceback" not in stderr
    for line in stderr.strip().splitlines():
        assert line.startswith("wakescope: ") and line.rstrip().endswith("."), line
        assert "internal error" not in line


def test_cli_info_on_hostile_inputs(bad_containers, huge_line_files, junk_alarm_report):
    inputs = [*bad_containers.values(), huge_line_files["alone"], junk_alarm_report]
    res = _cli("info", *map(str, inputs))
    assert res.returncode == 2  # some inputs refused
    _one_sentence_each(res.stderr)
    assert len(res.stderr.strip().splitlines()) == 3  # missing_only, nested50, alone
    assert "bugreport-junk-alarm.txt" in res.stdout and "traversal.zip" in res.stdout


@pytest.mark.parametrize("name", ["missing_only", "missing_fallback", "traversal", "nested50",
                                  "junk_alarm", "alone"])
def test_cli_parse_on_hostile_inputs(bad_containers, huge_line_files, junk_alarm_report,
                                     tmp_path, name):
    path = {"junk_alarm": junk_alarm_report, "alone": huge_line_files.get("alone")}.get(
        name) or bad_containers[name]
    out = tmp_path / "out"
    res = _cli("parse", str(path), "--out", str(out), "--format", "csv")
    assert res.returncode in (0, 2), res.stderr
    _one_sentence_each(res.stderr)
    if res.returncode == 0:
        assert (out / "capture.json").exists()
        assert all(p.parent == out for p in out.rglob("*"))  # nothing outside --out
    else:
        assert len(res.stderr.strip().splitlines()) == 1
