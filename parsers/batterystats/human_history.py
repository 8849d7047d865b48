"""The human-readable `Battery History` block → `batterystats_history` rows, vectorised.

Record layout (AOSP `BatteryStats.HistoryPrinter.printNextItem`, formats.md §4.3):

- legacy (≤ 15): `  <formatDuration, 19 wide> (<numReadInts>) <body>`;
- format v2 (16, `FORMAT_VERSION = 2`): `  <MM-dd HH:mm:ss.SSS> <body>`, the record's wall
  clock in the device time zone (`HistoryLogTimeFormatter`), no `(n)` column;
- body: `RESET:TIME: <yyyy-MM-dd-HH-mm-ss>`, `TIME: …`, `START`, `SHUTDOWN`, `*OVERFLOW*`,
  or `<level 3 digits>[ <8-hex states word, with -a>]` then ` [+-]name[=value]` tokens;
- 14+ `ext=energy:…` / `ext=cpu-bracket:…` / `ext=cpu:…` at the end of a record, later ones
  on their own lines indented 17;
- step details under a record: `Details: cpu=…` (17 spaces), `/proc/stat=…` (26), whose
  platform idle text may hold a raw newline, so a column-0 `, SubsystemPowerState …` line
  follows (8.1, 10, emulator; formats.md §7.4); 16 verbose adds `Stats: …`/`procstate: …`.

Everything runs as Polars string expressions over the whole block: `str.contains` tells
the line shapes apart, `str.splitn` cuts time and body, `str.extract_all` + `explode`
tokenises the bodies (no Python loop per line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from wakescope.parsers.batterystats.codes import BATTERY_FIELDS, HUMAN_EVENT_ALIASES, STATE_VALUES
from wakescope.parsers.clock import Clock
from wakescope.parsers.redact import redact_sync, redact_text
from wakescope.parsers.uid import parse_uid

# Record line shapes, tested with `str.contains` (DFA, fast); fields are then cut with splitn.
# Polars regexes are Rust `regex`, where `\d` is any Unicode digit: patterns spell [0-9].
_LEGACY = r"^ +(?:0|[+-](?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?[0-9]+ms) \([0-9]+\)(?: |$)"
_V2 = r"^ +[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]{3}(?: |$)"
_DETAIL = r"^ +(?:Details: |/proc/stat=|Stats: |procstate: )"
_EXT_LINE = r"^ +ext="
_LEVEL = r"^[0-9]{3}(?: |$)"
_LEVEL_HEX = r"^[0-9]{3} [0-9a-f]{8}(?: |$)"
# One state token: `+running`, `brightness=dim`, `+job=u0a12:"com.x/.Svc"` (quoted strings
# may hold spaces and `: `; HistoryPrinter does not escape them).
# A token has a sign or a value; a bare word is no token (left over → unknown record).
_VALUE = r'=(?:-?\w+:"[^"]*"|[^\s"]*)'
_TOKEN = rf'[+-][^\s="]+(?:{_VALUE})?|[^\s="+-][^\s="]*{_VALUE}'

# Value fields that are device state, not battery (§4.3 table); everything else printed
# as `name=<int>` without a uid string is a battery field (AOSP: status … charge, rails;
# OEM: Samsung `current=`/`ap_temp=`…, Meizu `cputemp=`/`boardtemp=` between volt and charge).
_STATE_VALUE_NAMES = sorted(set(STATE_VALUES.values()))
_BATTERY_NAMES = sorted(set(BATTERY_FIELDS.values()) - {"level"})
_MARKER_NAMES = {"START": "start", "SHUTDOWN": "shutdown", "*OVERFLOW*": "overflow"}
# Events whose string names the uid's package (top app, app standby, uninstall).
_PACKAGE_EVENTS = ["top", "pkginactive", "pkgactive", "pkgunin"]
_PACKAGE_RE = r"^[A-Za-z][\w]*(?:\.[\w]+)+$"
# A record body that may hold one of those events (printed names, aliases included): the
# only bodies tokenised when the rows themselves are not wanted (`parse_history(rows=False)`).
_PACKAGE_BODY = (r"(?:^|\s)[+-]?(?:"
                 + "|".join(sorted(r for r, n in HUMAN_EVENT_ALIASES.items()
                                   if n in _PACKAGE_EVENTS)) + ")=")

# Lines longer than this are counted as unknown, not tokenised: split into items, a 4 MB
# line of ` +r` took ~630 MB. The longest real history line in the corpus is ~14 KB; the
# checkin history has the same cap (`checkin.MAX_HISTORY_LINE`).
MAX_LINE = 1 << 16

_OUT_COLS = ["seq", "offset_ms", "elapsed_ms", "time", "local_time", "battery_level", "kind",
             "transition", "name", "value", "tag", "uid"]


@dataclass
class HistoryResult:
    """History rows (without package/user columns) and what the summary needs from them."""

    frame: pl.DataFrame
    records: int = 0
    lines: int = 0
    unknown: int = 0
    start_level: int | None = None
    end_level: int | None = None
    start_local: datetime | None = None
    packages: list[tuple[int, str]] = field(default_factory=list)
    format: str = "legacy"


# formatDuration with a field width zero-pads every unit after the first (`+1h02m10s975ms`).
_PADDED = (r"^(?:0|[+-](?:[0-9]+d[0-9]{2}h[0-9]{2}m[0-9]{2}s[0-9]{3}"
           r"|[0-9]+h[0-9]{2}m[0-9]{2}s[0-9]{3}|[0-9]+m[0-9]{2}s[0-9]{3}|[0-9]+s[0-9]{3}"
           r"|[0-9]+)ms)$")


def _duration_ms(col: pl.Expr, padded: bool) -> pl.Expr:
    """`+1h02m10s975ms` / `0` (TimeUtils.formatDuration) → signed ms.

    Padded (the history column): the digits alone are `d…dhhmmssSSS`. Otherwise units are
    still contiguous, so one short extract per unit (faster in Polars than one regex with
    five optional groups)."""
    if padded:   # `v` is the `_digits` column (computed once; an expression would repeat)
        v = pl.col("_digits")
        total = (v % 1000 + v // 1000 % 100 * 1000 + v // 100_000 % 100 * 60_000
                 + v // 10_000_000 % 100 * 3_600_000 + v // 1_000_000_000 * 86_400_000)
    else:
        def unit(pattern: str, ms: int) -> pl.Expr:
            return col.str.extract(pattern).cast(pl.Int64, strict=False).fill_null(0) * ms

        total = (unit(r"([0-9]+)d", 86_400_000) + unit(r"([0-9]+)h", 3_600_000)
                 + unit(r"([0-9]+)m[0-9]", 60_000) + unit(r"([0-9]+)s[0-9]", 1000)
                 + unit(r"([0-9]+)ms$", 1))
    return pl.when(col.str.starts_with("-")).then(-total).otherwise(total)


def _wall(col: pl.Expr) -> pl.Expr:
    """`yyyy-MM-dd-HH-mm-ss` → naive Datetime(ms)."""
    return col.str.strptime(pl.Datetime("ms"), "%Y-%m-%d-%H-%M-%S", strict=False)


def parse_history(lines: list[str] | pl.Series, first_line: int, section: str,
                  clock: Clock | None, diagnostics, redact: bool,
                  year_hint: int | None = None, rows: bool = True) -> HistoryResult:
    """Parse the lines after the `Battery History (…)` header (the block only).

    With `rows=False` the block is read (records, unknown lines and their diagnostics,
    levels, start time, the packages its events name) but its rows are not built: the
    frame is empty. A bug report's checkin history replaces them (`merge`), and building
    them was the load's peak on long histories (issue 19 item 8)."""
    if len(lines) == 0:
        return HistoryResult(_empty())
    series = lines if isinstance(lines, pl.Series) else pl.Series("line", lines, pl.String)
    # The lines are cut into record columns chunk by chunk, so only one chunk's copies of
    # its text (line, body, rest) exist at a time (memory: issue 19 item 8).
    parts: list[pl.DataFrame] = []
    unknown_parts: list[pl.DataFrame] = []
    bad_parts: list[pl.DataFrame] = []
    own_parts: list[pl.DataFrame] = []
    anchor: str | None = None
    seq0 = 0
    v2 = False
    for start in range(0, len(series), CHUNK_LINES):
        chunk = _record_chunk(series.slice(start, CHUNK_LINES).alias("line"), start, anchor,
                              seq0, rows)
        recs_c, unknown_c, bad_c, own_c, anchor, seq0 = chunk
        v2 = v2 or bool(recs_c["is_v2"].any())  # a v2 record's `wall` is never null
        parts.append(recs_c)
        unknown_parts.append(unknown_c)
        bad_parts.append(bad_c)
        own_parts.append(own_c)
    del series
    unknown_lines = pl.concat(unknown_parts)
    recs = pl.concat(parts, how="vertical_relaxed")
    own_ext = pl.concat(own_parts)
    bad = pl.concat(bad_parts)
    del parts, unknown_parts, bad_parts, own_parts
    n_rec = seq0  # every record has a seq (`rows=False` keeps only some: `_record_chunk`)
    if n_rec == 0:
        _report_unknown(unknown_lines, first_line, section, diagnostics)
        return HistoryResult(_empty(), lines=len(lines), unknown=unknown_lines.height)

    n_unknown = unknown_lines.height + bad.height
    _report_unknown(unknown_lines, first_line, section, diagnostics)
    for i, line in zip(bad["i"].to_list(), bad["line"].to_list(), strict=True):
        diagnostics.unknown_line(section, line, first_line + i)
    if not rows:
        return _read_only(recs, n_rec, len(lines), n_unknown, v2)
    recs = _times(recs, v2, year_hint)
    recs = recs.with_columns(
        battery_level=pl.col("lvl").forward_fill(),
    )
    recs = recs.drop("t", "wall", strict=False)

    keep = ["seq", "offset_ms", "local_time", "battery_level"]
    # Level rows: the 3-digit level is in every update record; emit a row when it changes.
    # HistoryPrinter forgets the previous state at RESET and START, so (as in checkin,
    # which then prints `Bl=` again) the first update after either restates the level.
    after_restart = (
        pl.when(pl.col("reset") | (pl.col("cmd") == "START")).then(True)
        .when(pl.col("lvl").is_not_null()).then(False)
    ).forward_fill().shift(1).fill_null(True)
    recs = recs.with_columns(restated=after_restart)
    updates = recs.filter(pl.col("lvl").is_not_null()).select(*keep, "lvl", "restated", "main")
    level_rows = updates.filter(
        (pl.col("lvl") != pl.col("lvl").shift(1)).fill_null(True) | pl.col("restated")).select(
        *keep, kind=pl.lit("battery"), transition=pl.lit("set"), name=pl.lit("level"),
        value=pl.col("lvl").cast(pl.String), tag=pl.lit(None, pl.String),
        uid_text=pl.lit(None, pl.String), part=pl.lit(0), idx=pl.lit(0, pl.UInt32),
    )
    markers = recs.filter(pl.col("is_marker")).select(
        *keep, kind=pl.lit("marker"), transition=pl.lit("instant"),
        name=pl.when(pl.col("is_time") & pl.col("reset")).then(pl.lit("reset"))
        .when(pl.col("is_time")).then(pl.lit("time"))
        .otherwise(pl.col("cmd").replace_strict(_MARKER_NAMES, default=None)),
        value=pl.when(pl.col("is_time")).then(pl.col("date") + pl.col("msec").fill_null("")),
        tag=pl.lit(None, pl.String), uid_text=pl.lit(None, pl.String),
        part=pl.lit(0), idx=pl.lit(0, pl.UInt32),
    )
    levels = updates["lvl"]
    token_parts: list[pl.DataFrame] = []
    n_tokens = 0
    for n in range(0, max(updates.height, 1), CHUNK_LINES):
        token_parts.append(_tokens(updates.slice(n, CHUNK_LINES), keep, n_tokens))
        n_tokens += token_parts[-1].height
    tokens = pl.concat(token_parts)
    del token_parts, updates
    ext = _ext_rows(recs, own_ext, keep)
    # Only what the summary reads stays of the records; each part is freed once concatenated.
    recs = recs.filter(pl.col("is_time")).select("reset", "date")
    frame = pl.concat([level_rows, markers, tokens, ext], how="vertical_relaxed")
    del level_rows, markers, tokens, ext
    frame = frame.sort(["seq", "part", "idx"], maintain_order=True)
    # Event values are uids, except pkginst (version code) and an est_capacity without a
    # string (a capacity, 8.0–14); 15 builds print `est_capacity=<uid>:"<component>"`.
    not_uid = (pl.col("kind") == "event") & (
        (pl.col("name") == "pkginst")
        | ((pl.col("name") == "est_capacity") & (pl.col("tag").fill_null("") == "")))
    # uids repeat: parse each distinct text once; -1 (`-1:"screen"`) means no uid.
    texts = frame["uid_text"].drop_nulls().unique().to_list()
    uids = {t: u for t in texts if (u := parse_uid(t)) is not None and u >= 0}
    frame = frame.with_columns(
        uid=pl.when(not_uid).then(None).otherwise(
            pl.col("uid_text").replace_strict(uids, default=None, return_dtype=pl.Int64)),
    ).with_columns(
        value=pl.when(pl.col("kind") == "event").then(
            pl.when(not_uid).then(pl.col("uid_text"))).otherwise(pl.col("value")),
    )
    if redact:
        frame = _redact(frame)
    frame = _absolute(frame, clock)

    return HistoryResult(
        frame=frame.select(_OUT_COLS).rechunk(), records=n_rec,
        lines=len(lines), unknown=n_unknown,
        start_level=levels[0] if levels.len() else None,
        end_level=levels[-1] if levels.len() else None,
        start_local=_start_local(recs),
        packages=_packages(frame),
        format="v2" if v2 else "legacy",
    )


