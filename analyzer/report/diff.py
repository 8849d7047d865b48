"""Compare captures: did the fix work? `compare(base, new)` puts two analyses side by side
on rates (per hour on battery, per 24 h, shares of the measured discharge), says when they
are not comparable, and marks changes smaller than the windows can resolve.

The noise rule (thresholds in knowledge/compare.toml): counted events are Poisson counts,
so a rate n/T has standard error sqrt(n)/T, and a time rate built from n acquisitions a
relative error 1/sqrt(n); a change is "within noise" when it is not larger than `sigmas`
(2) times the combined standard error of the two captures. Drain rates come from
whole-percent levels: ±1 %/T per capture. A change of exactly zero is "unchanged", never
noise.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from wakescope.analyzer.model import SEVERITY_RANK, Analysis
from wakescope.analyzer.report.facts import header, table

HOUR = 3_600_000
COMPARE_FILE = Path(__file__).resolve().parent.parent / "knowledge" / "compare.toml"

# Metrics compared per app and per app × API: key → (label, unit, per hour scale).
METRICS = {
    "wakelock_ms_per_h": ("Partial wakelock time", "s/h", 1 / 1000),
    "wakeups_per_h": ("Wakeup alarms", "/h", 1.0),
    "jobs_per_h": ("Job runs", "/h", 1.0),
    "syncs_per_h": ("Sync runs", "/h", 1.0),
    "fgs_ms_per_h": ("Foreground service time", "s/h", 1 / 1000),
    "energy_share": ("Share of apps' estimated energy", "%", 100.0),
    "discharge_share": ("Share of the measured discharge", "%", 100.0),
    "screen_off_wakelock_s_per_h": ("Wakelock time with the screen off (history, first "
                                    "holder: a lower bound)", "s per screen-off h", 1.0),
}
APP_API_METRICS = ("wakelock_ms_per_h", "wakeups_per_h", "jobs_per_h", "syncs_per_h",
                   "fgs_ms_per_h")


@lru_cache(maxsize=1)
def thresholds() -> dict:
    """knowledge/compare.toml as a dict."""
    with open(COMPARE_FILE, "rb") as fh:
        return tomllib.load(fh)


@dataclass
class Window:
    """One capture's identity and the spans its rates are normalised by."""

    label: str
    device: str | None
    model: str | None
    build: str | None
    release: str | None
    sdk: int | None
    battery_ms: int | None
    screen_off_ms: int | None
    screen_on_share: float | None
    capacity_mah: float | None = None
    truncated: list[str] = field(default_factory=list)

    @property
    def hours(self) -> float | None:
        return self.battery_ms / HOUR if self.battery_ms else None


@dataclass
class Change:
    """One compared figure: the two values, the change and its verdict."""

    scope: str              # drain | app | app_api | kernel_reason | kernel_wakelock | tag
    metric: str
    package: str | None
    api: str | None
    key: str | None         # reason / wakelock name / tag, for the non-app scopes
    base: float | None
    new: float | None
    delta: float | None
    pct: float | None       # relative change in %, None when the base is 0 or unknown
    noise: float | None     # the threshold below which the change is noise (same unit)
    verdict: str            # unchanged | within_noise | up | down | appeared | gone | n/a
    unit: str = ""

    @property
    def real(self) -> bool:
        return self.verdict in ("up", "down", "appeared", "gone")


@dataclass
class Comparison:
    """Everything `wakescope diff` shows for one BASE → NEW pair."""

    base: Window
    new: Window
    warnings: list[str]
    drain: list[Change]
    apps: list[Change]          # per app (api None) and per app × API, by metric
    findings: dict[str, list[dict]]
    kernel: list[Change]        # wakeup reasons and kernel wakelocks that changed
    tags: list[Change]          # app wakelock tags that changed
    deferred: list[dict]        # jobs whose unsatisfied constraints changed
    noise_rule: str = ""

    def regressions(self, pct: float) -> list[Change]:
        """Increases beyond noise by more than `pct` % (or new, beyond noise) in the
        screen-off drain and per-app figures."""
        out = []
        for c in [*self.drain, *self.apps]:
            if c.scope == "drain" and c.metric != "screen_off_pct_per_h":
                continue
            if c.verdict == "appeared" or (c.verdict == "up" and (c.pct is None
                                                                   or c.pct > pct)):
                out.append(c)
        return out

    def as_dict(self) -> dict:
        d = asdict(self)
        d["base"]["hours"], d["new"]["hours"] = self.base.hours, self.new.hours
        return d


