"""Progress of long commands: shown when a person watches standard error, silent otherwise.

The terminal case runs the command with standard error on a pseudo-terminal (``pty``), exactly
what an interactive shell gives it; the other case pipes standard error, as CI and scripts do.
Standard output (the result) is a pipe in both cases and must be the same.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from clifixtures import run_cli
from kgfixtures import PREFIXES, write


def run_on_terminal(*args: str, root: Path) -> tuple[int, str, str]:
    """``alliance-kg ARGS`` with stderr on a pty: (exit code, stdout, what the terminal saw)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_KG_")}
    env.update({"ALLIANCE_KG_ROOT": str(root), "PYTHONWARNINGS": "ignore"})
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "alliance_kg", *args], cwd=root,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
                            env=env)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    out = proc.stdout.read().decode() if proc.stdout else ""
    code = proc.wait(timeout=300)
    return code, out, seen.decode(errors="replace").replace("\r\n", "\n")


def test_build_shows_progress_on_a_terminal(repo: Path) -> None:
    code, out, terminal = run_on_terminal("build", root=repo)
    assert code == 0, terminal
    steps = [ln for ln in terminal.splitlines() if ln.startswith("alliance-kg: ")]
    assert any("loading" in s and "ontology file" in s for s in steps), terminal
    assert any(s.startswith("alliance-kg: reasoning over") for s in steps), terminal
    assert any(s.startswith("alliance-kg: validating") for s in steps), terminal
    assert any("writing dist/alliance-kg.trig and dist/ontology.html" in s for s in steps)
    assert "wrote dist/alliance-kg.trig" in out  # the result still goes to stdout


def test_build_is_quiet_when_not_on_a_terminal(repo: Path) -> None:
    done = run_cli("build", root=repo)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "wrote dist/alliance-kg.trig" in done.stdout
    assert "wrote dist/ontology.html" in done.stdout


def test_validate_loading_shows_progress_only_on_a_terminal(repo: Path) -> None:
    data = write(repo / "big.ttl", PREFIXES + "".join(
        f'akr:s{i} a akg:State ; akg:name "State {i}" ; rdfs:label "State {i}"@en .\n'
        for i in range(300)))
    code, _, terminal = run_on_terminal("validate", str(data), root=repo)
    assert "alliance-kg: loading data, ontology and shapes..." in terminal
    assert "alliance-kg: validating " in terminal
    piped = run_cli("validate", str(data), root=repo)
    assert piped.returncode == code
    assert "loading" not in piped.stderr and "validating" not in piped.stderr
