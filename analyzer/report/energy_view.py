"""The report's energy section: the headline, the budget as a Plotly sunburst (total →
component → app → API) and the screen-off figures, from `Analysis.energy`
(passes/energy_report.py). Every input string is escaped (format.esc) before it reaches
Plotly, which renders labels as pseudo-HTML; the spec goes out through script_json."""

from __future__ import annotations

from typing import Any

from wakescope.analyzer.format import duration_words, esc

CHART_APPS = 12      # apps drawn one by one; the rest are one "other apps" wedge
_COMPONENT_COLORS = {
    "screen": "#f59e0b", "cell": "#0ea5e9", "wifi": "#22c55e", "bluetooth": "#3b82f6",
    "idle": "#94a3b8", "cpu": "#ef4444", "gps": "#ca8a04", "apps": "#8b5cf6",
    "unaccounted": "#d6d3d1",
}


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f} %"


def sunburst_spec(energy: dict | None) -> dict | None:
    """A Plotly sunburst figure (data + layout) of the budget, or None without one."""
    if not energy or not energy.get("total_mah"):
        return None
    total = energy["total_mah"]
    # (id, label, parent, value, colour); parents get the sum of their rounded children so
    # Plotly's branchvalues="total" never sees children above their parent.
    nodes: list[list] = []

    def node(i: str, label: str, parent: str, value: float, color: str = "") -> list:
        n = [i, esc(label), parent, round(max(value, 0.0), 3), color]
        nodes.append(n)
        return n

    comps = [c for c in energy["components"] if c["mah"] > 0]
    root = node("total", f"{total:.0f} mAh lost", "", 0.0, "#ffffff")
    apps_node = None
    for c in comps:
        n = node(f"c:{c['name']}", c["name"], "total", c["mah"],
                 _COMPONENT_COLORS.get(c["name"], ""))
        if c["name"] == "apps":
            apps_node = n
    apps = [a for a in energy.get("apps") or [] if a["mah"] > 0]
    if apps_node is not None:
        app_sum = 0.0
        for a in apps[:CHART_APPS]:
            aid = f"a:{a['uid']}"
            an = node(aid, a["package"] or str(a["uid"]), "c:apps", a["mah"])
            kids = [node(f"{aid}:{api}", api, aid, mah)[3]
                    for api, mah in a["by_api"].items() if mah > 0]
            if kids:
                an[3] = round(max(an[3], sum(kids)), 3)
            app_sum += an[3]
        rest = sum(a["mah"] for a in apps[CHART_APPS:])
        if rest > 0:
            app_sum += node("a:other", f"{len(apps) - CHART_APPS} other apps", "c:apps",
                            rest)[3]
        apps_node[3] = round(max(apps_node[3], app_sum), 3)
    root[3] = round(max(total, sum(n[3] for n in nodes if n[2] == "total")), 3)
    ids, labels, parents, values, colors = (list(x) for x in zip(*nodes, strict=True))
    return {
        "data": [{"type": "sunburst", "ids": ids, "labels": labels, "parents": parents,
                  "values": values, "branchvalues": "total",
                  "marker": {"colors": colors},
                  "hovertemplate": "%{label}: %{value:.1f} mAh<br>%{percentRoot:.1%} of the "
                                   "loss<extra></extra>",
                  "insidetextorientation": "radial", "maxdepth": 3}],
        "layout": {"margin": {"t": 10, "l": 10, "r": 10, "b": 10}, "height": 460},
    }


def energy_view(analysis: Any) -> dict | None:
    """Plain values for the template's energy section (None when there is no budget)."""
    e = analysis.energy
    if not e:
        return None
    so = e.get("screen_off") or {}
    rows = []
    if so:
        rows = [
            ("Screen off", f"{duration_words(so['screen_off_ms'])} "
                           f"({_pct(so.get('screen_off_time_share'))} of the time on battery)"),
            ("Drain, screen off", "—" if so.get("drain_pct_per_h") is None else
             f"{so['drain_pct_per_h']:.2f} %/h"
             + (f" ({so['drain_mah']:.0f} mAh, {so['drain_source']})"
                if so.get("drain_mah") else "")),
            ("Awake while screen off", "—" if so.get("awake_share") is None else
             f"{duration_words(so['awake_ms'])} ({_pct(so['awake_share'])})"),
            ("Doze", f"deep {duration_words(so.get('deep_doze_ms'))}, light "
                     f"{duration_words(so.get('light_doze_ms'))}; entries "
                     f"{(so.get('doze_entries') or {}).get('deep', 0)} deep, "
                     f"{(so.get('doze_entries') or {}).get('light', 0)} light"),
            ("Mobile radio active", duration_words(so.get("mobile_radio_active_ms"))),
        ]
        for label, key, items in (("Kernel wakelock", "name", so.get("kernel_wakelocks")),
                                  ("Wakeup reason", "reason", so.get("wakeup_reasons"))):
            for k in (items or [])[:3]:
                share = k.get("awake_share")
                rows.append((label, f"{k[key]}: {duration_words(k['ms'])} ({k['count']}×)"
                             + (f", up to {_pct(share)} of the screen-off awake time"
                                if share is not None else "")))
        for f in (so.get("full_wakelocks") or [])[:3]:
            rows.append(("Full wakelock", f"{f['package'] or f['uid']}: "
                                          f"{duration_words(f['ms'])}"))
        for lh in (so.get("long_holds") or [])[:3]:
            rows.append(("Long hold (+longwake)", f"{lh['package'] or lh['uid']} "
                                                  f"{lh['tag']} ({lh['count']}×)"))
    comps = [(c["name"], f"{c['mah']:.1f}", _pct(c["share"]))
             for c in e.get("components") or []]
    return {
        "headline": e.get("headline"),
        "total": None if e.get("total_mah") is None else f"{e['total_mah']:.0f} mAh",
        "source": e.get("source_words") or e.get("source"),
        "components": comps,
        "caveats": e.get("caveats") or [],
        "screen_off": rows,
    }
