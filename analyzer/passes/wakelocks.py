"""Excessive and stuck partial wakelocks (Android vitals, platform-rules §3.2, §3.3).

Excessive: per app uid, non-exempt partial wakelock time with the screen off, normalised
to 24 h. From the battery history where it has this uid's wakelocks: the screen-off,
on-battery time of the wakelock intervals this uid opened (the history names only the
first holder of each interval, which can stay open after it releases, so this is capped at
the uid's total held time from the aggregates), or of its `longwake` intervals (exact per
tag), whichever is larger.
Else from the aggregates since last charge: background partial time per tag (8.0+, un-pooled),
else the un-pooled `actual` time, else the blamed time — which includes screen-on
background time, so it is an upper bound of the screen-off figure.

Stuck: per app uid × tag, the longest single hold: `longwake` intervals from the history,
else `max_ms` from the aggregates (7.1+).
"""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.passes.context import (
    HOUR_MS,
    Context,
    app_uid_expr,
    dominant,
    evidence,
    fmt_ms,
    level,
    lower,
    summary_evidence,
    uid_text,
)
from wakescope.analyzer.passes.history_intervals import first_holder_screen_off
from wakescope.analyzer.passes.scope import grade, windowed
from wakescope.analyzer.plans import ENGINE

_OWN_APIS = ("wakelock", "unknown", "broadcast")
# How a long hold without its `-longwake` was closed (history_intervals.closed_by).
CLOSED_WORDS = {"cpu_sleep": "the next CPU sleep", "reset": "a stats reset",
                "shutdown": "a shutdown", "reboot": "a reboot"}


def rule_recommendation(ctx: Context, rule_id: str | None, fallback: str) -> str:
    """The recommendation id of the attribution rule that matched (join: prefix removed)."""
    if rule_id:
        rid = rule_id.split("/", 1)[1] if rule_id.startswith("join:") else rule_id
        for r in ctx.rules.rules:
            if r.id == rid and r.recommendation:
                return r.recommendation
    return fallback


def aggregate_rows(ctx: Context) -> tuple[pl.DataFrame, str]:
    """Per (uid, tag) wakelock time for the excessive figure, from the aggregates, and the
    words saying which figure it is."""
    wl = ctx.indexed("batterystats_wakelocks")
    if wl.is_empty() or "api" not in wl.columns:
        return wl.clear(), ""
    # The rows are one plan (a Polars step costs ~0.1-0.3 ms whatever the rows, issue 17).
    if (wl.get_column("kind") == "background_partial").any():
        filt = 'kind == "background_partial"'
        rows = wl.lazy().filter(pl.col("kind") == "background_partial").with_columns(
            pl.col("total_ms").alias("value_ms"), pl.lit(filt).alias("_filter"))
        words = "background partial wakelock time per tag (un-pooled; screen on or off)"
        return rows.collect(engine=ENGINE), words
    filt = 'kind == "partial"'
    rows = wl.lazy().filter(pl.col("kind") == "partial").with_columns(
        pl.coalesce("actual_ms", "total_ms").alias("value_ms"),
        pl.lit(filt).alias("_filter")).collect(engine=ENGINE)
    has_actual = rows["actual_ms"].is_not_null().any() if rows.height else False
    words = ("partial wakelock time per tag (un-pooled `actual`, screen on or off, "
             "foreground and background)" if has_actual else
             "blamed partial wakelock time per tag (screen on or off, foreground and "
             "background)")
    return rows, words


def run(ctx: Context) -> list[dict]:
    out = excessive(ctx)
    out += stuck(ctx)
    return out


def _history_figures(ctx: Context, exempt: list[str]):
    if ctx.history_timeline is None:
        return None, None, None
    h, tl = ctx.history_timeline
    if tl is None or tl.holders.is_empty():
        return None, None, None
    iv = ctx.table("history_intervals")
    first = first_holder_screen_off(iv, h).filter(~pl.col("api").is_in(exempt))
    return tl, first, ctx.history_longwakes


