"""Plotly figures for the report, written as JSON directly (no plotly.graph_objects: building
figure objects costs more than the whole report may take).

The timeline is shipped compactly (spans as flat integer arrays, hover texts deduplicated)
and expanded into Plotly traces by a few lines of JS in the page. Every string that reaches
Plotly is HTML-escaped first, because Plotly renders hover text, tick labels and legend
names as pseudo-HTML; the JSON is then made safe to sit inside a <script> element.
"""

from __future__ import annotations

from wakescope.analyzer.format import esc, fmt_offset, script_json  # noqa: F401 (re-used)
from wakescope.analyzer.report.intervals import Timeline

# Colours by background API (DESIGN.md vocabulary), then device lanes.
API_COLORS = {
    "work_manager": "#2563eb",
    "job_scheduler": "#0891b2",
    "sync_adapter": "#7c3aed",
    "gms_scheduler": "#4f46e5",
    "alarm_manager": "#ea580c",
    "foreground_service": "#db2777",
    "fcm": "#16a34a",
    "location": "#ca8a04",
    "media": "#c026d3",
    "bluetooth": "#0284c7",
    "widget": "#65a30d",
    "broadcast": "#a16207",
    "user_initiated_transfer": "#0d9488",
    "wakelock": "#dc2626",
    "system": "#64748b",
    "kernel": "#475569",
    "unknown": "#b6a593",
    "top_app": "#a8b5c7",
    "display": "#94a3b8",
    "network": "#0ea5e9",
    "clock": "#111827",
}
API_LABELS = {
    "work_manager": "WorkManager", "job_scheduler": "JobScheduler",
    "sync_adapter": "SyncAdapter", "alarm_manager": "AlarmManager",
    "gms_scheduler": "GMS scheduler",
    "foreground_service": "Foreground service", "fcm": "FCM", "location": "Location",
    "media": "Media", "bluetooth": "Bluetooth", "widget": "Widget", "broadcast": "Broadcast",
    "user_initiated_transfer": "User-initiated transfer", "wakelock": "App wakelock",
    "system": "System", "kernel": "Kernel", "unknown": "Unattributed",
    "top_app": "Foreground app",
    "display": "Screen / display", "network": "Network packet", "clock": "Clock change",
}
DEVICE_TRACES = {
    "screen": ("Screen on", "#eab308"),
    "plugged": ("Plugged in", "#22c55e"),
    "charging": ("Charging", "#15803d"),
    "doze_light": ("Doze (light)", "#93c5fd"),
    "doze_full": ("Doze (deep)", "#1e40af"),
    "doze_": ("Doze", "#1e40af"),
    "power_save": ("Battery saver", "#f97316"),
    "running": ("CPU awake", "#94a3b8"),
}


def api_color(api: str | None) -> str:
    return API_COLORS.get(api or "unknown", "#94a3b8")


def api_label(api: str | None) -> str:
    return API_LABELS.get(api or "unknown", (api or "unknown").replace("_", " "))


def _axis_title(tl: Timeline, offset_min: int | None) -> str:
    if tl.axis_title:
        return tl.axis_title
    if tl.axis == "local":
        off = fmt_offset(offset_min)
        return f"device local time{f' ({off})' if off else ''}"
    if tl.axis == "utc":
        return "UTC (device time zone unknown)"
    if tl.axis == "before_capture":
        return "hours before the capture (no wall clock in this dump)"
    return "hours since the history began (no wall clock in this capture)"


def timeline_spec(tl: Timeline, offset_min: int | None = None) -> dict | None:
    """The compact timeline spec the page's JS turns into a Plotly figure; None if empty."""
    if tl.empty:
        return None
    t0 = tl.start or 0
    traces = []
    order = [k for k in DEVICE_TRACES if k in tl.segments]
    order += sorted((k for k in tl.segments if k not in DEVICE_TRACES and k != "top_app"),
                    key=lambda k: -len(tl.segments[k]))
    if "top_app" in tl.segments:
        order.append("top_app")
    for key in order:
        segs = tl.segments[key]
        if key in DEVICE_TRACES:
            name, color = DEVICE_TRACES[key]
        elif key.startswith("doze_"):
            name, color = f"Doze ({key[5:]})", "#1e40af"
        else:
            name, color = api_label(key), api_color(key)
        flat: list[int] = []
        for lane, s, e, ti in segs:
            flat += (lane, s - t0, e - t0, ti)
        traces.append({"name": esc(name), "color": color, "segs": flat,
                       "device": key in DEVICE_TRACES or key.startswith("doze_")})
    lanes = len(tl.lanes)
    battery_h = 120 if tl.battery else 0
    lane_h = 22
    height = battery_h + max(1, lanes) * lane_h + 120
    gap = 30
    lanes_frac = (lanes * lane_h) / max(1, height - 80)
    shapes = []
    groups = tl.group_of_lane
    for i in range(1, lanes):
        if groups[i] != groups[i - 1]:
            shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y2",
                           "y0": i - 0.5, "y1": i - 0.5,
                           "line": {"color": "#cbd5e1", "width": 1}})
    layout = {
        "height": height,
        "margin": {"l": 80, "r": 16, "t": 40, "b": 48},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
                 "size": 12, "color": "#1e293b"},
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        "hovermode": "closest", "hoverdistance": 30, "dragmode": "zoom",
        "hoverlabel": {"align": "left", "font": {"size": 12}},
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom",
                   "font": {"size": 11}, "itemclick": "toggle"},
        "xaxis": {"type": "linear" if tl.axis in ("relative", "before_capture") else "date",
                  "anchor": "y2", "showgrid": True, "gridcolor": "#eef2f7",
                  "title": {"text": esc(_axis_title(tl, offset_min)), "font": {"size": 11}},
                  "showspikes": True, "spikemode": "across", "spikethickness": 1,
                  "spikecolor": "#94a3b8", "spikedash": "dot"},
        "yaxis2": {"domain": [0, min(1.0, lanes_frac)], "type": "linear", "tickmode": "array",
                   "tickvals": list(range(lanes)),
                   "ticktext": [esc(x) for x in tl.lanes], "range": [lanes - 0.5, -0.5],
                   "fixedrange": True, "showgrid": False, "tickfont": {"size": 11},
                   "automargin": True,
                   "zeroline": False},
        "shapes": shapes,
    }
    if tl.battery:
        top = min(1.0, lanes_frac) + gap / max(1, height - 80)
        layout["yaxis"] = {"domain": [min(top, 0.9), 1], "range": [0, 102],
                           "title": {"text": "battery %", "font": {"size": 11}},
                           "fixedrange": True, "gridcolor": "#eef2f7", "ticksuffix": "%"}
    battery = None
    if tl.battery:
        xs = [x - t0 for x, _ in tl.battery]
        # Hold the last level until the end of the history.
        if tl.end is not None and xs and tl.end - t0 > xs[-1]:
            xs.append(tl.end - t0)
            levels = [v for _, v in tl.battery] + [tl.battery[-1][1]]
        else:
            levels = [v for _, v in tl.battery]
        battery = {"x": xs, "y": levels, "gl": len(xs) > 3000}
    return {
        "t0": t0,
        "axis": tl.axis,
        "lanes": lanes,
        "traces": traces,
        "texts": [esc(t) for t in tl.texts],
        "lane_names": [esc(x) for x in tl.lane_full],
        "shifts": [[x, d, esc(z)] for x, d, z in tl.shifts],
        "battery": battery,
        "layout": layout,
    }
