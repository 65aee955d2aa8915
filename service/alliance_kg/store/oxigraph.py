"""The embedded Oxigraph store: the fast default backend of ``serve``.

pyoxigraph evaluates SPARQL natively (Rust) and keeps the dataset in memory or, with a
``path``, in a RocksDB directory that survives restarts. Every write here is one Oxigraph
transaction: ``extend`` for loads, one SPARQL update request for ``update`` and
``replace_graphs``, so a reader never sees half of a write and a failed write leaves nothing.

pyoxigraph does not look at Python signals while a query runs, so a query cannot be interrupted
in its thread: :mod:`.executor` runs queries of this store in a forked child it can kill
(``killable_in_thread = False``).
"""

from __future__ import annotations

import itertools
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, ClassVar

import pyoxigraph as ox
import rdflib
from rdflib.term import Node, URIRef

from ..config import Settings
from ..errors import ErrorKind, KGError
from ..formats import Format, Kind
from ..namespaces import PREFIXES
from .base import GraphName, QueryForm, QueryResult, Store
from .rdflibview import DatasetView, oxigraph_graph

#: "error at 3:11: ..." in pyoxigraph's SPARQL syntax errors
_POSITION = re.compile(r"at (\d+):(\d+)")


def rdf_format(fmt: Format) -> ox.RdfFormat:
    if fmt.kind is Kind.RESULTS or not fmt.oxigraph:
        raise KGError(ErrorKind.NOT_ACCEPTABLE, f"{fmt.media_type} is not an RDF format")
    return getattr(ox.RdfFormat, fmt.oxigraph)  # type: ignore[no-any-return]


def results_format(fmt: Format) -> ox.QueryResultsFormat:
    if fmt.kind is not Kind.RESULTS or not fmt.oxigraph:
        raise KGError(ErrorKind.NOT_ACCEPTABLE, f"{fmt.media_type} is not a results format")
    return getattr(ox.QueryResultsFormat, fmt.oxigraph)  # type: ignore[no-any-return]


def graph_node(graph: GraphName) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph is None else ox.NamedNode(graph)


def sparql_error(exc: SyntaxError, text: str) -> KGError:
    """A SPARQL syntax error with the position pyoxigraph puts in its message."""
    m = _POSITION.search(str(exc))
    return KGError(ErrorKind.BAD_INPUT, f"SPARQL syntax error: {exc}",
                   line=int(m.group(1)) if m else None, column=int(m.group(2)) if m else None)


def _quad_text(q: ox.Quad) -> str:
    g = q.graph_name
    if isinstance(g, ox.NamedNode):
        return f"GRAPH {g} {{ {q.triple} }}"
    return f"{q.triple} ."


def parse_quads(data: bytes, fmt: Format, graph: GraphName = None) -> list[ox.Quad]:
    """Parse completely before anything is written, so a syntax error changes nothing."""
    target = graph_node(graph)
    try:
        parsed = ox.parse(data, rdf_format(fmt), rename_blank_nodes=True)
        if fmt.kind is Kind.DATASET:
            return list(parsed)
        # pyoxigraph gives quads in the default graph for triple formats too
        return [ox.Quad(q.subject, q.predicate, q.object, target) for q in parsed]
    except SyntaxError as exc:
        raise KGError(ErrorKind.BAD_INPUT, f"{fmt.key} syntax error: {exc}",
                      line=exc.lineno, column=exc.offset) from None


#: the fewest bytes one row of a SELECT answer takes in each results format (an empty row:
#: JSON ``{}``, XML ``<result></result>``, CSV ``\r\n``, TSV ``\n``); checked against
#: pyoxigraph's own output in tests/store/test_oxigraph_result.py
MIN_ROW_BYTES: dict[str, int] = {"JSON": 2, "XML": 17, "CSV": 2, "TSV": 1}


class _OverBudget(Exception):
    """Raised by :class:`_BoundedBuffer` to stop pyoxigraph serializing a too-long answer."""


class _BoundedBuffer:
    """A binary writer for pyoxigraph's ``serialize`` that refuses to hold more than
    ``budget`` bytes: raising from ``write`` stops the serialization (pyoxigraph writes
    through an 8 KiB buffer, so it never gets far past the budget)."""

    def __init__(self, budget: int) -> None:
        self._left = budget
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._left -= len(data)
        if self._left < 0:
            raise _OverBudget
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes its writer; the parts are already here."""

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class _RecentKeys:
    """A bounded set of the most recently added keys, shared by threads. A forked query
    worker (store.executor) gets a fresh lock: another thread may have held it at the fork."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._keys: OrderedDict[Hashable, None] = OrderedDict()
        self._lock = threading.Lock()
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        self._lock = threading.Lock()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._keys

    def add(self, key: Hashable) -> None:
        with self._lock:
            self._keys[key] = None
            self._keys.move_to_end(key)
            while len(self._keys) > self._size:
                self._keys.popitem(last=False)


