"""A faster OWL 2 RL closure for large data: compile the ontology's axioms, then apply them to the
instance data with integer-coded triples; fall back to the `reasonable` reasoner or to owlrl
where the ontology or data uses something the compiled rules do not cover.

owlrl (pure Python) is the reference semantics and stays the default. It needs about 1.2 ms per
asserted triple here, so a merged dataset of 10^6 triples would take tens of minutes
(docs/BENCHMARKS.md). The `reasonable` reasoner (Rust) is faster but spends most of its time
converting terms to and from rdflib, applies no property chains and reports no clashes: about
70 s for 10^5 triples through rdflib. What our ontology's axioms can produce, though, is small
and known in advance, so this module splits the work the way OWL 2 RL reasoners do:

* **Schema (TBox)**: owlrl closes the ontology alone (a few hundred triples, well under a second;
  cached per ontology). That yields the closed hierarchies (``rdfs:subClassOf``,
  ``rdfs:subPropertyOf`` with equivalences folded in), the inherited domains and ranges, the
  inverse, symmetric, transitive, functional, irreflexive and asymmetric properties, the
  property chains and the disjoint classes, and every inference about the ontology itself.
* **Instances (ABox)**: the rules prp-spo1, prp-inv1/2, prp-symp, prp-trp, prp-spo2 (chains) run
  to a fixpoint with a work list (semi-naive: each new triple is joined once), then prp-dom,
  prp-rng and cax-sco add the types. Terms are numbered once, so the joins are on ints, and the
  result is built from the original rdflib terms (no conversion).
* **Clashes**: cax-dw/cax-adc (disjoint classes), prp-irp, prp-asyp and cls-nothing2 on the
  closed data raise ``KGError(INCONSISTENT)`` like :func:`~alliance_kg.knowledge.reason.infer`.
  Ill-typed literals are left to the shapes, whose datatype constraints catch them.

Anything outside these rules sends the whole closure to the general path (:func:`general_closure`:
`reasonable` plus chains to a fixpoint, or owlrl when `reasonable` is not installed), so the
answer never depends on which path ran: class expressions (restrictions, intersections, unions,
``hasValue``, ``oneOf``), keys, cardinalities, ``owl:sameAs``/``differentFrom`` and property
disjointness, schema statements in the data, a functional or inverse-functional property with two
values (which makes things ``owl:sameAs``), and a type in the OWL/RDFS vocabulary derived for
data. :data:`LAST_PATH` says which path the last call took (for the benchmark and the tests).

:func:`~alliance_kg.knowledge.reason.infer` with ``semantics="owlrl-fast"`` returns
:func:`inferred`, which applies the same noise rules, so the served inferred graph is the same;
``tests/knowledge`` proves the two equal on the shipped data, on generated data and on inputs
that take the general path.
"""

from __future__ import annotations

import gc
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import combinations

import owlrl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.store import Store
from rdflib.term import Node

from ..errors import ErrorKind, KGError
from ..namespaces import bind_prefixes
from .graphread import triples_of
from .names import compact

Triple = tuple[Node, Node, Node]

#: "fast" (compiled rules) or "general" (why the compiled rules could not be used), last call
LAST_PATH: list[str] = [""]

_OWL, _RDFS = str(OWL), str(RDFS)
#: predicates of the OWL/RDFS vocabulary that only annotate: harmless in instance data
_ANNOTATIONS = frozenset({RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy,
                          OWL.versionInfo, OWL.deprecated})
#: types the compiled rules may derive for data (owlrl's own noise, filtered later anyway)
_HARMLESS_TYPES = frozenset({OWL.Thing, RDFS.Resource, OWL.NamedIndividual})
#: schema constructs the compiled rules do not implement (their presence → general path)
_UNSUPPORTED = frozenset({
    OWL.Restriction, OWL.onProperty, OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue,
    OWL.intersectionOf, OWL.unionOf, OWL.complementOf, OWL.oneOf, OWL.hasKey, OWL.hasSelf,
    OWL.maxCardinality, OWL.maxQualifiedCardinality, OWL.cardinality, OWL.minCardinality,
    OWL.qualifiedCardinality, OWL.sameAs, OWL.differentFrom, OWL.AllDifferent,
    OWL.distinctMembers, OWL.propertyDisjointWith, OWL.AllDisjointProperties,
    OWL.NegativePropertyAssertion, OWL.sourceIndividual, OWL.datatypeComplementOf,
    OWL.withRestrictions, OWL.onDatatype, OWL.ReflexiveProperty,
})