def _read_only(recs: pl.DataFrame, n_rec: int, n_lines: int, n_unknown: int,
               v2: bool) -> HistoryResult:
    """`parse_history(rows=False)`: what the rows would have told (levels, start time,
    packages) without building them. No times, level/marker rows, `ext=` rows, redaction
    (a package name holds no e-mail) or clock: only the bodies that can name a package
    are tokenised, with the same expressions as the full path (issue 17). `recs` holds
    only the records read here (`_record_chunk`); `n_rec` counts them all."""
    levels = recs["lvl"].drop_nulls()
    updates = recs.filter(pl.col("lvl").is_not_null() & pl.col("main").is_not_null())
    tokens = _tokens(updates.select("seq", "main"), ["seq"])
    texts = tokens["uid_text"].drop_nulls().unique().to_list()
    uids = {t: u for t in texts if (u := parse_uid(t)) is not None and u >= 0}
    tokens = tokens.with_columns(
        uid=pl.col("uid_text").replace_strict(uids, default=None, return_dtype=pl.Int64))
    return HistoryResult(
        frame=_empty(), records=n_rec, lines=n_lines, unknown=n_unknown,
        start_level=levels[0] if levels.len() else None,
        end_level=levels[-1] if levels.len() else None,
        start_local=_start_local(recs.filter(pl.col("is_time")).select("reset", "date")),
        packages=_packages(tokens),
        format="v2" if v2 else "legacy",
    )


