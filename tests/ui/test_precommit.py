"""Our validation as other projects run it: the pre-commit hook and the CI report formats.

pre-commit calls ``<entry> FILE...`` from the root of *their* repository, with relative paths,
no ``ALLIANCE_KG_ROOT`` and our package installed in its own environment: the shapes and the
ontology are found beside the installed package (here: the editable install of this checkout,
as pre-commit's clone would be). A real subprocess, the real shapes, nothing stubbed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
GOOD = ROOT / "tests" / "shapes" / "fixtures" / "StateShape" / "good.ttl"
BAD = """@prefix akg: <https://w3id.org/alliance-kg/ontology/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://example.org/other/atlantis> a akg:State ; rdfs:label "Atlantide"@fr .
"""
FOCUS = "http://example.org/other/atlantis"


def hook() -> dict[str, str]:
    """The hook's scalar fields (the file is flat YAML; no YAML library in the test env)."""
    fields: dict[str, str] = {}
    for line in HOOKS.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^-? *([a-z_]+): (.+)$", line)
        if m and not line.lstrip().startswith("#"):
            fields.setdefault(m.group(1), m.group(2).strip())
    return fields


def run_hook(other_repo: Path, *files: str, args: tuple[str, ...] = ()
             ) -> subprocess.CompletedProcess[str]:
    """``entry [args] FILES`` as pre-commit runs it: cwd = their repository, their env."""
    entry = hook()["entry"].split()
    assert entry[0] == "alliance-kg"
    exe = Path(sys.executable).with_name("alliance-kg")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_KG_")}
    return subprocess.run([str(exe), *entry[1:], *args, *files], cwd=other_repo,
                          capture_output=True, text=True, env=env, timeout=300, check=False)


@pytest.fixture
def other_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "their-project"
    (repo / "rdf").mkdir(parents=True)
    shutil.copy(GOOD, repo / "rdf" / "good.ttl")
    (repo / "rdf" / "atlantis.ttl").write_text(BAD, encoding="utf-8")
    (repo / "README.md").write_text("not RDF\n", encoding="utf-8")
    return repo


def test_hook_definition() -> None:
    h = hook()
    assert h["id"] == "alliance-kg-validate" and h["language"] == "python"
    files = re.compile(h["files"])
    assert files.search("rdf/good.ttl") and files.search("x.trig") and files.search("d.nt.gz")
    assert not files.search("README.md") and not files.search("ttl.py")


def test_good_file_exits_0(other_repo: Path) -> None:
    done = run_hook(other_repo, "rdf/good.ttl")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("conforms: 0 violations, 0 warnings, 0 infos")


def test_bad_file_exits_1_naming_file_and_focus_node(other_repo: Path) -> None:
    done = run_hook(other_repo, "rdf/good.ttl", "rdf/atlantis.ttl")
    assert done.returncode == 1, done.stdout + done.stderr
    violations = [ln for ln in done.stdout.splitlines() if ": Violation: " in ln]
    assert violations
    for line in violations:
        assert line.startswith(f"rdf/atlantis.ttl: Violation: <{FOCUS}>"), line
    assert "rdf/good.ttl" not in done.stdout


def test_unparsable_file_exits_2_with_position(other_repo: Path) -> None:
    (other_repo / "rdf" / "broken.ttl").write_text(
        "@prefix ex: <http://example.org/> .\nex:a ex:b \n", encoding="utf-8")
    done = run_hook(other_repo, "rdf/good.ttl", "rdf/broken.ttl")
    assert done.returncode == 2
    assert re.search(r"rdf/broken\.ttl:\d+(:\d+)?: ", done.stderr), done.stderr


def test_json_report_has_file_and_focus_node(other_repo: Path) -> None:
    done = run_hook(other_repo, "rdf/good.ttl", "rdf/atlantis.ttl", args=("--format", "json"))
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    assert doc["conforms"] is False and doc["results"]
    for r in doc["results"]:
        assert r["files"] == ["rdf/atlantis.ttl"]
        assert r["focusNode"] == {"type": "uri", "value": FOCUS}
        assert r["severity"] == "Violation" and r["message"]


def test_junit_report_points_at_the_file(other_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "shacl.xml"
    done = run_hook(other_repo, "rdf/good.ttl", "rdf/atlantis.ttl",
                    args=("--format", "junit", "--output", str(out)))
    assert done.returncode == 1 and done.stdout == ""
    root = ET.parse(out).getroot()
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert failed and int(root.get("failures") or 0) == len(failed)
    for case in failed:
        assert case.get("file") == "rdf/atlantis.ttl"
        failure = case.find("failure")
        assert failure is not None
        assert f"rdf/atlantis.ttl: <{FOCUS}>" in (failure.get("message") or "")
        assert f"rdf/atlantis.ttl: Violation: <{FOCUS}>" in (failure.text or "")
    passed = [c for c in root.iter("testcase") if c.find("failure") is None]
    assert passed  # the other shapes are listed as passing test cases


def test_junit_of_good_file_has_no_failure(other_repo: Path) -> None:
    done = run_hook(other_repo, "rdf/good.ttl", args=("--format", "junit"))
    assert done.returncode == 0
    root = ET.fromstring(done.stdout)
    assert root.get("failures") == "0" and root.find(".//failure") is None
    assert len(list(root.iter("testcase"))) > 10
