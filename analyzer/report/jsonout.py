"""The JSON output: findings, apps, metadata, period, coverage and diagnostics as plain data
(numbers stay numbers, NaN becomes null, evidence is parsed back into objects)."""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any

from wakescope.analyzer.report import facts

SCHEMA_VERSION = 1


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _rows(frame) -> list[dict]:
    return [] if frame is None or frame.is_empty() else frame.to_dicts()


def analysis_json(analysis: Any) -> dict:
    """One JSON-ready dict per analysis (`json.dumps` works on it without `default`)."""
    from wakescope import __version__

    cap = getattr(analysis, "capture", None)
    meta = getattr(cap, "meta", None)
    findings = _rows(facts.sorted_findings(analysis))
    for f in findings:
        raw = f.get("evidence")
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                f["evidence"] = json.loads(raw)
    head = facts.header(analysis)
    diags = []
    d = getattr(cap, "diagnostics", None)
    if d is not None:
        diags = [x.as_dict() if hasattr(x, "as_dict") else dict(vars(x)) for x in d.summary()]
    sections = [s.as_dict() if hasattr(s, "as_dict") else {"name": getattr(s, "name", None)}
                for s in (getattr(cap, "sections", None) or [])]
    return _clean({
        "schema_version": SCHEMA_VERSION,
        "wakescope_version": __version__,
        "input": {"source": getattr(cap, "source", None), "kind": getattr(cap, "kind", None),
                  "container": getattr(cap, "container", None),
                  "member": getattr(cap, "member", None)},
        "caveats": facts.caveats(analysis),
        "metadata": meta.as_dict() if hasattr(meta, "as_dict") else {},
        "period": {k: v for k, v in head.as_dict().items()
                   if k not in ("title", "severity_counts")},
        "severity_counts": head.severity_counts,
        "coverage": getattr(analysis, "coverage", None) or {},
        "findings": findings,
        "apps": _rows(facts.sorted_apps(analysis)),
        "sections": sections,
        "diagnostics": diags,
    })
