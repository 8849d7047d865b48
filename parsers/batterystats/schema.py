"""Tables produced from `dumpsys batterystats` (human form and `-c` checkin).

Both forms write the same tables; `source` says which one a row came from. uid columns
hold the integer uid (`u0a123` → 10123); `user_id = uid // 100000`.
"""

from __future__ import annotations

import polars as pl

from wakescope.parsers.schema import LOCAL_MS, UTC_MS, table

I64, I32, F64, S, B = pl.Int64, pl.Int32, pl.Float64, pl.String, pl.Boolean

UID_COLS = (
    ("uid", I64, "integer uid (u0a123 → 10123); null for device-level rows"),
    ("user_id", I32, "Android user (uid // 100000)"),
    ("package", S, "package owning the uid, from the capture's uid → package map"),
)

HISTORY = table(
    "batterystats_history",
    "One row per state change, value change, event or marker in the battery history "
    "(human `Battery History` block or checkin `9,h` records).",
    ("seq", I64, "record index in the history (0-based); tokens of one record share it"),
    ("offset_ms", I64, "ms since the history's first record, as printed (signed deltas summed)"),
    ("elapsed_ms", I64, "elapsed realtime ms via the capture clock; null when unknown"),
    ("time", UTC_MS, "absolute time in UTC, when the capture's UTC offset is known"),
    ("local_time", LOCAL_MS, "device-local wall time, from RESET:TIME / TIME records"),
    ("battery_level", I32, "battery level (%) in force at this record"),
    ("kind", S, "state (on/off bit), value (name=value field), battery (status/plug/temp/volt/"
                "charge), event (job, sync, top, ...), wakelock (wake_lock tag), "
                "wake_reason, marker (RESET, TIME, START, SHUTDOWN, OVERFLOW)"),
    ("transition", S, "start (+), stop (-), instant (event without sign), set (name=value)"),
    ("name", S, "human long name: wake_lock, screen, job, sync, top, wake_reason, plug, ..."),
    ("value", S, "raw value (brightness=bright → bright; marker time text)"),
    ("tag", S, "the string of an event or wakelock tag (job battery name, sync name, tag)"),
    *UID_COLS,
    ("source", S, "human or checkin"),
)

WAKELOCKS = table(
    "batterystats_wakelocks",
    "Per-uid wakelock totals since last charge (`Wake lock` lines / checkin `wl`), one row "
    "per uid × tag × kind.",
    *UID_COLS,
    ("tag", S, "wakelock tag as the app passed it (`*job*/…`, `*alarm*`, app tags)"),
    ("kind", S, "partial, full, window, or background_partial (8.0+ `bp`)"),
    ("total_ms", I64, "blamed (pooled) time, ms"),
    ("count", I64, "times acquired"),
    ("max_ms", I64, "longest single hold, ms (7.1+; null where not tracked)"),
    ("actual_ms", I64, "un-pooled real time held, ms (8.0+ totalDuration / `actual=`)"),
    ("current_ms", I64, "time held at capture by a still-held wakelock, ms"),
    ("source", S, "human or checkin"),
)

AGGREGATED_WAKELOCKS = table(
    "batterystats_aggregated_wakelocks",
    "Per-uid aggregated partial wakelock time (checkin `awl`, 8.0+): the real time any "
    "partial wakelock of the uid was held, total and in background.",
    *UID_COLS,
    ("total_ms", I64, "ms"),
    ("background_ms", I64, "ms"),
    ("source", S, "human or checkin"),
)

JOBS = table(
    "batterystats_jobs",
    "Per-uid job run totals (`Job` lines / checkin `jb`).",
    *UID_COLS,
    ("job", S, "job battery name: `<pkg>/<service>` (14+: may carry a namespace/`#id`)"),
    ("total_ms", I64, "time running, ms"),
    ("count", I64, "runs"),
    ("background_ms", I64, "time running while the app was in background (8.0+)"),
    ("background_count", I64, "background runs (8.0+)"),
    ("source", S, "human or checkin"),
)

JOB_COMPLETIONS = table(
    "batterystats_job_completions",
    "How jobs ended, per uid × job × reason (`Job Completions` / checkin `jbc`).",
    *UID_COLS,
    ("job", S, "job battery name"),
    ("reason", S, "stop reason name (canceled, constraints, preempt, timeout, device_idle, ...)"),
    ("reason_code", I32, "JobParameters code where known"),
    ("count", I64, "jobs ended with this reason"),
    ("source", S, "human or checkin"),
)

