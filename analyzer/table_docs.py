"""The table reference (docs/tables.md and `wakescope tables`), generated from the schemas."""

from __future__ import annotations

from parsers.schema import TableSchema

from .tables import ATTRIBUTION_COLUMNS

INTRO = """# Table reference

Every table wakescope writes (`wakescope parse INPUT --out DIR` → `DIR/<table>.parquet`,
or `--format csv`), generated from the schemas declared in code
(`parsers/*/schema.py`, `analyzer/tables.py`) by `wakescope tables --markdown`.

Conventions: one row per thing; durations are `Int64` milliseconds; absolute times are
`Datetime(ms, UTC)` when the capture clock allows it, device-local wall times are naive
`Datetime(ms)` in `local_time` columns; `uid` is the integer uid (`u0a123` → 10123) with
`user_id` and `package` beside it; relative times (`*_ms` named after an event) are relative to
the dumping service's own "now", negative in the past.

Attributed tables (wakelocks, history, jobs, job history, alarms, alarm stats, wakeup alarms,
syncs) also carry these columns after analysis:

| column | type | meaning |
|---|---|---|
""" + "\n".join(f"| `{n}` | `String` | {doc} |" for n, _, doc in ATTRIBUTION_COLUMNS) + "\n"


def all_schemas() -> dict[str, TableSchema]:
    """Parser tables, then the analyzer's own."""
    from parsers.schemas import all_tables

    from .tables import TABLES

    return {**all_tables(), **TABLES}


def markdown() -> str:
    """The whole reference as Markdown."""
    parts = [INTRO]
    for schema in all_schemas().values():
        parts.append(schema.markdown())
    return "\n".join(parts)


def text(name: str | None = None) -> str:
    """A plain-text listing: every table with its row meaning, or one table's columns."""
    schemas = all_schemas()
    if name is None:
        width = max(len(n) for n in schemas)
        return "\n".join(f"{n:<{width}}  {s.doc.split('. ')[0]}" for n, s in schemas.items())
    schema = schemas[name]
    width = max(len(c.name) for c in schema.columns)
    lines = [f"{schema.name}: {schema.doc}", ""]
    lines += [f"  {c.name:<{width}}  {c.dtype!s:<24} {c.doc}" for c in schema.columns]
    return "\n".join(lines)
