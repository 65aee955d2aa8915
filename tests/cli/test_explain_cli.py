"""``alliance-kg explain``: a text tree, JSON or Turtle proof, and what depends on a sentence,
on a copy of the real knowledge files (the article's sentences are what the proofs end in)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from clifixtures import run_cli
from kgfixtures import REAL_REPO, copy_knowledge, real_repo_missing


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = real_repo_missing()
    if reason:
        pytest.skip(reason)
    root = copy_knowledge(REAL_REPO, tmp_path_factory.mktemp("explain") / "repo")
    assert run_cli("build", root=root).returncode == 0
    return root


WHY = ("akr:japan", "org:memberOf", "akr:quad")


def test_text_tree_down_to_the_sentence(real: Path) -> None:
    r = run_cli("explain", *WHY, root=real)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("akr:japan org:memberOf akr:quad  [inferred]")
    assert "prp-spo1" in r.stdout and "prp-inv1" in r.stdout
    assert "akr:article-maslow-2024-s25: \u201c" in r.stdout


def test_json_and_turtle(real: Path) -> None:
    body = json.loads(run_cli("explain", *WHY, "--format", "json", root=real).stdout)
    assert body["status"] == "inferred" and body["nodes"][0]["derivations"]
    ttl = run_cli("explain", *WHY, "--format", "turtle", root=real).stdout
    g = rdflib.Graph().parse(data=ttl, format="turtle")
    assert len(g) > 10


def test_dependents_of_a_sentence(real: Path) -> None:
    r = run_cli("explain", "--dependents", "akr:article-maslow-2024-s11", root=real)
    assert r.returncode == 0, r.stderr
    assert "org:subOrganizationOf akr:united-states-indo-pacific-command" in r.stdout


def test_exit_codes(real: Path) -> None:
    assert run_cli("explain", "akr:japan", "akg:reportsTo", "akr:china",
                   root=real).returncode == 2
    assert run_cli("explain", "akr:japan", "org:memberOf", root=real).returncode == 2
    assert run_cli("explain", "_:x", "org:memberOf", "akr:quad", root=real).returncode == 2


def test_a_merged_statement_names_its_source(real: Path) -> None:
    fixture = REAL_REPO / "tests" / "knowledge" / "fixtures" / "external" / "wikidata-excerpt.ttl"
    assert run_cli("merge", str(fixture), root=real).returncode == 0
    # joined under our IRI (smushed through skos:exactMatch): the source has it as wd:Q17
    r = run_cli("explain", "akr:japan", "wdt:P31", "wd:Q6256", "--format", "json", root=real)
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    assert body["status"] == "merged"
    (source,) = body["nodes"][0]["sources"]
    assert source["kind"] == "source" and source["graph"].endswith("/source/wikidata-excerpt")
    assert source["catalogue"]