def _start_local(times: pl.DataFrame) -> datetime | None:
    """The wall clock of the first RESET:TIME record, else of the first TIME record
    (`times`: reset, date of the TIME records)."""
    resets = times.filter(pl.col("reset"))
    if resets.height == 0:
        resets = times
    if resets.height:
        return resets.select(_wall(pl.col("date"))).item(0, 0)
    return None


def _packages(rows: pl.DataFrame) -> list[tuple[int, str]]:
    """(uid, package) named by `top`/`pkginactive`/… events, most mentioned first per uid."""
    pk = rows.filter(
        (pl.col("kind") == "event") & pl.col("name").is_in(_PACKAGE_EVENTS)
        & pl.col("uid").is_not_null() & pl.col("tag").str.contains(_PACKAGE_RE)
    ).group_by("uid", "tag").len().sort(["uid", "len", "tag"], descending=[False, True, False])
    return list(zip(pk["uid"].to_list(), pk["tag"].to_list(), strict=True))


# Lines cut into record columns per chunk: the chunk's text copies bound the peak.
CHUNK_LINES = 20_000


def _record_chunk(series: pl.Series, start: int, anchor0: str | None, seq0: int,
                  rows: bool = True) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame,
                                              pl.DataFrame, str | None, int]:
    """Lines [start, start + len) → (records without their text, unknown lines, bad
    records (i, line), own `ext=` lines (i, seq, text), anchor and seq carried on).
    `anchor0` is the last line kind (rec/detail) and `seq0` the records before the chunk.
    Without `rows`, only the records `_read_only` reads are kept, with only the bodies that
    can name a package, and no `ext=`."""
    df = series.to_frame().with_row_index("i", offset=start)
    line = pl.col("line")
    fits = line.str.len_bytes() <= MAX_LINE
    df = df.with_columns(
        is_legacy=line.str.contains(_LEGACY) & fits, is_v2=line.str.contains(_V2) & fits,
        is_detail=line.str.contains(_DETAIL) & fits, is_ext=line.str.contains(_EXT_LINE) & fits,
        is_blank=line.str.contains(r"^\s*$"), too_long=~fits,  # (no stripped copy)
    ).with_columns(is_rec=pl.col("is_legacy") | pl.col("is_v2"))
    # A line that is neither a record nor a detail continues the step detail above it
    # (raw newline inside /proc/stat's platform idle text); elsewhere it is unknown.
    kind = (
        pl.when(pl.col("is_rec")).then(pl.lit("rec"))
        .when(pl.col("is_detail")).then(pl.lit("detail"))
        .when(pl.col("is_ext")).then(pl.lit("rec"))
    ).forward_fill()
    if anchor0 is not None:
        kind = kind.fill_null(pl.lit(anchor0))
    df = df.with_columns(_kind=kind)
    prev = pl.col("_kind").shift(1)
    if anchor0 is not None:
        prev = pl.col("_kind").shift(1, fill_value=pl.lit(anchor0))
    df = df.with_columns(
        is_unknown_line=(~(pl.col("is_rec") | pl.col("is_detail") | pl.col("is_ext")
                           | pl.col("is_blank")) & (prev.fill_null("") != "detail"))
        | pl.col("too_long"),
        seq=(pl.col("is_rec").cast(pl.Int64).cum_sum() - 1 + seq0),
    )
    anchor1 = df["_kind"][-1] if df.height else anchor0
    seq1 = seq0 + int(df["is_rec"].sum())
    unknown_lines = df.filter(pl.col("is_unknown_line")).select("i", "line")
    own = df.filter(pl.col("is_ext")).select("i", "seq", text=pl.col("line").str.strip_chars())
    recs = df.filter(pl.col("is_rec")).select("i", "seq", "line", "is_v2")
    del df

    # legacy: `<time> (<n>) <body>`; v2: `<MM-dd HH:mm:ss.SSS> <body>` (18 characters).
    stripped = pl.col("line").str.strip_chars_start(" ")
    f = stripped.str.splitn(" ", 3)
    # Without rows, what only the rows need (time column, ms of TIME, `ext=`) is not cut.
    recs = recs.with_columns(
        **({"t": pl.when(~pl.col("is_v2")).then(f.struct.field("field_0"))} if rows else {}),
        wall=pl.when(pl.col("is_v2")).then(stripped.str.slice(0, 18)),
        body=pl.when(pl.col("is_v2")).then(stripped.str.slice(19))
        .otherwise(f.struct.field("field_2")).fill_null("").str.strip_chars_end(" "),
    )
    body = pl.col("body")
    recs = recs.with_columns(
        is_time=body.str.starts_with("TIME: ") | body.str.starts_with("RESET:TIME: "),
        reset=body.str.starts_with("RESET:"),
        cmd=pl.when(body.is_in(list(_MARKER_NAMES))).then(body),
        has_lvl=body.str.contains(_LEVEL), has_hex=body.str.contains(_LEVEL_HEX),
    ).with_columns(
        date=pl.when(pl.col("is_time")).then(
            body.str.extract(r"TIME: ([0-9]{4}(?:-[0-9]{2}){5})")),
        **({"msec": pl.when(pl.col("is_time")).then(
            body.str.extract(r"TIME: [0-9-]{19}(-[0-9]{3})$"))} if rows else {}),
        is_marker=pl.col("is_time") | pl.col("cmd").is_not_null(),
        lvl=pl.when(pl.col("has_lvl")).then(body.str.slice(0, 3).cast(pl.Int32, strict=False)),
        rest=pl.when(pl.col("has_hex")).then(body.str.slice(12))
        .when(pl.col("has_lvl")).then(body.str.slice(3)),
    )
    recs = recs.with_columns(is_time=pl.col("is_time") & pl.col("date").is_not_null())
    # Bodies: main tokens, then the 14+ `ext=` tail.
    recs = recs.with_columns(
        main=pl.col("rest").str.replace(r" ext=.*$", ""),
        ext=pl.col("rest").str.extract(r" (ext=.*)$") if rows else pl.lit(None, pl.String),
    ).with_columns(
        leftover=pl.col("main").str.replace_all(" " + _TOKEN, "").str.strip_chars(),
    )
    bad = recs.filter(
        (pl.col("lvl").is_null() & ~pl.col("is_marker")) | (pl.col("leftover") != "")
    ).select("i", "line")
    # The line and its cut-up copies are read; drop them so the filtered copies below
    # (updates, markers) do not carry them (memory: issue 19 item 8).
    recs = recs.drop("line", "body", "rest", "leftover")
    if not rows:
        # Only the records `_read_only` reads are kept, as every chunk's records stay until
        # the last chunk is cut (~35 MB for 500k lines; issue 19 item 8): TIME records,
        # level updates whose body can name a package, and the chunk's first and last
        # level update (the history's start and end levels).
        has_lvl = pl.col("lvl").is_not_null()
        n_lvl = has_lvl.cum_sum()
        recs = recs.select(
            "seq", "is_v2", "is_time", "reset", "date", "lvl",
            main=pl.when(pl.col("main").str.contains(_PACKAGE_BODY)).then(pl.col("main")),
        ).filter(pl.col("is_time") | has_lvl & (
            pl.col("main").is_not_null() | (n_lvl == 1) | (n_lvl == n_lvl.max())))
        own = own.clear()
    return recs, unknown_lines, bad, own, anchor1, seq1


