"""`batterystats_sensors` from both forms on the real corpus (figures counted with grep).

Checkin: `grep -c ',l,sr,'`; human: `grep -c '^    Sensor '` in the `Statistics since last
charge` block minus the `(not used)` lines (no row, as checkin prints no `sr` line for them).
"""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import BUGREPORTS, corpus_path
from wakescope import parsers

FILES = {
    "pixel7_15": "checkin/pixel7-lynx-android15-checkin.txt",
    "tab_6": "checkin/samsung-tab-android6-checkin.txt",
    "xiaomi_15": "batterystats/xiaomi-miro-android15.txt",
    "samsung_9": "batterystats/samsung-android9.txt",
    "sailfish_8_1_txt": "batterystats/pixel-sailfish-android8.1.txt",
    "motorola_6": "batterystats/motorola-android6.txt",
    "android_5": "batterystats/unknown-android5.txt",
    "emulator_large": "batterystats/emulator-large.txt",
    **BUGREPORTS,
}
COLS = ("total_ms", "count", "background_count", "actual_ms", "background_actual_ms")

_CACHE: dict[tuple[str, str], tuple] = {}


def parsed(key: str, section: str):
    """(tables, capture) of one section of a corpus file, parsed once per session."""
    if (key, section) not in _CACHE:
        cap = parsers.open_capture(corpus_path(FILES[key]))
        sec = cap.section(section)
        assert sec is not None
        _CACHE[key, section] = (parsers.parse_section(cap, section, sec), cap)
    return _CACHE[key, section]


def sensors(key: str, section: str) -> pl.DataFrame:
    return parsed(key, section)[0]["batterystats_sensors"]


def one(frame: pl.DataFrame, uid: int, sensor: str) -> dict:
    rows = frame.filter((pl.col("uid") == uid) & (pl.col("sensor") == sensor))
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def values(row: dict) -> tuple:
    return tuple(row[c] for c in COLS)


@pytest.mark.parametrize(("key", "section", "rows", "gps_rows"), [
    # checkin: one row per `sr` line
    ("pixel7_15", "batterystats_checkin", 18, 1),
    ("tab_6", "batterystats_checkin", 4, 0),
    ("meizu_7_1", "batterystats_checkin", 0, 0),
    ("sailfish_8_1", "batterystats_checkin", 11, 1),
    ("emulator_9", "batterystats_checkin", 3, 1),
    ("sailfish_10", "batterystats_checkin", 6, 0),
    # human: `Sensor` lines of the since-charge block that are not `(not used)`
    ("xiaomi_15", "batterystats", 77, 9),        # 86 lines, 9 not used
    ("samsung_9", "batterystats", 48, 6),
    ("sailfish_8_1_txt", "batterystats", 11, 1),  # 16 lines, 5 not used
    ("motorola_6", "batterystats", 19, 0),
    ("android_5", "batterystats", 4, 0),          # 4 more under `since last unplugged`
    ("emulator_large", "batterystats", 3, 1),
    ("meizu_7_1", "batterystats", 0, 0),          # 5 lines, all `(not used)`
    ("sailfish_8_1", "batterystats", 11, 1),
    ("emulator_9", "batterystats", 3, 1),
    ("sailfish_10", "batterystats", 6, 0),
])
def test_rows_per_file(key, section, rows, gps_rows):
    tables, cap = parsed(key, section)
    df = tables["batterystats_sensors"]
    assert df.height == rows
    assert df.filter(pl.col("sensor") == "GPS").height == gps_rows
    assert (df["sensor_name"] == "GPS").sum() == gps_rows
    assert set(df["source"].unique()) <= {"human" if section == "batterystats" else "checkin"}
    assert cap.diagnostics.unknown_total(section) == 0


def test_checkin_v36_gps_of_play_services():
    df = sensors("pixel7_15", "batterystats_checkin")
    # 9,10179,l,sr,-10000,340009,5,0,340009,0 (uid 10179 = com.google.android.gms)
    gps = one(df, 10179, "GPS")
    assert gps["package"] == "com.google.android.gms"
    assert gps["sensor_name"] == "GPS"
    assert values(gps) == (340009, 5, 0, 340009, 0)
    # Pooled below the un-pooled time: 9,1021,l,sr,16842758,185187,5,0,334650,0
    assert values(one(df, 1021, "16842758")) == (185187, 5, 0, 334650, 0)
    # Background actual time: 9,10179,l,sr,16842766,175552315,10,0,175552315,1725
    assert values(one(df, 10179, "16842766")) == (175552315, 10, 0, 175552315, 1725)
    assert df["total_ms"].sum() == 907_792_278  # awk sum of field 6


def test_checkin_v15_has_no_background_fields():
    df = sensors("tab_6", "batterystats_checkin")
    # 9,1000,l,sr,7,24427185,7 and a Samsung handle 9,1000,l,sr,1600221811,13594732,21
    assert values(one(df, 1000, "7")) == (24427185, 7, None, None, None)
    assert values(one(df, 1000, "1600221811")) == (13594732, 21, None, None, None)


