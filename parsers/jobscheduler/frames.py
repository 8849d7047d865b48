"""Row dicts → a frame of a declared schema, column by column (no type inference: the
Samsung 15 dump yields ~1,800 settings and quota rows, where inferring from dicts dominates)."""

from __future__ import annotations

import polars as pl

from wakescope.parsers.schema import TableSchema


def to_frame(schema: TableSchema, rows: list[dict]) -> pl.DataFrame:
    """Columns in declared order; time columns hold UTC epoch ms (int) or naive datetimes."""
    if not rows:
        return schema.empty()
    series = []
    for col in schema.columns:
        values = [r.get(col.name) for r in rows]
        dtype = col.dtype
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            s = pl.Series(col.name, values, dtype=pl.Int64, strict=False).cast(dtype)
        else:
            s = pl.Series(col.name, values, dtype=dtype, strict=False)
        series.append(s)
    return pl.DataFrame(series)
