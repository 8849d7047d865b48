"""The facts every output shares (header figures, sorted findings, top apps), computed once
from an Analysis so HTML, Markdown and JSON never disagree.

Reads an `analyzer.model.Analysis` by its typed fields; every table may be missing or
empty, so a standalone dump still gets the parts it can.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from wakescope.analyzer.format import fmt_ms, fmt_num, fmt_offset, fmt_value  # noqa: F401
from wakescope.analyzer.model import SEVERITIES, SEVERITY_RANK, Analysis, at_least
from wakescope.analyzer.plans import ENGINE
from wakescope.parsers.diagnostics import BLIND


def table(analysis: Analysis, name: str) -> pl.DataFrame:
    """A table of the analysis (attributed where the analysis did so), else the capture's,
    else an empty frame (a standalone dump lacks most tables)."""
    frame = analysis.tables.get(name)
    if frame is None:
        frame = analysis.capture.tables.get(name)
    return frame if frame is not None else pl.DataFrame()


INPUT_LABELS = {
    "bugreport": "bug report", "dumpsys": "dumpsys output",
    "concatenated": "set of dumps", "batterystats": "dumpsys batterystats dump",
    "batterystats_checkin": "batterystats checkin dump", "jobscheduler":
    "dumpsys jobscheduler dump", "alarm": "dumpsys alarm dump",
}


def input_label(kind: str | None) -> str:
    return INPUT_LABELS.get(kind or "", kind or "input")


def app_label(package: str | None, uid: int | None) -> str:
    """A row's owner for humans: the package, else `uid N`, else `device`."""
    if package:
        return package
    if uid is not None:
        return f"uid {uid}"
    return "device"


# ---------------------------------------------------------------------------------------
# Header facts.
# ---------------------------------------------------------------------------------------


@dataclass
class Header:
    """What the report's first lines say about the device and the stats period."""

    title: str
    device: str
    manufacturer: str | None
    model: str | None
    build: str | None
    fingerprint: str | None
    release: str | None
    sdk: int | None
    capture_local: str | None
    utc_offset: str
    capture_utc: str | None
    source: str | None
    kind: str | None
    input_label: str
    period_ms: int | None
    period_start_local: str | None
    start_level: int | None
    end_level: int | None
    drop_pct: int | None
    screen_on_ms: int | None
    screen_off_ms: int | None
    screen_on_drop_pct: int | None
    screen_off_drop_pct: int | None
    screen_on_rate: float | None   # % per hour
    screen_off_rate: float | None  # % per hour
    discharge_mah: float | None
    severity_counts: dict[str, int] = field(default_factory=dict)
    # The on-battery session (passes/session.py): JSON `period` contract.
    on_battery_ms: int | None = None
    min_level: int | None = None
    discharge_pct: dict | None = None          # {"lower": …, "upper": …} (platform range)
    levels_source: str | None = None
    screen_off_drain: float | None = None
    screen_off_drain_unit: str | None = None   # "mAh" (coulomb counter) or "%" (level steps)
    screen_off_drain_source: str | None = None
    battery_words: str | None = None           # "107–115 % used (level 100% → 43% …)"

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def _rate(pct: int | None, ms: int | None) -> float | None:
    if pct is None or not ms or ms < 60_000:
        return None
    return pct / (ms / 3_600_000)


def header(analysis: Analysis) -> Header:
    """Device, build, capture time, stats period, battery drop and drain rates: built once
    per analysis (`Analysis.memo`), each output of a run reads the same one."""
    head = analysis.memo.get("header")
    if head is None:
        head = analysis.memo["header"] = _header(analysis)
    return head


