"""Keep the OWL 2 RL inferred graph current as asserted triples come and go, at a cost that grows
with the change rather than with the dataset.

:class:`Materialization` holds exactly what ``infer(asserted, ontology, semantics="owlrl-fast")``
(:func:`.fastreason.inferred`) returns, and :meth:`Materialization.apply` moves it to the answer
for the changed data, reporting which inferred triples appeared and disappeared (:class:`Change`).
It runs the rules :mod:`.fastreason` compiles from the ontology's closed TBox (its
:class:`~.fastreason.Schema` and :class:`~.fastreason.Rules`, shared, so both paths apply one
rule set) in two strata, as fastreason does:

* **Properties** (prp-spo1, prp-inv1/2, prp-symp, prp-trp, prp-spo2): recursive rules. An
  insertion is chained forward from the new triples only (semi-naive: each new fact is joined
  once with the facts present). A deletion uses **delete-and-rederive** (DRed): over-delete
  everything with a derivation through a removed fact, put back the over-deleted facts that
  still have a one-step derivation from what remains (or are still asserted), then chain
  forward from those. Derivation counting is not used here because the rules are recursive:
  ``a alliedWith b`` and its symmetric twin support each other, as do the pairs of a
  transitive cycle, so their counts would never reach zero once the asserted premise went.
* **Types** (prp-dom, prp-rng, cax-sco with the closed class hierarchy): not recursive (a type
  never feeds a property rule), so each ``(node, class)`` keeps a **count** of its derivations
  (asserted type, one per domain or range use); the superclasses follow from the classes with a
  non-zero count. Counting is exact here and avoids rederivation searches over a hub's many
  incoming links, which DRed would need.

Clashes (cax-dw, cls-nothing2, prp-irp, prp-asyp) are checked on the facts and types that
appeared: the previous state was consistent, so any clash involves one of them. A clash raises
``KGError(INCONSISTENT)`` with fastreason's messages after undoing the change (applying its
inverse), so the materialization is left as it was.

Whatever the compiled rules do not cover is recomputed in full (``Change.full``, with the reason):
an ontology fastreason sends to its general path, a schema statement in the data, a functional
property that gains a second value (``owl:sameAs`` follows), a vocabulary type entailed for data,
a blank node shared with the ontology entering or leaving the data, and a new ontology
(:meth:`Materialization.set_ontology`). While the data stays outside the rules every change is
recomputed in full; once it is back inside, changes are incremental again.

Terms are numbered once and never forgotten: a long-running process that sees many distinct
terms come and go keeps their numbers (a few dozen bytes each) until it rebuilds.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDFS
from rdflib.term import Node

from ..errors import KGError
from ..namespaces import bind_prefixes
from . import fastreason
from .fastreason import (
    Fallback,
    Rules,
    chain_pairs,
    data_fallback,
    raise_clashes,
    schema_of,
    term_key,
    vocabulary_type,
)
from .names import compact
from .reason import LINK_PREDICATES, VOCABULARIES, noise_reason

Triple = tuple[Node, Node, Node]
Code = tuple[int, int, int]

_NO_INTS: frozenset[int] = frozenset()
#: predicates whose triples may be noise even between named non-vocabulary terms
_SUSPICIOUS = LINK_PREDICATES | {RDFS.domain, RDFS.range}


@dataclass(frozen=True)
class Change:
    """What one :meth:`Materialization.apply` did.

    ``appeared``/``disappeared``: inferred triples new to / gone from the inferred graph.
    ``added``/``removed``: asserted triples that really changed (re-asserting a triple or
    removing one that was not asserted changes nothing). ``full``: the change was recomputed in
    full rather than incrementally, for ``reason``.
    """

    appeared: frozenset[Triple] = frozenset()
    disappeared: frozenset[Triple] = frozenset()
    added: frozenset[Triple] = frozenset()
    removed: frozenset[Triple] = frozenset()
    full: bool = False
    reason: str = ""


class _Terms:
    """Numbers for terms, so the rules join and index on ints."""

    def __init__(self) -> None:
        self.ids: dict[object, int] = {}
        self.terms: list[Node] = []
        self.literal: list[bool] = []

    def code(self, term: Node) -> int:
        k = term_key(term)
        n = self.ids.get(k)
        if n is None:
            n = self.ids[k] = len(self.terms)
            self.terms.append(term)
            self.literal.append(isinstance(term, Literal))
        return n

    def encode(self, t: Triple) -> Code:
        return (self.code(t[0]), self.code(t[1]), self.code(t[2]))

    def find(self, t: Triple) -> Code | None:
        ids = self.ids
        s, p, o = ids.get(term_key(t[0])), ids.get(term_key(t[1])), ids.get(term_key(t[2]))
        if s is None or p is None or o is None:
            return None
        return (s, p, o)

    def decode(self, c: Code) -> Triple:
        terms = self.terms
        return (terms[c[0]], terms[c[1]], terms[c[2]])


class _Engine:
    """The closure of asserted + ontology under the compiled rules, with the indexes that let it
    follow a delta: the facts, both directions of every joined or functional predicate, and the
    per-node class counts of the type stratum."""

    def __init__(self, rules: Rules, terms: _Terms, asserted: set[Code],
                 ontology: set[Code]) -> None:
        self.rules, self.terms = rules, terms
        self.asserted, self.ontology = asserted, ontology
        self.facts: set[Code] = set()
        joined = rules.indexed | rules.functional | rules.inverse_functional
        self.out: dict[int, dict[int, set[int]]] = {p: {} for p in joined}
        self.inn: dict[int, dict[int, set[int]]] = {p: {} for p in joined}
        self.subs: dict[int, list[int]] = {}
        for p, qs in rules.supers.items():
            for q in qs:
                self.subs.setdefault(q, []).append(p)
        self.by_head: dict[int, list[list[int]]] = {}
        for head, steps in rules.chains:
            self.by_head.setdefault(head, []).append(steps)
        #: node -> class -> number of derivations (asserted type, domain, range uses)
        self.counts: dict[int, dict[int, int]] = {}
        self._supstar: dict[int, frozenset[int]] = {}
        #: during a change: each fact touched -> was it a fact before; each node whose counts
        #: moved -> its classes before
        self.touched: dict[Code, bool] | None = None
        self.before: dict[int, frozenset[int]] | None = None

    # -- types -----------------------------------------------------------------------------

    def supstar(self, c: int) -> frozenset[int]:
        """c and its superclasses."""
        found = self._supstar.get(c)
        if found is None:
            found = self._supstar[c] = frozenset((c, *self.rules.superclasses.get(c, ())))
        return found

    def types_of(self, s: int, classes: Iterable[int] | None = None) -> set[int]:
        out: set[int] = set()
        for c in self.counts.get(s, {}) if classes is None else classes:
            out |= self.supstar(c)
        return out

    def has_type(self, s: int, d: int) -> bool:
        return any(d in self.supstar(c) for c in self.counts.get(s, ()))

    def _bump(self, s: int, c: int, d: int) -> None:
        row = self.counts.get(s)
        before = self.before
        if before is not None and s not in before:
            before[s] = frozenset(row) if row else _NO_INTS
        if row is None:
            row = self.counts[s] = {}
        n = row.get(c, 0) + d
        if n:
            row[c] = n
        else:
            del row[c]
            if not row:
                del self.counts[s]

    def _count(self, t: Code, d: int) -> None:
        s, p, o = t
        rules = self.rules
        if p == rules.type_id:
            self._bump(s, o, d)
        for c in rules.domains.get(p, ()):
            self._bump(s, c, d)
        if not self.terms.literal[o]:
            for c in rules.ranges.get(p, ()):
                self._bump(o, c, d)

    # -- properties ------------------------------------------------------------------------

    def insert(self, seeds: Iterable[Code]) -> None:
        """Add facts and chain forward from them (semi-naive: each new fact joined once)."""
        rules, facts, literal = self.rules, self.facts, self.terms.literal
        type_id, supers, inverses = rules.type_id, rules.supers, rules.inverses
        symmetric, transitive, in_chain = rules.symmetric, rules.transitive, rules.in_chain
        out, inn, touched = self.out, self.inn, self.touched
        queue = [t for t in seeds if t not in facts]
        while queue:
            t = queue.pop()
            if t in facts:
                continue
            if touched is not None and t not in touched:
                touched[t] = False
            facts.add(t)
            self._count(t, 1)
            s, p, o = t
            if p == type_id:
                continue
            if p in out:
                out[p].setdefault(s, set()).add(o)
                inn[p].setdefault(o, set()).add(s)
            for q in supers.get(p, ()):
                queue.append((s, q, o))
            if not literal[o]:
                for q in inverses.get(p, ()):
                    queue.append((o, q, s))
                if p in symmetric:
                    queue.append((o, p, s))
            if p in transitive:
                queue.extend((s, p, x) for x in out[p].get(o, ()))
                queue.extend((y, p, o) for y in inn[p].get(s, ()))
            for head, steps, i in in_chain.get(p, ()):
                queue.extend((a, head, b)
                             for a, b in chain_pairs(self.out, self.inn, steps, i, s, o))

    def _consequences(self, t: Code) -> Iterator[Code]:
        """The conclusions of every rule instance with ``t`` as a premise (on the current facts)."""
        s, p, o = t
        rules = self.rules
        if p == rules.type_id:
            return
        for q in rules.supers.get(p, ()):
            yield (s, q, o)
        if not self.terms.literal[o]:
            for q in rules.inverses.get(p, ()):
                yield (o, q, s)
            if p in rules.symmetric:
                yield (o, p, s)
        if p in rules.transitive:
            yield from ((s, p, x) for x in self.out[p].get(o, ()))
            yield from ((y, p, o) for y in self.inn[p].get(s, ()))
        for head, steps, i in rules.in_chain.get(p, ()):
            yield from ((a, head, b)
                        for a, b in chain_pairs(self.out, self.inn, steps, i, s, o))

    def _derivable(self, t: Code) -> bool:
        """Does ``t`` have a one-step derivation from the current facts (or is it given)?"""
        if t in self.asserted or t in self.ontology:
            return True
        s, q, o = t
        rules, facts, type_id = self.rules, self.facts, self.rules.type_id
        for p in self.subs.get(q, ()):
            if p != type_id and (s, p, o) in facts:
                return True
        if not self.terms.literal[s]:
            for p in rules.inverses.get(q, ()):
                if p != type_id and (o, p, s) in facts:
                    return True
            if q in rules.symmetric and q != type_id and (o, q, s) in facts:
                return True
        if q in rules.transitive:
            after, before = self.out[q].get(s), self.inn[q].get(o)
            if after and before and not after.isdisjoint(before):
                return True
        for steps in self.by_head.get(q, ()):
            ends = {s}
            for step in steps:
                ends = {b for x in ends for b in self.out[step].get(x, ())}
                if not ends:
                    break
            if o in ends:
                return True
        return False

    def _remove(self, t: Code) -> None:
        if self.touched is not None:
            self.touched.setdefault(t, True)
        self.facts.discard(t)
        self._count(t, -1)
        s, p, o = t
        if p in self.out and p != self.rules.type_id:
            targets, sources = self.out[p][s], self.inn[p][o]
            targets.discard(o)
            sources.discard(s)
            if not targets:
                del self.out[p][s]
            if not sources:
                del self.inn[p][o]

    def delete(self, seeds: Iterable[Code]) -> None:
        """Delete-and-rederive: seeds are facts no longer given."""
        facts = self.facts
        doomed: set[Code] = set()
        work = [t for t in seeds if t in facts]
        while work:
            t = work.pop()
            if t in doomed:
                continue
            doomed.add(t)
            work.extend(c for c in self._consequences(t) if c in facts and c not in doomed)
        for t in doomed:
            self._remove(t)
        self.insert([t for t in doomed if self._derivable(t)])


class Materialization:
    """The inferred graph of ``asserted`` + ``ontology``, kept current by :meth:`apply`.

    Equal at every step to ``infer(asserted, ontology, semantics="owlrl-fast")`` for the current
    asserted triples. Raises ``KGError(INCONSISTENT)`` when the data contradicts the ontology.
    Not thread-safe: the write path calls it under its write lock, and readers iterate or take
    :meth:`graph` between changes.
    """

    def __init__(self, ontology: Graph, asserted: Iterable[Triple]) -> None:
        self._setup(ontology)
        codes = {self._terms.encode(t) for t in asserted}
        self._engine, self._out, self.path = self._build(codes)
        self._asserted = codes
        self._bnodes = self._count_bnodes(codes)

    def _setup(self, ontology: Graph) -> None:
        self._ontology_graph = ontology
        self._schema = schema_of(ontology)
        self._terms = terms = _Terms()
        self._rules = Rules(self._schema, terms.code)
        self._type_id = self._rules.type_id
        self._ontology = {terms.encode(t) for t in ontology}
        #: what owlrl infers from the ontology alone (part of the answer unless asserted)
        self._schema_inferred = {terms.encode(t) for t in self._schema.inferred}
        self._ontology_bnodes = {n for t in self._ontology for n in (t[0], t[2])
                                 if type(terms.terms[n]) is BNode}
        self._nothing = terms.code(OWL.Nothing)
        #: class -> (a, b, the other class) for each disjointness axiom it is in
        self._disjoint: dict[int, list[tuple[Node, Node, int]]] = {}
        for a, b in sorted(self._schema.disjoint):
            ca, cb = terms.code(a), terms.code(b)
            self._disjoint.setdefault(ca, []).append((a, b, cb))
            self._disjoint.setdefault(cb, []).append((a, b, ca))
        self._vocabulary: dict[int, bool] = {}

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._out)

    def __iter__(self) -> Iterator[Triple]:
        decode = self._terms.decode
        return (decode(c) for c in self._out)

    def __contains__(self, triple: object) -> bool:
        if not isinstance(triple, tuple) or len(triple) != 3:
            return False
        c = self._terms.find(triple)
        return c is not None and c in self._out

    def graph(self) -> Graph:
        """The inferred graph as :func:`~.reason.infer` returns it (a new rdflib Graph)."""
        out = Graph(bind_namespaces="none")
        bind_prefixes(out)
        out.addN((s, p, o, out) for s, p, o in self)
        return out

    @property
    def size(self) -> int:
        """Asserted + inferred triples held: the dataset a change is measured against."""
        return len(self._asserted) + len(self._out)

    def asserted(self) -> Iterator[Triple]:
        decode = self._terms.decode
        return (decode(c) for c in self._asserted)

    @property
    def incremental(self) -> bool:
        """Whether changes are maintained incrementally now (else each is recomputed in full)."""
        return self._engine is not None

    # -- changing --------------------------------------------------------------------------

    def apply(self, added: Iterable[Triple] = (), removed: Iterable[Triple] = ()) -> Change:
        """Remove ``removed`` from the asserted triples, then add ``added`` (a triple in both
        ends up asserted, as in a SPARQL ``DELETE``/``INSERT``), and update the inferred graph.

        Raises ``KGError(INCONSISTENT)`` and changes nothing if the result contradicts the
        ontology."""
        terms = self._terms
        add = {terms.encode(t) for t in added}
        rem = {c for c in map(terms.find, removed) if c is not None}
        eff_removed = (rem & self._asserted) - add
        eff_added = add - self._asserted
        if not eff_added and not eff_removed:
            return Change()
        why = self._needs_full(eff_added, eff_removed)
        if why is not None:
            return self._full(eff_added, eff_removed, why)
        return self._incremental(eff_added, eff_removed)

    def set_ontology(self, ontology: Graph) -> Change:
        """Replace the ontology: always a full recomputation (the compiled rules change)."""
        old = set(self)
        fresh = Materialization(ontology, self.asserted())
        self.__dict__.update(fresh.__dict__)
        new = set(self)
        return Change(frozenset(new - old), frozenset(old - new), full=True,
                      reason="the ontology changed")

    def _needs_full(self, added: set[Code], removed: set[Code]) -> str | None:
        if self._engine is None:
            return self.path
        decode = self._terms.decode
        for c in added:
            why = data_fallback(decode(c))
            if why is not None:
                return why
        shared = self._ontology_bnodes
        if shared and any(s in shared or o in shared for s, _, o in (*added, *removed)):
            return "the change uses a blank node of the ontology"
        return None

    def _count_bnodes(self, codes: Iterable[Code], counts: dict[int, int] | None = None,
                      d: int = 1) -> dict[int, int]:
        counts = {} if counts is None else counts
        terms = self._terms.terms
        for s, _, o in codes:
            for n in (s, o):
                if type(terms[n]) is BNode:
                    k = counts.get(n, 0) + d
                    if k:
                        counts[n] = k
                    else:
                        counts.pop(n, None)
        return counts

    def _data_bnodes(self, counts: dict[int, int]) -> set[Node]:
        terms = self._terms.terms
        return {terms[n] for n in counts}

    def _full(self, added: set[Code], removed: set[Code], why: str) -> Change:
        asserted = (self._asserted - removed) | added
        engine, out, path = self._build(asserted)
        old = self._out
        self._engine, self._out, self.path = engine, out, path
        self._asserted = asserted
        self._bnodes = self._count_bnodes(asserted)
        decode = self._terms.decode
        return Change(frozenset(map(decode, out - old)), frozenset(map(decode, old - out)),
                      frozenset(map(decode, added)), frozenset(map(decode, removed)),
                      full=True, reason=why)

    def _incremental(self, added: set[Code], removed: set[Code]) -> Change:
        engine = self._engine
        assert engine is not None
        self._move(engine, added, removed)
        touched, before = engine.touched or {}, engine.before or {}
        engine.touched = engine.before = None
        facts = engine.facts
        new_facts = [t for t, was in touched.items() if not was and t in facts]
        new_types: list[tuple[int, int]] = []
        gone_types: list[tuple[int, int]] = []
        for s, classes in before.items():
            old, now = engine.types_of(s, classes), engine.types_of(s)
            new_types += [(s, d) for d in now - old]
            gone_types += [(s, d) for d in old - now]
        try:
            self._check_functional(engine, new_facts)
            clashes = self._clashes(engine, new_facts, new_types)
            if clashes:
                raise_clashes(clashes)
            self._check_vocabulary(new_types, self._asserted)
        except (Fallback, KGError) as problem:
            self._move(engine, removed, added)
            engine.touched = engine.before = None
            if isinstance(problem, KGError):
                raise
            return self._full(added, removed, str(problem))
        type_id = self._type_id
        candidates = {t for t in touched if t[1] != type_id}
        candidates.update(added, removed)
        candidates.update((s, type_id, d) for s, d in new_types)
        candidates.update((s, type_id, d) for s, d in gone_types)
        data_bnodes = self._data_bnodes(self._bnodes)
        out = self._out
        appeared: list[Code] = []
        gone: list[Code] = []
        for t in candidates:
            now_in = self._output(engine, self._asserted, data_bnodes, t)
            if now_in != (t in out):
                (appeared if now_in else gone).append(t)
        out.difference_update(gone)
        out.update(appeared)
        decode = self._terms.decode
        return Change(frozenset(map(decode, appeared)), frozenset(map(decode, gone)),
                      frozenset(map(decode, added)), frozenset(map(decode, removed)))

    def _move(self, engine: _Engine, added: set[Code], removed: set[Code]) -> None:
        """Change the asserted triples and the closure (touched/before record what moved)."""
        engine.touched, engine.before = {}, {}
        self._asserted.difference_update(removed)
        self._asserted.update(added)
        self._count_bnodes(removed, self._bnodes, -1)
        self._count_bnodes(added, self._bnodes, 1)
        engine.delete(t for t in removed if t not in self._ontology)
        engine.insert(added)

    # -- building and checking -------------------------------------------------------------

    def _build(self, asserted: set[Code]) -> tuple[_Engine | None, set[Code], str]:
        """(engine or None on the general path, the inferred codes, the path taken)."""
        if self._schema.unsupported:
            return None, self._general(asserted), self._general_path(
                "the ontology uses " + ", ".join(self._schema.unsupported))
        decode = self._terms.decode
        type_id = self._type_id
        seen: set[int] = set()
        for c in asserted:
            key = -1 - c[2] if c[1] == type_id else c[1]
            if key not in seen:
                why = data_fallback(decode(c))
                if why is not None:
                    return None, self._general(asserted), self._general_path(why)
                seen.add(key)
        engine = _Engine(self._rules, self._terms, asserted, self._ontology)
        collecting = gc.isenabled()
        gc.disable()
        try:
            engine.insert(self._ontology)
            engine.insert(asserted)
            types = [(s, d) for s in engine.counts for d in engine.types_of(s)]
            try:
                self._check_functional(engine, None)
                clashes = self._clashes(engine, engine.facts, types)
                if clashes:
                    raise_clashes(clashes)
                self._check_vocabulary(types, asserted)
            except Fallback as why:
                return None, self._general(asserted), self._general_path(str(why))
            data_bnodes = self._data_bnodes(self._count_bnodes(asserted))
            out = {t for t in engine.facts
                   if t[1] != type_id and self._output(engine, asserted, data_bnodes, t)}
            out.update(t for t in ((s, type_id, d) for s, d in types)
                       if self._output(engine, asserted, data_bnodes, t))
            out.update(t for t in self._schema_inferred
                       if self._output(engine, asserted, data_bnodes, t))
        finally:
            if collecting:
                gc.enable()
        return engine, out, "fast"

    def _general_path(self, why: str) -> str:
        return f"general: {why}"

    def _general(self, asserted: set[Code]) -> set[Code]:
        """fastreason's own answer (its general path), numbered."""
        decode = self._terms.decode
        data = Graph(bind_namespaces="none")
        data.addN((*decode(c), data) for c in asserted)
        return {self._terms.encode(t) for t in fastreason.inferred(data, self._ontology_graph)}

    def _output(self, engine: _Engine, asserted: set[Code], data_bnodes: set[Node],
                t: Code) -> bool:
        """Is ``t`` in fastreason's inferred graph for this state?"""
        s, p, o = t
        final = engine.has_type(s, o) if p == self._type_id else t in engine.facts
        given = t in asserted or t in self._ontology
        if not ((final and not given and not self._terms.literal[s])
                or (t in self._schema_inferred and t not in asserted)):
            return False
        triple = self._terms.decode(t)
        ts, tp, to = triple
        if (type(ts) is URIRef and not str.startswith(ts, VOCABULARIES)
                and tp not in _SUSPICIOUS and type(to) is not BNode
                and not (p == self._type_id and isinstance(to, str)
                         and str.startswith(to, VOCABULARIES))):
            return True  # none of the noise rules can apply
        return noise_reason(triple, data_bnodes) is None

    def _check_functional(self, engine: _Engine, facts: Iterable[Code] | None) -> None:
        """prp-fp/prp-ifp would make two values owl:sameAs: the general path's business."""
        rules, terms = self._rules, self._terms.terms
        for props, index, forward in ((rules.functional, engine.out, True),
                                      (rules.inverse_functional, engine.inn, False)):
            if facts is None:
                pairs = ((p, k) for p in props for k, vs in index[p].items() if len(vs) > 1)
            else:
                pairs = ((p, s if forward else o) for s, p, o in facts
                         if p in props and len(index[p][s if forward else o]) > 1)
            for p, k in pairs:
                raise Fallback(f"{compact(terms[p])} has two values for {compact(terms[k])} "
                               "(so they are owl:sameAs)")

    def _clashes(self, engine: _Engine, facts: Iterable[Code],
                 types: Iterable[tuple[int, int]]) -> list[str]:
        """fastreason's clash messages for the given facts and types (each against all)."""
        rules, terms = self._rules, self._terms.terms
        irreflexive, asymmetric = rules.irreflexive, rules.asymmetric
        clashes: list[str] = []
        if irreflexive or asymmetric:
            for s, p, o in facts:
                if p in irreflexive and s == o:
                    clashes.append(f"{compact(terms[s])} {compact(terms[p])} itself, but the "
                                   "property is irreflexive")
                if p in asymmetric and (o, p, s) in engine.facts:
                    for x, y in ((s, o), (o, s)):
                        clashes.append(f"{compact(terms[x])} and {compact(terms[y])} are "
                                       f"{compact(terms[p])} of each other, but the property "
                                       "is asymmetric")
        for x, c in types:
            if c == self._nothing:
                clashes.append(f"{compact(terms[x])} is a member of owl:Nothing")
            for a, b, other in self._disjoint.get(c, ()):
                if engine.has_type(x, other):
                    clashes.append(f"{compact(terms[x])} is both {compact(a)} and "
                                   f"{compact(b)}, which are disjoint")
        return clashes

    def _check_vocabulary(self, types: Iterable[tuple[int, int]], asserted: set[Code]) -> None:
        terms, type_id = self._terms.terms, self._type_id
        for s, c in types:
            bad = self._vocabulary.get(c)
            if bad is None:
                bad = self._vocabulary[c] = vocabulary_type(terms[c])
            if bad and (s, type_id, c) not in asserted and (s, type_id, c) not in self._ontology:
                raise Fallback(f"the data is entailed to be a {compact(terms[c])}")

