"""Every write goes through here: SPARQL Update, Graph Store PUT/POST/DELETE, and merges.

A write is worked out as a delta against the live store (:mod:`alliance_kg.protocol.delta`),
under the write lock, and costs what it changes:

1. the change (an update request, evaluated by :mod:`alliance_kg.protocol.updates`; a Graph
   Store operation) records the triples it adds and removes per graph, reading the store's
   graphs through read-only views; **the default graph is the asserted graph**;
2. the asserted changes move the OWL 2 RL materialization (:mod:`.derivation`; semi-naive for
   insertions, delete-and-rederive for deletions), whose inferred changes join the delta; an
   inconsistency is 422;
3. with ``settings.validate_on_update``, the focus nodes the change can reach are validated
   against the shapes (incremental SHACL); a violation raises :class:`ShapesViolated` (422);
4. ``store.apply_delta`` writes the removed and added quads at once: readers see the old state
   or the new one. Nothing is written when any step fails.

A change to the ontology, the shapes or the inferred graph itself recomputes the inferred graph
and validates in full (the inferred graph is always derived: a direct edit to it is replaced).
A merge still works on a scratch copy of the whole store (:func:`apply_scratch`). The physical
default graph of the store is kept empty.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from flask import Response

from ..errors import ErrorKind, KGError
from ..formats import BY_KEY, Format
from ..namespaces import ASSERTED, INFERRED, ONTOLOGY, SHAPES
from ..protocol import updates
from ..protocol.delta import Delta, Triple
from ..protocol.derivation import Derivation, copy_graph
from ..store.base import GraphName
from ..terms import to_rdflib
from .auth import Grant
from .context import AppState
from .errors import ShapesViolated

NQUADS = BY_KEY["nquads"]
NTRIPLES = BY_KEY["ntriples"]
ASSERTED_IRI = str(ASSERTED)
INFERRED_IRI = str(INFERRED)
ONTOLOGY_IRI = str(ONTOLOGY)
SHAPES_IRI = str(SHAPES)
#: graphs whose change means the inferred graph must be recomputed (and the data revalidated)
DERIVATION_INPUTS = frozenset({ASSERTED_IRI, INFERRED_IRI, ONTOLOGY_IRI, SHAPES_IRI})

Triples = frozenset[ox.Triple]
Snapshot = dict[str | None, Triples]

_POSITION = re.compile(r"at (?:line )?(\d+)(?::|,? column )(\d+)")

log = logging.getLogger("alliance_kg.web")

#: one writer at a time per process; readers are never blocked (the swap is atomic)
_WRITE_LOCK = threading.Lock()


def ox_format(fmt: Format) -> ox.RdfFormat:
    if fmt.oxigraph is None:
        raise KGError(ErrorKind.UNSUPPORTED_MEDIA_TYPE, f"cannot read {fmt.media_type}")
    value: ox.RdfFormat = getattr(ox.RdfFormat, fmt.oxigraph)
    return value


def syntax_error(exc: SyntaxError, what: str) -> KGError:
    """A pyoxigraph ``SyntaxError`` as ``KGError(BAD_INPUT)`` with line and column."""
    message = str(exc.msg if exc.msg else exc)
    line, column = exc.lineno, exc.offset
    m = _POSITION.search(message)
    if line is None and m:
        line, column = int(m.group(1)), int(m.group(2))
    return KGError(ErrorKind.BAD_INPUT, f"{what}: {message}", line=line, column=column)


class Scratch:
    """An in-memory copy of the dataset whose default graph is the asserted graph."""

    def __init__(self, dump: bytes, empty_graphs: Iterable[str]) -> None:
        self.ox = ox.Store()
        # parse + extend keeps the store's blank node labels (``load`` would rename them), so
        # the graphs written back name the same blank nodes as the graphs left untouched
        self.ox.extend(ox.parse(dump, ox.RdfFormat.N_QUADS))
        self.had_physical_default = any(True for _ in self.ox.quads_for_pattern(
            None, None, None, ox.DefaultGraph()))
        if self.ox.contains_named_graph(ox.NamedNode(ASSERTED_IRI)):
            self.ox.update(f"ADD <{ASSERTED_IRI}> TO DEFAULT")
        for g in empty_graphs:
            self.ox.add_graph(ox.NamedNode(g))
        self.before = self.snapshot()

    def snapshot(self) -> Snapshot:
        sets: dict[str | None, set[ox.Triple]] = {
            g.value: set() for g in self.ox.named_graphs() if isinstance(g, ox.NamedNode)
        }
        sets.setdefault(None, set())
        for q in self.ox:
            g = q.graph_name
            key = g.value if isinstance(g, ox.NamedNode) else None
            sets.setdefault(key, set()).add(q.triple)
        return {k: frozenset(v) for k, v in sets.items()}

    def exists(self, graph: GraphName) -> bool:
        """Whether a graph exists *now* in the scratch copy (the default graph always does)."""
        return graph is None or self.ox.contains_named_graph(ox.NamedNode(graph))

    # -- the operations -------------------------------------------------------------------

    def clear(self, graph: GraphName) -> None:
        if graph is None:
            self.ox.clear_graph(ox.DefaultGraph())
        elif self.exists(graph):
            self.ox.clear_graph(ox.NamedNode(graph))

    def drop(self, graph: GraphName) -> None:
        if graph is None:
            self.ox.clear_graph(ox.DefaultGraph())
        elif self.exists(graph):
            self.ox.remove_graph(ox.NamedNode(graph))

    def load(self, data: bytes, fmt: Format, graph: GraphName, base_iri: str | None) -> None:
        target: ox.NamedNode | ox.DefaultGraph = (
            ox.DefaultGraph() if graph is None else ox.NamedNode(graph))
        if isinstance(target, ox.NamedNode):
            self.ox.add_graph(target)
        try:
            self.ox.load(data, ox_format(fmt), base_iri=base_iri, to_graph=target)
        except SyntaxError as exc:
            raise syntax_error(exc, f"{fmt.media_type} syntax error") from None
        except ValueError as exc:
            raise KGError(ErrorKind.BAD_INPUT, f"cannot read {fmt.media_type}: {exc}") from None


@dataclass
class Outcome:
    """What a write changed (graph IRI -> net change in its triples), for tests; ``delta`` is
    the whole change, inferred triples included, for the change report."""

    changed: dict[str, int] = field(default_factory=dict)
    rederived: bool = False
    delta: Delta | None = None


#: triples listed per kind in a change report; the counts are always complete
REPORT_TRIPLES = 10_000


def change_report(outcome: Outcome) -> dict[str, object]:
    """What a write changed: asserted triples added/removed, inferred triples that appeared or
    disappeared, other graphs' counts (asked for with ``Prefer: return=representation``)."""
    delta = outcome.delta
    if delta is None:
        return {"graphs": {g: {"net": n} for g, n in outcome.changed.items()}}

    def listed(triples: set[Triple]) -> list[str]:
        return sorted(" ".join(t.n3() for t in triple) for triple in triples)[:REPORT_TRIPLES]

    def kind(g: str, plus: str, minus: str) -> dict[str, object]:
        added, removed = delta.added.get(g, set()), delta.removed.get(g, set())
        return {plus: len(added), minus: len(removed), "triples": {
            plus: listed(added), minus: listed(removed)}}

    others = sorted(delta.changed_graphs() - {ASSERTED_IRI, INFERRED_IRI})
    return {"asserted": kind(ASSERTED_IRI, "added", "removed"),
            "inferred": kind(INFERRED_IRI, "appeared", "disappeared"),
            "graphs": {g: {"added": len(delta.added.get(g, ())),
                           "removed": len(delta.removed.get(g, ())),
                           "created": g in delta.created, "dropped": g in delta.dropped}
                       for g in others}}


