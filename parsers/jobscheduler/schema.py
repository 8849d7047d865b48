"""Tables produced from `dumpsys jobscheduler` (Android 7–16, OEM builds)."""

from __future__ import annotations

import polars as pl

from wakescope.parsers.schema import LOCAL_MS, UTC_MS, table

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
    ("tag", S, "wakelock tag from the `<uid> tag=` line (`*job*/<battery name>`; 14: `#<jobId>` "
                "suffix; 16: `*job*[e|u|r]/…`); account names redacted like `battery_name`"),
    ("scheduler", S, "work_manager, sync_manager, firebase_jobdispatcher, gcm_network_manager, "
                     "app (own JobService) or system"),
    ("work_spec_id", S, "WorkManager work spec id from the extras, when present"),
    ("sync_authority", S, "SyncManager authority, when a sync job"),
    ("sync_account", S, "SyncManager account name (`<account>` when redacted, the default)"),
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
    ("ready_parts", S, "JSON of the `Ready:` decomposition with plain meanings whatever the "
                       "release printed (`!pending=true` → `\"pending\": false`): job, user, "
                       "pending, active, backing_up, restricted (11+), component (8+)"),
    ("tracking", LS, "controllers tracking the job (TIME, CONNECTIVITY, QUOTA, ...); 7.x has no "
                     "`Tracking:` line, so it is read from the controller blocks"),
    ("pending", B, "in the pending queue"),
    ("running", B, "active (running) now"),
    ("line", I64, "1-based input line of the `JOB` line"),
    # Added by the jobscheduler parser (documented here, read by the analyzer):
    ("battery_name", S, "name on the JOB line (= batterystats `Job <name>`); 14+ `@ns@` and 16 "
                        "`#trace#` prefixes kept; sync account names redacted when asked"),
    ("hash", S, "JobStatus identity hash (only unique within one dump)"),
    ("sync_account_type", S, "SyncManager account type (e.g. com.google)"),
    ("flags", I64, "JobInfo flags (hex in the dump): 1 WILL_BE_FOREGROUND, 2 "
                   "IMPORTANT_WHILE_FOREGROUND, 4 PREFETCH, 8 EXEMPT_FROM_APP_STANDBY, "
                   "0x10 EXPEDITED, 0x20 USER_INITIATED"),
    ("effective_priority", S, "13+ `Priority: … effective=<name>` when the system lowered it"),
    ("network_type", S, "none / any / unmetered / not_roaming / cellular, from the 7–8.1 "
                        "integer or the 9+ NetworkRequest capabilities"),
    ("enqueue_time", UTC_MS, "absolute enqueue time, UTC"),
    ("deferred_since_ms", I64, "11+ `Deferred since:` (standby deferral) relative to now, ms"),
    ("last_success_local", LOCAL_MS, "`Last successful run:` as printed (device-local wall time)"),
    ("last_failure_local", LOCAL_MS, "`Last failed run:` as printed (device-local wall time)"),
    ("last_success_time", UTC_MS, "last successful run, UTC (needs the capture's UTC offset)"),
    ("last_failure_time", UTC_MS, "last failed run, UTC"),
    ("num_system_stops", I64, "14+ `Num system stops:`"),
    ("doze_whitelisted", B, "`Doze whitelisted: true` printed"),
    ("uid_active", B, "`Uid: active` printed (9+)"),
    ("evaluated_bias", I32, "`Evaluated priority/bias:` from the pending queue or active slot"),
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
    ("package", S, "source package of the registered job with that id and name, else the "
                   "component's package (null for an unregistered proxy/sync name)"),
    ("tag", S, "battery name (accounts redacted like jobs)"),
    ("stop_reason", S, "stop reason text (STOP lines)"),
    ("stop_reason_code", I32, "public STOP_REASON_* code where known"),
    ("line", I64, "1-based input line"),
    ("stop_reason_name", S, "public STOP_REASON_* name for `stop_reason_code`"),
    ("stop_reason_internal_code", I32, "internal stop reason code (INTERNAL_STOP_REASON_*) "
                                       "when the text is an internal reason name"),
    ("periodic", B, "job is periodic, from the START line's `-P` (the STOP suffix is inverted "
                    "in real captures, formats.md §3.6); STOP rows take their START's value"),
    ("duration_ms", I64, "STOP rows: time since the matching START of the same uid/job, ms"),
)

PENDING = table(
    "jobscheduler_pending",
    "Pending queue entries, in order.",
    ("position", I32, "1-based queue position (≤12 print 0-based `Pending #0`)"),
    ("uid", I64, "calling uid"), ("job_id", I64, ""), ("namespace", S, ""),
    ("package", S, "the app the job runs for (`Source: pkg=`)"),
    ("tag", S, "battery name from the short string (accounts redacted like jobs)"),
    ("waiting_ms", I64, "time in the queue so far, ms (from `Enq:`, positive; 8+)"),
    ("line", I64, ""),
    ("hash", S, "JobStatus identity hash"),
    ("source_uid", I64, ""), ("source_package", S, ""),
    ("evaluated_bias", I32, "`Evaluated priority:` (≤12) / `Evaluated bias:` (13+)"),
)

