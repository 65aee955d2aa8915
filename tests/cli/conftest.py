"""Fixtures of the CLI tests: a writable copy of the knowledge fixture checkout per test.

``ALLIANCE_KG_ROOT`` points the command at the copy, exactly as a user or CI job would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "knowledge")]

from clifixtures import Run, run_cli  # noqa: E402
from kgfixtures import FIXTURE_REPO, copy_knowledge  # noqa: E402


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_knowledge(FIXTURE_REPO, tmp_path / "repo")


@pytest.fixture
def cli(repo: Path) -> Run:
    """Run the CLI on the fixture checkout copy."""
    def call(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, root=repo, **kw)  # type: ignore[arg-type]
    return call
