"""The energy budget as reports carry it: budget, screen-off health and a one-sentence
headline naming the biggest measured cost (DESIGN principle 10: energy first)."""

from __future__ import annotations

from wakescope.analyzer.format import duration_words
from wakescope.analyzer.passes.context import Context, crosses
from wakescope.analyzer.passes.energy import budget
from wakescope.analyzer.passes.screen_off import health

# Resource names as a headline says them.
_WORDS = {"cpu": "CPU", "gps": "GPS", "cell": "Cell radio", "wifi": "Wi-Fi",
          "idle": "Idle (suspended device)", "ambient_display": "Ambient display",
          "other": "Other device power", "other_users": "Other users"}
SCREEN_OFF_NAMED = 0.10   # a flagged screen-off drain joins the headline from this share
KWL_MOSTLY = 0.5   # a kernel wakelock "mostly" explains awake time at this share of it


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def _off_candidate(ctx: Context, h: dict, total: float) -> tuple[float, str] | None:
    mah = h.get("drain_mah")
    if not mah:
        return None
    lost = f"{mah:.0f} of {total:.0f} mAh lost with the screen off"
    awake = h.get("awake_share")
    t = ctx.threshold("awake_screen_off")
    if awake is not None and crosses(awake, t["value"], t.get("comparison", ">=")):
        text = f"Awake {_pct(awake)} of screen-off time"
        kwl = h.get("kernel_wakelocks") or []
        if kwl:
            k = kwl[0]
            held_off = k["ms"] * h["screen_off_time_share"]
            word = "mostly" if h["awake_ms"] and held_off >= KWL_MOSTLY * h["awake_ms"] \
                else "longest"
            text += f", {word} kernel wakelock {k['name']} ({duration_words(k['ms'])})"
        return mah, f"{text}: {lost}"
    rate = h.get("drain_pct_per_h")
    text = f"Screen off {_pct(h['screen_off_time_share'])} of the time"
    if rate is not None:
        text += f", draining {rate:.1f} %/h"
    return mah, f"{text}: {lost}"


def headline(ctx: Context, b: dict | None, h: dict | None) -> str | None:
    """One sentence naming the biggest measured cost, or None when nothing is measured."""
    if not b:
        return None
    total = b["total_mah"]
    cands: list[tuple[float, str]] = []
    res = b.get("resources", {})
    screen = res.get("screen")
    s = ctx.table("batterystats_summary")
    row = s.row(0, named=True) if s.height else {}
    if screen and row.get("battery_realtime_ms"):
        on = (row.get("screen_on_ms") or 0) / row["battery_realtime_ms"]
        cands.append((screen, f"Screen on {_pct(on)} of the time: {screen:.0f} of {total:.0f} "
                              "mAh"))
    off = _off_candidate(ctx, h, total) if h else None
    if off:
        cands.append(off)
    for comp in b["components"]:
        name = comp["name"]
        if name in ("apps", "screen", "unaccounted"):
            continue
        cands.append((comp["mah"], f"{_WORDS.get(name, name.replace('_', ' ').capitalize())}: "
                                   f"{comp['mah']:.0f} of {total:.0f} mAh"))
    for a in b["apps"][:3]:
        text = f"{a['package'] or a['uid']}: {a['mah']:.0f} of {total:.0f} mAh"
        by_api = {k: v for k, v in a["by_api"].items() if k != "unattributed"}
        if by_api:
            api = max(by_api, key=by_api.get)
            text += f", {by_api[api]:.0f} mAh of it through {api.replace('_', ' ')}"
        cands.append((a["mah"], text))
    un = next((c["mah"] for c in b["components"] if c["name"] == "unaccounted"), 0.0)
    if un > 0:
        cands.append((un, f"The power model explains {b['modelled_mah']:.0f} of {total:.0f} "
                          f"mAh; {un:.0f} mAh unaccounted"))
    # A modelled figure above the measured total is the model over-counting, not a cost.
    cands = [c for c in cands if 0 < c[0] <= total * 1.001]
    if not cands:
        return None
    best = max(cands, key=lambda c: c[0])
    # A screen-off problem the threshold flags is named too, after the biggest cost.
    if off and best is not off and off[0] >= SCREEN_OFF_NAMED * total and _flagged(ctx, h):
        return f"{best[1]}; {off[1][0].lower()}{off[1][1:]}"
    return best[1]


def _flagged(ctx: Context, h: dict) -> bool:
    """Did the screen-off drain or awake share cross its finding threshold?"""
    for name, key in (("awake_screen_off", "awake_share"),
                      ("screen_off_drain", "drain_pct_per_h")):
        t = ctx.threshold(name)
        v = h.get(key)
        if v is not None and crosses(v, t["value"], t.get("comparison", ">=")):
            return True
    return False


def report(ctx: Context) -> dict | None:
    """JSON `energy`: total_mah, source, components, apps, caveats, screen_off, headline."""
    b = budget(ctx)
    h = health(ctx)
    if b is None and h is None:
        return None
    out = dict(b) if b else {"total_mah": None, "source": None, "components": [],
                             "apps": [], "caveats": []}
    out["screen_off"] = h
    out["headline"] = headline(ctx, b, h)
    return out
