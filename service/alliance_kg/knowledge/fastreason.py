"""A faster OWL 2 RL closure for large data: the `reasonable` reasoner (Rust) plus what it lacks.

owlrl (pure Python) is the reference semantics and stays the default; it needs about 1.2 ms per
asserted triple here, so a merged dataset of 10^6 triples would take tens of minutes
(docs/BENCHMARKS.md). `reasonable` computes the OWL 2 RL rules about twenty times faster but
does not apply property chains (``owl:propertyChainAxiom``, rule prp-spo2) and reports no
inconsistencies. This module closes both gaps:

* it alternates `reasonable`'s closure with a property-chain step until nothing new appears;
* it checks the inconsistencies our ontology can produce (members of disjoint classes,
  irreflexive and asymmetric properties misused) and raises ``KGError(INCONSISTENT)`` like
  :func:`~alliance_kg.knowledge.reason.infer`. Ill-typed literals are left to the shapes, whose
  datatype constraints catch them (owlrl reports them as inconsistencies).

:func:`~alliance_kg.knowledge.reason.infer` with ``semantics="owlrl-fast"`` uses it, and applies
the same noise filter, so the served inferred graph is the same; ``tests/knowledge`` proves the
two equal on the shipped data and on generated data.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from rdflib import Graph, Literal
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, XSD
from rdflib.term import Node

from ..errors import ErrorKind, KGError
from .names import compact

Triple = tuple[Node, Node, Node]


def available() -> bool:
    try:
        import reasonable  # noqa: F401
    except ImportError:
        return False
    return True


def _chains(g: Graph) -> list[tuple[Node, list[Node]]]:
    found = []
    for prop, head in g.subject_objects(OWL.propertyChainAxiom):
        found.append((prop, list(Collection(g, head))))
    return found


def _apply_chain(g: Graph, prop: Node, steps: list[Node]) -> set[Triple]:
    # frontier: (start, current) pairs reached through the first k steps
    pairs = {(s, o) for s, o in g.subject_objects(steps[0])}
    for step in steps[1:]:
        nxt: defaultdict[Node, list[Node]] = defaultdict(list)
        for s, o in g.subject_objects(step):
            nxt[s].append(o)
        pairs = {(s, o2) for s, o in pairs for o2 in nxt.get(o, ())}
    return {(s, prop, o) for s, o in pairs if (s, prop, o) not in g}


def closure(asserted: Graph, ontology: Graph) -> Graph:
    """asserted + ontology + everything OWL 2 RL entails (with our noise, unfiltered)."""
    import reasonable

    work = Graph(bind_namespaces="none")
    for t in asserted:
        work.add(t)
    for t in ontology:
        work.add(t)
    chains = _chains(ontology)
    while True:
        before = len(work)
        reasoner = reasonable.PyReasoner()
        reasoner.from_graph(work)
        for s, p, o in reasoner.reason():
            # reasonable writes plain literals as "x"^^xsd:string: the same term in RDF 1.1,
            # but a different one to rdflib's graph
            if isinstance(o, Literal) and o.datatype == XSD.string:
                o = Literal(str(o))
            work.add((s, p, o))
        for prop, steps in chains:
            for t in _apply_chain(work, prop, steps):
                work.add(t)
        if len(work) == before:
            return work


def check_consistency(g: Graph) -> None:
    """Raise ``KGError(INCONSISTENT)`` for the clashes our ontology's axioms can show."""
    clashes: list[str] = []
    disjoint: set[tuple[Node, Node]] = set()
    for a, b in g.subject_objects(OWL.disjointWith):
        disjoint.add((a, b))
    for node in g.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(g, g.value(node, OWL.members)))  # type: ignore[arg-type]
        disjoint.update(combinations(members, 2))
    for a, b in sorted(disjoint):
        for x in set(g.subjects(RDF.type, a)) & set(g.subjects(RDF.type, b)):
            clashes.append(f"{compact(x)} is both {compact(a)} and {compact(b)}, "
                           "which are disjoint")
    for p in g.subjects(RDF.type, OWL.IrreflexiveProperty):
        for s, o in g.subject_objects(p):
            if s == o:
                clashes.append(f"{compact(s)} {compact(p)} itself, but the property is "
                               "irreflexive")
    for p in g.subjects(RDF.type, OWL.AsymmetricProperty):
        for s, o in g.subject_objects(p):
            if (o, p, s) in g:
                clashes.append(f"{compact(s)} and {compact(o)} are {compact(p)} of each other, "
                               "but the property is asymmetric")
    if not clashes:
        return
    clashes = sorted(set(clashes))
    if len(clashes) == 1:
        text = f"the data contradicts the ontology (OWL 2 RL): {clashes[0]}"
    else:
        text = (f"the data contradicts the ontology (OWL 2 RL), {len(clashes)} clashes:\n"
                + "\n".join(f"  - {m}" for m in clashes))
    raise KGError(ErrorKind.INCONSISTENT, text, detail="\n".join(clashes))
