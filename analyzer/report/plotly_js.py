"""Where a page gets Plotly's JS: inline (one self-contained file), a shared `plotly.min.js`
beside the pages (a batch: the fleet's HTML is its data, not 4.6 MB of library per report),
or Plotly's CDN (a page that needs the network). Read from the installed plotly package
as a file: nothing imports plotly.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

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


# Pieces the bundled JS is scanned and copied in (`write_plotly_js`).
_PIECE = 1 << 20


@lru_cache(maxsize=1)
def _bundled_safe() -> Path | None:
    """The bundled JS file when it holds no `</script` (scanned once, piece by piece)."""
    path = _bundled()
    if path is None:
        return None
    tail = b""
    with open(path, "rb") as fh:
        while piece := fh.read(_PIECE):
            if _SCRIPT_END.search(tail + piece):
                return None
            tail = piece[-len(b"</script"):]
    return path


def write_plotly_js(out: BinaryIO) -> None:
    """Write `plotly_js_bytes()` to `out` piece by piece: an inline report never holds the
    4.6 MB library in memory (peak RSS, issue 17)."""
    path = _bundled_safe()
    if path is None:
        out.write(plotly_js_bytes())
        return
    with open(path, "rb") as fh:
        shutil.copyfileobj(fh, out, _PIECE)


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


# Shared copies this process has checked or written: path → (inode, size, mtime). A batch
# worker checks its folder's copy once, not 4.6 MB twice per report (issue 17).
_CHECKED: dict[str, tuple[int, int, int]] = {}


def _stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def _same_as_bundle(target: Path) -> bool:
    """Whether `target` holds exactly `plotly_js_bytes()`, compared piece by piece."""
    path = _bundled_safe()
    if path is None:
        return target.read_bytes() == plotly_js_bytes()
    if target.stat().st_size != path.stat().st_size:
        return False
    with open(path, "rb") as want, open(target, "rb") as have:
        while piece := want.read(_PIECE):
            if have.read(_PIECE) != piece:
                return False
    return True


def ensure_shared(folder: Path) -> Path:
    """Write `plotly.min.js` into `folder` unless an identical one is there (atomic; safe
    when batch workers race: each writes its own temporary file, then renames)."""
    from wakescope.analyzer.report.tables import safe_child

    target = safe_child(folder, SHARED_NAME)
    key = str(target)
    try:
        if _CHECKED.get(key) == _stamp(target) or _same_as_bundle(target):
            _CHECKED[key] = _stamp(target)
            return target
    except OSError:
        pass
    from wakescope.analyzer.outputs import write_atomic

    write_atomic(target, plotly_js_bytes())
    with contextlib.suppress(OSError):
        _CHECKED[key] = _stamp(target)
    return target
