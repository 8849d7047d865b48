"""Energy budget: the battery's measured loss split into device components, apps and, per
app, the background APIs that spent it, with `unaccounted` explicit (docs/energy.md).

The total is measured (coulomb counter, else level × capacity); the split is the platform's
own power model (`Estimated power use` / checkin `pws`/`pwi`, formats.md §4.2.2 and §4.4):
BatteryStatsHelper sippers up to 11 (checkin up to 12), BatteryUsageStats from 12 (human)
and 13 (checkin). `unaccounted` = total − components − apps, negative when the model
over-counts. Computed once per Context (`budget(ctx)`); `run` stores the `energy` table.
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.passes.context import Context
from wakescope.analyzer.passes.energy_split import app_splits
from wakescope.analyzer.tables import ENERGY

# Power-model names (helper labels, BatteryUsageStats components, checkin labels) → the
# budget's component names.
COMPONENTS = {
    "screen": "screen", "cell": "cell", "mobile_radio": "cell", "wifi": "wifi",
    "bluetooth": "bluetooth", "idle": "idle", "cpu": "cpu", "gnss": "gps", "gps": "gps",
    "camera": "camera", "flashlight": "flashlight", "phone": "phone",
    "ambient_display": "ambient_display", "audio": "audio", "video": "video",
    "sensors": "sensors", "memory": "memory", "wakelock": "wakelock",
    "system_services": "system_services", "unknown": "other", "???": "other",
}
# Platform residual sippers: the budget recomputes its own `unaccounted` against the
# measured total, so these are left out (BatteryStatsHelper.addExtraPowerSippers / ≤11).
_RESIDUALS = {"unaccounted", "overcounted"}
_GLOBAL_ONLY = {"capacity", "computed_drain", "min_drained", "max_drained"}
# 13+ checkin: components an app can be blamed for (its non-screen share is taken from
# these in proportion; BatteryUsageStats attributes idle/ambient/memory/phone to no uid).
_APP_ATTRIBUTABLE = {"cpu", "cell", "wifi", "bluetooth", "gps", "sensors", "camera", "audio",
                     "video", "flashlight", "wakelock", "system_services"}
CAPACITY_TOLERANCE = 0.10   # capacities differing by more than this get a caveat


def _summary(ctx: Context) -> dict:
    s = ctx.table("batterystats_summary")
    return s.row(0, named=True) if s.height else {}


def _power_rows(ctx: Context) -> pl.DataFrame:
    """The power-use rows of one source: human when present (it has per-app breakdowns)."""
    pw = ctx.table("batterystats_power_use")
    if pw.is_empty() or "mah" not in pw.columns:
        return pw
    if "source" in pw.columns and pw["source"].n_unique() > 1:
        pw = pw.filter(pl.col("source") == "human")
    return pw


def _global(pw: pl.DataFrame) -> dict[str, float]:
    if pw.is_empty():
        return {}
    g = pw.filter((pl.col("category") == "global") & pl.col("component").is_in(_GLOBAL_ONLY))
    return {c: float(m) for c, m in g.select("component", "mah").iter_rows() if m is not None}


def measured_discharge(ctx: Context) -> tuple[float | None, str | None]:
    """What the battery lost since the stats reset, mAh, and how it was measured:
    `coulomb_counter` (human `Discharge:` / checkin `dc`), `level_x_capacity` (the
    platform's `actual drain` range midpoint, else discharge % × capacity) or
    `computed_drain` (the power model's own sum: an estimate, used only when nothing
    measured is there). (None, None) when the dump says nothing."""
    s = _summary(ctx)
    mah = s.get("discharge_mah")
    if mah and mah > 0:
        return float(mah), "coulomb_counter"
    g = _global(_power_rows(ctx))
    lo, hi = g.get("min_drained") or 0.0, g.get("max_drained") or 0.0
    if hi > 0:
        return (lo + hi) / 2, "level_x_capacity"
    pct = s.get("discharge_pct")
    if not pct and s.get("start_level") is not None and s.get("end_level") is not None:
        pct = s["start_level"] - s["end_level"]
    cap = s.get("estimated_capacity_mah") or g.get("capacity")
    if pct and pct > 0 and cap:
        return pct * cap / 100.0, "level_x_capacity"
    drain = g.get("computed_drain")
    if drain and drain > 0:
        return drain, "computed_drain"
    return None, None


SOURCE_WORDS = {
    "coulomb_counter": "coulomb counter",
    "level_x_capacity": "battery level × capacity",
    "computed_drain": "power model's computed drain (not measured)",
}


def _model(pw: pl.DataFrame) -> str:
    """Which power model printed the rows (formats.md §4.2.2, §4.4 `pwi`)."""
    glob = set(pw.filter(pl.col("category") == "global")["component"].to_list())
    if glob - _GLOBAL_ONLY:
        return "usage_stats"           # 12+ human: `Global` component lines
    dev = set(pw.filter(pl.col("category") == "device")["component"].to_list())
    if "cpu" in dev:
        return "usage_stats_checkin"   # 13+ checkin: one device line per component
    return "helper"                    # BatteryStatsHelper sippers (≤11 human, ≤12 checkin)


def _components(pw: pl.DataFrame, model: str, apps_total: float,
                app_parts: dict[str, float], app_screen: float,
                caveats: list[str]) -> dict[str, float]:
    """Device components' non-app parts, mAh, by budget name."""
    out: dict[str, float] = {}
    if model == "usage_stats":
        rows = pw.filter((pl.col("category") == "global")
                         & ~pl.col("component").is_in(_GLOBAL_ONLY))
    else:
        rows = pw.filter(pl.col("category") == "device")
    for comp, mah in rows.select("component", "mah").iter_rows():
        if comp in _RESIDUALS or mah is None:
            continue
        name = COMPONENTS.get(comp, comp)
        out[name] = out.get(name, 0.0) + float(mah)
    users = pw.filter((pl.col("category") == "user") & (pl.col("component") == "total"))
    if users.height:
        out["other_users"] = float(users["mah"].sum())
    if model == "usage_stats":
        # `<component>: <device mAh> apps: <apps mAh>`: the device figure includes the
        # apps' part, which the UID lines carry; the component keeps the rest.
        for name, part in app_parts.items():
            if name in out:
                out[name] = out[name] - part
        # Rounding in the printed figures leaves tiny negatives; larger ones are reported.
        neg = [n for n, v in out.items() if v < -max(0.5, 0.01 * (v + app_parts.get(n, 0)))]
        if neg:
            caveats.append("The apps' share exceeds the device total for "
                           + ", ".join(sorted(neg)) + "; set to 0.")
        out = {n: max(v, 0.0) for n, v in out.items()}
    elif model == "usage_stats_checkin":
        _take_apps_out(out, apps_total, app_screen, caveats)
    return out


def _take_apps_out(out: dict[str, float], apps_total: float, app_screen: float,
                   caveats: list[str]) -> None:
    """13+ checkin: device lines include the apps' part, uid lines give only each app's
    total and screen part. Take the apps' screen out of screen, the rest out of the
    app-attributable components in proportion, any overflow out of screen then the rest."""
    if "screen" in out:
        out["screen"] = max(out["screen"] - app_screen, 0.0)
    rest = max(apps_total - app_screen, 0.0)
    for names in (_APP_ATTRIBUTABLE, {"screen"}, set(out)):
        pool = sum(v for n, v in out.items() if n in names)
        if pool <= 0 or rest <= 0:
            continue
        taken = min(rest, pool)
        for n in list(out):
            if n in names:
                out[n] -= out[n] * taken / pool
        rest -= taken
    caveats.append("Android 13+ checkin gives each app's total but not its split by "
                   "component: the apps' share was taken out of the components they can be "
                   "blamed for (cpu, cell, wifi, …) in proportion to their device totals "
                   "(an estimate).")


def _capacity_caveats(ctx: Context, g: dict[str, float], caveats: list[str]) -> None:
    s = _summary(ctx)
    caps = {"battery's estimated capacity": s.get("estimated_capacity_mah"),
            "power profile capacity": g.get("capacity")}
    caps = {k: float(v) for k, v in caps.items() if v}
    if len(caps) == 2 and max(caps.values()) > min(caps.values()) * (1 + CAPACITY_TOLERANCE):
        caveats.append("Capacities disagree: " + ", ".join(
            f"{k} {v:.0f} mAh" for k, v in caps.items())
            + "; level-based figures (the model's `actual drain`) use the power profile's.")


def budget(ctx: Context) -> dict | None:
    """The energy budget (docs/energy.md), computed once per Context; None when the dump
    has neither a measured loss nor a power model."""
    if "_energy_budget" in ctx.__dict__:
        return ctx.__dict__["_energy_budget"]
    result = _budget(ctx)
    ctx.__dict__["_energy_budget"] = result
    return result


def _budget(ctx: Context) -> dict | None:
    total, source = measured_discharge(ctx)
    if not total:
        return None
    pw = _power_rows(ctx)
    caveats: list[str] = []
    model = _model(pw) if pw.height else None
    apps = app_splits(ctx, pw) if pw.height else []
    apps_total = sum(a["mah"] for a in apps)
    app_parts: dict[str, float] = {}
    for a in apps:
        for r, v in a["by_resource"].items():
            name = {"radio": "cell"}.get(r, r)
            app_parts[name] = app_parts.get(name, 0.0) + v
    app_screen = sum(a.get("screen_mah") or 0.0 for a in apps)
    g = _global(pw) if pw.height else {}
    comps = _components(pw, model, apps_total, app_parts, app_screen, caveats) if model else {}
    _capacity_caveats(ctx, g, caveats)
    s = _summary(ctx)
    if (s.get("discharge_pct") or 0) > 100:
        caveats.append(f"Discharge of {s['discharge_pct']} % since the reset: the battery was "
                       "charged on the way, so level-based figures understate the loss.")
    if source == "computed_drain":
        caveats.append("Nothing measured the loss (no coulomb counter, no level drop): the "
                       "total is the power model's own sum, so `unaccounted` is 0 by "
                       "construction.")
    modelled = sum(comps.values()) + apps_total
    unaccounted = total - modelled
    if unaccounted < -0.01 * total:
        caveats.append(f"The power model counts {modelled:.0f} mAh against {total:.0f} mAh "
                       f"measured: it over-counts by {-unaccounted:.0f} mAh (negative "
                       "`unaccounted`).")
    components = [{"name": n, "mah": v} for n, v in comps.items() if v > 0]
    components.sort(key=lambda c: (-c["mah"], c["name"]))
    components.append({"name": "apps", "mah": apps_total})
    components.append({"name": "unaccounted", "mah": unaccounted})
    for c in components:
        c["share"] = c["mah"] / total
    for a in apps:
        a["share"] = a["mah"] / total
    resources = dict(comps)
    for name, v in app_parts.items():
        resources[name] = resources.get(name, 0.0) + v
    return {"total_mah": total, "source": source, "source_words": SOURCE_WORDS[source],
            "model": model, "modelled_mah": modelled,
            "computed_drain_mah": g.get("computed_drain"),
            "components": components, "apps": apps, "resources": resources,
            "caveats": caveats}


def energy_table(b: dict | None) -> pl.DataFrame:
    """The budget as a tree (total → component → app → API), one row per node."""
    if not b:
        return ENERGY.empty()
    rows = [{"node": "total", "parent": None, "level": "total", "name": "total",
             "mah": b["total_mah"], "share": 1.0, "method": b["source"]}]
    for c in b["components"]:
        node = f"total/{c['name']}"
        method = ("residual" if c["name"] == "unaccounted"
                  else "power model" if c["name"] != "apps" else "power model (sum of apps)")
        rows.append({"node": node, "parent": "total", "level": "component",
                     "name": c["name"], "mah": c["mah"], "share": c["share"], "method": method})
    for a in b["apps"]:
        node = f"total/apps/{a['uid']}"
        rows.append({"node": node, "parent": "total/apps", "level": "app",
                     "name": a["package"] or str(a["uid"]), "package": a["package"],
                     "uid": a["uid"], "mah": a["mah"], "share": a["share"],
                     "method": "power model"})
        for api, mah in a["by_api"].items():
            rows.append({"node": f"{node}/{api}", "parent": node, "level": "api", "name": api,
                         "package": a["package"], "uid": a["uid"], "api": api, "mah": mah,
                         "share": mah / b["total_mah"], "method": a["method"]})
    return ENERGY.frame(rows).with_columns(pl.col("mah").round_sig_figs(9),
                                           pl.col("share").round_sig_figs(9))


def run(ctx: Context) -> list[dict]:
    """Store the `energy` table; the findings on it come from passes.screen_off."""
    ctx.tables["energy"] = energy_table(budget(ctx))
    return []

