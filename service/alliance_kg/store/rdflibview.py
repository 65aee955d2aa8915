"""Read-only rdflib views over a store's graphs, for rdflib's SPARQL engine.

The memory store answers through :class:`DatasetView` over its own rdflib graphs; the Oxigraph
store lends its graphs through :class:`OxigraphGraph` when rdflib must evaluate (the federation
path, whose SERVICE calls go through our guarded client). Nothing is copied.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.store import Store as RdflibStore
from rdflib.term import Node, URIRef

from ..errors import ErrorKind, KGError
from ..terms import to_oxigraph, to_rdflib

_Pattern = tuple[Node | None, Node | None, Node | None]
_Triple = tuple[Node, Node, Node]


class DatasetView(RdflibStore):
    """A protocol dataset over existing graphs: the default graph is the set union of
    ``default`` (each triple once), the named graphs are ``named``."""

    context_aware = True
    graph_aware = True

    def __init__(self, default: list[rdflib.Graph], named: dict[Node, rdflib.Graph],
                 namespaces: RdflibStore | None = None) -> None:
        super().__init__()
        self._default = default
        self._named = named
        self._ns = namespaces

    def _sources(self, context: Any) -> list[rdflib.Graph]:
        ident = getattr(context, "identifier", context)
        if ident == DATASET_DEFAULT_GRAPH_ID:
            return self._default
        if ident is None:  # every graph (rdflib's meaning of "no context")
            return [*self._default, *self._named.values()]
        named = self._named.get(ident)
        return [named] if named is not None else []

    def triples(self, triple_pattern: _Pattern, context: Any = None
                ) -> Iterator[tuple[_Triple, Iterator[Any]]]:
        sources = self._sources(context)
        for i, graph in enumerate(sources):
            earlier = sources[:i]
            for t in graph.triples(triple_pattern):
                if not any(t in e for e in earlier):  # a set union: each triple once
                    yield t, iter(())

    def __len__(self, context: Any = None) -> int:
        return sum(1 for _ in self.triples((None, None, None), context))

    def contexts(self, triple: _Triple | None = None
                 ) -> Generator[rdflib.Graph, None, None]:
        idents: list[Node] = [DATASET_DEFAULT_GRAPH_ID, *self._named]
        for ident in idents:
            graph = rdflib.Graph(store=self, identifier=ident)  # type: ignore[arg-type]
            if triple is None or any(True for _ in self.triples(triple, graph)):
                yield graph

    def add_graph(self, graph: rdflib.Graph) -> None:
        if graph.identifier != DATASET_DEFAULT_GRAPH_ID and graph.identifier not in self._named:
            raise KGError(ErrorKind.BAD_INPUT, "a query cannot add graphs")

    def namespaces(self) -> Iterator[tuple[str, URIRef]]:
        return self._ns.namespaces() if self._ns is not None else iter(())

    def namespace(self, prefix: str) -> URIRef | None:
        return self._ns.namespace(prefix) if self._ns is not None else None

    def prefix(self, namespace: URIRef) -> str | None:
        return self._ns.prefix(namespace) if self._ns is not None else None

    def bind(self, prefix: str, namespace: URIRef, override: bool = True) -> None:
        pass  # read-only


class _OxigraphGraphStore(RdflibStore):
    """One graph of a pyoxigraph store as a read-only rdflib store."""

    def __init__(self, store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> None:
        super().__init__()
        self._ox = store
        self._graph = graph

    def triples(self, triple_pattern: _Pattern, context: Any = None
                ) -> Iterator[tuple[_Triple, Iterator[Any]]]:
        s, p, o = (None if t is None else to_oxigraph(t) for t in triple_pattern)
        if isinstance(s, ox.Literal) or not isinstance(p, (ox.NamedNode, type(None))):
            return
        for q in self._ox.quads_for_pattern(s, p, o, self._graph):
            yield (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)), iter(())

    def __len__(self, context: Any = None) -> int:
        return sum(1 for _ in self._ox.quads_for_pattern(None, None, None, self._graph))


def oxigraph_graph(store: ox.Store, graph: str | None) -> rdflib.Graph:
    """A read-only rdflib graph over one graph of a pyoxigraph store (None: its default)."""
    node: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph() if graph is None \
        else ox.NamedNode(graph)
    ident = DATASET_DEFAULT_GRAPH_ID if graph is None else URIRef(graph)
    return rdflib.Graph(store=_OxigraphGraphStore(store, node), identifier=ident)
