"""The in-memory rdflib store: the reference backend, pure Python, nothing to install.

rdflib's SPARQL engine is the semantics the library (``alliance-kg query``) already uses, so this
backend answers exactly as the command line does; it is slow on large data (see
docs/BENCHMARKS.md), which is why ``serve`` defaults to Oxigraph.

Writes are atomic by copy-and-swap: an update runs on a copy of the dataset and replaces it only
when every operation succeeded, under a lock, so readers see the old or the new dataset whole.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import ClassVar

import pyoxigraph as ox
import pyparsing
import rdflib
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql import prepareUpdate
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Node, URIRef

from ..config import Settings
from ..errors import ErrorKind, KGError
from ..formats import Format, Kind
from ..knowledge.load import parse_bytes, quiet_literals
from ..knowledge.query import render, syntax_error
from ..namespaces import PREFIXES, bind_prefixes
from ..terms import to_rdflib
from .base import GraphName, QueryForm, QueryResult, Store
from .prepared import PreparedQueries, parser_lock
from .rdflibview import DatasetView


def _graph_id(graph: GraphName) -> Node:
    return DATASET_DEFAULT_GRAPH_ID if graph is None else URIRef(graph)


def _triple(q: ox.Quad) -> tuple[Node, Node, Node]:
    return to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)


def evaluate(target: rdflib.Dataset, query: Query, base_iri: str | None) -> Result:
    """rdflib's evaluation of a parsed query, SELECT rows read at once; its errors are the
    query's fault (BAD_INPUT)."""
    try:
        result = target.query(query, base=base_iri)
        if result.type == "SELECT":
            result.bindings = list(result.bindings)
        return result
    except KGError:
        raise
    except Exception as exc:
        raise KGError(ErrorKind.BAD_INPUT, f"query failed: {exc}") from None


def _drop_dataset_clause(prepared: Query) -> None:
    # the protocol's dataset replaces the query's FROM / FROM NAMED (SPARQL 1.1 Protocol)
    prepared.algebra["datasetClause"] = None


class MemoryResult(QueryResult):
    def __init__(self, result: Result) -> None:
        self.result = result
        self.form: QueryForm = result.type  # type: ignore[assignment]

    def serialize(self, fmt: Format, *, limit: int | None = None) -> bytes:
        if limit is not None and self.form != "ASK":
            graph = self.result.graph
            size = len(graph) if graph is not None else len(self.result.bindings or [])
            if size > limit:
                what = "triples" if graph is not None else "results"  # as the other stores say
                raise KGError(ErrorKind.TOO_LARGE, f"more than {limit} {what}; add a LIMIT")
        return render(self.result, fmt.key)


