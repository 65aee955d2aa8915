"""OWL 2 RL reasoning with owlrl, keeping only the knowledge a person would want to query.

owlrl computes the full closure, and most of what it adds is true but useless: every resource is
``owl:sameAs`` itself, every class is its own subclass, every literal has a type, ``xsd:string``
is a datatype, ``rdfs:label`` is an annotation property... On our data that noise outnumbers the
real inferences by far and would drown them in the served ``inferred`` graph. :func:`infer`
therefore returns ``closure - asserted - ontology`` minus the classes of triples listed in
:data:`NOISE` (each with the reason it is dropped); what remains is instance types, transitive,
symmetric and inverse links, property-chain results, non-trivial ``owl:sameAs``, and entailed
hierarchy links between named terms.

An inconsistency (owlrl records it as an error message: disjoint classes sharing a member, an
irreflexive or asymmetric property misused, an ill-typed literal, ``x a owl:Nothing`` ...) raises
``KGError(INCONSISTENT)`` naming the resources and the axiom, instead of returning a closure from
which anything follows.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Collection, Iterable

import owlrl
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from ..errors import ErrorKind, KGError
from ..namespaces import bind_prefixes
from .load import quiet_literals
from .names import compact_text

Triple = tuple[Node, Node, Node]

SEMANTICS: dict[str, type | None] = {
    "owlrl": owlrl.OWLRL_Semantics,
    "rdfs": owlrl.RDFS_Semantics,
    #: the same inferred graph by compiled rules (fastreason.py; `reasonable` or owlrl where
    #: the rules do not reach)
    "owlrl-fast": None,
}

#: Namespaces of the modelling vocabularies themselves: facts *about* their terms are the
#: reasoner's axioms (``rdfs:label a owl:AnnotationProperty``), never knowledge of ours.
VOCABULARIES: tuple[str, ...] = (str(RDF), str(RDFS), str(OWL), str(XSD))

#: Hierarchy/identity predicates: an entailed one between two distinct named, non-vocabulary
#: terms is kept (``akg:Alliance rdfs:subClassOf akg:Agent`` via ``akg:Organization``).
LINK_PREDICATES: frozenset[Node] = frozenset({
    RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty,
    OWL.inverseOf, OWL.sameAs, OWL.disjointWith, OWL.propertyDisjointWith, OWL.differentFrom,
})

#: Why each class of closure triples is dropped (the keys are what :func:`noise_reason` returns).
NOISE: dict[str, str] = {
    "literal-subject": "a literal as subject ('\"x\" a xsd:string', '\"x\" owl:sameAs \"x\"'): "
                       "not RDF a store can hold, only owlrl's internal bookkeeping",
    "reflexive": "x owl:sameAs / rdfs:subClassOf / owl:equivalentClass ... x: true of everything",
    "vocabulary-subject": "a statement about an rdf:/rdfs:/owl:/xsd: term "
                          "(rdfs:label a owl:AnnotationProperty, xsd:string a rdfs:Datatype)",
    "vocabulary-type": "x a owl:Thing / rdfs:Resource / owl:Class / rdf:Property ...: "
                       "typing by the modelling vocabulary says nothing about the domain",
    "vocabulary-link": "x rdfs:subClassOf owl:Thing (or another vocabulary term): trivial",
    "weakened-domain-range": "an entailed rdfs:domain/rdfs:range is a superclass of the "
                             "asserted one: weaker than what the ontology already says",
    "ontology-blank-node": "involves a blank node of the ontology (an anonymous restriction "
                           "or list), not a resource anyone can name or query for",
}

# owlrl switches rdflib's literal conversions globally while it runs: one closure at a time.
_LOCK = threading.Lock()


def is_vocabulary(node: Node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(VOCABULARIES)


def noise_reason(triple: Triple, data_bnodes: Collection[Node]) -> str | None:
    """The :data:`NOISE` key that drops an inferred triple, or None to keep it."""
    s, p, o = triple
    if isinstance(s, Literal):
        return "literal-subject"
    if s == o and p in LINK_PREDICATES:
        return "reflexive"
    if is_vocabulary(s):
        return "vocabulary-subject"
    if (isinstance(s, BNode) and s not in data_bnodes) or (
            isinstance(o, BNode) and o not in data_bnodes):
        return "ontology-blank-node"
    if p == RDF.type and is_vocabulary(o):
        return "vocabulary-type"
    if p in (RDFS.domain, RDFS.range):
        return "weakened-domain-range"
    if p in LINK_PREDICATES and is_vocabulary(o):
        return "vocabulary-link"
    return None


def infer(
    asserted: Graph,
    ontology: Graph,
    *,
    semantics: str | None = None,
    dropped: Counter[str] | None = None,
    into: Graph | None = None,
) -> Graph:
    """The useful triples the ontology entails from the asserted data (never the inputs).

    ``semantics``: ``"owlrl"`` (OWL 2 RL, the reference), ``"owlrl-fast"`` (the same graph by
    :mod:`.fastreason`, for large data) or ``"rdfs"``; None (the default) is ``"owlrl"``, or
    the reasoner chosen with :func:`.engines.use` (build, validate and merge choose the fast
    one). ``dropped``, if given, is
    updated with how many closure triples each :data:`NOISE` rule removed (for reports/tests).
    The result is a set, so equal inputs give equal graphs. ``into``: an empty graph to add the
    result to, and return (the build's graph in its dataset: no copy of a large result).
    Raises ``KGError(INCONSISTENT)``.
    """
    if semantics is None:
        from . import engines

        semantics = engines.semantics()
    if semantics not in SEMANTICS:
        raise KGError(ErrorKind.BAD_INPUT,
                      f"unknown semantics {semantics!r} (one of: {', '.join(SEMANTICS)})")
    closure_class = SEMANTICS[semantics]
    if closure_class is None:
        # fastreason already knows which closure triples are new and which can be noise, so
        # it filters them itself: the generic pass below took 21 s at 10^6 triples, more than
        # the closure (docs/BENCHMARKS.md). Same graph, proven in tests/knowledge.
        from . import fastreason

        return fastreason.inferred(asserted, ontology, dropped=dropped, into=into)
    work = Graph(bind_namespaces="none")
    for t in asserted:
        work.add(t)
    for t in ontology:
        work.add(t)
    with _LOCK, quiet_literals():
        owlrl.DeductiveClosure(closure_class, axiomatic_triples=False,
                               datatype_axioms=False).expand(work)
    _raise_if_inconsistent(work)

    data_bnodes: set[Node] = {n for t in asserted for n in (t[0], t[2]) if isinstance(n, BNode)}
    if into is None:
        inferred = Graph(bind_namespaces="none")
        bind_prefixes(inferred)
    else:
        inferred = into
    for t in work:
        if t in asserted or t in ontology:
            continue
        reason = noise_reason(t, data_bnodes)
        if reason is None:
            inferred.add(t)
        elif dropped is not None:
            dropped[reason] += 1
    return inferred


def _raise_if_inconsistent(closure: Graph) -> None:
    messages = sorted({compact_text(str(m))
                       for e in closure.subjects(RDF.type, ERRNS.ErrorMessage)
                       for m in closure.objects(e, ERRNS.error)})
    if not messages:
        return
    if len(messages) == 1:
        text = f"the data contradicts the ontology (OWL 2 RL): {messages[0]}"
    else:
        text = (f"the data contradicts the ontology (OWL 2 RL), {len(messages)} clashes:\n"
                + "\n".join(f"  - {m}" for m in messages))
    raise KGError(ErrorKind.INCONSISTENT, text, detail="\n".join(messages))


def explain_noise(counts: Counter[str]) -> list[str]:
    """Lines ``count  rule  why`` for a :data:`NOISE` counter, largest first (for reports)."""
    return [f"{n:>7}  {key}: {NOISE[key]}"
            for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def merged(graphs: Iterable[Graph]) -> Graph:
    """One graph holding the triples of several (inputs are left untouched)."""
    g = Graph(bind_namespaces="none")
    bind_prefixes(g)
    for graph in graphs:
        for t in graph:
            g.add(t)
    return g


