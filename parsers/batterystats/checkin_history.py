"""Checkin battery history (`9,hsp,…` string pool + `9,h,…` records) → batterystats_history.

Encoding: AOSP `BatteryStats.HistoryPrinter.printNextItem(checkin=true)` (formats.md §4.5).
Each record is `9,h,<signed delta ms>[,items]` or `9,h,<delta>:<COMMAND>`; items are battery
fields (`Bl=`…), state bits (`+r`/`-r`), state values (`Pcn=lte`), `w=`/`+w=` wakelock tags,
`wr=` wake reasons and one event (`+Ejb=<pool idx>`), all resolved against the `hsp` pool.
Step details (`9,h,0,Dcpu=`/`Dpst=`) and 14+ CPU bracket lines (`9,h,0,XB,…`) are separate
lines that are not records. Everything here is vectorised: 60k records in a few ms.
"""

from __future__ import annotations

import polars as pl

from wakescope.parsers.batterystats import codes
from wakescope.parsers.redact import redact_email_expr, redact_sync_expr
from wakescope.parsers.uid import uid_expr

_POOL_RE = r'^9,hsp,(\d+),(-?\d+),"(.*)"$'
_REC_RE = r"^9,h,(-?\d+)([,:]?)(.*)$"
_ITEM_RE = r"^([+-]?)([A-Za-z]+[0-9]*)(?:=(.*))?$"
# 16 pool-overflow inline values: `<formatUid>:"<string with "" for ">"` (formats.md §4.5).
_INLINE_RE = r'^([^:"]*):"((?:[^"]|"")*)"$'
# Items of a line holding quoted inline strings: commas inside quotes do not split.
_QUOTED_ITEM_RE = r'(?:[^,"]|"(?:[^"]|"")*")+'
_MARKER = "\x01"

# code → kind, for items without a value (`+r`) and with one (`Bl=90`, `+Ejb=3`).
_KIND_NOVAL = {c: codes.history_kind(c, False) for c in codes.STATE_BITS}
_KIND_VAL = {
    c: codes.history_kind(c, True)
    for c in (*codes.BATTERY_FIELDS, *codes.STATE_VALUES, *codes.TAG_ITEMS, *codes.EVENT_NAMES)
}
_LONG = {c: codes.history_long_name(c) for c in (*_KIND_NOVAL, *_KIND_VAL)}
_VALUE_NAMES = {
    f"{code}\x00{short}": long
    for table in (codes.BATTERY_VALUE_NAMES, codes.STATE_VALUE_NAMES)
    for code, names in table.items()
    for short, long in names.items()
}


def read_pool(lines: pl.DataFrame, redact: bool) -> pl.DataFrame:
    """`9,hsp,<idx>,<uid>,"<string>"` lines → idx, pool_uid, pool_str (`\\` escapes undone)."""
    g = lines.select(pl.col("text").str.extract_groups(_POOL_RE).alias("g")).unnest("g")
    pool = g.select(
        # strict=False: an index or uid beyond Int64 (corrupt input) becomes null, not an error.
        pl.col("1").cast(pl.Int64, strict=False).alias("idx"),
        pl.col("2").cast(pl.Int64, strict=False).alias("pool_uid"),
        pl.col("3").str.replace_all(r"\\(.)", "$1").alias("pool_str"),
    ).filter(pl.col("idx").is_not_null())
    if redact:
        pool = pool.with_columns(redact_email_expr(pl.col("pool_str")).alias("pool_str"))
    return pool.unique("idx", keep="last", maintain_order=True)


def _split_items(recs: pl.DataFrame) -> pl.DataFrame:
    """One row per item, in line order; lines with inline quoted strings split quote-aware."""
    has_quote = pl.col("src").str.contains('"', literal=True)
    quoted = recs.filter(has_quote)
    # Meizu 7.1.1 prints OEM battery fields inside the Bt item (`Bt=310 cputemp=0 boardtemp=0`):
    # outside quotes a space separates items just like a comma.
    plain = recs.filter(~has_quote).with_columns(
        pl.col("src").str.replace_all(" ", ",", literal=True).str.split(",").alias("item"))
    if quoted.height:
        quoted = quoted.with_columns(pl.col("src").str.extract_all(_QUOTED_ITEM_RE).alias("item"))
        plain = pl.concat([plain, quoted]).sort("i")
    return plain.drop("src").explode("item").filter(
        pl.col("item").is_not_null() & (pl.col("item") != "")
    )