# ---------------------------------------------------------------------------------------
# Windows and comparability.
# ---------------------------------------------------------------------------------------


def window(analysis: Analysis, label: str) -> Window:
    """Identity and normalisation spans of one analysis."""
    h = header(analysis)
    meta = analysis.capture.meta
    battery = h.period_ms if h.period_ms else None
    on_share = (h.screen_on_ms / battery) if battery and h.screen_on_ms is not None else None
    diags = analysis.capture.diagnostics
    # Cut-off captures, by diagnostic code (never by message text).
    truncated = [f"{d.section}: {d.message}" for d in diags.items
                 if d.code in ("truncated_input", "job_list_incomplete")]
    summary = table(analysis, "batterystats_summary")
    cap_mah = None
    if "estimated_capacity_mah" in summary.columns:
        caps = summary.get_column("estimated_capacity_mah").drop_nulls()
        cap_mah = float(caps[0]) if caps.len() and caps[0] else None
    return Window(label=label, device=getattr(meta, "device", None) or h.model,
                  model=h.model, build=h.build, release=h.release, sdk=h.sdk,
                  battery_ms=battery, screen_off_ms=h.screen_off_ms,
                  screen_on_share=on_share, capacity_mah=cap_mah, truncated=truncated)


def comparability(a: Window, b: Window) -> list[str]:
    """Plain sentences saying why the two rates may not be comparable (empty when fine)."""
    t = thresholds()["comparable"]
    out = []
    if a.device and b.device and a.device != b.device:
        out.append(f"Different devices ({a.device} vs {b.device}): app and kernel figures "
                   "also reflect different hardware, apps and use.")
    elif a.capacity_mah and b.capacity_mah and abs(a.capacity_mah - b.capacity_mah) > \
            t["max_capacity_diff"] * max(a.capacity_mah, b.capacity_mah):
        out.append(f"Different batteries (estimated capacity {a.capacity_mah:,.0f} vs "
                   f"{b.capacity_mah:,.0f} mAh): most likely different devices.")
    for w in (a, b):
        if not w.device:
            out.append(f"{w.label} does not name its device (a standalone dump), so "
                       "wakescope cannot check both come from the same phone.")
    if a.sdk and b.sdk and a.sdk != b.sdk:
        out.append(f"Different Android releases ({a.release or a.sdk} vs "
                   f"{b.release or b.sdk}): the platform's own scheduling and accounting "
                   "changed between them.")
    for w in (a, b):
        if w.hours is None:
            out.append(f"{w.label} has no time on battery (no batterystats summary), so its "
                       "rates cannot be computed.")
        elif w.hours < t["min_battery_hours"]:
            out.append(f"{w.label} covers only {w.hours * 60:.0f} min on battery (under "
                       f"{t['min_battery_hours']:g} h): its rates swing with single events.")
        if w.screen_on_share is not None and w.screen_on_share > t["max_screen_on_share"]:
            out.append(f"{w.label} was mostly screen-on ({w.screen_on_share:.0%} of its "
                       "battery time): it measures foreground use more than background "
                       "work.")
        for msg in w.truncated:
            out.append(f"{w.label} is truncated ({msg}): its figures are lower bounds.")
    return out


# ---------------------------------------------------------------------------------------
# The verdict on one figure.
# ---------------------------------------------------------------------------------------


def _verdict(base: float | None, new: float | None, noise: float | None) -> str:
    if base is None and new is None:
        return "n/a"
    b, n = base or 0.0, new or 0.0
    if n == b:
        return "unchanged"
    if noise is not None and abs(n - b) <= noise:  # not beyond `sigmas` standard errors
        return "within_noise"
    if b == 0:
        return "appeared"
    if n == 0:
        return "gone"
    return "up" if n > b else "down"


