"""The floor under any Polars-based `report`: what a run pays before its own work.

    python -m benchmarks.floor INPUT     # a bug report zip or text

Starts the interpreter, imports Polars, reads the input's bug report text through once (a
zip's largest text member is inflated; read in 1 MiB pieces, so holding the text is not
counted: a lower bound, where `report` keeps its UTF-8 bytes while it parses), runs the
kinds of Polars operation a report runs once each on a small frame (string matching and
extraction, a group-by, a join, a sort, a window, a categorical: this maps the Polars code
they need), and leaves the way `report` leaves (`os._exit` after flushing). It prints the
bytes and line ends it read. `benchmarks.historian` runs it beside `wakescope report` and
Battery Historian, so issue 17's absolute targets (≤ 0.6 s, ≤ 100 MB) are read against
what no parse, analysis or HTML has been done in yet.

Imports nothing of wakescope: its imports are part of what it is measured against.
"""

from __future__ import annotations

import os
import sys
import zipfile


def read_through(path: str) -> tuple[int, int]:
    """Bytes and line ends of the input's bug report text (a zip's largest `.txt` member,
    else the file itself), read in 1 MiB pieces."""
    with open(path, "rb") as raw:
        if not zipfile.is_zipfile(raw):
            raw.seek(0)
            return _count(raw)
        with zipfile.ZipFile(raw) as zf:
            texts = [i for i in zf.infolist() if i.filename.lower().endswith(".txt")]
            with zf.open(max(texts, key=lambda i: i.file_size)) as member:
                return _count(member)


def _count(stream) -> tuple[int, int]:
    size = lines = 0
    while piece := stream.read(1 << 20):
        size += len(piece)
        lines += piece.count(b"\n")
    return size, lines


def first_use() -> int:
    """One of each kind of operation a report runs, on 5,000 job-like rows."""
    import polars as pl

    df = pl.DataFrame({"l": [f"*job*/com.pkg{n % 37}/.Svc,{n},u0a{n % 50}" for n in range(5000)]})
    df = df.with_columns(
        p=pl.col("l").str.extract(r"\*job\*/([^/]+)/"),
        n=pl.col("l").str.split(",").list.get(1).cast(pl.Int64),
        hit=pl.col("l").str.contains("pkg1[0-9]"),
        t=pl.datetime(2020, 1, 1) + pl.duration(milliseconds=pl.int_range(pl.len())))
    g = df.lazy().group_by("p").agg(pl.col("n").sum(), pl.col("t").min()).sort("p").collect()
    j = (df.lazy().join(g.lazy(), on="p", how="left").filter(pl.col("n") > 10)
         .sort(["p", "t"]).collect())
    w = j.with_columns(r=pl.col("n").rank().over("p"), c=pl.col("p").cast(pl.Categorical))
    return w.unique("p", maintain_order=True).height


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m benchmarks.floor INPUT", file=sys.stderr)
        return 2
    size, lines = read_through(args[0])
    groups = first_use()
    print(f"read {size} bytes, {lines} line ends; {groups} groups")
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    os._exit(status)  # as `report` leaves: no interpreter teardown of Polars' modules
