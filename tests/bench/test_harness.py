"""The benchmark harness itself works (not how fast anything is: speed is never asserted).

``bench/run.py --quick`` on a few hundred triples must finish, write valid JSON with the
machine, the versions, every requested part and the goals, and a Markdown table; the reasoning
part must find owlrl and owlrl-fast giving the same inferred graph. The endpoint part starts
every server (ours on three backends, rdflib-endpoint, oxigraph serve), so it is ``slow``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_bench(out: Path, *args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick",
                           "--out", str(out), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results: dict[str, Any] = json.loads((out / "quick.json").read_text(encoding="utf-8"))
    assert (out / "quick.md").read_text(encoding="utf-8").startswith("# Benchmark results")
    return results


def test_quick_load_and_reasoning_write_json_and_markdown(tmp_path: Path) -> None:
    results = run_bench(tmp_path, "--only", "load,reasoning", "--sizes", "300")
    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["memory_gib"] > 0 and machine["cpu"]
    assert machine["versions"]["rdflib"] and machine["versions"]["pyoxigraph"]
    load = results["load"]["300"]
    counts = set()
    for backend in ("memory", "oxigraph", "rdflib", "pyoxigraph"):
        entry = load[backend]
        assert entry["seconds"] > 0, (backend, entry)
        assert entry["peak_rss_mib"] >= entry["base_rss_mib"] > 0
        counts.add(entry["triples"])
    # every backend loaded the same generated file (the generator ends on a whole unit)
    assert len(counts) == 1 and 300 <= counts.pop() <= 400
    row = results["reasoning"]["300"]
    assert row["owlrl"]["inferred"] > 0
    assert row["owlrl-fast"]["path"] == "fast"
    assert row["same_inferred_graph"] is True
    goal = results["goals"]["owlrl_closure_1e6_seconds"]
    assert goal["triples"] == 300 and goal["met"] is False  # 300 triples prove nothing at 10^6
    assert "endpoints" not in results


def test_a_measurement_over_budget_is_reported_as_a_bound(tmp_path: Path) -> None:
    results = run_bench(tmp_path, "--only", "reasoning", "--sizes", "300",
                        "--owlrl-budget", "0.01")
    row = results["reasoning"]["300"]
    assert row["owlrl"] == {"timeout": 0.01}
    assert "same_inferred_graph" not in row
    assert "> 0.01 s" in (tmp_path / "quick.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_quick_run_of_every_part_with_the_peers(tmp_path: Path) -> None:
    results = run_bench(tmp_path, "--sizes", "300", "--seconds", "1", "--clients", "1,2")
    assert results["shacl"]["300"]["ours"]["conforms"] is True
    servers = results["endpoints"]["servers"]
    assert "alliance-kg (oxigraph)" in servers
    for name, entry in servers.items():
        assert entry.get("same_answers") is (None if "floor" in name else True), (name, entry)
        assert [run["clients"] for run in entry["runs"]] == [1, 2]
        for run in entry["runs"]:
            assert run["requests"] > 0 and run["errors"] == 0, (name, run)
            assert run["p99_ms"] >= run["p50_ms"] > 0
    goals = results["goals"]
    assert {"p99_ms_competency_questions", "owlrl_closure_1e6_seconds"} <= set(goals)
    if "rdflib-endpoint" in servers and "oxigraph serve" in servers:
        assert {"throughput_vs_rdflib_endpoint", "throughput_vs_oxigraph_serve"} <= set(goals)