def _change(scope: str, metric: str, base: float | None, new: float | None,
            noise: float | None, unit: str = "", package: str | None = None,
            api: str | None = None, key: str | None = None) -> Change:
    delta = None if base is None and new is None else (new or 0.0) - (base or 0.0)
    if base is None or new is None:
        noise = None if delta is None else noise
    pct = (delta / base * 100) if delta is not None and base else None
    return Change(scope, metric, package, api, key, base, new, delta, pct, noise,
                  _verdict(base, new, noise), unit)


def _count_noise(n1: float, t1: float | None, n2: float, t2: float | None) -> float | None:
    """`sigmas` × the standard error of a difference of two Poisson rates (per hour)."""
    if not t1 or not t2:
        return None
    return thresholds()["noise"]["sigmas"] * math.sqrt(n1 / t1**2 + n2 / t2**2)


def _time_noise(r1: float, c1: float, r2: float, c2: float) -> float | None:
    """`sigmas` × the error of a difference of time rates with relative error 1/sqrt(count)."""
    var = (r1**2 / c1 if c1 else 0.0) + (r2**2 / c2 if c2 else 0.0)
    if (r1 and not c1) or (r2 and not c2):
        return None  # no count behind a time: the window cannot say
    return thresholds()["noise"]["sigmas"] * math.sqrt(var)


# ---------------------------------------------------------------------------------------
# Figures per capture.
# ---------------------------------------------------------------------------------------


def _owner(df: pl.DataFrame) -> pl.Expr:
    return (pl.coalesce("owner_package", "package") if "owner_package" in df.columns
            else pl.col("package"))


def _sum_by(df: pl.DataFrame, keys: list[str], value: str, count: str | None,
            owner: bool = True) -> pl.DataFrame:
    """Sum of `value` (and `count`) per keys, with the package from attribution."""
    if df.is_empty() or value not in df.columns:
        return pl.DataFrame()
    if owner:
        df = df.with_columns(_owner(df).alias("package"))
    for k in keys:
        if k not in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias(k))
    return (df.filter(pl.col(keys[0]).is_not_null()).group_by(keys)
            .agg(pl.col(value).cast(pl.Float64).sum().alias("v"),
                 (pl.col(count).cast(pl.Float64).sum() if count and count in df.columns
                  else pl.lit(None, pl.Float64)).alias("n")))


def app_api_figures(analysis: Analysis) -> dict[str, pl.DataFrame]:
    """Per (package, api): totals and counts behind each metric (before normalisation)."""
    wl = table(analysis, "batterystats_wakelocks")
    if wl.height and "kind" in wl.columns:
        wl = wl.filter(pl.col("kind") == "partial")
    fgs = table(analysis, "batterystats_foreground_services")
    if fgs.height and "api" not in fgs.columns:
        fgs = fgs.with_columns(api=pl.lit("foreground_service"))
    return {
        "wakelock_ms_per_h": _sum_by(wl, ["package", "api"], "total_ms", "count"),
        "wakeups_per_h": _sum_by(table(analysis, "batterystats_wakeup_alarms"),
                                 ["package", "api"], "count", "count"),
        "jobs_per_h": _sum_by(table(analysis, "batterystats_jobs"), ["package", "api"],
                              "count", "count"),
        "syncs_per_h": _sum_by(table(analysis, "batterystats_syncs"), ["package", "api"],
                               "count", "count"),
        "fgs_ms_per_h": _sum_by(fgs, ["package", "api"], "total_ms", "count"),
    }


def _index(df: pl.DataFrame, keys: list[str]) -> dict[tuple, tuple[float, float | None]]:
    if df.is_empty():
        return {}
    return {tuple(r[k] for k in keys): (r["v"], r["n"]) for r in df.iter_rows(named=True)}


