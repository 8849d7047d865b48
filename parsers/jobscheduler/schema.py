"""Tables produced from `dumpsys jobscheduler` (Android 7–16, OEM builds)."""

from __future__ import annotations

import polars as pl

from ..schema import UTC_MS, table

I64, I32, F64, S, B = pl.Int64, pl.Int32, pl.Float64, pl.String, pl.Boolean
LS = pl.List(pl.String)

JOBS = table(
    "jobscheduler_jobs",
    "One row per registered job (`JOB #u0a123/45:` blocks). Relative times are ms relative "
    "to the service's own now (negative = past); absolute UTC where the capture clock allows.",
    ("uid", I64, "calling uid (integer)"),
    ("user_id", I32, "calling user"),
    ("job_id", I64, "job id"),
    ("namespace", S, "14+ job namespace (e.g. androidx.work.systemjobscheduler); null if none"),
    ("package", S, "package of the service component"),
    ("service", S, "JobService component (`pkg/.Cls`)"),
    ("source_uid", I64, "uid the job runs for (`Source: uid=`)"),
    ("source_user_id", I32, ""),
    ("source_package", S, "package the job runs for"),
    ("tag", S, "wakelock tag / battery name (`*job*/…`, 16: `*job*[e|u|r]/…`)"),
    ("scheduler", S, "work_manager, sync_manager, firebase_jobdispatcher, gcm_network_manager, "
                     "app (own JobService) or system"),
    ("work_spec_id", S, "WorkManager work spec id from the extras, when present"),
    ("sync_authority", S, "SyncManager authority, when a sync job"),
    ("sync_account", S, "SyncManager account (redacted by default)"),
    ("periodic", B, "periodic job"),
    ("interval_ms", I64, "period, ms"),
    ("flex_ms", I64, "flex, ms"),
    ("persisted", B, "PERSISTED"),
    ("priority", S, "priority name (13+: MIN..MAX) or raw value"),
    ("bias", I32, "bias / evaluated priority where printed"),
    ("expedited", B, "expedited job (12+)"),
    ("user_initiated", B, "user-initiated data transfer job (14+)"),
    ("required", LS, "required constraint names (CHARGING, CONNECTIVITY, ...)"),
    ("satisfied", LS, "satisfied constraint names"),
    ("unsatisfied", LS, "unsatisfied constraint names (required and dynamic/implicit)"),
    ("required_mask", I64, "required constraints bit mask where printed"),
    ("satisfied_mask", I64, ""),
    ("unsatisfied_mask", I64, ""),
    ("dynamic_constraints", LS, "11+ dynamic constraints"),
    ("implicit_constraints", LS, "10+ implicit constraints (e.g. not dozing, not restricted)"),
    ("network_request", S, "network request text"),
    ("content_triggers", LS, "content URI triggers"),
    ("standby_bucket", S, "ACTIVE, WORKING_SET, FREQUENT, RARE, RESTRICTED, EXEMPTED, NEVER"),
    ("enqueue_ms", I64, "enqueue time relative to now, ms"),
    ("earliest_run_ms", I64, "earliest run relative to now, ms (null: none)"),
    ("latest_run_ms", I64, "deadline relative to now, ms (null: none)"),
    ("earliest_run_time", UTC_MS, "absolute earliest run, UTC"),
    ("latest_run_time", UTC_MS, "absolute deadline, UTC"),
    ("last_success_ms", I64, "last successful run relative to now, ms"),
    ("last_failure_ms", I64, "last failed run relative to now, ms"),
    ("num_failures", I64, "failure count / backoff attempts"),
    ("backoff_policy", S, "linear / exponential"),
    ("backoff_ms", I64, "initial backoff, ms"),
    ("restricted_reasons", LS, "`Restricted due to:` reasons (11+)"),
    ("ready", B, "overall readiness (`Ready: true/false` or all ready parts true)"),
    ("ready_parts", S, "JSON of the `Ready:` decomposition (job/user/pending/active/...)"),
    ("tracking", LS, "controllers tracking the job (TIME, CONNECTIVITY, QUOTA, ...)"),
    ("pending", B, "in the pending queue"),
    ("running", B, "active (running) now"),
    ("line", I64, "1-based input line of the `JOB` line"),
)

HISTORY = table(
    "jobscheduler_history",
    "`Job history` START/STOP lines (8.1+: `-P` suffix, inverted on STOP; uid is the source uid).",
    ("offset_ms", I64, "time relative to the service's now, ms (negative = past)"),
    ("time", UTC_MS, "absolute time, UTC, when the clock is known"),
    ("event", S, "START or STOP"),
    ("periodic_flag", B, "the `-P` suffix as printed"),
    ("uid", I64, "uid (source uid)"),
    ("user_id", I32, ""),
    ("job_id", I64, ""),
    ("namespace", S, ""),
    ("package", S, ""),
    ("tag", S, "battery name / component"),
    ("stop_reason", S, "stop reason text (STOP lines)"),
    ("stop_reason_code", I32, "public STOP_REASON_* code where known"),
    ("line", I64, "1-based input line"),
)

PENDING = table(
    "jobscheduler_pending",
    "Pending queue entries, in order.",
    ("position", I32, "1-based queue position"),
    ("uid", I64, ""), ("job_id", I64, ""), ("namespace", S, ""), ("package", S, ""),
    ("tag", S, ""),
    ("waiting_ms", I64, "time in the queue, ms (enqueue/ready time relative to now)"),
    ("line", I64, ""),
)

ACTIVE = table(
    "jobscheduler_active",
    "Active job slots (running jobs and idle slots).",
    ("slot", I32, "slot / context index"),
    ("uid", I64, ""), ("job_id", I64, ""), ("namespace", S, ""), ("package", S, ""),
    ("tag", S, ""),
    ("running_ms", I64, "running time, ms"),
    ("pending_stop_reason", S, "`Pending stop because` text (12+)"),
    ("inactive_since_ms", I64, "for idle slots: inactive since, ms relative to now"),
    ("stopped_because", S, "for idle slots: why the last job stopped"),
    ("line", I64, ""),
)

COMPLETED = table(
    "jobscheduler_completed",
    "Recently completed / cancelled jobs (12+ / 14+).",
    ("status", S, "completed or cancelled"),
    ("uid", I64, ""), ("job_id", I64, ""), ("namespace", S, ""), ("package", S, ""),
    ("tag", S, ""),
    ("ended_ms", I64, "relative to now, ms"),
    ("stop_reason", S, ""),
    ("line", I64, ""),
)

QUOTA = table(
    "jobscheduler_quota",
    "QuotaController state per package/user (10+) and per job where printed.",
    ("user_id", I32, ""), ("package", S, ""),
    ("bucket", S, "standby bucket"),
    ("in_quota", B, "within quota"),
    ("time_left_ms", I64, "remaining execution time in quota, ms"),
    ("execution_ms", I64, "execution time in the window, ms"),
    ("window_ms", I64, "window size, ms"),
    ("job_count", I64, "jobs run in window"),
    ("session_count", I64, "sessions in window"),
    ("detail", S, "the raw stats line"),
    ("line", I64, ""),
)

SETTINGS = table(
    "jobscheduler_settings",
    "Settings / constants and top-level state lines (key, value), with the block they sit in.",
    ("group", S, "Settings, QuotaController, TimeController, state, ..."),
    ("key", S, ""), ("value", S, ""),
    ("line", I64, ""),
)

TABLES = {t.name: t for t in (JOBS, HISTORY, PENDING, ACTIVE, COMPLETED, QUOTA, SETTINGS)}
