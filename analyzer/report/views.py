"""Report views: the analysis tables turned into formatted rows for each report section
(findings, apps, wakelocks, alarms, jobs, diagnostics), so the template only lays them out."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from wakescope.analyzer.model import Analysis
from wakescope.analyzer.passes.jobs import JOB_STATUSES, WAITING
from wakescope.analyzer.plans import ENGINE
from wakescope.analyzer.report import facts
from wakescope.analyzer.report.cells import (
    DETAIL_LIMIT,
    FINDING_LIMIT,
    NOTE_LIMIT,
    ROW_LIMIT,
    SMALL_LIMIT,
    Cell,
    TableView,
    _api,
    _app,
    _chips,
    _clip,
    _dur,
    _id,
    _limit,
    _num,
    _num2,
    _safe_url,
    _text,
)
from wakescope.analyzer.report.facts import SEVERITY_RANK, app_label, fmt_ms, fmt_num, fmt_value

# ---------------------------------------------------------------------------------------
# Findings.
# ---------------------------------------------------------------------------------------


def _evidence(raw: str | None) -> list[dict]:
    """The finding's evidence JSON as a list of {table, filter, rows} for display."""
    if not raw:
        return []
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        return [{"table": "", "filter": str(raw), "rows": ""}]
    if isinstance(data, dict):
        data = [data]
    out = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict):
            out.append({"table": "", "filter": str(item), "rows": ""})
            continue
        rows = item.get("rows", "")
        if isinstance(rows, list):
            shown = ", ".join(str(r) for r in rows[:20]) + (" …" if len(rows) > 20 else "")
            rows = f"{len(rows)} row{'s' if len(rows) != 1 else ''}: {shown}" if rows else ""
        rest = {k: v for k, v in item.items() if k not in ("table", "filter", "rows")}
        filt = item.get("filter", "")
        if not isinstance(filt, str):
            filt = json.dumps(filt, default=str)
        if rest:
            filt = (filt + " " if filt else "") + json.dumps(rest, default=str)
        out.append({"table": str(item.get("table", "")), "filter": filt, "rows": str(rows)})
    return out


def findings_view(analysis: Analysis) -> dict:
    f = facts.sorted_findings(analysis)
    items, notes = [], []
    for row in f.iter_rows(named=True):
        sev = row.get("severity") or "info"
        item = {
            "severity": sev,
            "kind": (row.get("kind") or "").replace("_", " "),
            "title": _clip(row.get("title") or (row.get("kind") or "finding").replace("_", " "),
                           240),
            "app": app_label(row.get("package"), row.get("uid")),
            "uid": row.get("uid"),
            "api": _api(row.get("api")),
            "metric": (row.get("metric") or "").replace("_", " "),
            "value": fmt_value(row.get("value"), row.get("unit")),
            "threshold": fmt_value(row.get("threshold"), row.get("unit"))
            if row.get("threshold") is not None else None,
            "source": _clip(row.get("threshold_source"), 300),
            "basis": _clip(row.get("basis"), 400),
            "detail": _clip(row.get("detail")),
            "evidence": _evidence(row.get("evidence")),
            "rec": _clip(row.get("recommendation"), 600),
            "rec_id": row.get("recommendation_id"),
            "url": _safe_url(row.get("doc_url")),
        }
        (notes if sev == "info" else items).append(item)
    for n, it in enumerate(items + notes):
        it["anchor"] = f"finding-{n + 1}"
    kinds: dict[str, int] = {}
    for it in items:
        kinds[it["kind"]] = kinds.get(it["kind"], 0) + 1
    return {"items": items[:FINDING_LIMIT], "total": len(items), "notes": notes[:NOTE_LIMIT],
            "notes_total": len(notes), "kinds": sorted(kinds.items(), key=lambda kv: -kv[1])}


# ---------------------------------------------------------------------------------------
# Apps.
# ---------------------------------------------------------------------------------------


