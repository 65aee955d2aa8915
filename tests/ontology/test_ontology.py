"""The ontology says what docs/MODELLING.md says, stays in OWL 2 RL, and reasons as designed.

The term table of docs/MODELLING.md is the contract between ontology, data and shapes, so the
two are compared both ways. The reasoning tests use tiny inline data and the library's own
closure (owlrl), so a lost characteristic (symmetry, transitivity, an inverse, the tenure
chain, a disjointness) fails a test rather than silently thinning the inferred graph.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, SKOS, URIRef

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.knowledge.reason import infer

ROOT = Path(__file__).resolve().parents[2]
AKG = rdflib.Namespace("https://w3id.org/alliance-kg/ontology/")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
EX = "http://example.org/"
PREFIXES = """@prefix akg: <https://w3id.org/alliance-kg/ontology/> .
@prefix schema: <https://schema.org/> .
@prefix ex: <http://example.org/> .
"""


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    g = rdflib.Graph()
    for p in sorted((ROOT / "ontology").glob("*.ttl")):
        g.parse(p, format="turtle")
    return g


def _ours(onto: rdflib.Graph) -> set[str]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {str(s)[len(str(AKG)):] for k in kinds for s in onto.subjects(RDF.type, k)
            if str(s).startswith(str(AKG))}


def _table_terms() -> set[str]:
    text = (ROOT / "docs" / "MODELLING.md").read_text(encoding="utf-8")
    table = text.split("## Term table", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("| `akg:")]
    names: set[str] = set()
    for row in rows:
        first_cell = row.split("|")[1]
        names.update(re.findall(r"`akg:([A-Za-z]+)`", first_cell))
    return names


def test_term_table_and_ontology_agree(onto: rdflib.Graph) -> None:
    table, ours = _table_terms(), _ours(onto)
    assert len(table) > 80
    assert table - ours == set(), "in docs/MODELLING.md but not in the ontology"
    assert ours - table == set(), "in the ontology but not in docs/MODELLING.md"


def test_every_term_is_documented(onto: rdflib.Graph) -> None:
    for name in sorted(_ours(onto)):
        term = AKG[name]
        labels = [o for o in onto.objects(term, RDFS.label) if o.language == "en"]
        assert len(labels) == 1, name
        assert any(o.language == "en" for o in onto.objects(term, SKOS.definition)), name
        assert onto.value(term, RDFS.isDefinedBy) == URIRef("https://w3id.org/alliance-kg/ontology")


def test_ontology_metadata(onto: rdflib.Graph) -> None:
    o = URIRef("https://w3id.org/alliance-kg/ontology")
    assert (o, RDF.type, OWL.Ontology) in onto
    assert onto.value(o, OWL.versionIRI) is not None
    assert onto.value(o, URIRef("http://purl.org/dc/terms/license")) is not None
    assert onto.value(o, URIRef("http://purl.org/dc/terms/title")) is not None


def test_owl2rl_profile_no_union_superclass_or_domain(onto: rdflib.Graph) -> None:
    """A union or an existential as superclass, domain or range is outside OWL 2 RL: owlrl would
    silently infer less than the ontology says."""
    for p in (RDFS.subClassOf, RDFS.domain, RDFS.range):
        for o in onto.objects(None, p):
            if isinstance(o, rdflib.BNode):
                assert (o, OWL.unionOf, None) not in onto
                assert (o, OWL.someValuesFrom, None) not in onto


def _closure(turtle: str, onto: rdflib.Graph) -> rdflib.Graph:
    data = rdflib.Graph().parse(data=PREFIXES + turtle, format="turtle")
    return infer(data, onto)


def test_counterparts_both_ways(onto: rdflib.Graph) -> None:
    g = _closure("ex:jfhq akg:counterpartOf ex:jjoc .", onto)
    assert (URIRef(EX + "jjoc"), AKG.counterpartOf, URIRef(EX + "jfhq")) in g


def test_subordination_chains(onto: rdflib.Graph) -> None:
    g = _closure("ex:a akg:reportsTo ex:b . ex:b akg:reportsTo ex:c .", onto)
    assert (URIRef(EX + "a"), AKG.reportsToTransitively, URIRef(EX + "c")) in g
    assert (URIRef(EX + "c"), AKG.hasSubordinate, URIRef(EX + "b")) in g
    assert (URIRef(EX + "a"), ORG.subOrganizationOf, URIRef(EX + "b")) in g
    only_chain = (URIRef(EX + "a"), AKG.reportsTo, URIRef(EX + "c"))
    assert only_chain not in g, "only reportsToTransitively is transitive"


def test_parties_are_members(onto: rdflib.Graph) -> None:
    g = _closure("ex:quad akg:hasParty ex:japan .", onto)
    assert (URIRef(EX + "japan"), AKG.partyTo, URIRef(EX + "quad")) in g
    assert (URIRef(EX + "japan"), ORG.memberOf, URIRef(EX + "quad")) in g


def test_tenure_chain_gives_org_holds(onto: rdflib.Graph) -> None:
    g = _closure("ex:t akg:holder ex:biden ; akg:post ex:president .", onto)
    assert (URIRef(EX + "biden"), ORG.holds, URIRef(EX + "president")) in g
    assert (URIRef(EX + "president"), ORG.heldBy, URIRef(EX + "biden")) in g


def test_part_of_is_transitive(onto: rdflib.Graph) -> None:
    g = _closure("ex:a akg:partOf ex:b . ex:b akg:partOf ex:c .", onto)
    assert (URIRef(EX + "a"), AKG.partOf, URIRef(EX + "c")) in g


@pytest.mark.parametrize("turtle", [
    "ex:x a akg:State, schema:Person .",
    "ex:x a akg:Claim, akg:Event .",
    "ex:a akg:counterpartOf ex:a .",
])
def test_contradictions_are_inconsistencies(turtle: str, onto: rdflib.Graph) -> None:
    with pytest.raises(KGError) as err:
        _closure(turtle, onto)
    assert err.value.kind is ErrorKind.INCONSISTENT
