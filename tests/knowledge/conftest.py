"""Fixtures for the knowledge library tests (paths and helpers live in ``kgfixtures``).

Tests that must also hold on the real knowledge files take ``any_repo``: they run on the fixture
checkout and on the repository itself (skipped, with the reason, while its ontology/ or data/ is
still empty).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kgfixtures import FIXTURE_REPO, REAL_REPO, copy_knowledge, real_repo_missing


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A writable copy of the fixture checkout."""
    return copy_knowledge(FIXTURE_REPO, tmp_path / "repo")


@pytest.fixture(params=["fixture", "real"])
def any_repo(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A writable copy of the fixture checkout, then of the real repository's knowledge files."""
    if request.param == "real":
        reason = real_repo_missing()
        if reason:
            pytest.skip(reason)
    return copy_knowledge(FIXTURE_REPO if request.param == "fixture" else REAL_REPO,
                          tmp_path / "repo")
