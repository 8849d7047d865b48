"""Checkin record layouts, by record type and checkin version range (DESIGN principle 2).

Source: AOSP `BatteryStats.dumpCheckinLocked` per release (formats.md §4.4, corrected by the
real corpus in §7.5). Fields are mapped by name from these tables, never by position alone:
a release that inserts a field gets its own row here. When a line's field count does not
match its version's layout, the parser picks the layout of the same type whose count
matches (shape first, version breaks ties) and says so in the diagnostics.

Version → release: 15/17 = 6.0, 18 = 7.0, 19 = 7.1, 23 = 8.0, 27 = 8.1, 32 = 9, 34 = 10,
35 = 11–13, 36 = 14–16.
"""

from __future__ import annotations

ANY = 10_000  # open upper bound

# A layout is (first version, last version, field names). `None` names a field we skip.
Layouts = tuple[tuple[int, int, tuple[str | None, ...]], ...]

# ---- Records whose leading name may contain commas: numeric fields counted from the end.
# sy/jb/pr/kwl are unquoted before 8.0 (v23); `wr` is quoted in all releases; `wua` and
# `wl` names have `,` replaced by `_` (formats.md §4.4).
NAMED: dict[str, Layouts] = {
    "jb": ((0, 22, ("total_ms", "count")),
           (23, ANY, ("total_ms", "count", "background_ms", "background_count"))),
    "sy": ((0, 22, ("total_ms", "count")),
           (23, ANY, ("total_ms", "count", "background_ms", "background_count"))),
    "kwl": ((0, 18, ("total_ms", "count")),
            (19, ANY, ("total_ms", "count", "current_ms", "max_ms"))),
    "wr": ((0, ANY, ("total_ms", "count")),),
    "pr": ((0, ANY, ("user_ms", "system_ms", "foreground_ms", "starts", "anrs", "crashes")),),
    "wua": ((0, ANY, ("count",)),),
}

# ---- Records of plain fields, read from the left.
POSITIONAL: dict[str, Layouts] = {
    "awl": ((23, ANY, ("total_ms", "background_ms")),),
    "fgs": ((27, ANY, ("total_ms", "count")),),
    "jbd": ((31, ANY, ("deferred_events", "deferred_count", "total_latency_ms", "under_1h",
                       "h1_2", "h2_4", "h4_8", "over_8h")),),
    # Sensor handle (`-10000` = GPS), blamed ms, count; 8.0 adds the background count and
    # the un-pooled totalDuration ms, total and background (BatteryStats SENSOR_DATA).
    "sr": ((0, 22, ("sensor", "total_ms", "count")),
           (23, ANY, ("sensor", "total_ms", "count", "background_count", "actual_ms",
                      "background_actual_ms"))),
    "pws": ((0, ANY, ("capacity", "computed_drain", "min_drained", "max_drained")),),
    # 7.x: label, mAh. 8.0–12 (BatteryStatsHelper) and 13+ (BatteryUsageStats) add
    # shouldHide / isSystem, screen mAh, proportional smear mAh.
    "pwi": ((0, 22, ("label", "mah")),
            (23, ANY, ("label", "mah", "hidden", "screen_mah", "proportional_mah"))),
    "apk": ((0, ANY, ("wakeups", "package", "service", "start_time_ms", "starts",
                      "launches")),),
    "bt": (
        (0, 17, ("start_count", "battery_realtime_ms", "battery_uptime_ms", "total_realtime_ms",
                 "total_uptime_ms", "start_clock_ms", "screen_off_realtime_ms",
                 "screen_off_uptime_ms")),
        # 7.0 adds the estimated capacity.
        (18, 22, ("start_count", "battery_realtime_ms", "battery_uptime_ms",
                  "total_realtime_ms", "total_uptime_ms", "start_clock_ms",
                  "screen_off_realtime_ms", "screen_off_uptime_ms", "estimated_capacity_mah")),
        # 8.0 adds min/max learned capacity (µAh).
        (23, 26, ("start_count", "battery_realtime_ms", "battery_uptime_ms",
                  "total_realtime_ms", "total_uptime_ms", "start_clock_ms",
                  "screen_off_realtime_ms", "screen_off_uptime_ms", "estimated_capacity_mah",
                  "min_learned_uah", "max_learned_uah")),
        # 8.1 adds screen doze time.
        (27, ANY, ("start_count", "battery_realtime_ms", "battery_uptime_ms",
                   "total_realtime_ms", "total_uptime_ms", "start_clock_ms",
                   "screen_off_realtime_ms", "screen_off_uptime_ms", "estimated_capacity_mah",
                   "min_learned_uah", "max_learned_uah", "screen_doze_ms")),
    ),
    "dc": (
        (0, 17, ("low_pct", "high_pct", "screen_on_pct", "screen_off_pct")),
        # 7.0 adds the discharge in mAh, total and screen off.
        (18, 26, ("low_pct", "high_pct", "screen_on_pct", "screen_off_pct", "discharge_mah",
                  "screen_off_mah")),
        # 8.1 adds screen doze % and mAh.
        (27, 31, ("low_pct", "high_pct", "screen_on_pct", "screen_off_pct", "discharge_mah",
                  "screen_off_mah", "screen_doze_pct", "screen_doze_mah")),
        # 9 adds light and deep doze mAh.
        (32, ANY, ("low_pct", "high_pct", "screen_on_pct", "screen_off_pct", "discharge_mah",
                   "screen_off_mah", "screen_doze_pct", "screen_doze_mah", "light_doze_mah",
                   "deep_doze_mah")),
    ),
    "m": (
        # 6.0 (v15–17): one device-idle mode.
        (0, 17, ("screen_on_ms", "phone_on_ms", "full_wakelock_ms", "partial_wakelock_ms",
                 "mobile_radio_active_ms", "mobile_radio_active_adjusted_ms", "interactive_ms",
                 "power_save_ms", "connectivity_changes", "deep_idle_ms", "deep_idle_count",
                 "deep_idling_ms", "deep_idling_count", "mobile_radio_active_count",
                 "mobile_radio_active_unknown_ms")),
        # 7.0+: light idle mode and longest idle periods appended.
        (18, ANY, ("screen_on_ms", "phone_on_ms", "full_wakelock_ms", "partial_wakelock_ms",
                   "mobile_radio_active_ms", "mobile_radio_active_adjusted_ms",
                   "interactive_ms", "power_save_ms", "connectivity_changes", "deep_idle_ms",
                   "deep_idle_count", "deep_idling_ms", "deep_idling_count",
                   "mobile_radio_active_count", "mobile_radio_active_unknown_ms",
                   "light_idle_ms", "light_idle_count", "light_idling_ms",
                   "light_idling_count", "longest_light_idle_ms", "longest_deep_idle_ms")),
    ),
}

