"""The search benchmark's harness works (tiny sizes): it prints its tables with every
measure, ours and the peer's. It starts two servers, so it is ``slow``; never a speed check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_search_bench_runs_at_a_tiny_size() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "search.py"), "--size", "2000",
                           "--repeats", "10"], capture_output=True, text=True, timeout=600,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for measure in ("| /search |", "| join (search) |", "| join (regex) |",
                    "index build (in process)"):
        assert measure in proc.stdout, proc.stdout
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "search_engines.py"), "--size",
                           "2000"], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "FTS5 full-text part" in proc.stdout
