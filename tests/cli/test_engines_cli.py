"""``--reasoner`` and ``--shacl`` (and their settings) choose the engines of build and validate;
the fast defaults and the reference engines give the same report, exit code and dataset."""

from __future__ import annotations

from pathlib import Path

import pytest
from clifixtures import run_cli
from kgfixtures import REAL_REPO, copy_knowledge, real_repo_missing

pytest.importorskip("pyshacl_turbo", reason="the fast SHACL engine needs pyshacl-turbo")

BROKEN = """@prefix akg: <https://w3id.org/alliance-kg/ontology/> .
@prefix akr: <https://w3id.org/alliance-kg/resource/> .
akr:Nameless-State a akg:State .
"""


@pytest.fixture
def real(tmp_path: Path) -> Path:
    reason = real_repo_missing(need_shapes=True)
    if reason:
        pytest.skip(reason)
    return copy_knowledge(REAL_REPO, tmp_path / "repo")


def test_validate_reports_the_same_with_either_engine(real: Path) -> None:
    (real / "data" / "zz-broken.ttl").write_text(BROKEN, encoding="utf-8")
    fast = run_cli("validate", "--format", "json", root=real)
    reference = run_cli("validate", "--format", "json", "--reasoner", "owlrl",
                        "--shacl", "pyshacl", root=real)
    by_setting = run_cli("validate", "--format", "json", root=real,
                         env={"ALLIANCE_KG_REASONER": "owlrl", "ALLIANCE_KG_SHACL": "pyshacl"})
    assert fast.returncode == reference.returncode == by_setting.returncode == 1, fast.stderr
    assert "Nameless-State" in fast.stdout
    assert fast.stdout == reference.stdout == by_setting.stdout


def test_build_writes_the_same_file_with_either_engine(real: Path) -> None:
    assert run_cli("build", "-o", "fast.trig", root=real).returncode == 0
    done = run_cli("build", "-o", "reference.trig", "--reasoner", "owlrl", "--shacl", "pyshacl",
                   root=real)
    assert done.returncode == 0, done.stderr
    assert (real / "fast.trig").read_bytes() == (real / "reference.trig").read_bytes()


def test_an_unknown_engine_is_bad_input(real: Path) -> None:
    assert run_cli("build", "--shacl", "turbo", root=real).returncode == 2
    done = run_cli("build", root=real, env={"ALLIANCE_KG_REASONER": "hermit"})
    assert done.returncode == 2 and "unknown reasoner" in done.stderr