#: (query text, format) of capped SELECTs whose answer last outgrew the buffer: counted first,
#: so a big answer asked again costs two evaluations (as before the buffer), not three
OUTGREW = _RecentKeys(256)


class OxigraphResult(QueryResult):
    """Re-evaluates lazily: pyoxigraph's solutions can be read once, and the size check must not
    serialize an over-large answer before refusing it.

    The first evaluation (which tells the query form) is the one served whenever it can be: an
    ASK or CONSTRUCT answer is read once; a capped SELECT answer is serialized into a buffer of
    at most ``limit`` of the format's smallest rows (:data:`MIN_ROW_BYTES`), so an answer that
    fits has at most ``limit`` rows and is served as it is. Only a longer answer is evaluated
    again, to count its rows before anything more is serialized (and a third time to serialize
    it when it is under the cap). Before, every capped SELECT was evaluated twice: the second
    evaluation was a fifth of a small query's in-process cost. The text of a query whose
    answer outgrew the buffer (``key``) is remembered in :data:`OUTGREW` and counted first
    the next time, as before, so repeating a big (say sorted) query does not cost a third
    evaluation."""

    def __init__(self, run: Callable[[], Any], key: Hashable = None) -> None:
        self._run = run
        self._key = key
        first = run()
        self._first: Any = first
        if isinstance(first, ox.QueryBoolean):
            self.form: QueryForm = "ASK"
        elif isinstance(first, ox.QuerySolutions):
            self.form = "SELECT"
        else:
            self.form = "CONSTRUCT"

    def _fresh(self) -> Any:
        if self._first is not None:
            first, self._first = self._first, None
            return first
        return self._run()

    def serialize(self, fmt: Format, *, limit: int | None = None) -> bytes:
        if self.form == "ASK":
            return bytes(self._fresh().serialize(format=results_format(fmt)))
        if self.form == "SELECT":
            out_format = results_format(fmt)
            if limit is None:
                return bytes(self._fresh().serialize(format=out_format))
            key = (self._key, fmt.key)
            if self._key is None or key not in OUTGREW:
                buffer = _BoundedBuffer(MIN_ROW_BYTES.get(fmt.oxigraph or "", 1) * limit)
                try:
                    self._fresh().serialize(buffer, format=out_format)
                    return buffer.getvalue()
                except _OverBudget:
                    if self._key is not None:
                        OUTGREW.add(key)
            rows = sum(1 for _ in itertools.islice(self._fresh(), limit + 1))
            if rows > limit:
                raise KGError(ErrorKind.TOO_LARGE, f"more than {limit} results; add a LIMIT")
            return bytes(self._fresh().serialize(format=out_format))
        out_rdf = rdf_format(fmt)
        triples = list(itertools.islice(self._fresh(), None if limit is None else limit + 1))
        if limit is not None and len(triples) > limit:
            raise KGError(ErrorKind.TOO_LARGE, f"more than {limit} triples; add a LIMIT")
        return bytes(ox.serialize(triples, format=out_rdf, prefixes=PREFIXES) or b"")


