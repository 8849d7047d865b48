"""Templates compiled once (issue 17): the precompiled modules render what the sources
render, and the digest that guards them follows every template edit."""

from __future__ import annotations

import shutil
from pathlib import Path

from jinja2 import FileSystemLoader, ModuleLoader

from tests.conftest import SAMPLES
from wakescope.analyzer.report import templating


def test_compiled_modules_render_like_the_sources(tmp_path: Path):
    digest = templating.source_digest()
    (tmp_path / "_compiled" / "t0123456789abcdef").mkdir(parents=True)  # an older digest's
    target = templating.compile_into(tmp_path / "_compiled")
    assert target == tmp_path / "_compiled" / f"t{digest[:16]}"
    assert (target / "DIGEST").read_text().strip() == digest
    assert [p.name for p in (tmp_path / "_compiled").iterdir()] == [target.name]  # pruned
    assert templating.compile_into(tmp_path / "_compiled") == target  # reused as it is
    names = sorted(p.name for p in templating.TEMPLATES.iterdir())
    assert len(list(target.glob("tmpl_*.py"))) == len(names) == 9  # report, fleet, diff, …
    compiled = templating._new_env(ModuleLoader(str(target)))
    source = templating._new_env(FileSystemLoader(str(templating.TEMPLATES)))
    for name in ("style.css.j2", "sort.js.j2", "timeline.js.j2"):
        text = compiled.get_template(name).render()
        assert text == source.get_template(name).render()
    assert ":root {" in compiled.get_template("style.css.j2").render()


def test_digest_follows_template_edits(tmp_path: Path):
    copy = tmp_path / "templates"
    shutil.copytree(templating.TEMPLATES, copy)
    before = templating.source_digest(copy)
    assert before == templating.source_digest()
    sort_js = copy / "sort.js.j2"
    sort_js.write_text(sort_js.read_text() + "\n")
    assert templating.source_digest(copy) != before


def test_the_report_environment_loads_compiled_modules():
    env = templating.environment()
    assert isinstance(env.loader, ModuleLoader)
    digest = templating.source_digest()
    folder = templating.compiled_dir(templating.COMPILED, digest)
    assert (folder / "DIGEST").read_text().strip() == digest
    assert env.loader.module.__path__ == [str(folder)]
    assert env.filters["ms"](90_000) == "1m 30s"


def test_a_render_leaves_no_reference_cycles():
    """The page's macros are imported without its context (globals instead): with context,
    each render left the page's view data (6,328 objects for the sample bug report) in a
    cycle only the garbage collector could free, a collection every few pages (issue 17)."""
    import gc

    from wakescope import parsers
    from wakescope.analyzer.analysis import analyse
    from wakescope.analyzer.report.html import render_html

    analysis = analyse(parsers.load(SAMPLES / "bugreport-sample.zip"))
    render_html(analysis)  # first use: the environment and the macros' module are built
    gc.collect()
    gc.disable()
    try:
        page = render_html(analysis)
        assert gc.collect() == 0
    finally:
        gc.enable()
    # The macros still see the API colours (a global now): the apps table's stacked bar.
    from wakescope.analyzer.report.charts import API_COLORS

    assert f'background: {API_COLORS["wakelock"]}" title="wakelock: 3h 17m"' in page
