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
from alliance_kg.namespaces import AKG, AKR

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


def test_fast_inferred_is_infer_on_the_shipped_and_generated_data(ontology: rdflib.Graph) -> None:
    """fastreason.inferred (the fast path without infer's generic filter) is owlrl's answer,
    and the noise it drops is counted under the same rules."""
    from collections import Counter

    from alliance_kg.knowledge import fastreason

    for data in (union_graph(load_files(repo_sources(ROOT)["data"])), _generated(3000)):
        reference = set(infer(data, ontology))
        dropped: Counter[str] = Counter()
        assert set(fastreason.inferred(data, ontology, dropped=dropped)) == reference
        assert fastreason.LAST_PATH[0] == "fast"


@pytest.mark.parametrize("turtle", [
    # a functional property with two values makes them owl:sameAs
    "ex:s akg:position 1, 2 .",
    # owl:sameAs in the data: equality rules
    "ex:a owl:sameAs ex:b . ex:a akg:reportsTo ex:c .",
    # a schema statement in the data
    "ex:Sub rdfs:subClassOf akg:State . ex:x a ex:Sub .",
])
def test_inputs_outside_the_compiled_rules_take_the_general_path(
        turtle: str, ontology: rdflib.Graph) -> None:
    from alliance_kg.knowledge import fastreason

    data = rdflib.Graph().parse(data="""
        @prefix akg: <https://w3id.org/alliance-kg/ontology/> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix ex: <http://example.org/> .
        """ + turtle, format="turtle")
    reference = set(infer(data, ontology))
    assert set(fastreason.inferred(data, ontology)) == reference
    assert fastreason.LAST_PATH[0].startswith("general"), fastreason.LAST_PATH[0]


def test_infer_owlrl_fast_is_fastreason_inferred_and_owlrl(ontology: rdflib.Graph) -> None:
    """infer(semantics="owlrl-fast") hands back fastreason.inferred: the same graph as owlrl on
    the shipped data, the same noise counts, and the same graph as the generic per-triple filter
    it used to run (closure minus inputs minus noise), rebuilt here as the reference."""
    from collections import Counter

    from alliance_kg.knowledge import fastreason
    from alliance_kg.knowledge.load import quiet_literals
    from alliance_kg.knowledge.reason import noise_reason

    data = union_graph(load_files(repo_sources(ROOT)["data"]))
    via_infer: Counter[str] = Counter()
    direct: Counter[str] = Counter()
    fast = set(infer(data, ontology, semantics="owlrl-fast", dropped=via_infer))
    assert fastreason.LAST_PATH[0] == "fast"
    assert fast == set(fastreason.inferred(data, ontology, dropped=direct))
    assert via_infer == direct and sum(direct.values()) > 0
    assert fast == set(infer(data, ontology))

    with quiet_literals():
        work = fastreason.closure(data, ontology)
    bnodes = {n for t in data for n in (t[0], t[2]) if isinstance(n, rdflib.BNode)}
    generic = {t for t in work if t not in data and t not in ontology
               and noise_reason(t, bnodes) is None}
    assert fast == generic


def test_a_two_step_sub_property_chain_is_entailed_without_the_direct_link(
        ontology: rdflib.Graph) -> None:
    """A helper reported that the fast engine missed buyer ⊑ agreementParty ⊑ party and gave
    akg:buyer a direct rdfs:subPropertyOf akg:party; without it both engines still entail the
    party (and the inverse): the link is redundant, not a workaround of a bug."""
    akg, akr = rdflib.Namespace(str(AKG)), rdflib.Namespace(str(AKR))
    schema = rdflib.Graph()
    for t in ontology:
        schema.add(t)
    schema.remove((akg.buyer, rdflib.RDFS.subPropertyOf, akg.party))
    data = rdflib.Graph()
    data.add((akr.deal, akg.buyer, akr.japan))
    for semantics in ("owlrl", "owlrl-fast"):
        inferred = infer(data, schema, semantics=semantics)
        assert (akr.deal, akg.agreementParty, akr.japan) in inferred, semantics
        assert (akr.deal, akg.party, akr.japan) in inferred, semantics
        assert (akr.japan, akg.isPartyTo, akr.deal) in inferred, semantics
