"""Deferred jobs (with every reason in plain words) and jobs stopped abnormally.

Every registered job gets one status and its reasons (`job_state`, written onto
jobscheduler_jobs by `annotate` before the passes run; the report only shows them). A job is
*waiting* when it is registered, not running, not queued to run, not ready, and
due: its minimum latency / period has passed (no unsatisfied TIMING_DELAY). Its reasons
are each unsatisfied constraint (platform-rules §2.10, wording in the knowledge file), a
Restricted/Never standby bucket, `Restricted due to:` reasons and false `Ready:` parts.
System policy reasons (quota, Doze, background restriction, …) make it `medium`; reasons
the app asked for (network, charging, …) `info`, or `low` after a long wait.

Abnormal stops: batterystats `Job Completions` counts per job and reason since last
charge; jobscheduler `Job history` STOP lines for jobs batterystats does not cover.
"""

from __future__ import annotations

import json
import re

import polars as pl

from wakescope.analyzer.passes.context import (
    HOUR_MS,
    Context,
    app_uid_expr,
    evidence,
    fmt_ms,
    uid_text,
)
from wakescope.analyzer.passes.scope import grade, windowed
from wakescope.analyzer.plans import ENGINE
from wakescope.parsers.batterystats.codes import STOP_REASON_NAMES

KIND_STOPS = "abnormal_job_stops"

_TIMING = "timing"
Reason = tuple[str, str, str, str | None]   # (name, class, plain words, recommendation id)


def _reasons(ctx: Context, row: dict) -> tuple[list[Reason], bool]:
    """[(name, class, words, recommendation)], and whether the job is due at all."""
    words = ctx.wording("constraints")
    out = []
    for c in row.get("unsatisfied") or []:
        w = words.get(c, {"class": "requested", "text": f"constraint {c} not satisfied"})
        if w.get("class") == _TIMING:
            return [], False
        if w.get("class") == "ignore":
            continue
        out.append((c, w.get("class", "requested"), w.get("text", c), w.get("recommendation")))
    bucket = row.get("standby_bucket")
    if bucket in ("RESTRICTED", "NEVER"):
        out.append((f"bucket {bucket}", "policy", ctx.wording("buckets").get(bucket, bucket),
                    "job_quota"))
    restrictions = ctx.wording("restrictions")
    for reason in row.get("restricted_reasons") or []:
        low = reason.lower().strip(". ")
        if not low or low == "none":
            continue
        text = next((v for k, v in restrictions.items() if k in low), f"restricted: {reason}")
        out.append((reason, "policy", text, "job_background_restricted"))
    parts_words = ctx.wording("ready_parts")
    if row.get("ready_parts"):
        try:
            parts = json.loads(row["ready_parts"])
        except (TypeError, ValueError):
            parts = {}
        for part, value in (parts.items() if isinstance(parts, dict) else ()):
            w = parts_words.get(part)
            if isinstance(w, dict) and value is w.get("blocking"):
                out.append((f"ready part {part}", "policy", w.get("text", part),
                            w.get("recommendation", "job_background_restricted")))
    return out, True


# The statuses a registered job can have, in the order a reader wants them (stuck first).
JOB_STATUSES = ("deferred", "waiting", "ready", "scheduled", "running")
# Statuses of a job that is due but does not run: what `deferred_job` findings are about.
WAITING = ("deferred", "waiting")

def job_state(ctx: Context, row: dict) -> tuple[str, list[Reason]]:
    """The one answer to "why does this job not run": (status, reasons).

    running; ready (queued or ready: waits for a free slot); scheduled (only its time has
    not come: TIMING_DELAY); deferred (held back by a constraint, restriction, Restricted/
    Never bucket or `Ready:` part, each a reason); waiting (due, not ready, no reason
    printed). The `deferred_job` finding and the report's job tables both show this.
    """
    words = ctx.wording("job_status")
    if row.get("running"):
        return "running", []
    if row.get("pending") or row.get("ready"):
        return "ready", [("ready", "requested", words.get("ready", "ready"), None)]
    reasons, due = _reasons(ctx, row)
    if not due:
        early = row.get("earliest_run_ms")
        text = (f"due in {fmt_ms(early)}" if early is not None and early > 0 else
                ctx.wording("constraints").get("TIMING_DELAY", {}).get("text", "not due yet"))
        return "scheduled", [("TIMING_DELAY", _TIMING, text, None)]
    if reasons:
        return "deferred", reasons
    return "waiting", [("not ready", "requested", words.get("not_ready", "not ready"),
                        "job_constraints")]