def _api_breakdown(analysis: Analysis) -> dict[str, list[tuple[str, int]]]:
    """Partial wakelock time per package and API (attributed wakelocks), most time first."""
    wl = facts.table(analysis, "batterystats_wakelocks")
    need = {"package", "api", "total_ms"}
    if wl.is_empty() or not need <= set(wl.columns):
        return {}
    partial = pl.col("kind") == "partial" if "kind" in wl.columns else pl.lit(True)
    g = (wl.lazy().filter(partial & pl.col("package").is_not_null())
           .group_by("package", "api").agg(pl.col("total_ms").sum())
           .filter(pl.col("total_ms") > 0)
           .sort(["package", "total_ms", "api"], descending=[False, True, False])
           .collect(engine=ENGINE))
    out: dict[str, list[tuple[str, int]]] = {}
    for pkg, api, ms in g.iter_rows():
        out.setdefault(pkg, []).append((api or "unknown", int(ms)))
    return out


def _mah(x: float | None) -> Cell:
    return Cell("—" if x is None else f"{x:.2f} mAh", x if x is not None else "", "num")


def apps_view(analysis: Analysis) -> TableView:
    a = facts.sorted_apps(analysis)
    total = a.height
    a = a.head(ROW_LIMIT)
    breakdown = _api_breakdown(analysis)
    view = TableView(
        "apps-table", "Apps",
        [("App", ""), ("Worst", ""), ("APIs · wakelock time by API", ""),
         ("Partial wakelock", "num"), ("Wakeup alarms", "num"), ("Jobs run", "num"),
         ("Jobs waiting", "num"), ("Syncs", "num"), ("FGS time", "num"),
         ("Power", "num"), ("CPU", "num"), ("Radio", "num"), ("GPS", "num"),
         ("Findings", "num")],
        total=total, empty="No per-app figures in this input.")
    for r in a.iter_rows(named=True):
        sev = r.get("worst_severity")
        deferred, registered = r.get("jobs_deferred"), r.get("jobs_registered")
        dr = ("—" if not registered and not deferred
              else f"{fmt_num(deferred or 0)} of {fmt_num(registered or 0)}")
        share = r.get("power_share")
        parts = breakdown.get(r.get("package") or "", [])
        names = [x for x in r.get("apis") or [] if x]
        total_ms = sum(ms for _, ms in parts)
        apis_text = ",".join(names)
        apis_cell = Cell(apis_text, apis_text, "apis", extra={
            "bar": [(api, ms, 100 * ms / total_ms) for api, ms in parts] if total_ms else [],
            "chips": [_api(n) for n in (names or [api for api, _ in parts])[:5]],
        })
        per24 = r.get("partial_wakelock_ms_per_24h")
        wph = r.get("wakeups_per_hour")
        view.rows.append([
            _app(r.get("package"), r.get("uid")),
            Cell(sev or "—", SEVERITY_RANK.get(sev, 9) if sev else 9, "sev" if sev else ""),
            apis_cell,
            _num2(_dur(r.get("partial_wakelock_ms")),
                  f"{fmt_ms(per24)} / 24 h" if per24 else None),
            _num2(_num(r.get("wakeup_alarms")), f"{fmt_num(wph)} / h" if wph else None),
            _num2(_num(r.get("jobs_run")), fmt_ms(r.get("job_ms")) if r.get("job_ms") else None),
            Cell(dr, deferred if deferred is not None else "", "num"),
            _num2(_num(r.get("syncs")), fmt_ms(r.get("sync_ms")) if r.get("sync_ms") else None),
            _dur(r.get("foreground_service_ms")),
            _num2(Cell("—" if share is None else f"{100 * share:.1f} %",
                       share if share is not None else "", "num"),
                  f"{fmt_num(r.get('power_mah'))} mAh"
                  + (f" · {100 * r['energy_share']:.1f} % of the loss"
                     if r.get("energy_share") is not None else "")
                  if r.get("power_mah") else None),
            _dur(r.get("cpu_ms")),
            _mah(r.get("radio_mah")),
            _mah(r.get("gps_mah")),
            _num(r.get("findings")),
        ])
    view.prune_empty()
    return view


