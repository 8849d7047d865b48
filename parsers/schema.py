"""Table schemas declared once in code: column names, Polars types and a line of docs."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

UTC_MS = pl.Datetime("ms", "UTC")
LOCAL_MS = pl.Datetime("ms")
# Datetimes a table may hold: years 1000–8999. Corrupt dumps give Polars-valid instants far
# outside Python's datetime (years 1–9999), which then fail in `.rows()`, reports and JSON.
_SAFE_MS = (-30_610_224_000_000, 221_845_392_000_000)
_UNIT_PER_MS = {"ms": 1, "us": 1_000, "ns": 1_000_000}
# Tables shorter than this are conformed with no Polars plan (`TableSchema.conform`).
_SMALL_ROWS = 20_000


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    dtype: pl.DataType
    doc: str = ""


@dataclass(frozen=True, slots=True)
class TableSchema:
    """One table: its name, what a row is, and its columns in order."""

    name: str
    doc: str
    columns: tuple[Column, ...]

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return {c.name: c.dtype for c in self.columns}

    def empty(self) -> pl.DataFrame:
        """A frame with no rows and this schema (made once per schema, then cloned)."""
        frame = _EMPTY.get(self)
        if frame is None:
            frame = _EMPTY[self] = pl.DataFrame(schema=self.schema)
        return frame.clone()

    def frame(self, rows: list[dict] | dict[str, list]) -> pl.DataFrame:
        """Build a frame from row dicts or column lists, conformed to this schema."""
        if isinstance(rows, dict):
            df = pl.DataFrame(rows, schema_overrides=None, strict=False)
        elif not rows:
            return self.empty()
        else:
            df = pl.DataFrame(rows, infer_schema_length=None, strict=False)
        return self.conform(df)

    def from_rows(self, rows: list[dict]) -> pl.DataFrame:
        """Row dicts → this schema's frame, column by column: declared columns only, no type
        inference (the Samsung 15 jobscheduler dump yields ~1,800 settings and quota rows,
        where inferring from dicts dominates). Time columns hold UTC epoch ms (int) or naive
        datetimes. `frame` instead infers, conforms and keeps extra columns."""
        if not rows:
            return self.empty()
        series: list[pl.Series | None] = []
        joined: list[tuple[int, pl.Series, list[bool]]] = []  # List(String) columns as text
        for col in self.columns:
            values = [r.get(col.name) for r in rows]
            dtype = col.dtype
            if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
                s = pl.Series(col.name, values, dtype=pl.Int64, strict=False).cast(dtype)
            elif dtype == _STRING_LIST and all(v is None for v in values):
                s = _nulls(col.name, dtype, len(values))  # no list at all: no split either
            elif dtype == _STRING_LIST and (text := _join_lists(col.name, values)) is not None:
                joined.append((len(series), *text))
                s = None  # split below, with the table's other list columns
            else:
                s = pl.Series(col.name, values, dtype=dtype, strict=False)
            series.append(s)
        if joined:
            # One plan splits every list column (~0.2 ms a plan: one per column was most of
            # the jobs table's build).
            split = pl.DataFrame([text for _, text, _ in joined]).select(pl.all().str.split(_SEP))
            for (i, _, empty), s in zip(joined, split.get_columns(), strict=True):
                series[i] = _with_empty_lists(s, empty)
        return pl.DataFrame(series)

    def conform(self, df: pl.DataFrame) -> pl.DataFrame:
        """Columns in declared order and type; missing ones null, extra ones kept at the end.
        A frame that already is so (and whose datetimes are in range) is returned as is.

        Casts are made on Series, only where the type differs: a cast and range
        expression per column in one plan cost ~0.3-5 ms a table of 10-44 columns, most
        of this step on small tables (issue 17). Small tables are then built from their
        Series with no plan at all; large ones by one plain projection, which keeps a
        constant or null column one value where a Series writes it out row by row (the
        `source` column: 11 MB in a 735k-row history)."""
        if self._conformed(df):
            return df
        have = df.schema
        small = df.height < _SMALL_ROWS
        cols: list[str | pl.Expr | pl.Series] = []
        for c in self.columns:
            if c.name not in have:
                cols.append(_nulls(c.name, c.dtype, df.height) if small
                            else pl.lit(None, dtype=c.dtype).alias(c.name))
            elif have[c.name] != c.dtype or isinstance(c.dtype, pl.Datetime) or small:
                s = df.get_column(c.name)
                if have[c.name] != c.dtype:
                    s = s.cast(c.dtype, strict=False)
                cols.append(_in_range(s, c.dtype))
            else:
                cols.append(c.name)
        declared = {c.name for c in self.columns}
        extra = [n for n in df.columns if n not in declared]
        if small:
            return pl.DataFrame([*cols, *(df.get_column(n) for n in extra)])
        return df.select(cols + extra)

    def _conformed(self, df: pl.DataFrame) -> bool:
        """Whether `conform` would return `df` unchanged: the declared columns lead, in
        order and type, and no datetime is out of range. Tables are conformed at parse,
        analysis and write; this check spares the later plans (issue 17)."""
        declared = self.columns
        if df.width < len(declared):
            return False
        have = df.schema
        names = df.columns
        for i, c in enumerate(declared):
            if names[i] != c.name or have[c.name] != c.dtype:
                return False
        return all(_safe(df.get_column(c.name), c.dtype) for c in declared
                   if isinstance(c.dtype, pl.Datetime))

    def markdown(self) -> str:
        lines = [f"### `{self.name}`", "", self.doc, "", "| column | type | meaning |",
                 "|---|---|---|"]
        lines += [f"| `{c.name}` | `{c.dtype}` | {c.doc} |" for c in self.columns]
        return "\n".join(lines) + "\n"


# Empty frames by schema (`TableSchema.empty`): ~0.15 ms each to build, ~100 per capture.
_EMPTY: dict[TableSchema, pl.DataFrame] = {}
_STRING_LIST = pl.List(pl.String)
# Joins a row's strings so Polars splits them in one pass: building a List(String) Series
# from Python lists makes one Series per row (~1 ms per column of 136 jobs, issue 17).
_SEP = "\x1f"


def _join_lists(name: str, values: list) -> tuple[pl.Series, list[bool]] | None:
    """Lists of str (or None) → (their joined text as a String Series, which rows hold an
    empty list), for one split into a List(String) column; None when a value is anything
    else or holds the separator (the caller then builds the column row by row)."""
    texts: list[str | None] = []
    empty: list[bool] = []
    for v in values:
        if v is None:
            texts.append(None)
            empty.append(False)
        elif type(v) is list and all(type(x) is str and _SEP not in x for x in v):
            texts.append(_SEP.join(v) if v else None)
            empty.append(not v)
        else:
            return None
    return pl.Series(name, texts, pl.String), empty


def _with_empty_lists(split: pl.Series, empty: list[bool]) -> pl.Series:
    """The split column with empty lists where the mask says so (a Series op: no plan)."""
    if not any(empty):
        return split
    none = pl.Series(split.name, [[]], _STRING_LIST).new_from_index(0, len(split))
    return none.zip_with(pl.Series(empty), split)


def _safe(s: pl.Series, dtype: pl.Datetime) -> bool:
    """Whether every instant of `s` (of type `dtype`) lies within `_SAFE_MS`: its physical
    values are epochs in the type's own unit, so min and max tell without a plan."""
    _, low, high = _epoch_range(dtype)
    phys = s.cast(pl.Int64)  # a direct cast; `to_physical` would run a plan
    lo, hi = phys.min(), phys.max()
    return (lo is None or lo >= low) and (hi is None or hi <= high)


