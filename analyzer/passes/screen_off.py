"""Screen-off health: drain %/h with the screen off, awake share of screen-off time, Doze,
kernel wakelocks and wakeup reasons, long holds, full wakelocks, mobile-radio time; and the
findings on them (screen_off_drain, awake_screen_off, kernel_wakelock, full_wakelock,
radio_active), each with the energy it explains (docs/energy.md "Screen off").

Figures come from batterystats since the last charge (`Time on battery screen off: …
realtime, … uptime`, `Screen off discharge: … mAh`, checkin `bt`/`dc`/`m`; formats.md §4.2,
§4.4) and the history (`device_idle=`, `+longwake`).
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.model import SEVERITIES
from wakescope.analyzer.passes.context import (
    HOUR_MS,
    Context,
    evidence,
    fmt_ms,
    level,
    summary_evidence,
    uid_text,
)
from wakescope.analyzer.passes.energy import budget, measured_discharge
from wakescope.analyzer.passes.energy_split import one_source
from wakescope.analyzer.plans import ENGINE

TOP = 5


def _summary(ctx: Context) -> dict:
    s = ctx.table("batterystats_summary")
    return s.row(0, named=True) if s.height else {}


def capacity(ctx: Context) -> float | None:
    """The battery's capacity, mAh: the battery's own estimate, else the power profile's."""
    s = _summary(ctx)
    if s.get("estimated_capacity_mah"):
        return float(s["estimated_capacity_mah"])
    pw = ctx.table("batterystats_power_use")
    if pw.height and "component" in pw.columns:
        c = pw.filter(pl.col("component") == "capacity")["mah"]
        if c.len() and c[0]:
            return float(c[0])
    return None


def _doze_entries(ctx: Context) -> dict[str, int]:
    """Entries into light and deep Doze: history `device_idle=light|full` changes."""
    h = ctx.table("batterystats_history")
    if h.is_empty() or "name" not in h.columns:
        return {}
    d = h.filter((pl.col("name") == "device_idle") & pl.col("value").is_in(["light", "full"]))
    counts = dict(d.group_by("value").len().iter_rows())
    return {"light": int(counts.get("light", 0)), "deep": int(counts.get("full", 0))}


def _long_holds(ctx: Context) -> list[dict]:
    """`+longwake` history events (a wakelock held over 60 s, PowerManagerService), per tag."""
    h = ctx.table("batterystats_history")
    if h.is_empty() or "name" not in h.columns:
        return []
    lw = h.filter((pl.col("name") == "longwake") & (pl.col("transition") == "start"))
    if lw.is_empty():
        return []
    g = (lw.group_by("uid", "tag").len()
         .sort(["len", "tag", "uid"], descending=[True, False, False]).head(TOP))
    return [{"uid": u, "package": ctx.package_of(u), "tag": t, "count": int(n)}
            for u, t, n in g.iter_rows()]


def _top(df: pl.DataFrame, key: str, exclude: set[str] = frozenset()) -> list[dict]:
    if df.is_empty():
        return []
    g = (df.lazy().filter(~pl.col(key).is_in(list(exclude)))
         .group_by(key).agg(pl.col("total_ms").sum(), pl.col("count").sum())
         .sort(["total_ms", key], descending=[True, False]).head(TOP)
         .collect(engine=ENGINE))  # one plan (issue 17)
    return [{key: k, "ms": int(ms or 0), "count": int(n or 0)} for k, ms, n in g.iter_rows()]


def health(ctx: Context) -> dict | None:
    """Screen-off figures (None when the dump has no screen-off time on battery)."""
    if "_screen_off" in ctx.__dict__:
        return ctx.__dict__["_screen_off"]
    ctx.__dict__["_screen_off"] = out = _health(ctx)
    return out