# ---------------------------------------------------------------------------------------
# Wakelocks, alarms, jobs.
# ---------------------------------------------------------------------------------------


def wakelock_views(analysis: Analysis) -> list[TableView]:
    wl = facts.table(analysis, "batterystats_wakelocks")
    if "kind" in wl.columns:
        wl = wl.filter(pl.col("kind") == "partial")
    top, total = _limit(wl, ["total_ms", "count"])
    v = TableView("wakelocks-table", "Partial wakelocks (since last charge)",
                  [("App", ""), ("Tag", ""), ("API", ""), ("Total", "num"), ("Count", "num"),
                   ("Longest", "num"), ("Actual", "num"), ("Held now", "num")], total=total,
                  empty="No per-app wakelock totals in this input.")
    for r in top.iter_rows(named=True):
        v.rows.append([_app(r.get("package"), r.get("uid")), _text(r.get("tag")),
                       _api(r.get("api")), _dur(r.get("total_ms")), _num(r.get("count")),
                       _dur(r.get("max_ms")), _dur(r.get("actual_ms")),
                       _dur(r.get("current_ms"))])
    views = [v]
    kw, total = _limit(facts.table(analysis, "batterystats_kernel_wakelocks"),
                       ["total_ms", "count"], SMALL_LIMIT)
    k = TableView("kernel-wakelocks-table", "Kernel wakelocks / wakeup sources",
                  [("Name", ""), ("Total", "num"), ("Count", "num")], total=total, open=False,
                  empty="No kernel wakelocks in this input.")
    k.rows = [[_text(r.get("name")), _dur(r.get("total_ms")), _num(r.get("count"))]
              for r in kw.iter_rows(named=True)]
    views.append(k)
    wr, total = _limit(facts.table(analysis, "batterystats_wakeup_reasons"),
                       ["count", "total_ms"], SMALL_LIMIT)
    w = TableView("wakeup-reasons-table", "Kernel wakeup reasons",
                  [("Reason", ""), ("Count", "num"), ("Total", "num")], total=total, open=False,
                  empty="No kernel wakeup reasons in this input.")
    w.rows = [[_text(r.get("reason")), _num(r.get("count")), _dur(r.get("total_ms"))]
              for r in wr.iter_rows(named=True)]
    views.append(w)
    return views


def alarm_views(analysis: Analysis) -> list[TableView]:
    views = []
    st, total = _limit(facts.table(analysis, "alarm_stats"), ["wakeups", "alarms", "running_ms"])
    v = TableView("alarm-stats-table", "Alarm stats by tag (dumpsys alarm)",
                  [("App", ""), ("Tag", ""), ("API", ""), ("Wakeups", "num"),
                   ("Alarms", "num"), ("Running", "num")], total=total,
                  empty="No `dumpsys alarm` statistics in this input.")
    for r in st.iter_rows(named=True):
        v.rows.append([_app(r.get("package"), r.get("uid")), _text(r.get("tag")),
                       _api(r.get("api")), _num(r.get("wakeups")), _num(r.get("alarms")),
                       _dur(r.get("running_ms"))])
    views.append(v)
    wa, total = _limit(facts.table(analysis, "batterystats_wakeup_alarms"), ["count"],
                       DETAIL_LIMIT)
    b = TableView("wakeup-alarms-table", "Wakeup alarms by tag (batterystats)",
                  [("App", ""), ("Tag", ""), ("API", ""), ("Wakeups", "num")], total=total,
                  open=not views[0].total,
                  empty="No batterystats wakeup-alarm counts in this input.")
    for r in wa.iter_rows(named=True):
        b.rows.append([_app(r.get("package"), r.get("uid")), _text(r.get("tag")),
                       _api(r.get("api")), _num(r.get("count"))])
    views.append(b)
    from wakescope.analyzer.passes.alarm_deferral import pending_once

    pend = pending_once(facts.table(analysis, "alarm_pending"))
    if "when_relative_ms" in pend.columns:
        pend = pend.sort("when_relative_ms", nulls_last=True, maintain_order=True)
    total = pend.height
    p = TableView("alarm-pending-table", "Pending alarms",
                  [("Due in", "num"), ("App", ""), ("Tag", ""), ("API", ""), ("Type", ""),
                   ("Exact", ""), ("Repeats every", "num"), ("Deferred by", ""),
                   ("Flags", "")], total=total,
                  empty="No pending alarms listed in this input.")
    for r in pend.head(DETAIL_LIMIT).iter_rows(named=True):
        exact = r.get("exact")
        rep = r.get("repeat_interval_ms")
        p.rows.append([
            _dur(r.get("when_relative_ms")),
            _app(r.get("package") or r.get("target_package"), r.get("uid")),
            _text(r.get("tag")), _api(r.get("api")),
            Cell(r.get("type") or "—", r.get("type") or ""),
            Cell("exact" if exact else ("inexact" if exact is False else "—"),
                 "1" if exact else "0"),
            _dur(rep) if rep else Cell("one-shot", 0, "num"),
            Cell((r.get("deferred_by") or "").replace("_", " ") or "—", r.get("deferred_by")),
            _chips(r.get("flag_names")),
        ])
    views.append(p)
    return views


