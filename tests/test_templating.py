"""Templates compiled once (issue 17): the precompiled modules render what the sources
render, and the digest that guards them follows every template edit."""

from __future__ import annotations

import shutil
from pathlib import Path

from jinja2 import FileSystemLoader, ModuleLoader

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
