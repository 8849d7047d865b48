"""`dumpsys batterystats -c` (checkin, `9,…` lines, any version) → batterystats tables.

Line grammar: formats.md §4.4 (aggregates) and §4.5 (history); what real files do: §7.5.
The history (`9,hsp` / `9,h`, up to ~60k lines) is decoded vectorised in
`checkin_history`; the few thousand aggregate lines go through `checkin_records`, which maps
fields by name per checkin version (`checkin_layouts`). Every row has `source="checkin"`.

Package names: checkin `9,0,i,uid,<app id>,<package>` is keyed by app id, so uid 1010123
(user 10) gets app id 10123's package. Shared app ids (1000 system, 1001 phone, …) list many
packages: such a uid gets `android` when listed, else the first package printed for it —
except history rows whose string is one of that uid's packages (`top`, `fg`, `pkginst`
events), which get that package.
"""

from __future__ import annotations

import polars as pl

from wakescope.parsers.batterystats.checkin_history import parse_history, read_pool
from wakescope.parsers.batterystats.checkin_records import CheckinRecords, to_float, to_int
from wakescope.parsers.batterystats.schema import HISTORY, PACKAGES, SUMMARY, TABLES
from wakescope.parsers.section_input import SectionInput
from wakescope.parsers.uid import PER_USER_RANGE

SOURCE = "checkin"
_HISTORY_PREFIX = "9,h,"
# The longest real history line (a 14+ `9,h,0,Dpst=` step detail, pixel7 corpus) is ~14 KB.
# A longer one is corrupt: split into items, a 20 MB line would take gigabytes (counted).
MAX_HISTORY_LINE = 1 << 16
_POOL_PREFIX = "9,hsp,"


def _version(lines: list[str], inp: SectionInput) -> int | None:
    """The checkin version from `9,0,i,vers,<checkin>,…`, else what the container read."""
    for line in lines[:50]:
        if line.startswith("9,0,i,vers,"):
            try:
                return int(line.split(",")[4])
            except (IndexError, ValueError):
                break
    return inp.meta.checkin_version if inp.meta is not None else None


def _package_map(rec: CheckinRecords) -> dict[int, str]:
    """app id → one package: `android` for shared ids that list it, else the first listed."""
    out: dict[int, str] = {}
    for app_id, pkgs in rec.app_packages.items():
        out[app_id] = "android" if "android" in pkgs else pkgs[0]
    for uid, pkg in rec.apk_packages:  # apk lines fill ids that have no `i,uid` line
        out.setdefault(uid % PER_USER_RANGE, pkg)
    return out