def answer(outcome: Outcome, status: int, prefer: str | None) -> Response:
    """204/201 as the protocol says, or, when the client asked for it (RFC 7240
    ``Prefer: return=representation``), 200 with the change report as JSON."""
    if prefer is None or "return=representation" not in prefer.replace(" ", "").lower():
        return Response(status=status)
    resp = Response(json.dumps(change_report(outcome), indent=1), status=200,
                    content_type="application/json")
    resp.headers["Preference-Applied"] = "return=representation"
    return resp


def _nt(triples: Iterable[ox.Triple]) -> bytes:
    return bytes(ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES) or b"")


def _rdflib(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    g = rdflib.Graph()
    for t in triples:
        g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return g


def _derive(state: AppState, asserted: Triples, after: Snapshot) -> bytes:
    """The new inferred graph as N-Triples; raises if inconsistent or (opt.) not conforming."""
    from ..knowledge.reason import infer
    from ..knowledge.validate import validate

    asserted_g = _rdflib(asserted)
    ontology_g = _rdflib(after.get(ONTOLOGY_IRI, frozenset()))
    inferred_g = infer(asserted_g, ontology_g)
    shapes = after.get(SHAPES_IRI, frozenset())
    if state.settings.validate_on_update and shapes:
        data = asserted_g + inferred_g
        report = validate(data, _rdflib(shapes), ontology=ontology_g, inference="none")
        if not report.conforms:
            raise ShapesViolated.of(report)
    out: bytes = inferred_g.serialize(format="nt", encoding="utf-8")
    return out


def apply_scratch(state: AppState, change: Callable[[Scratch], None],
                  grant: Grant | None = None) -> Outcome:
    """Run ``change`` on a scratch copy of the whole store, re-derive, validate, swap in
    atomically: what a merge still does (it reads every graph of ours anyway).

    With a restricted ``grant``, every graph the change altered must be one it may write
    (403, nothing written): the exact check behind :mod:`.writescope`'s prediction."""
    with _WRITE_LOCK:
        store = state.store
        scratch = Scratch(store.dump(NQUADS), state.empty_graphs)
        change(scratch)
        before, after = scratch.before, scratch.snapshot()

        old = before[None]
        via_default = after.get(None, frozenset())
        via_name = after.get(ASSERTED_IRI, frozenset())
        removed = (old - via_default) | (old - via_name)
        added = (via_default - old) | (via_name - old)
        asserted = frozenset((old - removed) | added)

        changed: dict[GraphName, Triples] = {}
        if asserted != old:
            changed[ASSERTED_IRI] = asserted
        for g in (set(before) | set(after)) - {None, ASSERTED_IRI, INFERRED_IRI}:
            if before.get(g) != after.get(g):
                changed[g] = after.get(g, frozenset())
        inferred_touched = before.get(INFERRED_IRI) != after.get(INFERRED_IRI)
        if grant is not None and not grant.unrestricted:
            grant.check(sorted(g for g in changed if g is not None))
            if inferred_touched:
                grant.check([INFERRED_IRI])

        outcome = Outcome()
        swap: dict[GraphName, tuple[bytes, Format]] = {
            g: (_nt(triples), NTRIPLES) for g, triples in changed.items()
        }
        if inferred_touched or DERIVATION_INPUTS & {g for g in changed if g is not None}:
            swap[INFERRED_IRI] = (_derive(state, asserted, after), NTRIPLES)
            swap.setdefault(ASSERTED_IRI, (_nt(asserted), NTRIPLES))
            outcome.rederived = True
        if scratch.had_physical_default:
            swap[None] = (b"", NTRIPLES)
        if swap:
            store.replace_graphs(swap)
        # empty graphs: stores only report graphs with triples, so remember created empty ones
        for g in {g for g in changed if g is not None}:
            if g in after and not after[g]:
                state.empty_graphs.add(g)
            else:
                state.empty_graphs.discard(g)
        outcome.changed = {g: len(t) for g, t in changed.items() if g is not None}
        state.bump()
        return outcome


class Changes:
    """What a write may do, recorded as a delta against the live store (nothing is copied)."""

    def __init__(self, delta: Delta) -> None:
        self.delta = delta

    def exists(self, graph: GraphName) -> bool:
        return self.delta.exists(graph)

    def clear(self, graph: GraphName) -> None:
        self.delta.clear(graph)

    def drop(self, graph: GraphName) -> None:
        self.delta.drop(graph)

    def load(self, data: bytes, fmt: Format, graph: GraphName, base_iri: str | None) -> None:
        try:
            quads = list(ox.parse(data, ox_format(fmt), base_iri=base_iri,
                                  rename_blank_nodes=True)) if data else []
        except SyntaxError as exc:
            raise syntax_error(exc, f"{fmt.media_type} syntax error") from None
        except ValueError as exc:
            raise KGError(ErrorKind.BAD_INPUT, f"cannot read {fmt.media_type}: {exc}") from None
        self.delta.add_quads(graph, quads)

    def update(self, sparql: str, base_iri: str | None, using: Sequence[str] = (),
               using_named: Sequence[str] = ()) -> None:
        updates.apply_update(self.delta, updates.parse(sparql, base_iri), using=using,
                             using_named=using_named)


def _emptied(delta: Delta, graphs: Iterable[str]) -> set[str]:
    """Graphs that exist but hold no triple once the delta is applied."""
    return {g for g in graphs if g != ASSERTED_IRI and delta.exists(g)
            and next(iter(delta.triples(g, (None, None, None))), None) is None}


def _full(state: AppState, delta: Delta) -> None:
    """The ontology, the shapes or the inferred graph changed: derive and validate in full."""
    from ..knowledge.reason import infer
    from ..knowledge.validate import validate

    asserted = copy_graph(delta.graph(None))
    ontology = copy_graph(delta.graph(ONTOLOGY_IRI))
    inferred = infer(asserted, ontology)
    shapes = copy_graph(delta.graph(SHAPES_IRI))
    if state.settings.validate_on_update and len(shapes):
        report = validate(asserted + inferred, shapes, ontology=ontology, inference="none")
        if not report.conforms:
            raise ShapesViolated.of(report)
    delta.clear(INFERRED_IRI)
    for t in inferred:
        delta.add(INFERRED_IRI, t)


def prepare(state: AppState) -> threading.Thread:
    """Build the derivation in the background at start, so that the first write does not pay
    for reading the dataset (a writer that comes first waits for it under the write lock)."""

    def build() -> None:
        with _WRITE_LOCK:
            if state.derivation is None:
                try:
                    state.derivation = Derivation.build(state.store)
                except Exception:  # the first write builds it again and reports the error
                    log.warning("could not prepare the write path", exc_info=True)

    thread = threading.Thread(target=build, name="prepare-writes", daemon=True)
    thread.start()
    return thread


def apply(state: AppState, change: Callable[[Changes], None],
          grant: Grant | None = None) -> Outcome:
    """Work out ``change`` as a delta, derive and validate what it can reach, write it at once.

    With a restricted ``grant``, every graph the change alters must be one it may write (403,
    nothing written): the exact check behind :mod:`.writescope`'s prediction."""
    with _WRITE_LOCK:
        store = state.store
        delta = Delta(store, state.empty_graphs)
        change(Changes(delta))
        changed = delta.changed_graphs()
        if grant is not None and not grant.unrestricted:
            grant.check(sorted(changed))
        outcome = Outcome()
        derived = None
        if {ONTOLOGY_IRI, SHAPES_IRI, INFERRED_IRI} & changed:
            _full(state, delta)
            state.derivation = None
            outcome.rederived = True
        elif ASSERTED_IRI in changed:
            if state.derivation is None:
                state.derivation = Derivation.build(store)
            derived = state.derivation.derive(delta)
            outcome.rederived = True
        try:
            if derived is not None and state.settings.validate_on_update:
                assert state.derivation is not None
                report = state.derivation.validate(delta, derived)
                if report is not None and not report.conforms:
                    raise ShapesViolated.of(report)
            emptied = _emptied(delta, changed)
            removed, added = delta.quads()
            store.apply_delta(removed, added, sorted(delta.cleared))
        except BaseException:
            if derived is not None and state.derivation is not None:
                state.derivation.undo(derived)
            raise
        for g in changed - {ASSERTED_IRI, INFERRED_IRI}:
            if g in emptied:
                state.empty_graphs.add(g)
            else:
                state.empty_graphs.discard(g)
        outcome.changed = {g: len(delta.added.get(g, ())) - len(delta.removed.get(g, ()))
                           for g in changed}
        outcome.delta = delta
        state.bump()
        return outcome
