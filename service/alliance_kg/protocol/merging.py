"""A merge as one write of the service: the sources' graphs, the catalogue and the joined graph
worked out as a delta against the live store, never from a copy of it.

:func:`alliance_kg.knowledge.merge.combine` does the merge (the command line runs the same
code on files). What differs is where "ours" comes from: :class:`LiveOurs` reads the asserted
and inferred graphs through the delta's views, by pattern, and answers the two expensive
questions from the write path's :class:`~.derivation.Derivation`:

* **what ours + the sources entail**: the smushed sources are added to the maintained OWL 2 RL
  materialization (semi-naive from them only), what appears is read off, and the change is
  undone: the inferred graph of the store is not touched by a merge;
* **whether that conforms**: incremental SHACL over the focus nodes the joined triples reach
  (our data conformed before: every write is validated), so the report lists the violations a
  full validation would, at a cost that grows with the sources.

Both are the proven-equal fast paths of the reference (``knowledge/merge.Ours``: a full owlrl
closure and a full pySHACL run); tests/protocol/test_merging.py compares the two reports.
"""

from __future__ import annotations

from collections.abc import Sequence

from rdflib import Graph
from rdflib.namespace import RDF

from ..errors import ErrorKind, KGError
from ..knowledge import merge as library
from ..knowledge.merge import Ours, Outcome, Progress, Source
from ..knowledge.validate import ValidationReport
from ..namespaces import ASSERTED, CATALOGUE, INFERRED, JOINED, VOID
from .delta import Delta
from .derivation import Derivation, copy_graph

ASSERTED_IRI, INFERRED_IRI = str(ASSERTED), str(INFERRED)


class LiveOurs(Ours):
    """Our graphs as the store holds them (views, nothing copied), judged by the derivation."""

    def __init__(self, delta: Delta, derivation: Derivation) -> None:
        # the store's own views: a merge never changes these two graphs (the delta's views
        # would add a layer to every lookup of the validation)
        asserted = delta.store.graph_view(ASSERTED_IRI)
        inferred = delta.store.graph_view(INFERRED_IRI)
        if not delta.store.local_reads:
            # every lookup would be a request to the server (thousands per merge, which made
            # the backing server refuse some): read the two graphs once instead
            asserted, inferred = copy_graph(asserted), copy_graph(inferred)
        super().__init__(asserted, inferred, derivation.ontology, Graph())
        self._derivation = derivation

    def entail(self, sources: Graph) -> Graph:
        materialization = self._derivation.materialization
        # what is inferred already is not joined; what is asserted already, apply() skips
        fresh = [t for t in sources if t not in materialization]
        change = materialization.apply(added=fresh)
        try:
            joined = Graph(bind_namespaces="none")
            for t in (*change.added, *change.appeared):
                joined.add(t)
        finally:
            self._derivation.undo(change)
        return joined

    def check(self, joined: Graph) -> ValidationReport | None:
        return self._derivation.check([self.asserted, self.inferred, joined], set(joined))


def merged_graphs(delta: Delta) -> dict[str, Graph]:
    """The catalogue, the joined graph and every source the catalogue lists, as they are now."""
    out: dict[str, Graph] = {}
    for g in (str(CATALOGUE), str(JOINED)):
        content = copy_graph(delta.graph(g)) if delta.exists(g) else Graph()
        if len(content):
            out[g] = content
    catalogue = out.get(str(CATALOGUE), Graph())
    for node in sorted(catalogue.subjects(RDF.type, VOID.Dataset), key=str):
        if str(node) not in library.RESERVED:
            out[str(node)] = copy_graph(delta.graph(str(node)))
    return out


def merge(delta: Delta, derivation: Derivation, incoming: Sequence[Source] = (), *,
          drop: Sequence[str] = (), strict: bool = False,
          progress: Progress | None = None) -> Outcome:
    """:func:`~alliance_kg.knowledge.merge.combine` on the live store, its result put in
    ``delta`` (the caller applies it, atomically, with everything else the write does).

    A source may not take the graph of data that is not a merged source (a sentence graph, a
    graph written through the Graph Store Protocol): ``KGError(CONFLICT)``, since replacing it
    would silently delete data that no catalogue entry describes.
    """
    graphs = merged_graphs(delta)
    for source in incoming:
        g = source.record.graph
        if g not in graphs and delta.exists(g) \
                and next(iter(delta.triples(g, (None, None, None))), None) is not None:
            raise KGError(ErrorKind.CONFLICT, f"<{g}> holds data that is not a merged source; "
                          "merge into another graph (or delete that graph first)")
    outcome = library.combine(LiveOurs(delta, derivation), graphs, incoming, drop=drop,
                              strict=strict, progress=progress)
    for name, content in outcome.changes().items():
        if not len(content):
            delta.drop(name)
            continue
        delta.clear(name)
        if not delta.exists(name):
            delta.create(name)
        for t in content:
            delta.add(name, t)
    return outcome
