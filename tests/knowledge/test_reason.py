"""Reasoning: the inferred graph holds the useful entailments, none of owlrl's noise."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from kgfixtures import FIXTURE_REPO, PREFIXES
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.knowledge.load import load_files, repo_sources, union_graph
from alliance_kg.knowledge.reason import NOISE, infer, is_vocabulary, noise_reason

AKG = "https://w3id.org/alliance-kg/ontology/"
AKR = "https://w3id.org/alliance-kg/resource/"


def g(local: str) -> URIRef:
    return URIRef(AKG + local)


def r(local: str) -> URIRef:
    return URIRef(AKR + local)


def inputs(root: Path) -> tuple[Graph, Graph]:
    sources = repo_sources(root)
    return (union_graph(load_files(sources["data"])),
            union_graph(load_files(sources["ontology"])))


def ttl(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


@pytest.fixture(scope="module")
def fixture_inference() -> tuple[Graph, Graph, Graph, Counter[str]]:
    asserted, ontology = inputs(FIXTURE_REPO)
    dropped: Counter[str] = Counter()
    return asserted, ontology, infer(asserted, ontology, dropped=dropped), dropped


def test_useful_entailments_are_kept(fixture_inference: tuple[Graph, Graph, Graph, Counter[str]]
                                     ) -> None:
    _, _, inferred, _ = fixture_inference
    expected = {
        (r("JFHQ"), g("subordinateTo"), r("INDOPACOM")),  # transitive
        (r("INDOPACOM"), g("hasSubordinate"), r("USFJ")),  # inverse
        (r("INDOPACOM"), g("hasSubordinate"), r("JFHQ")),  # inverse of an inferred link
        (r("USA"), g("alliedWith"), r("Japan")),  # symmetric
        (r("USFJ"), g("hostState"), r("USA")),  # property chain
        (r("JFHQ"), g("hostState"), r("USA")),  # chain over a transitive step
        (r("Admiral"), RDF.type, g("Person")),  # domain
        (r("JFHQ"), RDF.type, g("MilitaryCommand")),  # range
        (r("USFJ"), RDF.type, g("Organization")),  # class hierarchy
        (r("USFJ"), RDF.type, g("Agent")),
        (g("Alliance"), RDFS.subClassOf, g("Agent")),  # entailed link between our terms
    }
    assert expected <= set(inferred)


def test_noise_is_dropped(fixture_inference: tuple[Graph, Graph, Graph, Counter[str]]) -> None:
    asserted, ontology, inferred, dropped = fixture_inference
    for t in inferred:
        assert t not in asserted and t not in ontology
        assert noise_reason(t, set()) is None, t
        assert not isinstance(t[0], Literal) and not is_vocabulary(t[0])
    for noise in [(r("USFJ"), OWL.sameAs, r("USFJ")),
                  (r("USFJ"), RDF.type, OWL.Thing),
                  (g("Agent"), RDFS.subClassOf, g("Agent")),
                  (g("Agent"), OWL.equivalentClass, g("Agent")),
                  (g("Agent"), RDFS.subClassOf, OWL.Thing),
                  (g("subordinateTo"), RDFS.subPropertyOf, g("subordinateTo")),
                  (g("subordinateTo"), RDFS.domain, g("Agent")),
                  (URIRef("http://www.w3.org/2001/XMLSchema#string"), RDF.type, RDFS.Datatype),
                  (RDFS.label, RDF.type, OWL.AnnotationProperty)]:
        assert noise not in inferred
    # what the filter removed, by rule: all kinds owlrl produces on this data
    assert set(dropped) == {"reflexive", "vocabulary-subject", "literal-subject",
                            "weakened-domain-range", "vocabulary-link", "vocabulary-type"}
    assert sum(dropped.values()) > 5 * len(inferred)
    assert set(NOISE) >= set(dropped)


def test_rdfs_semantics_types_but_does_not_apply_owl_axioms() -> None:
    asserted, ontology = inputs(FIXTURE_REPO)
    inferred = infer(asserted, ontology, semantics="rdfs")
    assert (r("USFJ"), RDF.type, g("Organization")) in inferred
    assert (r("USA"), g("alliedWith"), r("Japan")) not in inferred
    assert not any(o == RDFS.Resource for o in inferred.objects(None, RDF.type))


def test_inputs_are_untouched_and_output_is_deterministic() -> None:
    asserted, ontology = inputs(FIXTURE_REPO)
    before = (set(asserted), set(ontology))
    first, second = infer(asserted, ontology), infer(asserted, ontology)
    assert (set(asserted), set(ontology)) == before
    assert set(first) == set(second)


def test_data_blank_nodes_are_typed_but_ontology_blank_nodes_never_appear() -> None:
    ontology = ttl("""
        akg:commands rdfs:domain akg:Person .
        akg:Veteran owl:equivalentClass [ a owl:Restriction ;
            owl:onProperty akg:served ; owl:someValuesFrom akg:Command ] .
    """)
    asserted = ttl("[] akg:commands akr:JFHQ . akr:x akg:served akr:y . akr:y a akg:Command .")
    inferred = infer(asserted, ontology)
    commander = next(asserted.subjects(g("commands"), r("JFHQ")))
    assert (commander, RDF.type, g("Person")) in inferred
    assert (r("x"), RDF.type, g("Veteran")) in inferred
    ontology_bnodes = {n for t in ontology for n in t if isinstance(n, BNode)}
    assert not ontology_bnodes & {n for t in inferred for n in t}


@pytest.mark.parametrize(("ontology", "data", "words"), [
    ("", "akr:Admiral a akg:State .", ["Disjoint", "akg:State", "akg:Person", "akr:Admiral"]),
    ("akg:outranks a owl:AsymmetricProperty .",
     "akr:a akg:outranks akr:b . akr:b akg:outranks akr:a .",
     ["asymmetric", "akg:outranks", "akr:a", "akr:b"]),
    ("akg:outranks a owl:IrreflexiveProperty .", "akr:a akg:outranks akr:a .",
     ["Irreflexive", "akr:a", "akg:outranks"]),
    ("", 'akr:USFJ akg:founded "July 1957"^^xsd:date .', ["July 1957", "xsd:date"]),
    ("", "akr:a a owl:Nothing .", ["akr:a", "Nothing"]),
], ids=["disjoint", "asymmetric", "irreflexive", "ill-typed", "nothing"])
def test_inconsistency_names_resources_and_axiom(ontology: str, data: str,
                                                 words: list[str]) -> None:
    asserted, base_ontology = inputs(FIXTURE_REPO)
    with pytest.raises(KGError) as info:
        infer(asserted + ttl(data), base_ontology + ttl(ontology))
    assert info.value.kind is ErrorKind.INCONSISTENT
    for word in words:
        assert word in info.value.message
    assert "contradicts the ontology" in info.value.message


def test_unknown_semantics_is_bad_input() -> None:
    with pytest.raises(KGError) as info:
        infer(Graph(), Graph(), semantics="owl-dl")
    assert info.value.kind is ErrorKind.BAD_INPUT


def test_real_or_fixture_inferred_graph_is_clean(any_repo: Path) -> None:
    """On the fixture and on the real data: consistent, and nothing noise-like is kept."""
    asserted, ontology = inputs(any_repo)
    dropped: Counter[str] = Counter()
    inferred = infer(asserted, ontology, dropped=dropped)
    assert len(inferred) > 0
    data_bnodes = {n for t in asserted for n in t if isinstance(n, BNode)}
    for t in inferred:
        assert noise_reason(t, data_bnodes) is None
        assert t not in asserted and t not in ontology
    assert dropped["reflexive"] > 0