class MemoryStore(Store):
    name: ClassVar[str] = "memory"
    #: rdflib evaluates in Python but cannot be interrupted from another thread either
    killable_in_thread: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        self.ds = self._new()
        self._lock = threading.RLock()
        self._prepared = PreparedQueries()

    @classmethod
    def from_settings(cls, settings: Settings) -> MemoryStore:
        return cls()

    def after_fork(self) -> None:
        # another thread may have held the lock when the query process was forked
        self._lock = threading.RLock()
        self._prepared.after_fork()

    @staticmethod
    def _new() -> rdflib.Dataset:
        ds = rdflib.Dataset(default_union=False)
        bind_prefixes(ds)
        return ds

    def _copy(self) -> rdflib.Dataset:
        copy = self._new()
        with quiet_literals():
            for graph in self.ds.graphs():
                target = copy.default_graph if graph.identifier == DATASET_DEFAULT_GRAPH_ID \
                    else copy.graph(graph.identifier)
                for t in graph:
                    target.add(t)
        return copy

    def load(self, data: bytes, fmt: Format, graph: GraphName = None) -> int:
        quads = parse_bytes(data, fmt)
        with self.writing(), self._lock, quiet_literals():
            for s, p, o, g in quads:
                target = _graph_id(graph) if fmt.kind is Kind.GRAPH else g
                ctx = self.ds.default_graph if target == DATASET_DEFAULT_GRAPH_ID \
                    else self.ds.graph(target)  # type: ignore[arg-type]
                ctx.add((s, p, o))
        return len(quads)

    def _view(self, default_graphs: Sequence[GraphName] | None,
              named_graphs: Sequence[str] | None) -> rdflib.Dataset:
        """The protocol's dataset (default-graph-uri / named-graph-uri) as a dataset of its own."""
        if default_graphs is None and named_graphs is None:
            return self.ds
        default = [_graph_id(g) for g in
                   (default_graphs if default_graphs is not None else [None])]
        names = named_graphs if named_graphs is not None else self.graph_names()
        view = DatasetView([self.ds.get_context(g) for g in default],  # type: ignore[arg-type]
                           {URIRef(n): self.ds.get_context(URIRef(n)) for n in names},
                           self.ds.store)
        return rdflib.Dataset(store=view, default_union=False)

    def rdflib_dataset(self, default_graphs: Sequence[GraphName] | None,
                       named_graphs: Sequence[str] | None) -> rdflib.Dataset:
        return self._view(default_graphs, named_graphs)

    def query(self, sparql: str, *, default_graphs: Sequence[GraphName] | None = None,
              named_graphs: Sequence[str] | None = None, base_iri: str | None = None
              ) -> QueryResult:
        if default_graphs is not None or named_graphs is not None:
            prepared = self._prepared.get(sparql, "protocol dataset", _drop_dataset_clause)
        else:
            prepared = self._prepared.get(sparql)
        with self._lock:
            result = evaluate(self._view(default_graphs, named_graphs), prepared, base_iri)
        return MemoryResult(result)

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        try:
            with parser_lock():  # rdflib's grammar is shared and not thread-safe
                prepared = prepareUpdate(sparql, initNs=PREFIXES, base=base_iri)
        except pyparsing.ParseBaseException as exc:
            raise syntax_error(sparql, exc.lineno, exc.col, str(exc.msg)) from None
        except Exception as exc:
            raise KGError(ErrorKind.BAD_INPUT, f"SPARQL update error: {exc}") from None
        with self.writing(), self._lock:
            scratch = self._copy()
            try:
                scratch.update(prepared)
            except Exception as exc:
                raise KGError(ErrorKind.BAD_INPUT,
                              f"update failed, nothing changed: {exc}") from None
            self.ds = scratch

    def graph_names(self) -> list[str]:
        with self._lock:
            return sorted(str(g.identifier) for g in self.ds.graphs()
                          if g.identifier != DATASET_DEFAULT_GRAPH_ID and len(g))

    def count(self, graph: GraphName = None) -> int:
        with self._lock:
            return len(self.ds.graph(_graph_id(graph)))  # type: ignore[arg-type]

    def _require(self, graph: GraphName) -> None:
        if graph is not None and graph not in self.graph_names():
            raise KGError(ErrorKind.NOT_FOUND, f"no graph <{graph}> in the store")

    def get_graph(self, graph: GraphName, fmt: Format) -> bytes:
        self._require(graph)
        out = rdflib.Graph(bind_namespaces="none")
        bind_prefixes(out)
        with self._lock:
            for t in self.ds.graph(_graph_id(graph)):  # type: ignore[arg-type]
                out.add(t)
        data = out.serialize(format=fmt.rdflib or fmt.key, encoding="utf-8")
        return data if isinstance(data, bytes) else data.encode("utf-8")

    def replace_graphs(self, graphs: dict[GraphName, tuple[bytes, Format]]) -> None:
        parsed = {g: (parse_bytes(data, fmt) if data else []) for g, (data, fmt) in graphs.items()}
        with self.writing(), self._lock:
            scratch = self._copy()
            with quiet_literals():
                for g, quads in parsed.items():
                    target = scratch.default_graph if g is None else scratch.graph(URIRef(g))
                    target.remove((None, None, None))
                    for s, p, o, _ in quads:
                        target.add((s, p, o))
            self.ds = scratch

    def graph_view(self, graph: GraphName) -> rdflib.Graph:
        return self.ds.get_context(_graph_id(graph))  # type: ignore[arg-type]

    def apply_delta(self, removed: Sequence[ox.Quad], added: Sequence[ox.Quad],
                    cleared: Sequence[str] = ()) -> None:
        # in place under the lock every query holds while it reads: no copy of the dataset
        with self.writing(), self._lock, quiet_literals():
            for g in cleared:
                self.ds.graph(URIRef(g)).remove((None, None, None))
            for q in removed:
                self._context(q).remove(_triple(q))
            for q in added:
                self._context(q).add(_triple(q))

    def _context(self, q: ox.Quad) -> rdflib.Graph:
        g = q.graph_name
        return self.ds.default_graph if not isinstance(g, ox.NamedNode) \
            else self.ds.graph(URIRef(g.value))

    def drop_graph(self, graph: GraphName) -> None:
        self._require(graph)
        with self.writing(), self._lock:
            if graph is None:
                self.ds.default_graph.remove((None, None, None))
            else:
                self.ds.remove_graph(self.ds.graph(URIRef(graph)))

    def dump(self, fmt: Format) -> bytes:
        if fmt.kind is not Kind.DATASET:
            raise KGError(ErrorKind.NOT_ACCEPTABLE, f"a dump needs a dataset format, not {fmt.key}")
        with self._lock:
            data = self.ds.serialize(format=fmt.rdflib or fmt.key, encoding="utf-8")
        return data if isinstance(data, bytes) else data.encode("utf-8")
