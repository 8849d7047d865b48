"""Write a capture's tables and metadata to a folder: capture.json + one file per table."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl

from wakescope.analyzer.outputs import OutputError, child_path, ensure_folder, write_atomic


def safe_child(out_dir: Path, name: str) -> Path:
    """A path for `name` inside `out_dir` (one sanitised file name, so it cannot escape);
    writes through `outputs.write_atomic` never follow a link there."""
    return child_path(out_dir, name)


# Cells a spreadsheet runs as a formula (OWASP "CSV injection"): = + - @ tab CR first.
_FORMULA_START = r"^[=+\-@\t\r]"


def _defused(expr: pl.Expr) -> pl.Expr:
    """A text cell that would start a formula gets a leading `'`, which spreadsheets show
    as text (OWASP); every other cell, and every null, is unchanged."""
    return (pl.when(expr.str.contains(_FORMULA_START)).then(pl.lit("'") + expr)
            .otherwise(expr))


def _csv_ready(df: pl.DataFrame) -> pl.DataFrame:
    """CSV has no nested types: lists become `;`-joined strings, structs JSON. Text from the
    input (String columns and lists of text) is defused against formula injection; numbers,
    negative ones included, stay numbers."""
    exprs = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List):
            text = isinstance(dtype.inner, pl.String | pl.Categorical | pl.Enum)
            joined = col.cast(pl.List(pl.String)).list.join(";")
            exprs.append((_defused(joined) if text else joined).alias(name))
        elif isinstance(dtype, pl.Struct):
            exprs.append(col.struct.json_encode().alias(name))
        elif isinstance(dtype, pl.String | pl.Categorical | pl.Enum):
            exprs.append(_defused(col.cast(pl.String)).alias(name))
        else:
            exprs.append(col)
    return df.select(exprs)


FORMATS = ("parquet", "csv", "ndjson")


def table_bytes(df: pl.DataFrame, fmt: str) -> bytes:
    """One table as CSV (lists `;`-joined) or NDJSON (lists stay arrays) bytes, for stdout."""
    if fmt == "csv":
        return _csv_ready(df).write_csv().encode("utf-8")
    if fmt == "ndjson":
        return df.write_ndjson().encode("utf-8")
    raise ValueError(f"a table goes to standard output as csv or ndjson, not {fmt}")


def write_tables(
    tables: dict[str, pl.DataFrame], out_dir: Path, fmt: str = "parquet"
) -> list[Path]:
    """One file per table, named after it, each written atomically; returns the paths."""
    ensure_folder(out_dir)
    written = []
    for name, df in sorted(tables.items()):
        path = safe_child(out_dir, f"{name}.{fmt}")
        if fmt == "parquet":
            write_atomic(path, df.write_parquet)
        else:
            write_atomic(path, table_bytes(df, fmt))
        written.append(path)
    return written


def capture_tables(input_path: str | os.PathLike, *, redact: bool = True,
                   rules: Path | None = None, full_path: bool = False):
    """Parse and analyse one input: (the Capture, every table by name). The capture's
    source is its file name unless `full_path`."""
    from wakescope import parsers
    from wakescope.analyzer.analysis import analyse
    from wakescope.analyzer.format import source_label

    cap = parsers.load(input_path, redact=redact)
    cap.source = source_label(cap.source, full_path)
    tables = dict(cap.tables)
    tables.update(analyse(cap, rules=rules).tables)
    return cap, tables


def export_capture(input_path: str | os.PathLike, out_dir: Path, *, fmt: str = "parquet",
                   redact: bool = True, rules: Path | None = None,
                   full_path: bool = False) -> list[Path]:
    """Parse one input, analyse it and write capture.json plus one file per table."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"cannot write to {out_dir}: it exists and is not a folder.")
    cap, tables = capture_tables(input_path, redact=redact, rules=rules, full_path=full_path)
    written = write_tables(tables, out_dir, fmt)
    meta_path = safe_child(out_dir, "capture.json")
    write_atomic(meta_path, json.dumps(cap.summary(), indent=2, default=str))
    return [meta_path, *written]
