"""Tables the analyzer adds: findings, apps, and the attribution columns on parsed tables."""

from __future__ import annotations

import polars as pl

from wakescope.parsers.schema import table

I64, I32, F64, S, B = pl.Int64, pl.Int32, pl.Float64, pl.String, pl.Boolean

# Columns attribution adds to every attributed table (wakelocks, history, jobs, alarms...).
ATTRIBUTION_COLUMNS = (
    ("api", S, "background API: work_manager, job_scheduler, sync_adapter, alarm_manager, "
               "foreground_service, fcm, location, media, bluetooth, widget, broadcast, "
               "user_initiated_transfer, wakelock, system, kernel, unknown"),
    ("component", S, "the component/tag detail the rule extracted (e.g. job service, action)"),
    ("rule", S, "id of the attribution rule that matched (`join:<table>/<id>` when a join "
                "across dumps refined it)"),
    ("owner_package", S, "package the work belongs to: the tag's package (`*job*/<pkg>/…`), "
                         "alarm stats' package for a shared uid's alarm, else the uid's "
                         "(system uids by name, 1000 → android)"),
)

# Columns the analysis writes on jobscheduler_jobs (passes/jobs.job_state): the one answer
# to "why does this job not run" that the findings and the report both show.
JOB_STATE_COLUMNS = (
    ("status", S, "deferred, waiting, ready, scheduled or running"),
    ("wait_reasons", pl.List(S), "why it does not run, in plain words (knowledge wording)"),
    ("waited_ms", I64, "how long a deferred, waiting or ready job has waited (since "
                       "deferred, its earliest run time, or enqueue); null when not due"),
)

FINDINGS = table(
    "findings",
    "One row per finding: a problem (or notable fact) with its measured figure, the "
    "threshold and its source, the evidence rows and a recommendation.",
    ("id", S, "stable id within the capture (kind + package + detail hash)"),
    ("severity", S, "high, medium, low or info"),
    ("kind", S, "excessive_wakelock, stuck_wakelock, excessive_wakeups, deferred_job, "
                "abnormal_job_stops, alarm_deferral, sync_storm, long_foreground_service, "
                "background_location, top_power_consumer, kernel_wakeup_reason, "
                "screen_off_drain, awake_screen_off, kernel_wakelock, full_wakelock, "
                "radio_active, ..."),
    ("title", S, "one line for a human"),
    ("package", S, ""), ("uid", I64, ""),
    ("api", S, "background API (DESIGN.md vocabulary)"),
    ("metric", S, "what was measured (e.g. wakeup_alarms_per_hour)"),
    ("value", F64, "the measured figure"),
    ("unit", S, "unit of value and threshold"),
    ("threshold", F64, "the threshold it was compared with (null for info)"),
    ("threshold_source", S, "where the threshold comes from (e.g. Android vitals)"),
    ("basis", S, "how the figure was computed (history / aggregates, period, normalisation)"),
    ("detail", S, "plain-words explanation (deferral reasons, stop reasons, ...)"),
    ("evidence", S, "JSON list of {table, filter, rows} pointing at the rows used"),
    ("recommendation_id", S, "id in knowledge/recommendations.toml"),
    ("recommendation", S, "what to change, naming the API"),
    ("doc_url", S, "link to the Android documentation for the recommendation"),
    ("energy_mah", F64, "the battery drain the finding explains, mAh (docs/energy.md); null "
                        "where not estimated"),
    ("window_ms", I64, "the observation window the figure was measured over (null: a state "
                       "at capture, no window)"),
    ("scaled", B, "true when value was normalised onto the threshold's window (per hour / "
                  "per 24 h); false when it is the raw figure"),
    ("who", S, "app or platform (system uid or platform/OEM system package: never graded "
               "as an app bug); null for device-level findings"),
)