JOB_DEFERRALS = table(
    "batterystats_job_deferrals",
    "Jobs deferred on app launch (`Jobs deferred on launch` / checkin `jbd`, 9+).",
    *UID_COLS,
    ("deferred_events", I64, "deferral events"),
    ("deferred_count", I64, "jobs deferred"),
    ("total_latency_ms", I64, "sum of deferral latencies, ms"),
    ("under_1h", I64, "deferred < 1 h"),
    ("h1_2", I64, "1–2 h"),
    ("h2_4", I64, "2–4 h"),
    ("h4_8", I64, "4–8 h"),
    ("over_8h", I64, "> 8 h"),
    ("source", S, "human or checkin"),
)

SYNCS = table(
    "batterystats_syncs",
    "Per-uid sync totals (`Sync` lines / checkin `sy`). Account names are redacted by default.",
    *UID_COLS,
    ("sync", S, "`<authority>/<account type>/<account>` (account redacted unless --no-redact)"),
    ("authority", S, "content authority"),
    ("total_ms", I64, "ms"),
    ("count", I64, "runs"),
    ("background_ms", I64, "ms (8.0+)"),
    ("background_count", I64, "(8.0+)"),
    ("source", S, "human or checkin"),
)

WAKEUP_ALARMS = table(
    "batterystats_wakeup_alarms",
    "Wakeup alarms per uid × tag (`Wakeup alarm` lines / checkin `wua`).",
    *UID_COLS,
    ("tag", S, "alarm stats tag (`*walarm*:<action or component>`)"),
    ("count", I64, "wakeups (screen-off time base since checkin v25)"),
    ("source", S, "human or checkin"),
)

KERNEL_WAKELOCKS = table(
    "batterystats_kernel_wakelocks",
    "Kernel wakelocks / wakeup sources (`Kernel Wake lock` / checkin `kwl`).",
    ("name", S, "wakeup source name"),
    ("total_ms", I64, "ms"),
    ("count", I64, "times"),
    ("source", S, "human or checkin"),
)

WAKEUP_REASONS = table(
    "batterystats_wakeup_reasons",
    "Kernel wakeup reasons (`Wakeup reason` / checkin `wr`).",
    ("reason", S, "wakeup reason (IRQ and name)"),
    ("total_ms", I64, "ms"),
    ("count", I64, "times"),
    ("source", S, "human or checkin"),
)

POWER_USE = table(
    "batterystats_power_use",
    "Estimated power use in mAh (`Estimated power use` / checkin `pwi`), per uid or device "
    "component.",
    *UID_COLS,
    ("component", S, "`total` for a uid's total; else the component (screen, cpu, wifi, cell, "
                     "idle, bluetooth, ...)"),
    ("mah", F64, "mAh"),
    ("category", S, "uid, user, device or global"),
    ("source", S, "human or checkin"),
    ("hidden", B, "checkin `pwi` 8.0+: shouldHide (8.0–12) / hidden-or-system flag (13+)"),
    ("screen_mah", F64, "checkin `pwi` 8.0+: screen power blamed on this uid, mAh"),
    ("proportional_mah", F64, "checkin `pwi` 8.0+: proportional smear (hidden/system power "
                              "spread over apps), mAh"),
    ("fg_mah", F64, "14+: part of the uid total while in the foreground (`fg:`)"),
    ("bg_mah", F64, "14+: part while in the background (`bg:`)"),
    ("fgs_mah", F64, "14+: part while running a foreground service (`fgs:`)"),
    ("cached_mah", F64, "14+: part while cached (`cached:`)"),
)

PROCESSES = table(
    "batterystats_processes",
    "Per-process CPU and lifecycle counts (`Proc` lines / checkin `pr`).",
    *UID_COLS,
    ("process", S, "process name"),
    ("user_ms", I64, "CPU user time, ms"),
    ("system_ms", I64, "CPU system time, ms"),
    ("foreground_ms", I64, "ms"),
    ("starts", I64, ""),
    ("anrs", I64, ""),
    ("crashes", I64, ""),
    ("source", S, "human or checkin"),
)

FOREGROUND_SERVICES = table(
    "batterystats_foreground_services",
    "Per-uid foreground service time (`Foreground services` / checkin `fgs`, 8.1+).",
    *UID_COLS,
    ("total_ms", I64, "ms"),
    ("count", I64, "times"),
    ("running", B, "`(running)`: a service was still in the foreground at capture (human "
                   "form only); with count 0 it was started before the stats reset"),
    ("source", S, "human or checkin"),
)

