"""One set of batterystats tables when a bug report carries both the human form and checkin.

Aggregates come from checkin (exact integers, fields mapped by name per version); the
history too, since its `TIME:` records carry epoch ms. The human form fills whatever the
checkin lacks. Where both have a table, large disagreements become diagnostics. Since the
checkin history always wins, `load` does not have the human history's rows built when the
checkin's has rows (`SectionInput.history_rows`): the human block is still read for its
diagnostics and packages (issue 19 item 8).
"""

from __future__ import annotations

import polars as pl

from wakescope.parsers.diagnostics import Diagnostics

_COMPARE = {  # table → (key columns, value column) compared between the two forms
    "batterystats_wakelocks": (("uid", "tag", "kind"), "total_ms"),
    "batterystats_jobs": (("uid", "job"), "count"),
    "batterystats_wakeup_alarms": (("uid", "tag"), "count"),
    "batterystats_sensors": (("uid", "sensor"), "total_ms"),
}


def _compare(name: str, checkin: pl.DataFrame, human: pl.DataFrame, diags: Diagnostics) -> None:
    """A diagnostic when the two forms' per-key sums of the compared value differ by more
    than 5 % + 1000 (one plan; rows in key order, so the example named is stable)."""
    keys, value = _COMPARE[name]
    if not set(keys) | {value} <= set(checkin.columns) & set(human.columns):
        return
    a = checkin.lazy().group_by(keys).agg(pl.col(value).sum().alias("c"))
    b = human.lazy().group_by(keys).agg(pl.col(value).sum().alias("h"))
    joined = a.join(b, on=list(keys), how="inner").with_columns(
        _off=(pl.col("c") - pl.col("h")).abs() > (pl.max_horizontal("c", "h") * 0.05 + 1000)
    ).sort(keys, nulls_last=True).collect(engine="in-memory")
    offs = joined.get_column("_off").fill_null(False)
    n_off = int(offs.sum())
    if n_off:
        example = joined.drop("_off").row(int(offs.arg_max()), named=True)
        diags.info(
            "disagreement", "batterystats",
            f"{name}: checkin and human form disagree on {value} for {n_off} of "
            f"{joined.height} rows (checkin used); e.g. {example}",
        )


def merge(checkin: dict[str, pl.DataFrame], human: dict[str, pl.DataFrame],
          diags: Diagnostics) -> dict[str, pl.DataFrame]:
    """Checkin's tables where it has rows, the human form's elsewhere; packages unioned."""
    out: dict[str, pl.DataFrame] = {}
    for name in set(checkin) | set(human):
        c, h = checkin.get(name), human.get(name)
        if name == "packages":
            frames = [f for f in (c, h) if f is not None and f.height]
            if frames:
                out[name] = pl.concat(frames, how="diagonal_relaxed").unique(
                    subset=["uid", "package"], keep="first", maintain_order=True)
            else:
                out[name] = c if c is not None else h
            continue
        if c is not None and c.height:
            out[name] = c
            if h is not None and h.height and name in _COMPARE:
                _compare(name, c, h, diags)
        else:
            out[name] = h if h is not None else c
    return out
