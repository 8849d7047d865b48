"""`python -m build` gives a wheel and an sdist; the sdist holds what its own tests need
(tests/, sample_logs/, docs/, benchmarks/, LICENSE) and those tests pass from the unpacked
sdist against the built wheel (the corpus tests skip there: no ../shared beside it)."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

# A quick, representative part of the suite: CLI conventions, JSON schemas, the report,
# the docs check. (The full suite would run too; this keeps CI under its budget.)
SDIST_TESTS = ["tests/test_conventions.py", "tests/test_docs.py", "tests/test_container.py"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    pytest.importorskip("build")
    dist = tmp_path_factory.mktemp("dist")
    # --no-isolation: the test extra installs setuptools>=77 here (no download in the test)
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir",
                           str(dist), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return dist


def test_build_gives_a_wheel_and_an_sdist_with_license_and_types(built):
    from wakescope import __version__

    sdist = built / f"wakescope-{__version__}.tar.gz"
    wheel = built / f"wakescope-{__version__}-py3-none-any.whl"
    assert sorted(p.name for p in built.iterdir()) == sorted([sdist.name, wheel.name])
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(f"wakescope-{__version__}.dist-info/METADATA").decode()
    assert {"wakescope/py.typed", "wakescope/__init__.py", "wakescope/analyzer/cli/app.py",
            "wakescope/analyzer/knowledge/apis.toml",
            "wakescope/analyzer/report/templates/print.js.j2",
            f"wakescope-{__version__}.dist-info/licenses/LICENSE"} <= names
    assert "License-Expression: Apache-2.0" in meta
    assert "Provides-Extra: parquet" not in meta
    assert "Requires-Dist: typer<0.29,>=0.12" in meta
    assert "bokeh" in meta  # the distributed extra serves Dask's dashboard
    with tarfile.open(sdist) as t:
        members = {m.name.split("/", 1)[1] for m in t.getmembers() if "/" in m.name}
    assert {"LICENSE", "pyproject.toml", "MANIFEST.in", "tests/conftest.py",
            "tests/test_conventions.py", "sample_logs/bugreport-sample.zip",
            "docs/tables.md", "docs/schemas/report.schema.json",
            "benchmarks/__init__.py"} <= members


def test_sdist_tests_run_from_the_unpacked_sdist(built, tmp_path):
    from wakescope import __version__

    with tarfile.open(built / f"wakescope-{__version__}.tar.gz") as t:
        t.extractall(tmp_path, filter="data")
    src = tmp_path / f"wakescope-{__version__}"
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                           "--no-index", "--target", str(site),
                           str(built / f"wakescope-{__version__}-py3-none-any.whl")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("WAKESCOPE_CORPUS", "PYTHONPATH")}
    env["PYTHONPATH"] = str(site)  # the wheel's wakescope, not this checkout's
    where = subprocess.run([sys.executable, "-c", "import wakescope; print(wakescope.__file__)"],
                           capture_output=True, text=True, env=env, cwd=src, timeout=60)
    assert where.stdout.strip() == str(site / "wakescope" / "__init__.py")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-m", "not slow", "-rs", *SDIST_TESTS],
                          capture_output=True, text=True, env=env, cwd=src, timeout=600)
    tail = done.stdout[-4000:]
    assert done.returncode == 0, tail + done.stderr[-2000:]
    assert " passed" in tail and " failed" not in tail
