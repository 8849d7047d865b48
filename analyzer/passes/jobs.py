"""Deferred jobs (with every reason in plain words) and jobs stopped abnormally.

A job is *waiting* when it is registered, not running, not queued to run, not ready, and
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
    level,
    uid_text,
)
from wakescope.parsers.batterystats.codes import STOP_REASON_NAMES

_TIMING = "timing"


def _reasons(ctx: Context, row: dict) -> tuple[list[tuple[str, str, str, str | None]], bool]:
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


def waiting_jobs(ctx: Context) -> pl.DataFrame:
    """jobscheduler_jobs rows (with `_row`) that are waiting, see the module docstring."""
    jobs = ctx.indexed("jobscheduler_jobs")
    if jobs.is_empty():
        return jobs
    not_true = [pl.col(c).fill_null(False).not_() for c in ("running", "pending", "ready")
                if c in jobs.columns]
    waiting = jobs.filter(pl.all_horizontal(not_true)) if not_true else jobs
    if "unsatisfied" in waiting.columns:
        waiting = waiting.filter(~pl.col("unsatisfied").fill_null([]).list.contains("TIMING_DELAY"))
    return waiting


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
    sev_map = t.get("severity", {})
    jobs = waiting_jobs(ctx)
    if jobs.is_empty():
        return []
    uid = pl.coalesce([pl.col(c) for c in ("source_uid", "uid") if c in jobs.columns])
    jobs = jobs.with_columns(uid.alias("_uid")).filter(app_uid_expr("_uid"))
    out = []
    for row in jobs.iter_rows(named=True):
        reasons, due = _reasons(ctx, row)
        if not due:
            continue
        if not reasons:
            reasons = [("not ready", "requested", "not ready, with no unsatisfied constraint "
                        "printed", "job_constraints")]
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


def abnormal_stops(ctx: Context) -> list[dict]:
    t = ctx.threshold("abnormal_job_stops")
    names = ctx.wording("stop_reasons")
    rows: list[dict] = []   # uid, job, key, count, table, row, api, owner, rule
    covered: set[tuple] = set()
    jbc = ctx.indexed("batterystats_job_completions")
    if jbc.height:
        for r in jbc.filter(app_uid_expr() & (pl.col("count") > 0)).iter_rows(named=True):
            key = _classify_stop(ctx, r.get("reason"), None)
            rows.append({"uid": r["uid"], "job": r["job"], "key": key, "count": r["count"],
                         "table": "batterystats_job_completions", "row": r["_row"],
                         "api": r.get("api"), "owner": r.get("owner_package"),
                         "reason": r.get("reason")})
            covered.add((r["uid"], r["job"]))
    hist = ctx.indexed("jobscheduler_history")
    if hist.height and "event" in hist.columns:
        stops = hist.filter((pl.col("event") == "STOP") & app_uid_expr())
        for r in stops.iter_rows(named=True):
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
    hot = {(u, j) for u, j, s, c in totals.iter_rows()
           if level(float(s), t) is not None or c >= t.get("constraint_stops_low", 10)}
    out = []
    for (uid, job), g in df.group_by("uid", "job", maintain_order=True):
        if (uid, job) not in hot:
            continue
        counts = g.group_by("key", "cls").agg(pl.col("count").sum()).sort(
            ["count", "key"], descending=[True, False])
        serious = int(counts.filter(pl.col("cls").is_in(["serious", "policy"]))["count"].sum())
        constraint = int(counts.filter(pl.col("cls") == "constraint")["count"].sum())
        sev = level(float(serious), t)
        if sev is not None:
            value = serious
        elif constraint >= t.get("constraint_stops_low", 10):
            sev, value = "low", constraint
        else:
            continue
        parts = [f"{k} {n}× ({names.get(k, {}).get('text', k)})"
                 for k, c, n in counts.iter_rows() if c != "normal"]
        normal = int(counts.filter(pl.col("cls") == "normal")["count"].sum())
        top = counts.filter(pl.col("cls").is_in(["serious", "policy"] if serious
                                                else ["constraint"]))
        rec = names.get(top["key"][0], {}).get("recommendation", "job_stops") if top.height \
            else "job_stops"
        tables = sorted(set(g["table"]))
        pkg = g["owner"].drop_nulls().first() if g["owner"].drop_nulls().len() else \
            ctx.package_of(uid)
        detail = (f"Job {job} stopped before finishing: " + "; ".join(parts)
                  + (f". Normal ends not counted: {normal}." if normal else "."))
        ev = [evidence(tb, f"uid == {uid} and job == {job!r}",
                       g.filter(pl.col("table") == tb)["row"]) for tb in tables]
        basis = ("batterystats Job Completions since last charge"
                 if "batterystats_job_completions" in tables
                 else "jobscheduler Job history STOP lines (recent window)")
        out.append(ctx.finding(
            kind="abnormal_job_stops", severity=sev, package=pkg, uid=uid,
            api=g["api"].drop_nulls().first() if g["api"].drop_nulls().len() else "job_scheduler",
            metric="abnormal_stops" if sev != "low" else "constraint_stops", value=value,
            unit="stops", threshold="abnormal_job_stops", basis=basis, detail=detail,
            evidence=ev, recommendation_id=rec,
            threshold_value=None if sev != "low" else float(t.get("constraint_stops_low", 10)),
            title=f"Jobs stopped abnormally: {_short_job(job, pkg) or uid_text(uid)} "
                  f"({value}×)",
            key=f"{uid}|{job}"))
    return out


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