def _times(recs: pl.DataFrame, v2: bool, year_hint: int | None) -> pl.DataFrame:
    """offset_ms and local_time per record, from the time column and TIME markers."""
    marker_local = _wall(pl.col("date"))
    if not v2:
        padded = bool(recs.select(pl.col("t").str.contains(_PADDED).all()).item())
        if padded:
            recs = recs.with_columns(
                _digits=pl.col("t").str.replace_all(r"[^0-9]", "").cast(pl.Int64, strict=False))
        recs = recs.with_columns(offset_ms=_duration_ms(pl.col("t"), padded))
        # local = wall clock of the last RESET:TIME/TIME record + time since it (the first
        # one for records before any; the time column can step back after TIME:, §7.4).
        recs = recs.with_columns(
            a_local=pl.when(pl.col("is_time")).then(marker_local),
            a_off=pl.when(pl.col("is_time")).then(pl.col("offset_ms")),
        ).with_columns(
            pl.col("a_local").forward_fill().backward_fill(),
            pl.col("a_off").forward_fill().backward_fill(),
        )
        return recs.with_columns(
            local_time=pl.col("a_local") + pl.duration(
                milliseconds=pl.col("offset_ms") - pl.col("a_off")),
        )
    # v2: the prefix is the record's own wall clock without a year. Take the year from the
    # first RESET:TIME/TIME record (or the capture), and add one whenever the month wraps.
    years = recs.filter(pl.col("is_time")).select(pl.col("date").str.slice(0, 4))
    year = int(years.item(0, 0)) if years.height else (year_hint or 1970)
    month = pl.col("wall").str.slice(0, 2).cast(pl.Int32, strict=False)
    prev = month.forward_fill().shift(1)
    wrap = ((month < prev - 6).fill_null(False)).cast(pl.Int32).cum_sum()
    recs = recs.with_columns(
        local_time=(
            (pl.lit(year) + wrap).cast(pl.String) + "-" + pl.col("wall")
        ).str.strptime(pl.Datetime("ms"), "%Y-%m-%d %H:%M:%S%.3f", strict=False),
    )
    recs = recs.with_columns(local_time=pl.col("local_time").forward_fill().backward_fill())
    first = recs["local_time"].drop_nulls()
    t0 = first[0] if first.len() else None
    return recs.with_columns(
        offset_ms=(pl.col("local_time") - pl.lit(t0)).dt.total_milliseconds()
        if t0 is not None else pl.lit(None, pl.Int64),
    )


