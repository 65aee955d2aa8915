"""The real knowledge files: they build and validate, and one broken fact makes both exit 1.

These run on a copy of the repository's ontology/, data/ and shapes/, and are skipped (with the
reason) only while those folders are still empty.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from clifixtures import run_cli
from kgfixtures import REAL_REPO, copy_knowledge, real_repo_missing
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, RDF, SH

from alliance_kg.knowledge.load import load_files, repo_sources, union_graph

BROKEN = "https://w3id.org/alliance-kg/resource/Broken-Fact-For-Testing"


@pytest.fixture
def real(tmp_path: Path) -> Path:
    reason = real_repo_missing(need_shapes=True)
    if reason:
        pytest.skip(f"{reason}; the real-repository CLI checks need ontology, data and shapes")
    return copy_knowledge(REAL_REPO, tmp_path / "repo")


def violating_fact(root: Path) -> str | None:
    """Turtle for an instance that breaks a violation-level ``sh:minCount`` of a class target."""
    shapes = union_graph(load_files(repo_sources(root)["shapes"]))
    for shape, cls in sorted(shapes.subject_objects(SH.targetClass)):
        if not isinstance(cls, URIRef):
            continue
        for prop in shapes.objects(shape, SH.property):
            path, minimum = shapes.value(prop, SH.path), shapes.value(prop, SH.minCount)
            severity = shapes.value(prop, SH.severity) or shapes.value(shape, SH.severity)
            if (isinstance(path, URIRef) and isinstance(minimum, Literal)
                    and int(minimum) >= 1 and severity in (None, SH.Violation)):
                return f"<{BROKEN}> a <{cls}> .\n"
    return None


def disjoint_fact(root: Path) -> str | None:
    """Turtle typing one resource with two classes the ontology declares disjoint."""
    ontology = union_graph(load_files(repo_sources(root)["ontology"]))
    pairs = [(a, b) for a, b in ontology.subject_objects(OWL.disjointWith)]
    for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(rdflib.collection.Collection(ontology, ontology.value(node, OWL.members)))
        pairs += [(members[0], members[1])] if len(members) > 1 else []
    pairs = [(a, b) for a, b in pairs if not isinstance(a, BNode) and not isinstance(b, BNode)]
    if not pairs:
        return None
    a, b = sorted(pairs)[0]
    return f"<{BROKEN}> a <{a}>, <{b}> .\n"


def test_real_repository_builds_and_validates(real: Path) -> None:
    done = run_cli("validate", root=real)
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_cli("build", root=real)
    assert done.returncode == 0, done.stderr
    assert (real / "dist" / "alliance-kg.trig").exists()


def test_one_violating_fact_makes_validate_and_build_exit_1(real: Path) -> None:
    fact = violating_fact(real)
    if fact is None:
        pytest.skip("no violation-level sh:minCount on a class-targeted shape to break")
    (real / "data" / "zz-broken.ttl").write_text(fact, encoding="utf-8")
    done = run_cli("validate", root=real)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "data/zz-broken.ttl: Violation: akr:Broken-Fact-For-Testing" in done.stdout
    done = run_cli("build", root=real)
    assert done.returncode == 1, done.stderr
    assert "akr:Broken-Fact-For-Testing" in done.stderr
    assert not (real / "dist" / "alliance-kg.trig").exists()


def test_one_contradicting_fact_makes_validate_and_build_exit_1(real: Path) -> None:
    fact = disjoint_fact(real)
    if fact is None:
        pytest.skip("the ontology declares no disjoint named classes")
    (real / "data" / "zz-broken.ttl").write_text(fact, encoding="utf-8")
    for command in ("validate", "build"):
        done = run_cli(command, root=real)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "contradicts the ontology" in done.stderr
        assert "akr:Broken-Fact-For-Testing" in done.stderr
