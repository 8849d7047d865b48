"""Write a capture's tables and metadata to a folder: capture.json + one file per table."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl


def safe_child(out_dir: Path, name: str) -> Path:
    """A path for `name` inside `out_dir`; refuses anything that would escape the folder."""
    base = out_dir.resolve()
    clean = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name).lstrip(".")
    target = (base / (clean or "_")).resolve()
    if base not in target.parents and target != base:
        raise ValueError(f"refusing to write outside {base}: {name!r}")
    return target


def _csv_ready(df: pl.DataFrame) -> pl.DataFrame:
    """CSV has no nested types: lists become `;`-joined strings, structs JSON."""
    exprs = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.List):
            exprs.append(pl.col(name).cast(pl.List(pl.String)).list.join(";").alias(name))
        elif isinstance(dtype, pl.Struct):
            exprs.append(pl.col(name).struct.json_encode().alias(name))
        else:
            exprs.append(pl.col(name))
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
    """One file per table, named after it; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in sorted(tables.items()):
        path = safe_child(out_dir, f"{name}.{fmt}")
        if fmt == "parquet":
            df.write_parquet(path)
        else:
            path.write_bytes(table_bytes(df, fmt))
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
    cap, tables = capture_tables(input_path, redact=redact, rules=rules, full_path=full_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = write_tables(tables, out_dir, fmt)
    meta_path = safe_child(out_dir, "capture.json")
    meta_path.write_text(json.dumps(cap.summary(), indent=2, default=str), encoding="utf-8")
    return [meta_path, *written]
