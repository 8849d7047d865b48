"""The one Jinja environment of the reports, over templates compiled once (issue 17).

Compiling the templates took 0.13 s of every run. They are now compiled to Python modules
in `report/_compiled/t<digest>/` (inside the package, never in an output folder) at build
(`setup.py` build_py) or on first use, and loaded with `jinja2.ModuleLoader`; pip (or the
first use) caches their bytecode like any module. The digest covers the template sources,
the Jinja version and the options: when a template changes, a new folder is compiled (and
the old one pruned); when the package folder is read-only the templates are compiled in
memory as before. Imports only Jinja and the standard library, so the build step can
load this file on its own.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
COMPILED = HERE / "_compiled"
# Every option that changes the compiled code is part of the digest below.
OPTIONS = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True}
# Filters the templates use (Jinja checks their names at compile time; set in environment()).
FILTERS = ("ms", "num")

_ENV = None


def _new_env(loader):
    from jinja2 import Environment, StrictUndefined

    env = Environment(loader=loader, undefined=StrictUndefined, **OPTIONS)
    env.filters.update(dict.fromkeys(FILTERS, str))  # placeholders: looked up when rendering
    return env


def source_digest(templates: Path = TEMPLATES) -> str:
    """What the compiled modules must have been compiled from: sources, Jinja, options."""
    import jinja2

    h = hashlib.sha256(f"jinja2 {jinja2.__version__} {sorted(OPTIONS.items())} {FILTERS}".encode())
    for path in sorted(p for p in templates.rglob("*") if p.is_file()):
        h.update(b"\0" + path.relative_to(templates).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def compiled_dir(root: Path, digest: str) -> Path:
    """Where the modules compiled from sources with this digest live: one folder per digest,
    never replaced in place, so a process never reads a folder another is swapping."""
    return root / f"t{digest[:16]}"


def compile_into(root: Path, templates: Path = TEMPLATES, *, bytecode: bool = True) -> Path:
    """Compile every template into `root/t<digest>/` (built aside, then renamed into place;
    when another process got there first its folder is used) and prune older digests'
    folders; returns the folder. `bytecode` also writes each module's .pyc."""
    from jinja2 import FileSystemLoader

    digest = source_digest(templates)
    target = compiled_dir(root, digest)
    if _holds(target, digest):
        return target
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{target.name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        _new_env(FileSystemLoader(str(templates))).compile_templates(
            tmp, zip=None, ignore_errors=False)
        if bytecode:
            import importlib.util
            import py_compile

            for py in tmp.glob("*.py"):
                py_compile.compile(str(py), cfile=importlib.util.cache_from_source(str(py)),
                                   doraise=True)
        (tmp / "DIGEST").write_text(digest + "\n", encoding="ascii")
        try:
            tmp.rename(target)
        except OSError:
            if not _holds(target, digest):  # not a lost race: a real failure
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for old in root.glob("t*"):
        if old != target and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return target


def _holds(folder: Path, digest: str) -> bool:
    try:
        return (folder / "DIGEST").read_text(encoding="ascii").strip() == digest
    except OSError:
        return False


def environment():
    """The shared Environment (autoescape on, strict undefined), built once per process."""
    global _ENV
    if _ENV is None:
        from jinja2 import FileSystemLoader, ModuleLoader

        digest = source_digest()
        folder = compiled_dir(COMPILED, digest)
        loader = ModuleLoader(str(folder)) if _holds(folder, digest) else None
        if loader is None:
            try:
                loader = ModuleLoader(str(compile_into(COMPILED)))
            except OSError:  # a read-only install: compile in memory, as before
                loader = FileSystemLoader(str(TEMPLATES))
        env = _new_env(loader)
        from wakescope.analyzer.format import fmt_ms, fmt_num

        env.filters["ms"] = fmt_ms
        env.filters["num"] = fmt_num
        from wakescope.analyzer.report.charts import API_COLORS
        from wakescope.analyzer.report.table_html import table_rows

        # What macros.html.j2 reads besides its arguments: globals, so report.html.j2 imports
        # it without its context and Jinja builds the macros' module once per process, not
        # a module per page holding the page's data in a reference cycle (one gen-0 garbage
        # collection every few pages in a batch).
        env.globals.update(table_rows=table_rows,  # a table's body rows
                           api_colors=API_COLORS, fmt_ms=fmt_ms, fmt_num=fmt_num)
        _ENV = env
    return _ENV