def _tokens(updates: pl.DataFrame, keep: list[str], first: int = 0) -> pl.DataFrame:
    """Explode update bodies into one row per ` [+-]name[=value]` token and classify it;
    `first` is the number of tokens in the chunks before (token order)."""
    t = updates.select(*keep, tok=pl.col("main").str.extract_all(_TOKEN)).explode("tok")
    t = t.filter(pl.col("tok").is_not_null())
    # Global position keeps token order within a record after the final sort.
    t = t.with_columns(idx=pl.int_range(first, first + pl.len(), dtype=pl.UInt32))
    first = pl.col("tok").str.slice(0, 1)
    signed_tok = first.is_in(["+", "-"])
    kv = pl.when(signed_tok).then(pl.col("tok").str.slice(1)).otherwise(pl.col("tok")) \
        .str.splitn("=", 2)
    t = t.with_columns(sign=pl.when(signed_tok).then(first).otherwise(pl.lit("")),
                       raw=kv.struct.field("field_0"), val=kv.struct.field("field_1"))
    # `<uid>:"<string>"` values (events, wake_lock, wake_reason).
    is_tagged = pl.col("val").str.ends_with('"') & pl.col("val").str.contains(':"', literal=True)
    q = pl.col("val").str.splitn(':"', 2)
    t = t.with_columns(
        uid_text=pl.when(is_tagged).then(q.struct.field("field_0")),
        tag=pl.when(is_tagged).then(q.struct.field("field_1").str.strip_suffix('"')),
    )
    name = pl.col("raw").replace(HUMAN_EVENT_ALIASES)
    tagged = pl.col("tag").is_not_null()
    signed = pl.col("sign") != ""
    has_val = pl.col("val").is_not_null()
    kind = (
        pl.when(pl.col("raw") == "wake_lock").then(pl.lit("wakelock"))
        .when(pl.col("raw") == "wake_reason").then(pl.lit("wake_reason"))
        .when(tagged).then(pl.lit("event"))
        .when(~has_val).then(pl.lit("state"))
        .when(pl.col("raw").is_in(_STATE_VALUE_NAMES)).then(pl.lit("value"))
        .when(pl.col("raw").is_in(_BATTERY_NAMES)
              | pl.col("val").str.contains(r"^-?[0-9]+(?:\.[0-9]+)?$")).then(pl.lit("battery"))
        .otherwise(pl.lit("value"))
    )
    transition = (
        pl.when(pl.col("sign") == "+").then(pl.lit("start"))
        .when(pl.col("sign") == "-").then(pl.lit("stop"))
        .when(pl.col("raw") == "wake_reason").then(pl.lit("instant"))
        .when(tagged & (pl.col("raw") != "wake_lock")).then(pl.lit("instant"))
        .otherwise(pl.lit("set"))
    )
    value = (
        pl.when(tagged).then(pl.col("uid_text"))
        .when(has_val).then(pl.col("val"))
    )
    return t.select(
        *keep, kind=kind, transition=transition,
        name=pl.when(signed | tagged).then(name).otherwise(pl.col("raw")),
        value=pl.when(pl.col("raw").is_in(["wake_lock", "wake_reason"]) & tagged)
        .then(pl.lit(None, pl.String)).otherwise(value),
        tag="tag", uid_text="uid_text", part=pl.lit(1), idx="idx",
    )


