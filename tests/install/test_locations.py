"""Where the knowledge is read from and where outputs go (``alliance_kg.locations``), in-process.

The end-to-end check is test_install.py; these pin the rules it relies on without a build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from alliance_kg import __version__, locations
from alliance_kg.config import Settings
from alliance_kg.knowledge.build import build_dataset
from alliance_kg.namespaces import DESCRIPTION, SCHEMA

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "knowledge" / "fixtures" / "repo"


def test_a_checkout_is_ours_not_any_folder_with_ontology_and_shapes(tmp_path: Path) -> None:
    assert locations.is_checkout(ROOT)
    theirs = tmp_path / "their-project"
    (theirs / "ontology").mkdir(parents=True)
    (theirs / "shapes").mkdir()
    (theirs / ".venv" / "lib").mkdir(parents=True)
    assert not locations.is_checkout(theirs)
    assert locations.find_checkout([theirs / ".venv" / "lib"]) is None
    assert locations.find_checkout([ROOT / "service" / "alliance_kg"]) == ROOT


def test_a_checkout_writes_into_its_own_dist(tmp_path: Path) -> None:
    settings = Settings(root=ROOT)
    assert settings.dataset_path == ROOT / "dist" / "alliance-kg.trig"
    absolute = Settings(root=ROOT, dist_dir=str(tmp_path / "out"))
    assert absolute.dataset_path == tmp_path / "out" / "alliance-kg.trig"


def test_the_packaged_copy_writes_into_the_user_data_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packaged = tmp_path / "site-packages" / "alliance_kg" / "_data"
    shutil.copytree(FIXTURE, packaged)
    monkeypatch.setattr(locations, "packaged_root", lambda: packaged)
    build = locations.source_hash(packaged)
    settings = Settings(root=packaged, data_dir=str(tmp_path / "user"))
    expected = tmp_path / "user" / f"{__version__}-{build[7:19]}" / "dist" / "alliance-kg.trig"
    assert settings.dataset_path == expected
    assert not settings.dataset_path.is_relative_to(packaged)


def test_user_data_directory_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.setattr(locations.sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert locations.user_data_dir() == tmp_path / "xdg" / "alliance-kg"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert locations.user_data_dir() == tmp_path / ".local" / "share" / "alliance-kg"
    assert locations.user_data_dir("~/kg") == tmp_path / "kg"


def test_build_id_is_the_content_hash_of_the_sources(tmp_path: Path) -> None:
    """Same bytes, same id, wherever the folder is and whatever the file times; one changed
    byte, another id. The build writes it as schema:version of the dataset."""
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(FIXTURE, a)
    shutil.copytree(FIXTURE, b, copy_function=shutil.copy)  # new file times
    first = locations.content_hash(a, locations.knowledge_files(a))
    assert first == locations.content_hash(b, locations.knowledge_files(b))
    assert first.startswith("sha256:") and len(first) == 7 + 64
    ds = build_dataset(a, validate_shapes=False)
    versions = list(ds.graph(DESCRIPTION).objects(None, SCHEMA.version))
    assert [str(v) for v in versions] == [first]
    entities = b / "data" / "article" / "entities.trig"
    entities.write_text(entities.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert locations.content_hash(b, locations.knowledge_files(b)) != first
