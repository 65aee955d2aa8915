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
A merge is a write like the others (:mod:`alliance_kg.protocol.merging`). The physical default
graph of the store is kept empty.
"""

from __future__ import annotations

import gc
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox
from flask import Response

from ..errors import ErrorKind, KGError
from ..formats import BY_KEY, Format
from ..namespaces import AKG, ASSERTED, INFERRED, ONTOLOGY, SHAPES
from ..protocol import updates
from ..protocol.delta import Delta, Triple
from ..protocol.derivation import DIRECT_TYPES_IRI, Derivation, copy_graph, put_direct_types
from ..store.base import GraphName
from .auth import Grant
from .context import AppState
from .errors import ShapesViolated

NTRIPLES = BY_KEY["ntriples"]
ASSERTED_IRI = str(ASSERTED)
INFERRED_IRI = str(INFERRED)
ONTOLOGY_IRI = str(ONTOLOGY)
SHAPES_IRI = str(SHAPES)
#: graphs whose change means the inferred graph must be recomputed (and the data revalidated)
DERIVATION_INPUTS = frozenset({ASSERTED_IRI, INFERRED_IRI, ONTOLOGY_IRI, SHAPES_IRI})


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
    from ..knowledge.views import direct_types

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
    if delta.exists(DIRECT_TYPES_IRI):  # the class hierarchy may have changed: all of them
        now = set(direct_types([asserted, inferred], ontology).triples(
            (None, AKG.directType, None)))
        before = set(delta.graph(DIRECT_TYPES_IRI).triples((None, AKG.directType, None)))
        put_direct_types(delta, now, before)


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


def derivation(state: AppState) -> Derivation:
    """The write path's derivation, built from the store if no write has needed it yet (the
    caller holds the write lock: :func:`apply` runs its change under it)."""
    if state.derivation is None:
        state.derivation = Derivation.build(state.store)
    result: Derivation = state.derivation
    return result


A = TypeVar("A")
B = TypeVar("B")
#: changed triples past which a write's validation and the making of its quads overlap
OVERLAP_ABOVE = 20_000


def _bulk(delta: Delta) -> bool:
    return sum(map(len, delta.added.values())) + sum(map(len, delta.removed.values())) \
        > OVERLAP_ABOVE


def _meanwhile(first: Callable[[], A], second: Callable[[], B], overlap: bool
               ) -> tuple[A, B]:
    """``first()`` and ``second()``, the first in a thread of its own when ``overlap``: a
    bulk write's SHACL finder (native, it lets go of the GIL) runs while the quads to write are
    made (10^6 triples: about 10 s of Python). Both only read the delta; ``first`` is always
    finished when this returns or raises."""
    if not overlap:
        return first(), second()
    with ThreadPoolExecutor(1, thread_name_prefix="write-validation") as pool:
        pending = pool.submit(first)
        try:
            made = second()
        finally:
            wait([pending])
        return pending.result(), made


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while a write runs: a bulk write makes millions of
    tuples and terms, each batch of which set off collections that walk the whole heap (the
    materialization's tens of millions of objects): at 10^6, decoding 4 x 10^5 inferred
    triples took 2.5 s in those walks, and a POST's steps grew 16-20x per 10x of data. What a
    write leaves is freed by reference counting; the collector runs again after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def apply(state: AppState, change: Callable[[Changes], None],
          grant: Grant | None = None) -> Outcome:
    """Work out ``change`` as a delta, derive and validate what it can reach, write it at once.

    With a restricted ``grant``, every graph the change alters must be one it may write (403,
    nothing written): the exact check behind :mod:`.writescope`'s prediction."""
    with _WRITE_LOCK, _no_cycle_collection():
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
            derived = derivation(state).derive(delta)
            outcome.rederived = True
        try:
            if derived is not None and state.settings.validate_on_update:
                checking = state.derivation
                assert checking is not None
                report, quads = _meanwhile(lambda: checking.validate(delta, derived),
                                           delta.quads, _bulk(delta))
                if report is not None and not report.conforms:
                    raise ShapesViolated.of(report)
                removed, added = quads
            else:
                removed, added = delta.quads()
            emptied = _emptied(delta, changed)
            store.apply_delta(removed, added, sorted(delta.cleared))
        except BaseException:
            if derived is not None and state.derivation is not None:
                state.derivation.undo(derived)
            raise
        if state.search is not None:  # the full-text index follows (protocol/search.py)
            state.search.apply(removed, added, sorted(delta.cleared))
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