def _compare_sums(scope: str, metric: str, a: dict, b: dict, ta: float | None,
                  tb: float | None, key_names: tuple[str, ...]) -> list[Change]:
    """Per key: rate per hour on battery, with the noise of its counts."""
    _, unit, scale = METRICS.get(metric, (metric, "/h", 1.0))
    is_time = metric.endswith(("_ms_per_h", "_s_per_h")) or scope in ("kernel_wakelock",
                                                                       "tag")
    out = []
    for k in sorted(set(a) | set(b), key=lambda x: tuple(str(v) for v in x)):
        va, na = a.get(k, (0.0, 0.0))
        vb, nb = b.get(k, (0.0, 0.0))
        ra = va / ta if ta else None
        rb = vb / tb if tb else None
        if ra is None or rb is None:
            noise = None
        elif is_time:
            noise = _time_noise(ra, na or 0.0, rb, nb or 0.0)
        else:
            noise = _count_noise(va, ta, vb, tb)
        fields = dict(zip(key_names, k, strict=True))
        c = _change(scope, metric, _scaled(ra, scale), _scaled(rb, scale),
                    _scaled(noise, scale), unit, **fields)
        out.append(c)
    return out


def _scaled(v: float | None, scale: float) -> float | None:
    return None if v is None else v * scale


def _app_changes(base: Any, new: Any, ta: float | None, tb: float | None) -> list[Change]:
    """Per app (api None, summed over APIs) and per app × API, every metric."""
    fa, fb = app_api_figures(base), app_api_figures(new)
    out: list[Change] = []
    for metric in APP_API_METRICS:
        a, b = fa[metric], fb[metric]
        ia, ib = _index(a, ["package", "api"]), _index(b, ["package", "api"])
        per_app_a: dict[tuple, list[float]] = {}
        per_app_b: dict[tuple, list[float]] = {}
        for src, dst in ((ia, per_app_a), (ib, per_app_b)):
            for (pkg, _), (v, n) in src.items():
                acc = dst.setdefault((pkg,), [0.0, 0.0])
                acc[0] += v
                acc[1] += n or 0.0
        out += _compare_sums("app", metric, {k: tuple(v) for k, v in per_app_a.items()},
                             {k: tuple(v) for k, v in per_app_b.items()}, ta, tb,
                             ("package",))
        out += _compare_sums("app_api", metric, ia, ib, ta, tb, ("package", "api"))
    # Energy share: the apps table's share of apps' estimated power (no count behind it).
    share = thresholds()["noise"]["share_points"]
    (oa, ta_off), (ob, tb_off) = _screen_off_holders(base), _screen_off_holders(new)
    out += _compare_sums("app", "screen_off_wakelock_s_per_h", oa, ob, ta_off, tb_off,
                         ("package",))
    for metric, fn in (("energy_share", _shares), ("discharge_share", _discharge_shares)):
        sa, sb = fn(base), fn(new)
        for pkg in sorted(set(sa) | set(sb)):
            out.append(_change("app", metric, _scaled(sa.get(pkg), 100.0),
                               _scaled(sb.get(pkg), 100.0), share, "%", package=pkg))
    return [c for c in out if c.verdict != "n/a"]


def _screen_off_holders(analysis: Analysis) -> tuple[dict, float | None]:
    """Per package: seconds the history names it as the wakelock holder while the screen
    was off on battery, with the number of such intervals, and the history's screen-off
    hours (history_intervals: the first holder of each held span, so a lower bound)."""
    from wakescope.analyzer.passes.history_intervals import first_holder_screen_off

    h = table(analysis, "batterystats_history")
    if h.is_empty() or "api" not in h.columns:
        return {}, None
    # Screen-off time on battery has one home, the history's clock (as in the wakeup view).
    hc = analysis.history_clock
    off_ms = hc.screen_off_battery_ms if hc is not None else 0
    if not off_ms:
        return {}, None
    hist = h.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64))
    per = first_holder_screen_off(table(analysis, "history_intervals"), hist)
    if per.is_empty() or "owner_package" not in per.columns:
        return {}, off_ms / HOUR
    agg = (per.filter(pl.col("owner_package").is_not_null())
           .group_by("owner_package")
           .agg((pl.col("screen_off_ms").sum() / 1000).alias("v"),
                pl.col("rows").list.len().sum().cast(pl.Float64).alias("n")))
    return ({(p,): (v, n) for p, v, n in agg.iter_rows()}, off_ms / HOUR)


