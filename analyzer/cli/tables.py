"""The table reference (docs/tables.md, `wakescope tables`, `tables --json`), generated from
the schemas: every table `parse` and `batch` write, plus the batch's own `captures`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from wakescope.analyzer.cli.app import app, fail

if TYPE_CHECKING:  # the schemas import Polars: only when the command runs (issue 17)
    from wakescope.parsers.schema import TableSchema

_INTRO = """# Table reference

Every table wakescope writes (`wakescope parse INPUT --out DIR` → `DIR/<table>.parquet`,
or `--format csv`), generated from the schemas declared in code
(`parsers/*/schema.py`, `analyzer/tables.py`) by `wakescope tables --markdown`.

Conventions: one row per thing; durations are `Int64` milliseconds; absolute times are
`Datetime(ms, UTC)` when the capture clock allows it, device-local wall times are naive
`Datetime(ms)` in `local_time` columns; `uid` is the integer uid (`u0a123` → 10123) with
`user_id` and `package` beside it; relative times (`*_ms` named after an event) are relative to
the dumping service's own "now", negative in the past.

CSV and spreadsheets: a CSV cell whose text starts with `=`, `+`, `-`, `@`, a tab or a
carriage return would run as a formula when the file is opened in a spreadsheet, and input
text (package names, tags, sync authorities) is chosen by whoever wrote the app. So
`--format csv` writes such text cells with a leading `'`, as OWASP recommends against CSV
injection ("=1+1" is written '=1+1, shown as text); only text columns (and lists of text),
never numbers: a negative number stays a number. Parquet and JSON keep the true value.

Attributed tables (wakelocks, history, jobs, job history, alarms, alarm stats, wakeup alarms,
syncs) also carry these columns after analysis:

| column | type | meaning |
|---|---|---|
"""


def intro() -> str:
    """The reference's opening, with the attribution and job-status columns' tables and the
    batch's outputs."""
    from wakescope.analyzer.tables import ATTRIBUTION_COLUMNS, JOB_STATE_COLUMNS

    return (_INTRO + "\n".join(f"| `{n}` | `String` | {doc} |"
                               for n, _, doc in ATTRIBUTION_COLUMNS) + """

`jobscheduler_jobs` also carries the job's status after analysis (one answer for the
`deferred_job` findings and the report):

| column | type | meaning |
|---|---|---|
""" + "\n".join(f"| `{n}` | `{t}` | {doc} |" for n, t, doc in JOB_STATE_COLUMNS) + "\n\n"
            + _BATCH)


_BATCH = """Lists are `List` columns (in CSV: `;`-joined). A few columns hold JSON text on
purpose: maps whose keys vary by Android release or by finding (`ready_parts`, `stop_reasons`,
`policy_other`, a finding's `evidence` filters), which a fixed `Struct` could not hold
without dropping keys; `json.loads` or DuckDB's `json` functions read them.

## Batch outputs

`wakescope batch … --out DIR` writes every table below as one Parquet dataset,
`DIR/tables/<table>/<capture_id>.parquet`, each with a leading `capture_id` column.
A table that no input of the batch filled still has its folder, holding `empty.parquet`
(zero rows, the declared schema), so `SELECT * FROM 'DIR/tables/<table>/*.parquet'` in
DuckDB or `pl.scan_parquet` over the glob returns zero rows instead of failing.
Besides them the batch writes `DIR/captures.parquet` (the `captures` table below, one row per
input), `DIR/status.json` (the same inputs as JSON:
[docs/schemas/status.schema.json](schemas/status.schema.json)) and `DIR/status/<capture_id>.json`
(one record per input, written last). `wakescope tables --json` prints this reference as
JSON ([docs/schemas/tables.schema.json](schemas/tables.schema.json)).
"""


def all_schemas() -> dict[str, TableSchema]:
    """Parser tables, then the analyzer's own, then the batch's `captures`."""
    from wakescope.analyzer.batch.fleet import CAPTURES
    from wakescope.analyzer.tables import all_schemas as schemas

    return {**schemas(), CAPTURES.name: CAPTURES}


def written_to(name: str) -> dict[str, str]:
    """Where each command writes a table (paths relative to its output folder)."""
    if name == "captures":
        return {"batch": "captures.parquet"}
    return {"parse": f"{name}.parquet", "batch": f"tables/{name}/*.parquet"}


def as_json() -> list[dict]:
    """The reference as data (docs/schemas/tables.schema.json): one entry per table."""
    return [
        {"name": s.name, "doc": s.doc, "written_to": written_to(s.name),
         "columns": [{"name": c.name, "dtype": str(c.dtype), "doc": c.doc}
                     for c in s.columns]}
        for s in all_schemas().values()
    ]


def markdown() -> str:
    """The whole reference as Markdown."""
    parts = [intro()]
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


@app.command()
def tables(
    name: Annotated[str | None, typer.Argument(help="A table name to show its columns.")] = None,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="The full Markdown "
                                              "reference (docs/tables.md).")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="The reference as a JSON array "
                                           "(docs/schemas/tables.schema.json).")] = False,
) -> None:
    """List every table `parse` and `batch` write, or one table's columns and meaning."""
    if as_markdown:
        typer.echo(markdown(), nl=False)
        return
    if name is not None and name not in all_schemas():
        fail(f"no table named {name!r}; `wakescope tables` lists them.")
    if json_out:
        entries = as_json()
        typer.echo(json.dumps([e for e in entries if name in (None, e["name"])], indent=2))
        return
    typer.echo(text(name))
