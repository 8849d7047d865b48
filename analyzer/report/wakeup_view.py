"""Report section "What woke the device": wakeup_chains grouped per app and API (counts,
screen-off rate, busiest hour, awake time and its share), failed suspends by the wakeup
source held, and where the history's intervals disagree with the stats-since-charge totals."""

from __future__ import annotations

import polars as pl

from wakescope.analyzer.model import Analysis
from wakescope.analyzer.plans import ENGINE
from wakescope.analyzer.report import facts
from wakescope.analyzer.report.cells import (
    ROW_LIMIT,
    SMALL_LIMIT,
    Cell,
    TableView,
    _api,
    _app,
    _dur,
    _num,
    _text,
)
from wakescope.analyzer.report.facts import fmt_ms, fmt_num

CAUSE_WORDS = {"alarm": "alarm", "job": "job", "sync": "sync", "fcm": "FCM message",
               "wakelock": "wakelock", "wakeup_ap": "network packet",
               "none": "nothing (kernel only)"}


def _clock(analysis: Analysis):
    from wakescope.analyzer.passes.history_intervals import clock_of

    cap = analysis.capture
    h = facts.table(analysis, "batterystats_history")
    if h.is_empty():
        return None
    if analysis.history_clock is not None:  # the one analyse() built with the history
        return analysis.history_clock
    return clock_of(h.with_row_index("_row"), cap.meta, cap.clock)


def wakeup_view(analysis: Analysis) -> dict:
    """Everything the section shows; `present` False when the input has no wakeups."""
    from wakescope.analyzer.passes.interval_checks import check_aggregates
    from wakescope.analyzer.passes.wakeup_chains import per_app

    chains = facts.table(analysis, "wakeup_chains")
    out: dict = {"present": False, "tables": [], "summary": [], "checks": None, "error": None}
    iv = facts.table(analysis, "history_intervals")
    if iv.height and "on_battery_ms" in iv.columns:
        out["checks"] = _checks_view(check_aggregates(iv, analysis.tables))
    if chains.is_empty() or "event" not in chains.columns:
        return out
    hc = _clock(analysis)
    wakes = chains.lazy().filter(pl.col("event") == "wakeup")
    if hc is not None:
        # The clock's rows of the wakeups only: joining the whole clock (a row per history
        # record) copied it, the section's peak on long histories (issue 19 item 8).
        at = hc.frame.lazy().select(pl.col("_row").cast(pl.Int64).alias("wake_row"),
                                    pl.col("local_ms").alias("wake_local_ms"))
        rows = chains.get_column("wake_row").implode()
        wakes = wakes.join(at.filter(pl.col("wake_row").is_in(rows)),
                           on="wake_row", how="left")
    wakes = wakes.collect(engine=ENGINE)
    screen_off_ms = hc.screen_off_battery_ms if hc is not None else 0
    zone = hc.zone if hc is not None else None
    apps = per_app(wakes, screen_off_ms, zone)
    out["present"] = wakes.height > 0 or chains.height > 0
    n = wakes.height
    off = none = awake = 0
    if n:  # screen-off wakeups, wakeups that ran nothing, CPU time after them: one plan
        off, none, awake = wakes.select(pl.col("screen_off").fill_null(False).sum(),
                                        (pl.col("cause_kind") == "none").sum(),
                                        pl.col("awake_ms").fill_null(0).sum()).row(0)
    line = (f"{fmt_num(n)} wakeups in the battery history, {fmt_num(off)} with the screen "
            f"off")
    if screen_off_ms:
        line += (f" ({off / (screen_off_ms / 3_600_000):.1f} an hour over "
                 f"{fmt_ms(screen_off_ms)} of screen-off time on battery)")
    line += f"; the CPU stayed up {fmt_ms(awake)} after them in all."
    out["summary"].append(line)
    if none:
        out["summary"].append(f"{fmt_num(none)} woke the device and ran nothing within the "
                              "window (a kernel or modem wakeup with no app work).")
    tz = _zone_words(hc)
    v = TableView("wakeup-chains-table", "Wakeups by cause: app and API",
                  [("App", ""), ("API", ""), ("Cause", ""), ("Most common tag", ""),
                   ("Kernel reason", ""), ("Wakeups", "num"), ("Screen-off / h", "num"),
                   (f"Busiest hour ({tz})", ""), ("Awake", "num"), ("Share of awake", "num")],
                  total=apps.height, empty="No wakeups in the battery history.")
    for r in apps.head(ROW_LIMIT).iter_rows(named=True):
        owner = r["owner"]
        app = Cell(owner, owner, "app") if owner.startswith(("(", "uid ", "screen /")) \
            else _app(owner, None)
        hour = r.get("busiest_hour")
        v.rows.append([
            app, _api(r.get("api")), Cell(CAUSE_WORDS.get(r["cause_kind"], r["cause_kind"]),
                                          r["cause_kind"]),
            _text(r.get("top_tag"), 80), Cell(r.get("reason_class") or "—",
                                              r.get("reason_class") or ""),
            _num(r["wakeups"], 0), _num(r.get("screen_off_per_hour"), 2),
            Cell(f"{hour:%Y-%m-%d %H:00} ({r['busiest_hour_wakeups']})" if hour else "—",
                 str(hour or "")),
            _dur(r.get("awake_ms")),
            Cell(f"{100 * r['awake_share']:.1f}%" if r.get("awake_share") is not None
                 else "—", r.get("awake_share") or 0, "num"),
        ])
    out["tables"].append(v)
    g = (chains.lazy().filter(pl.col("event") == "suspend_abort")
         .group_by(pl.col("cause_kind"), pl.col("tag")).len()
         .sort(["len", "tag", "cause_kind"], descending=[True, False, False], nulls_last=True)
         .collect(engine=ENGINE))
    if g.height:
        kw = facts.table(analysis, "batterystats_kernel_wakelocks")
        if kw.height and {"name", "total_ms"} <= set(kw.columns):
            g = g.lazy().join(kw.lazy().group_by("name").agg(pl.col("total_ms").sum()),
                              left_on="tag", right_on="name", how="left",
                              maintain_order="left").collect(
                engine=ENGINE)
        else:
            g = g.with_columns(pl.lit(None, pl.Int64).alias("total_ms"))
        a = TableView("suspend-aborts-table", "Failed suspends (`Abort:` reasons) by what was "
                      "held", [("Held", ""), ("What", ""), ("Aborts", "num"),
                               ("Kernel wakelock total", "num")],
                      total=g.height, open=False)
        for r in g.head(SMALL_LIMIT).iter_rows(named=True):
            what = "wakeup source" if r["cause_kind"] == "wakeup_source" else (
                "device failed to suspend" if r["cause_kind"] == "device" else "unknown")
            a.rows.append([_text(r.get("tag"), 80), Cell(what, what), _num(r["len"], 0),
                           _dur(r.get("total_ms"))])
        out["tables"].append(a)
    return out