def _health(ctx: Context) -> dict | None:
    s = _summary(ctx)
    off = s.get("screen_off_realtime_ms") or 0
    battery = s.get("battery_realtime_ms") or 0
    if off <= 0 or battery <= 0:
        return None
    cap = capacity(ctx)
    mah = s.get("discharge_screen_off_mah")
    pct = s.get("discharge_screen_off_pct")
    src = "coulomb_counter"
    if not mah or mah <= 0:
        mah, src = (pct * cap / 100.0, "level_x_capacity") if pct and cap else (None, None)
    drain_pct = mah / cap * 100.0 if mah and cap else (float(pct) if pct else None)
    hours = off / HOUR_MS
    awake = s.get("screen_off_uptime_ms")
    kwl_exclude = set(ctx.threshold("kernel_wakelock").get("exclude", []))
    full = one_source(ctx.table("batterystats_wakelocks"))
    fulls: list[dict] = []
    if full.height:
        # `WindowManager…` full wakelocks are the window manager's own, charged to the app
        # whose window has FLAG_KEEP_SCREEN_ON (AOSP DisplayContent / WindowManagerService:
        # newWakeLock(SCREEN_BRIGHT_WAKE_LOCK | ON_AFTER_RELEASE, TAG_WM…)): visible,
        # foreground use, not the app's own FULL_WAKE_LOCK.
        f = (full.filter((pl.col("kind") == "full") & (pl.col("total_ms") > 0))
             .group_by("uid").agg(pl.col("total_ms").sum(), pl.col("count").sum(),
                                  pl.col("tag").str.starts_with("WindowManager").all()
                                  .alias("window"))
             .sort(["total_ms", "uid"], descending=[True, False]).head(TOP))
        fulls = [{"uid": u, "package": ctx.package_of(u), "ms": int(ms), "count": int(n or 0),
                  "keep_screen_on": bool(w)} for u, ms, n, w in f.iter_rows()]
    kwl = _top(one_source(ctx.table("batterystats_kernel_wakelocks")), "name", kwl_exclude)
    reasons = _top(one_source(ctx.table("batterystats_wakeup_reasons")), "reason")
    for item in (*kwl, *reasons):
        # The awake time it explains with the screen off: its time spread like the time on
        # battery, capped at the screen-off awake time (a share of that awake time).
        held = min(item["ms"] * off / battery, awake) if awake else None
        item["screen_off_awake_ms"] = None if held is None else int(held)
        item["awake_share"] = held / awake if awake else None
    b = budget(ctx)
    apps = [{"uid": a["uid"], "package": a["package"], "cpu_ms": a["cpu_ms"],
             "radio_mah": a["by_resource"].get("radio"), "mah": a["mah"]}
            for a in (b["apps"] if b else [])[:TOP]]
    return {
        "screen_off_ms": off, "battery_ms": battery, "screen_off_time_share": off / battery,
        "awake_ms": awake, "awake_share": awake / off if awake is not None else None,
        "drain_mah": mah, "drain_pct": drain_pct, "drain_source": src,
        "drain_pct_per_h": drain_pct / hours if drain_pct is not None else None,
        "drain_mah_per_h": mah / hours if mah else None, "capacity_mah": cap,
        "deep_doze_ms": s.get("deep_idle_ms"), "light_doze_ms": s.get("light_idle_ms"),
        "doze_entries": _doze_entries(ctx),
        "kernel_wakelocks": kwl, "wakeup_reasons": reasons,
        "long_holds": _long_holds(ctx), "full_wakelocks": fulls,
        "mobile_radio_active_ms": s.get("mobile_radio_active_ms"),
        "full_wakelock_ms": s.get("full_wakelock_ms"), "apps": apps,
    }


def _explains(mah: float | None, total: float | None) -> str:
    if mah is None or not total:
        return ""
    return f" It explains about {mah:.0f} mAh, {mah / total * 100:.0f} % of the {total:.0f} " \
           "mAh the battery lost."


def run(ctx: Context) -> list[dict]:
    """The screen-off findings, each with `energy_mah`: the drain it explains."""
    h = health(ctx)
    if h is None:
        return []
    total, source = measured_discharge(ctx)
    # The power model's own computed drain is an estimate, not a measured loss: a share of
    # it grades nothing (graded() gives info without a measured total).
    measured = None if source == "computed_drain" else total
    out: list[dict] = []
    for make in (_screen_off_drain, _awake, _kernel_wakelocks, _full_wakelocks, _radio):
        out.extend(make(ctx, h, measured))
    return out


def graded(sev: str | None, mah: float | None, total: float | None, t: dict) -> str | None:
    """Severity follows the energy explained (DESIGN principle 9): a level is kept only when
    the finding explains at least `min_energy_share[level]` of the drain, else it steps
    down; with no energy figure the finding is at most info."""
    if sev is None:
        return None
    if mah is None or not total:
        return "info"
    bounds = t.get("min_energy_share", {})
    share = mah / total
    for level_ in SEVERITIES[SEVERITIES.index(sev):]:
        if share >= float(bounds.get(level_, 0.0)):
            return level_
    return "info"