def _header(analysis: Analysis) -> Header:
    """`header`, built from the analysis' tables."""
    from wakescope.analyzer.passes.session import battery_session, first_value

    cap = analysis.capture
    meta = cap.meta

    summary = table(analysis, "batterystats_summary")
    # Prefer the human row (it carries the levels) but fill gaps from any row.
    if not summary.is_empty() and "source" in summary.columns:
        summary = summary.sort(pl.col("source") != "human")
    g = lambda col: first_value(summary, col)  # noqa: E731

    manufacturer, model, device = meta.manufacturer, meta.model, meta.device
    name = " ".join(x for x in (manufacturer, model) if x) or device or "Unknown device"
    if device and device not in name:
        name += f" ({device})"

    period = analysis.period_ms
    if period is None:
        period = g("battery_realtime_ms") or g("total_realtime_ms")
    battery_ms = g("battery_realtime_ms")
    off_ms = g("screen_off_realtime_ms")
    on_ms = battery_ms - off_ms if battery_ms is not None and off_ms is not None else None
    session = battery_session(lambda n: table(analysis, n))
    start, end = session.start_level, session.end_level
    if start is None:
        start, end = g("start_level"), g("end_level")
    # The OS's own discharge figure counts only time on battery; start → end levels can
    # hide it when the device charged before the capture.
    drop = g("discharge_pct")
    if drop is None and start is not None and end is not None:
        drop = start - end
    on_pct, off_pct = g("discharge_screen_on_pct"), g("discharge_screen_off_pct")

    findings = analysis.findings
    counts = {s: 0 for s in SEVERITIES}
    if not findings.is_empty() and "severity" in findings.columns:
        for sev, n in findings.group_by("severity").len().iter_rows():
            counts[sev if sev in counts else "info"] = counts.get(sev, 0) + n

    start_local = g("start_local")
    capture_local = meta.capture_local
    return Header(
        title=f"Battery report: {name}",
        device=name,
        manufacturer=manufacturer,
        model=model,
        build=meta.build_id or meta.build_display,
        fingerprint=meta.fingerprint,
        release=meta.release,
        sdk=meta.sdk,
        capture_local=capture_local.replace("T", " ") if capture_local else None,
        utc_offset=_zone_words(meta.timezone, meta.utc_offset_min, capture_local),
        capture_utc=meta.capture_utc,
        source=cap.source,
        kind=cap.kind,
        input_label=input_label(cap.kind),
        period_ms=period,
        period_start_local=str(start_local)[:19] if start_local is not None else None,
        start_level=start,
        end_level=end,
        drop_pct=drop,
        screen_on_ms=on_ms,
        screen_off_ms=off_ms,
        screen_on_drop_pct=on_pct,
        screen_off_drop_pct=off_pct,
        screen_on_rate=_rate(on_pct, on_ms),
        screen_off_rate=_rate(off_pct, off_ms),
        discharge_mah=g("discharge_mah"),
        severity_counts=counts,
        on_battery_ms=session.on_battery_ms,
        min_level=session.min_level,
        discharge_pct=session.discharge_pct,
        levels_source=session.levels_source,
        screen_off_drain=session.screen_off_drain,
        screen_off_drain_unit=session.screen_off_drain_unit,
        screen_off_drain_source=session.screen_off_drain_source,
        battery_words=session.words(),
    )


def caveats(analysis: Analysis) -> list[dict]:
    """The diagnostics that qualify the whole capture (cut off, never on battery, emulator…),
    warnings first: every output shows them above the findings."""
    return [{"code": d.code, "level": d.level, "section": d.section, "message": d.message,
             "line": d.line} for d in analysis.capture.diagnostics.caveats()]


def blind_reasons(analysis: Analysis) -> list[str]:
    """Why "no findings" is no all-clear here (a truncated or never-on-battery capture);
    empty when it is one."""
    return [d.message for d in analysis.capture.diagnostics.caveats() if d.code in BLIND]


# ---------------------------------------------------------------------------------------
# Findings and apps, ordered for reading.
# ---------------------------------------------------------------------------------------


def sorted_findings(analysis: Analysis) -> pl.DataFrame:
    """Findings worst first (severity, then the energy a finding explains, then the larger
    figure relative to its threshold)."""
    f = analysis.findings
    if f.is_empty():
        return f
    cols = f.columns
    rank = pl.col("severity").replace_strict(SEVERITY_RANK, default=len(SEVERITIES),
                                             return_dtype=pl.Int32)
    if "value" in cols and "threshold" in cols:
        ratio = (pl.col("value") / pl.col("threshold")).fill_nan(None)
    elif "value" in cols:
        ratio = pl.col("value")
    else:
        ratio = pl.lit(0.0)
    energy = pl.col("energy_mah") if "energy_mah" in cols else pl.lit(None, pl.Float64)
    return (f.lazy().with_columns(_rank=rank, _energy=energy, _ratio=ratio.cast(pl.Float64))
             # Stable: equal findings keep the analysis' order (its sort ends on kind, id).
             .sort(["_rank", "_energy", "_ratio"], descending=[False, True, True],
                   nulls_last=True, maintain_order=True)
             .drop("_rank", "_energy", "_ratio").collect(engine=ENGINE))


def sorted_apps(analysis: Analysis) -> pl.DataFrame:
    """Apps with findings first (worst severity), then by power share and wakelock time."""
    a = analysis.apps
    if a.is_empty():
        return a
    keys, desc = [], []
    if "worst_severity" in a.columns:
        keys.append(pl.col("worst_severity").replace_strict(
            SEVERITY_RANK, default=len(SEVERITIES), return_dtype=pl.Int32))
        desc.append(False)
    for col in ("power_mah", "partial_wakelock_ms", "wakeup_alarms", "job_ms"):
        if col in a.columns:
            keys.append(pl.col(col))
            desc.append(True)
    # Stable: equal apps keep the apps table's order (its sort ends on the package).
    return a.sort(keys, descending=desc, nulls_last=True, maintain_order=True) if keys else a


def severity_at_least(findings: pl.DataFrame, level: str) -> int:
    """How many findings are at `level` or worse (for `--fail-on`)."""
    if findings.is_empty() or "severity" not in findings.columns:
        return 0
    return sum(1 for s in findings.get_column("severity").to_list() if at_least(s, level))


def _zone_words(zone: str | None, offset_min: int | None, local: str | None) -> str:
    """The zone a device-local time is in: `UTC−07:00 (America/Los_Angeles)`, `UTC+08:00`,
    or that it is unknown."""
    off = fmt_offset(offset_min)
    if off:
        return f"{off} ({zone})" if zone else off
    return "(device local time, zone unknown)" if local else ""
