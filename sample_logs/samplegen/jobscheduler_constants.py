"""Tables the `dumpsys jobscheduler` writer prints from: constraint bits, network
capabilities, and each release's Settings, Aconfig flags and concurrency constants."""

from __future__ import annotations

from . import fmt
from .world import APPS

# Constraint bits (JobStatus, formats.md §3.2) in dumpConstraints print order.
BITS = [("CHARGING", 1), ("BATTERY_NOT_LOW", 2), ("STORAGE_NOT_LOW", 8),
        ("TIMING_DELAY", 1 << 31), ("DEADLINE", 1 << 30), ("IDLE", 4),
        ("CONNECTIVITY", 1 << 28), ("FLEXIBILITY", 1 << 21), ("CONTENT_TRIGGER", 1 << 26),
        ("DEVICE_NOT_DOZING", 1 << 25), ("BACKGROUND_NOT_RESTRICTED", 1 << 22),
        ("PREFETCH", 1 << 23), ("TARE_WEALTH", 1 << 27), ("WITHIN_QUOTA", 1 << 24),
        ("WITHIN_EXPEDITED_QUOTA", 1 << 23)]  # 12 only (13 reused the bit for PREFETCH)
IMPLICIT_OK = {"DEVICE_NOT_DOZING", "BACKGROUND_NOT_RESTRICTED", "TARE_WEALTH"}

NET_ANY = ("INTERNET&NOT_RESTRICTED&TRUSTED&VALIDATED&NOT_VCN_MANAGED")
NET_UNMETERED = ("NOT_METERED&INTERNET&NOT_RESTRICTED&TRUSTED&VALIDATED&NOT_VCN_MANAGED")

APPS_BY_UID = {a.uid: a.package for a in APPS.values()}

SETTINGS = fmt.block("""Settings:
  min_ready_cpu_only_jobs_count=3~
  min_ready_non_active_jobs_count=5~
  max_cpu_only_job_batch_delay_ms=1860000~
  max_non_active_job_batch_delay_ms=1860000~
  heavy_use_factor=0.9~
  moderate_use_factor=0.5~
  min_linear_backoff_time_ms=10000~
  min_exp_backoff_time_ms=10000~
  system_stop_to_failure_ratio=3~
  conn_congestion_delay_frac=0.5~
  conn_prefetch_relax_frac=0.5~
  conn_use_cell_signal_strength=true~
  conn_update_all_jobs_min_interval_ms=60000~
  conn_low_signal_strength_relax_frac=0.5~
  conn_transport_batch_threshold={}~
  conn_max_connectivity_job_batch_delay_ms=1860000~
  prefetch_force_batch_relax_threshold_ms=3600000~
  enable_api_quotas=true~
  aq_schedule_count=250~
  aq_schedule_window_ms=60000~
  aq_schedule_throw_exception=true~
  aq_schedule_return_failure=false~
  enable_execution_safeguards_udc=true~
  es_u_timeout_uij_count=2~
  es_u_timeout_ej_count=5~
  es_u_timeout_reg_count=3~
  es_u_timeout_total_count=10~
  es_u_timeout_window_ms=86400000~
  es_u_anr_count=3~
  es_u_anr_window_ms=21600000~
  runtime_min_guarantee_ms=600000~
  runtime_min_ej_guarantee_ms=180000~
  runtime_free_quota_max_limit_ms=1800000~
  runtime_min_ui_guarantee_ms=21600000~
  runtime_ui_limit_ms=43200000~
  runtime_min_ui_data_transfer_guarantee_buffer_factor=1.35~
  runtime_min_ui_data_transfer_guarantee_ms=600000~
  runtime_cumulative_ui_limit_ms=86400000~
  runtime_use_data_estimates_for_limits=false~
  persist_in_split_files=false~
  max_num_persisted_job_work_items=100000~
~~
  PrefetchController:
    pc_launch_time_threshold_ms=25200000~
    pc_launch_time_allowance_ms=1200000~
~~
  FlexibilityController:
    fc_flexibility_enabled=false~
    fc_deadline_proximity_limit_ms=900000~
    fc_fallback_flexibility_deadline_ms=259200000~
    fc_min_time_between_flexibility_alarms_ms=60000~
    fc_percents_to_drop_num_flexible_constraints=50,60,70,80~
    fc_max_rescheduled_deadline_ms=432000000~
    fc_rescheduled_job_deadline_ms=3600000~
~~
  ConnectivityController:
    conn_avoid_undefined_transport_affinity=false~
~~
  QuotaController:
    qc_allowed_time_per_period_exempted_ms=600000~
    qc_allowed_time_per_period_active_ms=600000~
    qc_allowed_time_per_period_working_ms=600000~
    qc_allowed_time_per_period_frequent_ms=600000~
    qc_allowed_time_per_period_rare_ms=600000~
    qc_allowed_time_per_period_restricted_ms=600000~
    qc_in_quota_buffer_ms=30000~
    qc_window_size_exempted_ms=600000~
    qc_window_size_active_ms=600000~
    qc_window_size_working_ms=7200000~
    qc_window_size_frequent_ms=28800000~
    qc_window_size_rare_ms=86400000~
    qc_window_size_restricted_ms=86400000~
    qc_max_execution_time_ms=14400000~
    qc_max_job_count_exempted=75~
    qc_max_job_count_active=75~
    qc_max_job_count_working=120~
    qc_max_job_count_frequent=200~
    qc_max_job_count_rare=48~
    qc_max_job_count_restricted=10~
    qc_rate_limiting_window_ms=60000~
    qc_max_job_count_per_rate_limiting_window=20~
    qc_max_session_count_exempted=75~
    qc_max_session_count_active=75~
    qc_max_session_count_working=10~
    qc_max_session_count_frequent=8~
    qc_max_session_count_rare=3~
    qc_max_session_count_restricted=1~
    qc_max_session_count_per_rate_limiting_window=20~
    qc_timing_session_coalescing_duration_ms=5000~
    qc_min_quota_check_delay_ms=60000~
    qc_ej_limit_exempted_ms=2700000~
    qc_ej_limit_active_ms=1800000~
    qc_ej_limit_working_ms=1800000~
    qc_ej_limit_frequent_ms=600000~
    qc_ej_limit_rare_ms=600000~
    qc_ej_limit_restricted_ms=300000~
    qc_ej_limit_additional_special_ms=900000~
    qc_ej_window_size_ms=86400000~
    qc_ej_top_app_time_chunk_size_ms=30000~
    qc_ej_reward_top_app_ms=10000~
    qc_ej_reward_interaction_ms=15000~
    qc_ej_reward_notification_seen_ms=0~
    qc_ej_grace_period_temp_allowlist_ms=180000~
    qc_ej_grace_period_top_app_ms=60000~
~~
  TareController:
    tare_enabled=false~

  Thermal status: 0""")