def _job_label(row: dict) -> str:
    """Sync jobs by authority, others by service class (package prefix dropped)."""
    if row.get("sync_authority"):
        return f"sync {row['sync_authority']}"
    service = row.get("service") or row.get("tag") or ""
    pkg = row.get("package") or ""
    if pkg and service.startswith(pkg + "/"):
        service = service[len(pkg) + 1:]
    return service


_STATUS_ORDER = {s: i for i, s in enumerate(JOB_STATUSES)}


def _job_status(row: dict) -> tuple[str, list[str]]:
    """The status and wait reasons the analysis wrote (passes/jobs.job_state)."""
    return row.get("status") or "unknown", row.get("wait_reasons") or []


# The job columns the job tables read (rows as dicts of these alone: a job row has ~70).
_JOB_VIEW_COLS = ("status", "wait_reasons", "enqueue_ms", "source_package", "package",
                  "source_uid", "uid", "job_id", "api", "scheduler", "waited_ms",
                  "standby_bucket", "work_spec_id", "sync_authority", "service", "tag",
                  "last_success_ms", "periodic", "interval_ms", "required")


def job_views(analysis: Analysis) -> list[TableView]:
    views = []
    jobs = facts.table(analysis, "jobscheduler_jobs")
    jobs = jobs.select([c for c in _JOB_VIEW_COLS if c in jobs.columns])
    rows = []
    for r in jobs.iter_rows(named=True):
        status, words = _job_status(r)
        if status != "running":
            rows.append((status, words, r))
    rows.sort(key=lambda t: (_STATUS_ORDER.get(t[0], len(_STATUS_ORDER)),
                             t[2].get("enqueue_ms") or 0))
    n_def = sum(1 for s, _, _ in rows if s in WAITING)  # as the findings and apps count
    d = TableView("jobs-deferred-table",
                  f"Waiting jobs: {n_def} deferred, {len(rows) - n_def} scheduled or ready",
                  [("App", ""), ("Job", ""), ("Id", "num"), ("API", ""), ("Status", ""),
                   ("Waiting for", "num"), ("Why it waits", ""), ("Bucket", ""),
                   ("Work spec", "")],
                  total=len(rows), empty="No waiting jobs in this input.")
    for status, words, r in rows[:ROW_LIMIT]:
        d.rows.append([
            _app(r.get("source_package") or r.get("package"), r.get("source_uid") or r.get("uid")),
            _text(_job_label(r)),
            _id(r.get("job_id")),
            _api(r.get("api") or r.get("scheduler")),
            Cell(status, _STATUS_ORDER.get(status, len(_STATUS_ORDER)), "status"),
            _dur(r.get("waited_ms")),
            _chips(words),
            Cell((r.get("standby_bucket") or "—").lower(), r.get("standby_bucket") or ""),
            _text(r.get("work_spec_id")),
        ])
    views.append(d)

    reg, total = jobs, jobs.height
    g = TableView("jobs-registered-table", "Registered jobs",
                  [("App", ""), ("Job", ""), ("Id", "num"), ("API", ""), ("Periodic", "num"),
                   ("Requires", ""), ("State", ""), ("Last success", "num")], total=total,
                  open=False, empty="No `dumpsys jobscheduler` job list in this input.")
    for r in reg.head(DETAIL_LIMIT).iter_rows(named=True):
        state = _job_status(r)[0]
        last = r.get("last_success_ms")
        g.rows.append([
            _app(r.get("source_package") or r.get("package"), r.get("source_uid") or r.get("uid")),
            _text(_job_label(r)), _id(r.get("job_id")),
            _api(r.get("api") or r.get("scheduler")),
            _dur(r.get("interval_ms")) if r.get("periodic") else Cell("no", 0, "num"),
            _chips(r.get("required")),
            Cell(state, _STATUS_ORDER.get(state, len(_STATUS_ORDER)), "status"),
            Cell(f"{fmt_ms(-last)} ago" if last is not None and last <= 0 else "—",
                 last if last is not None else "", "num"),
        ])
    views.append(g)

    hist = facts.table(analysis, "jobscheduler_history")
    if "offset_ms" in hist.columns:
        # Most recent first: the dump lists events oldest first, so events of one instant
        # come in reverse dump order (reversed, then a stable sort).
        hist = hist.reverse().sort("offset_ms", descending=True, nulls_last=True,
                                   maintain_order=True)
    h = TableView("jobs-history-table", "Job history (most recent first)",
                  [("When", "num"), ("Event", ""), ("App", ""), ("Job", ""), ("API", ""),
                   ("Stop reason", "")], total=hist.height, open=False,
                  empty="No job history in this input.")
    for r in hist.head(DETAIL_LIMIT).iter_rows(named=True):
        off = r.get("offset_ms")
        t = r.get("time")
        h.rows.append([
            Cell(f"{fmt_ms(-off)} ago" if off is not None and off <= 0 else str(t or "—"),
                 off if off is not None else "", "num"),
            Cell(r.get("event") or "—", r.get("event") or ""),
            _app(r.get("package"), r.get("uid")),
            _text(f"#{r.get('job_id')} {r.get('tag') or ''}".strip()),
            _api(r.get("api")),
            Cell(r.get("stop_reason") or "", r.get("stop_reason") or ""),
        ])
    views.append(h)

    bj, total = _limit(facts.table(analysis, "batterystats_jobs"), ["total_ms", "count"],
                       DETAIL_LIMIT)
    t = TableView("jobs-totals-table", "Job run totals (batterystats, since last charge)",
                  [("App", ""), ("Job", ""), ("API", ""), ("Runs", "num"), ("Time", "num"),
                   ("Background", "num")], total=total, open=not jobs.height,
                  empty="No batterystats job totals in this input.")
    for r in bj.iter_rows(named=True):
        t.rows.append([_app(r.get("package"), r.get("uid")), _text(r.get("job")),
                       _api(r.get("api")), _num(r.get("count")), _dur(r.get("total_ms")),
                       _dur(r.get("background_ms"))])
    views.append(t)

    jc, total = _limit(facts.table(analysis, "batterystats_job_completions"), ["count"],
                       DETAIL_LIMIT)
    c = TableView("jobs-completions-table", "How jobs ended (stop reasons)",
                  [("App", ""), ("Job", ""), ("Reason", ""), ("Count", "num")], total=total,
                  open=False, empty="No job completion reasons in this input.")
    c.rows = [[_app(r.get("package"), r.get("uid")), _text(r.get("job")),
               Cell(r.get("reason") or "—", r.get("reason") or ""), _num(r.get("count"))]
              for r in jc.iter_rows(named=True)]
    views.append(c)

    sy, total = _limit(facts.table(analysis, "batterystats_syncs"), ["total_ms", "count"],
                       DETAIL_LIMIT)
    s = TableView("syncs-table", "Syncs (batterystats, since last charge)",
                  [("App", ""), ("Sync", ""), ("API", ""), ("Runs", "num"), ("Time", "num")],
                  total=total, open=False, empty="No sync totals in this input.")
    s.rows = [[_app(r.get("package"), r.get("uid")), _text(r.get("sync")), _api(r.get("api")),
               _num(r.get("count")), _dur(r.get("total_ms"))] for r in sy.iter_rows(named=True)]
    views.append(s)
    return views


