"""Tables produced from `dumpsys alarm` (pre-S batches, S+ store, OEM variants)."""

from __future__ import annotations

import polars as pl

from ..schema import UTC_MS, table

I64, I32, F64, S, B = pl.Int64, pl.Int32, pl.Float64, pl.String, pl.Boolean
LS = pl.List(pl.String)

PENDING = table(
    "alarm_pending",
    "One row per pending alarm (batch lists, S+ store, idle-pending lists).",
    ("list", S, "pending, pending_while_idle, pending_user_blocked, ..."),
    ("batch", I32, "batch index (pre-S), null in the S+ store"),
    ("position", I32, "`#n` as printed"),
    ("type", S, "RTC_WAKEUP, RTC, ELAPSED_WAKEUP, ELAPSED"),
    ("wakeup", B, "wakeup type"),
    ("orig_type", S, "Samsung `origType` when downgraded"),
    ("tag", S, "stats tag (`*walarm*:…` / `*alarm*:…`)"),
    ("package", S, "package printed at the end of `Alarm{…}` (the creator)"),
    ("uid", I64, "creator uid where printed (12+)"),
    ("target_package", S, "PendingIntent creator/target package, or listener owner"),
    ("when_elapsed_ms", I64, "trigger time, elapsed realtime ms"),
    ("when_time", UTC_MS, "trigger time, UTC (via nowRTC/nowELAPSED)"),
    ("when_relative_ms", I64, "trigger time relative to now, ms"),
    ("window_ms", I64, "window length, ms (0 = exact)"),
    ("exact", B, "window == 0"),
    ("repeat_interval_ms", I64, "0 = one-shot"),
    ("count", I64, "missed-repeat count"),
    ("flags", I64, "flags bit mask"),
    ("flag_names", LS, "decoded flags (STANDALONE, WAKE_FROM_IDLE, ALLOW_WHILE_IDLE, ...)"),
    ("exact_allow_reason", S, "12+: permission, policy_permission, listener, ..."),
    ("policy_requester_ms", I64, "policyWhenElapsed requester, relative ms"),
    ("policy_app_standby_ms", I64, "app_standby policy, relative ms"),
    ("policy_device_idle_ms", I64, "device_idle policy, relative ms"),
    ("policy_battery_saver_ms", I64, "battery_saver policy, relative ms"),
    ("policy_other", S, "JSON of other policies (tare, gms_manager, ...)"),
    ("deferred_by", S, "policy whose time is latest and later than the requester's, if any"),
    ("alarm_clock", B, "setAlarmClock alarm (has alarm-clock info)"),
    ("operation_kind", S, "broadcastIntent, startService, startActivity, ..."),
    ("operation_target", S, "PendingIntent creator package"),
    ("listener", S, "listener tag / object, for listener alarms"),
    ("line", I64, "1-based input line"),
)

STATS = table(
    "alarm_stats",
    "Alarm Stats: one row per package × tag, with the package header totals repeated.",
    ("package", S, ""), ("uid", I64, ""), ("user_id", I32, ""),
    ("package_running_ms", I64, "package header: running time, ms"),
    ("package_wakeups", I64, "package header: wakeups"),
    ("package_alarms", I64, "package header: alarms"),
    ("tag", S, "stats tag"),
    ("running_ms", I64, "per tag running time, ms"),
    ("wakeups", I64, "per tag wakeups"),
    ("alarms", I64, "per tag alarms"),
    ("last_delivery_ms", I64, "last delivery relative to now, ms (where printed)"),
    ("line", I64, ""),
)

TOP = table(
    "alarm_top",
    "Top Alarms entries.",
    ("rank", I32, ""), ("package", S, ""), ("uid", I64, ""),
    ("tag", S, ""),
    ("running_ms", I64, ""), ("wakeups", I64, ""), ("alarms", I64, ""),
    ("line", I64, ""),
)

WAKEUP_HISTORY = table(
    "alarm_wakeup_history",
    "App wakeup history (10+) and allow-while-idle history: one row per package/uid × time.",
    ("kind", S, "app_wakeup, allow_while_idle, allow_while_idle_compat, ..."),
    ("package", S, ""), ("uid", I64, ""),
    ("offset_ms", I64, "relative to now, ms"),
    ("line", I64, ""),
)

SETTINGS = table(
    "alarm_settings",
    "Settings and state lines (key, value): constants, idle state, next wakeup, etc.",
    ("group", S, ""), ("key", S, ""), ("value", S, ""), ("line", I64, ""),
)

PROBLEMS = table(
    "alarm_problems",
    "Recent problems / past-due and removal history entries where printed.",
    ("kind", S, ""), ("package", S, ""), ("uid", I64, ""), ("detail", S, ""),
    ("offset_ms", I64, ""), ("line", I64, ""),
)

TABLES = {t.name: t for t in (PENDING, STATS, TOP, WAKEUP_HISTORY, SETTINGS, PROBLEMS)}
