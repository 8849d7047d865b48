"""Where a page gets Plotly's JS: inline (one self-contained file), a shared `plotly.min.js`
beside the pages (a batch: the fleet's HTML is its data, not 4.6 MB of library per report),
or Plotly's CDN (a page that needs the network). Read from the installed plotly package
as a file: nothing imports plotly.
"""

from __future__ import annotations

import re
from pathlib import Path

MODES = ("inline", "shared", "cdn")
SHARED_NAME = "plotly.min.js"
_SCRIPT_END = re.compile(rb"</script", re.IGNORECASE)
_VERSION = re.compile(rb"plotly\.js v(\d+\.\d+\.\d+)")


def _bundled() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    if spec is not None and spec.origin:
        path = Path(spec.origin).parent / "package_data" / "plotly.min.js"
        if path.is_file():
            return path
    return None


def plotly_js_bytes() -> bytes:
    """Plotly's bundled JS, safe inside a <script> element."""
    path = _bundled()
    if path is not None:
        data = path.read_bytes()
        if not _SCRIPT_END.search(data):  # a search, not a lower-cased 4.6 MB copy
            return data
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().replace("</script", "<\\/script").encode("utf-8")


def plotly_js_version() -> str:
    """The bundled plotly.js version (from the bundle's banner), for the CDN address."""
    path = _bundled()
    if path is not None:
        with open(path, "rb") as fh:
            m = _VERSION.search(fh.read(400))
        if m:
            return m.group(1).decode("ascii")
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def script_tag(mode: str, shared_src: str = SHARED_NAME) -> str:
    """The <script> element that loads Plotly in `shared` or `cdn` mode."""
    from wakescope.analyzer.format import esc

    src = (f"https://cdn.plot.ly/plotly-{plotly_js_version()}.min.js" if mode == "cdn"
           else shared_src)
    return f'<script src="{esc(src)}" charset="utf-8"></script>'


def ensure_shared(folder: Path) -> Path:
    """Write `plotly.min.js` into `folder` unless an identical one is there (atomic; safe
    when batch workers race: each writes its own temporary file, then renames)."""
    from wakescope.analyzer.report.tables import safe_child

    target = safe_child(folder, SHARED_NAME)
    data = plotly_js_bytes()
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return target
    except OSError:
        pass
    from wakescope.analyzer.outputs import write_atomic

    write_atomic(target, data)
    return target
