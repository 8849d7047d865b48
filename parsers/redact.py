"""Privacy: sync account names and e-mail addresses in any string (DESIGN principle 8).

SyncManager names a sync `<authority>/<account type>/<account name>` (batterystats `sy`,
history `Esy`); its job and wakelock carry the same name with a `:<package>` suffix and a
`*job*/` or `*sync*/` prefix (8.x: `*job*/com.android.contacts/com.whatsapp/WhatsApp:android`).
The account name is often an e-mail address. Both are replaced by placeholders.
"""

from __future__ import annotations

import re

import polars as pl

ACCOUNT = "<account>"
EMAIL = "<email>"
# The local part must not follow another `@`: 14+ namespaced job names read
# `@<namespace>@<package>/…` (e.g. `@androidx.work.systemjobscheduler@com.google…`).
_LOCAL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
_EMAIL_RE = r"(^|[^@A-Za-z0-9._%+-])" + _LOCAL  # Rust regex: no look-behind
_EMAIL = re.compile(r"(?<![@A-Za-z0-9._%+-])" + _LOCAL)
# `[*job*/|*sync*/]<authority>/<type>/<account>[:<package>]`; job battery names
# (`<pkg>/<class>`, `@ns@<pkg>/<class>`) have one slash and never match.
_SYNC_RE = r"^((?:\*(?:job|sync)\*/)?[^/*][^/]*/[^/]+/)[^:]+?(:[\w.]+)?$"
_SYNC = re.compile(_SYNC_RE)


def split_sync(name: str) -> tuple[str, str | None, str | None]:
    """`authority/type/account` → (authority, type, account); missing parts are None."""
    parts = name.split("/", 2)
    return parts[0], (parts[1] if len(parts) > 1 else None), (parts[2] if len(parts) > 2
                                                              else None)


def redact_text(text: str) -> str:
    """E-mail addresses → `<email>` (a text without `@` holds none: returned as is)."""
    return _EMAIL.sub(EMAIL, text) if "@" in text else text


def redact_sync(name: str) -> str:
    """A sync-shaped name loses its account part; any other string only its e-mails.
    (The sync shape has two slashes at least: names with fewer skip that pattern.)"""
    if name.count("/") >= 2:
        name = _SYNC.sub(r"\g<1>" + ACCOUNT + r"\g<2>", name)
    return redact_text(name)


def redact_email_expr(col: pl.Expr) -> pl.Expr:
    """Vectorised `redact_text` over a String expression."""
    return col.str.replace_all(_EMAIL_RE, "${1}" + EMAIL)


def redact_sync_expr(col: pl.Expr) -> pl.Expr:
    """Vectorised `redact_sync`."""
    return redact_email_expr(col.str.replace(_SYNC_RE, "${1}" + ACCOUNT + "${2}"))
