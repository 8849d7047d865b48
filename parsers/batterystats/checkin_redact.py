"""Privacy for checkin strings: sync account names and e-mail addresses (DESIGN principle 8).

SyncManager names a sync `<authority>/<account type>/<account name>` (batterystats `sy`,
history `Esy`, `*sync*/…` wakelock tags); the account name is often an e-mail address.
"""

from __future__ import annotations

import re

import polars as pl

ACCOUNT = "<account>"
EMAIL = "<email>"
_EMAIL_RE = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
_EMAIL = re.compile(_EMAIL_RE)


def split_sync(name: str) -> tuple[str, str | None, str | None]:
    """`authority/type/account` → (authority, type, account); missing parts are None."""
    parts = name.split("/", 2)
    authority = parts[0]
    acc_type = parts[1] if len(parts) > 1 else None
    account = parts[2] if len(parts) > 2 else None
    return authority, acc_type, account


def redact_sync(name: str) -> str:
    """Replace the account part of a sync name (and any e-mail elsewhere) by placeholders."""
    authority, acc_type, account = split_sync(name)
    if account is None:
        return redact_text(name)
    # The history adds `:<suffix>` (e.g. `:android`) after the account; keep the suffix.
    suffix = ""
    if ":" in account:
        account, suffix = account.rsplit(":", 1)
        suffix = ":" + suffix
    return f"{redact_text(authority)}/{acc_type}/{ACCOUNT}{suffix}"


def redact_text(text: str) -> str:
    """E-mail addresses → `<email>`."""
    return _EMAIL.sub(EMAIL, text)


def redact_email_expr(col: pl.Expr) -> pl.Expr:
    """Vectorised `redact_text` over a String expression."""
    return col.str.replace_all(_EMAIL_RE, EMAIL)


def redact_sync_expr(col: pl.Expr) -> pl.Expr:
    """Vectorised `redact_sync`: the third `/` part (up to an optional `:suffix`) hidden."""
    return redact_email_expr(
        col.str.replace(r"^([^/]*/[^/]*/)[^:]*?(:[^:/]*)?$", "${1}" + ACCOUNT + "${2}")
    )