def _min_hours(h: dict, t: dict) -> bool:
    return h["screen_off_ms"] >= float(t.get("min_screen_off_h", 0)) * HOUR_MS


def _screen_off_drain(ctx: Context, h: dict, total: float | None) -> list[dict]:
    t = ctx.threshold("screen_off_drain")
    rate = h["drain_pct_per_h"]
    if rate is None or not _min_hours(h, t):
        return []
    mah = h["drain_mah"]
    sev = graded(level(rate, t), mah, total, t)
    if sev is None:
        return []
    return [ctx.finding(
        kind="screen_off_drain", severity=sev, package=None, uid=None, api=None,
        metric="screen_off_drain_pct_per_hour", value=rate, unit="%/h",
        threshold="screen_off_drain", energy_mah=mah,
        basis=f"batterystats screen-off discharge ({h['drain_source']}) over "
              f"{fmt_ms(h['screen_off_ms'])} with the screen off on battery",
        detail=f"With the screen off the battery lost {h['drain_pct']:.1f} % "
               f"({mah:.0f} mAh) in {fmt_ms(h['screen_off_ms'])}: {rate:.2f} %/h."
               + _explains(mah, total),
        evidence=[summary_evidence(ctx, "discharge_screen_off_mah"),
                  summary_evidence(ctx, "screen_off_realtime_ms")],
        recommendation_id="screen_off_drain",
        title=f"Screen-off drain {rate:.1f} %/h", key="screen_off")]


def _awake(ctx: Context, h: dict, total: float | None) -> list[dict]:
    t = ctx.threshold("awake_screen_off")
    share = h["awake_share"]
    if share is None or not _min_hours(h, t):
        return []
    mah = h["drain_mah"] * share if h["drain_mah"] else None
    sev = graded(level(share, t), mah, total, t)
    if sev is None:
        return []
    why = ""
    if h["kernel_wakelocks"]:
        k = h["kernel_wakelocks"][0]
        why = f" Longest kernel wakelock: {k['name']} {fmt_ms(k['ms'])}."
    return [ctx.finding(
        kind="awake_screen_off", severity=sev, package=None, uid=None, api="kernel",
        metric="awake_share_screen_off", value=share, unit="share",
        threshold="awake_screen_off", energy_mah=mah,
        basis="batterystats `Time on battery screen off` uptime over realtime; energy in "
              "proportion to time (a lower bound: awake time costs more than suspend)",
        detail=f"The CPU was awake {fmt_ms(h['awake_ms'])} of {fmt_ms(h['screen_off_ms'])} "
               f"with the screen off ({share * 100:.1f} %).{why}" + _explains(mah, total),
        evidence=[summary_evidence(ctx, "screen_off_uptime_ms")],
        recommendation_id="awake_screen_off",
        title=f"Awake {share * 100:.0f} % of screen-off time", key="awake")]


def _kernel_wakelocks(ctx: Context, h: dict, total: float | None) -> list[dict]:
    t = ctx.threshold("kernel_wakelock")
    if not _min_hours(h, t):
        return []
    kwl = ctx.indexed("batterystats_kernel_wakelocks")
    battery = h["battery_ms"]
    out = []
    for k in h["kernel_wakelocks"]:
        if len(out) >= int(t.get("max_findings", 3)):
            break
        share = k["ms"] / battery
        sev = level(share, t)
        if sev is None:
            break
        # Held time with the screen off, assuming it is spread like the time on battery,
        # capped by the screen-off awake time; energy in proportion to screen-off time.
        off_held = k["ms"] * h["screen_off_time_share"]
        if h["awake_ms"] is not None:
            off_held = min(off_held, h["awake_ms"])
        mah = h["drain_mah"] * off_held / h["screen_off_ms"] if h["drain_mah"] else None
        sev = graded(sev, mah, total, t)
        rows = kwl.filter(pl.col("name") == k["name"])["_row"]
        out.append(ctx.finding(
            kind="kernel_wakelock", severity=sev, package=None, uid=None, api="kernel",
            metric="kernel_wakelock_share", value=share, unit="share",
            threshold="kernel_wakelock", energy_mah=mah,
            basis=f"batterystats kernel wakelock time since last charge over "
                  f"{fmt_ms(battery)} on battery",
            detail=f"Kernel wakelock {k['name']} was held {fmt_ms(k['ms'])} ({k['count']}×), "
                   f"{share * 100:.1f} % of the time on battery." + _explains(mah, total),
            evidence=[evidence("batterystats_kernel_wakelocks", f"name == {k['name']!r}",
                               rows), summary_evidence(ctx, "battery_realtime_ms")],
            recommendation_id="kernel_wakelock",
            title=f"Kernel wakelock {k['name'][:50]} {fmt_ms(k['ms'])}", key=k["name"]))
    return out


