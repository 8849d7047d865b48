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


_APP_KEYS = ("package", "uid", "mah", "share", "by_resource", "by_api", "cpu_ms",
             "partial_wakelock_ms", "method")


def energy_json(energy: dict | None) -> dict | None:
    """JSON `energy`: headline, total_mah, source, components, apps, caveats, screen_off."""
    if not energy:
        return None
    keys = ("headline", "total_mah", "source", "source_words", "model", "modelled_mah",
            "computed_drain_mah", "components", "caveats", "screen_off")
    out = {k: energy.get(k) for k in keys}
    out["apps"] = [{k: a.get(k) for k in _APP_KEYS} for a in energy.get("apps") or []]
    return out


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
        "metadata": meta.as_dict() if hasattr(meta, "as_dict") else {},
        "period": {k: v for k, v in head.as_dict().items()
                   if k not in ("title", "severity_counts")},
        "severity_counts": head.severity_counts,
        "coverage": getattr(analysis, "coverage", None) or {},
        "findings": findings,
        "apps": _rows(facts.sorted_apps(analysis)),
        "energy": energy_json(getattr(analysis, "energy", None)),
        "sections": sections,
        "diagnostics": diags,
    })
