"""Load and analyse the inputs of a diff (BASE first), then compare BASE with each NEW."""

from __future__ import annotations

from pathlib import Path

from wakescope.analyzer.report.diff import Comparison, compare


def diff_inputs(paths: list[str], labels: list[str] | None = None, *, redact: bool = True,
                rules: Path | None = None) -> list[Comparison]:
    """Parse and analyse every input, compare the first with each of the others.

    Raises `parsers.InputError` (one sentence) when an input is not an Android dump.
    """
    from wakescope import parsers
    from wakescope.analyzer.analysis import analyse

    labels = labels or [Path(p).name for p in paths]
    analyses = [analyse(parsers.load(p, redact=redact), rules=rules) for p in paths]
    base = analyses[0]
    return [compare(base, other, labels[0], label)
            for other, label in zip(analyses[1:], labels[1:], strict=True)]