def _ext_rows(recs: pl.DataFrame, own: pl.DataFrame, keep: list[str]) -> pl.DataFrame:
    """14+ history extensions: `ext=energy:<name>=<µC> …`, `ext=cpu:<uid>: <ms>, …`,
    `ext=cpu-bracket:<i>:<description>`; inline or on their own indented lines (`own`: i,
    seq, text)."""
    inline = recs.filter(pl.col("ext").is_not_null()).select(
        *keep, "i", text=pl.col("ext"))
    if inline.height == 0 and own.height == 0:
        return _empty_parts(keep)
    own = own.join(recs.select(keep), on="seq", how="left").select(*keep, "i", "text")
    e = pl.concat([inline, own], how="vertical_relaxed")
    e = e.with_columns(text=pl.col("text").str.split(" ext=")).explode("text").with_columns(
        text=pl.col("text").str.strip_prefix("ext=").str.strip_chars())
    g = pl.col("text").str.extract_groups(r"^(?P<kind>[\w-]+):(?P<payload>.*)$")
    e = e.with_columns(ek=g.struct.field("kind"), payload=g.struct.field("payload"))
    energy = e.filter(pl.col("ek") == "energy").with_columns(
        payload=pl.col("payload").str.split(" ")).explode("payload").filter(
        pl.col("payload") != "")
    en = pl.col("payload").str.extract_groups(r"^(?P<n>[^=]+)=(?P<v>.*)$")
    energy = energy.select(
        *keep, kind=pl.lit("energy"), transition=pl.lit("set"), name=en.struct.field("n"),
        value=en.struct.field("v"), tag=pl.lit(None, pl.String),
        uid_text=pl.lit(None, pl.String), part=pl.lit(2), idx=pl.col("i").cast(pl.UInt32))
    cu = pl.col("payload").str.extract_groups(r"^(?P<u>-?\w+): (?P<v>.*)$")
    cpu = e.filter(pl.col("ek") == "cpu").select(
        *keep, kind=pl.lit("cpu"), transition=pl.lit("set"), name=pl.lit("cpu"),
        value=cu.struct.field("v").str.replace_all(" ", ""), tag=pl.lit(None, pl.String),
        uid_text=cu.struct.field("u"), part=pl.lit(2), idx=pl.col("i").cast(pl.UInt32))
    br = pl.col("payload").str.extract_groups(r"^(?P<n>[0-9]+):(?P<d>.*)$")
    bracket = e.filter(pl.col("ek") == "cpu-bracket").select(
        *keep, kind=pl.lit("cpu"), transition=pl.lit("set"), name=pl.lit("bracket"),
        value=br.struct.field("n"), tag=br.struct.field("d"),
        uid_text=pl.lit(None, pl.String), part=pl.lit(2), idx=pl.col("i").cast(pl.UInt32))
    return pl.concat([bracket, energy, cpu], how="vertical_relaxed")


