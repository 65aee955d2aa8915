"""Fast SHACL validation with pySHACL's results: a Rust engine finds, pySHACL reports.

pySHACL evaluates every constraint of every shape at every focus node in Python: 28 s for
10^5 generated triples, well over ten minutes for 10^6 (docs/BENCHMARKS.md). `pyshacl-turbo`
(a Rust SHACL engine with SHACL-SPARQL and pySHACL's semantics) validates the same data in well
under a second per 10^5 triples, but its messages and report graph are its own. So the work is
split:

1. **Find** (pyshacl-turbo): validate the whole data (asserted + inferred + ontology, as
   :func:`.validate.validate` gives pySHACL) and take the focus nodes of its results, of every
   severity.
2. **Report** (pySHACL): validate exactly those focus nodes with pySHACL, against the shapes
   that target them (:mod:`.incremental_shacl`'s focus-node validation, which gives a full
   validation's results at those nodes), and build the usual report from pySHACL's results.
3. **Cross-check**: the results of step 2 must be those of step 1 (focus node, source shape,
   constraint component, severity, value, path). If the engines disagree anywhere they can be
   compared, the whole data is validated again by pySHACL alone, and that report is returned.

On conforming data without warnings (every build that succeeds) step 2 has nothing to do. The
report is pySHACL's whenever step 1 finds every focus node that has a pySHACL result;
``tests/knowledge/test_fastshacl.py`` proves the reports equal (same verdict, same results,
same report text) on the shipped data, on generated data, on the repository fixture and on
every shape fixture, good and bad, with and without inference.

Falls back to pySHACL over the whole data (:func:`.validate.validate` with
``engine="pyshacl"``) when pyshacl-turbo is not installed, when it fails on the input, or when
the shapes use a feature the focus-node validation does not cover
(:attr:`.incremental_shacl.PreparedShapes.unsupported`). :data:`LAST_PATH` says which way the
last call went (for tests and benchmarks).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from rdflib import Graph
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .graphread import triple_set
from .validate import ValidationReport, _report, _shapes_digest, path_text

#: "fast" (pyshacl-turbo found, pySHACL reported) or "reference: <why>", last call
LAST_PATH: list[str] = [""]
#: seconds the last fast call spent finding (pyshacl-turbo) and reporting (pySHACL)
TIMES: dict[str, float] = {}
#: data triples the finder was given, last call (fewer than the data's when projected)
LAST_FED: list[int] = [0]
#: what the finder read, last call: "native" (the caller's N-Triples) or "graphs" (rdflib)
LAST_INPUT: list[str] = [""]
#: data larger than this (triples) is projected on the predicates the shapes read before the
#: finder gets it: the finder's cost grows faster than its input, and the shapes' analysis
#: that the projection needs (about 1.5 s) is not worth it below this
PROJECT_ABOVE = 300_000

Key = tuple[str, str, str, str, str, str]
_LOG = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _compiled(digest: str, shapes: Graph) -> Any:
    import pyshacl_turbo

    return pyshacl_turbo.compile_shapes(shapes, advanced=True)  # type: ignore[no-untyped-call]


class _Chain(Graph):
    """Several graphs read one after the other, for pyshacl-turbo, which reads its input once,
    into a store of its own (a triple in two of them is stored once there: no need to skip
    it here, which cost more than the reading)."""

    def __init__(self, graphs: Sequence[Graph],
                 predicates: frozenset[Node] | None = None) -> None:
        super().__init__(bind_namespaces="none")
        self._graphs = tuple(graphs)
        self._predicates = predicates
        self.fed = 0

    def triples(self, triple: Any) -> Iterator[Any]:  # type: ignore[override]
        s, p, o = triple
        keep = self._predicates
        if keep is not None and p is not None and p not in keep:
            return
        for g in self._graphs:
            found = triple_set(g) if triple == (None, None, None) else None
            rows: Iterable[Any]
            if found is not None:  # the whole graph, read from the store's own set
                rows = found if keep is None else (t for t in found if t[1] in keep)
            elif keep is None or p is not None:
                rows = g.triples(triple)
            else:  # projected: one indexed lookup per predicate the shapes read
                rows = (t for pred in keep for t in g.triples((s, pred, o)))
            for t in rows:
                self.fed += 1
                yield t


def read_predicates(shapes: Graph) -> frozenset[Node] | None:
    """Every predicate a validation against ``shapes`` can read (the dependency paths of
    :class:`.incremental_shacl.PreparedShapes`: targets, paths, ``sh:class``, SHACL-SPARQL),
    or None when that is not known (a SPARQL pattern with a variable predicate, a feature the
    analysis does not cover). Triples with other predicates cannot change any result."""
    from .incremental_shacl import prepare_shapes

    prepared = prepare_shapes(shapes)
    if prepared.unsupported:
        return None
    read: set[Node | None] = set(prepared.forward) | set(prepared.backward)
    for top in prepared.tops:
        read |= top.everywhere
    if None in read:
        return None
    return frozenset(p for p in read if p is not None)


def _key(graph: Graph, node: Node) -> Key:
    """What a result is, in terms both engines give the same way."""
    def text(n: Node | None) -> str:
        if n is None:
            return ""
        # blank nodes of the data keep their labels in both; a value's label is compared too
        return n.n3()

    path = graph.value(node, SH.resultPath)
    return (text(graph.value(node, SH.focusNode)),
            path_text(graph, path) if path is not None else "",
            text(graph.value(node, SH.value)),
            text(graph.value(node, SH.sourceShape)),
            text(graph.value(node, SH.sourceConstraintComponent)),
            text(graph.value(node, SH.resultSeverity)))


def _keys(graph: Graph) -> list[Key]:
    return sorted(_key(graph, n) for n in graph.subjects(RDF.type, SH.ValidationResult))


def validate_fast(
    graphs: Sequence[Graph],
    shapes: Graph,
    origins: Mapping[Node, tuple[str, ...]],
    reference: Callable[[], ValidationReport],
    *,
    size: int | None = None,
    native: Callable[[frozenset[Node] | None], str | None] | None = None,
) -> ValidationReport:
    """The report of pySHACL over the union of ``graphs`` (data graphs, then the ontology),
    found as the module docstring says. ``reference()`` validates with pySHACL alone (the
    fallback). The shapes must have passed :func:`.validate.check_shapes`.

    ``size``: the triples in ``graphs`` when the caller knows it (counting a view of a store
    reads it whole). ``native``: the same union as N-Triples text, projected on the given
    predicates (None: all), made without rdflib terms (the write path's, from the store's own
    serializer), or None when it cannot be made; the finder then reads that text instead of
    the graphs, whose rdflib terms cost it about a third of its time at 10^6."""
    from .incremental_shacl import _data_graph, _raw_report, _unsupported, _View, prepare_shapes

    try:
        import pyshacl_turbo  # noqa: F401
    except ImportError:
        LAST_PATH[0] = "reference: pyshacl-turbo is not installed"
        return reference()
    unsupported = _unsupported(shapes)
    if unsupported:
        LAST_PATH[0] = f"reference: the shapes use {unsupported}"
        return reference()
    view = _View(graphs)
    started = time.perf_counter()
    try:
        program = _compiled(_shapes_digest(shapes), shapes)
        total = sum(len(g) for g in graphs) if size is None else size
        keep = read_predicates(shapes) if total > PROJECT_ABOVE else None
        text = native(keep) if native is not None else None
        if text is not None:
            from pyshacl_turbo.rdf import Input

            # what pyshacl-turbo makes of a pyoxigraph store (its dump, labels kept)
            _, found, _ = program.validate(Input(text, "oxigraph-nquads", None, {},
                                                 preserve_ids=True), allow_warnings=True)
            LAST_FED[0] = text.count("\n")
            LAST_INPUT[0] = "native"
        else:
            feed = _Chain(graphs, keep)
            _, found, _ = program.validate(feed, allow_warnings=True)
            LAST_FED[0] = feed.fed
            LAST_INPUT[0] = "graphs"
    except Exception as exc:  # any failure of the finder: the reference decides
        _LOG.debug("pyshacl-turbo failed: %s", exc)
        LAST_PATH[0] = f"reference: pyshacl-turbo failed ({type(exc).__name__})"
        return reference()
    TIMES["find"] = time.perf_counter() - started
    started = time.perf_counter()
    expected = _keys(found)
    focus = sorted({f for f in found.objects(None, SH.focusNode)}, key=lambda n: n.n3())
    raw = Graph(bind_namespaces="none")
    if focus:
        # the shapes' analysis for focus-node validation: only when there is a report to write
        prepared = prepare_shapes(shapes)
        if prepared.unsupported:
            LAST_PATH[0] = f"reference: the shapes use {prepared.unsupported}"
            return reference()
        dg = _data_graph(view)
        supers: dict[Node, set[Node]] = {}
        from .incremental_shacl import _classes

        classes = {f: _classes(view, f, supers) for f in focus}
        results: list[Any] = []
        with prepared.lock:
            for top in prepared.tops:
                mine = [f for f in focus if prepared.targets(top, view, f, classes[f])]
                if mine:
                    _, found_here = top.shape.validate(prepared.executor, dg, focus=mine)
                    results.extend(found_here)
        raw = _raw_report(results)
    TIMES["report"] = time.perf_counter() - started
    if _keys(raw) != expected:
        LAST_PATH[0] = "reference: the engines disagree on this data"
        return reference()
    LAST_PATH[0] = "fast"
    return _report(raw, shapes, origins)

