"""What every pass gets (`Context`) and the helpers passes share to build findings."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

from wakescope.analyzer.format import duration_words as fmt_ms  # noqa: F401 (passes' wording)
from wakescope.analyzer.knowledge import RuleSet
from wakescope.analyzer.model import DAY_MS, HOUR_MS, SEVERITIES, Periods  # noqa: F401
from wakescope.parsers.capture import Capture
from wakescope.parsers.uid import PER_USER_RANGE, format_uid

FIRST_APP = 10_000


def uid_text(uid: int | None) -> str:
    return "?" if uid is None else format_uid(int(uid))


def is_app(uid: int | None) -> bool:
    return uid is not None and uid % PER_USER_RANGE >= FIRST_APP


def app_uid_expr(col: str = "uid") -> pl.Expr:
    return (pl.col(col) % PER_USER_RANGE) >= FIRST_APP


def crosses(value: float, bound: float, comparison: str) -> bool:
    return value > bound if comparison == ">" else value >= bound


def level(value: float | None, threshold: dict) -> str | None:
    """The highest severity whose bound `value` crosses (threshold['severity'] ladder);
    None when the value does not cross the threshold's own `value`."""
    if value is None:
        return None
    ladder = threshold.get("severity", {})
    comparison = threshold.get("comparison", ">=")
    if isinstance(threshold.get("value"), int | float) and not crosses(
            value, threshold["value"], comparison):
        return None
    for sev in SEVERITIES:
        bound = ladder.get(sev)
        if isinstance(bound, int | float) and crosses(value, bound, comparison):
            return sev
    return None


def lower(severity: str, cap: str) -> str:
    """The milder of two severities."""
    return SEVERITIES[max(SEVERITIES.index(severity), SEVERITIES.index(cap))]


@dataclass
class Context:
    """What every pass gets: the capture, the attributed tables and the knowledge."""

    cap: Capture
    tables: dict[str, pl.DataFrame]
    rules: RuleSet
    periods: Periods
    names: pl.DataFrame                  # app_id → name / shared / packages
    notes: list[str] = field(default_factory=list)

    def table(self, name: str) -> pl.DataFrame:
        df = self.tables.get(name)
        return df if df is not None else self.cap.table(name)

    def has(self, name: str, *cols: str) -> bool:
        df = self.tables.get(name)
        return df is not None and df.height > 0 and all(c in df.columns for c in cols)

    def indexed(self, name: str) -> pl.DataFrame:
        """The table with a `_row` column: the row's position, which evidence points at."""
        return self.table(name).with_row_index("_row")

    def threshold(self, name: str) -> dict:
        return self.rules.thresholds[name]

    def window_ms(self, threshold: dict) -> int | None:
        """Time on battery (ms) for a pass that rates over it; None when there is none (short
        windows are graded by the scope, passes.scope)."""
        return self.periods.battery_ms or None

    def wording(self, group: str) -> dict:
        return self.rules.wording.get(group, {})

    @cached_property
    def history_timeline(self):
        """The battery history timeline (passes.history.timeline), computed once."""
        from wakescope.analyzer.passes.history import timeline

        h = self.indexed("batterystats_history")
        if h.is_empty() or "api" not in h.columns:
            return None
        return h, timeline(h)

    @cached_property
    def history_longwakes(self) -> pl.DataFrame:
        """`+longwake` intervals (passes.history_intervals.longwakes) of the timeline's
        history, computed once (both wakelock checks read them); empty without a history."""
        from wakescope.analyzer.passes.history_intervals import longwakes

        h, tl = self.history_timeline or (None, None)
        if tl is None:
            return pl.DataFrame()
        return longwakes(self.table("history_intervals"), h)

    @cached_property
    def name_map(self) -> dict[int, str]:
        return dict(zip(self.names["app_id"].to_list(), self.names["name"].to_list(),
                        strict=True))

    def package_of(self, uid: int | None) -> str | None:
        if uid is None:
            return None
        return self.name_map.get(int(uid) % PER_USER_RANGE)

    def finding(self, *, kind: str, severity: str, package: str | None, uid: int | None,
                api: str | None, metric: str, value: float | None, unit: str,
                threshold: str | None, basis: str, detail: str, evidence: list[dict],
                recommendation_id: str | None, title: str, key: str = "",
                threshold_value: float | None = None,
                energy_mah: float | None = None, window_ms: int | None = None,
                scaled: bool = False) -> dict:
        """One finding row (analyzer.tables.FINDINGS), threshold and recommendation text
        filled from the knowledge file."""
        t = self.rules.thresholds.get(threshold or "", {})
        rec = self.rules.recommendation(recommendation_id)
        ident = hashlib.sha1(f"{kind}|{uid}|{package}|{key}".encode()).hexdigest()[:10]
        return {
            "id": f"{kind}:{package or uid_text(uid)}:{ident}",
            "severity": severity, "kind": kind, "title": title,
            "package": package, "uid": uid, "api": api, "metric": metric,
            "value": None if value is None else float(value), "unit": unit,
            "threshold": threshold_value if threshold_value is not None else t.get("value"),
            "threshold_source": t.get("source"),
            "basis": basis, "detail": detail,
            "evidence": json.dumps(evidence, default=str),
            "recommendation_id": recommendation_id if rec else None,
            "recommendation": rec.get("text"), "doc_url": rec.get("doc_url"),
            "energy_mah": None if energy_mah is None else float(energy_mah),
            "window_ms": None if window_ms is None else int(window_ms), "scaled": bool(scaled),
            "who": None,
        }


def evidence(table: str, filter_text: str, rows: list[int] | pl.Series, **extra) -> dict:
    """One evidence item: the table, a readable filter, and the row positions used."""
    # Sorted: group_by order is not stable, and outputs must be the same run to run.
    rows = sorted(rows.to_list() if isinstance(rows, pl.Series) else list(rows))
    item = {"table": table, "filter": filter_text, "rows": [int(r) for r in rows[:500]]}
    if len(rows) > 500:
        item["rows_total"] = len(rows)
    item.update(extra)
    return item


def summary_evidence(ctx: Context, column: str) -> dict:
    """Evidence for a normalisation period read from batterystats_summary."""
    return evidence("batterystats_summary", f"first row, column {column}", [0])


def dominant(values: dict[str, float]) -> str | None:
    """The key with the largest value (ties: first)."""
    return max(values, key=values.get) if values else None
