"""Build step: ship the report templates precompiled (issue 17). Everything else about the
package is declared in pyproject.toml; this only extends build_py so a wheel carries
`wakescope/analyzer/report/_compiled/t<digest>/` (Jinja templates as Python modules, which pip
byte-compiles at install), and a run never compiles a template."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class build_py_with_templates(build_py):
    """build_py, then compile the Jinja templates into the built package."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install compiles into the source tree on first use
        here = Path(__file__).resolve().parent / "analyzer" / "report"
        spec = importlib.util.spec_from_file_location("_wakescope_templating",
                                                      here / "templating.py")
        templating = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(templating)
        target = Path(self.build_lib) / "wakescope" / "analyzer" / "report" / "_compiled"
        target.parent.mkdir(parents=True, exist_ok=True)
        templating.compile_into(target, here / "templates", bytecode=False)


setup(cmdclass={"build_py": build_py_with_templates})