_LOCK = threading.Lock()
_SCHEMA_CACHE: dict[frozenset[Triple], Schema] = {}


class Schema:
    """The ontology closed by owlrl, read into the tables the instance rules use."""

    def __init__(self, ontology: Graph) -> None:
        from .reason import _LOCK as OWLRL_LOCK
        from .reason import _raise_if_inconsistent

        closed = Graph(bind_namespaces="none")
        for t in ontology:
            closed.add(t)
        with OWLRL_LOCK:
            owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                                   datatype_axioms=False).expand(closed)
        _raise_if_inconsistent(closed)
        self.unsupported = sorted({compact(t) for t in _constructs(ontology)})
        #: everything owlrl adds to the ontology alone
        self.inferred: list[Triple] = [t for t in closed if t not in ontology]
        self.supers: dict[Node, set[Node]] = defaultdict(set)  # property -> super-properties
        for p, q in closed.subject_objects(RDFS.subPropertyOf):
            if p != q:
                self.supers[p].add(q)
        self.superclasses: dict[Node, set[Node]] = defaultdict(set)
        for c, d in closed.subject_objects(RDFS.subClassOf):
            self.superclasses[c].add(d)
        self.domains: dict[Node, set[Node]] = defaultdict(set)
        for p, c in closed.subject_objects(RDFS.domain):
            self.domains[p].add(c)
        self.ranges: dict[Node, set[Node]] = defaultdict(set)
        for p, c in closed.subject_objects(RDFS.range):
            self.ranges[p].add(c)
        self.inverses: dict[Node, set[Node]] = defaultdict(set)
        for p, q in closed.subject_objects(OWL.inverseOf):
            self.inverses[p].add(q)
            self.inverses[q].add(p)

        def typed(kind: URIRef) -> set[Node]:
            return set(closed.subjects(RDF.type, kind))

        self.symmetric = typed(OWL.SymmetricProperty)
        self.transitive = typed(OWL.TransitiveProperty)
        self.functional = typed(OWL.FunctionalProperty)
        self.inverse_functional = typed(OWL.InverseFunctionalProperty)
        self.irreflexive = typed(OWL.IrreflexiveProperty)
        self.asymmetric = typed(OWL.AsymmetricProperty)
        self.chains: list[tuple[Node, list[Node]]] = [
            (p, list(Collection(closed, head)))
            for p, head in closed.subject_objects(OWL.propertyChainAxiom)]
        self.disjoint: set[tuple[Node, Node]] = set(closed.subject_objects(OWL.disjointWith))
        for node in closed.subjects(RDF.type, OWL.AllDisjointClasses):
            members = list(Collection(closed, closed.value(node, OWL.members)))  # type: ignore[arg-type]
            self.disjoint.update(combinations(members, 2))


def _constructs(g: Graph) -> Iterable[Node]:
    for s, p, o in g:
        if p in _UNSUPPORTED and not (p == OWL.sameAs and s == o):
            yield p
        elif p == RDF.type and o in _UNSUPPORTED:
            yield o


def schema_of(ontology: Graph) -> Schema:
    """The closed schema of an ontology (cached: the incremental path and every closure of the
    same ontology share it)."""
    key = frozenset(ontology)
    with _LOCK:
        found = _SCHEMA_CACHE.get(key)
    if found is None:
        found = Schema(ontology)
        with _LOCK:
            if len(_SCHEMA_CACHE) >= 4:
                _SCHEMA_CACHE.clear()
            _SCHEMA_CACHE[key] = found
    return found


def _is_schema_triple(p: Node, o: Node) -> bool:
    """A statement about terms (hierarchy, property kinds...) rather than about things."""
    if p == RDF.type:
        return isinstance(o, URIRef) and str(o).startswith((_OWL, _RDFS))
    return isinstance(p, URIRef) and str(p).startswith((_OWL, _RDFS)) and p not in _ANNOTATIONS