def excessive(ctx: Context) -> list[dict]:
    """Android vitals' excessive partial wakelocks: per uid, screen-off non-exempt partial
    wakelock time per 24 h, measured from the history where it has one, else from the
    aggregates since last charge."""
    t = ctx.threshold("excessive_wakelock")
    exempt = list(t.get("exempt_apis", []))
    out: list[dict] = []
    agg, agg_words = aggregate_rows(ctx)
    tl, first, lw = _history_figures(ctx, exempt)
    first_df = first
    per_uid = _per_uid_figures(agg, first, lw, exempt)
    held = _held_ms(ctx, exempt)
    for uid, f in per_uid.items():
        if uid is None:
            continue
        measured = _measure(ctx, uid, f, tl, held.get(uid), agg, agg_words, exempt)
        if measured is None:
            continue
        period, ms, basis, ev = measured
        w = windowed(ctx, "excessive_wakelock", ms / HOUR_MS, period)
        scaled, value = not w.short, w.value
        sev, bound = grade(ctx, "excessive_wakelock", w, t)
        if sev is None:
            continue
        if w.short:
            basis += ("; " + w.words("hours", "24 h")
                      + ("; the raw time already exceeds the 24 h bar (a lower bound for "
                         "any 24 h containing this window)" if bound else ""))
        else:
            basis += ", normalised to 24 h"
        tags = _top_tags(agg, uid, exempt)
        if not tags and first_df is not None and first_df.height:
            # No aggregate row for this uid's tags (e.g. no background-partial line): the
            # API comes from the tags the history shows it holding (`*job*/…` is a job's).
            tags = [(tg, a, int(v or 0), None) for tg, a, v in
                    first_df.lazy().filter(pl.col("uid") == uid).group_by("tag", "api")
                    .agg(pl.col("screen_off_ms").sum())
                    .sort(["screen_off_ms", "tag", "api"], descending=[True, False, False])
                    .collect(engine=ENGINE).iter_rows()]
        by_api: dict[str, int] = {}
        for _, a, v, _ in tags:
            by_api[a] = by_api.get(a, 0) + v
        api = dominant(by_api) or "wakelock"
        rule_id = next((r for _, a, _, r in tags if a == api), None)
        pkg = ctx.package_of(uid)
        amount = (f"{value:.2f} h per 24 h" if scaled
                  else f"{value:.2f} h in {fmt_ms(period)}")
        detail = _excessive_detail(pkg or uid_text(uid), amount, t["value"], f, basis,
                                   agg_words, tags, exempt)
        out.append(ctx.finding(
            kind="excessive_wakelock", severity=sev, package=pkg, uid=uid, api=api,
            metric="partial_wakelock_h_per_24h" if scaled else "partial_wakelock_h",
            value=value, unit="h/24h" if scaled else "h",
            threshold="excessive_wakelock", basis=basis, detail=detail, evidence=ev,
            recommendation_id=rule_recommendation(ctx, rule_id, "wakelock_best_practice")
            if api not in _OWN_APIS else "wakelock_best_practice",
            title=f"Excessive partial wakelocks: {pkg or uid_text(uid)} "
                  + (f"{value:.1f} h/24h" if scaled else f"{value:.1f} h in {fmt_ms(period)}")
                  + " screen off",
            key=str(uid), window_ms=period, scaled=w.scaled))
    return out


def _per_uid_figures(agg: pl.DataFrame, first: pl.DataFrame | None,
                     lw: pl.DataFrame | None, exempt: list[str]) -> dict[int, dict]:
    """Per app uid: aggregate ms and rows, history ms/rows of the wakelock intervals it
    opened (`first_*`) and of its longwake intervals (`long_*`)."""
    per_uid: dict[int, dict] = {}
    if agg.height:
        counted = agg.lazy().filter(app_uid_expr() & ~pl.col("api").is_in(exempt))
        for uid, ms, rows in counted.group_by("uid").agg(
                pl.col("value_ms").sum(), pl.col("_row")).collect(engine=ENGINE).iter_rows():
            per_uid.setdefault(uid, {})["agg_ms"] = int(ms or 0)
            per_uid[uid]["agg_rows"] = rows
    if first is not None and first.height:
        for uid, ms, rows in first.lazy().filter(app_uid_expr()).group_by("uid").agg(
                pl.col("screen_off_ms").sum(), pl.col("rows").explode()
        ).collect(engine=ENGINE).iter_rows():
            per_uid.setdefault(uid, {})["first_ms"] = int(ms or 0)
            per_uid[uid]["first_rows"] = rows
    if lw is not None and lw.height:
        for uid, ms, rows in lw.lazy().filter(app_uid_expr() & ~pl.col("api").is_in(exempt)
                                              ).group_by("uid").agg(
                pl.col("screen_off_ms").sum(), pl.col("start_row")
        ).collect(engine=ENGINE).iter_rows():
            per_uid.setdefault(uid, {})["long_ms"] = int(ms or 0)
            per_uid[uid]["long_rows"] = rows
    return per_uid