def _extensions(items: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """14+ `XE,<consumer>=<µC>…` and `XC,<uid>,<ms>…` items → energy / cpu rows (one per XC)."""
    mode = (
        pl.when(pl.col("item") == "XE").then(pl.lit("XE"))
        .when(pl.col("item") == "XC").then(pl.lit("XC"))
    )
    items = items.with_columns(mode.alias("_mode")).with_columns(
        pl.col("_mode").forward_fill().over("i").alias("_mode"))
    energy = items.filter((pl.col("_mode") == "XE") & (pl.col("item") != "XE")).with_columns(
        pl.lit("energy").alias("kind"), pl.lit("set").alias("transition"),
        pl.col("item").str.extract(r"^(.*)=").alias("name"),
        pl.col("item").str.extract(r"=(.*)$").alias("value"),
    )
    cpu_items = items.filter((pl.col("_mode") == "XC") & (pl.col("item") != "XC"))
    cpu = cpu_items.group_by("i", maintain_order=True).agg(
        pl.col("seq").first(), pl.col("offset_ms").first(),
        pl.col("item").first().cast(pl.Int64, strict=False).alias("uid"),
        pl.col("item").slice(1).str.join(",").alias("value"),
    ).with_columns(pl.lit("cpu").alias("kind"), pl.lit("cpu").alias("name"),
                   pl.lit("instant").alias("transition"))
    rest = items.filter(pl.col("_mode").is_null())
    ext = pl.concat([energy.drop("item", "_mode"), cpu], how="diagonal_relaxed")
    return rest.drop("_mode"), ext


# History lines decoded per chunk: the items of a chunk (several string columns per item)
# are what peaks, so a chunk bounds that peak whatever the history's length (issue 19 item 8).
CHUNK_LINES = 20_000


def parse_history(lines: pl.DataFrame, pool: pl.DataFrame, *, redact: bool,
                  utc_offset_min: int | None, elapsed_minus_utc: int | None,
                  ) -> tuple[pl.DataFrame, list[int], int]:
    """`9,h,` lines (columns `i` line index, `text`) → (history rows, unknown line indexes,
    record count). Rows carry seq/offset/time/battery_level; uid columns are filled later.
    Decoded in chunks of `CHUNK_LINES` lines; the delta sum and record count carry over."""
    parts: list[pl.DataFrame] = []
    unknown: set[int] = set()
    offset = seq = n_records = 0
    if redact:
        # Each string's two redacted forms (`_item_rows` picks one per item), made once on
        # the pool's few hundred rows, not on every item that names the string.
        pool = pool.with_columns(pool_sync=redact_sync_expr(pl.col("pool_str")),
                                 pool_email=redact_email_expr(pl.col("pool_str")))
    for start in range(0, max(lines.height, 1), CHUNK_LINES):
        part, bad, offset, seq, n = _parse_chunk(lines.slice(start, CHUNK_LINES), pool,
                                                 redact, offset, seq)
        parts.append(part)
        unknown.update(bad)
        n_records += n
    # One contiguous frame, as before chunking: sums over it add in the same order.
    out = parts[0] if len(parts) == 1 else _concat_by_column(parts)
    del parts
    return _clock_columns(out, utc_offset_min, elapsed_minus_utc), sorted(unknown), n_records


def _concat_by_column(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """`pl.concat(parts, how="vertical_relaxed", rechunk=True)`, one column at a time, each
    dropped from the parts once copied: the parts and their contiguous copy are never whole
    at once (the history's rows twice, ~90 MB for 500k lines; issue 19 item 8). Empties
    `parts`."""
    columns: list[pl.DataFrame] = []
    for name in parts[0].columns:
        columns.append(pl.concat([p.select(name) for p in parts], how="vertical_relaxed",
                                 rechunk=True))
        parts[:] = [p.drop(name) for p in parts]
    parts.clear()
    return pl.concat(columns, how="horizontal")


def _parse_chunk(lines: pl.DataFrame, pool: pl.DataFrame, redact: bool, offset0: int,
                 seq0: int) -> tuple[pl.DataFrame, list[int], int, int, int]:
    """One chunk of `9,h,` lines → (rows, unknown line indexes, offset and seq carried to
    the next chunk, record count); `offset0`/`seq0` continue the chunks before."""
    g = lines.with_columns(pl.col("text").str.extract_groups(_REC_RE).alias("g")).unnest("g")
    g = g.rename({"1": "delta", "2": "sep", "3": "body"}).with_columns(
        pl.col("delta").cast(pl.Int64, strict=False))
    bad = g.filter(pl.col("delta").is_null())["i"].to_list()
    g = g.filter(pl.col("delta").is_not_null()).drop("text")
    body = pl.col("body")
    is_cmd = pl.col("sep") == ":"
    sep = pl.col("sep") == ","
    detail = sep & (body.str.starts_with("Dcpu=") | body.str.starts_with("Dpst="))
    xb = (pl.col("sep") == ",") & body.str.starts_with("XB,")
    # A 14+ XC item printed on its own `9,h,0,XC,…` line belongs to the record before it.
    xc_cont = (pl.col("sep") == ",") & body.str.starts_with("XC,") & (pl.col("delta") == 0)
    g = g.with_columns(
        (~(detail | xb | xc_cont)).alias("is_record"),
        (pl.col("delta").cum_sum() + offset0).alias("offset_ms"),
        pl.when(is_cmd).then(pl.lit(_MARKER) + body)
        .when(detail | xb).then(pl.lit(None, pl.String))
        .otherwise(body).alias("src"),
    )
    g = g.with_columns((pl.col("is_record").cast(pl.Int64).cum_sum() - 1 + seq0).alias("seq"))
    n_records = int(g["is_record"].sum())
    offset1 = int(g["offset_ms"][-1]) if g.height else offset0
    items = _split_items(g.select("i", "seq", "offset_ms", "src"))
    del g  # the lines and their bodies: freed before the items are classified (issue 19)
    out, unknown = _item_rows(items, pool, redact)
    return out, bad + unknown, offset1, seq0 + n_records, n_records


def _item_rows(items: pl.DataFrame, pool: pl.DataFrame, redact: bool,
               ) -> tuple[pl.DataFrame, list[int]]:
    """One row per item → classified history rows (no clock columns) and unknown lines."""
    ext = None
    if items["item"].is_in(["XE", "XC"]).any():
        items, ext = _extensions(items)

    it = pl.col("item")
    parts = it.str.extract_groups(_ITEM_RE)
    items = items.with_columns(parts.alias("p")).unnest("p").rename(
        {"1": "sign", "2": "code", "3": "raw"})
    has_val = pl.col("raw").is_not_null()
    code = pl.col("code")
    sign = pl.col("sign")
    is_marker = it.str.starts_with(_MARKER)
    marker_cmd = it.str.extract(r"^\x01((?:RESET:)?TIME|START|SHUTDOWN|\*OVERFLOW\*)(?::|$)")
    kind = (
        pl.when(is_marker).then(pl.when(marker_cmd.is_not_null()).then(pl.lit("marker")))
        .when(has_val).then(code.replace_strict(_KIND_VAL, default=None, return_dtype=pl.String))
        .otherwise(code.replace_strict(_KIND_NOVAL, default=None, return_dtype=pl.String))
    )
    # Out-of-range event indexes print as `Ev<n>` (human `event<n>`).
    kind = pl.when(code.str.contains(r"^Ev\d+$") & has_val).then(pl.lit("event")).otherwise(kind)
    # OEM battery fields (`cputemp=0`, Samsung `ap_temp=41`): long lowercase names, integers.
    oem = (kind.is_null() & has_val & code.str.contains(r"^[a-z][a-z_]{3,}$")
           & pl.col("raw").str.contains(r"^-?\d+$"))
    kind = pl.when(oem).then(pl.lit("battery")).otherwise(kind)
    items = items.with_columns(kind.alias("kind"), marker_cmd.alias("_cmd"))
    # Sign rules: battery fields and value fields never carry one; state bits always do.
    k = pl.col("kind")
    sign_ok = (
        pl.when(k.is_in(["battery", "value", "wake_reason"])).then(sign == "")
        .when(k == "state").then(sign != "")
        .otherwise(True)
    )
    items = items.with_columns(pl.when(sign_ok).then(k).alias("kind"))
    unknown = items.filter(pl.col("kind").is_null())["i"].unique().to_list()
    items = items.filter(pl.col("kind").is_not_null())

    name = (
        pl.when(k == "marker").then(pl.col("_cmd").replace_strict(
            codes.MARKERS, default=None, return_dtype=pl.String))
        .when(code.str.contains(r"^Ev\d+$")).then(pl.lit("event") + code.str.slice(2))
        .otherwise(code.replace_strict(_LONG, default=code, return_dtype=pl.String))
    )
    transition = (
        pl.when(k.is_in(["battery", "value"])).then(pl.lit("set"))
        .when(k.is_in(["marker", "wake_reason"])).then(pl.lit("instant"))
        .when(sign == "+").then(pl.lit("start"))
        .when(sign == "-").then(pl.lit("stop"))
        .when(k == "wakelock").then(pl.lit("set"))
        .otherwise(pl.lit("instant"))
    )
    raw = pl.col("raw")
    is_ref = k.is_in(["wakelock", "wake_reason", "event"]) & has_val
    items = items.with_columns(
        name.alias("name"), transition.alias("transition"),
        pl.when(is_ref).then(raw.str.extract(r"^(\d+)$").cast(pl.Int64, strict=False))
        .alias("idx"),
        pl.when(is_ref).then(raw.str.extract_groups(_INLINE_RE)).alias("inl"),
        pl.when(k == "marker").then(it.str.extract(r":(-?\d+)$")).alias("_epoch"),
    ).unnest("inl").rename({"1": "inl_uid", "2": "inl_str"})
    items = items.join(pool, on="idx", how="left", maintain_order="left")

    value_long = pl.concat_str([code, raw], separator="\x00").replace_strict(
        _VALUE_NAMES, default=raw, return_dtype=pl.String)
    not_uid = pl.col("name").is_in(list(codes.EVENTS_VALUE_NOT_UID)) & (
        (pl.col("name") == "pkginst") | (pl.col("pool_str").fill_null("") == ""))
    pool_uid = pl.when(pl.col("pool_uid") >= 0).then(pl.col("pool_uid"))
    # Inline strings (16+ pool overflow) are rare: their uid and redaction run only if any.
    inline = bool(items["inl_str"].is_not_null().any())
    inl_uid = uid_expr(pl.col("inl_uid")) if inline else pl.lit(None, pl.Int64)
    inl_str = pl.col("inl_str").str.replace_all('""', '"', literal=True)
    tag = pl.coalesce(pl.col("pool_str"), inl_str)
    if redact:
        # Sync names (and SyncManager jobs / their `*job*/`, `*sync*/` wakelocks) lose the
        # account part; every other string only its e-mail addresses (a pool string's
        # forms were made on the pool, `parse_history`).
        sync_like = pl.col("name").is_in(["sync", "job"]) | tag.str.starts_with("*job*/") \
            | tag.str.starts_with("*sync*/")
        sync_tag, email_tag = pl.col("pool_sync"), pl.col("pool_email")
        if inline:
            sync_tag = pl.coalesce(sync_tag, redact_sync_expr(inl_str))
            email_tag = pl.coalesce(email_tag, redact_email_expr(inl_str))
        tag = pl.when(sync_like).then(sync_tag).otherwise(email_tag)
    items = items.with_columns(
        pl.when(k == "marker").then(pl.col("_epoch"))
        .when(is_ref & not_uid).then(pl.coalesce(pl.col("pool_uid").cast(pl.String),
                                                 pl.col("inl_uid")))
        .when(is_ref).then(None)
        .otherwise(value_long).alias("value"),
        pl.when(is_ref & ~not_uid).then(pl.coalesce(pool_uid, inl_uid)).alias("uid"),
        pl.when(is_ref).then(tag).alias("tag"),
    )
    cols = ["i", "seq", "offset_ms", "kind", "transition", "name", "value", "tag", "uid"]
    out = items.select(cols)
    if ext is not None and ext.height:
        out = pl.concat([out, ext.select([c for c in cols if c in ext.columns])],
                        how="diagonal_relaxed").sort("i", maintain_order=True)

    return out, unknown


def _clock_columns(out: pl.DataFrame, utc_offset_min: int | None,
                   elapsed_minus_utc: int | None) -> pl.DataFrame:
    """Battery level carried forward; wall clock from the latest TIME / RESET:TIME anchor."""
    is_anchor = (pl.col("kind") == "marker") & pl.col("name").is_in(["time", "reset"])
    out = out.with_columns(
        pl.when(pl.col("name") == "level").then(pl.col("value").cast(pl.Int32, strict=False))
        .forward_fill().alias("battery_level"),
        (pl.when(is_anchor).then(pl.col("value").cast(pl.Int64, strict=False)
                                 - pl.col("offset_ms")).forward_fill()
         + pl.col("offset_ms")).alias("_utc"),
    )
    extra = [pl.from_epoch("_utc", time_unit="ms").dt.replace_time_zone("UTC").alias("time")]
    if utc_offset_min is not None:
        extra.append(pl.from_epoch(pl.col("_utc") + utc_offset_min * 60_000, time_unit="ms")
                     .alias("local_time"))
    if elapsed_minus_utc is not None:
        # Elapsed realtime counts from this boot: earlier instants (previous boots, or a
        # wall clock not yet set, e.g. `TIME:8039331020` after START in the 10 corpus) → null.
        elapsed = pl.col("_utc") + elapsed_minus_utc
        extra.append(pl.when(elapsed >= 0).then(elapsed).alias("elapsed_ms"))
    return out.with_columns(extra).drop("_utc")