def data_fallback(triple: Triple) -> str | None:
    """Why an asserted triple takes the data outside the compiled rules, or None: a schema
    statement (hierarchy, property kinds, class expressions) or an unsupported construct."""
    _, predicate, obj = triple
    if predicate == RDF.type:
        if _is_schema_triple(RDF.type, obj):
            return f"the data states {compact(predicate)} {compact(obj)}"
        return None
    if _is_schema_triple(predicate, obj) or predicate in _UNSUPPORTED:
        return f"the data uses {compact(predicate)}"
    return None


def vocabulary_type(node: Node) -> bool:
    """A class of the OWL/RDFS vocabulary that the compiled rules must not derive for data
    (it would make data into schema, which only the general path handles)."""
    return (isinstance(node, URIRef) and str(node).startswith((_OWL, _RDFS))
            and node not in _HARMLESS_TYPES)


class Fallback(Exception):
    """The compiled rules cannot give owlrl's answer for this input; the reason is the text."""


class Rules:
    """A :class:`Schema`'s tables with terms replaced by integer codes: what the instance rules
    join on, shared by the closure below and by :mod:`.incremental`."""

    def __init__(self, schema: Schema, code: Callable[[Node], int]) -> None:
        def coded(table: dict[Node, set[Node]]) -> dict[int, list[int]]:
            return {code(k): [code(v) for v in vs] for k, vs in table.items()}

        self.type_id = code(RDF.type)
        self.supers, self.inverses = coded(schema.supers), coded(schema.inverses)
        self.symmetric = {code(p) for p in schema.symmetric}
        self.transitive = {code(p) for p in schema.transitive}
        self.chains = [(code(p), [code(s) for s in steps]) for p, steps in schema.chains]
        #: per predicate: the (head, steps, index) of each chain position it fills
        self.in_chain: dict[int, list[tuple[int, list[int], int]]] = defaultdict(list)
        for head, steps in self.chains:
            for i, step in enumerate(steps):
                self.in_chain[step].append((head, steps, i))
        self.in_chain = dict(self.in_chain)
        self.domains, self.ranges = coded(schema.domains), coded(schema.ranges)
        self.superclasses = coded(schema.superclasses)
        self.functional = {code(p) for p in schema.functional}
        self.inverse_functional = {code(p) for p in schema.inverse_functional}
        self.irreflexive = {code(p) for p in schema.irreflexive}
        self.asymmetric = {code(p) for p in schema.asymmetric}
        #: predicates whose facts are joined (transitive or in a chain), so indexed both ways
        self.indexed = self.transitive | set(self.in_chain)


def closure(asserted: Graph, ontology: Graph) -> Graph:
    """The triples OWL 2 RL entails from asserted + ontology (plus noise that
    :func:`~alliance_kg.knowledge.reason.infer` filters). The fast path returns only triples
    not already asserted; the general path returns the whole closure, inputs included."""
    schema = schema_of(ontology)
    # millions of small tuples: the cyclic GC would rescan them all again and again (there are
    # no cycles to find), which doubled the time at 10^6 triples
    collecting = gc.isenabled()
    gc.disable()
    try:
        if schema.unsupported:
            raise Fallback("the ontology uses " + ", ".join(schema.unsupported))
        new, data_bnodes = _instance_closure(asserted, ontology, schema)
    except Fallback as why:
        LAST_PATH[0] = f"general: {why}"
        return general_closure(asserted, ontology)
    finally:
        if collecting:
            gc.enable()
    LAST_PATH[0] = "fast"
    # nothing returned is asserted: `new` excludes the inputs, and so does this
    schema_part = [t for t in schema.inferred if t not in asserted]
    return Graph(store=_TripleList(new + schema_part, data_bnodes), bind_namespaces="none")


