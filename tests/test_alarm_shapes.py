"""`dumpsys alarm` shapes the corpus lacks (formats.md §2.2–§2.5): 12+/13/14/15 blocks, idle
lists, decimal commas, and the parser's totality. Inputs are small files in tests/data/alarm/
written from the AOSP print code described in formats.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from wakescope.parsers.alarm import parse
from wakescope.parsers.alarm.flags import decode_flags
from wakescope.parsers.alarm.pending import parse_alarm_string, policy_deferral
from wakescope.parsers.section_input import SectionInput

DATA = Path(__file__).parent / "data" / "alarm"


def _parse(name: str, redact: bool = True) -> tuple[SectionInput, dict]:
    inp = SectionInput.from_text("alarm", (DATA / name).read_text(), redact=redact)
    return inp, parse(inp)


def _row(df: pl.DataFrame, **eq) -> dict:
    rows = df.filter(*[pl.col(k) == v for k, v in eq.items()]).to_dicts()
    assert len(rows) == 1, (eq, len(rows))
    return rows[0]


@pytest.fixture(scope="module")
def a15():
    return _parse("android15-store.txt")


@pytest.fixture(scope="module")
def a13():
    return _parse("android13-batching-tare.txt")


@pytest.fixture(scope="module")
def a8():
    return _parse("android8-idle-decimal-comma.txt")


@pytest.mark.parametrize("name", ["android15-store.txt", "android13-batching-tare.txt",
                                  "android8-idle-decimal-comma.txt"])
def test_every_line_recognised(name):
    inp, _ = _parse(name)
    assert inp.diagnostics.unknown_total("alarm") == 0
    assert inp.diagnostics.lines_seen["alarm"] > 0


# -- Android 15: LazyAlarmStore, 1-based #, exact reasons, policies -------------------------
def test_a15_store_lists(a15):
    _, t = a15
    p = t["alarm_pending"]
    lists = dict(p.group_by("list").len().iter_rows())
    assert lists == {"pending": 7, "idling_until": 1, "next_wake_from_idle": 1,
                     "past_due_non_wakeup": 1}
    store = p.filter(pl.col("list") == "pending")
    assert store["position"].to_list() == [1, 2, 3, 4, 5, 6, 7]
    assert store["batch"].null_count() == 7


def test_a15_exact_reasons_and_flags(a15):
    _, t = a15
    p = t["alarm_pending"].filter(pl.col("list") == "pending")
    reasons = dict(zip(p["alarm_hash"], p["exact_allow_reason"], strict=True))
    assert reasons["4b5c6d7"] == "listener"
    assert reasons["6e7f809"] == "prioritized"
    assert reasons["3e9a1c2"] == "permission"
    assert reasons["2a3b4c5"] is None  # inexact: the field is not printed
    prio = _row(p, alarm_hash="6e7f809")
    assert prio["flag_names"] == ["ALLOW_WHILE_IDLE", "PRIORITIZE"]
    idle = _row(p, alarm_hash="5d6e7f8")
    assert idle["flags"] == 0x1B
    assert idle["flag_names"] == ["STANDALONE", "WAKE_FROM_IDLE",
                                  "ALLOW_WHILE_IDLE_UNRESTRICTED", "IDLE_UNTIL"]


def test_a15_deferral_by_app_standby(a15):
    _, t = a15
    sync = _row(t["alarm_pending"], alarm_hash="2a3b4c5")
    assert sync["policy_requester_ms"] == 120_000
    assert sync["policy_app_standby_ms"] == 3_130_500
    assert sync["policy_battery_saver_ms"] == 600_000
    assert sync["deferred_by"] == "app_standby" and sync["deferral_ms"] == 3_010_500
    assert sync["when_elapsed_ms"] == 990_784_821  # = Alarm{… whenElapsed 990784821 …}
    assert sync["max_when_elapsed_ms"] == 987_654_321 + 4_030_500
    assert sync["window_ms"] == 900_000 and sync["exact"] is False
    assert sync["repeat_interval_ms"] == 900_000
    assert (sync["operation_target"], sync["operation_feature"]) == ("com.example.sync",
                                                                     "sync_feature")
    # a policy earlier than the requester does not defer it
    prio = _row(t["alarm_pending"], alarm_hash="6e7f809")
    assert prio["policy_device_idle_ms"] == 3_600_000 and prio["deferred_by"] is None


def test_a15_rtc_alarm_clock_and_times(a15):
    _, t = a15
    rem = _row(t["alarm_pending"], alarm_hash="3e9a1c2", list="pending")
    assert rem["alarm_clock"] is True
    assert rem["alarm_clock_trigger"] == "2024-05-01 12:23:20.000"
    assert rem["operation_kind"] == "broadcastIntent"
    assert rem["when_raw"] == "2024-05-01 12:23:20.000"
    # local +02:00 (nowRTC 1714558953123 printed as 12:22:33.123)
    assert rem["orig_when_time"] == datetime(2024, 5, 1, 10, 23, 20, tzinfo=UTC)
    assert rem["when_time"] == datetime(2024, 5, 1, 10, 23, 20, tzinfo=UTC)
    assert rem["when_relative_ms"] == 46_877 and rem["uid"] == 10123
    wake = _row(t["alarm_pending"], list="next_wake_from_idle")
    assert wake["alarm_hash"] == "3e9a1c2" and wake["alarm_clock"] is True
    idle = _row(t["alarm_pending"], list="idling_until")
    assert idle["tag"] == "*walarm*:DeviceIdleController.deep"


def test_a15_never_alarm(a15):
    _, t = a15
    never = _row(t["alarm_pending"], alarm_hash="7f8091a")
    assert never["never"] is True
    assert never["when_time"] is None and never["when_elapsed_ms"] is None
    assert never["orig_when_time"] is None
    assert never["policy_requester_ms"] is None and never["deferred_by"] is None
    assert never["when_raw"] == "292278994-08-17 09:12:55.807"


def test_a15_state_blocks(a15):
    _, t = a15
    s = t["alarm_settings"]
    groups = set(s["group"])
    assert {"settings", "feature_flags", "app_state_tracker", "app_state_tracker_stats",
            "exempted_packages", "restricted_packages", "time_tick_history",
            "next_alarm_clock", "lazy_alarm_store_stats", "pending_per_uid",
            "scheduled_user_wakeups", "temporary_quota_reserves", "past_due",
            "alarm_manager_stats", "state"} <= groups
    flag = _row(s, group="feature_flags",
                key="com.android.server.alarm.allow_listeners_while_idle")
    assert flag["value"] == "true"
    assert _row(s, group="scheduled_user_wakeups", key="user 10")["value_ms"] == 16_877
    assert _row(s, group="scheduled_user_wakeups", key="user wakeups scheduled")["value"] == "1"
    assert _row(s, group="next_alarm_clock", key="user:0")["value_ms"] == 1_714_559_000_000
    assert _row(s, group="pending_per_uid", key="1010099")["value"] == "1"
    assert _row(s, group="state", key="Next wakeup alarm set at")["value_ms"] == -33_100
    assert _row(s, group="past_due", key="total delay time")["value_ms"] == 130_000
    assert _row(s, group="restricted_packages", key="u0a88")["value"] == "com.example.news"
    quota = _row(s, group="temporary_quota_reserves", key="com.example.sync, u0")
    assert quota["value"].startswith("quota: 1, expiration: +1h58m0s0ms")


def test_a15_exact_permission(a15):
    _, t = a15
    e = t["alarm_exact_permission"]
    assert e.height == 3
    assert _row(e, app_id=10099)["uid"] == 1_010_099
    assert _row(e, app_id=10099)["op_mode"] == "deny"
    assert _row(e, app_id=10123)["op_mode"] == "allow"


def test_a15_histories(a15):
    _, t = a15
    h = t["alarm_wakeup_history"]
    sync = h.filter((pl.col("kind") == "app_wakeup") & (pl.col("package") == "com.example.sync"))
    assert sync["offset_ms"].to_list() == [-2_000, -900_001, -1_800_002]
    assert sync["uid"].unique().to_list() == [10077]
    work = _row(h, kind="app_wakeup", package="com.example.work")
    assert work["user_id"] == 10 and work["uid"] == 1_010_045
    assert _row(h, kind="allow_while_idle")["package"] == "com.example.reminders"
    assert h.filter(pl.col("kind") == "allow_while_idle_compat").height == 2
    prio = _row(h, kind="priority_dispatch")
    assert prio["uid"] == 10045 and prio["offset_ms"] == -182_001


def test_a15_removal_history_with_snapshot(a15):
    _, t = a15
    r = t["alarm_problems"].filter(pl.col("kind") == "removal")
    assert r["reason"].to_list() == ["exact_alarm_permission_revoked", "alarm_cancelled",
                                     "listener_cached"]
    revoked = r.row(0, named=True)
    assert revoked["uid"] == 10123 and revoked["package"] == "com.example.reminders"
    assert revoked["type"] == "RTC_WAKEUP"
    assert revoked["tag"] == "*walarm*:com.example.reminders.SNOOZE"
    assert revoked["offset_ms"] == -302_001
    assert revoked["time"] == datetime(2024, 5, 1, 10, 17, 31, 122_000, tzinfo=UTC)
    retry = r.row(1, named=True)
    assert retry["deferred_by"] == "app_standby" and retry["deferral_ms"] == 60_000


def test_a15_problems_and_in_flight(a15):
    _, t = a15
    p = t["alarm_problems"]
    msgs = p.filter(pl.col("kind") == "recent_problem")["detail"].to_list()
    assert msgs[0].startswith("Spurious timeout of listener")
    assert msgs[1].startswith("Invalid alarmComplete: uid=10088")
    flight = _row(p, kind="in_flight")
    assert flight["uid"] == 10077 and flight["tag"] == "*walarm*:com.example.sync.PERIODIC"


def test_a15_stats_active_and_redaction(a15):
    _, t = a15
    st = t["alarm_stats"]
    periodic = _row(st, tag="*walarm*:com.example.sync.PERIODIC")
    retry = _row(st, tag="*walarm*:com.example.sync.RETRY")
    assert periodic["active"] is True and retry["active"] is False
    assert periodic["package_alarms"] == 45 and periodic["package_wakeups"] == 42
    work = _row(st, package="com.example.work")
    assert work["uid"] == 1_010_045 and work["user_id"] == 10
    assert work["tag"] == "*walarm*:com.example.work.SYNC/<redacted>"
    top = t["alarm_top"]
    assert top["active"].to_list() == [True, False, False]
    _, raw = _parse("android15-store.txt", redact=False)
    assert "alice@example.com" in _row(raw["alarm_stats"], package="com.example.work")["tag"]


# -- Android 13: BatchingAlarmStore (lazy_batching=false), TARE --------------------------
def test_a13_batching_store_is_1_based(a13):
    _, t = a13
    p = t["alarm_pending"]
    assert p.select("batch", "position").rows() == [(0, 1), (0, 2), (1, 1)]
    assert _row(p, alarm_hash="5e5e5e5")["batch_start_elapsed_ms"] is None  # Long.MAX
    assert _row(p, alarm_hash="2b2b2b2")["batch_end_elapsed_ms"] == 500_600_000


def test_a13_tare_policy_defers_and_reserve_quota(a13):
    _, t = a13
    sync = _row(t["alarm_pending"], alarm_hash="2b2b2b2")
    assert json.loads(sync["policy_other"]) == {"tare": 420_000}
    assert sync["deferred_by"] == "tare" and sync["deferral_ms"] == 300_000
    assert sync["using_reserve_quota"] is True
    cal = _row(t["alarm_pending"], alarm_hash="3c3c3c3")
    assert cal["exact_allow_reason"] == "policy_permission"
    assert cal["flag_names"] == ["ALLOW_WHILE_IDLE"]
    # local +09:00: origWhen 19:50 → 10:50 UTC, equal to the epoch ms in Alarm{}
    assert cal["orig_when_time"] == datetime(2023, 3, 28, 10, 50, tzinfo=UTC)
    assert _row(t["alarm_pending"], alarm_hash="5e5e5e5")["exact_allow_reason"] == "compat"


def test_a13_removal_without_index_and_tare_block(a13):
    _, t = a13
    r = _row(t["alarm_problems"], kind="removal")
    assert r["uid"] == 10077 and r["reason"] == "alarm_cancelled"
    assert r["deferred_by"] == "tare" and r["deferral_ms"] == 120_000
    s = t["alarm_settings"]
    assert _row(s, group="settings", key="lazy_batching")["value"] == "false"
    assert s.filter(pl.col("group").str.starts_with("tare")).height == 1
    assert s.filter(pl.col("group") == "batching_alarm_store_stats").height == 2


# -- Android 7–8.1: idle-pending lists, past-due list, decimal commas --------------------
def test_a8_idle_lists(a8):
    _, t = a8
    p = t["alarm_pending"]
    lists = p["list"].to_list()
    assert lists == ["pending", "pending", "idling_until", "pending_while_idle",
                     "pending_while_idle", "next_wake_from_idle", "past_due_non_wakeup"]
    chat = _row(p, list="pending_while_idle", position=0)
    assert chat["package"] == "com.example.chat" and chat["uid"] == 10092
    assert chat["repeat_interval_ms"] == 900_000 and chat["when_relative_ms"] == 354_635
    news = _row(p, list="pending_while_idle", position=1)
    # RTC `when=` is a device-local date: 17:15 at UTC-7 → 00:15 UTC
    assert news["orig_when_time"] == datetime(2018, 4, 3, 0, 15, tzinfo=UTC)
    clock = _row(p, list="pending", alarm_hash="6e7f809")
    assert clock["alarm_clock"] is True and clock["orig_when_time"] == datetime(
        2018, 4, 3, 7, 0, tzinfo=UTC)


def test_a8_decimal_commas(a8):
    _, t = a8
    top = t["alarm_top"]
    assert top["running_ms"].to_list() == [94_567, 2_003]
    st = t["alarm_stats"]
    assert _row(st, tag="*alarm*:com.example.news.CLEANUP")["last_delivery_ms"] == -5
    assert _row(st, tag="*alarm*:com.example.news.CLEANUP")["package_running_ms"] == 2_503
    s = t["alarm_settings"]
    assert _row(s, group="state", key="Max wakeup delay")["value_ms"] == 5
    assert _row(s, group="past_due", key="Max delay time")["value_ms"] == 5


def test_a8_package_without_tags_keeps_its_totals(a8):
    _, t = a8
    idle = _row(t["alarm_stats"], package="com.example.idle")
    assert idle["tag"] is None and idle["package_running_ms"] == 0
    assert idle["package_wakeups"] == 0 and idle["package_alarms"] == 0


def test_a8_problems_outstanding_and_dispatch_times(a8):
    _, t = a8
    p = t["alarm_problems"]
    assert p.filter(pl.col("kind") == "recent_problem").height == 3
    assert _row(p, kind="in_flight")["tag"] == "*alarm*:com.example.news.CLEANUP"
    h = t["alarm_wakeup_history"].filter(pl.col("kind") == "allow_while_idle_last_dispatch")
    assert h["uid"].to_list() == [10092, 10088]
    assert h["offset_ms"].to_list() == [-1_615_510, -23_287_176]


# -- pieces and totality ---------------------------------------------------------------------
def test_oem_alarm_strings():
    meizu = parse_alarm_string("efb9892 type 3 when  android")
    assert (meizu["type_code"], meizu["package"], meizu["fields"]) == (3, "android",
                                                                      {"when": None})
    vivo = parse_alarm_string("2c8aad type 3 when 29506060 flags 1 windowLength 0 "
                              "whenElapsed 29506060 maxWhenElapsed 29506060 repeatInterval 0 "
                              "android")
    assert vivo["package"] == "android" and vivo["fields"]["flags"] == 1
    assert vivo["fields"]["maxWhenElapsed"] == 29_506_060
    samsung = parse_alarm_string("b11fd4c type 3 origType 2 origWhen 508646091 "
                                 "whenElapsed 508646091 com.facebook.services")
    assert samsung["fields"]["origType"] == 2 and samsung["package"] == "com.facebook.services"


def test_decode_flags_and_deferral_rules():
    assert decode_flags(0) == []
    assert decode_flags(0x21) == ["STANDALONE", "ALLOW_WHILE_IDLE_COMPAT"]
    assert decode_flags(0x181) == ["STANDALONE", "0x80", "0x100"]
    assert policy_deferral({"requester": 100, "app_standby": 50}) == (None, 0)
    assert policy_deferral({"requester": 100, "device_idle": 400, "app_standby": 300}) == (
        "device_idle", 300)
    assert policy_deferral({"requester": None, "app_standby": 300}) == (None, None)


@pytest.mark.parametrize("text", [
    "",
    "garbage\n\x00\x01 not a dump",
    "Current Alarm Manager state:\n  Pending alarm batches: 1\nBatch{1 num=1 start=1 end=2}:\n"
    "    RTC #0: Alarm{",
    "  Top Alarms:\n    +1s0ms running, 1 wakeups, 1 alarms: u0a1:com.x",  # tag line cut off
    "  3 pending alarms: \n    ELAPSED #1: Alarm{abc type 3 origWhen 5 whenElapsed 5 p}\n"
    "      type=ELAPSED origWhen=garbage window=?? repeatInterval=x count=y flags=0xZZ\n"
    "      policyWhenElapsed: requester=?? app_standby=--\n",
])
def test_parser_is_total(text):
    inp = SectionInput.from_text("alarm", text)
    out = parse(inp)
    assert set(out) >= {"alarm_pending", "alarm_stats", "alarm_top"}
