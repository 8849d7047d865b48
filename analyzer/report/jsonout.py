"""The JSON output: findings, apps, metadata, period, coverage and diagnostics as plain data
(numbers stay numbers, NaN becomes null, evidence is parsed back into objects)."""

from __future__ import annotations

import contextlib
import json
import math
from datetime import date, time
from typing import Any

from wakescope.analyzer.model import Analysis
from wakescope.analyzer.report import facts

SCHEMA_VERSION = 1


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, date | time):  # datetime is a date
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


def analysis_json(analysis: Analysis) -> dict:
    """One JSON-ready dict per analysis (`json.dumps` works on it without `default`)."""
    from wakescope import __version__

    cap = analysis.capture
    findings = _rows(facts.sorted_findings(analysis))
    for f in findings:
        raw = f.get("evidence")
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                f["evidence"] = json.loads(raw)
    head = facts.header(analysis)
    return _clean({
        "schema_version": SCHEMA_VERSION,
        "wakescope_version": __version__,
        "input": {"source": cap.source, "kind": cap.kind, "container": cap.container,
                  "member": cap.member},
        "caveats": facts.caveats(analysis),
        "metadata": cap.meta.as_dict(),
        "period": {k: v for k, v in head.as_dict().items()
                   if k not in ("title", "severity_counts")},
        "severity_counts": head.severity_counts,
        "coverage": analysis.coverage,
        "findings": findings,
        "apps": _rows(facts.sorted_apps(analysis)),
        "energy": energy_json(analysis.energy),
        "sections": [s.as_dict() for s in cap.sections],
        "diagnostics": cap.diagnostics.as_list(),
    })