APPS = table(
    "apps",
    "One row per app uid (a shared uid is one row named after its owner, users' copies of "
    "an app merged): the figures behind the findings, for triage.",
    ("package", S, ""), ("uid", I64, "primary uid"),
    ("partial_wakelock_ms", I64, "partial wakelock time in the stats period, ms"),
    ("partial_wakelock_ms_per_24h", F64, "normalised to 24 h of the period"),
    ("wakeup_alarms", I64, "wakeup alarms counted"),
    ("wakeups_per_hour", F64, ""),
    ("jobs_run", I64, ""), ("job_ms", I64, ""),
    ("jobs_registered", I64, ""), ("jobs_deferred", I64, "registered jobs waiting"),
    ("syncs", I64, ""), ("sync_ms", I64, ""),
    ("foreground_service_ms", I64, ""),
    ("power_mah", F64, ""), ("power_share", F64, "share of apps' estimated power, 0–1"),
    ("energy_share", F64, "power_mah as a share of the battery's measured loss, 0–1 "
                          "(docs/energy.md)"),
    ("cpu_ms", I64, "CPU time (user + kernel) over the app's processes, ms"),
    ("radio_mah", F64, "mobile-radio energy in the power model's breakdown, mAh"),
    ("gps_mah", F64, "GPS energy in the power model's breakdown, mAh"),
    ("apis", pl.List(S), "APIs seen for this app, most time first"),
    ("findings", I64, "number of findings"),
    ("worst_severity", S, ""),
    ("uids", pl.List(I64), "every uid the package was seen under (users, clones), ascending"),
    ("shared_packages", S, "a shared uid's packages, comma-separated (the row is named after "
                           "its owner); null when the uid has one package"),
)

UTC_MS = pl.Datetime("ms", "UTC")

HISTORY_INTERVALS = table(
    "history_intervals",
    "One row per held interval in the battery history, of every kind, each with a proven "
    "end (`closed_by`). Start and stop records pair by the tag string and uid they name, "
    "never by pool index; a start without its stop closes at the first proof it ended and "
    "wakelock-backed work never runs past the CPU-awake span. The one source for the "
    "timeline, the passes and the exports.",
    ("kind", S, "wakelock (full-wake-history `wake_lock_in`/`Ewl`, exact per tag), "
                "wakelock_state (the device's wakelock state, `tag` = its first holder; "
                "`screen` with no uid is the display's own wakelock, no tag an unnamed "
                "legacy holder), job, sync, alarm (`Eal`, full history), longwake (> 60 s), "
                "top, foreground (uid foreground process state, incl. foreground services), "
                "tmp_allowlist, process, component (`est_capacity`/`state` 15+: audio, video, "
                "gnss, camera), cpu_running, screen, screen_doze, plugged, charging, doze "
                "(`tag` light/full), battery_saver, gps, and the other state bits by name "
                "(wifi_scan, mobile_radio, audio, camera, ble_scan, …)"),
    ("uid", I64, "integer uid; null for device states"),
    ("package", S, "the work's package (attribution's owner package, else the uid's, else "
                   "the package the history's own `top`/`pkgactive` strings name for it)"),
    ("tag", S, "wakelock tag / job battery name / sync name / alarm tag / package (top); "
               "the value for doze (light, full) and plug (ac, usb, …)"),
    ("api", S, "background API of the start record (attribution)"),
    ("start_elapsed_ms", I64, "elapsed realtime of the start in the capture's boot; null "
                              "without a capture clock or for earlier boots"),
    ("end_elapsed_ms", I64, "elapsed realtime of the end (as start_elapsed_ms)"),
    ("start", UTC_MS, "start, UTC: the history's elapsed axis mapped through the clock "
                      "record of its segment (current boot: the last one), so clock jumps "
                      "do not stretch it"),
    ("end", UTC_MS, "end, UTC (as start)"),
    ("duration_ms", I64, "end − start on the elapsed axis, ms"),
    ("closed_by", S, "release (its own stop), next_holder (wakelock_state: another holder "
                     "named), cpu_sleep (`-running`), state_drop (`-wake_lock`: no wakelock "
                     "held), reset, shutdown, reboot (`START`), end_of_history (still open)"),
    ("opened_by", S, "start (its own start record) or history_start (a stop whose start "
                     "predates the history: opened at the latest proof it could have started)"),
    ("start_offset_ms", I64, "start, ms since the history's first record"),
    ("end_offset_ms", I64, "end, ms since the history's first record"),
    ("on_battery_ms", I64, "the part of the interval on battery (not plugged), ms"),
    ("screen_off_ms", I64, "the part on battery with the screen off, ms (the screen is "
     "off from a `SHUTDOWN`, `START` or `RESET` record to the next `+screen`, as the "
     "`screen` intervals have it)"),
    ("start_row", I64, "batterystats_history row of the start"),
    ("end_row", I64, "batterystats_history row of the end (its stop or the proof)"),
)