# The jobscheduler_jobs columns job_state (with _reasons) and _waited read.
_STATE_COLUMNS = ("running", "pending", "ready", "unsatisfied", "standby_bucket",
                  "restricted_reasons", "ready_parts", "earliest_run_ms", "deferred_since_ms",
                  "enqueue_ms")


def annotate(ctx: Context) -> None:
    """Write `status`, `wait_reasons` and `waited_ms` on the jobscheduler_jobs table
    (analyzer.tables.JOB_STATE_COLUMNS), so every output reads the same answer."""
    jobs = ctx.tables.get("jobscheduler_jobs")
    if jobs is None or jobs.is_empty():
        return
    # One pass over the columns job_state and _waited read (a dict of every column per row
    # cost more than the states themselves on a wide jobs table).
    cols = [c for c in _STATE_COLUMNS if c in jobs.columns]
    rows = jobs.select(cols).iter_rows(named=True) if cols else ({} for _ in range(jobs.height))
    states: list[tuple[str, list[Reason]]] = []
    waited: list[int | None] = []
    for row in rows:
        states.append(job_state(ctx, row))
        waited.append(_waited(row)[0])
    ctx.tables["jobscheduler_jobs"] = jobs.with_columns(
        pl.Series("status", [st for st, _ in states], pl.String),
        pl.Series("wait_reasons", [[r[2] for r in rs] for _, rs in states], pl.List(pl.String)),
        pl.Series("waited_ms", [w if st in (*WAITING, "ready") else None
                                for w, (st, _) in zip(waited, states, strict=True)], pl.Int64))


def waiting_jobs(ctx: Context) -> pl.DataFrame:
    """jobscheduler_jobs rows (with `_row`) that are due but do not run (`WAITING`)."""
    jobs = ctx.table("jobscheduler_jobs")
    if jobs.is_empty() or "status" not in jobs.columns:
        return ctx.indexed("jobscheduler_jobs").clear()
    # `_row` as ctx.indexed numbers it; one plan (issue 17).
    return (jobs.lazy().with_row_index("_row").filter(pl.col("status").is_in(WAITING))
            .collect(engine=ENGINE))


def _waited(row: dict) -> tuple[int | None, str]:
    """How long the job has waited (ms) and since when, from relative times (negative=past)."""
    since = row.get("deferred_since_ms")
    if since is not None and since <= 0:
        return -since, "it was deferred"
    earliest = row.get("earliest_run_ms")
    if earliest is not None and earliest <= 0:
        return -earliest, "its earliest run time"
    enq = row.get("enqueue_ms")
    if enq is not None and enq <= 0:
        return -enq, "it was enqueued"
    return None, "unknown"


def deferred(ctx: Context) -> list[dict]:
    t = ctx.threshold("deferred_job")
    sev_map = t.get("severity_by_class", {})
    jobs = waiting_jobs(ctx)
    if jobs.is_empty():
        return []
    uid = pl.coalesce([pl.col(c) for c in ("source_uid", "uid") if c in jobs.columns])
    jobs = (jobs.lazy().with_columns(uid.alias("_uid")).filter(app_uid_expr("_uid"))
            .collect(engine=ENGINE))
    out = []
    for row in jobs.iter_rows(named=True):
        _status, reasons = job_state(ctx, row)
        waited, since = _waited(row)
        policy = [r for r in reasons if r[1] == "policy"]
        long_wait = waited is not None and waited >= t["value"] * HOUR_MS
        sev = (sev_map.get("policy", "medium") if policy else
               sev_map.get("requested_long", "low") if long_wait else
               sev_map.get("requested", "info"))
        rec = next((r[3] for r in policy if r[3]), None) or next(
            (r[3] for r in reasons if r[3]), "job_constraints")
        pkg = row.get("owner_package") or row.get("source_package") or row.get("package")
        ident = f"#{row.get('job_id')}"
        if row.get("namespace"):
            ident = f"{row['namespace']}:{ident}"
        what = row.get("service") or row.get("component") or row.get("tag")
        api = row.get("api") or "job_scheduler"
        wm = (f" (WorkManager work spec {row['work_spec_id']})" if row.get("work_spec_id")
              else " (WorkManager)" if api == "work_manager" else "")
        names = [r[0] for r in reasons if not r[0].startswith(("bucket", "ready part"))]
        bucket = row.get("standby_bucket")
        detail = (f"Job {ident} {what}{wm} is waiting"
                  + (f" for {fmt_ms(waited)} (since {since})" if waited is not None else "")
                  + ". Unsatisfied: " + (" ".join(names) if names else "none printed") + ". "
                  + " ".join(f"{n}: {w}." for n, _c, w, _r in reasons))
        if bucket and bucket not in ("RESTRICTED", "NEVER"):
            detail += f" Standby bucket: {ctx.wording('buckets').get(bucket, bucket)}."
        out.append(ctx.finding(
            kind="deferred_job", severity=sev, package=pkg, uid=row["_uid"], api=api,
            metric="waiting_h", value=None if waited is None else waited / HOUR_MS,
            unit="h", threshold="deferred_job", basis="jobscheduler: registered job state at "
            "capture (unsatisfied constraints, standby bucket, ready parts); waiting time from "
            f"the job's relative times ({since})",
            detail=detail, evidence=[evidence(
                "jobscheduler_jobs", f"uid == {row['_uid']} and job_id == {row.get('job_id')}",
                [row["_row"]])],
            recommendation_id=rec,
            title=f"Deferred job: {pkg or uid_text(row['_uid'])} {ident} ("
                  + (", ".join(names[:3]) if names else reasons[0][0]) + ")",
            key=f"{row['_uid']}|{row.get('namespace')}|{row.get('job_id')}"))
    return out


