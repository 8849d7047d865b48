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


def _sums(frame: pl.DataFrame, keys: tuple[str, ...], value: str) -> dict[tuple, int]:
    """Per-key sums of `value` (nulls add nothing); keys holding a null are left out, as
    an equi-join leaves them unmatched."""
    sums: dict[tuple, int] = {}
    columns = [frame.get_column(c).to_list() for c in (*keys, value)]
    for *key, v in zip(*columns, strict=True):
        if None in key:
            continue
        k = tuple(key)
        sums[k] = sums.get(k, 0) + (v or 0)
    return sums


def _compare(name: str, checkin: pl.DataFrame, human: pl.DataFrame, diags: Diagnostics) -> None:
    """A diagnostic when the two forms' per-key sums of the compared value differ by more
    than 5 % + 1000 (rows in key order, so the example named is stable). The tables hold
    hundreds of rows: plain Python, no plan."""
    keys, value = _COMPARE[name]
    if not set(keys) | {value} <= set(checkin.columns) & set(human.columns):
        return
    c_sums, h_sums = _sums(checkin, keys, value), _sums(human, keys, value)
    both = sorted(k for k in c_sums if k in h_sums)
    off = [k for k in both if abs(c_sums[k] - h_sums[k]) > max(c_sums[k], h_sums[k]) * 0.05 + 1000]
    if off:
        k = off[0]
        example = {**dict(zip(keys, k, strict=True)), "c": c_sums[k], "h": h_sums[k]}
        diags.info(
            "disagreement", "batterystats",
            f"{name}: checkin and human form disagree on {value} for {len(off)} of "
            f"{len(both)} rows (checkin used); e.g. {example}",
        )


def merge(checkin: dict[str, pl.DataFrame], human: dict[str, pl.DataFrame],
          diags: Diagnostics) -> dict[str, pl.DataFrame]:
    """Checkin's tables where it has rows, the human form's elsewhere; packages unioned."""
    out: dict[str, pl.DataFrame] = {}
    # Checkin's tables, then the human form's others: a set's order changes run to run
    # (string hashes are salted per process), and `_compare` adds diagnostics in this order.
    for name in [*checkin, *(n for n in human if n not in checkin)]:
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
