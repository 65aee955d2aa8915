"""Why the graph says what it says: proofs of inferred statements, down to the source sentences.

An **asserted** statement is explained by the named graphs that state it: a sentence graph (named
by the sentence's IRI, with its ``akg:quote``) or a merged source graph (with its catalogue
entry). An **inferred** statement is explained by a proof: each step is one application of an
OWL 2 RL rule, named as in the rule tables of the W3C OWL 2 Profiles (section 4.3: ``prp-trp``,
``prp-inv1``, ``cax-sco``, ``scm-sco`` ...), with the ontology axioms it used and its premises,
each explained in turn, down to asserted statements and ontology axioms.

Proofs are computed **on demand** from the current graphs (asserted, inferred, ontology, and the
``joined`` graph of merged sources), never from a table kept at build time, so they stay right
after any update or merge. The search goes backwards, depth first: the one-step derivations of a
statement are read off the rules and the graphs (:func:`derivations`), the cheapest first
(premises asserted, or one sub-property step from an asserted statement), and a statement is
proved by the first derivations whose premises are all proved *without it* (the statements
being proved form the path; a derivation through one of them is skipped). So every proof is
well founded: no statement is used to prove itself, as ``a counterpartOf b`` and its symmetric
twin, or the pairs of a transitive cycle, would otherwise do. A premise shared by several steps
is proved once, so a proof is a DAG; each statement's ``stage`` is its height in it (0 for
asserted statements and axioms).

Bounds (:class:`Limits`): the statement asked about shows up to ``derivations`` derivations
(default 8) and counts all it has, up to ``scan``; each premise below it shows one
(``premise_derivations``), the earliest found, with the number of others when known. At most
``explore`` statements are expanded. A proof cut by a bound says so (``truncated``).

:func:`dependents` answers "what depends on this sentence?": the asserted statements only that
sentence states, and the inferred statements that would disappear with them (delete and
rederive over the rules, as :mod:`.incremental` maintains the inferred graph).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Protocol

import rdflib
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, PROV, RDF, RDFS
from rdflib.term import Node

from ..errors import ErrorKind, KGError
from ..namespaces import (
    AKG,
    ASSERTED,
    BASE,
    CATALOGUE,
    DESCRIPTION,
    INFERRED,
    JOINED,
    ONTOLOGY,
    PREFIXES,
    SHAPES,
    SOURCE_GRAPH_PREFIX,
    bind_prefixes,
)
from .names import compact

Triple = tuple[Node, Node, Node]

#: the vocabulary of proofs in RDF (with PROV-O): ``akx:Proof``, ``akx:Derivation`` ...
AKX = Namespace(BASE + "explain/")
#: one IRI per rule, ``akx:rule/prp-trp``
RULE = Namespace(BASE + "explain/rule/")
OWL2RL_TABLES = "https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules"

#: what each rule does, in the words of the OWL 2 RL tables (for text, HTML and the RDF labels)
RULES: dict[str, str] = {
    "prp-dom": "p rdfs:domain c, x p y ⟹ x a c",
    "prp-rng": "p rdfs:range c, x p y ⟹ y a c",
    "prp-symp": "p a owl:SymmetricProperty, x p y ⟹ y p x",
    "prp-trp": "p a owl:TransitiveProperty, x p y, y p z ⟹ x p z",
    "prp-spo1": "p1 rdfs:subPropertyOf p2, x p1 y ⟹ x p2 y",
    "prp-spo2": "p owl:propertyChainAxiom (p1 … pn), x0 p1 x1 … xn-1 pn xn ⟹ x0 p xn",
    "prp-eqp1": "p1 owl:equivalentProperty p2, x p1 y ⟹ x p2 y",
    "prp-eqp2": "p1 owl:equivalentProperty p2, x p2 y ⟹ x p1 y",
    "prp-inv1": "p1 owl:inverseOf p2, x p1 y ⟹ y p2 x",
    "prp-inv2": "p1 owl:inverseOf p2, x p2 y ⟹ y p1 x",
    "cax-sco": "c1 rdfs:subClassOf c2, x a c1 ⟹ x a c2",
    "cax-eqc1": "c1 owl:equivalentClass c2, x a c1 ⟹ x a c2",
    "cax-eqc2": "c1 owl:equivalentClass c2, x a c2 ⟹ x a c1",
    "scm-sco": "c1 rdfs:subClassOf c2, c2 rdfs:subClassOf c3 ⟹ c1 rdfs:subClassOf c3",
    "scm-eqc1": "c1 owl:equivalentClass c2 ⟹ c1 rdfs:subClassOf c2, c2 rdfs:subClassOf c1",
    "scm-eqc2": "c1 rdfs:subClassOf c2, c2 rdfs:subClassOf c1 ⟹ c1 owl:equivalentClass c2",
    "scm-spo": "p1 rdfs:subPropertyOf p2, p2 rdfs:subPropertyOf p3 ⟹ p1 rdfs:subPropertyOf p3",
    "scm-eqp1": "p1 owl:equivalentProperty p2 ⟹ p1 rdfs:subPropertyOf p2, p2 rdfs:subPropertyOf p1",
    "scm-eqp2": "p1 rdfs:subPropertyOf p2, p2 rdfs:subPropertyOf p1 ⟹ p1 owl:equivalentProperty p2",
    "scm-dom1": "p rdfs:domain c1, c1 rdfs:subClassOf c2 ⟹ p rdfs:domain c2",
    "scm-dom2": "p2 rdfs:domain c, p1 rdfs:subPropertyOf p2 ⟹ p1 rdfs:domain c",
    "scm-rng1": "p rdfs:range c1, c1 rdfs:subClassOf c2 ⟹ p rdfs:range c2",
    "scm-rng2": "p2 rdfs:range c, p1 rdfs:subPropertyOf p2 ⟹ p1 rdfs:range c",
    "eq-sym": "x owl:sameAs y ⟹ y owl:sameAs x",
    "eq-trans": "x owl:sameAs y, y owl:sameAs z ⟹ x owl:sameAs z",
    "eq-rep-s": "s owl:sameAs s2, s p o ⟹ s2 p o",
    "eq-rep-p": "p owl:sameAs p2, s p o ⟹ s p2 o",
    "eq-rep-o": "o owl:sameAs o2, s p o ⟹ s p o2",
}

ASSERTED_STATUS, AXIOM, INFERRED_STATUS, MERGED, UNPROVEN = (
    "asserted", "axiom", "inferred", "merged", "unproven")
#: graphs that never count as the source of a statement
SYSTEM_GRAPHS = frozenset(str(g) for g in (ASSERTED, INFERRED, ONTOLOGY, SHAPES, DESCRIPTION,
                                          CATALOGUE, JOINED))


@dataclass(frozen=True)
class Limits:
    """How far a proof goes (see the module docstring)."""

    derivations: int = 8  #: derivations shown per statement
    scan: int = 200  #: candidate derivations looked at per statement
    explore: int = 5000  #: statements expanded (their derivations looked at)
    #: statements on one path of the search (each a Python frame: a transitive chain longer
    #: than this is cut, well before the interpreter's recursion limit)
    depth: int = 400
    premise_derivations: int = 1  #: derivations shown per premise (the earliest first)


# -- the graphs a proof reads --------------------------------------------------------------------


@dataclass
class Source:
    """A named graph stating an asserted statement: a sentence (with its quote), an article's
    own text, an editorial graph (with the references it names) or a merged source (with its
    catalogue entry)."""

    graph: str
    kind: str  #: "sentence", "article", "editorial", "source" or "graph"
    quote: str | None = None
    quote_lang: str | None = None
    catalogue: list[tuple[Node, Node]] = field(default_factory=list)
    #: what an editorial graph was taken from (``prov:wasDerivedFrom``), and its label
    references: list[str] = field(default_factory=list)
    label: str | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"graph": self.graph, "kind": self.kind}
        if self.quote is not None:
            out["quote"] = self.quote
            if self.quote_lang:
                out["lang"] = self.quote_lang
        if self.references:
            out["references"] = list(self.references)
        if self.label is not None:
            out["label"] = self.label
        if self.catalogue:
            out["catalogue"] = [{"predicate": str(p), "object": term_json(o)}
                                for p, o in self.catalogue]
        return out


#: the graphs holding each statement (other than the system graphs)
Locator = Callable[[Sequence[Triple]], Mapping[Triple, Sequence[str]]]
#: what each graph is (sentence + quote, merged source + catalogue)
Describer = Callable[[Sequence[str]], Mapping[str, Source]]


class Axioms:
    """The ontology's axioms as written (not closed), indexed for the rules. Derivations use
    only these, so every axiom in a proof is a triple of the ontology graph; a hierarchy link
    the ontology only entails is explained by its own scm-* steps."""

    def __init__(self, ontology: Graph) -> None:
        self.graph = ontology
        self.triples: set[Triple] = set(ontology)
        #: the predicates of the axioms: a pattern with another one need not look at them
        self.predicates: frozenset[Node] = frozenset(t[1] for t in self.triples)

        def index(pred: URIRef, by_object: bool) -> dict[Node, list[Node]]:
            out: dict[Node, list[Node]] = {}
            for s, o in ontology.subject_objects(pred):
                if by_object:
                    out.setdefault(o, []).append(s)
                else:
                    out.setdefault(s, []).append(o)
            return out

        self.sub_classes = index(RDFS.subClassOf, True)  # c2 -> [c1]
        self.super_classes = index(RDFS.subClassOf, False)
        self.sub_props = index(RDFS.subPropertyOf, True)  # p2 -> [p1]
        self.super_props = index(RDFS.subPropertyOf, False)
        self.eq_class_fwd = index(OWL.equivalentClass, False)  # c1 -> [c2]
        self.eq_class_back = index(OWL.equivalentClass, True)  # c2 -> [c1]
        self.eq_prop_fwd = index(OWL.equivalentProperty, False)
        self.eq_prop_back = index(OWL.equivalentProperty, True)
        self.inverse_fwd = index(OWL.inverseOf, False)  # p1 -> [p2]
        self.inverse_back = index(OWL.inverseOf, True)  # p2 -> [p1]
        self.domain_of = index(RDFS.domain, True)  # c -> [p]
        self.domains = index(RDFS.domain, False)  # p -> [c]
        self.range_of = index(RDFS.range, True)
        self.ranges = index(RDFS.range, False)
        self.symmetric = set(ontology.subjects(RDF.type, OWL.SymmetricProperty))
        self.transitive = set(ontology.subjects(RDF.type, OWL.TransitiveProperty))
        #: head property -> (the axiom triples: the chain and its list, the steps)
        self.chains: dict[Node, list[tuple[tuple[Triple, ...], list[Node]]]] = {}
        #: property -> (head, steps, position) of each chain it is in
        self.in_chain: dict[Node, list[tuple[Node, list[Node], int]]] = {}
        for head, lst in ontology.subject_objects(OWL.propertyChainAxiom):
            steps = list(Collection(ontology, lst))
            axioms = [(head, OWL.propertyChainAxiom, lst), *_list_triples(ontology, lst)]
            self.chains.setdefault(head, []).append((tuple(axioms), steps))
            for i, step in enumerate(steps):
                self.in_chain.setdefault(step, []).append((head, steps, i))


def _list_triples(g: Graph, node: Node) -> Iterator[Triple]:
    seen: set[Node] = set()
    while node != RDF.nil and node not in seen:
        seen.add(node)
        first, rest = g.value(node, RDF.first), g.value(node, RDF.rest)
        if first is None or rest is None:
            return
        yield (node, RDF.first, first)
        yield (node, RDF.rest, rest)
        node = rest


class TripleSource(Protocol):
    """What a proof reads of a graph (an rdflib Graph, or a leaner view of a store's graph)."""

    def __contains__(self, triple: Triple) -> bool: ...

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]
                ) -> Iterator[Triple]: ...

    def __iter__(self) -> Iterator[Triple]: ...