def _discharge_shares(analysis: Analysis) -> dict[str, float]:
    """Each app's estimated mAh over the measured discharge (batterystats `Discharge:`,
    checkin `dc`): what part of the battery actually lost the app's estimate explains."""
    apps = analysis.apps
    mah = header(analysis).discharge_mah
    if apps.is_empty() or "power_mah" not in apps.columns or not mah:
        return {}
    return {p: v / mah for p, v in apps.select("package", "power_mah").iter_rows()
            if p is not None and v}


def _shares(analysis: Analysis) -> dict[str, float]:
    apps = analysis.apps
    if apps.is_empty() or "power_share" not in apps.columns:
        return {}
    return {p: s for p, s in apps.select("package", "power_share").iter_rows()
            if p is not None and s is not None}


def _drain(base: Any, new: Any, wa: Window, wb: Window) -> list[Change]:
    """Screen-off %/h, screen-on %/h, awake share on battery, mAh per hour, side by side."""
    ha, hb = header(base), header(new)
    n = thresholds()["noise"]
    step = n["level_step_pct"]
    window_row = _change("drain", "battery_hours", wa.hours, wb.hours, None, "h")
    if window_row.verdict not in ("unchanged", "n/a"):
        window_row.verdict = "window"  # the span normalised by, not a change to judge

    def level_noise(ms_a, ms_b, unit_step=step):
        if not ms_a or not ms_b:
            return None
        return unit_step * (HOUR / ms_a + HOUR / ms_b)

    def awake(an: Any) -> float | None:
        s = table(an, "batterystats_summary")
        if s.is_empty() or not {"battery_uptime_ms", "battery_realtime_ms"} <= set(s.columns):
            return None
        row = s.filter(pl.col("battery_realtime_ms") > 0).head(1)
        if row.is_empty() or row["battery_uptime_ms"][0] is None:
            return None
        return 100.0 * row["battery_uptime_ms"][0] / row["battery_realtime_ms"][0]

    def mah_per_h(h) -> float | None:
        return h.discharge_mah / (h.period_ms / HOUR) if h.discharge_mah and h.period_ms \
            else None

    return [
        _change("drain", "screen_off_pct_per_h", ha.screen_off_rate, hb.screen_off_rate,
                level_noise(ha.screen_off_ms, hb.screen_off_ms), "%/h"),
        _change("drain", "screen_on_pct_per_h", ha.screen_on_rate, hb.screen_on_rate,
                level_noise(ha.screen_on_ms, hb.screen_on_ms), "%/h"),
        _change("drain", "awake_pct_on_battery", awake(base), awake(new), None, "%"),
        _change("drain", "mah_per_h", mah_per_h(ha), mah_per_h(hb),
                level_noise(ha.period_ms, hb.period_ms, n["mah_step"]), "mAh/h"),
        window_row,
    ]


def _kernel(base: Any, new: Any, ta, tb) -> list[Change]:
    wr = lambda an: _index(_sum_by(table(an, "batterystats_wakeup_reasons"),  # noqa: E731
                                   ["reason"], "count", "count", owner=False), ["reason"])
    kw = lambda an: _index(_sum_by(table(an, "batterystats_kernel_wakelocks"),  # noqa: E731
                                   ["name"], "total_ms", "count", owner=False), ["name"])
    out = _compare_sums("kernel_reason", "wakeups_per_h", wr(base), wr(new), ta, tb, ("key",))
    kern = _compare_sums("kernel_wakelock", "wakelock_ms_per_h", kw(base), kw(new), ta, tb,
                         ("key",))
    return [c for c in out + kern if c.real]


def _tags(base: Any, new: Any, ta, tb) -> list[Change]:
    def idx(an):
        wl = table(an, "batterystats_wakelocks")
        if wl.height and "kind" in wl.columns:
            wl = wl.filter(pl.col("kind") == "partial")
        return _index(_sum_by(wl, ["package", "tag"], "total_ms", "count"),
                      ["package", "tag"])
    out = _compare_sums("tag", "wakelock_ms_per_h", idx(base), idx(new), ta, tb,
                        ("package", "key"))
    return [c for c in out if c.real]


