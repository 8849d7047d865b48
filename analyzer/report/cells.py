"""Report cells: `Cell` and `TableView`, the plain objects the template draws, and the small
formatters that turn one value into a cell (number, duration, app, API, text, chips)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import polars as pl

from wakescope.analyzer.report.charts import api_color, api_label
from wakescope.analyzer.report.facts import app_label, fmt_ms, fmt_num

ROW_LIMIT = 200        # rows shown per table; the rest is counted and said
DETAIL_LIMIT = 100     # collapsed detail tables (registered jobs, history, pending, ...)
SMALL_LIMIT = 50       # secondary tables (kernel wakelocks, wakeup reasons, ...)
# Bounds the page: Plotly's 4.8 MB plus at most ~1 MB of tables stays under 6 MB.
FINDING_LIMIT = 120    # findings shown as cards (info notes are listed apart)
NOTE_LIMIT = 60        # informational notes shown
TEXT_LIMIT = 900       # characters of a finding's detail shown (the JSON has it all)

@dataclass(slots=True)
class Cell:
    """One table cell: display text, an optional sort key, and how to draw it."""

    text: str = ""
    sort: Any = None
    kind: str = ""          # "", num, sev, api, apis, mono, chips, app
    title: str | None = None
    extra: Any = None


@dataclass
class TableView:
    id: str
    title: str
    columns: list[tuple[str, str]]   # (label, css class: "" or "num")
    rows: list[list[Cell]] = field(default_factory=list)
    total: int = 0
    note: str = ""
    empty: str = "Nothing in this input."
    open: bool = True

    @property
    def shown(self) -> int:
        return len(self.rows)

    def prune_empty(self, keep: int = 2) -> None:
        """Hide columns (after the first `keep`) with no figure for this input."""
        if not self.rows:
            return
        blank = {"—", "", "0", "0 ms", "0.0"}
        cols = [i for i in range(len(self.columns))
                if i < keep or any(r[i].text not in blank for r in self.rows)]
        if len(cols) == len(self.columns):
            return
        self.note = "Columns with no figure in this input are hidden."
        self.columns = [self.columns[i] for i in cols]
        self.rows = [[r[i] for i in cols] for r in self.rows]


# ---------------------------------------------------------------------------------------
# Cells.
# ---------------------------------------------------------------------------------------


def _num(x, digits: int = 1) -> Cell:
    return Cell(fmt_num(x, digits), x if x is not None else "", "num")


def _dur(ms) -> Cell:
    return Cell(fmt_ms(ms), ms if ms is not None else "", "num")


def _id(x) -> Cell:
    return Cell("—" if x is None else str(x), x if x is not None else "", "num")


def _app(package, uid) -> Cell:
    label = app_label(package, uid)
    return Cell(label, label, "app", extra=uid if package and uid is not None else None)


def _api(api) -> Cell:
    if not api:
        return Cell("—", "")
    return Cell(api_label(api), api, "api", extra=api_color(api))


def _text(x, limit: int = 160) -> Cell:
    if x is None:
        return Cell("—", "")
    s = str(x)
    return Cell(s if len(s) <= limit else s[:limit] + "…", s, "mono",
                title=s if len(s) > limit else None)


def _chips(items) -> Cell:
    items = [str(i) for i in (items or []) if i]
    text = ", ".join(items)
    return Cell(text, text, "chips", extra=items)


def _limit(df: pl.DataFrame, sort: list[str], limit: int = ROW_LIMIT) -> tuple[pl.DataFrame, int]:
    """Sort by the columns that exist (descending; ties keep the table's order, whatever the
    Polars release or thread count) and keep the top `limit` rows."""
    keys = [c for c in sort if c in df.columns]
    if keys:
        df = df.sort(keys, descending=True, nulls_last=True, maintain_order=True)
    return df.head(limit), df.height


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links are rendered as links (rules files may come from users)."""
    if not url:
        return None
    try:
        parts = urlparse(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def _clip(text: str | None, limit: int = TEXT_LIMIT) -> str | None:
    if not text or len(text) <= limit:
        return text
    return text[:limit].rstrip() + " … (full text in the JSON output)"


def _num2(main: Cell, sub: str | None) -> Cell:
    """A number with a smaller second line (rate, share, time)."""
    main.kind = "num2"
    main.extra = sub if sub and sub != "—" else None
    return main
