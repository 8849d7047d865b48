"""Tables produced from `dumpsys alarm` (pre-S batches, S+ store, OEM variants).

Relative times are relative to the dump's own `nowELAPSED`; absolute times use its
`nowRTC`/`nowELAPSED` pair (formats.md §6.4). Device-local dates (RTC `when=`, history
`rtc=`) are converted with the offset between `nowRTC`'s epoch ms and its printed date.
"""

from __future__ import annotations

import polars as pl

from wakescope.parsers.schema import UTC_MS, table

I64, I32, F64, S, B = pl.Int64, pl.Int32, pl.Float64, pl.String, pl.Boolean
LS = pl.List(pl.String)

PENDING = table(
    "alarm_pending",
    "One row per pending alarm (batch lists, S+ store, idle-pending lists).",
    ("list", S, "pending, pending_user_blocked, pending_while_idle, idling_until, "
                "next_wake_from_idle, past_due_non_wakeup"),
    ("batch", I32, "batch index (pre-S, 0-based in print order), null in the S+ store"),
    ("position", I32, "`#n` as printed (0-based descending ≤11, 1-based ascending 12+)"),
    ("type", S, "RTC_WAKEUP, RTC, ELAPSED_WAKEUP, ELAPSED"),
    ("wakeup", B, "wakeup type"),
    ("orig_type", S, "Samsung `origType` when downgraded"),
    ("tag", S, "stats tag (`*walarm*:…` / `*alarm*:…`)"),
    ("package", S, "package printed at the end of `Alarm{…}` (target ≤10, creator 11+)"),
    ("uid", I64, "not printed per alarm: filled from this dump's Alarm Stats / Top Alarms "
                 "when the package maps to exactly one uid there"),
    ("target_package", S, "PendingIntent creator package, else the `Alarm{…}` package"),
    ("when_elapsed_ms", I64, "delivery time (whenElapsed), elapsed realtime ms; null if never"),
    ("when_time", UTC_MS, "delivery time, UTC (via nowRTC/nowELAPSED); null if never"),
    ("when_relative_ms", I64, "delivery time relative to now, ms; null if never"),
    ("window_ms", I64, "window length, ms (0 = exact, -1 = legacy heuristic)"),
    ("exact", B, "window == 0"),
    ("repeat_interval_ms", I64, "0 = one-shot"),
    ("count", I64, "missed-repeat count"),
    ("flags", I64, "flags bit mask"),
    ("flag_names", LS, "decoded flags (STANDALONE, WAKE_FROM_IDLE, ALLOW_WHILE_IDLE, ...)"),
    ("exact_allow_reason", S, "12+: permission, policy_permission, listener, prioritized, ..."),
    ("policy_requester_ms", I64, "policyWhenElapsed requester, relative ms"),
    ("policy_app_standby_ms", I64, "app_standby policy, relative ms"),
    ("policy_device_idle_ms", I64, "device_idle policy, relative ms"),
    ("policy_battery_saver_ms", I64, "battery_saver policy, relative ms"),
    ("policy_other", S, "JSON of other policies (tare, gms_manager, ...), relative ms or null"),
    ("deferred_by", S, "policy whose time is latest and later than the requester's, if any"),
    ("alarm_clock", B, "setAlarmClock alarm (has alarm-clock info)"),
    ("operation_kind", S, "broadcastIntent, startService, startActivity, ..."),
    ("operation_target", S, "PendingIntent creator package"),
    ("listener", S, "listener tag / object, for listener alarms"),
    ("line", I64, "1-based input line"),
    # Added by the parser (documented here; not renamed by anyone).
    ("alarm_hash", S, "identity hash in `Alarm{<hex> …}` (unique within one dump only)"),
    ("type_code", I32, "numeric type 0–3 from `Alarm{… type <n> …}`"),
    ("batch_start_elapsed_ms", I64, "pre-S batch start; null when negative/overflowed/never"),
    ("batch_end_elapsed_ms", I64, "pre-S batch end; null when negative/overflowed/never"),
    ("when_raw", S, "requested time as printed (`when=` / `origWhen=`, else the `Alarm{}` value)"),
    ("orig_when_time", UTC_MS, "requested trigger time, UTC (RTC: epoch ms or local date)"),
    ("never", B, "trigger time is Long.MAX 'never' (≥ 10⁴ days, year 292278994)"),
    ("expected_when_elapsed_ms", I64, "9–11 expectedWhenElapsed (before standby deferral)"),
    ("max_when_elapsed_ms", I64, "end of the delivery window, elapsed ms"),
    ("deferral_ms", I64, "12+: latest policy − requester; 9–11: whenElapsed − expected"),
    ("using_reserve_quota", B, "13+ `usingReserveQuota=true`"),
    ("alarm_clock_trigger", S, "`Alarm clock:` triggerTime as printed"),
    ("operation_feature", S, "PendingIntentRecord feature id (`pkg/<feature>`)"),
)