WAKEUP_CHAINS = table(
    "wakeup_chains",
    "One row per device wakeup in the battery history (a `+running` record; else a kernel "
    "`wake_reason`, else a `wakeupap`), linked to its kernel reason and to the first work "
    "that ran after it within the declared window (knowledge/wakeup_chains.toml), and so to "
    "an app and an API; plus one row per failed suspend (`Abort:` reason) naming the "
    "wakeup source that was held.",
    ("wake_time", UTC_MS, "when the CPU woke, UTC (history_intervals' time axis)"),
    ("wake_elapsed_ms", I64, "elapsed realtime of the wakeup in the capture's boot"),
    ("wake_offset_ms", I64, "ms since the history's first record"),
    ("event", S, "wakeup or suspend_abort"),
    ("reason", S, "kernel wakeup reason (`<irq>:<name>…`, `Abort:…`); null when the history "
                  "printed none within the window"),
    ("reason_class", S, "rtc_alarm, network, sensor_input, power, suspend_abort, unknown, "
                        "other (first matching pattern)"),
    ("cause_kind", S, "alarm, job, sync, fcm, wakelock, wakeup_ap (a radio packet for the "
                      "uid), none (nothing ran in the window); abort rows: wakeup_source, "
                      "device (a device failed to suspend), unknown"),
    ("tag", S, "the cause's wakelock tag / job / sync / alarm tag; for aborts the wakeup "
               "source(s) held (`Last active` / `Pending Wakeup Sources`, as in "
               "batterystats_kernel_wakelocks) or the device that failed to suspend"),
    ("uid", I64, "uid of the cause"),
    ("package", S, "package of the cause"),
    ("api", S, "background API of the cause (alarm_manager, job_scheduler, sync_adapter, fcm, "
               "wakelock, network, …; kernel for aborts)"),
    ("lag_ms", I64, "ms from the wakeup to its cause"),
    ("awake_ms", I64, "how long the CPU stayed up (to the next `-running`); null when it "
                      "never slept again in the history"),
    ("screen_off", B, "the screen was off at the wakeup"),
    ("wake_row", I64, "batterystats_history row of the wakeup"),
    ("cause_row", I64, "batterystats_history row of the cause"),
)

ENERGY = table(
    "energy",
    "The energy budget as a tree, one row per node: the battery's measured loss (total), "
    "device components, apps and `unaccounted` (components), each app (under apps) and the "
    "background APIs that spent its energy (docs/energy.md).",
    ("node", S, "path of the node: `total`, `total/<component>`, `total/apps/<uid>`, "
                "`total/apps/<uid>/<api>`"),
    ("parent", S, "the parent node (null for total)"),
    ("level", S, "total, component, app or api"),
    ("name", S, "component name (screen, cell, wifi, bluetooth, idle, cpu, gps, camera, "
                "flashlight, apps, unaccounted, …), package, or api (`unattributed` for the "
                "remainder no API explains)"),
    ("package", S, "app and api rows: the uid's package"),
    ("uid", I64, "app and api rows: the uid"),
    ("api", S, "api rows: the background API"),
    ("mah", F64, "mAh (unaccounted is negative when the power model over-counts)"),
    ("share", F64, "mah / total mAh"),
    ("method", S, "total: how the loss was measured (coulomb_counter, level_x_capacity, "
                  "computed_drain); others: power model, residual, or the API split method"),
)

TABLES = {t.name: t for t in (FINDINGS, APPS, ENERGY, HISTORY_INTERVALS, WAKEUP_CHAINS)}


def all_schemas() -> dict:
    """Every table wakescope writes: the parsers' (in section order), then the analyzer's."""
    from wakescope.parsers.schemas import all_tables

    return {**all_tables(), **TABLES}