class OxigraphStore(Store):
    name: ClassVar[str] = "oxigraph"
    killable_in_thread: ClassVar[bool] = False

    def __init__(self, path: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.ox = ox.Store(path) if path else ox.Store()

    @classmethod
    def from_settings(cls, settings: Settings) -> OxigraphStore:
        return cls(settings.store_path)

    def load(self, data: bytes, fmt: Format, graph: GraphName = None) -> int:
        quads = parse_quads(data, fmt, graph)
        with self.writing():
            self.ox.extend(quads)
        return len(quads)

    def query(self, sparql: str, *, default_graphs: Sequence[GraphName] | None = None,
              named_graphs: Sequence[str] | None = None, base_iri: str | None = None
              ) -> QueryResult:
        kwargs: dict[str, Any] = {"base_iri": base_iri, "prefixes": PREFIXES}
        if default_graphs is not None:
            kwargs["default_graph"] = [graph_node(g) for g in default_graphs]
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            return OxigraphResult(lambda: self.ox.query(sparql, **kwargs), key=sparql)
        except SyntaxError as exc:
            raise sparql_error(exc, sparql) from None
        except OSError as exc:
            raise KGError(ErrorKind.BAD_INPUT, f"query failed: {exc}") from None

    def rdflib_dataset(self, default_graphs: Sequence[GraphName] | None,
                       named_graphs: Sequence[str] | None) -> rdflib.Dataset:
        default = [oxigraph_graph(self.ox, g) for g in
                   (default_graphs if default_graphs is not None else [None])]
        names = named_graphs if named_graphs is not None else self.graph_names()
        named: dict[Node, rdflib.Graph] = {URIRef(n): oxigraph_graph(self.ox, n) for n in names}
        return rdflib.Dataset(store=DatasetView(default, named), default_union=False)

    def graph_view(self, graph: GraphName) -> rdflib.Graph:
        return oxigraph_graph(self.ox, graph)

    def apply_delta(self, removed: Sequence[ox.Quad], added: Sequence[ox.Quad],
                    cleared: Sequence[str] = ()) -> None:
        if not removed and not added and not cleared:
            return
        blank = any(isinstance(t, ox.BlankNode) for q in (*removed, *added)
                    for t in (q.subject, q.object))
        with self.writing():
            if not removed and not cleared:
                # additions only (a bulk POST): extend is one transaction too, and 6x faster
                # than the same quads as INSERT DATA text (3.2 s -> 0.5 s per 300k quads)
                self.ox.extend(added)
                return
            if blank:
                # DELETE DATA cannot name a blank node, and INSERT DATA would rename them: the
                # quads go one by one (under the fork lock: no query worker forks in between)
                for g in cleared:
                    self.ox.clear_graph(graph_node(g))
                for q in removed:
                    self.ox.remove(q)
                self.ox.extend(added)
                return
            # one update request is one transaction; terms are pyoxigraph's serializations
            ops = [f"CLEAR SILENT GRAPH {graph_node(g)}" for g in cleared]
            if removed:
                ops.append("DELETE DATA { " + " ".join(_quad_text(q) for q in removed) + " }")
            if added:
                ops.append("INSERT DATA { " + " ".join(_quad_text(q) for q in added) + " }")
            self.ox.update(" ;\n".join(ops))

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        try:
            with self.writing():
                self.ox.update(sparql, base_iri=base_iri, prefixes=PREFIXES)
        except SyntaxError as exc:
            raise sparql_error(exc, sparql) from None
        except (OSError, RuntimeError, ValueError) as exc:
            # e.g. CREATE of an existing graph, LOAD of an unreachable document: the whole
            # request was one transaction, so nothing of it was applied
            raise KGError(ErrorKind.BAD_INPUT, f"update failed, nothing changed: {exc}") from None

    def _graphs(self) -> Iterator[ox.NamedNode]:
        for g in self.ox.named_graphs():
            if isinstance(g, ox.NamedNode) and next(
                    iter(self.ox.quads_for_pattern(None, None, None, g)), None) is not None:
                yield g

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._graphs())

    def count(self, graph: GraphName = None) -> int:
        return sum(1 for _ in self.ox.quads_for_pattern(None, None, None, graph_node(graph)))

    def _require(self, graph: GraphName) -> None:
        if graph is not None and graph not in self.graph_names():
            raise KGError(ErrorKind.NOT_FOUND, f"no graph <{graph}> in the store")

    def get_graph(self, graph: GraphName, fmt: Format) -> bytes:
        self._require(graph)
        triples = [q.triple for q in self.ox.quads_for_pattern(None, None, None, graph_node(graph))]
        return bytes(ox.serialize(triples, format=rdf_format(fmt), prefixes=PREFIXES) or b"")

    def replace_graphs(self, graphs: dict[GraphName, tuple[bytes, Format]]) -> None:
        # one update request is one transaction: all graphs are swapped, or none
        ops: list[str] = []
        for g, (data, fmt) in graphs.items():
            quads = parse_quads(data, fmt) if data else []
            body = " .\n".join(str(q.triple) for q in quads)
            if g is None:
                ops += ["CLEAR SILENT DEFAULT", f"INSERT DATA {{ {body} }}"]
            else:
                # the name as a term pyoxigraph validated and serialized, never pasted raw
                name = str(graph_node(g))
                ops += [f"DROP SILENT GRAPH {name}", f"INSERT DATA {{ GRAPH {name} {{ {body} }} }}"]
        if ops:
            with self.writing():
                self.ox.update(" ;\n".join(ops))

    def drop_graph(self, graph: GraphName) -> None:
        if graph is None:
            with self.writing():
                self.ox.clear_graph(ox.DefaultGraph())
            return
        self._require(graph)
        with self.writing():
            self.ox.remove_graph(ox.NamedNode(graph))

    def dump(self, fmt: Format) -> bytes:
        if fmt.kind is not Kind.DATASET:
            raise KGError(ErrorKind.NOT_ACCEPTABLE, f"a dump needs a dataset format, not {fmt.key}")
        return bytes(self.ox.dump(format=rdf_format(fmt)) or b"")

    def close(self) -> None:
        if self.path:
            self.ox.flush()