def inferred(asserted: Graph, ontology: Graph, *,
             dropped: Counter[str] | None = None, into: Graph | None = None) -> Graph:
    """The inferred graph of ``infer(asserted, ontology, semantics="owlrl-fast")`` (which
    returns this), i.e. owlrl's, without the generic post-processing of other closures.

    For owlrl's closure :func:`~alliance_kg.knowledge.reason.infer` filters triple by
    triple: membership in ``asserted`` and ``ontology``, the noise rules, one ``Graph.add``
    each. On the compiled path this module already knows which triples are new, and only
    triples with a literal or blank node, a vocabulary term, or a hierarchy/domain/range
    predicate can be noise, so the filter runs on those alone. At 10^6 asserted triples that
    generic pass took longer than the closure itself (docs/BENCHMARKS.md). ``into``: an
    empty graph to add the result to (the build's graph in its dataset), returned.
    """
    from .load import quiet_literals
    from .reason import LINK_PREDICATES, VOCABULARIES, noise_reason

    with quiet_literals():
        work = closure(asserted, ontology)
    check_consistency(work)
    if into is None:
        out = Graph(bind_namespaces="none")
        bind_prefixes(out)
    else:
        out = into
    suspicious = LINK_PREDICATES | {RDFS.domain, RDFS.range}
    rdf_type = URIRef(str(RDF.type))  # a plain URIRef: RDF.type is a slow attribute lookup
    store = work.store
    fast = isinstance(store, _TripleList)
    data_bnodes: set[Node] | None = store.data_bnodes if isinstance(store, _TripleList) else None
    kept: list[Triple] = []
    collecting = gc.isenabled()
    gc.disable()
    try:
        for t in (store.all() if isinstance(store, _TripleList) else work):
            s, p, o = t
            if not fast and (t in asserted or t in ontology):
                continue
            if (type(s) is URIRef and not _startswith(s, VOCABULARIES)
                    and p not in suspicious and type(o) is not BNode
                    and not (p == rdf_type
                             and _startswith(o, VOCABULARIES))):  # type: ignore[arg-type]
                kept.append(t)  # none of the noise rules can apply
                continue
            if data_bnodes is None:
                data_bnodes = {n for x in asserted for n in (x[0], x[2]) if isinstance(n, BNode)}
            reason = noise_reason(t, data_bnodes)
            if reason is None:
                kept.append(t)
            elif dropped is not None:
                dropped[reason] += 1
        out.addN((s, p, o, out) for s, p, o in kept)
    finally:
        if collecting:
            gc.enable()
    return out


class _TripleList(Store):
    """A read-only rdflib store over a list of triples, indexed by predicate on first use.

    :func:`closure` hands back up to millions of triples that are only iterated once and
    looked up by predicate a few times; rdflib's Memory store would spend more time indexing
    them (about 12 µs a triple) than the compiled rules spent finding them.
    """

    def __init__(self, triples: list[Triple], data_bnodes: set[Node]) -> None:
        super().__init__()
        self._triples = list(dict.fromkeys(triples))
        self.data_bnodes = data_bnodes
        self._by_predicate: dict[Node, list[Triple]] | None = None

    def __len__(self, context: object = None) -> int:
        return len(self._triples)

    def all(self) -> list[Triple]:
        return self._triples

    def triples(self, triple_pattern: tuple[Node | None, Node | None, Node | None],
                context: object = None) -> Iterator[tuple[Triple, Iterator[None]]]:
        s, p, o = triple_pattern
        candidates: list[Triple] = self._triples
        if p is not None:
            if self._by_predicate is None:
                index: dict[Node, list[Triple]] = defaultdict(list)
                for t in self._triples:
                    index[t[1]].append(t)
                self._by_predicate = dict(index)
            candidates = self._by_predicate.get(p, [])
        for t in candidates:
            if (s is None or t[0] == s) and (o is None or t[2] == o):
                yield t, iter(())


_concat = str.__add__
_startswith = str.startswith


def term_key(term: Node) -> object:
    """A dict key for a term that hashes in C: rdflib's ``Identifier.__hash__`` and ``__eq__``
    are Python functions, and numbering 3 x 10^6 terms through them was a tenth of the time."""
    kind = type(term)
    if kind is URIRef:
        return _concat("<", term)  # type: ignore[arg-type]
    if kind is BNode:
        return _concat("_:", term)  # type: ignore[arg-type]
    return term


#: property index: predicate -> subject -> objects (``out``) or object -> subjects (``inn``)
Index = Mapping[int, Mapping[int, set[int]]]