ACTIVE = table(
    "jobscheduler_active",
    "Active job slots (running jobs and idle slots).",
    ("slot", I32, "`Slot #i` index; null for 13+ `Idle contexts` entries"),
    ("uid", I64, "calling uid of the running job"), ("job_id", I64, ""), ("namespace", S, ""),
    ("package", S, "the app the job runs for (`Source: pkg=`)"),
    ("tag", S, "battery name of the running job"),
    ("running_ms", I64, "running time, ms"),
    ("pending_stop_reason", S, "`Pending stop because` text (12+)"),
    ("inactive_since_ms", I64, "for idle slots: inactive since, ms relative to now"),
    ("stopped_because", S, "for idle slots: why the last job stopped"),
    ("line", I64, ""),
    ("context_id", I64, "13+ JobServiceContext id (`Slot #i(ID=n)`, `Idle contexts` `ID=n`)"),
    ("timeout_ms", I64, "running slots: `timeout at` relative to now, ms"),
    ("pending_stop_reason_code", I32, "public STOP_REASON_* of `Pending stop because`"),
    ("stopped_because_code", I32, "public STOP_REASON_* for `stopped_because`, where known"),
    ("source_uid", I64, ""), ("source_package", S, ""),
    ("evaluated_bias", I32, ""),
)

COMPLETED = table(
    "jobscheduler_completed",
    "Recently completed / cancelled jobs (12+ / 14+).",
    ("status", S, "completed or cancelled"),
    ("uid", I64, "calling uid"),
    ("job_id", I64, "null for 12, which prints no short string (the 14 tag's `#id` is used)"),
    ("namespace", S, ""),
    ("package", S, "the app the job ran for (`Source: pkg=`)"),
    ("tag", S, "battery name"),
    ("ended_ms", I64, "relative to now, ms"),
    ("stop_reason", S, "not printed in the entry: taken from the matching `Job history` STOP"),
    ("line", I64, ""),
    ("stop_reason_code", I32, "public STOP_REASON_* for `stop_reason`, where known"),
    ("source_uid", I64, ""), ("source_package", S, ""),
    ("ended_time", UTC_MS, ""),
)

QUOTA = table(
    "jobscheduler_quota",
    "QuotaController state per package/user (10+) and per job where printed.",
    ("user_id", I32, ""), ("package", S, ""),
    ("bucket", S, "standby bucket"),
    ("in_quota", B, "job rows: not `not within quota` / `out of EJ quota`; execution_stats "
                    "rows: inQuotaTime ≤ the controller's `Current elapsed time`"),
    ("time_left_ms", I64, "remaining execution time in quota, ms (job rows: as printed; "
                          "execution_stats rows: allowed − executionTimeInWindow, the time "
                          "budget only — job/session counts can still exhaust quota, see "
                          "in_quota)"),
    ("execution_ms", I64, "execution time in the window, ms"),
    ("window_ms", I64, "window size, ms"),
    ("job_count", I64, "jobs run in window"),
    ("session_count", I64, "sessions in window"),
    ("detail", S, "the raw stats line"),
    ("line", I64, ""),
    ("source", S, "execution_stats (`Cached execution stats`, one row per bucket), job (the "
                  "per-job `<BUCKET>, within quota, …` line) or timer (`Timer{…}` with its saved "
                  "sessions summed into execution_ms / job_count / session_count)"),
    ("uid", I64, "job rows: source uid"), ("job_id", I64, ""), ("namespace", S, ""),
    ("expedited", B, "EJ quota (job rows `EJ quota`, `Timer<EJ>`)"),
    ("allowed_ms", I64, "allowed time per period (14+ `allowedTimePerPeriodMs`, else the "
                        "QuotaController constant)"),
    ("job_count_limit", I64, ""), ("session_count_limit", I64, ""),
    ("in_quota_elapsed_ms", I64, "`inQuotaTime` (elapsed realtime at which quota frees up)"),
)

SETTINGS = table(
    "jobscheduler_settings",
    "Settings / constants and top-level state lines (key, value), with the block they sit in.",
    ("group", S, "the enclosing block: Settings, QuotaController (constants), Heartbeat, "
                 "Aconfig flags, Concurrency, Uid bias overrides, BatchNetworkJob (Samsung), "
                 "state (top-level lines: Power connected, Started users, Registered jobs, …) "
                 "or state:<Controller> (controller state lines such as `Idle mode: false`)"),
    ("key", S, ""), ("value", S, ""),
    ("line", I64, ""),
)

PACKAGE_STATS = table(
    "jobscheduler_package_stats",
    "JobPackageTracker stats (`Current stats at …` / `Historical stats at …`): one row per "
    "package and period.",
    ("period", S, "current or historical"),
    ("period_start_local", LOCAL_MS, "period start as printed (device-local)"),
    ("period_start_ms", I64, "period start relative to now, ms"),
    ("period_ms", I64, "period length, ms"),
    ("uid", I64, ""), ("user_id", I32, ""), ("package", S, ""),
    ("pending_count", I64, ""), ("pending_pct", I32, "share of the period pending, %"),
    ("active_count", I64, ""), ("active_pct", I32, "share of the period active, %"),
    ("active_top_count", I64, ""), ("active_top_pct", I32, ""),
    ("pending_now", B, "`(pending)` marker"), ("active_now", B, "`(active)` marker"),
    ("stop_reasons", S, "JSON {reason name: count} from the 8.1+ reason line"),
    ("max_concurrency_total", I32, "period's `Max concurrency: <n> total`"),
    ("max_concurrency_fg", I32, "period's `…, <n> foreground`"),
    ("line", I64, ""),
)

TABLES = {t.name: t for t in (JOBS, HISTORY, PENDING, ACTIVE, COMPLETED, QUOTA, SETTINGS,
                              PACKAGE_STATS)}