STATS = table(
    "alarm_stats",
    "Alarm Stats: one row per package × tag, with the package header totals repeated.",
    ("package", S, ""), ("uid", I64, ""), ("user_id", I32, ""),
    ("package_running_ms", I64, "package header: running time, ms"),
    ("package_wakeups", I64, "package header: wakeups"),
    ("package_alarms", I64, "alarms for the package: the header value where an OEM prints one, "
                            "else the sum of its tag rows (AOSP headers print none)"),
    ("tag", S, "stats tag"),
    ("running_ms", I64, "per tag running time, ms"),
    ("wakeups", I64, "per tag wakeups"),
    ("alarms", I64, "per tag alarms"),
    ("last_delivery_ms", I64, "last delivery relative to now, ms (where printed)"),
    ("line", I64, ""),
    ("active", B, "`*ACTIVE*` (a delivery is in flight) on the tag line; on the package "
                  "line for a package row without tags"),
    ("last_delivery_time", UTC_MS, "last delivery, UTC"),
)

TOP = table(
    "alarm_top",
    "Top Alarms entries.",
    ("rank", I32, ""), ("package", S, ""), ("uid", I64, ""),
    ("tag", S, ""),
    ("running_ms", I64, ""), ("wakeups", I64, ""), ("alarms", I64, ""),
    ("line", I64, ""),
    ("active", B, "`*ACTIVE*` prefix"),
)

WAKEUP_HISTORY = table(
    "alarm_wakeup_history",
    "Per package/uid event times: app wakeup history (10+), allow-while-idle histories, "
    "last dispatch times, and OEM (Samsung) addition / delivery / expiration / screen-off "
    "wakeup histories. One row per event.",
    ("kind", S, "app_wakeup, allow_while_idle, allow_while_idle_compat, "
                "allow_while_idle_last_dispatch, priority_dispatch, last_delivered (9), "
                "addition, delivery, expiration, screen_off_wakeup (Samsung)"),
    ("package", S, ""), ("uid", I64, ""),
    ("offset_ms", I64, "relative to now, ms"),
    ("line", I64, ""),
    ("user_id", I32, "user id where printed (`pkg, u<user>:`)"),
    ("tag", S, "alarm tag (Samsung histories)"),
    ("elapsed_ms", I64, "event time, elapsed realtime ms"),
    ("time", UTC_MS, "event time, UTC"),
    ("detail", S, "other printed fields, as printed"),
)

SETTINGS = table(
    "alarm_settings",
    "Settings and state lines (key, value): constants, idle state, next wakeup, etc.",
    ("group", S, ""), ("key", S, ""), ("value", S, ""), ("line", I64, ""),
    ("value_ms", I64, "the value's leading formatDuration token in ms, where it is one "
                      "(next_alarm_clock: trigger time, epoch ms)"),
)

PROBLEMS = table(
    "alarm_problems",
    "Recent problems, removal history (12+) and outstanding deliveries, where printed.",
    ("kind", S, "recent_problem, removal, in_flight"), ("package", S, ""), ("uid", I64, ""),
    ("detail", S, ""),
    ("offset_ms", I64, ""), ("line", I64, ""),
    ("reason", S, "removal reason (alarm_cancelled, pi_cancelled, ...)"),
    ("tag", S, "alarm tag (removal snapshot, in-flight)"),
    ("type", S, "alarm type (removal snapshot)"),
    ("elapsed_ms", I64, "event time, elapsed realtime ms"),
    ("time", UTC_MS, "event time, UTC"),
    ("deferred_by", S, "removal snapshot: policy later than the requester (see alarm_pending)"),
    ("deferral_ms", I64, "removal snapshot: latest policy − requester, ms"),
)

EXACT_PERMISSION = table(
    "alarm_exact_permission",
    "12+ exact-alarm permission state: `App ids requesting SCHEDULE_EXACT_ALARM` joined with "
    "`Last OP_SCHEDULE_EXACT_ALARM` (one row per app id / uid).",
    ("app_id", I64, "app id (uid % 100000)"),
    ("uid", I64, "uid from the app-op list, where printed"),
    ("requesting", B, "app id listed as requesting SCHEDULE_EXACT_ALARM"),
    ("op_mode", S, "last OP_SCHEDULE_EXACT_ALARM mode: allow, default, ignore, deny, ..."),
    ("line", I64, ""),
)

TABLES = {t.name: t for t in (PENDING, STATS, TOP, WAKEUP_HISTORY, SETTINGS, PROBLEMS,
                              EXACT_PERMISSION)}
