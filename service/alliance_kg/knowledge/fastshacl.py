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
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from rdflib import Graph
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .validate import ValidationReport, _report, _shapes_digest, path_text

#: "fast" (pyshacl-turbo found, pySHACL reported) or "reference: <why>", last call
LAST_PATH: list[str] = [""]
#: seconds the last fast call spent finding (pyshacl-turbo) and reporting (pySHACL)
TIMES: dict[str, float] = {}

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

    def __init__(self, graphs: Sequence[Graph]) -> None:
        super().__init__(bind_namespaces="none")
        self._graphs = tuple(graphs)

    def triples(self, triple: Any) -> Iterator[Any]:  # type: ignore[override]
        for g in self._graphs:
            yield from g.triples(triple)


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
) -> ValidationReport:
    """The report of pySHACL over the union of ``graphs`` (data graphs, then the ontology),
    found as the module docstring says. ``reference()`` validates with pySHACL alone (the
    fallback). The shapes must have passed :func:`.validate.check_shapes`."""
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
        _, found, _ = program.validate(_Chain(graphs), allow_warnings=True)
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

