"""graphread reads a graph's own triple set where rdflib's memory store keeps one, and gives
exactly what rdflib's ``triples`` gives everywhere."""

from __future__ import annotations

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from alliance_kg.knowledge.graphread import triple_set, triples_of

EX = "http://example.org/"


def _fill(g: rdflib.Graph, n: int) -> None:
    for i in range(n):
        g.add((URIRef(f"{EX}s{i}"), RDF.type, URIRef(f"{EX}C{i % 3}")))
        g.add((URIRef(f"{EX}s{i}"), RDFS.label, Literal(f"s {i}", lang="en")))
    g.add((BNode("b"), RDFS.label, Literal("a blank node")))


def test_graphs_of_a_dataset_are_read_from_their_own_set() -> None:
    ds = rdflib.Dataset()
    a, b = ds.graph(URIRef(EX + "a")), ds.graph(BNode("g"))
    _fill(a, 50)
    _fill(b, 7)
    b.add((URIRef(EX + "only-b"), RDF.type, URIRef(EX + "C")))
    for g in (a, b):
        found = triple_set(g)
        assert found is not None and set(found) == set(g.triples((None, None, None)))
        assert set(triples_of(g)) == set(g)
    a.remove((URIRef(EX + "s0"), None, None))
    assert set(triples_of(a)) == set(a) and len(set(triples_of(a))) == len(a) == 99
    empty = ds.graph(URIRef(EX + "empty"))
    assert triple_set(empty) == frozenset() and list(triples_of(empty)) == []


def test_other_graphs_and_stores_fall_back_to_rdflib() -> None:
    plain = rdflib.Graph()
    _fill(plain, 5)
    assert set(triples_of(plain)) == set(plain)
    other = rdflib.Graph(store="SimpleMemory")
    _fill(other, 5)
    assert triple_set(other) is None and set(triples_of(other)) == set(other)
    union = rdflib.Dataset(default_union=True)
    _fill(union.graph(URIRef(EX + "a")), 4)
    assert triple_set(union) is None
    assert set(triples_of(union)) == set(union.triples((None, None, None)))
