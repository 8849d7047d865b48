"""How the analyzer runs its lazy Polars plans.

A LazyFrame's `collect()` runs on Polars' streaming engine by default (Polars 2.x); on the
plans here, of a few hundred to a few thousand rows, that costs ~4 ms more per plan than the
in-memory engine that eager methods use (Polars 2.1, issue 17). Every analyzer plan collects
with `ENGINE`.
"""

ENGINE = "in-memory"