def _zone_words(hc) -> str:
    if hc is None:
        return "device time"
    if hc.axis == "utc":
        return "UTC"
    if hc.zone.name:
        return hc.zone.name
    if hc.zone.offset_min is not None:
        return hc.zone.label()
    return "device local time, zone unknown"


def _checks_view(c: pl.DataFrame) -> dict | None:
    """Per kind × uid: the history's interval time against the aggregates; job names whose
    history provably lacks runs are left out of both sides and named with their proof."""
    if c.is_empty():
        return None
    partial = pl.col("incomplete").is_not_null() if "incomplete" in c.columns \
        else pl.lit(False)
    bad = c.filter((pl.col("agrees") == False) | partial)  # noqa: E712 (null: nothing compared)
    v = TableView("history-checks-table", "History intervals against the totals since "
                  "charge (where they disagree by more than 10 %, or the history provably "
                  "lacks runs)",
                  [("Kind", ""), ("App", ""), ("History (on battery)", "num"),
                   ("Totals since charge", "num"), ("Difference", "num"),
                   ("Left out: history incomplete (proof)", "")],
                  total=bad.height, open=False,
                  empty="Every app's job, sync and wakelock time in the history is within "
                        "10 % of its totals since charge.")
    for r in bad.head(SMALL_LIMIT).iter_rows(named=True):
        share = r.get("diff_share")
        diff = fmt_ms(abs(r["diff_ms"]))
        sign = "+" if r["diff_ms"] >= 0 else "−"
        v.rows.append([Cell(r["kind"], r["kind"]), _app(r.get("package"), r.get("uid")),
                       _dur(r["interval_ms"]), _dur(r["aggregate_ms"]),
                       Cell(f"{sign}{diff}" + (f" ({100 * share:+.0f}%)" if share is not None
                                              else ""), r["diff_ms"], "num"),
                       _text(r.get("incomplete"), 400)])
    agree, total, incomplete = c.select(agree=pl.col("agrees").sum(),
                                        total=pl.col("agrees").count(),
                                        incomplete=partial.sum()).row(0)
    return {"table": v, "agree": agree, "total": total, "incomplete": incomplete}
