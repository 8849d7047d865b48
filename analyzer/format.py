"""The one home of formatting: durations, numbers, finding figures, UTC offsets, and the
escapers for text that reaches Plotly or a <script> element (input text is untrusted)."""

from __future__ import annotations

import html
import json
import math
import re


def duration_words(ms: float | int | None) -> str:
    """`3h 4m`, `12m 5s`, `850ms`: the short form in findings' plain-words details."""
    if ms is None:
        return "?"
    ms = int(ms)
    if ms < 1000:
        return f"{ms}ms"
    s = ms // 1000
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    parts = [f"{d}d"] if d else []
    if h:
        parts.append(f"{h}h")
    if m and not d:
        parts.append(f"{m}m")
    if s and not d and not h:
        parts.append(f"{s}s")
    return " ".join(parts) or "0s"


def fmt_ms(ms: float | int | None) -> str:
    """A duration for humans: `2d 3h`, `1h 05m`, `4m 10s`, `12.5 s`, `340 ms`; None → `—`."""
    if ms is None or (isinstance(ms, float) and math.isnan(ms)):
        return "—"
    neg = ms < 0
    ms = abs(ms)
    if ms < 1000:
        out = f"{ms:.0f} ms"
    elif ms < 60_000:
        out = f"{ms / 1000:.1f} s"
    else:
        s = int(ms // 1000)
        d, s = divmod(s, 86_400)
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        if d:
            out = f"{d}d {h}h"
        elif h:
            out = f"{h}h {m:02d}m"
        else:
            out = f"{m}m {s:02d}s"
    return f"-{out}" if neg else out


def fmt_num(x: float | int | None, digits: int = 1) -> str:
    """Numbers for tables: thousands separators, `digits` decimals for floats; None → `—`."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, int) or (float(x).is_integer() and abs(x) >= 100):
        return f"{int(x):,}"
    return f"{x:,.{digits}f}"


def fmt_value(value: float | None, unit: str | None) -> str:
    """A finding's figure with its unit (`ms` values shown as durations)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    unit = (unit or "").strip()
    if unit in ("ms", "milliseconds"):
        return fmt_ms(value)
    if unit in ("%", "percent"):
        return f"{fmt_num(value)} %"
    if unit in ("share", "fraction"):
        return f"{100 * value:.1f} %"
    text = fmt_num(value, 1 if not float(value).is_integer() else 0)
    return f"{text} {unit}" if unit else text


def fmt_offset(minutes: int | None) -> str:
    """`UTC+05:30` for an offset in minutes; "" when unknown."""
    if minutes is None:
        return ""
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h:02d}:{m:02d}"


def duration_clock(ms: int | None) -> str:
    """`1d 2h03m04s`: an uptime to the second (`info`)."""
    if ms is None:
        return "?"
    s = ms // 1000
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return (f"{d}d " if d else "") + f"{h}h{m:02d}m{s:02d}s"


def esc(text: object) -> str:
    """Escape a string for Plotly's pseudo-HTML (hover, ticks, legend): shown as text."""
    return html.escape(str(text), quote=False).replace("\n", "<br>")


def script_json(obj: object) -> str:
    """JSON that can sit inside <script>: no `<`, `>`, `&` or line separators unescaped, so
    no string from the input can close the element or open a comment."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=str)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def script_safe(js: str) -> str:
    """A JS bundle inlined in <script>: only `</script` could end it early."""
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)


# C0 and C1 controls, DEL, and the invisible characters that reorder or break a line (bidi
# embeddings, overrides and isolates, LRM/RLM/ALM, NEL, line and paragraph separators):
# bytes from an input that would clear a terminal, set its title or turn one sentence into
# several lines, or make a Markdown ticket show something other than what it holds.
_UNSAFE = [*range(0x00, 0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F,
           *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029]
_VISIBLE = {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in _UNSAFE}


def plain(text: object) -> str:
    """Text from an input made safe for a terminal or a ticket: every control, bidi or
    line-breaking character shown as its escape (`\\x1b`, `\\u202e`), the rest unchanged."""
    return str(text).translate(_VISIBLE)
def source_label(source: str, full_path: bool = False) -> str:
    """How reports name an input: its file name (a path can hold a user or project name),
    the whole path or URL when asked; stdin stays `-`."""
    if full_path or source in ("-", ""):
        return source
    return source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or source
