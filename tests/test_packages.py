"""The package layout holds (docs/packages.md): imports only go down, one top-level package,
`python -m wakescope` works, and the README's library lines run as written."""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES

# Folder → import name (pyproject `package-dir`).
PACKAGE_DIRS = (("analyzer/face", "wakescope"), ("analyzer", "wakescope.analyzer"),
                ("parsers", "wakescope.parsers"))
CORE = {"model", "format", "knowledge", "tables", "attribution", "passes", "analysis"}
WINGS = {"report", "batch", "cli", "pipeline"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).as_posix()
    for folder, name in PACKAGE_DIRS:
        if rel.startswith(folder + "/"):
            parts = [p for p in Path(rel[len(folder) + 1:]).with_suffix("").parts
                     if p != "__init__"]
            return ".".join([name, *parts])
    raise AssertionError(rel)


def _modules() -> dict[str, Path]:
    files = [*ROOT.glob("analyzer/**/*.py"), *ROOT.glob("parsers/**/*.py")]
    return {_module_name(p): p for p in sorted(files)}


def _imports(path: Path, known: set[str]) -> set[str]:
    """Every wakescope module `path` imports, at any depth (function-level ones too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("wakescope")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("wakescope"):
            for alias in node.names:  # `from wakescope import parsers` imports a package
                sub = f"{node.module}.{alias.name}"
                out.add(sub if sub in known else node.module)
    return out


def _unit(module: str) -> str:
    """The layer a module belongs to: `parsers`, `face`, or `analyzer.<sub-package>`."""
    parts = module.split(".")
    if parts[:2] == ["wakescope", "parsers"]:
        return "parsers"
    if parts[:2] == ["wakescope", "analyzer"] and len(parts) > 2:
        return "analyzer." + parts[2]
    return "face" if len(parts) == 1 else "analyzer"


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    """module → the wakescope modules it imports."""
    mods = _modules()
    return {m: _imports(p, set(mods)) for m, p in mods.items()}


def test_the_graph_sees_the_known_edges(graph):
    # guards the parser: these imports exist in the code and must be found
    assert "wakescope.analyzer.model" in graph["wakescope.analyzer.report.facts"]
    assert "wakescope.parsers" in graph["wakescope.analyzer.analysis"]
    assert "wakescope.analyzer.pipeline" in graph["wakescope.analyzer.batch.worker"]


def test_parsers_never_import_the_analyzer(graph):
    bad = [(m, i) for m, imps in graph.items() if _unit(m) == "parsers"
           for i in imps if _unit(i) != "parsers"]
    assert bad == []


def test_core_never_imports_a_wing(graph):
    bad = [(m, i) for m, imps in graph.items()
           if _unit(m).removeprefix("analyzer.") in CORE
           for i in imps if _unit(i).removeprefix("analyzer.") in WINGS]
    assert bad == []


def test_no_cycles_between_analyzer_subpackages(graph):
    edges: dict[str, set[str]] = defaultdict(set)
    for m, imps in graph.items():
        for i in imps:
            a, b = _unit(m), _unit(i)
            if a != b and a.startswith("analyzer.") and b.startswith("analyzer."):
                edges[a].add(b)
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            assert state.get(nxt) != 1, "import cycle: " + " → ".join([*path, node, nxt])
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [])


def _readme_library_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## As a library"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_library_lines_run_as_written(tmp_path, monkeypatch):
    code = _readme_library_block()
    assert "import wakescope" in code and "wakescope.load(" in code \
        and "wakescope.analyse(" in code
    # The README's file names, pointed at the sample bug report and a temporary folder.
    (tmp_path / "bugreport.zip").write_bytes((SAMPLES / "bugreport-sample.zip").read_bytes())
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(code, "README.md", "exec"), ns)  # our own README, run as written
    cap, result = ns["cap"], ns["result"]
    # [ro.build.version.sdk]: [34] and [ro.product.device]: [nova5] in the sample's props
    assert (cap.meta.sdk, cap.meta.device) == (34, "nova5")
    high = result.findings.filter(severity="high")
    assert high.height == 4  # tests/golden/bugreport-sample.zip.toml: the four reviewed highs
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    for pkg in high.get_column("package"):
        assert pkg in html


def test_python_m_wakescope_help():
    r = subprocess.run([sys.executable, "-m", "wakescope", "--help"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    for command in ("report", "parse", "info", "batch", "tables"):
        assert command in r.stdout


def test_wheel_holds_only_wakescope(tmp_path):
    # Built from a copy of the sources: a stale build/ folder must not leak into the wheel.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("analyzer", "parsers"):
        shutil.copytree(ROOT / name, src / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q",
           "-w", str(tmp_path / "dist")]
    if importlib.util.find_spec("wheel") and importlib.util.find_spec("setuptools"):
        cmd += ["--no-build-isolation", "--no-index"]  # offline, with the test extras
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    wheels = list((tmp_path / "dist").glob("wakescope-*.whl"))
    if r.returncode != 0 or not wheels:  # no build backend and no network: nothing to check
        pytest.skip(f"cannot build a wheel here: {r.stderr.strip()[-300:]}")
    names = zipfile.ZipFile(wheels[0]).namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"wakescope"}
    assert "wakescope/__main__.py" in names
    assert "wakescope/analyzer/knowledge/recommendations.toml" in names
    assert "wakescope/analyzer/report/templates/report.html.j2" in names
    assert "wakescope/parsers/caveats.py" in names
