"""Stand-ins for library modules the web layer calls but that have not landed yet.

``install()`` registers a stand-in only for a module that cannot be imported, so as soon as the
real ``store.registry`` / ``store.executor`` / ``knowledge.reason`` / ``knowledge.validate`` exist
the servers under test use them. Each stand-in is the simplest real thing: pyoxigraph for the
store and queries (no timeout: the real executor's child process provides that), owlrl for the
closure, pyshacl for validation.
"""

from __future__ import annotations

import importlib
import json
import sys
import types
from collections.abc import Callable, Sequence
from typing import Any

import pyoxigraph as ox
import rdflib

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import Format
from alliance_kg.store.base import GraphName, QueryForm, QueryResult, Store

INSTALLED: list[str] = []


def _rdf(fmt: Format) -> ox.RdfFormat:
    return getattr(ox.RdfFormat, fmt.oxigraph or "")


def _node(g: GraphName) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if g is None else ox.NamedNode(g)


class OxResult(QueryResult):
    def __init__(self, run: Callable[[], Any]) -> None:
        self.run = run
        raw = run()
        if isinstance(raw, ox.QueryBoolean):
            self.form = "ASK"
        elif isinstance(raw, ox.QuerySolutions):
            self.form = "SELECT"
        else:
            self.form = "CONSTRUCT"

    def serialize(self, fmt: Format, *, limit: int | None = None) -> bytes:
        if self.form == "ASK":
            return bytes(self.run().serialize(format=getattr(ox.QueryResultsFormat,
                                                              fmt.oxigraph or "")))
        if self.form == "SELECT":
            if limit is not None and sum(1 for _ in self.run()) > limit:
                raise KGError(ErrorKind.TOO_LARGE, f"more than {limit} results")
            return bytes(self.run().serialize(format=getattr(ox.QueryResultsFormat,
                                                              fmt.oxigraph or "")))
        triples = list(self.run())
        if limit is not None and len(triples) > limit:
            raise KGError(ErrorKind.TOO_LARGE, f"more than {limit} triples")
        return bytes(ox.serialize(triples, format=_rdf(fmt)) or b"")


class OxStore(Store):
    name = "oxigraph"

    def __init__(self) -> None:
        self.ox = ox.Store()

    def load(self, data: bytes, fmt: Format, graph: GraphName = None) -> int:
        before = len(self.ox)
        try:
            self.ox.load(data, _rdf(fmt), to_graph=_node(graph))
        except SyntaxError as exc:
            raise KGError(ErrorKind.BAD_INPUT, str(exc), line=exc.lineno,
                          column=exc.offset) from None
        return len(self.ox) - before

    def query(self, sparql: str, *, default_graphs: Sequence[GraphName] | None = None,
              named_graphs: Sequence[str] | None = None, base_iri: str | None = None
              ) -> QueryResult:
        kwargs: dict[str, Any] = {"base_iri": base_iri}
        if default_graphs is not None:
            kwargs["default_graph"] = [_node(g) for g in default_graphs]
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            return OxResult(lambda: self.ox.query(sparql, **kwargs))
        except SyntaxError as exc:
            import re

            m = re.search(r"at (\d+):(\d+)", str(exc))
            raise KGError(ErrorKind.BAD_INPUT, str(exc),
                          line=int(m.group(1)) if m else None,
                          column=int(m.group(2)) if m else None) from None

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        self.ox.update(sparql, base_iri=base_iri)

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.ox.named_graphs()
                      if isinstance(g, ox.NamedNode)
                      and next(iter(self.ox.quads_for_pattern(None, None, None, g)), None))

    def count(self, graph: GraphName = None) -> int:
        return sum(1 for _ in self.ox.quads_for_pattern(None, None, None, _node(graph)))

    def get_graph(self, graph: GraphName, fmt: Format) -> bytes:
        if graph is not None and graph not in self.graph_names():
            raise KGError(ErrorKind.NOT_FOUND, f"no graph <{graph}>")
        triples = [q.triple for q in self.ox.quads_for_pattern(None, None, None, _node(graph))]
        return bytes(ox.serialize(triples, format=_rdf(fmt)) or b"")

    def replace_graphs(self, graphs: dict[GraphName, tuple[bytes, Format]]) -> None:
        # one SPARQL update = one transaction: readers see all graphs swapped or none
        ops = []
        for g, (data, fmt) in graphs.items():
            triples = "\n".join(str(t) + " ." for t in ox.parse(data, _rdf(fmt))) if data else ""
            if g is None:
                ops.append("CLEAR DEFAULT")
                ops.append(f"INSERT DATA {{ {triples} }}")
            else:
                ops.append(f"DROP SILENT GRAPH <{g}>")
                ops.append(f"INSERT DATA {{ GRAPH <{g}> {{ {triples} }} }}")
        if ops:
            self.ox.update(" ;\n".join(ops))

    def drop_graph(self, graph: GraphName) -> None:
        if graph is None:
            self.ox.clear_graph(ox.DefaultGraph())
            return
        if graph not in self.graph_names():
            raise KGError(ErrorKind.NOT_FOUND, f"no graph <{graph}>")
        self.ox.remove_graph(ox.NamedNode(graph))

    def dump(self, fmt: Format) -> bytes:
        return bytes(self.ox.dump(format=_rdf(fmt)) or b"")


def create(settings: Any) -> Store:
    return OxStore()


def execute_query(store: Store, sparql: str, *, choose_format: Callable[[QueryForm], Format],
                  default_graphs: Sequence[GraphName] | None = None,
                  named_graphs: Sequence[str] | None = None, base_iri: str | None = None,
                  timeout: float, limit: int) -> tuple[Format, bytes]:
    result = store.query(sparql, default_graphs=default_graphs, named_graphs=named_graphs,
                         base_iri=base_iri)
    fmt = choose_format(result.form)
    return fmt, result.serialize(fmt, limit=limit)


def infer(asserted: rdflib.Graph, ontology: rdflib.Graph) -> rdflib.Graph:
    import owlrl

    both = rdflib.Graph()
    for t in asserted:
        both.add(t)
    for t in ontology:
        both.add(t)
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics, axiomatic_triples=False).expand(both)
    out = rdflib.Graph()
    for t in both:
        if t not in asserted and t not in ontology and not isinstance(t[0], rdflib.Literal):
            if str(t[1]).startswith(str(rdflib.RDFS)) or str(t[2]).startswith(
                    (str(rdflib.RDFS), str(rdflib.RDF))):
                continue
            out.add(t)
    return out


class Report:
    def __init__(self, conforms: bool, graph: rdflib.Graph, text: str) -> None:
        self.conforms, self.graph, self.text = conforms, graph, text

    def to_turtle(self) -> str:
        return self.graph.serialize(format="turtle")

    def to_json(self) -> str:
        return json.dumps({"conforms": self.conforms, "text": self.text})


def validate(data: rdflib.Graph, shapes: rdflib.Graph, *, ontology: rdflib.Graph | None = None,
             inference: str = "none") -> Report:
    import pyshacl

    conforms, graph, text = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology,
                                             inference=inference)
    return Report(bool(conforms), graph, str(text))


def _module(name: str, **attrs: Any) -> None:
    try:
        importlib.import_module(name)
        return
    except ImportError:
        pass
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    INSTALLED.append(name)


def install() -> list[str]:
    _module("alliance_kg.store.registry", create=create)
    _module("alliance_kg.store.executor", execute_query=execute_query)
    _module("alliance_kg.knowledge.reason", infer=infer)
    _module("alliance_kg.knowledge.validate", validate=validate)
    return INSTALLED
