"""The fast reasoning path gives exactly owlrl's inferred graph, and still finds clashes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import rdflib

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.knowledge.generate import generate
from alliance_kg.knowledge.load import load_files, repo_sources, union_graph
from alliance_kg.knowledge.reason import infer

pytest.importorskip("reasonable", reason="the fast path needs the `reasonable` package")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return union_graph(load_files(repo_sources(ROOT)["ontology"]))


def _generated(n: int) -> rdflib.Graph:
    out = io.StringIO()
    generate(n, 5, out)
    return rdflib.Graph().parse(data=out.getvalue(), format="nt")


def test_same_inferred_graph_on_the_shipped_data(ontology: rdflib.Graph) -> None:
    data = union_graph(load_files(repo_sources(ROOT)["data"]))
    reference = set(infer(data, ontology))
    assert reference, "the shipped data has inferences to compare"
    assert set(infer(data, ontology, semantics="owlrl-fast")) == reference


def test_same_inferred_graph_on_generated_data(ontology: rdflib.Graph) -> None:
    data = _generated(4000)
    assert set(infer(data, ontology, semantics="owlrl-fast")) == set(infer(data, ontology))


@pytest.mark.parametrize("turtle", [
    "ex:x a akg:State, schema:Person .",
    "ex:a akg:counterpartOf ex:a .",
])
def test_clashes_are_inconsistencies(turtle: str, ontology: rdflib.Graph) -> None:
    data = rdflib.Graph().parse(data="""
        @prefix akg: <https://w3id.org/alliance-kg/ontology/> .
        @prefix schema: <https://schema.org/> .
        @prefix ex: <http://example.org/> .
        """ + turtle, format="turtle")
    with pytest.raises(KGError) as err:
        infer(data, ontology, semantics="owlrl-fast")
    assert err.value.kind is ErrorKind.INCONSISTENT
