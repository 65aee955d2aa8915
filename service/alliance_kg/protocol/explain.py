"""Explanations over a live store: :mod:`alliance_kg.knowledge.explain` reading the store's graphs.

The proof search reads the asserted, inferred and joined graphs through the store's live views
(``Store.graph_view``: nothing copied, so a proof reflects the last write) and the ontology's
axioms from an index built once per store generation (the caller caches it, see
:func:`axioms_of`). The named graphs stating an asserted statement, the sentences' quotes and
the merged sources' catalogue entries are found with a few SPARQL queries (VALUES blocks), the
same on every backend.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ..errors import ErrorKind, KGError
from ..formats import BY_KEY
from ..knowledge.explain import (
    SYSTEM_GRAPHS,
    Axioms,
    Dependents,
    Facts,
    Limits,
    Proof,
    Source,
    Triple,
    dependents,
    explain,
    source_of,
)
from ..namespaces import AKG, ASSERTED, CATALOGUE, INFERRED, JOINED, ONTOLOGY
from ..store.base import Store
from .derivation import copy_graph

JSON_RESULTS = BY_KEY["json"]
#: statements per VALUES block
BATCH = 200


def axioms_of(store: Store) -> Axioms:
    """The ontology's axioms, indexed (a copy: cache it per store generation)."""
    return Axioms(copy_graph(store.graph_view(str(ONTOLOGY))))


def _rows(store: Store, query: str) -> list[dict[str, Node]]:
    body = json.loads(store.query(query).serialize(JSON_RESULTS))
    out = []
    for b in body["results"]["bindings"]:
        out.append({k: _term(v) for k, v in b.items()})
    return out


def _term(v: dict[str, str]) -> Node:
    if v["type"] == "uri":
        return URIRef(v["value"])
    if v["type"] == "bnode":
        return BNode(v["value"])
    if "xml:lang" in v:
        return Literal(v["value"], lang=v["xml:lang"])
    if "datatype" in v:
        return Literal(v["value"], datatype=URIRef(v["datatype"]))
    return Literal(v["value"])


def _n3(t: Node) -> str:
    return t.n3()


def locate(store: Store, triples: Sequence[Triple]) -> dict[Triple, list[str]]:
    """The named graphs (not ours: sentences, merged sources, users' graphs) holding each."""
    out: dict[Triple, list[str]] = {t: [] for t in triples}
    named = [t for t in triples if not any(isinstance(x, BNode) for x in t)]
    for i in range(0, len(named), BATCH):
        values = " ".join(f"({_n3(s)} {_n3(p)} {_n3(o)})" for s, p, o in named[i:i + BATCH])
        rows = _rows(store, f"SELECT ?s ?p ?o ?g WHERE {{ VALUES (?s ?p ?o) {{ {values} }} "
                            "GRAPH ?g { ?s ?p ?o } }")
        for r in rows:
            g = str(r["g"])
            key = (r["s"], r["p"], r["o"])
            if g not in SYSTEM_GRAPHS and key in out and g not in out[key]:
                out[key].append(g)
    return {t: sorted(gs) for t, gs in out.items()}


def describe(store: Store, graphs: Sequence[str]) -> dict[str, Source]:
    """Each graph as a source: a sentence's quote, a merged source's catalogue entry."""
    quotes: dict[str, list[Node]] = {g: [] for g in graphs}
    catalogue: dict[str, list[tuple[Node, Node]]] = {g: [] for g in graphs}
    for i in range(0, len(graphs), BATCH):
        values = " ".join(f"<{g}>" for g in graphs[i:i + BATCH])
        for r in _rows(store, f"SELECT ?g ?q WHERE {{ VALUES ?g {{ {values} }} "
                              f"GRAPH <{ASSERTED}> {{ ?g <{AKG.quote}> ?q }} }}"):
            quotes[str(r["g"])].append(r["q"])
        for r in _rows(store, f"SELECT ?g ?p ?o WHERE {{ VALUES ?g {{ {values} }} "
                              f"GRAPH <{CATALOGUE}> {{ ?g ?p ?o }} }}"):
            catalogue[str(r["g"])].append((r["p"], r["o"]))
    return {g: source_of(g, quotes[g], catalogue[g]) for g in graphs}


def store_facts(store: Store, axioms: Axioms | None = None) -> Facts:
    """The facts of a store, read live (``axioms``: the cached index of its ontology)."""
    names = set(store.graph_names())
    joined = store.graph_view(str(JOINED)) if str(JOINED) in names else None
    return Facts(store.graph_view(str(ASSERTED)), store.graph_view(str(INFERRED)),
                 axioms or axioms_of(store), joined=joined,
                 locate=lambda ts: locate(store, ts), describe=lambda gs: describe(store, gs))


def explain_in(store: Store, triple: Triple, limits: Limits | None = None,
               axioms: Axioms | None = None) -> Proof:
    return explain(store_facts(store, axioms), triple, limits)


def dependents_in(store: Store, graph: str, axioms: Axioms | None = None) -> Dependents:
    """What would lose support if the named graph ``graph`` (a sentence) were retracted;
    ``KGError(NOT_FOUND)`` when the store has no such graph."""
    if graph in SYSTEM_GRAPHS or graph not in store.graph_names():
        raise KGError(ErrorKind.NOT_FOUND, f"no source graph <{graph}> in the dataset")
    statements: list[Triple] = list(store.graph_view(graph))
    facts = store_facts(store, axioms)

    def elsewhere(ts: Sequence[Triple]) -> set[Triple]:
        return {t for t, gs in locate(store, ts).items() if any(g != graph for g in gs)}

    return dependents(facts, graph, statements, elsewhere)

