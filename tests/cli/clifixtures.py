"""Running the CLI as users do: a real subprocess (``python -m alliance_kg``)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]


def run_cli(*args: str, root: Path, cwd: Path | None = None, stdin: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``alliance-kg ARGS`` in a subprocess; output decoded, never raises on exit codes."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_KG_")}
    environ.update({"ALLIANCE_KG_ROOT": str(root), "PYTHONWARNINGS": "ignore", **(env or {})})
    return subprocess.run([sys.executable, "-m", "alliance_kg", *args], cwd=cwd or root,
                          input=stdin, capture_output=True, text=True, env=environ, timeout=300,
                          check=False)