def test_checkin_sailfish_8_1_bugreport():
    df = sensors("sailfish_8_1", "batterystats_checkin")
    # 9,1000,l,sr,-10000,2540,1,0,2540,0
    assert values(one(df, 1000, "GPS")) == (2540, 1, 0, 2540, 0)
    # 9,10271,l,sr,23,34517110,0,0,34517110,34517110: on all the time, in background
    assert values(one(df, 10271, "23")) == (34517110, 0, 0, 34517110, 34517110)


def test_human_xiaomi_15_gps():
    df = sensors("xiaomi_15", "batterystats")
    # u0a379: `Sensor GPS: 29s 183ms realtime (1 times), 35ms background (0 times)`
    baidu = one(df, 10379, "GPS")
    assert baidu["package"] == "com.baidu.BaiduMap"
    assert values(baidu) == (29183, 1, 0, 29183, 35)
    # u0a280: `Sensor GPS: 849ms realtime (3 times), 849ms background (3 times)`
    weather = one(df, 10280, "GPS")
    assert weather["package"] == "com.miui.weather2"
    assert values(weather) == (849, 3, 3, 849, 849)
    gps = df.filter(pl.col("sensor") == "GPS")
    assert gps["total_ms"].sum() == 1517 + 2292 + 849 + 218 + 247 + 1989 + 325 + 205 + 29183


def test_human_samsung_9_blamed_and_background():
    df = sensors("samsung_9", "batterystats")
    # u0a200: `Sensor GPS: 50s 170ms realtime (12 times), 672ms background (0 times)`
    snap = one(df, 10200, "GPS")
    assert snap["package"] == "com.snapchat.android"
    assert values(snap) == (50170, 12, 0, 50170, 672)
    # `Sensor 6: 6s 304ms blamed realtime, 10s 60ms realtime (8 times), 943ms background
    # (0 times)`: blamed is the pooled total, the realtime value the un-pooled time.
    assert values(one(df, 10200, "6")) == (6304, 8, 0, 10060, 943)
    # u0a26 `Sensor GPS: 5m 27s 871ms realtime (5 times)`: an 8.0+ dump prints no
    # background part when it is zero, and no blamed part when pooled = actual.
    gms = one(df, 10026, "GPS")
    assert gms["package"] == "com.google.android.gms"
    assert values(gms) == (327871, 5, 0, 327871, 0)


def test_human_pre_oreo_leaves_8_0_fields_null():
    df = sensors("motorola_6", "batterystats")
    # `Sensor 2: 1h 10m 34s 15ms realtime (24 times)` under uid 1000
    assert values(one(df, 1000, "2")) == (4234015, 24, None, None, None)
    assert df["actual_ms"].null_count() == df.height


def test_human_and_checkin_agree_in_bugreports():
    for key in ("sailfish_8_1", "sailfish_10"):
        c = sensors(key, "batterystats_checkin").sort("uid", "sensor")
        h = sensors(key, "batterystats").sort("uid", "sensor")
        keep = ["uid", "package", "sensor", "sensor_name", *COLS]
        assert c.select(keep).equals(h.select(keep)), key


def test_merged_bugreport_prefers_checkin():
    cap = parsers.load(corpus_path(BUGREPORTS["emulator_9"]))
    df = cap.table("batterystats_sensors")
    assert df["source"].to_list() == ["checkin"] * 3
    # 9,10038,l,sr,-10000,3086,1,0,3086,0 (com.google.android.googlequicksearchbox)
    gps = one(df, 10038, "GPS")
    assert gps["package"] == "com.google.android.googlequicksearchbox"
    assert values(gps) == (3086, 1, 0, 3086, 0)


# A hand-written uid block (AOSP O BatteryStats.dumpLocked shapes) for what the corpus
# cannot show: one dump without any 8.0+ marker, and an odd `Sensor` line counted unknown.
_DUMP = """\
Statistics since last charge:
  System starts: 0, currently on battery: true

  u0a12:
    Sensor GPS: 1m 0s 0ms realtime (2 times)
    Sensor 3: (not used)
    Sensor accel: 5s 0ms realtime (1 times)
"""


@pytest.mark.parametrize(("extra", "filled"), [
    ("", False),
    ("    Sensor 5: 2s 0ms blamed realtime, 4s 0ms realtime (1 times)\n", True),
])
def test_hand_written_dump_fills_8_0_fields_only_with_8_0_shapes(extra, filled):
    from wakescope.parsers.batterystats import human
    from wakescope.parsers.section_input import SectionInput

    inp = SectionInput.from_text("batterystats", _DUMP + extra)
    df = human.parse(inp)["batterystats_sensors"]
    gps = one(df, 10012, "GPS")
    expect = (60000, 2, 0, 60000, 0) if filled else (60000, 2, None, None, None)
    assert values(gps) == expect
    assert df.height == (2 if filled else 1)
    assert inp.diagnostics.unknown_total("batterystats") == 1   # `Sensor accel: …`