class Facts:
    """What a proof may use: the asserted, inferred and (merged sources') joined statements, the
    ontology, and how to find the graphs stating a statement. Views are read live."""

    def __init__(self, asserted: TripleSource, inferred: TripleSource,
                 ontology: Graph | Axioms, *, joined: TripleSource | None = None,
                 locate: Locator | None = None,
                 describe: Describer | None = None) -> None:
        self.asserted, self.inferred = asserted, inferred
        self.axioms = ontology if isinstance(ontology, Axioms) else Axioms(ontology)
        self.joined = joined
        self._graphs: list[TripleSource] = [g for g in (asserted, inferred, joined)
                                            if g is not None]
        self.locate: Locator = locate or (lambda ts: {})
        self.describe: Describer = describe or (lambda gs: {g: Source(g, "graph") for g in gs})
        self._status: dict[Triple, str | None] = {}
        self._has_equality: bool | None = None

    @property
    def has_equality(self) -> bool:
        """Whether any ``owl:sameAs`` is stated or inferred (else the eq-* rules never apply)."""
        if self._has_equality is None:
            self._has_equality = next(self.match(None, OWL.sameAs, None), None) is not None
        return self._has_equality

    def holds(self, t: Triple) -> bool:
        """In the closure as served: asserted, inferred, joined or an ontology axiom."""
        return self.status(t) is not None

    def status(self, t: Triple) -> str | None:
        """Where the statement is (remembered: a proof asks about the same ones again and
        again, and a live store's lookups cost tens of microseconds each)."""
        try:
            return self._status[t]
        except KeyError:
            pass
        found: str | None = None
        if t in self.axioms.triples:
            found = AXIOM
        elif t in self.asserted:
            found = ASSERTED_STATUS
        elif t in self.inferred:
            found = INFERRED_STATUS
        elif self.joined is not None and t in self.joined:
            found = MERGED
        self._status[t] = found
        return found

    def match(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator[Triple]:
        """Statements of the closure (data and schema) matching a pattern, each once."""
        seen: set[Triple] = set()
        graphs: list[TripleSource] = list(self._graphs)
        if p is None or p in self.axioms.predicates:
            graphs.append(self.axioms.graph)
        for g in graphs:
            for t in g.triples((s, p, o)):
                if t not in seen:
                    seen.add(t)
                    yield t


# -- one-step derivations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One rule application: ``rule`` applied to ``axioms`` (ontology triples) and ``premises``
    (statements, each explained in turn) concludes the statement it belongs to."""

    rule: str
    axioms: tuple[Triple, ...]
    premises: tuple[Triple, ...]


_SCHEMA_PREDICATES = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass,
                      OWL.equivalentProperty, RDFS.domain, RDFS.range)


def derivations(facts: Facts, t: Triple) -> Iterator[Step]:
    """Every one-step derivation of ``t`` by the rules of :data:`RULES` whose premises hold in
    ``facts`` (the statement itself may be among them: stages sort that out)."""
    s, p, o = t
    ax = facts.axioms
    holds = facts.holds
    if p == RDF.type:
        for c1 in ax.sub_classes.get(o, ()):
            if holds((s, RDF.type, c1)):
                yield Step("cax-sco", ((c1, RDFS.subClassOf, o),), ((s, RDF.type, c1),))
        for c1 in ax.eq_class_back.get(o, ()):
            if holds((s, RDF.type, c1)):
                yield Step("cax-eqc1", ((c1, OWL.equivalentClass, o),), ((s, RDF.type, c1),))
        for c2 in ax.eq_class_fwd.get(o, ()):
            if holds((s, RDF.type, c2)):
                yield Step("cax-eqc2", ((o, OWL.equivalentClass, c2),), ((s, RDF.type, c2),))
        for prop in ax.domain_of.get(o, ()):
            for x in facts.match(s, prop, None):
                yield Step("prp-dom", ((prop, RDFS.domain, o),), (x,))
        if not isinstance(s, Literal):
            for prop in ax.range_of.get(o, ()):
                for x in facts.match(None, prop, s):
                    yield Step("prp-rng", ((prop, RDFS.range, o),), (x,))
    else:
        if p in _SCHEMA_PREDICATES:
            yield from _schema_derivations(facts, t)
        for p1 in ax.sub_props.get(p, ()):
            if holds((s, p1, o)):
                yield Step("prp-spo1", ((p1, RDFS.subPropertyOf, p),), ((s, p1, o),))
        for p1 in ax.eq_prop_back.get(p, ()):
            if holds((s, p1, o)):
                yield Step("prp-eqp1", ((p1, OWL.equivalentProperty, p),), ((s, p1, o),))
        for p2 in ax.eq_prop_fwd.get(p, ()):
            if holds((s, p2, o)):
                yield Step("prp-eqp2", ((p, OWL.equivalentProperty, p2),), ((s, p2, o),))
        if not isinstance(o, Literal):
            for p1 in ax.inverse_back.get(p, ()):
                if holds((o, p1, s)):
                    yield Step("prp-inv1", ((p1, OWL.inverseOf, p),), ((o, p1, s),))
            for p2 in ax.inverse_fwd.get(p, ()):
                if holds((o, p2, s)):
                    yield Step("prp-inv2", ((p, OWL.inverseOf, p2),), ((o, p2, s),))
            if p in ax.symmetric and holds((o, p, s)):
                yield Step("prp-symp", ((p, RDF.type, OWL.SymmetricProperty),), ((o, p, s),))
        if p in ax.transitive:
            axiom = ((p, RDF.type, OWL.TransitiveProperty),)
            # first the splits one asserted link away from s (x reportsTo m, then m onwards):
            # a chain is then proved link by link, without looking at every pair in it
            near: set[Node] = {s, o}
            for p1 in (p, *ax.sub_props.get(p, ())):
                for _, _, m in facts.asserted.triples((s, p1, None)):
                    if m not in near and holds((m, p, o)):
                        near.add(m)
                        yield Step("prp-trp", axiom, ((s, p, m), (m, p, o)))
            for _, _, m in facts.match(s, p, None):
                if m not in near and holds((m, p, o)):
                    yield Step("prp-trp", axiom, ((s, p, m), (m, p, o)))
        for axioms, steps in ax.chains.get(p, ()):
            for path in _chain_paths(facts, s, steps, o):
                yield Step("prp-spo2", axioms, path)
    if facts.has_equality:
        yield from _equality_derivations(facts, t)


def _schema_derivations(facts: Facts, t: Triple) -> Iterator[Step]:
    s, p, o = t
    holds = facts.holds
    if p in (RDFS.subClassOf, RDFS.subPropertyOf):
        rule, eq, eq1 = ((("scm-sco", OWL.equivalentClass, "scm-eqc1"))
                         if p == RDFS.subClassOf else ("scm-spo", OWL.equivalentProperty,
                                                       "scm-eqp1"))
        for _, _, m in facts.match(s, p, None):
            if m not in (s, o) and holds((m, p, o)):
                yield Step(rule, (), ((s, p, m), (m, p, o)))
        if holds((s, eq, o)):
            yield Step(eq1, (), ((s, eq, o),))
        if holds((o, eq, s)):
            yield Step(eq1, (), ((o, eq, s),))
    elif p in (OWL.equivalentClass, OWL.equivalentProperty):
        sub = RDFS.subClassOf if p == OWL.equivalentClass else RDFS.subPropertyOf
        if holds((s, sub, o)) and holds((o, sub, s)):
            yield Step("scm-eqc2" if p == OWL.equivalentClass else "scm-eqp2", (),
                       ((s, sub, o), (o, sub, s)))
    else:  # rdfs:domain, rdfs:range
        one, two = ("scm-dom1", "scm-dom2") if p == RDFS.domain else ("scm-rng1", "scm-rng2")
        for _, _, c1 in facts.match(s, p, None):
            if c1 != o and holds((c1, RDFS.subClassOf, o)):
                yield Step(one, (), ((s, p, c1), (c1, RDFS.subClassOf, o)))
        for _, _, p2 in facts.match(s, RDFS.subPropertyOf, None):
            if p2 != s and holds((p2, p, o)):
                yield Step(two, (), ((p2, p, o), (s, RDFS.subPropertyOf, p2)))


def _equality_derivations(facts: Facts, t: Triple) -> Iterator[Step]:
    s, p, o = t
    same = OWL.sameAs
    if p == same:
        if facts.holds((o, same, s)):
            yield Step("eq-sym", (), ((o, same, s),))
        for _, _, m in facts.match(s, same, None):
            if m not in (s, o) and facts.holds((m, same, o)):
                yield Step("eq-trans", (), ((s, same, m), (m, same, o)))
        return
    for s1, _, _ in facts.match(None, same, s):
        if s1 != s and facts.holds((s1, p, o)):
            yield Step("eq-rep-s", (), ((s1, same, s), (s1, p, o)))
    for p1, _, _ in facts.match(None, same, p):
        if p1 != p and facts.holds((s, p1, o)):
            yield Step("eq-rep-p", (), ((p1, same, p), (s, p1, o)))
    for o1, _, _ in facts.match(None, same, o):
        if o1 != o and facts.holds((s, p, o1)):
            yield Step("eq-rep-o", (), ((o1, same, o), (s, p, o1)))


def _chain_paths(facts: Facts, start: Node, steps: list[Node], end: Node,
                 limit: int = 64) -> Iterator[tuple[Triple, ...]]:
    """Paths start -steps[0]-> x1 ... -steps[-1]-> end (at most ``limit``)."""
    found = 0
    stack: list[tuple[Node, int, tuple[Triple, ...]]] = [(start, 0, ())]
    while stack and found < limit:
        node, i, path = stack.pop()
        if i == len(steps) - 1:
            t = (node, steps[i], end)
            if facts.holds(t):
                found += 1
                yield (*path, t)
            continue
        for x in islice(facts.match(node, steps[i], None), 256):
            stack.append((x[2], i + 1, (*path, x)))


# -- proofs --------------------------------------------------------------------------------------


@dataclass
class ProofNode:
    triple: Triple
    status: str  #: asserted, axiom, inferred, merged or unproven
    stage: int | None = None  #: 0 for asserted statements and axioms; None: not reached
    steps: list[Step] = field(default_factory=list)  #: derivations shown
    found: int = 0  #: well-founded derivations found (may exceed len(steps))
    sources: list[Source] = field(default_factory=list)


@dataclass
class Proof:
    """The explanation of one statement: a DAG of :class:`ProofNode` (shared premises once)."""

    root: Triple
    nodes: dict[Triple, ProofNode]
    limits: Limits
    truncated: bool = False

    def order(self) -> list[Triple]:
        """The statements from the root down, each once (breadth first)."""
        seen: dict[Triple, None] = {self.root: None}
        queue = deque([self.root])
        while queue:
            node = self.nodes[queue.popleft()]
            for step in node.steps:
                for prem in step.premises:
                    if prem not in seen and prem in self.nodes:
                        seen[prem] = None
                        queue.append(prem)
        return list(seen)

    @property
    def status(self) -> str:
        return self.nodes[self.root].status

    # -- JSON ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, object]:
        order = self.order()
        ids = {t: f"n{i}" for i, t in enumerate(order)}
        nodes = []
        for t in order:
            n = self.nodes[t]
            item: dict[str, object] = {"id": ids[t], "statement": triple_json(t),
                                       "text": triple_text(t), "status": n.status}
            if n.stage is not None:
                item["stage"] = n.stage
            if n.sources:
                item["sources"] = [s.to_json() for s in n.sources]
            if n.status in (INFERRED_STATUS, MERGED, UNPROVEN) or n.steps:
                item["derivations"] = [{
                    "rule": st.rule, "rule_text": RULES[st.rule],
                    "axioms": [{**triple_json(a), "text": triple_text(a)} for a in st.axioms],
                    "premises": [ids[q] for q in st.premises]} for st in n.steps]
                item["derivations_found"] = n.found
            nodes.append(item)
        return {"statement": triple_json(self.root), "text": triple_text(self.root),
                "status": self.status, "root": ids[self.root], "nodes": nodes,
                "truncated": self.truncated,
                "limits": {"derivations": self.limits.derivations,
                           "premise_derivations": self.limits.premise_derivations,
                           "scan": self.limits.scan, "explore": self.limits.explore,
                           "depth": self.limits.depth},
                "rules": OWL2RL_TABLES}

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n"

    # -- text ------------------------------------------------------------------------------

    def to_text(self) -> str:
        lines: list[str] = []
        shown: set[Triple] = set()

        def walk(t: Triple, prefix: str, first: str) -> None:
            n = self.nodes[t]
            again = t in shown and (n.steps or n.sources)
            lines.append(f"{first}{triple_text(t)}  [{n.status}]"
                         + ("  (explained above)" if again else ""))
            if again:
                return
            shown.add(t)
            for src in n.sources:
                lines.append(f"{prefix}    {_source_text(src)}")
            if n.status == UNPROVEN:
                lines.append(f"{prefix}    (no derivation found within the limits)")
            for i, st in enumerate(n.steps):
                last = i == len(n.steps) - 1
                lines.append(f"{prefix}{'└─' if last else '├─'} {st.rule}: {RULES[st.rule]}")
                inner = prefix + ("   " if last else "│  ")
                for a in st.axioms:
                    if a[1] in (RDF.first, RDF.rest):
                        continue
                    lines.append(f"{inner}   axiom: {_axiom_text(self, a)}")
                for prem in st.premises:
                    walk(prem, inner + "   ", inner + "   ")
            if n.found > len(n.steps):
                lines.append(f"{prefix}    (+{n.found - len(n.steps)} more derivations "
                             "not shown)")

        walk(self.root, "", "")
        if self.truncated:
            lines.append("(cut by the limits: some derivations are not shown)")
        return "\n".join(lines) + "\n"

    # -- RDF (PROV-O) ----------------------------------------------------------------------

    def to_graph(self) -> Graph:
        """The proof as RDF: each statement an ``rdf:Statement`` (and ``prov:Entity``), each
        derivation an ``akx:Derivation`` (a ``prov:Activity``) that ``prov:used`` its premises
        and axioms; asserted statements ``prov:hadPrimarySource`` their sentence or source
        graph, sentences with their ``akg:quote``."""
        g = Graph(bind_namespaces="none")
        bind_prefixes(g)
        g.bind("akx", AKX)
        g.bind("akxrule", RULE)
        proof = BNode()
        g.add((proof, RDF.type, AKX.Proof))
        g.add((proof, AKX.truncated, Literal(self.truncated)))
        g.add((proof, AKX.maxDerivations, Literal(self.limits.derivations)))
        order = self.order()
        ids: dict[Triple, BNode] = {t: BNode() for t in order}
        g.add((proof, AKX.explains, ids[self.root]))
        axiom_nodes: dict[Triple, BNode] = {}
        rules_used: set[str] = set()
        for t in order:
            n, node = self.nodes[t], ids[t]
            _statement(g, node, t)
            g.add((node, RDF.type, PROV.Entity))
            g.add((node, AKX.status, Literal(n.status)))
            g.add((proof, AKX.statement, node))
            if n.stage is not None:
                g.add((node, AKX.stage, Literal(n.stage)))
            if n.status in (INFERRED_STATUS, MERGED, UNPROVEN) or n.steps:
                g.add((node, AKX.derivationsFound, Literal(n.found)))
            for src in n.sources:
                graph = URIRef(src.graph)
                g.add((node, PROV.hadPrimarySource, graph))
                if src.quote is not None:
                    g.add((graph, AKG.quote, Literal(src.quote, lang=src.quote_lang)))
                for cp, co in src.catalogue:
                    g.add((graph, cp, co))
                for ref in src.references:
                    g.add((graph, PROV.wasDerivedFrom, URIRef(ref)))
            for st in n.steps:
                d = BNode()
                rules_used.add(st.rule)
                g.add((d, RDF.type, AKX.Derivation))
                g.add((d, RDF.type, PROV.Activity))
                g.add((d, AKX.rule, RULE[st.rule]))
                g.add((node, PROV.wasGeneratedBy, d))
                for prem in st.premises:
                    g.add((d, AKX.premise, ids[prem]))
                    g.add((d, PROV.used, ids[prem]))
                    g.add((node, PROV.wasDerivedFrom, ids[prem]))
                for a in st.axioms:
                    if a[1] in (RDF.first, RDF.rest):
                        g.add(a)  # the list of a property chain, as the ontology writes it
                        continue
                    if a not in axiom_nodes:
                        axiom_nodes[a] = BNode()
                        _statement(g, axiom_nodes[a], a)
                        g.add((axiom_nodes[a], RDF.type, AKX.Axiom))
                        g.add((axiom_nodes[a], PROV.hadPrimarySource, ONTOLOGY))
                    g.add((d, AKX.axiom, axiom_nodes[a]))
                    g.add((d, PROV.used, axiom_nodes[a]))
        for rule in sorted(rules_used):
            g.add((RULE[rule], RDF.type, AKX.Rule))
            g.add((RULE[rule], RDFS.label, Literal(rule)))
            g.add((RULE[rule], RDFS.comment, Literal(RULES[rule], lang="en")))
            g.add((RULE[rule], RDFS.seeAlso, URIRef(OWL2RL_TABLES)))
        return g

    def to_turtle(self) -> str:
        return self.to_graph().serialize(format="turtle")


def _statement(g: Graph, node: BNode, t: Triple) -> None:
    g.add((node, RDF.type, RDF.Statement))
    g.add((node, RDF.subject, t[0]))
    g.add((node, RDF.predicate, t[1]))
    g.add((node, RDF.object, t[2]))


def explain(facts: Facts, triple: Triple, limits: Limits | None = None) -> Proof:
    """The explanation of ``triple``; ``KGError(NOT_FOUND)`` when the dataset does not hold it."""
    limits = limits or Limits()
    if facts.status(triple) is None:
        raise KGError(ErrorKind.NOT_FOUND,
                      f"the dataset does not contain the statement {triple_text(triple)}")
    search = _Search(facts, limits, triple)
    search.prove(triple)
    nodes: dict[Triple, ProofNode] = {}
    queue = deque([triple])
    while queue:
        t = queue.popleft()
        if t in nodes:
            continue
        found = search.done.get(t)
        status = facts.status(t) or UNPROVEN
        if found is None:
            nodes[t] = ProofNode(t, UNPROVEN if status == INFERRED_STATUS else status)
            continue
        stage, steps, count = found
        nodes[t] = ProofNode(t, status, stage, list(steps), count)
        for step in steps:
            queue.extend(q for q in step.premises if q not in nodes)
    root = nodes[triple]
    truncated = search.truncated or root.found > len(root.steps)
    _attach_sources(facts, nodes)
    return Proof(triple, nodes, limits, truncated)


class _Search:
    """Depth first, best candidates first: a statement is proved by the first derivations whose
    premises are all proved without it (the statements being proved are the path, and a
    derivation through one of them is skipped), so every proof found is well founded. Proofs
    found are kept (a premise shared by several steps is proved once); failures are not, as
    one may be due to the path only. ``stage`` is the height of a proof: 0 for asserted
    statements and axioms, else 1 + the highest premise of the derivations shown."""

    def __init__(self, facts: Facts, limits: Limits, root: Triple) -> None:
        self.facts, self.limits, self.root = facts, limits, root
        #: statement -> (stage, derivations shown, derivations found)
        self.done: dict[Triple, tuple[int, list[Step], int]] = {}
        self.path: set[Triple] = set()
        self.expanded = 0
        self.truncated = False

    def prove(self, t: Triple) -> int | None:
        found = self.done.get(t)
        if found is not None:
            return found[0]
        status = self.facts.status(t)
        is_root = t == self.root
        if status in (ASSERTED_STATUS, AXIOM):  # its sources (or the ontology) say it all
            self.done[t] = (0, [], 0)
            return 0
        if status is None or t in self.path:
            return None
        if self.expanded >= self.limits.explore or len(self.path) >= self.limits.depth:
            self.truncated = True
            return None
        self.expanded += 1
        want = self.limits.derivations if is_root else self.limits.premise_derivations
        # the statement asked about: every candidate (up to `scan`), to count them; a premise:
        # a few at a time, cheapest first, until one is proved
        batch_size = self.limits.scan if is_root else 3
        candidates = derivations(self.facts, t)
        self.path.add(t)
        shown: list[tuple[int, Step]] = []
        count = scanned = 0
        try:
            while len(shown) < want or is_root:
                batch = list(islice(candidates, min(batch_size, self.limits.scan - scanned)))
                if not batch:
                    break
                scanned += len(batch)
                if scanned >= self.limits.scan:
                    self.truncated = True
                batch.sort(key=self._cost)
                for step in batch:
                    if t in step.premises or any(q in self.path for q in step.premises):
                        continue
                    if len(shown) >= want:
                        count += 1  # each premise holds, so this is one more derivation
                        continue
                    stages = []
                    for q in step.premises:
                        r = self.prove(q)
                        if r is None:
                            break
                        stages.append(r)
                    else:
                        shown.append((max(stages, default=0), step))
                        count += 1
        finally:
            self.path.discard(t)
        if not shown:
            if status == MERGED:  # a merged source's statement, as joined: its source says it
                self.done[t] = (0, [], 0)
                return 0
            return None
        shown.sort(key=lambda x: (x[0], x[1].rule))
        self.done[t] = (1 + max(r for r, _ in shown), [st for _, st in shown],
                        max(count, len(shown)))
        return self.done[t][0]

    def _cost(self, step: Step) -> tuple[int, int]:
        """Cheapest first: premises already proved or asserted cost nothing, a premise one
        sub-property step away from an asserted statement a little, the rest more."""
        facts, cost = self.facts, 0
        for q in step.premises:
            if q in self.done or facts.status(q) in (ASSERTED_STATUS, AXIOM):
                continue
            s, p, o = q
            near = p != RDF.type and any(
                facts.status((s, p1, o)) == ASSERTED_STATUS
                for p1 in facts.axioms.sub_props.get(p, ()))
            cost += 1 if near else 3
        return (cost, len(step.premises))


#: statements that two IRIs name the same thing (merge.py smushes along them)
LINKS = (OWL.sameAs, URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"),
         URIRef("https://schema.org/sameAs"))


def _aliases(facts: Facts, node: Node, limit: int = 16) -> list[Node]:
    """``node`` and the IRIs linked to it (either way): what a merged source may call it."""
    out: dict[Node, None] = {node: None}
    if isinstance(node, URIRef):
        for link in LINKS:
            for _, _, o in islice(facts.match(node, link, None), limit):
                out[o] = None
            for s, _, _ in islice(facts.match(None, link, node), limit):
                out[s] = None
    return list(out)[:limit]


def _attach_sources(facts: Facts, nodes: Mapping[Triple, ProofNode]) -> None:
    leaves = [t for t, n in nodes.items() if n.status in (ASSERTED_STATUS, MERGED)]
    if not leaves:
        return
    located = {t: list(gs) for t, gs in facts.locate(leaves).items()}
    # a merged statement is joined under our IRIs: its source has it under its own
    spelled: dict[Triple, list[Triple]] = {}
    for t in leaves:
        if nodes[t].status == MERGED and not located.get(t):
            s, p, o = t
            spelled[t] = [(s2, p, o2) for s2 in _aliases(facts, s) for o2 in _aliases(facts, o)
                          if (s2, p, o2) != t]
    if spelled:
        found = facts.locate([x for xs in spelled.values() for x in xs])
        for t, xs in spelled.items():
            located[t] = sorted({g for x in xs for g in found.get(x, ())})
    graphs = sorted({g for gs in located.values() for g in gs})
    described = facts.describe(graphs) if graphs else {}
    for t in leaves:
        nodes[t].sources = [described.get(g) or Source(g, "graph")
                            for g in sorted(located.get(t, ()))]


# -- checking a proof ----------------------------------------------------------------------------


def conclusions(rule: str, axioms: Sequence[Triple], premises: Sequence[Triple]) -> set[Triple]:
    """What ``rule`` concludes from exactly these axioms and premises (empty when they do not
    fit its pattern). Written from the OWL 2 RL tables, independently of :func:`derivations`,
    so that :func:`verify` checks the search rather than repeating it."""
    A, P = list(axioms), list(premises)
    out: set[Triple] = set()
    if rule in ("prp-dom", "prp-rng") and len(A) == 1 and len(P) == 1:
        (prop, kind, c), (x, p, y) = A[0], P[0]
        if prop == p and kind == (RDFS.domain if rule == "prp-dom" else RDFS.range):
            out.add((x if rule == "prp-dom" else y, RDF.type, c))
    elif rule == "prp-symp" and len(A) == 1 and len(P) == 1:
        if A[0][1:] == (RDF.type, OWL.SymmetricProperty) and P[0][1] == A[0][0]:
            out.add((P[0][2], P[0][1], P[0][0]))
    elif rule == "prp-trp" and len(A) == 1 and len(P) == 2:
        (x, p, y), (y2, p2, z) = P
        if A[0][1:] == (RDF.type, OWL.TransitiveProperty) and p == p2 == A[0][0] and y == y2:
            out.add((x, p, z))
    elif rule in ("prp-spo1", "prp-eqp1", "prp-eqp2", "prp-inv1", "prp-inv2") \
            and len(A) == 1 and len(P) == 1:
        (p1, kind, p2), (x, p, y) = A[0], P[0]
        want = {"prp-spo1": (RDFS.subPropertyOf, p1, p2, False),
                "prp-eqp1": (OWL.equivalentProperty, p1, p2, False),
                "prp-eqp2": (OWL.equivalentProperty, p2, p1, False),
                "prp-inv1": (OWL.inverseOf, p1, p2, True),
                "prp-inv2": (OWL.inverseOf, p2, p1, True)}[rule]
        if kind == want[0] and p == want[1]:
            out.add((y, want[2], x) if want[3] else (x, want[2], y))
    elif rule == "prp-spo2" and A and A[0][1] == OWL.propertyChainAxiom:
        head, _, lst = A[0]
        links = {(t[0], t[1]): t[2] for t in A[1:]}
        steps: list[Node] = []
        node = lst
        while node != RDF.nil and (node, RDF.first) in links and len(steps) <= len(A):
            steps.append(links[(node, RDF.first)])
            node = links[(node, RDF.rest)]
        if node == RDF.nil and len(steps) == len(P) and all(
                P[i][1] == steps[i] for i in range(len(P))) and all(
                P[i][2] == P[i + 1][0] for i in range(len(P) - 1)):
            out.add((P[0][0], head, P[-1][2]))
    elif rule in ("cax-sco", "cax-eqc1", "cax-eqc2") and len(A) == 1 and len(P) == 1:
        (c1, kind, c2), (x, t, c) = A[0], P[0]
        if t == RDF.type:
            if rule == "cax-sco" and kind == RDFS.subClassOf and c == c1:
                out.add((x, RDF.type, c2))
            if rule == "cax-eqc1" and kind == OWL.equivalentClass and c == c1:
                out.add((x, RDF.type, c2))
            if rule == "cax-eqc2" and kind == OWL.equivalentClass and c == c2:
                out.add((x, RDF.type, c1))
    elif rule in ("scm-sco", "scm-spo", "eq-trans") and not A and len(P) == 2:
        pred = {"scm-sco": RDFS.subClassOf, "scm-spo": RDFS.subPropertyOf,
                "eq-trans": OWL.sameAs}[rule]
        (a, p, b), (b2, p2, c) = P
        if p == p2 == pred and b == b2:
            out.add((a, pred, c))
    elif rule in ("scm-eqc1", "scm-eqp1") and not A and len(P) == 1:
        eq, sub = ((OWL.equivalentClass, RDFS.subClassOf) if rule == "scm-eqc1"
                   else (OWL.equivalentProperty, RDFS.subPropertyOf))
        a, p, b = P[0]
        if p == eq:
            out |= {(a, sub, b), (b, sub, a)}
    elif rule in ("scm-eqc2", "scm-eqp2") and not A and len(P) == 2:
        eq, sub = ((OWL.equivalentClass, RDFS.subClassOf) if rule == "scm-eqc2"
                   else (OWL.equivalentProperty, RDFS.subPropertyOf))
        (a, p, b), (b2, p2, a2) = P
        if p == p2 == sub and (a, b) == (a2, b2):
            out.add((a, eq, b))
    elif rule in ("scm-dom1", "scm-rng1") and not A and len(P) == 2:
        kind = RDFS.domain if rule == "scm-dom1" else RDFS.range
        (prop, k, c1), (c1b, sco, c2) = P
        if k == kind and sco == RDFS.subClassOf and c1 == c1b:
            out.add((prop, kind, c2))
    elif rule in ("scm-dom2", "scm-rng2") and not A and len(P) == 2:
        kind = RDFS.domain if rule == "scm-dom2" else RDFS.range
        (p2, k, c), (p1, spo, p2b) = P
        if k == kind and spo == RDFS.subPropertyOf and p2 == p2b:
            out.add((p1, kind, c))
    elif rule == "eq-sym" and not A and len(P) == 1 and P[0][1] == OWL.sameAs:
        out.add((P[0][2], OWL.sameAs, P[0][0]))
    elif rule in ("eq-rep-s", "eq-rep-p", "eq-rep-o") and not A and len(P) == 2:
        (a, same, b), (s, p, o) = P
        if same == OWL.sameAs:
            if rule == "eq-rep-s" and s == a:
                out.add((b, p, o))
            if rule == "eq-rep-p" and p == a:
                out.add((s, b, o))
            if rule == "eq-rep-o" and o == a:
                out.add((s, p, b))
    return out


def verify(proof: Proof, facts: Facts) -> list[str]:
    """What is wrong with a proof (nothing, for a good one): every step must be a valid
    application of its rule to its axioms (triples of the ontology) and premises (statements
    of the dataset, explained in the proof), stages must decrease along every step, and every
    leaf must be an ontology axiom or an asserted statement (with its sources, if it has any)."""
    problems: list[str] = []
    for t, n in proof.nodes.items():
        name = triple_text(t)
        if facts.status(t) is None:
            problems.append(f"{name}: not in the dataset")
        if n.status == UNPROVEN:
            problems.append(f"{name}: no derivation found")
        if n.status == INFERRED_STATUS and not n.steps:
            problems.append(f"{name}: inferred, but no derivation is given")
        for st in n.steps:
            if st.rule not in RULES:
                problems.append(f"{name}: unknown rule {st.rule}")
                continue
            if t not in conclusions(st.rule, st.axioms, st.premises):
                problems.append(f"{name}: not what {st.rule} concludes from its premises")
            for a in st.axioms:
                if a not in facts.axioms.triples:
                    problems.append(f"{name}: {st.rule} uses {triple_text(a)}, not an axiom")
            for q in st.premises:
                child = proof.nodes.get(q)
                if child is None:
                    problems.append(f"{name}: premise {triple_text(q)} is not explained")
                    continue
                if n.stage is None or child.stage is None or child.stage >= n.stage:
                    problems.append(f"{name}: premise {triple_text(q)} does not come earlier")
        if not n.steps and n.status not in (ASSERTED_STATUS, AXIOM, MERGED):
            problems.append(f"{name}: a leaf that is neither asserted nor an axiom")
        if n.status in (ASSERTED_STATUS, AXIOM) and n.stage != 0:
            problems.append(f"{name}: a leaf not at stage 0")
    return problems


# -- what depends on a sentence ------------------------------------------------------------------


@dataclass
class Dependents:
    """What retracting a sentence (or any source graph) would take away."""

    graph: str
    #: asserted statements no other graph states (they would leave the asserted graph)
    asserted: list[Triple]
    #: of those, the ones still derivable from what remains (they would stay, as inferred)
    still_derivable: list[Triple]
    #: inferred statements that would disappear
    inferred: list[Triple]
    #: statements of the graph also stated by another graph (they keep a source)
    kept: list[Triple]
    truncated: bool = False

    def to_json(self) -> dict[str, object]:
        def rows(ts: Iterable[Triple]) -> list[dict[str, object]]:
            return [{**triple_json(t), "text": triple_text(t)} for t in _sorted(ts)]

        return {"graph": self.graph, "asserted": rows(self.asserted),
                "still_derivable": rows(self.still_derivable), "inferred": rows(self.inferred),
                "kept": rows(self.kept), "truncated": self.truncated}

    def to_text(self) -> str:
        out = [f"retracting {compact(URIRef(self.graph))} would remove:"]
        for title, ts in (("asserted (stated by this graph only)", self.asserted),
                          ("inferred (no derivation left)", self.inferred),
                          ("stated by another graph too (kept)", self.kept)):
            out.append(f"{title}: {len(ts)}")
            out += [f"  {triple_text(t)}"
                    + ("  (still derivable)" if t in self.still_derivable else "")
                    for t in _sorted(ts)]
        if self.truncated:
            out.append("(cut at the limit: there may be more)")
        return "\n".join(out) + "\n"


def consequences(facts: Facts, t: Triple) -> Iterator[Triple]:
    """The conclusions of the rule instances with ``t`` as a data premise (on ``facts``)."""
    s, p, o = t
    ax = facts.axioms
    if p == RDF.type:
        for d in ax.super_classes.get(o, ()):
            yield (s, RDF.type, d)
        for d in ax.eq_class_fwd.get(o, ()):
            yield (s, RDF.type, d)
        for d in ax.eq_class_back.get(o, ()):
            yield (s, RDF.type, d)
        return
    for c in ax.domains.get(p, ()):
        yield (s, RDF.type, c)
    for q in (*ax.super_props.get(p, ()), *ax.eq_prop_fwd.get(p, ()),
              *ax.eq_prop_back.get(p, ())):
        yield (s, q, o)
    if not isinstance(o, Literal):
        for c in ax.ranges.get(p, ()):
            yield (o, RDF.type, c)
        for q in (*ax.inverse_fwd.get(p, ()), *ax.inverse_back.get(p, ())):
            yield (o, q, s)
        if p in ax.symmetric:
            yield (o, p, s)
    if p in ax.transitive:
        for _, _, x in facts.match(o, p, None):
            yield (s, p, x)
        for y, _, _ in facts.match(None, p, s):
            yield (y, p, o)
    for head, steps, i in ax.in_chain.get(p, ()):
        starts = [s]
        for step in reversed(steps[:i]):
            starts = [a for x in starts for a, _, _ in islice(facts.match(None, step, x), 256)]
        ends = [o]
        for step in steps[i + 1:]:
            ends = [b for x in ends for _, _, b in islice(facts.match(x, step, None), 256)]
        yield from ((a, head, b) for a in starts for b in ends)
    if p == OWL.sameAs:
        yield (o, p, s)


def dependents(facts: Facts, graph: str, statements: Iterable[Triple],
               stated_elsewhere: Callable[[Sequence[Triple]], set[Triple]],
               limit: int = 10000) -> Dependents:
    """What would lose support if ``graph`` (its ``statements``) were retracted.

    ``stated_elsewhere`` tells which of them another named graph also states (they keep a
    source). The rest leave the asserted graph; the inferred statements that then have no
    derivation left (delete and rederive: over-delete every consequence, put back what still
    has a derivation from what remains, to a fixpoint) are the inferred dependents."""
    mine = [t for t in statements if t in facts.asserted]
    kept_set = stated_elsewhere(mine) if mine else set()
    removed = [t for t in mine if t not in kept_set]
    doomed: dict[Triple, None] = dict.fromkeys(removed)
    queue = deque(removed)
    truncated = False
    while queue:
        t = queue.popleft()
        for c in consequences(facts, t):
            if c in doomed or c in facts.asserted or c in facts.axioms.triples:
                continue
            if not facts.holds(c):
                continue
            if len(doomed) >= limit:
                truncated = True
                break
            doomed[c] = None
            queue.append(c)
    alive: set[Triple] = set()
    changed = True
    while changed:
        changed = False
        for t in doomed:
            if t in alive:
                continue
            for step in islice(derivations(facts, t), 10000):
                if all((q not in doomed or q in alive) and q != t for q in step.premises):
                    alive.add(t)
                    changed = True
                    break
    removed_set = set(removed)
    return Dependents(
        graph=graph, asserted=_sorted(removed), still_derivable=_sorted(alive & removed_set),
        inferred=_sorted(t for t in doomed if t not in removed_set and t not in alive),
        kept=_sorted(kept_set), truncated=truncated)


# -- terms ---------------------------------------------------------------------------------------


def term_json(t: Node) -> dict[str, str]:
    """A term as in SPARQL JSON results."""
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, BNode):
        return {"type": "bnode", "value": str(t)}
    assert isinstance(t, Literal)
    out = {"type": "literal", "value": str(t)}
    if t.language:
        out["xml:lang"] = t.language
    elif t.datatype is not None:
        out["datatype"] = str(t.datatype)
    return out


def triple_json(t: Triple) -> dict[str, object]:
    return {"subject": term_json(t[0]), "predicate": term_json(t[1]), "object": term_json(t[2])}


def triple_text(t: Triple) -> str:
    return " ".join("a" if i == 1 and x == RDF.type else compact(x) for i, x in enumerate(t))


def _sorted(ts: Iterable[Triple]) -> list[Triple]:
    return sorted(set(ts), key=lambda t: tuple(x.n3() for x in t))


def _source_text(src: Source) -> str:
    name = compact(URIRef(src.graph))
    if src.quote is not None:
        return f"{name}: \u201c{src.quote}\u201d"
    if src.catalogue:
        origin = next((str(o) for p, o in src.catalogue if str(p).endswith("source")), None)
        return f"{name} (merged source{': ' + origin if origin else ''})"
    if src.references:
        return f"{name} (editorial, from {', '.join(src.references)})"
    if src.kind == "article":
        return f"{name} (the article's own text)"
    return name


def _axiom_text(proof: Proof, a: Triple) -> str:
    if a[1] == OWL.propertyChainAxiom:
        return f"{compact(a[0])} owl:propertyChainAxiom (…)"
    return triple_text(a)


def parse_term(text: str, *, position: str) -> Node:
    """A term given by a person: ``<iri>``, ``prefix:local`` with one of our prefixes, an
    absolute IRI, or a literal in N-Triples/Turtle syntax (``"x"@en``, ``"5"^^xsd:integer``)."""
    text = text.strip()
    if not text:
        raise KGError(ErrorKind.BAD_INPUT, f"the {position} is empty")
    if text.startswith("<") and text.endswith(">"):
        return _checked_iri(text[1:-1], position)
    if text.startswith('"') or text.startswith("'"):
        if position != "object":
            raise KGError(ErrorKind.BAD_INPUT, f"the {position} cannot be a literal")
        prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
        try:
            g = rdflib.Graph().parse(data=f"{prefixes}<urn:x:s> <urn:x:p> {text} .",
                                     format="turtle")
        except Exception as exc:
            raise KGError(ErrorKind.BAD_INPUT, f"the {position} is not a literal: {exc}") \
                from None
        values = list(g.objects())
        if len(values) != 1 or not isinstance(values[0], Literal):
            raise KGError(ErrorKind.BAD_INPUT, f"the {position} is not one literal")
        return values[0]
    if text.startswith("_:"):
        raise KGError(ErrorKind.BAD_INPUT, "blank nodes cannot be named across requests")
    prefix, sep, local = text.partition(":")
    if sep and prefix in PREFIXES:
        return _checked_iri(PREFIXES[prefix] + local, position)
    if text == "a" and position == "predicate":
        return RDF.type
    if sep and prefix.isascii() and prefix[:1].isalpha():
        return _checked_iri(text, position)
    raise KGError(ErrorKind.BAD_INPUT,
                  f"the {position} {text!r} is neither an IRI nor a prefixed name")


def _checked_iri(iri: str, position: str) -> URIRef:
    import pyoxigraph as ox

    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        raise KGError(ErrorKind.BAD_INPUT, f"the {position} is not a valid IRI: {exc}") \
            from None
    return URIRef(iri)


def parse_iri(text: str, position: str) -> str:
    """An IRI given by a person (``<iri>``, ``prefix:local`` or absolute), checked."""
    term = parse_term(text, position=position if position != "object" else "IRI")
    if not isinstance(term, URIRef):
        raise KGError(ErrorKind.BAD_INPUT, f"the {position} must be an IRI")
    return str(term)


def parse_triple(s: str, p: str, o: str) -> Triple:
    return (parse_term(s, position="subject"), parse_term(p, position="predicate"),
            parse_term(o, position="object"))


# -- adapters: an rdflib dataset (the CLI), a store (the service) ---------------------------------


def dataset_facts(ds: rdflib.Dataset, axioms: Axioms | None = None) -> Facts:
    """Facts over an in-memory dataset (the built TriG plus merged sources)."""
    def graph(name: URIRef) -> Graph:
        return ds.graph(name)

    def locate(triples: Sequence[Triple]) -> dict[Triple, list[str]]:
        out: dict[Triple, list[str]] = {}
        for t in triples:
            names = {str(getattr(c, "identifier", c))
                     for _, _, _, c in ds.quads((t[0], t[1], t[2], None))}
            out[t] = sorted(n for n in names if n not in SYSTEM_GRAPHS
                            and not n.startswith("urn:x-rdflib:"))
        return out

    def describe(graphs: Sequence[str]) -> dict[str, Source]:
        asserted, catalogue = graph(ASSERTED), graph(CATALOGUE)
        return {g: source_of(g, asserted.objects(URIRef(g), AKG.quote),
                             catalogue.predicate_objects(URIRef(g)),
                             asserted.predicate_objects(URIRef(g))) for g in graphs}

    joined = graph(JOINED)
    return Facts(graph(ASSERTED), graph(INFERRED), axioms or Axioms(graph(ONTOLOGY)),
                 joined=joined if len(joined) else None, locate=locate, describe=describe)


def source_of(g: str, quotes: Iterable[Node], catalogue: Iterable[tuple[Node, Node]],
              about: Iterable[tuple[Node, Node]] = ()) -> Source:
    """What graph ``g`` is, from its quotes, its catalogue entry (a merged source) and what the
    data says about it (``about``: its types, ``prov:wasDerivedFrom``, ``rdfs:label``)."""
    qs = sorted((q for q in quotes if isinstance(q, Literal)),
                key=lambda q: (q.language != "en", str(q)))
    if qs:
        return Source(g, "sentence", str(qs[0]), qs[0].language)
    entry = sorted(catalogue, key=lambda po: (str(po[0]), str(po[1])))
    if entry or g.startswith(SOURCE_GRAPH_PREFIX):
        return Source(g, "source", catalogue=entry)
    facts = list(about)
    refs = sorted(str(o) for p, o in facts if p == PROV.wasDerivedFrom and isinstance(o, URIRef))
    labels = sorted((o for p, o in facts if p == RDFS.label and isinstance(o, Literal)),
                    key=lambda o: (o.language != "en", str(o)))
    label = str(labels[0]) if labels else None
    if refs:
        return Source(g, "editorial", references=refs, label=label)
    if (RDF.type, AKG.Article) in facts:
        return Source(g, "article", label=label)
    return Source(g, "graph")
