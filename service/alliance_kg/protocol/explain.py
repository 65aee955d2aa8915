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
from collections.abc import Iterator, Sequence

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS
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
    TripleSource,
    dependents,
    explain,
    source_of,
)
from ..namespaces import AKG, ASSERTED, CATALOGUE, INFERRED, JOINED, ONTOLOGY
from ..store.base import Store
from ..store.oxigraph import OxigraphStore
from ..terms import OxTerm, to_oxigraph, to_rdflib
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
    # an IRI read from the store is valid: rdflib's n3() would check it again, slowly
    return f"<{t}>" if isinstance(t, URIRef) else t.n3()


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
    about: dict[str, list[tuple[Node, Node]]] = {g: [] for g in graphs}
    described = " ".join(f"<{p}>" for p in (RDF.type, PROV.wasDerivedFrom, RDFS.label))
    for i in range(0, len(graphs), BATCH):
        values = " ".join(f"<{g}>" for g in graphs[i:i + BATCH])
        for r in _rows(store, f"SELECT ?g ?q WHERE {{ VALUES ?g {{ {values} }} "
                              f"GRAPH <{ASSERTED}> {{ ?g <{AKG.quote}> ?q }} }}"):
            quotes[str(r["g"])].append(r["q"])
        for r in _rows(store, f"SELECT ?g ?p ?o WHERE {{ VALUES ?g {{ {values} }} "
                              f"GRAPH <{CATALOGUE}> {{ ?g ?p ?o }} }}"):
            catalogue[str(r["g"])].append((r["p"], r["o"]))
        for r in _rows(store, f"SELECT ?g ?p ?o WHERE {{ VALUES ?g {{ {values} }} "
                              f"VALUES ?p {{ {described} }} GRAPH <{ASSERTED}> {{ ?g ?p ?o }} }}"):
            about[str(r["g"])].append((r["p"], r["o"]))
    return {g: source_of(g, quotes[g], catalogue[g], about[g]) for g in graphs}


class _Terms:
    """Both ways between rdflib and pyoxigraph terms, remembered for one request: a proof asks
    about the same few terms again and again, and each conversion costs microseconds."""

    def __init__(self) -> None:
        self.ox: dict[Node, OxTerm] = {}
        self.rdf: dict[OxTerm, Node] = {}

    def to_ox(self, t: Node) -> OxTerm:
        found = self.ox.get(t)
        if found is None:
            found = self.ox[t] = to_oxigraph(t)
        return found

    def to_rdf(self, t: OxTerm) -> Node:
        found = self.rdf.get(t)
        if found is None:
            found = self.rdf[t] = to_rdflib(t)
        return found


class _OxigraphView:
    """One graph of an embedded Oxigraph store, read live, as a :class:`TripleSource`: the
    store's ``graph_view`` is a whole rdflib Graph, and its machinery was most of the time of
    a proof (docs/BENCHMARKS.md, "Explain")."""

    def __init__(self, store: ox.Store, graph: str, terms: _Terms) -> None:
        self._ox, self._graph, self._terms = store, ox.NamedNode(graph), terms

    def _pattern(self, pattern: tuple[Node | None, Node | None, Node | None]
                 ) -> tuple[OxTerm | None, OxTerm | None, OxTerm | None] | None:
        s, p, o = pattern
        if isinstance(s, Literal) or (p is not None and not isinstance(p, URIRef)):
            return None
        to_ox = self._terms.to_ox
        return (None if s is None else to_ox(s), None if p is None else to_ox(p),
                None if o is None else to_ox(o))

    def __contains__(self, triple: Triple) -> bool:
        found = self._pattern(triple)
        if found is None:
            return False
        s, p, o = found
        return any(True for _ in self._ox.quads_for_pattern(
            s, p, o, self._graph))  # type: ignore[arg-type]

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]
                ) -> Iterator[Triple]:
        found = self._pattern(pattern)
        if found is None:
            return
        to_rdf = self._terms.to_rdf
        s, p, o = found
        for q in self._ox.quads_for_pattern(s, p, o, self._graph):  # type: ignore[arg-type]
            yield (to_rdf(q.subject), to_rdf(q.predicate),  # type: ignore[arg-type]
                   to_rdf(q.object))  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Triple]:
        return self.triples((None, None, None))


def _view(store: Store, graph: str, terms: _Terms) -> TripleSource:
    if isinstance(store, OxigraphStore):
        return _OxigraphView(store.ox, graph, terms)
    return store.graph_view(graph)


def store_facts(store: Store, axioms: Axioms | None = None) -> Facts:
    """The facts of a store, read live (``axioms``: the cached index of its ontology)."""
    names = set(store.graph_names())
    terms = _Terms()
    joined = _view(store, str(JOINED), terms) if str(JOINED) in names else None
    return Facts(_view(store, str(ASSERTED), terms), _view(store, str(INFERRED), terms),
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