# ---- `wl`: name, then groups `time,type,count[,current,max[,totalDuration]]`.
# (first, last, fields per group, group types). 7.0: 3 fields; 7.1: + current, max (the
# 7.1.1 corpus prints -1 for untracked f/w); 8.0: + totalDuration and the `bp` group.
WL_LAYOUTS: tuple[tuple[int, int, int, tuple[str, ...]], ...] = (
    (0, 18, 3, ("f", "p", "w")),
    (19, 22, 5, ("f", "p", "w")),
    (23, ANY, 6, ("f", "p", "bp", "w")),
)
WL_KINDS = {"f": "full", "p": "partial", "bp": "background_partial", "w": "window"}
WL_GROUP_FIELDS = ("total_ms", "type", "count", "current_ms", "max_ms", "actual_ms")

# ---- Record types known and deliberately not tabulated (counted as recognised).
KNOWN_L = frozenset({
    "gn", "gmcd", "gwfcd", "gble", "gwfl", "br", "sgt", "sgc", "sst", "dct", "dcc", "wst",
    "wsc", "wsst", "wssc", "wsgt", "wsgc", "wmct", "gcf", "nt", "mcd", "wfcd", "ble", "wfl",
    "blem", "ua", "wmc", "fla", "cam", "vid", "aud", "vib", "fg", "st", "cpu", "ctf",
    "lv", "rpm",
})
KNOWN_I = frozenset({"vers", "uid", "dsd", "csd", "dtr", "ctr", "err"})


def pick(layouts: Layouts, version: int | None, n_fields: int | None = None):
    """The layout for `version`; when `n_fields` disagrees, the one whose length matches.

    Returns (layout, exact) where `exact` is False when the shape overrode the version.
    """
    by_version = None
    if version is not None:
        by_version = next((names for lo, hi, names in layouts if lo <= version <= hi), None)
    if n_fields is None or (by_version is not None and len(by_version) == n_fields):
        return (by_version or layouts[-1][2]), True
    same = [names for _, _, names in layouts if len(names) == n_fields]
    if same:
        return same[-1], by_version is None
    return (by_version or layouts[-1][2]), False
