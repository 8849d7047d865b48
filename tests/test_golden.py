"""Golden findings: for every corpus input and sample, tests/golden/<name>.toml holds the
reviewed expected findings (id, kind, package, severity, key figure) with one line each
saying why it is right, citing the raw dump line. A finding that appears, vanishes,
changes severity or changes its key figure fails here: updating a golden file is a review
(write the new `why`), not a regeneration."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest

from tests.conftest import CORPUS, SAMPLES
from wakescope import parsers
from wakescope.analyzer.analysis import analyse

GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLE_INPUTS = ("alarm.txt", "batterystats-checkin.txt", "batterystats.txt",
                 "bugreport-sample-android12.zip", "bugreport-sample-android16.zip",
                 "bugreport-sample.zip", "jobscheduler.txt")


def _corpus_inputs() -> list[str]:
    if not CORPUS.exists():
        return []
    return sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*")
                  if p.is_file() and p.name not in ("README.md", "SHA256SUMS"))


def _cases() -> list:
    out = [pytest.param(f"sample_logs/{n}", id=n) for n in SAMPLE_INPUTS]
    out += [pytest.param(rel, id=Path(rel).name) for rel in _corpus_inputs()]
    return out


def _path(rel: str) -> Path:
    if rel.startswith("sample_logs/"):
        return SAMPLES / rel.removeprefix("sample_logs/")
    path = CORPUS / rel
    if not path.exists():
        pytest.skip(f"corpus file {rel} not found: ../shared/corpus is absent")
    return path


def _same(a: float | None, b: float) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return isinstance(b, float) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-4)


@pytest.mark.parametrize("rel", _cases())
def test_findings_match_the_reviewed_golden_file(rel):
    golden = GOLDEN / f"{Path(rel).name}.toml"
    assert golden.exists(), f"no reviewed golden findings for {rel} ({golden.name})"
    doc = tomllib.loads(golden.read_text(encoding="utf-8"))
    assert doc["input"] == rel
    expected = {e["id"]: e for e in doc.get("finding", [])}
    for e in expected.values():
        assert e["why"].strip() and "line " in e["why"], f"{e['id']}: `why` must cite a line"
    res = analyse(parsers.load(_path(rel)))
    actual = {r["id"]: r for r in res.findings.iter_rows(named=True)}
    appeared = sorted(set(actual) - set(expected))
    vanished = sorted(set(expected) - set(actual))
    assert not appeared, f"findings not in {golden.name}: " + "; ".join(
        f"{i} {actual[i]['severity']} {actual[i]['title']}" for i in appeared)
    assert not vanished, f"findings of {golden.name} gone: " + "; ".join(
        f"{i} {expected[i]['title']}" for i in vanished)
    changed = [(i, e["severity"], actual[i]["severity"], e["value"], actual[i]["value"])
               for i, e in expected.items()
               if e["severity"] != actual[i]["severity"]
               or not _same(actual[i]["value"], float(e["value"]))
               or e["kind"] != actual[i]["kind"]
               or (e["package"] or None) != actual[i]["package"]]
    assert not changed, f"changed against {golden.name} (id, was, now, value was, now): {changed}"


def test_every_golden_file_has_an_input():
    names = {Path(rel).name for rel in _corpus_inputs()} | set(SAMPLE_INPUTS)
    if not _corpus_inputs():
        pytest.skip("../shared/corpus is absent")
    assert sorted(p.name.removesuffix(".toml") for p in GOLDEN.glob("*.toml")) == sorted(names)