UID_STATES = table(
    "batterystats_uid_states",
    "Per-uid media timers and process-state times (`Audio:`, `Video:`, `Foreground "
    "activities:`, `Top for:`, `Fg Service for:` …), the context findings need: media "
    "playback is not a transfer, time as the top app is not background work.",
    *UID_COLS,
    ("state", S, "audio, video, foreground_activities, top, fg_service, foreground, "
                 "background, cached, top_sleeping, heavy_weight"),
    ("total_ms", I64, "ms"),
    ("count", I64, "times (timers only)"),
    ("running", B, "`(running)` at capture (timers only)"),
    ("source", S, "human"),
)

SENSORS = table(
    "batterystats_sensors",
    "Per-uid sensor use since last charge (human `Sensor <n>: …` lines / checkin `sr`), one "
    "row per uid × sensor; the GPS pseudo-sensor (`Sensor GPS`, checkin `-10000`) measures "
    "location use. Sensors printed `(not used)` (checkin: no line) give no row.",
    *UID_COLS,
    ("sensor", S, "sensor handle as printed (`1`, `16842753`); `GPS` for the GPS pseudo-sensor "
                  "(AOSP BatteryStats.Uid.Sensor.GPS = -10000)"),
    ("sensor_name", S, "human name where known: `GPS` for the GPS pseudo-sensor; other handles "
                       "are only named in `dumpsys sensorservice`"),
    ("total_ms", I64, "blamed (pooled) time the sensor was on for the uid, ms"),
    ("count", I64, "times enabled"),
    ("background_count", I64, "times enabled while the app was in background (8.0+)"),
    ("actual_ms", I64, "un-pooled real time on, ms (8.0+; human: the `realtime` value, which "
                       "follows `… blamed realtime` when pooling made them differ)"),
    ("background_actual_ms", I64, "un-pooled real time on while in background, ms (8.0+)"),
    ("source", S, "human or checkin"),
)

PACKAGES = table(
    "packages",
    "uid → package map (checkin `i,uid` / `apk`, human uid headers, history strings).",
    ("uid", I64, "integer uid (app id for checkin `i,uid` rows, which are keyed by app id)"),
    ("app_id", I64, "uid % 100000"),
    ("user_id", I32, "uid // 100000"),
    ("package", S, "package name"),
    ("source", S, "where the mapping came from"),
)

SUMMARY = table(
    "batterystats_summary",
    "One row for the stats period (`Statistics since last charge` / checkin `bt`, `dc`, `m`).",
    ("start_time", UTC_MS, "stats start (checkin bt startClockTime), UTC"),
    ("start_local", LOCAL_MS, "stats/history start in device-local time (RESET:TIME)"),
    ("battery_realtime_ms", I64, "time on battery, ms"),
    ("battery_uptime_ms", I64, "awake time on battery, ms"),
    ("screen_off_realtime_ms", I64, "screen-off time on battery, ms"),
    ("screen_off_uptime_ms", I64, "screen-off awake time on battery, ms"),
    ("total_realtime_ms", I64, "total realtime since reset, ms"),
    ("screen_on_ms", I64, "ms"),
    ("screen_doze_ms", I64, "ms (8.1+)"),
    ("interactive_ms", I64, "ms"),
    ("full_wakelock_ms", I64, "ms"),
    ("partial_wakelock_ms", I64, "ms"),
    ("deep_idle_ms", I64, "device idle (Doze) mode, ms"),
    ("light_idle_ms", I64, "light Doze mode, ms"),
    ("mobile_radio_active_ms", I64, "ms"),
    ("start_level", I32, "battery % at stats start (history first level)"),
    ("end_level", I32, "battery % at capture (history last level)"),
    ("discharge_pct", I32, "discharge % (high bound)"),
    ("discharge_low_pct", I32, "discharge % (low bound: `Amount discharged (lower bound)` / "
                               "checkin dc low)"),
    ("discharge_screen_on_pct", I32, "%"),
    ("discharge_screen_off_pct", I32, "%"),
    ("discharge_mah", F64, "mAh"),
    ("discharge_screen_off_mah", F64, "mAh"),
    ("estimated_capacity_mah", F64, "mAh"),
    ("history_events", I64, "rows in batterystats_history"),
    ("checkin_version", I32, "checkin version where the source is checkin"),
    ("source", S, "human or checkin"),
)

TABLES = {t.name: t for t in (
    HISTORY, WAKELOCKS, AGGREGATED_WAKELOCKS, JOBS, JOB_COMPLETIONS, JOB_DEFERRALS, SYNCS,
    WAKEUP_ALARMS, KERNEL_WAKELOCKS, WAKEUP_REASONS, POWER_USE, PROCESSES,
    FOREGROUND_SERVICES, SENSORS, PACKAGES, SUMMARY, UID_STATES,
)}
