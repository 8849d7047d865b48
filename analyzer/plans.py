"""How the analyzer runs its lazy Polars plans.

A LazyFrame's `collect()` runs on Polars' streaming engine by default (Polars 2.x); on the
plans here, of a few hundred to a few thousand rows, that costs ~4 ms more per plan than the
in-memory engine that eager methods use (Polars 2.1, issue 17). Every analyzer plan collects
with `ENGINE`, but the few that hash every row of a long history (`LONG_ENGINE`).

Row order is part of every output (tables, "top N" cuts, first/last picks, hover-text numbers),
and Polars promises none by default: a sort whose keys can tie takes `maintain_order=True` (or
a tie-breaking key), a join whose output order is relied on takes `maintain_order="left"`, and
a float sum runs over rows in a defined order. Without that, outputs changed from Polars 2.1 to
2.2 and with the thread count.
"""

import polars as pl

ENGINE = "in-memory"

# The engine for the few plans that hash every row of a long battery history against a
# few keys (attribution's distinct source combinations): the in-memory engine row-encodes
# all the rows' keys at once, the streaming engine a morsel at a time (on a 735k-row
# history ~100 MB less at the analysis' peak, issue 19 item 8). Only for long tables: on
# small ones it costs the ~4 ms a plan said above.
LONG_ENGINE = "streaming"


def gather_at(frame: pl.DataFrame, col: str, pos: str) -> pl.Expr:
    """`frame`'s `col` at the row positions in column `pos` (null where `pos` is null): for a
    frame in position order, a gather where a join would copy the rows it adds to."""
    return pl.lit(frame.get_column(col)).gather(pl.col(pos))