def _packages_table(rec: CheckinRecords) -> pl.DataFrame:
    """`i,uid` rows expanded to the full uids seen in `l` lines, plus `apk` (uid, package)."""
    by_app: dict[int, list[int]] = {}
    for uid in sorted(rec.uids):
        by_app.setdefault(uid % PER_USER_RANGE, []).append(uid)
    rows = []
    for app_id, pkgs in rec.app_packages.items():
        for uid in by_app.get(app_id, [app_id]):
            rows += [{"uid": uid, "package": p, "source": "checkin uid"} for p in pkgs]
    seen = {(r["uid"], r["package"]) for r in rows}
    for uid, pkg in rec.apk_packages:
        if (uid, pkg) not in seen:
            seen.add((uid, pkg))
            rows.append({"uid": uid, "package": pkg, "source": "checkin apk"})
    if not rows:
        return PACKAGES.empty()
    df = pl.DataFrame(rows)
    return PACKAGES.conform(df.with_columns(
        (pl.col("uid") % PER_USER_RANGE).alias("app_id"),
        (pl.col("uid") // PER_USER_RANGE).alias("user_id"),
    ))


def _with_uid_columns(df: pl.DataFrame, packages: dict[int, str]) -> pl.DataFrame:
    """`source`, and user_id and package from the integer uid (package by app id), in one
    pass."""
    source = pl.lit(SOURCE).alias("source")
    if "uid" not in df.columns:
        return df.with_columns(source)
    uid = pl.col("uid")
    return df.with_columns(
        source,
        pl.when(uid >= 0).then(uid // PER_USER_RANGE).alias("user_id"),
        (uid % PER_USER_RANGE).replace_strict(packages, default=None, return_dtype=pl.String)
        .alias("package") if packages else pl.lit(None, pl.String).alias("package"),
    )


def _add_uid_fields(rows: list[dict], packages: dict[int, str]) -> None:
    """`_with_uid_columns` on row dicts (a few hundred rows: no plan per table)."""
    for r in rows:
        r["source"] = SOURCE
        if "uid" not in r:
            continue
        uid = r["uid"]
        r["user_id"] = uid // PER_USER_RANGE if uid is not None and uid >= 0 else None
        r["package"] = packages.get(uid % PER_USER_RANGE) if uid is not None else None


def _history_packages(history: pl.DataFrame, rec: CheckinRecords) -> pl.DataFrame:
    """A history string that names one of its shared uid's packages (top, fg, pkginst…)
    is the package: `top` of com.android.settings under uid 1000 is not `android`."""
    shared = {app: pkgs for app, pkgs in rec.app_packages.items() if len(pkgs) > 1}
    if not shared or not history.height:
        return history
    # One test per shared app id (a handful), not a join: a join copies the key columns of
    # every history row and its result at once (~65 MB on 735k rows, issue 19 item 8).
    # Null uid or tag never matches, as in an equi-join.
    app, tag = pl.col("uid") % PER_USER_RANGE, pl.col("tag")
    own = pl.any_horizontal([(app == a) & tag.is_in(pkgs) for a, pkgs in shared.items()])
    return history.with_columns(pl.when(own).then(tag).otherwise(pl.col("package"))
                                .alias("package"))


def _summary(rec: CheckinRecords, history: pl.DataFrame, version: int | None) -> pl.DataFrame:
    """One row from `bt`, `m`, `dc` and the history's first / last battery level."""
    bt, m, dc = (rec.device.get(k, {}) for k in ("bt", "m", "dc"))
    if not (bt or m or dc or history.height):
        return SUMMARY.empty()
    levels = history["battery_level"].drop_nulls() if history.height else pl.Series([])
    resets = history.filter((pl.col("kind") == "marker") & (pl.col("name") == "reset")) \
        if history.height else history
    start_local = resets["local_time"][0] if resets.height and "local_time" in resets.columns \
        else None
    start_clock = to_int(bt.get("start_clock_ms"))
    row = {
        "start_time": start_clock,
        "start_local": start_local,
        "battery_realtime_ms": to_int(bt.get("battery_realtime_ms")),
        "battery_uptime_ms": to_int(bt.get("battery_uptime_ms")),
        "screen_off_realtime_ms": to_int(bt.get("screen_off_realtime_ms")),
        "screen_off_uptime_ms": to_int(bt.get("screen_off_uptime_ms")),
        "total_realtime_ms": to_int(bt.get("total_realtime_ms")),
        "screen_on_ms": to_int(m.get("screen_on_ms")),
        "screen_doze_ms": to_int(bt.get("screen_doze_ms")),
        "interactive_ms": to_int(m.get("interactive_ms")),
        "full_wakelock_ms": to_int(m.get("full_wakelock_ms")),
        "partial_wakelock_ms": to_int(m.get("partial_wakelock_ms")),
        "deep_idle_ms": to_int(m.get("deep_idle_ms")),
        "light_idle_ms": to_int(m.get("light_idle_ms")),
        "mobile_radio_active_ms": to_int(m.get("mobile_radio_active_ms")),
        "start_level": int(levels[0]) if len(levels) else None,
        "end_level": int(levels[-1]) if len(levels) else None,
        "discharge_pct": to_int(dc.get("high_pct")),
        "discharge_low_pct": to_int(dc.get("low_pct")),
        "discharge_screen_on_pct": to_int(dc.get("screen_on_pct")),
        "discharge_screen_off_pct": to_int(dc.get("screen_off_pct")),
        "discharge_mah": to_float(dc.get("discharge_mah")),
        "discharge_screen_off_mah": to_float(dc.get("screen_off_mah")),
        "estimated_capacity_mah": to_float(bt.get("estimated_capacity_mah")),
        "history_events": history.height,
        "checkin_version": version,
        "source": SOURCE,
    }
    df = pl.DataFrame([row], schema_overrides={"start_local": pl.Datetime("ms")}, strict=False)
    df = df.with_columns(pl.from_epoch(pl.col("start_time").cast(pl.Int64), time_unit="ms")
                         .dt.replace_time_zone("UTC").alias("start_time"))
    return SUMMARY.conform(df)


def _line_frame(inp: SectionInput) -> pl.DataFrame:
    """The section's lines as a frame (`i` line index, `text`)."""
    return inp.line_series("text").to_frame().with_row_index("i")


def parse(inp: SectionInput) -> dict[str, pl.DataFrame]:
    """Parse one checkin section into the batterystats tables (all rows `source="checkin"`)."""
    frame = _line_frame(inp)
    n_lines = frame.height
    is_hist = pl.col("text").str.starts_with(_HISTORY_PREFIX)
    is_pool = pl.col("text").str.starts_with(_POOL_PREFIX)
    too_long = is_hist & (pl.col("text").str.len_bytes() > MAX_HISTORY_LINE)
    long_hist = frame.filter(too_long)
    hist_lines = frame.filter(is_hist & ~too_long)
    pool_lines = frame.filter(is_pool)
    other = frame.filter(~is_hist & ~is_pool)
    del frame  # a copy of every line; the filtered frames are what is read (issue 19)
    other_idx = other["i"].to_list()
    other_text = other["text"].to_list()
    del other

    version = _version(other_text, inp)
    rec = CheckinRecords(version, inp.redact)
    # Unknown lines: index → text, for the diagnostics.
    unknown: dict[int, str] = dict(zip(long_hist["i"], long_hist["text"], strict=True))
    prev_dpst = set((hist_lines.filter(pl.col("text").str.starts_with("9,h,0,Dpst="))["i"]
                     + 1).to_list()) if hist_lines.height else set()
    for idx, text in zip(other_idx, other_text, strict=True):
        if not text.strip():
            continue
        if not rec.feed(text):
            # A raw newline inside the Dpst subsystem text continues the line before.
            if idx in prev_dpst:
                prev_dpst.add(idx + 1)
                continue
            unknown[idx] = text
    del other_idx, other_text

    # Offsets from the capture clock: local wall time, and elapsed realtime from UTC.
    clock = inp.clock
    offset = clock.utc_offset_min if clock is not None and clock.utc_offset_min is not None \
        else (inp.meta.utc_offset_min if inp.meta is not None else None)
    elapsed_minus_utc = clock.anchor_elapsed_ms - clock.anchor_utc_ms if clock else None

    pool = read_pool(pool_lines, inp.redact)
    bad_pool = pool_lines.height - pool.height
    history, hist_unknown, _n_records = parse_history(
        hist_lines, pool, redact=inp.redact, utc_offset_min=offset,
        elapsed_minus_utc=elapsed_minus_utc)
    if hist_unknown:
        bad = hist_lines.filter(pl.col("i").is_in(hist_unknown))
        unknown.update(zip(bad["i"], bad["text"], strict=True))
    del hist_lines
    if bad_pool > 0:
        got = set(pool["idx"].to_list())
        for idx, text in zip(pool_lines["i"], pool_lines["text"], strict=True):
            parts = text.split(",", 3)
            if len(parts) < 3 or to_int(parts[2]) not in got:
                unknown[idx] = text
    del pool_lines

    packages = _package_map(rec)
    tables: dict[str, pl.DataFrame] = {}
    history = _history_packages(_with_uid_columns(history, packages), rec)
    # Rebound, not kept: the frame before `_history_packages` holds another package column.
    tables[HISTORY.name] = HISTORY.conform(history.drop("i", strict=False))
    del history
    for name, rows in rec.rows.items():
        _add_uid_fields(rows, packages)
        df = pl.DataFrame(rows, infer_schema_length=None, strict=False)
        tables[name] = TABLES[name].conform(df)
    for name in ("batterystats_wakelocks", "batterystats_aggregated_wakelocks",
                 "batterystats_jobs", "batterystats_job_completions",
                 "batterystats_job_deferrals", "batterystats_syncs",
                 "batterystats_wakeup_alarms", "batterystats_kernel_wakelocks",
                 "batterystats_wakeup_reasons", "batterystats_power_use",
                 "batterystats_processes", "batterystats_foreground_services",
                 "batterystats_sensors"):
        tables.setdefault(name, TABLES[name].empty())
    tables[PACKAGES.name] = _packages_table(rec)
    tables[SUMMARY.name] = _summary(rec, tables[HISTORY.name], version)

    _report(inp, rec, unknown, n_lines)
    return tables


def _report(inp: SectionInput, rec: CheckinRecords, unknown: dict[int, str],
            n_lines: int) -> None:
    """Unknown lines (index → text) and unexpected field counts into the diagnostics."""
    diags = inp.diagnostics
    diags.seen(inp.name, n_lines)
    for idx in sorted(unknown):
        diags.unknown_line(inp.name, unknown[idx], inp.first_line + idx)
    for (typ, n, expected), count in sorted(rec.shape_notes.items()):
        diags.info("field_count", inp.name,
                   f"checkin v{rec.version} `{typ}`: {count} line(s) with {n} "
                             f"fields where the version's layout has {expected}; mapped by "
                             "the layout of that shape")
