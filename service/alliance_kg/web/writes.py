"""Every write goes through here: SPARQL Update and Graph Store PUT/POST/DELETE.

A write is computed on a *scratch copy* and then swapped into the store in one
``store.replace_graphs(...)`` call, under the write lock:

1. dump the store (N-Quads) and load it into an in-memory Oxigraph store, the scratch copy, in
   which **the default graph is the asserted graph** (its triples are copied into the scratch's
   default graph; the named graph ``…/graph/asserted`` stays there too, as an alias);
2. run the change on the scratch copy (the update request, or the Graph Store operation);
3. work out what changed. The new asserted graph is the old one with the edits made through
   *either* name applied (deletions, then insertions). Other named graphs are compared as sets;
4. if the asserted graph, the ontology, the shapes or the inferred graph changed, recompute the
   inferred graph (``knowledge.reason.infer`` over asserted + ontology; an inconsistency is 422)
   and, with ``settings.validate_on_update``, validate asserted + inferred against the shapes
   (``knowledge.validate.validate``); a violation raises :class:`ShapesViolated` (422) and
   nothing is written;
5. ``store.replace_graphs`` with every changed graph (asserted and inferred together): readers
   see the old state or the new one, never a mix.

So an update with no ``GRAPH``/``WITH`` writes the asserted graph, which is what the protocol's
"default graph" means on this service; the inferred graph is always derived (a direct edit to it
is replaced by the recomputation). The physical default graph of the store is kept empty.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib

from ..errors import ErrorKind, KGError
from ..formats import BY_KEY, Format
from ..namespaces import ASSERTED, INFERRED, ONTOLOGY, SHAPES
from ..store import sandbox
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


_NO_FETCH = ("this server fetches nothing for an update: LOAD and SERVICE are refused; "
             "send data with the Graph Store Protocol (PUT/POST /rdf-graph-store)")


def run_update(store: ox.Store, sparql: str, base_iri: str | None) -> None:
    """``store.update`` on a thread that cannot open connections (store/sandbox.py): however an
    update spells LOAD or SERVICE, the engine's attempt fails and is answered 403."""
    try:
        if sandbox.supported():
            sandbox.run_sandboxed(lambda: store.update(sparql, base_iri=base_iri))
        else:
            store.update(sparql, base_iri=base_iri)
    except SyntaxError:
        raise
    except Exception as exc:
        # the scratch stores are in memory: an OSError can only be a refused connection
        if isinstance(exc, OSError) or sandbox.refused_network(exc) \
                or "service" in str(exc).lower():
            raise KGError(ErrorKind.FORBIDDEN, _NO_FETCH) from None
        raise


def check_update_syntax(sparql: str, base_iri: str | None) -> None:
    """Raise ``BAD_INPUT`` with the parser's line/column for the text *as the client sent it*
    (before the protocol layer adds ``USING``/``SILENT``), by running it on an empty store,
    sandboxed (a LOAD or SERVICE is refused there, 403)."""
    try:
        run_update(ox.Store(), sparql, base_iri)
    except SyntaxError as exc:
        raise syntax_error(exc, "SPARQL Update syntax error") from None
    except KGError:
        raise
    except Exception:  # evaluation errors on an empty store say nothing about the request
        return


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

    def update(self, sparql: str, base_iri: str | None) -> None:
        try:
            run_update(self.ox, sparql, base_iri)
        except KGError:
            raise
        except SyntaxError as exc:
            raise syntax_error(exc, "SPARQL Update syntax error") from None
        except RuntimeError as exc:
            msg = str(exc)
            kind = (ErrorKind.CONFLICT if "already exists" in msg else
                    ErrorKind.NOT_FOUND if "does not exist" in msg else ErrorKind.BAD_INPUT)
            raise KGError(kind, f"update failed: {msg}") from None
        except (ValueError, TypeError) as exc:
            raise KGError(ErrorKind.BAD_INPUT, f"update failed: {exc}") from None

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
    """What a write changed (graph IRI -> triples after), for responses and tests."""

    changed: dict[str, int] = field(default_factory=dict)
    rederived: bool = False


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


def apply(state: AppState, change: Callable[[Scratch], None],
          grant: Grant | None = None) -> Outcome:
    """Run ``change`` on a scratch copy, re-derive, validate, swap in atomically.

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
