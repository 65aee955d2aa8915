"""What a write changes, as quads added and removed, worked out against the live store.

A write (a SPARQL Update, a Graph Store operation) is evaluated over read-only views of the
store's graphs (``Store.graph_view``) with the changes so far laid over them, so a later
operation of a request sees what an earlier one did; nothing is copied and nothing is written
until the whole change, its reasoning and its validation are known. The cost grows with what
the operations read and change, not with the store.

The service's default graph for writes is the asserted graph: plain triples, ``DEFAULT`` and
the asserted graph's own name all mean it.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.store import Store as RdflibStore
from rdflib.term import Node, URIRef

from ..namespaces import ASSERTED
from ..store.base import GraphName, Store
from ..terms import OxTerm, to_oxigraph, to_rdflib

ASSERTED_IRI = str(ASSERTED)
Triple = tuple[Node, Node, Node]
Pattern = tuple[Node | None, Node | None, Node | None]
#: added triples of a graph past which reading them by pattern goes through an index
_INDEX_ABOVE = 256


def canonical(graph: GraphName) -> str:
    """The store graph a write to ``graph`` changes (None: the default graph, the asserted)."""
    return ASSERTED_IRI if graph is None else graph


class Delta:
    """Triples added to and removed from each graph of a store, and graphs created/dropped.

    ``added[g]`` never holds a triple the store has in ``g``, ``removed[g]`` only triples it
    has: the delta is the net change, whatever order the operations came in."""

    def __init__(self, store: Store, empty_graphs: Iterable[str] = ()) -> None:
        self.store = store
        self.added: dict[str, set[Triple]] = defaultdict(set)
        self.removed: dict[str, set[Triple]] = defaultdict(set)
        self.created: set[str] = set()
        self.dropped: set[str] = set()
        #: graphs emptied as a whole (CLEAR, DROP, PUT): the store clears them, whatever their
        #: blank nodes; the asserted graph's old triples are also listed in ``removed`` for
        #: the reasoning
        self.cleared: set[str] = set()
        self._empty = set(empty_graphs)
        #: the parsed pyoxigraph triple of a triple added from parsed quads, so that a bulk
        #: load is not converted back term by term when it is written
        self._parsed: dict[Triple, ox.Triple] = {}
        self._views: dict[str, rdflib.Graph] = {}
        self._names: set[str] | None = None
        #: per graph, its added triples by subject, predicate and object (built when a bulk
        #: delta is read by pattern, dropped when that graph's added triples change)
        self._index: dict[str, tuple[dict[Node, list[Triple]], ...]] = {}

    # -- reading --------------------------------------------------------------------------

    def _base(self, g: str) -> rdflib.Graph:
        view = self._views.get(g)
        if view is None:
            view = self._views[g] = self.store.graph_view(g)
        return view

    def _native(self) -> ox.Store | None:
        """The store's own pyoxigraph store, for bulk reads that skip rdflib's terms."""
        from ..store.oxigraph import OxigraphStore

        return self.store.ox if isinstance(self.store, OxigraphStore) else None

    def in_store(self, g: str, t: Triple) -> bool:
        return g not in self.cleared and t in self._base(g)

    def contains(self, graph: GraphName, t: Triple) -> bool:
        g = canonical(graph)
        return t in self.added[g] or (t not in self.removed[g] and self.in_store(g, t))

    def triples(self, graph: GraphName, pattern: Pattern) -> Iterator[Triple]:
        g = canonical(graph)
        removed = self.removed.get(g, ())
        if g not in self.cleared:
            for t in self._base(g).triples(pattern):
                if t not in removed:
                    yield t
        yield from self._added_matching(g, pattern)

    def _added_matching(self, g: str, pattern: Pattern) -> list[Triple]:
        """The added triples of ``g`` that match ``pattern`` (a list: the caller may change
        the delta while it reads them). A bulk delta read pattern by pattern (the SHACL
        finder's projection reads one predicate at a time) is indexed once, not scanned per
        pattern: that scan was 15 s of a 10^5-triple POST."""
        added = self.added.get(g)
        if not added:
            return []
        bound = [(i, x) for i, x in enumerate(pattern) if x is not None]
        if not bound:
            return list(added)
        if len(added) <= _INDEX_ABOVE:
            return [t for t in added if all(t[i] == x for i, x in bound)]
        index = self._index.get(g)
        if index is None:
            index = self._index[g] = ({}, {}, {})
            for t in added:
                for i in range(3):
                    index[i].setdefault(t[i], []).append(t)
        first, *rest = sorted(bound, key=lambda b: len(index[b[0]].get(b[1], ())))
        rows = index[first[0]].get(first[1], [])
        return [t for t in rows if all(t[i] == x for i, x in rest)] if rest else list(rows)

    def objects_of(self, graph: GraphName, subjects: Iterable[Node], predicate: Node
                   ) -> dict[Node, set[Node]]:
        """The objects of ``(s, predicate, ?)`` in ``graph`` after the delta, for many subjects
        at once: one pass over the pending changes, where :meth:`triples` scans them per call
        (quadratic for a bulk write's thousands of subjects)."""
        g = canonical(graph)
        out: dict[Node, set[Node]] = {s: set() for s in subjects}
        native = self._native()
        if g in self.cleared:
            pass
        elif native is not None:  # one native lookup per subject, rdflib terms only for hits
            term = self._converter()
            ox_p, ox_g = term(predicate), ox.NamedNode(g)
            for s, found in out.items():
                if isinstance(s, (rdflib.URIRef, rdflib.BNode)):
                    found.update(to_rdflib(q.object) for q in native.quads_for_pattern(
                        term(s), ox_p, None, ox_g))  # type: ignore[arg-type]
        else:
            base = self._base(g)
            for s, found in out.items():
                found.update(base.objects(s, predicate))
        for s, p, o in self.removed.get(g, ()):
            if p == predicate and s in out:
                out[s].discard(o)
        for s, p, o in self.added.get(g, ()):
            if p == predicate and s in out:
                out[s].add(o)
        return out

    def store_names(self) -> set[str]:
        if self._names is None:
            self._names = set(self.store.graph_names()) | self._empty
        return self._names

    def exists(self, graph: GraphName) -> bool:
        """Whether a graph exists now (the default graph always does)."""
        if graph is None:
            return True
        g = canonical(graph)
        if g in self.created:
            return True
        return g not in self.dropped and (g in self.store_names() or bool(self.added.get(g)))

    def names(self) -> set[str]:
        """Every named graph that exists now."""
        return {g for g in self.store_names() | self.created | set(self.added)
                if self.exists(g)}

    # -- writing --------------------------------------------------------------------------

    def add(self, graph: GraphName, t: Triple) -> None:
        g = canonical(graph)
        self._index.pop(g, None)
        if t in self.removed[g] and g not in self.cleared:
            self.removed[g].discard(t)
        elif not self.in_store(g, t):
            self.added[g].add(t)
        if g in self.dropped:
            self.dropped.discard(g)
            self.created.add(g)

    def add_all(self, graph: GraphName, triples: Iterable[Triple]) -> None:
        """:meth:`add` of many triples (a bulk write's inferred ones): on Oxigraph the store
        is asked directly, and each triple's pyoxigraph form is kept for :meth:`quads`."""
        native = self._native()
        g = canonical(graph)
        if native is None or g in self.cleared or g in self.dropped:
            for t in triples:
                self.add(graph, t)
            return
        self._index.pop(g, None)
        added, removed, parsed = self.added[g], self.removed[g], self._parsed
        term, ox_g = self._converter(), ox.NamedNode(g)
        for t in triples:
            if t in removed:
                removed.discard(t)
                continue
            known = parsed.get(t)
            if known is None:
                known = parsed[t] = ox.Triple(term(t[0]), term(t[1]),  # type: ignore[arg-type]
                                              term(t[2]))
            if ox.Quad(known.subject, known.predicate, known.object, ox_g) not in native:
                added.add(t)

    def remove(self, graph: GraphName, t: Triple) -> None:
        g = canonical(graph)
        self._index.pop(g, None)
        if t in self.added[g]:
            self.added[g].discard(t)
        elif self.in_store(g, t):
            self.removed[g].add(t)

    def clear(self, graph: GraphName) -> None:
        g = canonical(graph)
        if g == ASSERTED_IRI:  # the reasoning needs the triples that go
            self.removed[g] |= {t for t in self.triples(g, (None, None, None))
                                if t not in self.added[g]}
        self.added[g] = set()
        self._index.pop(g, None)
        self.cleared.add(g)

    def drop(self, graph: GraphName) -> None:
        self.clear(graph)
        if graph is not None:
            g = canonical(graph)
            self.created.discard(g)
            if g in self.store_names():
                self.dropped.add(g)

    def create(self, graph: str) -> None:
        g = canonical(graph)
        self.dropped.discard(g)
        self.created.add(g)

    def add_quads(self, graph: GraphName, quads: Iterable[ox.Quad]) -> None:
        """Add parsed triples to ``graph`` (creating it), whatever graph they were parsed in."""
        if graph is not None and not self.exists(graph):
            self.create(graph)
        g = canonical(graph)
        # a graph the store does not hold (or that this write cleared) has none of them: no
        # lookup per triple (a bulk POST into a new graph)
        fresh = g in self.cleared or g not in self.store_names()
        self._index.pop(g, None)
        added, removed, parsed = self.added[g], self.removed[g], self._parsed
        native = None if fresh else self._native()
        ox_g = ox.NamedNode(g)
        # terms repeat (predicates, classes, a subject per few triples): converted once each
        term = functools.cache(to_rdflib)
        for q in quads:
            t = (term(q.subject), term(q.predicate), term(q.object))
            parsed[t] = q.triple
            if fresh and t not in removed:
                added.add(t)
            elif native is not None:  # Delta.add, the store asked directly
                if t in removed:
                    removed.discard(t)
                elif ox.Quad(q.subject, q.predicate, q.object, ox_g) not in native:
                    added.add(t)
            else:
                self.add(graph, t)

    # -- what changed ---------------------------------------------------------------------

    def changed_graphs(self) -> set[str]:
        return ({g for g, ts in self.added.items() if ts}
                | {g for g, ts in self.removed.items() if ts} | self.created | self.dropped
                | self.cleared)

    def quads(self) -> tuple[list[ox.Quad], list[ox.Quad]]:
        """(removed, added) as pyoxigraph quads, for ``Store.apply_delta`` (with
        :attr:`cleared`, whose old triples are not listed)."""
        parsed = self._parsed
        term = self._converter()

        def quad(g: str, t: Triple) -> ox.Quad:
            known = parsed.get(t)
            if known is not None:
                return ox.Quad(known.subject, known.predicate, known.object, ox.NamedNode(g))
            return ox.Quad(term(t[0]), term(t[1]), term(t[2]),  # type: ignore[arg-type]
                           ox.NamedNode(g))
        removed = [quad(g, t) for g, ts in self.removed.items() if g not in self.cleared
                   for t in ts]
        added = [quad(g, t) for g, ts in self.added.items() for t in ts]
        return removed, added

    def ntriples(self, graphs: Sequence[str], predicates: Collection[Node] | None
                 ) -> str | None:
        """The union of ``graphs`` as they are now (store + changes), only the triples with
        one of ``predicates`` (None: all), as N-Triples text written by pyoxigraph's
        serializer: no rdflib term per stored triple (a bulk write's SHACL finder reads
        millions). A triple may come twice (in two graphs). None where that cannot be done: a
        store other than Oxigraph, or a graph this delta cleared.

        The store is read one (graph, predicate) index range at a time: the same selection as
        one ``CONSTRUCT`` with ``VALUES`` took 16 CPU s at 10^6 (its join scanned the store),
        this about 3."""
        native = self._native()
        names = [canonical(g) for g in graphs]
        if native is None or any(g in self.cleared for g in names):
            return None
        term = self._converter()
        # a triple removed from one graph may stay in another: the graph is matched too
        gone = {ox.Quad(term(t[0]), term(t[1]), term(t[2]), ox.NamedNode(g))  # type: ignore[arg-type]
                for g in names for t in self.removed.get(g, ())}
        wanted: list[ox.NamedNode | None] = [None] if predicates is None else [
            p for p in map(term, predicates) if isinstance(p, ox.NamedNode)]
        keep = None if predicates is None else set(predicates)
        parsed = self._parsed

        def rows() -> Iterator[ox.Triple]:
            for g in names:
                node = ox.NamedNode(g)
                for p in wanted:
                    for q in native.quads_for_pattern(None, p, None, node):
                        if not gone or q not in gone:
                            yield q.triple
            for g in names:
                for t in self.added.get(g, ()):
                    if keep is None or t[1] in keep:
                        yield parsed.get(t) or ox.Triple(term(t[0]), term(t[1]),  # type: ignore[arg-type]
                                                         term(t[2]))
        return bytes(ox.serialize(rows(), format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")

    def _converter(self) -> Callable[[Node], OxTerm]:
        """rdflib -> pyoxigraph terms, each converted once (a bulk delta's inferred triples
        repeat their classes, predicates and subjects)."""
        return functools.cache(to_oxigraph)

    def graph(self, graph: GraphName) -> rdflib.Graph:
        """A read-only rdflib view of one graph as it is now (store + changes)."""
        ident = DATASET_DEFAULT_GRAPH_ID if graph is None else URIRef(canonical(graph))
        return rdflib.Graph(store=_DeltaGraph(self, graph), identifier=ident)


class _DeltaGraph(RdflibStore):
    def __init__(self, delta: Delta, graph: GraphName) -> None:
        super().__init__()
        self._delta = delta
        self._graph = graph

    def triples(self, triple_pattern: Pattern, context: Any = None
                ) -> Iterator[tuple[Triple, Iterator[Any]]]:
        for t in self._delta.triples(self._graph, triple_pattern):
            yield t, iter(())

    def __len__(self, context: Any = None) -> int:
        return sum(1 for _ in self._delta.triples(self._graph, (None, None, None)))