def _classify_stop(ctx: Context, reason: str | None, code: int | None,
                   internal: int | None = None) -> str:
    """A stop reason → a wording.stop_reasons key: the internal code's name where the dump
    gives one (12+ history), else the printed name/text, else the public code."""
    names = ctx.wording("stop_reasons")
    if internal is not None and STOP_REASON_NAMES.get(internal) in names:
        return STOP_REASON_NAMES[internal]
    if reason:
        r = reason.strip().lower()
        if r in names:
            return r
        for needle, key in ctx.wording("stop_texts").items():
            if needle in r:
                return key
    if code is not None:
        return ctx.wording("stop_codes").get(str(code), "unknown")
    return "unknown"


def _stop_rows(df: pl.DataFrame, where: pl.Expr, cols: tuple[str, ...]) -> list[dict]:
    """The rows `where` selects, as dicts of `_row` (ctx.indexed's numbering) and those of
    `cols` the table has: one plan, no dict of every column per row."""
    return (df.lazy().with_row_index("_row").filter(where)
            .select("_row", *(c for c in cols if c in df.columns))
            .collect(engine=ENGINE).to_dicts())


def abnormal_stops(ctx: Context) -> list[dict]:
    t = ctx.threshold("abnormal_job_stops")
    names = ctx.wording("stop_reasons")
    rows: list[dict] = []   # uid, job, key, count, table, row, api, owner, rule
    covered: set[tuple] = set()
    jbc = ctx.table("batterystats_job_completions")
    if jbc.height:
        for r in _stop_rows(jbc, app_uid_expr() & (pl.col("count") > 0),
                            ("uid", "job", "count", "reason", "api", "owner_package")):
            key = _classify_stop(ctx, r.get("reason"), None)
            rows.append({"uid": r["uid"], "job": r["job"], "key": key, "count": r["count"],
                         "table": "batterystats_job_completions", "row": r["_row"],
                         "api": r.get("api"), "owner": r.get("owner_package"),
                         "reason": r.get("reason")})
            covered.add((r["uid"], r["job"]))
    hist = ctx.table("jobscheduler_history")
    if hist.height and "event" in hist.columns:
        stops = _stop_rows(hist, (pl.col("event") == "STOP") & app_uid_expr(),
                           ("uid", "tag", "stop_reason", "stop_reason_code",
                            "stop_reason_internal_code", "api", "owner_package", "package"))
        for r in stops:
            job = (r.get("tag") or "").removeprefix("*job*/")
            if (r["uid"], job) in covered:
                continue
            key = _classify_stop(ctx, r.get("stop_reason"), r.get("stop_reason_code"),
                                 r.get("stop_reason_internal_code"))
            rows.append({"uid": r["uid"], "job": job, "key": key, "count": 1,
                         "table": "jobscheduler_history", "row": r["_row"], "api": r.get("api"),
                         "owner": r.get("owner_package") or r.get("package"),
                         "reason": r.get("stop_reason")})
    if not rows:
        return []
    df = pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.col("key").replace_strict({k: v.get("class", "normal") for k, v in names.items()},
                                     default="normal").alias("cls"))
    # One plan for every group's serious/constraint totals: the loop below then looks only
    # at groups that make a finding (issue 17: 4 eager Polars calls per job before).
    totals = df.group_by("uid", "job").agg(
        serious=pl.col("count").filter(pl.col("cls").is_in(["serious", "policy"])).sum(),
        constraint=pl.col("count").filter(pl.col("cls") == "constraint").sum())
    # Any serious stop may cross the bar once normalised to 24 h (passes.scope): keep those.
    hot = {(u, j) for u, j, s, c in totals.iter_rows()
           if s > 0 or c >= t.get("constraint_stops_low", 10)}
    out = []
    for (uid, job), g in df.group_by("uid", "job", maintain_order=True):
        if (uid, job) not in hot:
            continue
        counts = g.group_by("key", "cls").agg(pl.col("count").sum()).sort(
            ["count", "key"], descending=[True, False])
        serious = int(counts.filter(pl.col("cls").is_in(["serious", "policy"]))["count"].sum())
        constraint = int(counts.filter(pl.col("cls") == "constraint")["count"].sum())
        tables = sorted(set(g["table"]))
        window = (ctx.periods.battery_ms if "batterystats_job_completions" in tables
                  else _history_window(hist))
        w = windowed(ctx, KIND_STOPS, float(serious), window)
        sev, bound = grade(ctx, KIND_STOPS, w, t) if serious else (None, False)
        if sev is not None:
            value = w.value
        else:
            w = windowed(ctx, KIND_STOPS, float(constraint), window)
            if w.graded >= t.get("constraint_stops_low", 10) and not w.short:
                sev, value = "low", w.value
            elif w.short and constraint >= t.get("constraint_stops_low", 10):
                sev, value, bound = "low", float(constraint), True
            else:
                continue
        parts = [f"{k} {n}× ({names.get(k, {}).get('text', k)})"
                 for k, c, n in counts.iter_rows() if c != "normal"]
        normal = int(counts.filter(pl.col("cls") == "normal")["count"].sum())
        top = counts.filter(pl.col("cls").is_in(["serious", "policy"] if serious
                                                else ["constraint"]))
        rec = names.get(top["key"][0], {}).get("recommendation", "job_stops") if top.height \
            else "job_stops"
        pkg = g["owner"].drop_nulls().first() if g["owner"].drop_nulls().len() else \
            ctx.package_of(uid)
        detail = (f"Job {job} stopped before finishing: " + "; ".join(parts)
                  + (f". Normal ends not counted: {normal}." if normal else "."))
        ev = [evidence(tb, f"uid == {uid} and job == {job!r}",
                       g.filter(pl.col("table") == tb)["row"]) for tb in tables]
        basis = (("batterystats Job Completions since last charge: "
                  if "batterystats_job_completions" in tables
                  else "jobscheduler Job history STOP lines: ")
                 + w.words("stops", "24 h")
                 + ("; the raw count already reaches the per-24 h bar (a lower bound for "
                    "any 24 h containing this window)" if bound else ""))
        per = ("per 24 h" if w.scaled or (w.window_ms and not w.short and not bound)
               else f"in {fmt_ms(w.window_ms)}" if w.window_ms else "in the dump")
        out.append(ctx.finding(
            kind="abnormal_job_stops", severity=sev, package=pkg, uid=uid,
            api=g["api"].drop_nulls().first() if g["api"].drop_nulls().len() else "job_scheduler",
            metric="abnormal_stops" if sev != "low" else "constraint_stops", value=value,
            unit="stops/24h" if w.scaled else "stops", threshold="abnormal_job_stops",
            basis=basis, detail=detail, evidence=ev, recommendation_id=rec,
            threshold_value=None if sev != "low" else float(t.get("constraint_stops_low", 10)),
            title=f"Jobs stopped abnormally: {_short_job(job, pkg) or uid_text(uid)} "
                  f"({value:.3g} {per})",
            key=f"{uid}|{job}", window_ms=w.window_ms, scaled=w.scaled))
    return out


def _history_window(hist: pl.DataFrame) -> int | None:
    """How far back the jobscheduler history reaches (its entries are relative to now)."""
    if hist.is_empty() or "offset_ms" not in hist.columns:
        return None
    first = hist["offset_ms"].drop_nulls().min()
    return int(-first) if first is not None and first < 0 else None


def _short_job(job: str | None, pkg: str | None) -> str | None:
    """`com.app/.sync.Job` → `com.app/.sync.Job`; a name already led by the package is kept
    whole, a bare class gets the package in front, so the title names the app once."""
    if not job:
        return pkg
    # 16 `#<traceTag>#` and 14+ `@<namespace>@` battery-name prefixes say nothing to a reader.
    job = re.sub(r"^(?:#[^#]*#)?(?:@[^@]*@)?", "", job)
    if pkg and not job.startswith(pkg):
        return f"{pkg} {job}"
    return job


def run(ctx: Context) -> list[dict]:
    return deferred(ctx) + abnormal_stops(ctx)
