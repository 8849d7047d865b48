"""Every table the parsers produce, gathered from the parser modules (each declares its own)."""

from __future__ import annotations

import polars as pl

from wakescope.parsers.schema import TableSchema


def all_tables() -> dict[str, TableSchema]:
    """Each parser package's declared `TABLES`, in section order."""
    from wakescope.parsers import alarm, batterystats, jobscheduler

    return {**batterystats.TABLES, **jobscheduler.TABLES, **alarm.TABLES}


def empty(name: str) -> pl.DataFrame:
    schema = all_tables().get(name)
    return schema.empty() if schema else pl.DataFrame()
