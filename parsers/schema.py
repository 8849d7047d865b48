"""Table schemas declared once in code: column names, Polars types and a line of docs."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

UTC_MS = pl.Datetime("ms", "UTC")
LOCAL_MS = pl.Datetime("ms")


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
        return pl.DataFrame(schema=self.schema)

    def frame(self, rows: list[dict] | dict[str, list]) -> pl.DataFrame:
        """Build a frame from row dicts or column lists, conformed to this schema."""
        if isinstance(rows, dict):
            df = pl.DataFrame(rows, schema_overrides=None, strict=False)
        elif not rows:
            return self.empty()
        else:
            df = pl.DataFrame(rows, infer_schema_length=None, strict=False)
        return self.conform(df)

    def conform(self, df: pl.DataFrame) -> pl.DataFrame:
        """Columns in declared order and type; missing ones null, extra ones kept at the end."""
        exprs = []
        for c in self.columns:
            if c.name in df.columns:
                exprs.append(pl.col(c.name).cast(c.dtype, strict=False))
            else:
                exprs.append(pl.lit(None, dtype=c.dtype).alias(c.name))
        extra = [pl.col(n) for n in df.columns if n not in self.schema]
        return df.select(exprs + extra)

    def markdown(self) -> str:
        lines = [f"### `{self.name}`", "", self.doc, "", "| column | type | meaning |",
                 "|---|---|---|"]
        lines += [f"| `{c.name}` | `{c.dtype}` | {c.doc} |" for c in self.columns]
        return "\n".join(lines) + "\n"


def table(name: str, doc: str, *columns: tuple) -> TableSchema:
    """Shorthand: `table("t", "doc", ("col", pl.Int64, "meaning"), ...)`."""
    return TableSchema(name, doc, tuple(Column(*c) for c in columns))
