"""Write a capture's tables and metadata to a folder: capture.json + one file per table."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename, so a reader (or a
    crashed writer) never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def atomic_parquet(df: pl.DataFrame, path: Path) -> None:
    """Write a Parquet file through a temporary file and a rename (see `atomic_write`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    df.write_parquet(tmp)
    os.replace(tmp, path)


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


def write_tables(
    tables: dict[str, pl.DataFrame], out_dir: Path, fmt: str = "parquet"
) -> list[Path]:
    """One file per table, named after it; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in sorted(tables.items()):
        path = safe_child(out_dir, f"{name}.{fmt}")
        if fmt == "csv":
            _csv_ready(df).write_csv(path)
        else:
            df.write_parquet(path)
        written.append(path)
    return written


def export_capture(input_path: str | os.PathLike, out_dir: Path, *, fmt: str = "parquet",
                   redact: bool = True, rules: Path | None = None) -> list[Path]:
    """Parse and analyse one input and write its tables (parsed and attributed) out."""
    from wakescope import parsers
    from wakescope.analyzer.analysis import analyse

    cap = parsers.load(input_path, redact=redact)
    tables = dict(cap.tables)
    tables.update(analyse(cap, rules=rules).tables)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = write_tables(tables, out_dir, fmt)
    meta_path = safe_child(out_dir, "capture.json")
    meta_path.write_text(json.dumps(cap.summary(), indent=2, default=str), encoding="utf-8")
    return [meta_path, *written]