def _nulls(name: str, dtype: pl.DataType, height: int) -> pl.Series:
    """A column of `height` nulls (repeated from one, without a plan or a Python list)."""
    one = pl.Series(name, [None], dtype=dtype)
    return one.new_from_index(0, height) if height else one.clear()


def _in_range(s: pl.Series, dtype: pl.DataType) -> pl.Series:
    """A Datetime column with instants outside `_SAFE_MS` nulled (other types unchanged)."""
    if not isinstance(dtype, pl.Datetime) or _safe(s, dtype):
        return s
    unit, low, high = _epoch_range(dtype)
    return s.to_frame().select(
        pl.when(pl.col(s.name).dt.epoch(unit).is_between(low, high)).then(pl.col(s.name))
        .alias(s.name)
    ).to_series()


def _epoch_range(dtype: pl.Datetime) -> tuple[str, int, int]:
    """A Datetime type's epoch unit and the `_SAFE_MS` bounds in that unit."""
    unit = dtype.time_unit or "us"
    k = _UNIT_PER_MS[unit]
    return unit, _SAFE_MS[0] * k, _SAFE_MS[1] * k


def table(name: str, doc: str, *columns: tuple) -> TableSchema:
    """Shorthand: `table("t", "doc", ("col", pl.Int64, "meaning"), ...)`."""
    return TableSchema(name, doc, tuple(Column(*c) for c in columns))
