"""The command group itself and ``serve``'s options (the server is the web layer's to test)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from clifixtures import run_cli

from alliance_kg import cli
from alliance_kg.config import Settings


def test_help_and_version(repo: Path) -> None:
    done = run_cli("--help", root=repo)
    assert done.returncode == 0
    for command in ("build", "validate", "query", "serve"):
        assert command in done.stdout
    assert run_cli("--version", root=repo).stdout.strip().endswith("0.1.0")


def test_console_script_is_installed(repo: Path) -> None:
    script = shutil.which("alliance-kg", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the alliance-kg console script is not installed next to this Python")
    done = subprocess.run([script, "validate", "--help"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0 and "--inference" in done.stdout


def test_usage_errors_exit_2(repo: Path) -> None:
    assert run_cli("validate", "--format", "yaml", root=repo).returncode == 2
    assert run_cli("nonsense", root=repo).returncode == 2


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """Replace the web layer's ``run`` by a recorder of the settings it is given."""
    import alliance_kg.web.serve as serve

    seen: list[Settings] = []
    monkeypatch.setattr(serve, "run", seen.append)
    for name in [k for k in os.environ if k.startswith("ALLIANCE_KG_")]:
        monkeypatch.delenv(name)
    return seen


def test_serve_options_become_settings(captured: list[Settings], tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret\n", encoding="utf-8")
    result = CliRunner().invoke(cli.main, [
        "serve", "--host", "0.0.0.0", "--port", "9999", "--store", "memory",
        "--store-path", str(tmp_path / "db"), "--allow-update", "--token-file", str(token),
        "--timeout", "5", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (s,) = captured
    assert (s.host, s.port, s.store, s.store_path) == ("0.0.0.0", 9999, "memory",
                                                       str(tmp_path / "db"))
    assert (s.allow_update, s.token, s.query_timeout, s.root) == (True, "s3cret", 5.0,
                                                                  tmp_path.resolve())


def test_serve_falls_back_to_the_environment(captured: list[Settings],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLIANCE_KG_PORT", "8111")
    monkeypatch.setenv("ALLIANCE_KG_ALLOW_UPDATE", "true")
    assert CliRunner().invoke(cli.main, ["serve"]).exit_code == 0
    assert CliRunner().invoke(cli.main, ["serve", "--read-only"]).exit_code == 0
    first, second = captured
    assert (first.port, first.allow_update) == (8111, True)
    assert (second.port, second.allow_update) == (8111, False)


def test_serve_unreadable_token_file_exits_2(captured: list[Settings], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.main, ["serve", "--token-file", str(tmp_path / "none")])
    assert result.exit_code == 2 and not captured
