"""Build hook: the wheel carries the knowledge files, so the commands work outside a checkout.

Everything else about the package is in pyproject.toml. The repository keeps ``ontology/``,
``data/``, ``shapes/`` and ``queries/`` at its top, where curators edit them; this hook copies
them into the built package as ``alliance_kg/_data/`` (read by ``alliance_kg.locations``
through importlib.resources). Copying at build time, rather than keeping a second copy or
symlinks in the source tree, leaves one version of each file to edit. The sdist carries the
folders (MANIFEST.in), so a wheel built from it gets them too.

An editable install copies nothing: the package then runs from the checkout and finds the
folders beside it. The query UI's YASGUI bundle (``web/static/ui/vendor/``, built by ./dev from
npm) is package data; a build without it says so, and fails when ALLIANCE_KG_REQUIRE_UI=1
(CI sets it, so no release lacks the UI).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
KNOWLEDGE_DIRS = ("ontology", "data", "shapes", "queries")
PACKAGED_DIR = Path("alliance_kg") / "_data"
UI_BUNDLE = Path("alliance_kg") / "web" / "static" / "ui" / "vendor" / "yasgui.min.js"
JUNK = shutil.ignore_patterns("__pycache__", "*.py[cod]", ".DS_Store", "*~", ".#*")


class BuildPy(build_py):
    """``build_py`` plus the knowledge folders copied into the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / PACKAGED_DIR
        if target.exists():
            shutil.rmtree(target)
        for name in KNOWLEDGE_DIRS:
            source = HERE / name
            if not source.is_dir():
                raise SystemExit(f"setup.py: {source} is missing: the package needs the "
                                 "knowledge folders (build from a checkout or the sdist)")
            shutil.copytree(source, target / name, ignore=JUNK)
        if not (Path(self.build_lib) / UI_BUNDLE).is_file():
            message = (f"setup.py: {UI_BUNDLE} is missing: the query UI will show its plain "
                       "form (run ./dev build or `cd ui && npm ci && npm run build` first)")
            if os.environ.get("ALLIANCE_KG_REQUIRE_UI", "") not in ("", "0"):
                raise SystemExit(message)
            print(f"WARNING: {message}")


setup(cmdclass={"build_py": BuildPy})