def _empty_parts(keep: list[str]) -> pl.DataFrame:
    schema = {"seq": pl.Int64, "offset_ms": pl.Int64, "local_time": pl.Datetime("ms"),
              "battery_level": pl.Int32, "kind": pl.String, "transition": pl.String,
              "name": pl.String, "value": pl.String, "tag": pl.String, "uid_text": pl.String,
              "part": pl.Int32, "idx": pl.UInt32}
    return pl.DataFrame(schema={k: schema[k] for k in [*keep, *list(schema)[4:]]})


def _redact(rows: pl.DataFrame) -> pl.DataFrame:
    """As the checkin history: sync strings, SyncManager jobs and `*job*/`/`*sync*/` tags
    lose the account; every other string only its e-mail addresses. Tags repeat, so each
    distinct tag is redacted once and mapped back."""
    tag = pl.col("tag")
    sync_like = (pl.col("name").is_in(["sync", "job"]) | tag.str.starts_with("*job*/")
                 | tag.str.starts_with("*sync*/"))
    pairs = rows.select(sync=sync_like, tag=tag).filter(tag.is_not_null()).unique()
    maps: dict[bool, dict[str, str]] = {True: {}, False: {}}
    for sync, text in pairs.iter_rows():
        new = redact_sync(text) if sync else redact_text(text)
        if new != text:
            maps[bool(sync)][text] = new
    if not maps[True] and not maps[False]:
        return rows
    return rows.with_columns(tag=pl.when(sync_like).then(tag.replace(maps[True]))
                             .otherwise(tag.replace(maps[False])))


