"""Shared fixtures: the real corpus (skipped with a reason when absent) and sample logs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# WAKESCOPE_CORPUS points elsewhere (a git worktree has no ../shared beside it).
CORPUS = Path(os.environ.get("WAKESCOPE_CORPUS") or ROOT / ".." / "shared" / "corpus").resolve()
SAMPLES = ROOT / "sample_logs"

BUGREPORTS = {
    "meizu_7_1": "bugreports/bugreport-meizu-mx6-NMF26O-android7.1.1.zip",
    "sailfish_8_1": "bugreports/bugreport-sailfish-OPM1.171019.021-2018-04-02-17-06-30.zip",
    "emulator_9": "bugreports/bugreport-sdk_gphone_x86-PSR1.180720.075-emulator-android9.zip",
    "sailfish_10": "bugreports/bugreport-sailfish-QP1A.191005.007.A3-2020-01-08-15-30-07.zip",
}


def corpus_path(rel: str) -> Path:
    """A corpus file's path, skipping the test when the corpus is not beside the project."""
    path = CORPUS / rel
    if not path.exists():
        pytest.skip(f"corpus file {rel} not found: ../shared/corpus is absent in this checkout")
    return path


@pytest.fixture(scope="session")
def corpus():
    """Callable fixture: `corpus("alarm/pixel-android10.txt")` → Path (or skip)."""
    return corpus_path
