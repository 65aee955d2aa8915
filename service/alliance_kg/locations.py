"""Where the knowledge files are read from and where the commands write.

Two kinds of project folder hold ``ontology/``, ``data/``, ``shapes/`` and ``queries/``:

* a **checkout** of the repository (curators edit the files there; ``dist/`` is written inside
  it), recognised by those folders beside ``service/alliance_kg/``;
* the **packaged copy** inside the installed package (``alliance_kg/_data``, put there when the
  wheel is built, see ``setup.py``), read through :mod:`importlib.resources`. It is read-only:
  what the commands write (the built dataset, merged sources) goes to the user data directory
  instead, in a folder named after the package version and the knowledge's content hash, so two
  installed versions never share a build.

Only the standard library is imported here: ``config`` (and so every command) imports this
module before anything heavy.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from . import __version__

#: the package's own copy of the knowledge files (a folder of the installed package)
PACKAGED_DIR = "_data"
#: the folders a checkout has and the packaged copy carries
KNOWLEDGE_DIRS = ("ontology", "data", "shapes", "queries")
APP_NAME = "alliance-kg"


def is_checkout(folder: Path) -> bool:
    """A clone of this repository: the knowledge folders beside the package's sources.

    Stricter than "has ontology/ and shapes/": another project with those folders (yours, with
    our package installed in its virtualenv) must not be mistaken for ours.
    """
    return ((folder / "ontology").is_dir() and (folder / "shapes").is_dir()
            and (folder / "service" / "alliance_kg" / "__init__.py").is_file())


def find_checkout(starts: Iterable[Path]) -> Path | None:
    """The first checkout at or above one of ``starts``."""
    for start in starts:
        for parent in (start, *start.parents):
            if is_checkout(parent):
                return parent
    return None


def packaged_root() -> Path | None:
    """The packaged copy of the knowledge files, or None (an editable install has none).

    ``importlib.resources`` finds it wherever the package is installed; a zipped install (not
    a real folder) is not supported, the commands need paths.
    """
    folder = resources.files("alliance_kg").joinpath(PACKAGED_DIR)
    if not isinstance(folder, Path) or not (folder / "shapes").is_dir():
        return None
    return folder.resolve()


def is_packaged(root: Path) -> bool:
    """Whether ``root`` is the packaged copy (read-only: never write below it)."""
    packaged = packaged_root()
    return packaged is not None and Path(root).resolve() == packaged


def user_data_dir(override: str | None = None) -> Path:
    """The per-user folder for what the commands write outside a checkout.

    ``override`` (the ``data_dir`` setting, ``ALLIANCE_KG_DATA_DIR``), else the platform's
    convention: ``$XDG_DATA_HOME/alliance-kg`` (``~/.local/share/alliance-kg``) on Linux and
    other Unixes, ``~/Library/Application Support/alliance-kg`` on macOS,
    ``%LOCALAPPDATA%\\alliance-kg`` on Windows.
    """
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / APP_NAME
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_NAME
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / APP_NAME


def output_base(root: Path, data_dir: str | None = None) -> Path:
    """What ``dist_dir`` is relative to: the checkout itself, or, for the packaged copy, a
    folder of the user data directory named ``<version>-<content hash>``."""
    if not is_packaged(root):
        return Path(root)
    build = source_hash(Path(root)).removeprefix("sha256:")[:12]
    return user_data_dir(data_dir) / f"{__version__}-{build}"


def knowledge_files(root: Path) -> list[Path]:
    """The files a build reads, as ``knowledge.load.repo_sources`` selects them (sorted)."""
    from .knowledge.load import repo_sources

    sources = repo_sources(root)
    return [p for key in ("ontology", "data", "shapes") for p in sources[key]]


def content_hash(root: Path, files: Iterable[Path]) -> str:
    """``sha256:<hex>`` of the files' paths (relative to ``root``) and bytes.

    The dataset's build identifier: it names exactly the knowledge a dataset was built from,
    whatever the machine, folder or file times.
    """
    lines = []
    for path in files:
        try:
            name = Path(path).relative_to(root).as_posix()
        except ValueError:
            name = Path(path).as_posix()
        lines.append(f"{name}\0{hashlib.sha256(Path(path).read_bytes()).hexdigest()}\n")
    return "sha256:" + hashlib.sha256("".join(sorted(lines)).encode()).hexdigest()


@lru_cache(maxsize=8)
def source_hash(root: Path) -> str:
    """:func:`content_hash` of the knowledge files under ``root`` (remembered: the packaged
    copy never changes while a process runs)."""
    return content_hash(root, knowledge_files(root))
