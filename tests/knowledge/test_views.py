"""The build's views (knowledge/views.py): direct types and vocabulary labels (issue 14)."""

from __future__ import annotations

from pathlib import Path

import rdflib
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from alliance_kg.knowledge.views import direct_types, vocabulary
from alliance_kg.namespaces import AKG

EX = rdflib.Namespace("http://example.org/")
ONTOLOGY = rdflib.Graph().parse(data="""
@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:B rdfs:subClassOf ex:A . ex:C rdfs:subClassOf ex:B . ex:D rdfs:subClassOf ex:A .
ex:E owl:equivalentClass ex:C .
""", format="turtle")


def _direct(*types: URIRef) -> set[URIRef]:
    data = rdflib.Graph()
    for t in types:
        data.add((EX.x, RDF.type, t))
    return {t for t in direct_types([data], ONTOLOGY).objects(EX.x, AKG.directType)
            if isinstance(t, URIRef)}


def test_the_most_specific_types_only() -> None:
    assert _direct(EX.A, EX.B, EX.C) == {EX.C}
    assert _direct(EX.A, EX.B, EX.D) == {EX.B, EX.D}  # two branches: both are direct
    assert _direct(EX.A, EX.C, EX.E) == {EX.C, EX.E}  # equivalent classes: both
    assert _direct(EX.A) == {EX.A}
    assert _direct(EX.A, RDFS.Resource) == {EX.A}


def test_the_vocabulary_view_has_labels_and_no_schema() -> None:
    onto = rdflib.Graph()
    root = Path(__file__).resolve().parents[2]
    for p in sorted((root / "ontology").glob("*.ttl")):
        onto.parse(p)
    view = vocabulary(onto)
    planned = URIRef("https://w3id.org/alliance-kg/vocab/planned")
    assert (planned, SKOS.prefLabel, rdflib.Literal("planned", lang="en")) in view
    assert (AKG.State, RDFS.label, rdflib.Literal("state", lang="en")) in view
    schema = {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range}
    assert not any(p in schema for _, p, _ in view)
    assert not any(o.startswith("http://www.w3.org/2002/07/owl#")
                   for _, p, o in view if p == RDF.type)