def chain_pairs(out: Index, inn: Index, steps: list[int], i: int, s: int, o: int
                ) -> Iterator[tuple[int, int]]:
    """The (start, end) pairs a property chain joins through the fact ``s steps[i] o``."""
    starts = {s}
    for step in reversed(steps[:i]):
        starts = {a for x in starts for a in inn[step].get(x, ())}
    ends = {o}
    for step in steps[i + 1:]:
        ends = {b for x in ends for b in out[step].get(x, ())}
    return ((a, b) for a in starts for b in ends)


def _instance_closure(asserted: Graph, ontology: Graph, schema: Schema
                      ) -> tuple[list[Triple], set[Node]]:
    """(the new triples, the data's blank nodes)."""
    ids: dict[object, int] = {}
    terms: list[Node] = []

    def code(term: Node) -> int:
        k = term_key(term)
        n = ids.get(k)
        if n is None:
            n = ids[k] = len(terms)
            terms.append(term)
        return n

    def lookup(term: Node) -> int | None:
        return ids.get(term_key(term))

    rules = Rules(schema, code)
    type_id = rules.type_id
    # predicates (and classes, for rdf:type, as -1 - code) already found not to state schema
    schema_use: dict[int, bool] = {}
    data_bnodes: set[Node] = set()
    facts: set[tuple[int, int, int]] = set()
    for graph in (asserted, ontology):
        is_data = graph is asserted
        for subject, predicate, obj in triples_of(graph):
            t = (code(subject), code(predicate), code(obj))
            if is_data:
                key = -1 - t[2] if t[1] == type_id else t[1]
                if key not in schema_use:
                    why = data_fallback((subject, predicate, obj))
                    if why is not None:
                        raise Fallback(why)
                    schema_use[key] = False
                if type(subject) is BNode:
                    data_bnodes.add(subject)
                if type(obj) is BNode:
                    data_bnodes.add(obj)
            facts.add(t)
    given = set(facts)

    supers, inverses = rules.supers, rules.inverses
    symmetric, transitive, in_chain = rules.symmetric, rules.transitive, rules.in_chain
    literal = [isinstance(t, Literal) for t in terms]
    indexed = rules.indexed
    out: dict[int, defaultdict[int, set[int]]] = {p: defaultdict(set) for p in indexed}
    inn: dict[int, defaultdict[int, set[int]]] = {p: defaultdict(set) for p in indexed}

    queue = list(facts)
    facts = set()

    def add(t: tuple[int, int, int]) -> None:
        if t not in facts:
            queue.append(t)

    while queue:
        t = queue.pop()
        if t in facts:
            continue
        facts.add(t)
        s, p, o = t
        if p == type_id:
            continue
        if p in indexed:
            out[p][s].add(o)
            inn[p][o].add(s)
        for q in supers.get(p, ()):
            add((s, q, o))
        if not literal[o]:  # an inverse or symmetric twin would have a literal subject
            for q in inverses.get(p, ()):
                add((o, q, s))
            if p in symmetric:
                add((o, p, s))
        if p in transitive:
            for x in tuple(out[p].get(o, ())):
                add((s, p, x))
            for y in tuple(inn[p].get(s, ())):
                add((y, p, o))
        for head, steps, i in in_chain.get(p, ()):
            for a, b in chain_pairs(out, inn, steps, i, s, o):
                add((a, head, b))

    _check_functional(facts, schema, lookup, terms)
    # types: domains and ranges of every property triple, then every superclass
    domains, ranges = rules.domains, rules.ranges
    types: set[tuple[int, int]] = {(s, o) for s, p, o in facts if p == type_id}
    for s, p, o in facts:
        for c in domains.get(p, ()):
            types.add((s, c))
        if not literal[o]:
            for c in ranges.get(p, ()):
                types.add((o, c))
    superclasses = rules.superclasses
    for s, c in list(types):
        for d in superclasses.get(c, ()):
            types.add((s, d))
    facts.update((s, type_id, c) for s, c in types)
    _check_clashes(facts, types, schema, lookup, terms)
    for si, c in types:
        node = terms[c]
        if vocabulary_type(node) and (si, type_id, c) not in given:
            raise Fallback(f"the data is entailed to be a {compact(node)}")
    return ([(terms[s], terms[p], terms[o]) for s, p, o in facts - given if not literal[s]],
            data_bnodes)


