"""Every table the parsers produce, gathered from the parser modules (each declares its own)."""

from __future__ import annotations

import importlib

import polars as pl

from .schema import TableSchema

# Modules that declare `TABLES: dict[str, TableSchema]`.
_MODULES = ("parsers.batterystats", "parsers.jobscheduler", "parsers.alarm")


def all_tables() -> dict[str, TableSchema]:
    out: dict[str, TableSchema] = {}
    for mod in _MODULES:
        try:
            m = importlib.import_module(mod)
        except ImportError:
            continue
        out.update(getattr(m, "TABLES", {}))
    return out


def empty(name: str) -> pl.DataFrame:
    schema = all_tables().get(name)
    return schema.empty() if schema else pl.DataFrame()