def _full_wakelocks(ctx: Context, h: dict, total: float | None) -> list[dict]:
    t = ctx.threshold("full_wakelock")
    b = budget(ctx)
    screen_mah = (b or {}).get("resources", {}).get("screen")
    screen_on = (_summary(ctx).get("screen_on_ms") or 0)
    wl = ctx.indexed("batterystats_wakelocks")
    out = []
    for f in h["full_wakelocks"]:
        hours = f["ms"] / HOUR_MS
        sev = level(hours, t)
        if sev is None:
            break
        mah = (screen_mah * min(1.0, f["ms"] / screen_on) if screen_mah and screen_on
               else None)
        sev = "info" if f["keep_screen_on"] else graded(sev, mah, total, t)
        name = f["package"] or uid_text(f["uid"])
        why = (" These are the window manager's wakelocks for a window that keeps the screen "
               "on (FLAG_KEEP_SCREEN_ON): visible, foreground use, which is what the platform "
               "recommends instead of FULL_WAKE_LOCK." if f["keep_screen_on"] else "")
        rows = wl.filter((pl.col("uid") == f["uid"]) & (pl.col("kind") == "full"))["_row"]
        out.append(ctx.finding(
            kind="full_wakelock", severity=sev, package=f["package"], uid=f["uid"],
            api="wakelock", metric="full_wakelock_hours", value=hours, unit="h",
            threshold="full_wakelock", energy_mah=mah,
            basis="batterystats full wakelock time since last charge; energy: the screen's "
                  "share in proportion to screen-on time",
            detail=f"{name} held full wakelocks (screen and CPU on) for {fmt_ms(f['ms'])} "
                   f"({f['count']}×)." + _explains(mah, total) + why,
            evidence=[evidence("batterystats_wakelocks",
                               f'uid == {f["uid"]} and kind == "full"', rows)],
            recommendation_id=None if f["keep_screen_on"] else "full_wakelock",
            title=(f"Keep-screen-on window: {name} {fmt_ms(f['ms'])}" if f["keep_screen_on"]
                   else f"Full wakelock: {name} {fmt_ms(f['ms'])}"), key=str(f["uid"])))
    return out


def _radio(ctx: Context, h: dict, total: float | None) -> list[dict]:
    t = ctx.threshold("radio_active")
    ms = h["mobile_radio_active_ms"]
    if not ms or h["battery_ms"] < float(t.get("min_period_h", 0)) * HOUR_MS:
        return []
    share = ms / h["battery_ms"]
    b = budget(ctx)
    mah = (b or {}).get("resources", {}).get("cell") or None
    sev = graded(level(share, t), mah, total, t)
    if sev is None:
        return []
    top = [a for a in h["apps"] if a.get("radio_mah")]
    tops = ""
    if top:
        top.sort(key=lambda a: -a["radio_mah"])
        tops = " Radio energy by app: " + ", ".join(
            f"{a['package'] or uid_text(a['uid'])} {a['radio_mah']:.1f} mAh" for a in top[:3]
        ) + "."
    return [ctx.finding(
        kind="radio_active", severity=sev, package=None, uid=None, api=None,
        metric="mobile_radio_active_share", value=share, unit="share",
        threshold="radio_active", energy_mah=mah,
        basis="batterystats mobile radio active time over the time on battery; energy: the "
              "power model's cell component plus the apps' radio",
        detail=f"The mobile radio was active {fmt_ms(ms)} of {fmt_ms(h['battery_ms'])} on "
               f"battery ({share * 100:.1f} %).{tops}" + _explains(mah, total),
        evidence=[summary_evidence(ctx, "mobile_radio_active_ms")],
        recommendation_id="radio_active",
        title=f"Mobile radio active {share * 100:.0f} % of the time", key="radio")]
