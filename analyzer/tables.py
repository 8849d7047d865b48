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

FINDINGS = table(
    "findings",
    "One row per finding: a problem (or notable fact) with its measured figure, the "
    "threshold and its source, the evidence rows and a recommendation.",
    ("id", S, "stable id within the capture (kind + package + detail hash)"),
    ("severity", S, "high, medium, low or info"),
    ("kind", S, "excessive_wakelock, stuck_wakelock, excessive_wakeups, deferred_job, "
                "abnormal_job_stops, alarm_deferral, sync_storm, long_foreground_service, "
                "background_location, top_power_consumer, kernel_wakeup_reason, ..."),
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
)

APPS = table(
    "apps",
    "One row per package: the figures behind the findings, for triage.",
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
    ("apis", pl.List(S), "APIs seen for this app, most time first"),
    ("findings", I64, "number of findings"),
    ("worst_severity", S, ""),
    ("uids", pl.List(I64), "every uid the package was seen under (users, clones), ascending"),
)

TABLES = {t.name: t for t in (FINDINGS, APPS)}
