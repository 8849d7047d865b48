"""wakeup_chains: each device wakeup linked to its kernel reason and to what ran after it,
on a hand-written checkin and on real captures (chains checked by hand against raw lines)."""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import BUGREPORTS, ROOT, corpus_path
from wakescope import parsers
from wakescope.analyzer.analysis import analyse
from wakescope.analyzer.passes.history_intervals import build_all
from wakescope.analyzer.passes.wakeup_chains import per_app

FULL_WAKE = ROOT / "tests" / "data" / "history" / "full-wake-history-checkin.txt"
KEYS = ("wake_offset_ms", "reason_class", "cause_kind", "tag", "package", "api", "awake_ms")


def chains(path) -> pl.DataFrame:
    return analyse(parsers.load(path)).tables["wakeup_chains"]


def at(c: pl.DataFrame, offset: int) -> dict:
    rows = c.filter((pl.col("wake_offset_ms") == offset) & (pl.col("event") == "wakeup"))
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_hand_written_chains():
    c = chains(FULL_WAKE)
    wakes = c.filter(pl.col("event") == "wakeup")
    got = [tuple(r) for r in wakes.select(KEYS).iter_rows()]
    assert got == [
        # 9,h,60000,+r,+w=6,wr=3 → rtc → *walarm* of com.other; -r at 60600
        (60000, "rtc_alarm", "alarm", "*walarm*:com.other.POLL", "com.other", "alarm_manager",
         600),
        (120000, "rtc_alarm", "wakelock", "com.example:upload", "com.example", "wakelock", 5500),
        (200000, "rtc_alarm", "wakelock", "com.example:upload", "com.example", "wakelock", 1100),
        (300000, "rtc_alarm", "wakelock", "com.other:poll", "com.other", "wakelock", 800),
        # +r,+S,+w=8: the display's wakelock, no kernel reason printed
        (400000, None, "wakelock", "screen", None, "display", 20100),
        # +r,wr=9,Ewa=10: a radio packet for u0a124 over PCIe
        (450000, "network", "wakeup_ap", "", "com.other", "network", 200),
        (500000, None, "wakelock", None, None, "wakelock", 300),
        (600000, None, "wakelock", "com.example:upload", "com.example", "wakelock", None),
    ]
    # 9,h,50000,+r,+S,+w=8: the screen came on in the waking record itself.
    assert wakes["screen_off"].to_list() == [True] * 4 + [False] + [True] * 3
    abort = c.filter(pl.col("event") == "suspend_abort").row(0, named=True)
    # 9,h,200,-r,wr=7 → "Abort:Last active Wakeup Source: qcom_rx_wakelock"
    assert (abort["wake_offset_ms"], abort["cause_kind"], abort["tag"], abort["api"]) == (
        450200, "wakeup_source", "qcom_rx_wakelock", "kernel")


def test_per_app_rates_and_shares():
    cap = parsers.load(FULL_WAKE)
    a = analyse(cap)
    built = build_all(a.tables["batterystats_history"].with_row_index("_row"), cap.meta,
                      cap.clock)
    # Screen off on battery all the history except 400000–420000: 601000 − 20000 ms.
    assert built.clock.screen_off_battery_ms == 581_000
    apps = per_app(built.chains, built.clock.screen_off_battery_ms, built.clock.zone)
    ex = apps.filter((pl.col("owner") == "com.example") & (pl.col("api") == "wakelock")).row(
        0, named=True)
    assert ex["wakeups"] == 3 and ex["awake_ms"] == 5500 + 1100
    assert ex["screen_off_per_hour"] == pytest.approx(3 / (581_000 / 3_600_000))
    total = 600 + 5500 + 1100 + 800 + 20100 + 200 + 300
    assert ex["awake_share"] == pytest.approx(6600 / total)
    # Every wakeup falls in the 08:00 UTC hour (RESET:TIME:1714550400000, no zone known).
    assert str(ex["busiest_hour"]) == "2024-05-01 08:00:00" and ex["busiest_hour_wakeups"] == 3