# ---------------------------------------------------------------------------------------
# Diagnostics: what the report does not cover.
# ---------------------------------------------------------------------------------------

EXPECTED_SECTIONS = {
    "batterystats": "battery history, wakelocks, wakeup alarms, job and sync totals, power",
    "jobscheduler": "registered jobs, constraints, deferral reasons, job history",
    "alarm": "pending alarms, alarm stats, wakeup history",
}


def _coverage_row(key: str, value: Any) -> dict:
    """One coverage entry in words: share attributed to a named API, and the split by API."""
    label = str(key).replace("_ms", "").replace("_", " ")
    fmt = fmt_ms if str(key).endswith("_ms") else fmt_num
    row = {"label": label, "text": "", "apis": []}
    if isinstance(value, dict):
        share, total = value.get("share"), value.get("total")
        if share is not None and total is not None:
            row["text"] = (f"{100 * share:.1f} % attributed to a named API "
                           f"({fmt(value.get('attributed'))} of {fmt(total)})")
        if value.get("source"):
            row["text"] += f" · from {value['source']}"
        by_api = value.get("by_api")
        if isinstance(by_api, dict):
            row["apis"] = [(_api(a), fmt(v)) for a, v in
                           sorted(by_api.items(), key=lambda kv: -(kv[1] or 0)) if v]
        rest = {k: v for k, v in value.items()
                if k not in ("share", "total", "attributed", "source", "by_api")}
        if rest or not row["text"]:
            row["text"] += (" · " if row["text"] else "") + json.dumps(rest or value,
                                                                       default=str)
    elif isinstance(value, float):
        row["text"] = f"{value:,.3g}"
    else:
        row["text"] = json.dumps(value, default=str) if isinstance(value, list) else str(value)
    return row


