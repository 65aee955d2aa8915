"""The inferred graph and the SHACL verdict kept current from a write's delta.

A :class:`Derivation` holds what a write needs beyond the store: the OWL 2 RL materialization
(:class:`~alliance_kg.knowledge.incremental.Materialization`, which keeps its own index of the
asserted and inferred triples) and the prepared shapes. It is built from the store once, at the
first write, and moved on by every write after: a write costs what it changes. A change to the
ontology or the shapes drops it; the next write builds it again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from itertools import chain

import rdflib
from rdflib.namespace import RDF
from rdflib.term import Node

from ..knowledge.fastshacl import validate_fast
from ..knowledge.incremental import Change, Materialization
from ..knowledge.incremental_shacl import PreparedShapes, prepare_shapes, validate_change
from ..knowledge.validate import ValidationReport
from ..knowledge.views import DIRECT_TYPES, most_specific, superclasses
from ..namespaces import AKG, ASSERTED, INFERRED, ONTOLOGY, SHAPES
from ..store.base import Store
from .delta import Delta, Triple

ASSERTED_IRI, INFERRED_IRI = str(ASSERTED), str(INFERRED)
#: a change of more triples than this share of the dataset (and than BULK_MIN) is validated
#: whole by the fast engine rather than focus node by focus node (see Derivation.check)
BULK_SHARE = 0.01
BULK_MIN = 2000
ONTOLOGY_IRI, SHAPES_IRI = str(ONTOLOGY), str(SHAPES)
DIRECT_TYPES_IRI = str(DIRECT_TYPES)


def copy_graph(view: rdflib.Graph) -> rdflib.Graph:
    """A read-only view's triples in a graph of their own (the rdflib engines index it)."""
    out = rdflib.Graph()
    for t in view.triples((None, None, None)):
        out.add(t)
    return out


@dataclass
class Derivation:
    materialization: Materialization
    ontology: rdflib.Graph
    shapes: PreparedShapes | None
    #: each class's superclasses, for the direct types (knowledge/views.py)
    supers: dict[Node, set[Node]] = field(default_factory=dict)

    @classmethod
    def build(cls, store: Store) -> Derivation:
        """Read the asserted graph, the ontology and the shapes once (the write lock is held)."""
        ontology = copy_graph(store.graph_view(ONTOLOGY_IRI))
        asserted = store.graph_view(ASSERTED_IRI).triples((None, None, None))
        shapes = copy_graph(store.graph_view(SHAPES_IRI))
        return cls(Materialization(ontology, asserted), ontology,
                   prepare_shapes(shapes) if len(shapes) else None, superclasses(ontology))

    def derive(self, delta: Delta) -> Change:
        """Move the materialization by the asserted changes and put the inferred ones into the
        delta; raises ``KGError(INCONSISTENT)`` with the materialization unchanged."""
        change = self.materialization.apply(delta.added.get(ASSERTED_IRI, set()),
                                            delta.removed.get(ASSERTED_IRI, set()))
        self._put(delta, change)
        more = self._direct_types(delta, change)
        if more is None:
            return change
        try:
            also = self.materialization.apply(*more)
        except BaseException:
            self.undo(change)
            raise
        self._put(delta, also)
        return Change(appeared=change.appeared | also.appeared,
                      disappeared=change.disappeared | also.disappeared,
                      added=change.added | also.added, removed=change.removed | also.removed,
                      full=change.full or also.full, reason=change.reason or also.reason)

    @staticmethod
    def _put(delta: Delta, change: Change) -> None:
        for t in change.disappeared:
            delta.remove(INFERRED_IRI, t)
        delta.add_all(INFERRED_IRI, change.appeared)

    def _direct_types(self, delta: Delta, change: Change
                      ) -> tuple[set[Triple], set[Triple]] | None:
        """The direct types (``akg:directType``, a build view kept in its own graph and in
        asserted) of the resources whose types ``change`` altered, put right in ``delta``:
        (asserted triples added, removed), or None when nothing changed or the store keeps no
        direct types."""
        typed = {s for s, p, _ in chain(change.added, change.removed, change.appeared,
                                        change.disappeared) if p == RDF.type}
        if not typed or not delta.exists(DIRECT_TYPES_IRI):
            return None
        asserted = delta.objects_of(None, typed, RDF.type)
        inferred = delta.objects_of(INFERRED_IRI, typed, RDF.type)
        direct = delta.objects_of(DIRECT_TYPES_IRI, typed, AKG.directType)
        now: set[Triple] = set()
        before: set[Triple] = set()
        for s in typed:
            types = asserted[s] | inferred[s]
            now |= {(s, AKG.directType, t) for t in most_specific(types, self.supers)}
            before |= {(s, AKG.directType, t) for t in direct[s]}
        added, removed = put_direct_types(delta, now, before)
        return (added, removed) if added or removed else None

    def undo(self, change: Change) -> None:
        """Take a derived change back (the write was refused or failed after it)."""
        self.materialization.apply(change.removed, change.added)

    def validate(self, delta: Delta, change: Change) -> ValidationReport | None:
        """The SHACL verdict on the data after the delta (None: no shapes)."""
        added = set(change.added) | set(change.appeared)
        removed = set(change.removed) | set(change.disappeared)
        return self.check([delta.graph(None), delta.graph(INFERRED_IRI)], added, removed,
                          delta=delta)

    def check(self, data: Sequence[rdflib.Graph], added: Collection[Triple],
              removed: Collection[Triple] = (), *, delta: Delta | None = None
              ) -> ValidationReport | None:
        """Validate ``data`` (the state after a change) where ``added``/``removed`` can reach.

        pySHACL at the reachable focus nodes costs a few milliseconds per changed triple; past
        :data:`BULK_SHARE` of the dataset, validating everything with the Rust finder
        (:func:`~alliance_kg.knowledge.fastshacl.validate_fast`, pySHACL's report, proven
        equal) is cheaper. Either gives a full validation's verdict if the data conformed
        before. With ``delta`` (``data`` is its asserted and inferred graphs, after the
        materialization moved), the finder reads the data as the store writes it."""
        if self.shapes is None:
            return None
        if len(added) + len(removed) > max(BULK_MIN, self.materialization.size * BULK_SHARE):
            shapes = self.shapes

            def reference() -> ValidationReport:
                return validate_change(data, shapes, self.ontology, added, removed)

            def native(predicates: frozenset[Node] | None) -> str | None:
                if delta is None:
                    return None
                return delta.ntriples([ASSERTED_IRI, INFERRED_IRI, ONTOLOGY_IRI], predicates)
            # the materialization holds asserted + inferred as they are now: no need to count
            size = self.materialization.size + len(self.ontology) if delta is not None \
                else None
            return validate_fast([*data, self.ontology], shapes.source, {}, reference,
                                 size=size, native=native)
        return validate_change(data, self.shapes, self.ontology, added, removed)


def put_direct_types(delta: Delta, now: set[Triple], before: set[Triple]
                     ) -> tuple[set[Triple], set[Triple]]:
    """Replace the direct types ``before`` by ``now`` in the view's graph and in asserted (the
    build keeps them in both); (added, removed)."""
    added, removed = now - before, before - now
    for t in removed:
        delta.remove(DIRECT_TYPES_IRI, t)
        delta.remove(ASSERTED_IRI, t)
    delta.add_all(DIRECT_TYPES_IRI, added)
    delta.add_all(ASSERTED_IRI, added)
    return added, removed