def _check_functional(facts: set[tuple[int, int, int]], schema: Schema,
                      lookup: Callable[[Node], int | None], terms: list[Node]) -> None:
    """prp-fp/prp-ifp make two values of a functional property owl:sameAs: general path."""
    for props, forward in ((schema.functional, True), (schema.inverse_functional, False)):
        coded = {n for n in map(lookup, props) if n is not None}
        if not coded:
            continue
        seen: dict[tuple[int, int], int] = {}
        for s, p, o in facts:
            if p in coded:
                key, value = ((p, s), o) if forward else ((p, o), s)
                if seen.setdefault(key, value) != value:
                    raise Fallback(f"{compact(terms[p])} has two values for "
                                    f"{compact(terms[key[1]])} (so they are owl:sameAs)")


def _check_clashes(facts: set[tuple[int, int, int]], types: set[tuple[int, int]],
                   schema: Schema, lookup: Callable[[Node], int | None],
                   terms: list[Node]) -> None:
    clashes: list[str] = []
    by_class: dict[int, set[int]] = defaultdict(set)
    for s, c in types:
        by_class[c].add(s)
    nothing = lookup(OWL.Nothing)
    if nothing is not None:
        clashes += [f"{compact(terms[x])} is a member of owl:Nothing"
                    for x in by_class.get(nothing, ())]
    for a, b in sorted(schema.disjoint):
        ia, ib = lookup(a), lookup(b)
        if ia is not None and ib is not None:
            for x in by_class.get(ia, set()) & by_class.get(ib, set()):
                clashes.append(f"{compact(terms[x])} is both {compact(a)} and {compact(b)}, "
                               "which are disjoint")
    irreflexive = {n for n in map(lookup, schema.irreflexive) if n is not None}
    asymmetric = {n for n in map(lookup, schema.asymmetric) if n is not None}
    if irreflexive or asymmetric:
        for s, p, o in facts:
            if p in irreflexive and s == o:
                clashes.append(f"{compact(terms[s])} {compact(terms[p])} itself, but the "
                               "property is irreflexive")
            if p in asymmetric and (o, p, s) in facts:
                clashes.append(f"{compact(terms[s])} and {compact(terms[o])} are "
                               f"{compact(terms[p])} of each other, but the property is "
                               "asymmetric")
    raise_clashes(clashes)


# -- the general path ------------------------------------------------------------------------


def _chain_pairs(g: Graph, prop: Node, steps: list[Node]) -> set[Triple]:
    # frontier: (start, current) pairs reached through the first k steps
    pairs = {(s, o) for s, o in g.subject_objects(steps[0])}
    for step in steps[1:]:
        nxt: defaultdict[Node, list[Node]] = defaultdict(list)
        for s, o in g.subject_objects(step):
            nxt[s].append(o)
        pairs = {(s, o2) for s, o in pairs for o2 in nxt.get(o, ())}
    return {(s, prop, o) for s, o in pairs if (s, prop, o) not in g}


def general_closure(asserted: Graph, ontology: Graph) -> Graph:
    """asserted + ontology + everything OWL 2 RL entails: `reasonable` alternated with property
    chains to a fixpoint, or owlrl itself when `reasonable` is not installed."""
    work = Graph(bind_namespaces="none")
    for t in asserted:
        work.add(t)
    for t in ontology:
        work.add(t)
    try:
        import reasonable
    except ImportError:
        from .reason import _LOCK as OWLRL_LOCK
        from .reason import _raise_if_inconsistent

        with OWLRL_LOCK:
            owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                                   datatype_axioms=False).expand(work)
        _raise_if_inconsistent(work)
        return work
    chains = [(prop, list(Collection(ontology, head)))
              for prop, head in ontology.subject_objects(OWL.propertyChainAxiom)]
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
            for t in _chain_pairs(work, prop, steps):
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
    raise_clashes(clashes)


def raise_clashes(clashes: list[str]) -> None:
    if not clashes:
        return
    clashes = sorted(set(clashes))
    if len(clashes) == 1:
        text = f"the data contradicts the ontology (OWL 2 RL): {clashes[0]}"
    else:
        text = (f"the data contradicts the ontology (OWL 2 RL), {len(clashes)} clashes:\n"
                + "\n".join(f"  - {m}" for m in clashes))
    raise KGError(ErrorKind.INCONSISTENT, text, detail="\n".join(clashes))
