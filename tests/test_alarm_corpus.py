"""`dumpsys alarm` parser on the real corpus: counts checked by hand (grep) against the dumps."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
import pytest

from tests.conftest import BUGREPORTS
from wakescope import parsers

pytestmark = pytest.mark.corpus

FILES = {
    "meizu_7_1": BUGREPORTS["meizu_7_1"],
    "sailfish_8_1": BUGREPORTS["sailfish_8_1"],
    "emulator_9": BUGREPORTS["emulator_9"],
    "sailfish_10": BUGREPORTS["sailfish_10"],
    "pixel_10": "alarm/pixel-android10.txt",
    "vivo": "alarm/vivo-batch-layout.txt",
    "samsung": "alarm/samsung-android14-utf16le-bom.txt",
}
# `grep -cE '#[0-9]+: Alarm\{'` over each file's alarm section.
ENTRIES = {"meizu_7_1": 64, "sailfish_8_1": 95, "emulator_9": 50, "sailfish_10": 9,
           "pixel_10": 126, "vivo": 173, "samsung": 151}

_CACHE: dict[str, tuple] = {}


@pytest.fixture(scope="module")
def alarm(corpus):
    """`alarm("samsung")` → (capture, tables of its alarm section); parsed once per module."""

    def get(key: str):
        if key not in _CACHE:
            cap = parsers.open_capture(corpus(FILES[key]))
            section = next(s for s in cap.sections if s.name == "alarm")
            _CACHE[key] = (cap, parsers.parse_section(cap, "alarm", section))
        return _CACHE[key]

    return get


def _row(df: pl.DataFrame, **eq) -> dict:
    rows = df.filter(*[pl.col(k) == v for k, v in eq.items()]).to_dicts()
    assert len(rows) == 1, (eq, len(rows))
    return rows[0]


@pytest.mark.parametrize("key", list(FILES))
def test_one_row_per_alarm_entry_and_no_unknown_lines(alarm, key):
    cap, tables = alarm(key)
    assert tables["alarm_pending"].height == ENTRIES[key]
    assert cap.diagnostics.unknown_total("alarm") == 0
    assert not [d for d in cap.diagnostics.items if d.level == "error"]
    assert set(tables) == set(parsers.alarm.TABLES)


def test_samsung_lists_store_and_user_blocked(alarm):
    _, t = alarm("samsung")
    counts = dict(t["alarm_pending"].group_by("list").len().iter_rows())
    assert counts == {"pending": 150, "pending_user_blocked": 1}
    positions = t["alarm_pending"].filter(pl.col("list") == "pending")["position"].to_list()
    assert positions == list(range(1, 151))  # 12+: 1-based, ascending


def test_batch_layout_positions_are_zero_based_descending(alarm):
    _, t = alarm("pixel_10")
    p = t["alarm_pending"]
    assert p["batch"].n_unique() == 69  # "Pending alarm batches: 69"
    second = p.filter(pl.col("batch") == 1)["position"].to_list()
    assert second == [7, 6, 5, 4, 3, 2, 1, 0]


@pytest.mark.parametrize(("key", "uid", "package", "running", "wakeups", "alarms", "tags"), [
    ("pixel_10", 1000, "android", 66_091, 1232, 3024, 16),
    ("pixel_10", 10019, "com.google.android.gms", 586_891, 505, 911, None),
    ("meizu_7_1", 10058, "com.meizu.cloud", 40_451, 1948, 1948, 1),
    ("meizu_7_1", 10014, "com.meizu.net.pedometer", 93_626, 1407, 1407, 2),
    ("sailfish_8_1", 10018, "com.google.android.gms", 362_258, 1324, 4990, None),
    ("emulator_9", 10008, "com.google.android.gms", 23_418, 382, 412, 10),
    ("sailfish_10", 10039, "com.android.providers.calendar", 75, 1, 1, 1),
    ("vivo", 10290, "com.tencent.mm", 8_806, 85, 181, 3),
    ("samsung", 10224, "com.google.android.gms", 75_054, 1924, 3145, None),
])
def test_alarm_stats_package_totals(alarm, key, uid, package, running, wakeups, alarms, tags):
    _, t = alarm(key)
    rows = t["alarm_stats"].filter((pl.col("uid") == uid) & (pl.col("package") == package))
    # header values repeated on every tag row, so they are recoverable
    assert rows["package_running_ms"].unique().to_list() == [running]
    assert rows["package_wakeups"].unique().to_list() == [wakeups]
    assert rows["package_alarms"].unique().to_list() == [alarms]
    # and the tag rows add up to the header (AOSP prints no alarm count per package)
    assert rows["wakeups"].sum() == wakeups
    assert rows["alarms"].sum() == alarms
    if tags is not None:
        assert rows.height == tags


@pytest.mark.parametrize("key", list(FILES))
def test_alarm_stats_tag_sums_match_every_header(alarm, key):
    _, t = alarm(key)
    per = t["alarm_stats"].group_by("uid", "package").agg(
        pl.col("package_wakeups").first(), pl.col("wakeups").sum())
    assert (per["package_wakeups"] == per["wakeups"]).all()


def test_pixel10_most_wakeups(alarm):
    _, t = alarm("pixel_10")
    pkgs = t["alarm_stats"].group_by("uid", "package").agg(pl.col("package_wakeups").first())
    top = pkgs.sort("package_wakeups", descending=True).row(0, named=True)
    assert (top["package"], top["uid"], top["package_wakeups"]) == ("android", 1000, 1232)
    apps = pkgs.filter(pl.col("uid") >= 10_000).sort("package_wakeups", descending=True)
    assert apps.row(0, named=True)["package"] == "com.google.android.gms"
    assert apps.row(0, named=True)["package_wakeups"] == 505


def test_pixel10_top_alarms(alarm):
    _, t = alarm("pixel_10")
    top = t["alarm_top"]
    assert top.height == 10
    first = top.row(0, named=True)
    assert first["rank"] == 1 and first["uid"] == 10045
    assert first["package"] == "com.google.android.googlequicksearchbox"
    assert first["running_ms"] == 360_878 and (first["wakeups"], first["alarms"]) == (0, 2)
    sixth = _row(top, rank=6)
    assert sixth["tag"] == "*walarm*:com.google.android.gms.gcm.ACTION_CHECK_QUEUE"
    assert (sixth["wakeups"], sixth["alarms"]) == (336, 336)


def test_pixel10_app_alarm_history(alarm):
    _, t = alarm("pixel_10")
    h = t["alarm_wakeup_history"]
    assert h.filter(pl.col("kind") == "app_wakeup").height == 51  # times on 19 lines
    tonado = h.filter(pl.col("package") == "com.tonado.boli.hiper")
    assert tonado["offset_ms"].to_list() == [-589_404, -2_389_404, -4_189_404]
    assert tonado["uid"].unique().to_list() == [10160]  # from Alarm Stats / Top Alarms
    dispatch = _row(h, kind="allow_while_idle_last_dispatch", uid=10019)
    assert dispatch["offset_ms"] == -278_177


def test_samsung_alarm_policies_and_exact_reasons(alarm):
    _, t = alarm("samsung")
    p = t["alarm_pending"]
    fb = _row(p, alarm_hash="b11fd4c")  # ELAPSED #1, Samsung origType
    assert (fb["type"], fb["orig_type"], fb["wakeup"]) == ("ELAPSED", "ELAPSED_WAKEUP", False)
    assert fb["package"] == "com.facebook.services" and fb["uid"] == 10070
    assert fb["flags"] == 0x20 and fb["flag_names"] == ["ALLOW_WHILE_IDLE_COMPAT"]
    assert fb["policy_requester_ms"] == -59_792
    assert fb["policy_app_standby_ms"] == -359_788
    assert fb["policy_device_idle_ms"] is None
    assert fb["policy_battery_saver_ms"] == -359_788
    assert json.loads(fb["policy_other"]) == {"gms_manager": None}
    assert fb["deferred_by"] is None and fb["deferral_ms"] == 0
    assert fb["window_ms"] == 224_999 and fb["exact"] is False
    assert fb["when_elapsed_ms"] == 508_646_091
    assert fb["when_time"] == datetime(2026, 1, 15, 14, 35, 23, 774_000, tzinfo=UTC)

    fused = _row(p, alarm_hash="d53fe4d")  # exact listener alarm from GMS
    assert fused["exact_allow_reason"] == "listener" and fused["exact"] is True
    assert fused["tag"] == "*alarm*:FusedLocation:throttling_delivery"
    assert fused["when_relative_ms"] == 477_647
    assert fused["listener"] == "android.os.BinderProxy@3bb39e6"

    gcm = _row(p, alarm_hash="707a238")  # PendingIntentRecord with a feature id
    assert gcm["operation_kind"] == "broadcastIntent"
    assert gcm["operation_target"] == "com.google.android.gms"
    assert gcm["operation_feature"] == "com.google.android.gms.gcm"

    reasons = dict(p.group_by("exact_allow_reason").len().drop_nulls().iter_rows())
    assert reasons == {"permission": 20, "listener": 16, "policy_permission": 6,
                       "allow-listed": 3}
    assert p["deferred_by"].null_count() == p.height  # parole + plugged in: nothing deferred


def test_rtc_requested_time_prefers_the_epoch_in_alarm_string(alarm):
    _, t = alarm("samsung")
    # `origWhen 1773324965522` vs the local `2026-03-12 14:16:05.522`: the device's offset
    # then (UTC+0) differs from the capture's (UTC+1), so only the epoch value is right.
    fb = _row(t["alarm_pending"], alarm_hash="9836eb4")
    assert fb["orig_when_time"] == datetime(2026, 3, 12, 14, 16, 5, 522_000, tzinfo=UTC)
    _, t = alarm("sailfish_8_1")  # ≤8.1 dates have no milliseconds; the epoch has them
    zhihu = _row(t["alarm_pending"], alarm_hash="ca259d")
    assert zhihu["orig_when_time"] == datetime(2018, 4, 3, 0, 11, 59, 856_000, tzinfo=UTC)


def test_samsung_removal_history_and_deferral(alarm):
    _, t = alarm("samsung")
    r = t["alarm_problems"].filter(pl.col("kind") == "removal")
    assert r.height == 268
    assert dict(r.group_by("reason").len().iter_rows()) == {"alarm_cancelled": 241,
                                                           "pi_cancelled": 27}
    row = _row(r, line=1651)
    assert row["uid"] == 10077 and row["package"] == "com.sec.android.app.samsungapps"
    assert row["elapsed_ms"] == 341_659_632 and row["offset_ms"] == -167_046_251
    assert row["time"] == datetime(2026, 1, 13, 16, 12, 22, 324_000, tzinfo=UTC)
    assert row["type"] == "RTC_WAKEUP"
    assert row["tag"] == "*walarm*:com.sec.android.app.samsungapps.SA_TIMER"
    assert row["deferred_by"] == "device_idle" and row["deferral_ms"] == 3_238_718


def test_samsung_oem_histories(alarm):
    _, t = alarm("samsung")
    h = t["alarm_wakeup_history"]
    kinds = dict(h.group_by("kind").len().iter_rows())
    assert kinds == {"app_wakeup": 47, "allow_while_idle": 5, "allow_while_idle_compat": 12,
                     "addition": 471, "delivery": 329, "expiration": 50,
                     "screen_off_wakeup": 200}
    first = h.filter(pl.col("kind") == "screen_off_wakeup").row(0, named=True)
    assert first["uid"] == 1000 and first["tag"] == "*walarm*:WifiConnectivityManager Restart Scan"
    assert first["time"] == datetime(2026, 1, 15, 3, 3, 15, 29_000, tzinfo=UTC)
    wide = _row(h, kind="addition", line=2291)  # a tag with spaces before the T= fields
    assert wide["tag"] == "*walarm*:WificondScannerImpl Scan Timeout" and wide["uid"] == 1000
    assert wide["elapsed_ms"] == 508_550_723


def test_samsung_exact_permission_and_settings(alarm):
    _, t = alarm("samsung")
    e = t["alarm_exact_permission"]
    assert e.height == 35 and e["requesting"].all()
    assert e.filter(pl.col("op_mode").is_not_null()).height == 33
    assert _row(e, app_id=1000)["op_mode"] == "allow"
    s = t["alarm_settings"]
    flags = s.filter(pl.col("group") == "feature_flags")
    assert dict(flags.select("key", "value").iter_rows()) == {
        "com.android.server.alarm.start_user_before_scheduled_alarms": "true",
        "com.android.server.alarm.acquire_wakelock_before_send": "false"}
    screen = _row(s, group="settings", key="delay_nonwakeup_alarms_while_screen_off")
    assert screen["value"] == "true"
    assert _row(s, group="settings", key="min_window")["value_ms"] == 600_000
    assert _row(s, group="oem", key="AppSync")["value"] == "Disabled"


def test_vivo_oem_alarm_strings(alarm):
    _, t = alarm("vivo")
    p = t["alarm_pending"]
    tick = _row(p, alarm_hash="2c8aad")
    assert (tick["type"], tick["package"], tick["flags"]) == ("ELAPSED", "android", 1)
    assert tick["flag_names"] == ["STANDALONE"] and tick["when_elapsed_ms"] == 29_506_060
    rem = _row(p, alarm_hash="23db6f0")
    assert (rem["type"], rem["wakeup"], rem["package"]) == ("RTC_WAKEUP", True,
                                                           "com.example.reminder_app")
    assert rem["window_ms"] == 82_263 and rem["when_elapsed_ms"] == 29_506_061
    assert rem["orig_when_time"] == datetime(2026, 4, 17, 3, 3, tzinfo=UTC)
    never = _row(p, alarm_hash="e06a099")  # when 9223372036854775807, year 292278994
    assert never["never"] is True and never["when_time"] is None
    assert never["when_raw"] == "292278994-08-17 15:12:55.807"


def test_meizu_empty_when_and_own_clock(alarm):
    cap, t = alarm("meizu_7_1")
    assert cap.clock is not None and cap.clock.utc_offset_min == 480
    p = t["alarm_pending"]
    tick = _row(p, alarm_hash="efb9892")  # `Alarm{efb9892 type 3 when  android}`
    assert (tick["type"], tick["package"], tick["when_raw"]) == ("ELAPSED", "android",
                                                                 "+14s302ms")
    assert tick["when_elapsed_ms"] == 2_435_093_136 == tick["batch_start_elapsed_ms"]
    qq = _row(p, alarm_hash="3397e60")
    assert (qq["type"], qq["package"], qq["uid"]) == ("RTC_WAKEUP", "com.tencent.mobileqq",
                                                      10178)
    assert qq["orig_when_time"] == datetime(2018, 5, 10, 12, 52, 27, tzinfo=UTC)
    assert qq["flag_names"] == ["ALLOW_WHILE_IDLE_UNRESTRICTED"] and qq["window_ms"] == 202_499
    cloud = _row(p, alarm_hash="ca5fadb")
    assert cloud["tag"] == "*walarm*:null" and cloud["listener"] == "android.os.BinderProxy@57cb978"
    assert any("tool chatter" in d.message for d in cap.diagnostics.items)


def test_sailfish_81_never_alarm_and_overflowed_batch(alarm):
    _, t = alarm("sailfish_8_1")
    p = t["alarm_pending"]
    launcher = _row(p, alarm_hash="a11266b")  # Batch{… end=-2305845673487889833}
    assert launcher["never"] is True and launcher["when_time"] is None
    assert launcher["when_raw"] == "292278994-08-16 23:12:55"
    assert launcher["batch_start_elapsed_ms"] is None
    assert launcher["batch_end_elapsed_ms"] is None
    assert p["never"].sum() == 2


def test_emulator_9_state_lines(alarm):
    _, t = alarm("emulator_9")
    s = t["alarm_settings"]
    assert _row(s, group="state", key="Next wakeup alarm set at")["value_ms"] == -2_991
    assert _row(s, group="app_state_tracker", key="Plugged In")["value"] == "false"
    h = t["alarm_wakeup_history"]
    gms = _row(h, kind="last_delivered", package="com.google.android.gms")
    assert gms["offset_ms"] == -7_856 and gms["uid"] == 10008


def test_load_registers_alarm_section(corpus):
    cap = parsers.load(corpus("alarm/pixel-android10.txt"))
    assert cap.tables["alarm_pending"].height == 126
    assert cap.tables["alarm_stats"].height == 313