def _absolute(rows: pl.DataFrame, clock: Clock | None) -> pl.DataFrame:
    """UTC time from the device-local time and the capture's UTC offset; elapsed via clock."""
    if clock is None or clock.utc_offset_min is None:
        return rows.with_columns(
            time=pl.lit(None, pl.Datetime("ms", "UTC")), elapsed_ms=pl.lit(None, pl.Int64))
    utc = (pl.col("local_time") - pl.duration(minutes=clock.utc_offset_min)).dt.replace_time_zone(
        "UTC")
    rows = rows.with_columns(time=utc)
    elapsed = clock.anchor_elapsed_ms + (
        pl.col("time").dt.epoch("ms") - clock.anchor_utc_ms)
    return rows.with_columns(
        elapsed_ms=pl.when(elapsed >= 0).then(elapsed).otherwise(None).cast(pl.Int64))


def _report_unknown(frame: pl.DataFrame, first_line: int, section: str, diagnostics) -> None:
    if frame.height:
        for i, line in zip(frame["i"].to_list(), frame["line"].to_list(), strict=True):
            diagnostics.unknown_line(section, line, first_line + i)


def _empty() -> pl.DataFrame:
    from wakescope.parsers.batterystats.schema import HISTORY

    return HISTORY.empty().select(_OUT_COLS)
