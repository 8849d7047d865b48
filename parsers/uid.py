"""Android uids: `UserHandle.formatUid` text ↔ integers (AOSP `android/os/UserHandle.java`)."""

from __future__ import annotations

import re

PER_USER_RANGE = 100_000
FIRST_APPLICATION_UID = 10_000
FIRST_ISOLATED_UID = 99_000
FIRST_APP_ZYGOTE_ISOLATED_UID = 90_000

_FORMATTED = re.compile(r"^u(\d{1,9})(a|s|i|ai)(\d{1,9})$", re.ASCII)
_PLAIN = re.compile(r"^-?\d{1,18}$", re.ASCII)  # fits Int64; `--1`, `²` or 10²³ are no uid


def parse_uid(text: str | None) -> int | None:
    """`u0a123` → 10123, `u10a45` → 1010045, `u0s1000` → 1000, `u0i7` → 99007, `1000` → 1000."""
    if text is None:
        return None
    t = text.strip()
    if _PLAIN.match(t):
        return int(t)
    m = _FORMATTED.match(t)
    if not m:
        return None
    user, kind, n = int(m.group(1)), m.group(2), int(m.group(3))
    base = user * PER_USER_RANGE
    if kind == "a":
        return base + FIRST_APPLICATION_UID + n
    if kind == "s":
        return base + n
    if kind == "i":
        return base + FIRST_ISOLATED_UID + n
    return base + FIRST_APP_ZYGOTE_ISOLATED_UID + n


def user_id(uid: int | None) -> int | None:
    return None if uid is None or uid < 0 else uid // PER_USER_RANGE


def app_id(uid: int | None) -> int | None:
    return None if uid is None or uid < 0 else uid % PER_USER_RANGE


def format_uid(uid: int) -> str:
    """The inverse of `parse_uid` for app and core uids."""
    user, app = divmod(uid, PER_USER_RANGE)
    if app >= FIRST_APPLICATION_UID and app < FIRST_APP_ZYGOTE_ISOLATED_UID:
        return f"u{user}a{app - FIRST_APPLICATION_UID}"
    if user == 0:
        return str(uid)
    return f"u{user}s{app}"


# Polars expression form for vectorised parsers: a String column of formatted uids → Int64.
def uid_expr(col):
    """Vectorised `parse_uid` over a Polars String expression."""
    import polars as pl

    parts = col.str.extract_groups(r"^u(\d+)(a|s|i|ai)(\d+)$")
    user = parts.struct.field("1").cast(pl.Int64, strict=False)
    kind = parts.struct.field("2")
    n = parts.struct.field("3").cast(pl.Int64, strict=False)
    offset = (
        pl.when(kind == "a").then(FIRST_APPLICATION_UID)
        .when(kind == "s").then(0)
        .when(kind == "i").then(FIRST_ISOLATED_UID)
        .otherwise(FIRST_APP_ZYGOTE_ISOLATED_UID)
    )
    formatted = user * PER_USER_RANGE + offset + n
    plain = col.str.extract(r"^(-?\d+)$").cast(pl.Int64, strict=False)  # 10²³ → null
    return pl.coalesce(plain, formatted)