CONCURRENCY = fmt.block("""  Configuration:
    concurrency_limit=16~
    concurrency_screen_off_adjustment_delay_ms=30000~
    concurrency_pkg_concurrency_limit_ej=3~
    concurrency_pkg_concurrency_limit_regular=8~
    concurrency_enable_max_wait_time_bypass=true~
    concurrency_max_wait_ui_ms=300000~
    concurrency_max_wait_ej_ms=300000~
    concurrency_max_wait_regular_ms=1800000~
  """)

# 16 (yaap @3ddcaa00): the 14 constants without TareController (TARE removed in 15), with
# FlexibilityController's `fc_applied_constraints` (15+) in place of `fc_flexibility_enabled`,
# and without the restriction constants, which 16 prints after `Aconfig flags:`.
SETTINGS_16 = [line.replace("fc_flexibility_enabled=false ", "fc_applied_constraints=7 ")
               for line in SETTINGS[:SETTINGS.index("  TareController:") - 1]]

# JobSchedulerService.dumpInternal (yaap @3ddcaa00) prints these seven flags in this order.
ACONFIG_16 = (("com.android.server.job.batch_active_bucket_jobs", "true"),
              ("com.android.server.job.batch_connectivity_jobs_per_network", "false"),
              ("com.android.server.job.do_not_force_rush_execution_at_boot", "true"),
              ("com.android.server.job.update_media_backup_exemption_policy", "true"),
              ("android.app.job.get_pending_job_reasons_api", "true"),
              ("android.app.job.get_pending_job_reasons_history_api", "true"),
              ("android.app.job.add_type_info_to_wakelock_tag", "true"))

# 12 (SDK 31): fewer service constants; QuotaController's `qc_` keys with one allowed time
# for every bucket, no EXEMPTED bucket and no EJ grace periods (all 13+), EJ limits (12+);
# no PrefetchController, FlexibilityController or TareController; the thermal restriction
# under Settings.
SETTINGS_12 = fmt.block("""Settings:
  min_ready_non_active_jobs_count=5~
  max_non_active_job_batch_delay_ms=1860000~
  heavy_use_factor=0.9~
  moderate_use_factor=0.5~
  min_linear_backoff_time_ms=10000~
  min_exp_backoff_time_ms=10000~
  conn_congestion_delay_frac=0.5~
  conn_prefetch_relax_frac=0.5~
  enable_api_quotas=true~
  aq_schedule_count=250~
  aq_schedule_window_ms=60000~
  aq_schedule_throw_exception=true~
  aq_schedule_return_failure=false~
  runtime_free_quota_max_limit_ms=1800000~
  runtime_min_guarantee_ms=600000~
  runtime_min_ej_guarantee_ms=180000~
~~
  QuotaController:
    qc_allowed_time_per_period_ms=600000~""")
# The rest of 12's QuotaController keys are 14's, in the same order.
_QUOTA = slice(SETTINGS.index("  QuotaController:") + 1, SETTINGS.index("  TareController:") - 1)
SETTINGS_12 += [line for line in SETTINGS[_QUOTA] if not any(
    key in line for key in ("_exempted", "grace_period", "qc_allowed_time_per_period_"))]
SETTINGS_12 += ["", "  Thermal status: 0"]

# 12's JobConcurrencyManager: screen-on/off limits per memory trim level (13 replaced them
# with `concurrency_limit` and the per-package limits).
CONCURRENCY_12 = fmt.block("""  Configuration:
    screen_off_adjustment_delay_ms=30000~
    concurrency_max_total_screen_on_normal=16~
    concurrency_max_total_screen_on_moderate=12~
    concurrency_max_total_screen_on_low=8~
    concurrency_max_total_screen_on_critical=4~
    concurrency_max_total_screen_off_normal=16~
    concurrency_max_total_screen_off_moderate=12~
    concurrency_max_total_screen_off_low=8~
    concurrency_max_total_screen_off_critical=4~
  """)
