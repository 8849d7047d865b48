"""Per-app energy: each uid's power-model mAh, by resource, and by the background API that
spent it (docs/energy.md "Per app × API").

Method: an app's wakelock energy goes to the APIs in proportion to the partial wakelock time
each held for it (attributed `batterystats_wakelocks`). Its CPU, radio and Wi-Fi energy goes
the same way, but only the share that can have run inside those wakelocks:
min(1, wakelock time / CPU time); CPU time outside them (foreground use, other apps'
wakelocks) stays `unattributed`. GPS goes to `location`, audio/video to `media`, Bluetooth
to `bluetooth`; screen, sensors, camera and the rest stay `unattributed`. Nothing is forced.
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.passes.context import Context

# Power-model breakdown keys (≤11 `( cpu=… wake=… )`, 12+ `( cpu=… mobile_radio=… )`) →
# resource names.
RESOURCES = {
    "cpu": "cpu", "wake": "wakelock", "wakelock": "wakelock", "radio": "radio",
    "mobile_radio": "radio", "wifi": "wifi", "bt": "bluetooth", "bluetooth": "bluetooth",
    "gps": "gps", "gnss": "gps", "sensor": "sensors", "sensors": "sensors",
    "camera": "camera", "flash": "flashlight", "flashlight": "flashlight", "audio": "audio",
    "video": "video", "screen": "screen", "system_services": "system_services",
    "usage": "usage", "memory": "memory", "phone": "phone",
}
# Resources that run on the CPU being awake: split by wakelock time, covered share only.
_AWAKE = {"cpu", "radio", "wifi", "system_services"}
# Resources whose API the resource itself names.
_DIRECT = {"gps": "location", "audio": "media", "video": "media", "bluetooth": "bluetooth"}
UNATTRIBUTED = "unattributed"
METHOD = "wakelock-time share (docs/energy.md)"


def one_source(df: pl.DataFrame) -> pl.DataFrame:
    """Rows of one source (human preferred) where a table holds both human and checkin."""
    if df.height and "source" in df.columns and df["source"].n_unique() > 1:
        return df.filter(pl.col("source") == "human")
    return df


def _per_uid(df: pl.DataFrame, value: pl.Expr, name: str) -> dict[int, float]:
    if df.is_empty():
        return {}
    g = df.filter(pl.col("uid").is_not_null()).group_by("uid").agg(value.sum().alias(name))
    return {int(u): float(v or 0) for u, v in g.iter_rows()}


def cpu_ms(ctx: Context) -> dict[int, float]:
    """uid → CPU time (user + system) over its processes, ms (`Proc` lines / checkin `pr`)."""
    pr = one_source(ctx.table("batterystats_processes"))
    if pr.is_empty() or "user_ms" not in pr.columns:
        return {}
    return _per_uid(pr, pl.col("user_ms").fill_null(0) + pl.col("system_ms").fill_null(0),
                    "cpu_ms")


def wakelock_ms_by_api(ctx: Context) -> dict[int, dict[str, float]]:
    """uid → {api: partial wakelock time, ms} from the attributed wakelocks."""
    wl = one_source(ctx.table("batterystats_wakelocks"))
    if wl.is_empty() or "api" not in wl.columns:
        return {}
    g = (wl.filter((pl.col("kind") == "partial") & pl.col("uid").is_not_null()
                   & (pl.col("total_ms") > 0))
         .group_by("uid", "api").agg(pl.col("total_ms").sum())
         # Sorted: the split sums these in dict order, and group_by order varies run to run.
         .sort("uid", "api", nulls_last=True))
    out: dict[int, dict[str, float]] = {}
    for uid, api, ms in g.iter_rows():
        out.setdefault(int(uid), {})[api or "unknown"] = float(ms)
    return out


def split_by_api(by_resource: dict[str, float], total: float, wl: dict[str, float],
                 cpu: float | None) -> dict[str, float]:
    """One app's mAh by API (the module's method); the remainder is `unattributed`."""
    wl_total = sum(wl.values())
    cover = 0.0
    if wl_total > 0:
        cover = 1.0 if not cpu else min(1.0, wl_total / cpu)
    out: dict[str, float] = {}

    def add(api: str, mah: float) -> None:
        if mah:
            out[api] = out.get(api, 0.0) + mah

    parts = by_resource or {"cpu": total}
    for res, mah in parts.items():
        if res == "wakelock" and wl_total > 0:
            for api, ms in wl.items():
                add(api, mah * ms / wl_total)
        elif res in _AWAKE and cover > 0:
            for api, ms in wl.items():
                add(api, mah * cover * ms / wl_total)
        elif res in _DIRECT:
            add(_DIRECT[res], mah)
    add(UNATTRIBUTED, total - sum(out.values()))
    return {k: v for k, v in sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))
            if abs(v) > 1e-9}


def app_splits(ctx: Context, pw: pl.DataFrame) -> list[dict]:
    """One dict per uid with power-model mAh: package, uid, mah, by_resource, by_api."""
    uid_rows = pw.filter((pl.col("category") == "uid") & pl.col("uid").is_not_null()
                         & pl.col("mah").is_not_null())
    if uid_rows.is_empty():
        return []
    totals = uid_rows.filter(pl.col("component") == "total")
    has_screen = "screen_mah" in totals.columns
    model_13 = ("cpu" in set(pw.filter(pl.col("category") == "device")["component"].to_list())
                and not pw.filter(pl.col("category") == "global")["component"]
                .is_in(["screen", "cpu"]).any())
    per = totals.group_by("uid").agg(
        pl.col("mah").sum(),
        (pl.col("screen_mah").fill_null(0).sum() if has_screen else pl.lit(0.0)).alias("scr"))
    parts: dict[int, dict[str, float]] = {}
    for uid, comp, mah in (uid_rows.filter(pl.col("component") != "total")
                           .select("uid", "component", "mah").iter_rows()):
        res = RESOURCES.get(comp, comp)
        d = parts.setdefault(int(uid), {})
        d[res] = d.get(res, 0.0) + float(mah)
    wl = wakelock_ms_by_api(ctx)
    cpu = cpu_ms(ctx)
    out = []
    for uid, mah, scr in per.sort("uid").iter_rows():
        uid = int(uid)
        mah = float(mah)
        by_res = {k: v for k, v in parts.get(uid, {}).items() if v}
        screen = float(scr or 0.0) if model_13 else 0.0
        if not by_res and screen:
            # 13+ checkin `pwi`: the uid line carries its screen part; the rest is unsplit.
            by_res = {"screen": screen}
        split_parts = by_res if uid in parts else {}
        if not split_parts and screen:
            split_parts = {"screen": screen, "cpu": mah - screen}
        if mah <= 0 and not by_res:
            continue
        out.append({
            "package": ctx.package_of(uid), "uid": uid, "mah": mah,
            "screen_mah": screen or by_res.get("screen"),
            "by_resource": dict(sorted(by_res.items(), key=lambda kv: (-kv[1], kv[0]))),
            "by_api": split_by_api(split_parts, mah, wl.get(uid, {}), cpu.get(uid)),
            "cpu_ms": cpu.get(uid), "partial_wakelock_ms": sum(wl.get(uid, {}).values()),
            "method": METHOD,
        })
    out.sort(key=lambda a: (-a["mah"], a["uid"]))
    return out
