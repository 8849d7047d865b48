"""Background location: GPS and location-wakelock time per app, normalised to 24 h.

The best signal is the app's GPS time in the background (batterystats `Sensor GPS:` /
checkin `sr` with handle -10000, `batterystats_sensors` when the capture's parser
tabulates it). Else the location wakelocks (NlpWakeLock, NetworkLocationLocator,
*location*, …; the location rules in apis.toml), background time per tag where the capture
has it (8.0+). Location is exempt from the excessive-wakelock vital but still drains the
battery (platform-rules §1.9, §3.2); location wakeup alarms are added to the detail.
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.passes.context import (
    HOUR_MS,
    Context,
    app_uid_expr,
    evidence,
    fmt_ms,
    summary_evidence,
    uid_text,
)
from wakescope.analyzer.passes.scope import grade, windowed
from wakescope.analyzer.passes.wakelocks import aggregate_rows

GPS_HANDLE = "-10000"  # BatteryStats.Uid.Sensor.GPS


def gps_rows(ctx: Context) -> pl.DataFrame:
    """Per-uid GPS sensor rows (`_row`, uid, value_ms: background time where printed, else
    total), from a `batterystats_sensors` table (uid, sensor, total_ms, background_ms)."""
    sensors = ctx.indexed("batterystats_sensors")
    if sensors.is_empty() or not {"uid", "sensor", "total_ms"} <= set(sensors.columns):
        return pl.DataFrame()
    name = pl.col("sensor").cast(pl.String).str.to_lowercase()
    bg = pl.col("background_ms") if "background_ms" in sensors.columns else pl.lit(None)
    return (sensors.filter(name.is_in(["gps", GPS_HANDLE]) & app_uid_expr())
            .with_columns(pl.coalesce(bg, pl.col("total_ms")).alias("value_ms"),
                          bg.is_not_null().alias("_bg")))


def run(ctx: Context) -> list[dict]:
    t = ctx.threshold("background_location")
    period = ctx.window_ms(t)
    if period is None:
        return []
    agg, words = aggregate_rows(ctx)
    loc = (agg.filter(app_uid_expr() & (pl.col("api") == "location")) if agg.height
           else pl.DataFrame())
    gps = gps_rows(ctx)
    per: dict[int, dict] = {}
    if gps.height:
        for uid, ms, rows, bg in gps.group_by("uid").agg(
                pl.col("value_ms").sum(), pl.col("_row"), pl.col("_bg").all()).iter_rows():
            per.setdefault(uid, {})["gps"] = (int(ms or 0), rows, bool(bg))
    if loc.height:
        for uid, ms, rows, tags in loc.group_by("uid").agg(
                pl.col("value_ms").sum(), pl.col("_row"), pl.col("tag")).iter_rows():
            per.setdefault(uid, {})["wl"] = (int(ms or 0), rows, sorted(set(tags)))
    alarms = ctx.table("batterystats_wakeup_alarms")
    out = []
    for uid, f in per.items():
        gps_ms = f.get("gps", (0,))[0]
        wl_ms = f.get("wl", (0,))[0]
        pkg = ctx.package_of(uid)
        ev = []
        if "gps" in f and (gps_ms >= wl_ms or "wl" not in f):
            ms, (_, rows, bg) = gps_ms, f["gps"]
            what = "GPS time in the background" if bg else "GPS time"
            basis = (f"batterystats GPS sensor {'background ' if bg else ''}time since last "
                     f"charge over {fmt_ms(period)} on battery, scaled to 24 h")
            ev.append(evidence("batterystats_sensors", f'uid == {uid} and sensor == "gps"', rows))
        else:
            ms, (_, rows, tags) = wl_ms, f["wl"]
            what = f"location wakelocks ({', '.join(tags[:6])}; {words})"
            basis = (f"aggregates since last charge: {words} of location-attributed tags over "
                     f"{fmt_ms(period)} on battery, scaled to 24 h")
            ev.append(evidence("batterystats_wakelocks", f'uid == {uid} and api == "location" '
                               f"and {agg['_filter'][0]}", rows))
        ev.append(summary_evidence(ctx, "battery_realtime_ms"))
        w = windowed(ctx, "background_location", ms / HOUR_MS, period)
        value = w.value
        sev, _ = grade(ctx, "background_location", w, t)
        if sev is None:
            continue
        if w.short:
            basis = basis.replace(", scaled to 24 h", "; " + w.words("hours", "24 h"))
        n_alarms = 0
        if alarms.height and "api" in alarms.columns:
            n_alarms = int(alarms.filter((pl.col("uid") == uid) & (pl.col("api") == "location"))
                           ["count"].sum())
        other = (f" Location wakelocks: {fmt_ms(wl_ms)}." if "wl" in f and ms != wl_ms else "")
        detail = (f"{pkg or uid_text(uid)}: {fmt_ms(ms)} of {what} in {fmt_ms(period)} on "
                  f"battery" + (f", {value:.2f} h per 24 h." if not w.short else ".")
                  + other
                  + (f" Location wakeup alarms: {n_alarms}." if n_alarms else "")
                  + " Android 8+ limits background apps to a few location updates an hour; "
                  "location is exempt from the wakelock vital but still drains the battery.")
        out.append(ctx.finding(
            kind="background_location", severity=sev, package=pkg, uid=uid, api="location",
            metric="location_h_per_24h" if not w.short else "location_h", value=value,
            unit="h/24h" if not w.short else "h",
            threshold="background_location", basis=basis, detail=detail, evidence=ev,
            recommendation_id="location_batching",
            title=f"Background location: {pkg or uid_text(uid)} "
                  + (f"{value:.2f} h/24h" if not w.short else f"{value:.2f} h in {fmt_ms(period)}"),
            key=str(uid), window_ms=period, scaled=w.scaled))
    return out