def _measure(ctx: Context, uid: int, f: dict, tl, held: tuple[int, list[int]] | None,
             agg: pl.DataFrame, agg_words: str, exempt: list[str]
             ) -> tuple[int, int, str, list[dict]] | None:
    """(period ms, held ms, basis, evidence) of one uid: the history when it has screen-off
    time for the uid, else the aggregates over time on battery; None when neither does."""
    # An interval the uid opened runs on while other wakelocks keep the device's
    # wakelock state on, so it is capped by the uid's total held time; its longwake
    # intervals are exact for their tag (a floor).
    first = f.get("first_ms", 0)
    capped = held is not None and first > held[0]
    if capped:
        first = held[0]
    hist_ms = max(first, f.get("long_ms", 0))
    battery_ms = ctx.periods.battery_ms
    if tl is not None and hist_ms > 0:
        period, ms = tl.battery_span_ms, hist_ms
        which = ("longwake intervals" if f.get("long_ms", 0) >= first
                 else "wakelock intervals it opened")
        basis = (f"history: screen-off, on-battery time of this uid's {which} "
                 f"({fmt_ms(ms)}" + (", capped at the uid's total held time from the "
                                      "aggregates" if capped and which != "longwake "
                                      "intervals" else "")
                 + f") over {fmt_ms(period)} of history on battery")
        ev = [evidence("batterystats_history",
                       f'kind == "event" and name == "longwake" and uid == {uid}'
                       if which == "longwake intervals" else
                       f'kind == "wakelock" and transition in (start, set) and uid == {uid}',
                       f.get("long_rows") if which == "longwake intervals"
                       else f.get("first_rows", []))]
        if capped and which != "longwake intervals":
            ev.append(evidence("batterystats_wakelocks",
                               f'uid == {uid} and kind == "partial" and api not in '
                               f"{exempt} (cap: sum of actual_ms, else total_ms)",
                               held[1]))
        return period, ms, basis, ev
    if agg.height and f.get("agg_ms", 0) > 0 and battery_ms:
        period, ms = battery_ms, f["agg_ms"]
        basis = (f"aggregates since last charge: {agg_words} ({fmt_ms(ms)}) over "
                 f"{fmt_ms(period)} on battery")
        ev = [evidence("batterystats_wakelocks",
                       f"uid == {uid} and {agg['_filter'][0]} and api not in {exempt}",
                       f["agg_rows"]),
              summary_evidence(ctx, "battery_realtime_ms")]
        return period, ms, basis, ev
    return None


def _excessive_detail(who: str, amount: str, bar: float, f: dict, basis: str,
                      agg_words: str, tags: list, exempt: list[str]) -> str:
    """The finding's sentences: the figure against the bar, the aggregates when the history
    measured it, the top tags, the exempt APIs."""
    detail = (f"{who} held non-exempt partial wakelocks for {amount} with the screen off "
              f"(vitals bar: more than {bar:g} h). ")
    if f.get("agg_ms") and basis.startswith("history"):
        detail += (f"Since last charge the aggregates show {fmt_ms(f['agg_ms'])} of "
                   f"{agg_words}. ")
    if tags:
        detail += "Top tags: " + "; ".join(
            f"{tag} ({a}) {fmt_ms(v)}" for tag, a, v, _ in tags[:5]) + ". "
    detail += f"Exempt APIs not counted: {', '.join(exempt)}."
    return detail.strip()


def _held_ms(ctx: Context, exempt: list[str]) -> dict[int, tuple[int, list[int]]]:
    """uid → total partial wakelock time held (un-pooled `actual` where printed), non-exempt
    tags: the most screen-off time the uid can have held."""
    wl = ctx.table("batterystats_wakelocks")
    if wl.is_empty() or "api" not in wl.columns:
        return {}
    value = pl.coalesce("actual_ms", "total_ms") if "actual_ms" in wl.columns else pl.col(
        "total_ms")
    # `_row` as ctx.indexed numbers it; one plan (issue 17).
    rows = (wl.lazy().with_row_index("_row")
            .filter((pl.col("kind") == "partial") & ~pl.col("api").is_in(exempt))
            .group_by("uid").agg(value.sum().alias("ms"), pl.col("_row"))
            .collect(engine=ENGINE))
    return {u: (int(m or 0), r) for u, m, r in rows.iter_rows() if u is not None}


def _top_tags(agg: pl.DataFrame, uid: int, exempt: list[str]) -> list[tuple]:
    if agg.is_empty():
        return []
    rows = (agg.lazy().filter((pl.col("uid") == uid) & ~pl.col("api").is_in(exempt))
            .group_by("tag", "api").agg(pl.col("value_ms").sum(), pl.col("rule").first())
            .sort(["value_ms", "tag", "api"], descending=[True, False, False])
            .collect(engine=ENGINE))  # one plan (issue 17)
    return [(t, a, int(v or 0), r) for t, a, v, r in rows.iter_rows()]