def test_sailfish_8_1_heartbeat_alarm_chain():
    c = chains(corpus_path(BUGREPORTS["sailfish_8_1"]))
    # Human form of the same history (batterystats/pixel-sailfish-android8.1.txt):
    #   +44m59s897ms +running +wake_lock=u0a18:"*walarm*:com.google.android.gms.gcm.HEARTBEAT_ALARM"
    #   +44m59s921ms … wake_reason=0:"…:184:qpnp_rtc_alarm"
    #   +44m59s987ms -running
    r = at(c, 2_699_897)
    assert (r["reason_class"], r["cause_kind"], r["tag"], r["uid"], r["package"], r["api"],
            r["awake_ms"]) == ("rtc_alarm", "alarm",
                               "*walarm*:com.google.android.gms.gcm.HEARTBEAT_ALARM", 10018,
                               "com.google.android.gms", "alarm_manager", 90)
    assert r["reason"].endswith("184:qpnp_rtc_alarm")
    assert str(r["wake_time"]) == "2018-04-02 07:39:40.752000+00:00"
    counts = dict(c.group_by("cause_kind").len().iter_rows())
    assert counts["alarm"] == 51 and counts["fcm"] == 15
    # `Abort:Callback failed on 7570000.uart …`: 71 raw lines (grep -c in the human form).
    assert c.filter(pl.col("tag") == "7570000.uart").height == 71


def test_xiaomi_15_ping_timer_chain():
    c = chains(corpus_path("batterystats/xiaomi-miro-android15.txt"))
    #   +5h45m45s481ms +running -mobile_radio wake_reason=0:"192 pm8xxx_rtc_alarm"
    #   +5h45m45s482ms +wake_lock=u0a204:"*walarm*:com.xiaomi.push.PING_TIMER"
    #   +5h45m46s772ms -running
    r = at(c, 20_745_481)
    assert (r["reason"], r["reason_class"], r["cause_kind"], r["tag"], r["package"],
            r["api"], r["lag_ms"], r["awake_ms"]) == (
        "192 pm8xxx_rtc_alarm", "rtc_alarm", "alarm", "*walarm*:com.xiaomi.push.PING_TIMER",
        "com.xiaomi.xmsf", "alarm_manager", 1, 1291)


def test_bug_reports_without_running_bits_use_wakeup_ap():
    # Meizu 7.1.1: no `+r` after the first record and no `wr`; 78 `Ewa` records.
    c = chains(corpus_path(BUGREPORTS["meizu_7_1"]))
    assert c.height == 78 and set(c["cause_kind"]) == {"wakeup_ap"}


def test_sailfish_10_time_tick_chain():
    c = chains(corpus_path(BUGREPORTS["sailfish_10"]))
    r = at(c, 789_366)
    # A previous boot (the capture is 2 min after START): no elapsed realtime, UTC from the
    # history's own clock record.
    assert (r["cause_kind"], r["tag"], r["package"], r["wake_elapsed_ms"]) == (
        "alarm", "*alarm*:TIME_TICK", "android", None)


def test_kernel_only_wakeups_get_their_busiest_hour():
    """Wakeups nothing explains ("(kernel only)": no api, no cause) get a busiest hour like
    every other group: the per-hour counts used to be joined back on keys holding the null
    api, which never match, so the report showed "—" for them."""
    cap = parsers.load(corpus_path(BUGREPORTS["sailfish_8_1"]))
    a = analyse(cap)
    built = build_all(a.tables["batterystats_history"].with_row_index("_row"), cap.meta,
                      cap.clock)
    apps = per_app(built.chains, built.clock.screen_off_battery_ms, built.clock.zone)
    row = apps.filter(pl.col("owner") == "(kernel only)").row(0, named=True)
    # 111 wakeups with no cause in the window; by local hour (UTC−7, the capture's offset)
    # the most fall between 08:00 and 09:00 on 2 April 2018.
    none = built.chains.filter((pl.col("event") == "wakeup") & (pl.col("cause_kind") == "none"))
    by_hour = (none.select((pl.col("wake_time").dt.replace_time_zone(None)
                            - pl.duration(hours=7)).dt.truncate("1h").alias("hour"))
               .group_by("hour").len().sort(["len", "hour"], descending=[True, False]))
    assert row["wakeups"] == none.height == 111
    assert str(row["busiest_hour"]) == "2018-04-02 08:00:00" == str(by_hour.row(0)[0])
    assert row["busiest_hour_wakeups"] == by_hour.row(0)[1] == 31