def diagnostics_view(analysis: Analysis) -> dict:
    cap = analysis.capture
    found = [{"name": s.name, "lines": s.line_count, "first_line": s.first_line}
             for s in cap.sections]
    names = {f["name"] for f in found}
    if "batterystats_checkin" in names:  # either batterystats form covers the aggregates
        names.add("batterystats")
    missing = [(n, what) for n, what in EXPECTED_SECTIONS.items() if n not in names]
    diags = [{"level": d.level, "section": d.section, "message": d.message, "line": d.line,
              "count": d.count} for d in cap.diagnostics.summary()]
    order = {"error": 0, "warning": 1, "info": 2}
    diags.sort(key=lambda x: order.get(x["level"], 3))
    cov_rows = [_coverage_row(k, v) for k, v in analysis.coverage.items()]
    tables = [(name, frame.height) for name, frame in sorted(analysis.tables.items())]
    return {
        "source": cap.source, "kind": cap.kind, "container": cap.container,
        "member": cap.member, "encoding": cap.encoding, "lines": cap.text_lines,
        "sections": found, "missing": missing, "items": diags[:200],
        "items_total": len(diags), "coverage": cov_rows, "tables": tables,
        "caveats": facts.caveats(analysis), "blind": facts.blind_reasons(analysis),
    }