def stuck(ctx: Context) -> list[dict]:
    t = ctx.threshold("stuck_wakelock")
    # Audio, location and user-initiated jobs hold wakelocks for as long as the user-visible
    # work lasts (exempt from the excessive-wakelock vital): reported, but only as info.
    exempt = set(ctx.threshold("excessive_wakelock").get("exempt_apis", []))
    out: list[dict] = []
    covered: set[tuple] = set()
    lw = ctx.history_longwakes
    if lw.height:
        # Of equally long holds of a tag, the earliest (its row) is the one reported.
        best = (lw.lazy().filter(app_uid_expr())
                .sort(["duration_ms", "uid", "tag", "start_row"],
                      descending=[True, False, False, False])
                .group_by("uid", "tag", maintain_order=True)
                .agg(pl.all().first(), pl.len().alias("n"),
                     (pl.col("duration_ms") >= t["value"] * HOUR_MS).sum().alias("n_over"))
                .collect(engine=ENGINE))  # one plan (issue 17)
        for r in best.iter_rows(named=True):
            covered.add((r["uid"], r["tag"]))
            value = (r["duration_ms"] or 0) / HOUR_MS
            sev = level(value, t)
            if sev is None:
                continue
            pkg = ctx.package_of(r["uid"])
            state = ("then released" if not r["open"] else
                     "still held when the history ends" if r["closed_by"] == "end_of_history"
                     else f"no release recorded, so counted up to "
                          f"{CLOSED_WORDS.get(r['closed_by'], r['closed_by'])}")
            detail = (f"{r['tag']} ({r['api']}) was held for {fmt_ms(r['duration_ms'])} in one "
                      f"hold, {state}; the platform flags a wakelock as long after 60 s, so "
                      f"the hold began about a minute earlier. {r['n']} long hold(s) of this "
                      f"tag in the history, {r['n_over']} of {t['value']:g} h or more.")
            off = r.get("screen_off_ms")
            if off is not None and off < t["value"] * HOUR_MS:
                # Held with the screen on for most of it: not a background hold (the vital
                # counts background holds), so informational.
                sev = lower(sev, "info")
                detail += (f" Only {fmt_ms(off)} of the hold was with the screen off and on "
                           "battery: the rest was while the device was in use or charging, "
                           "which is not background work.")
            rows = [r["start_row"]] + ([r["stop_row"]] if r["stop_row"] is not None else [])
            out.append(_stuck_finding(ctx, t, sev, pkg, r["uid"], r["tag"], r["api"],
                                      r["rule"], value, detail,
                                      "history: longest +longwake … -longwake interval "
                                      "(offset_ms difference)",
                                      [evidence("batterystats_history",
                                                f'name == "longwake" and uid == {r["uid"]} and '
                                                f'tag == {r["tag"]!r}', rows)], exempt))
    wl = ctx.indexed("batterystats_wakelocks")
    if wl.height and "max_ms" in wl.columns and "api" in wl.columns:
        agg = (wl.filter((pl.col("kind") == "partial") & app_uid_expr()
                         & pl.col("max_ms").is_not_null())
               .filter(pl.col("max_ms") >= t["value"] * HOUR_MS))
        for r in agg.sort(["max_ms", "uid", "tag"], descending=[True, False, False],
                          maintain_order=True).iter_rows(named=True):
            if (r["uid"], r["tag"]) in covered:
                continue
            value = r["max_ms"] / HOUR_MS
            sev = level(value, t)
            if sev is None:
                continue
            pkg = ctx.package_of(r["uid"])
            held = (f" It was still held at capture ({fmt_ms(r['current_ms'])})."
                    if r.get("current_ms") else "")
            detail = (f"{r['tag']} ({r['api']}): longest single hold {fmt_ms(r['max_ms'])} "
                      f"since last charge ({r['count'] or 0} acquisitions, "
                      f"{fmt_ms(r['total_ms'])} in total).{held}")
            out.append(_stuck_finding(
                ctx, t, sev, pkg, r["uid"], r["tag"], r["api"], r["rule"], value, detail,
                "aggregates since last charge: the tag's longest single hold (max_ms)",
                [evidence("batterystats_wakelocks",
                          f'uid == {r["uid"]} and tag == {r["tag"]!r} and kind == "partial"',
                          [r["_row"]])], exempt))
    return out


def _stuck_finding(ctx, t, sev, pkg, uid, tag, api, rule_id, value, detail, basis, ev,
                   exempt=frozenset()):
    if api in exempt:
        sev = lower(sev, "info")
        detail += (f" {api} wakelocks are held for as long as the user-visible work lasts "
                   "(exempt from the excessive-wakelock vital), so this is informational.")
    rec = ("wakelock_timeout" if api in _OWN_APIS
           else rule_recommendation(ctx, rule_id, "wakelock_timeout"))
    return ctx.finding(
        kind="stuck_wakelock", severity=sev, package=pkg, uid=uid, api=api,
        metric="longest_hold_h", value=value, unit="h", threshold="stuck_wakelock",
        basis=basis, detail=detail, evidence=ev, recommendation_id=rec,
        title=f"Stuck wakelock: {tag} held {value:.2f} h ({pkg or uid_text(uid)})",
        key=f"{uid}|{tag}")
