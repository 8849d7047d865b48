"""`dumpsys batterystats` in the human-readable form (with or without `-a`) → tables.

The dump is a sequence of column-0 blocks (AOSP `BatteryStats.dump`, formats.md §4.1–4.2):
`Battery History (…):` (vectorised, `human_history`), `Per-PID Stats:`, `Discharge step
durations:`, `Charge step durations:`, `Daily stats:`, `Statistics since last charge:`
(`human_summary`), and in old releases a second `Statistics since last unplugged:` block
that counts from another reset and must not be mixed in; 14+ dumps end with `CPU wakeup
stats:` and other trailers. Only the history and the since-charge statistics are tabulated;
the lines of Per-PID, step-duration and Daily stats blocks are checked for their shapes
(`human_blocks`), the other blocks are recognised and skipped.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import polars as pl

from wakescope.parsers.batterystats import schema as S
from wakescope.parsers.batterystats.human_blocks import HEADERS as CHECKED_HEADERS
from wakescope.parsers.batterystats.human_blocks import unknown_in_blocks
from wakescope.parsers.section_input import SectionInput
from wakescope.parsers.uid import PER_USER_RANGE

SOURCE = "human"
# Column-0 lines that open a block of their own. Anything else at column 0 inside the
# history is a wrapped continuation; inside the statistics, Samsung's `Memory Stats`.
_TOP = r"^[A-Za-z*]"
_HISTORY = re.compile(r"^Battery History\b")
_SINCE_CHARGE = "Statistics since last charge:"
_STAYS_IN_STATS = ("Memory Stats",)
# Column-0 headers of blocks we recognise but do not tabulate (AOSP BatteryStats.dump,
# BatteryStatsImpl.dumpLocked / dumpConstantsLocked / dumpCpuStatsLocked, the energy
# consumer block (12–13 `dumpMeasuredEnergyStatsLocked` "On battery measured charge stats",
# 14+ "On-battery energy consumer stats"), 14+ CPU wakeup stats); any other column-0 line
# is counted as unknown.
_KNOWN_TOP = re.compile(
    r"^(?:Battery History|Per-PID Stats:|Discharge step durations:|Charge step durations:"
    r"|Daily stats:|Statistics since last (?:charge|unplugged):|Memory Stats"
    r"|Total cpu time reads:|Batched cpu time reads:|Batching Duration|All UID cpu time reads"
    r"|UIDs removed since|Per process state tracking|Currently mapped isolated uids:"
    r"|BatteryStats constants:|On-battery energy consumer stats"
    r"|On battery measured charge stats|CPU wakeup stats:"
    r"|Device is currently|Resource Power Manager Stats)"
)


def parse(inp: SectionInput) -> dict[str, pl.DataFrame]:
    """Parse one human-form batterystats section into the batterystats tables (the lines
    are read from a Series: `SectionInput.line_series`)."""
    from wakescope.parsers.batterystats.human_history import parse_history
    from wakescope.parsers.batterystats.human_summary import parse_summary

    series = _without_long_lines(inp, inp.line_series("line"))
    inp.diagnostics.seen(inp.name, series.len())
    blocks, checked, unknown_tops = _blocks(series)
    for n, head in unknown_tops:
        inp.diagnostics.unknown_line(inp.name, head, inp.first_line + n)
    for n in unknown_in_blocks(series, checked):
        inp.diagnostics.unknown_line(inp.name, series[n], inp.first_line + n)
    meta_year = _year_hint(inp)

    hist = None
    if "history" in blocks:
        start, end = blocks["history"]
        hist = parse_history(series.slice(start + 1, end - start - 1),
                             inp.first_line + start + 1, inp.name, inp.clock, inp.diagnostics,
                             inp.redact, meta_year, rows=inp.history_rows)
    summ = None
    if "stats" in blocks:
        start, end = blocks["stats"]
        summ = parse_summary(series.slice(start + 1, end - start - 1).to_list(),
                             inp.first_line + start + 1, inp.name,
                             inp.diagnostics, inp.redact)
    if hist is None and summ is None:
        inp.diagnostics.warning("missing_section", inp.name,
                                "no Battery History or Statistics block found",
                                inp.first_line)
        return {}
    if hist is not None:
        inp.diagnostics.info(
            "history_read", inp.name, f"history: {hist.records} records ({hist.format} format), "
            f"{hist.unknown} of {hist.lines} lines unrecognised", inp.first_line)
    return _tables(inp, hist, summ)


def _without_long_lines(inp: SectionInput, lines: pl.Series) -> pl.Series:
    """The lines, those over `MAX_LINE` characters counted as unknown and blanked.

    No real line comes near (the longest, a history record, is ~14 KB), and a 20 MB one
    would be copied into every frame and split into millions of history items (~3 GB).
    """
    from wakescope.parsers.batterystats.human_history import MAX_LINE

    long = lines.str.len_chars() > MAX_LINE
    if not long.any():
        return lines
    for n in long.arg_true().to_list():
        inp.diagnostics.unknown_line(inp.name, lines[n][:4096], inp.first_line + n)
    return lines.set(long, "")


def _blocks(series: pl.Series) -> tuple[dict[str, tuple[int, int]], list[tuple[str, int, int]],
                                        list[tuple[int, str]]]:
    """Line ranges [start, end) of the history and since-charge statistics blocks, the
    (kind, start, end) of the blocks `human_blocks` checks, and the column-0 lines outside
    all of them that open no block we know.

    A block runs to the next known column-0 header, so an odd column-0 line inside it (a
    wrapped continuation, an OEM line) is judged by the block's own parser.
    """
    idx = series.str.contains(_TOP).arg_true()
    tops = list(zip(idx.to_list(), series.gather(idx).to_list(), strict=True))
    known = [(n, h) for n, h in tops if _KNOWN_TOP.match(h)]
    out: dict[str, tuple[int, int]] = {}
    checked: list[tuple[str, int, int]] = []
    for k, (n, head) in enumerate(known):
        end = known[k + 1][0] if k + 1 < len(known) else len(series)
        if "history" not in out and _HISTORY.match(head):
            out["history"] = (n, end)
        elif "stats" not in out and head.startswith(_SINCE_CHARGE):
            nxt = next((m for m, h in known[k + 1:] if not h.startswith(_STAYS_IN_STATS)),
                       len(series))
            out["stats"] = (n, nxt)
        elif head.rstrip() in CHECKED_HEADERS:
            checked.append((CHECKED_HEADERS[head.rstrip()], n, end))
    inside = [*out.values(), *((a, b) for _, a, b in checked)]
    unknown = [(n, h) for n, h in tops if not _KNOWN_TOP.match(h)
               and not any(a <= n < b for a, b in inside)]
    return out, checked, unknown


def _year_hint(inp: SectionInput) -> int | None:
    cap = getattr(inp.meta, "capture_local", None)
    if cap and cap[:4].isdigit():
        return int(cap[:4])
    return None


def _package_map(summ, hist) -> tuple[dict[int, str], pl.DataFrame]:
    """uid → its package, and the `packages` rows (the chosen package first per uid).

    `Apk <pkg>` lines under a uid name every package that did work for it, not only its
    own: JobScheduler's `*job.delay*` alarms appear as `Apk android` under the app's uid,
    WebView sandboxes as `Apk com.android.chrome`. So each candidate (Apk lines, history
    `top`/`pkginactive`/… strings) is scored by the uid's own process names (`Proc <pkg>`,
    `<pkg>:<suffix>`), job names (`<pkg>/<service>`) and history mentions; `android` only
    wins for system uids or when nothing else is known.
    """
    cands: dict[int, dict[str, list]] = {}   # uid → package → [score, first seen, source]
    order = 0

    def add(uid: int, pkg: str, source: str, score: int = 0) -> None:
        nonlocal order
        entry = cands.setdefault(uid, {}).get(pkg)
        if entry is None:
            order += 1
            cands[uid][pkg] = [score, order, source]
        else:
            entry[0] += score

    if summ is not None:
        for uid, pkg in summ.uid.apks:
            add(uid, pkg, SOURCE)
    if hist is not None:
        for uid, pkg in hist.packages:
            add(uid, pkg, f"{SOURCE}_history", 2)
    if summ is not None:
        for row in summ.uid.processes:
            pk = cands.get(row["uid"])
            if pk:
                name = row["process"].split(":", 1)[0]
                if name in pk:
                    pk[name][0] += 2
        for row in summ.uid.jobs:
            pk = cands.get(row["uid"])
            if pk:
                name = row["job"].split("/", 1)[0]
                if name in pk:
                    pk[name][0] += 1
    chosen: dict[int, str] = {}
    rows: list[dict] = []
    for uid, pk in cands.items():
        system = uid % PER_USER_RANGE < 10_000

        def rank(item, system=system, core=uid % PER_USER_RANGE == 1000):
            pkg, (score, seen, _) = item
            if pkg == "android":   # the system server's own uid; elsewhere a stand-in
                return (-1_000_000, seen) if core else (-(score + (3 if system else -1)), seen)
            return (-score, seen)

        ranked = sorted(pk.items(), key=rank)
        chosen[uid] = ranked[0][0]
        # `android` under an app uid is the system acting for it, not a package it owns.
        rows += [{"uid": uid, "package": pkg, "source": src} for pkg, (_, _, src) in ranked
                 if system or pkg != "android" or pkg == chosen[uid]]
    frame = S.PACKAGES.frame(rows).with_columns(
        app_id=pl.col("uid") % PER_USER_RANGE,
        user_id=(pl.col("uid") // PER_USER_RANGE).cast(pl.Int32),
    )
    return chosen, frame


def _by_app(packages: dict[int, str]) -> dict[int, str]:
    """app id → the package of its lowest uid that has one (the fallback for other users'
    uids of the same app)."""
    by_app: dict[int, str] = {}
    for uid, pkg in sorted(packages.items()):
        by_app.setdefault(uid % PER_USER_RANGE, pkg)
    return by_app


def _uid_columns(columns: list[str], packages: dict[int, str]) -> dict[str, pl.Expr]:
    """uid as Int64, and user_id and package from it (exact uid first, then the same app id).

    Dictionary look-ups (`replace_strict`) in the table's one `with_columns`, not two joins
    per table (issue 17). `_add_uid_fields` is the same on row dicts."""
    by_app = _by_app(packages)
    uid = pl.col("uid").cast(pl.Int64)
    none = pl.lit(None, pl.String)
    exact = uid.replace_strict(packages, default=None, return_dtype=pl.String) \
        if packages else none
    app = pl.when(uid >= 10_000).then(uid % PER_USER_RANGE).replace_strict(
        by_app, default=None, return_dtype=pl.String) if by_app else none
    return {
        "uid": uid,
        "user_id": pl.when(uid >= 0).then(uid // PER_USER_RANGE).cast(pl.Int32)
        if "user_id" not in columns
        else pl.coalesce(pl.col("user_id"),
                         pl.when(uid >= 0).then(uid // PER_USER_RANGE)).cast(pl.Int32),
        "package": pl.coalesce(exact, app),
    }


def _add_uid_fields(rows: list[dict], has_uid: bool, packages: dict[int, str],
                    by_app: dict[int, str]) -> None:
    """`source`, and for tables with a uid the user_id (unless the row has one) and the
    package (exact uid first, then the same app id), set in each row dict."""
    for r in rows:
        r["source"] = SOURCE
        if not has_uid:
            continue
        uid = r.get("uid")
        if uid is None:
            r["package"] = None
            continue
        if r.get("user_id") is None and uid >= 0:
            r["user_id"] = uid // PER_USER_RANGE
        pkg = packages.get(uid)
        if pkg is None and uid >= 10_000:
            pkg = by_app.get(uid % PER_USER_RANGE)
        r["package"] = pkg


def _tables(inp: SectionInput, hist, summ) -> dict[str, pl.DataFrame]:
    packages, pk_frame = _package_map(summ, hist)
    out: dict[str, pl.DataFrame] = {"packages": pk_frame}
    by_app = _by_app(packages)

    def put(schema, rows: list[dict] | pl.DataFrame) -> None:
        if not isinstance(rows, pl.DataFrame):
            # A few hundred rows: the added columns are filled in Python, so the frame is
            # built and conformed once, with no plan (issue 17).
            _add_uid_fields(rows, "uid" in schema.schema, packages, by_app)
            out[schema.name] = schema.frame(rows)
            return
        frame = rows
        extra: dict[str, pl.Expr] = {"source": pl.lit(SOURCE)}
        if "uid" in schema.schema:
            extra.update(_uid_columns(frame.columns, packages) if frame.height
                         else {"uid": pl.col("uid").cast(pl.Int64)})
        out[schema.name] = schema.conform(frame.with_columns(**extra))

    if hist is not None:
        put(S.HISTORY, hist.frame)
    if summ is not None:
        u = summ.uid
        put(S.WAKELOCKS, u.wakelocks)
        put(S.JOBS, u.jobs)
        put(S.JOB_COMPLETIONS, u.completions)
        put(S.JOB_DEFERRALS, u.deferrals)
        put(S.SYNCS, u.syncs)
        put(S.WAKEUP_ALARMS, u.alarms)
        put(S.PROCESSES, u.processes)
        put(S.FOREGROUND_SERVICES, u.fgs)
        put(S.UID_STATES, u.states)
        put(S.SENSORS, _sensors(inp, u))
        put(S.KERNEL_WAKELOCKS, summ.kernel_wakelocks)
        put(S.WAKEUP_REASONS, summ.wakeup_reasons)
        put(S.POWER_USE, summ.power.finish())
    out[S.SUMMARY.name] = _summary(inp, hist, summ, out)
    return out


def _oreo_shapes(inp: SectionInput, u) -> bool:
    """Whether the dump is in the 8.0+ form: lines only 8.0+ prints (sensor blamed/background
    parts, wakelock `actual=` / `background partial`, job and sync background parts; AOSP O
    BatteryStats.dumpLocked), else the SDK when the capture knows it."""
    if (u.sensor_oreo_shape
            or any(r.get("actual_ms") is not None or r.get("kind") == "background_partial"
                   for r in u.wakelocks)
            or any(r.get("background_ms") is not None for r in (*u.jobs, *u.syncs))):
        return True
    sdk = getattr(inp.meta, "sdk", None)
    return sdk is not None and sdk >= 26


def _sensors(inp: SectionInput, u) -> pl.DataFrame:
    """Sensor rows; in an 8.0+ dump a line without a blamed part has actual = total, and one
    without a background part had no background use (AOSP prints it only when non-zero)."""
    frame = S.SENSORS.frame(u.sensors)
    if frame.height == 0 or not _oreo_shapes(inp, u):
        return frame
    return frame.with_columns(
        actual_ms=pl.coalesce("actual_ms", "total_ms"),
        background_count=pl.col("background_count").fill_null(0),
        background_actual_ms=pl.col("background_actual_ms").fill_null(0),
    )


def _summary(inp: SectionInput, hist, summ, out: dict) -> pl.DataFrame:
    f = dict(summ.fields) if summ is not None else {}
    row = {k: f.get(k) for k in (
        "battery_realtime_ms", "battery_uptime_ms", "screen_off_realtime_ms",
        "screen_off_uptime_ms", "total_realtime_ms", "screen_on_ms", "screen_doze_ms",
        "interactive_ms", "full_wakelock_ms", "partial_wakelock_ms", "mobile_radio_active_ms",
        "discharge_pct", "discharge_low_pct",
        "discharge_screen_on_pct", "discharge_screen_off_pct", "discharge_mah",
        "discharge_screen_off_mah", "estimated_capacity_mah")}
    row["deep_idle_ms"] = f.get("deep_idle_ms", f.get("deep_idling_ms"))
    row["light_idle_ms"] = f.get("light_idle_ms", f.get("light_idling_ms"))
    if row["estimated_capacity_mah"] is None and summ is not None:
        row["estimated_capacity_mah"] = summ.power.capacity
    start_clock: datetime | None = f.get("start_clock")
    row["start_local"] = (hist.start_local if hist is not None and hist.start_local
                          else start_clock)
    clock = inp.clock
    if start_clock is not None and clock is not None and clock.utc_offset_min is not None:
        row["start_time"] = datetime.fromtimestamp(
            clock.local_to_utc_ms(start_clock) / 1000, tz=UTC)
    if hist is not None:
        row["start_level"] = hist.start_level
        row["end_level"] = hist.end_level
        row["history_events"] = out[S.HISTORY.name].height
    row["source"] = SOURCE
    return S.SUMMARY.frame([row])
