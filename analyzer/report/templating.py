"""The one Jinja environment of the reports, over templates compiled once (issue 17).

Compiling the templates took 0.13 s of every run. They are now compiled to Python modules
in `report/_compiled/` (inside the package, never in an output folder) at build
(`setup.py` build_py) or on first use, and loaded with `jinja2.ModuleLoader`; pip (or the
first import) caches their bytecode like any module. `_compiled/DIGEST` names the template
sources, Jinja version and options they were compiled from: when a template changes the
modules are rebuilt, and when the package folder is read-only the templates are compiled
in memory as before. Imports only Jinja and the standard library, so the build step can
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


def compile_into(target: Path, templates: Path = TEMPLATES, *, bytecode: bool = True) -> str:
    """Compile every template into `target` (swapped in whole, so a reader never sees half a
    folder); returns the digest written. `bytecode` also writes each module's .pyc."""
    from jinja2 import FileSystemLoader

    digest = source_digest(templates)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
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
        old = target.with_name(f".{target.name}.{os.getpid()}.old")
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return digest


def _current() -> bool:
    try:
        return (COMPILED / "DIGEST").read_text(encoding="ascii").strip() == source_digest()
    except OSError:
        return False


def environment():
    """The shared Environment (autoescape on, strict undefined), built once per process."""
    global _ENV
    if _ENV is None:
        from jinja2 import FileSystemLoader, ModuleLoader

        loader = None
        if not _current():
            try:
                compile_into(COMPILED)
            except OSError:  # a read-only install: compile in memory, as before
                loader = FileSystemLoader(str(TEMPLATES))
        env = _new_env(loader or ModuleLoader(str(COMPILED)))
        from wakescope.analyzer.format import fmt_ms, fmt_num

        env.filters["ms"] = fmt_ms
        env.filters["num"] = fmt_num
        _ENV = env
    return _ENV