def _findings(base: Any, new: Any) -> dict[str, list[dict]]:
    """Findings matched by id (kind + app + what it is about): appeared, resolved, changed."""
    cols = ("id", "severity", "kind", "title", "package", "api", "value", "unit")

    def rows(an):
        f = an.findings
        if f.is_empty():
            return {}
        keep = [c for c in cols if c in f.columns]
        return {r["id"]: r for r in f.select(keep).iter_rows(named=True)}
    a, b = rows(base), rows(new)
    rank = lambda r: SEVERITY_RANK.get(r.get("severity"), 9)  # noqa: E731
    # In the findings' own order within a severity (a set difference's order changes run
    # to run: string hashes are salted per process).
    appeared = sorted((r for i, r in b.items() if i not in a), key=rank)
    resolved = sorted((r for i, r in a.items() if i not in b), key=rank)
    changed = []
    for i in sorted(a.keys() & b.keys()):
        if a[i]["severity"] != b[i]["severity"]:
            changed.append({**b[i], "base_severity": a[i]["severity"],
                            "base_value": a[i].get("value")})
    same = len(a.keys() & b.keys()) - len(changed)
    return {"appeared": appeared, "resolved": resolved, "changed": changed,
            "unchanged": [{"count": same}]}


def _deferred(base: Any, new: Any) -> list[dict]:
    """Registered jobs whose unsatisfied constraints differ between the captures."""
    def idx(an):
        j = table(an, "jobscheduler_jobs")
        need = {"unsatisfied", "job_id"}
        if j.is_empty() or not need <= set(j.columns):
            return {}
        pkg = pl.coalesce([pl.col(c) for c in ("source_package", "package") if c in j.columns])
        svc = pl.col("service") if "service" in j.columns else pl.lit(None, pl.String)
        out = {}
        for p, s, jid, u in j.select(pkg, svc, "job_id", "unsatisfied").iter_rows():
            parts = u if isinstance(u, list) else str(u or "").split()
            out[(p, s, jid)] = " ".join(sorted(str(x) for x in parts if x))
        return out
    a, b = idx(base), idx(new)
    out = []
    for k in sorted(a.keys() & b.keys(), key=lambda x: tuple(str(v) for v in x)):
        if a[k] != b[k]:
            out.append({"package": k[0], "service": k[1], "job_id": k[2],
                        "base": a[k] or "(ready)", "new": b[k] or "(ready)"})
    return out


def compare(base: Any, new: Any, base_label: str = "BASE", new_label: str = "NEW") \
        -> Comparison:
    """Compare two analyses on rates; see the module docstring for the noise rule."""
    wa, wb = window(base, base_label), window(new, new_label)
    ta, tb = wa.hours, wb.hours
    n = thresholds()["noise"]
    rule = (f"Counts are Poisson: a change is within noise when it is not larger than "
            f"{n['sigmas']:g} × the combined standard error (√n / T per capture; time "
            f"figures 1/√acquisitions); drain rates ±{n['level_step_pct']:g} %/T per "
            f"capture (whole-percent levels), discharge ±{n['mah_step']:g} mAh/T; energy "
            f"shares ±{n['share_points']:g} percentage point.")
    return Comparison(
        base=wa, new=wb, warnings=comparability(wa, wb), drain=_drain(base, new, wa, wb),
        apps=_app_changes(base, new, ta, tb), findings=_findings(base, new),
        kernel=_kernel(base, new, ta, tb), tags=_tags(base, new, ta, tb),
        deferred=_deferred(base, new), noise_rule=rule)


def ranked(changes: list[Change], scope: str, metric: str, limit: int | None = None,
           real_only: bool = True) -> list[Change]:
    """One metric's changes, largest absolute change first."""
    rows = [c for c in changes if c.scope == scope and c.metric == metric
            and (c.real or not real_only)]
    rows.sort(key=lambda c: (-abs(c.delta or 0.0), c.package or "", c.api or "", c.key or ""))
    return rows[:limit] if limit else rows
