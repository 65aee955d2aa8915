"""Reasoning and validation run by the remote engine, not over a copy of the dataset in Python.

At 10^7 triples the in-process paths (:mod:`..knowledge.fastreason`, :mod:`..knowledge.fastshacl`)
need the whole dataset in our process. On a remote store the engine can do the heavy part:

**Closure** (:func:`engine_closure`). The ontology (a thousand triples) is read and closed in
Python exactly as the fast reasoner does (:func:`~..knowledge.fastreason.schema_of`: owlrl on
the T-box alone), which gives the rule tables our ontology actually has: sub-properties,
inverses, symmetric and transitive properties, property chains, domains, ranges and
superclasses. Each axiom becomes one SPARQL ``INSERT { GRAPH <work> {...} } WHERE {...}`` over
its own predicate or class (engines answer those from an index), run on the server, semi-naively
(each round joins only what the last round added) until a round adds nothing (a ``COUNT``); then
the types (domains, ranges, superclasses), the clash checks (disjoint classes, ``owl:Nothing``,
irreflexive and asymmetric properties) and one ``INSERT ... WHERE`` that copies ``work -
asserted - ontology`` into the inferred graph minus :data:`~..knowledge.reason.NOISE`, written
as ``FILTER`` s. The schema's own entailments (a few hundred triples) are added from Python. The
result is the in-process inferred graph, triple for triple (``tests/store/test_pushdown.py``).
Where the fast reasoner would leave its compiled rules (schema statements in the data, a
functional property with two values, a vocabulary type derived for data, an ontology construct
outside the rules) this raises :class:`NotPushable` and the caller reasons in process.

**Validation** (:func:`engine_validate`). Each top-level shape's focus nodes are selected on the
server (its targets as SPARQL over asserted + inferred + ontology); then, in batches, only the
triples its dependency paths read from those nodes (:mod:`..knowledge.incremental_shacl`'s
analysis: values along each ``sh:path``, types and superclasses for ``sh:class``, the patterns of
SHACL-SPARQL constraints) are fetched, one ``VALUES`` query per path step, and pySHACL validates
the batch's nodes on them (the focus-node validation the write path uses, whose results are a
full validation's at those nodes). The reports are merged into one. Our process holds one batch,
the ontology and the results, never the dataset.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from ..errors import ErrorKind, KGError
from ..formats import BY_KEY
from ..knowledge import fastreason
from ..knowledge.names import compact
from ..knowledge.reason import LINK_PREDICATES, VOCABULARIES, noise_reason
from ..knowledge.validate import ValidationReport, _report
from ..namespaces import ASSERTED, INFERRED, ONTOLOGY, SHAPES
from ..terms import to_oxigraph, to_rdflib
from .base import Store
from .remote import RemoteStore, _text

ASR, INF, ONT, SHP = str(ASSERTED), str(INFERRED), str(ONTOLOGY), str(SHAPES)
#: graphs of the engine's own work, dropped when done (never seen by the service's queries
#: for long: a rebuild drops them at its start and its end)
WORK = "urn:x-alliance-kg:pushdown:work"
DELTA = "urn:x-alliance-kg:pushdown:delta"
NEW = "urn:x-alliance-kg:pushdown:new"
#: rows of an axiom table or nodes of a VALUES block per request: Virtuoso's SPARQL compiler
#: gives up on statements past about 10 000 lines of generated SQL
VALUES_CHUNK = 200
#: nodes of one VALUES block when reading triples around them (measured on Virtuoso 7: fine)
NODE_CHUNK = 1000
#: quads written back per request by the in-process path
WRITE_CHUNK = 20_000
#: update operations sent in one request
OPS_PER_REQUEST = 40
#: focus nodes validated together: one local graph of what their shapes read at a time
BATCH = 5000

Progress = Callable[[str], None]
#: put before every update: Virtuoso keeps a whole request's changes for its transaction log
#: and aborts past TransactionAfterImageLimit ("log after image size went above the limit":
#: the copy into the inferred graph at 10^6); row-by-row autocommit, still logged, has none
_PRAGMAS = {"virtuoso": "DEFINE sql:log-enable 3\n"}


class NotPushable(Exception):
    """The engine cannot give the in-process answer here; the text says why."""


@dataclass
class Stats:
    """What a pushed-down run did (for the benchmark and the CLI)."""

    rounds: int = 0
    requests: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    inferred: int = 0
    focus_nodes: int = 0
    #: focus nodes pySHACL validated (where the fast finder found something)
    suspects: int = 0
    fetched: int = 0


def _key(x: Any) -> Any:
    return tuple(n.n3() for n in x) if isinstance(x, tuple) else x.n3()


def _sorted(items: Iterable[Any], key: Callable[[Any], Any] = _key) -> list[Any]:
    """Terms (or rows of terms) in a fixed order: the same requests on every run."""
    return sorted(items, key=key)


def _t(node: Node) -> str:
    """A term as SPARQL text, serialized by pyoxigraph (never pasted raw)."""
    return str(to_oxigraph(node))


def _g(iri: str) -> str:
    return str(ox.NamedNode(iri))


def _values(names: str, rows: Iterable[tuple[Node, ...]]) -> str:
    body = " ".join("(" + " ".join(_t(n) for n in row) + ")" for row in rows)
    return f"VALUES ({names}) {{ {body} }}"


def _chunks(rows: Sequence[Any], size: int = VALUES_CHUNK) -> list[Sequence[Any]]:
    return [rows[i:i + size] for i in range(0, len(rows), size)] or []


def _in(var: str, graphs: Sequence[str], triple: str) -> str:
    """``triple`` matched in any of ``graphs``; ``var`` names the graph variable."""
    if len(graphs) == 1:
        return f"GRAPH {_g(graphs[0])} {{ {triple} }}"
    return (f"GRAPH ?{var} {{ {triple} }} VALUES ?{var} {{ "
            + " ".join(_g(g) for g in graphs) + " }")


class _Engine:
    def __init__(self, store: RemoteStore, stats: Stats, say: Progress) -> None:
        self.store, self.stats, self.say = store, stats, say

    def update(self, sparql: str) -> None:
        """An update naming every graph it touches, sent without the dialect's prologue: under
        Virtuoso's ``DEFINE input:default-graph-uri`` (which the store puts before its own
        updates) ``GRAPH <iri>`` in an update's WHERE matches nothing, and the update does
        nothing without an error (found by tests/store/test_pushdown.py)."""
        store = self.store
        if not store.update_url:
            raise KGError(ErrorKind.FORBIDDEN, "the remote store has no update endpoint "
                                               "configured (ALLIANCE_KG_REMOTE_UPDATE_URL)")
        self.stats.requests += 1
        text = _PRAGMAS.get(store.dialect.name, "").encode() + _text(sparql)
        if store.dialect.form_encoded:
            store._post(store.update_url, data=[("update", text)])
        else:
            store._post(store.update_url, data=text, headers={
                "Content-Type": "application/sparql-update; charset=utf-8"})

    def run(self, operations: Sequence[str]) -> None:
        """Operations sent a few to a request (one per axiom, each over one predicate or
        class, which engines answer from an index: a VALUES table of predicates made
        oxigraph serve scan every quad)."""
        for part in _chunks(operations, OPS_PER_REQUEST):
            self.update(" ;\n".join(part))

    def select(self, sparql: str) -> list[dict[str, Node]]:
        self.stats.requests += 1
        solutions = self.store._select(sparql)
        names = solutions.variables
        rows = []
        for row in solutions:
            rows.append({v.value: to_rdflib(row[v]) for v in names if row[v] is not None})
        return rows

    def count(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_g(graph)} {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]) if rows else 0  # type: ignore[call-overload]

    def drop(self, *graphs: str) -> None:
        self.update(" ;\n".join(f"DROP SILENT GRAPH {_g(g)}" for g in graphs))

    def graph(self, iri: str) -> Graph:
        """A small graph (ontology, shapes) read whole."""
        g = Graph(bind_namespaces="none")
        try:
            data = self.store.get_graph(iri, BY_KEY["ntriples"])
        except KGError as exc:
            if exc.kind is ErrorKind.NOT_FOUND:
                return g
            raise
        g.parse(data=data, format="nt")
        return g


# -- the closure -----------------------------------------------------------------------------


def _rules(schema: fastreason.Schema) -> list[tuple[str, Callable[[Sequence[str], Sequence[str]],
                                                                   list[str]]]]:
    """The property rules (prp-spo1, prp-inv1/2, prp-symp, prp-trp, prp-spo2) as functions of
    (the graphs of the last round's new triples, every graph) → INSERT updates into NEW."""
    rdf_type = RDF.type
    supers = _sorted((p, q) for p, qs in schema.supers.items() for q in qs if p != rdf_type)
    inverses = _sorted((p, q) for p, qs in schema.inverses.items() for q in qs if p != rdf_type)
    symmetric = _sorted(schema.symmetric - {rdf_type})
    transitive = _sorted(schema.transitive - {rdf_type})
    chains = [(head, steps) for head, steps in schema.chains]

    def new_only(triple: str) -> str:
        # what any graph already holds is not new (the fixpoint is the round adding nothing)
        return " ".join(f"FILTER NOT EXISTS {{ GRAPH {_g(g)} {{ {triple} }} }}"
                        for g in (ASR, ONT, WORK))

    def insert(triple: str, where: str) -> str:
        return (f"INSERT {{ GRAPH {_g(NEW)} {{ {triple} }} }} WHERE {{ {where} "
                f"{new_only(triple)} }}")

    def spo(delta: Sequence[str], every: Sequence[str]) -> list[str]:
        return [insert(f"?s {_t(q)} ?o", _in("g", delta, f"?s {_t(p)} ?o")) for p, q in supers]

    def inv(delta: Sequence[str], every: Sequence[str]) -> list[str]:
        # an inverse or symmetric twin of a literal value would have a literal subject
        return [insert(f"?o {_t(q)} ?s", _in("g", delta, f"?s {_t(p)} ?o")
                       + " FILTER(!isLiteral(?o))") for p, q in inverses]

    def sym(delta: Sequence[str], every: Sequence[str]) -> list[str]:
        return [insert(f"?o {_t(p)} ?s", _in("g", delta, f"?s {_t(p)} ?o")
                       + " FILTER(!isLiteral(?o))") for p in symmetric]

    def trp(delta: Sequence[str], every: Sequence[str]) -> list[str]:
        out = []
        for p in transitive:
            t = _t(p)
            out.append(insert(f"?s {t} ?o", _in("g1", delta, f"?s {t} ?x") + " "
                              + _in("g2", every, f"?x {t} ?o")))
            out.append(insert(f"?s {t} ?o", _in("g1", every, f"?s {t} ?x") + " "
                              + _in("g2", delta, f"?x {t} ?o")))
        return out

    def chain(delta: Sequence[str], every: Sequence[str]) -> list[str]:
        out = []
        for head, steps in chains:
            n = len(steps)
            for fresh in range(n):  # semi-naive: one step from the last round, the rest any
                where = " ".join(_in(f"g{i}", delta if i == fresh else every,
                                     f"?x{i} {_t(step)} ?x{i + 1}")
                                 for i, step in enumerate(steps))
                out.append(insert(f"?x0 {_t(head)} ?x{n}", where))
        return out

    return [("subPropertyOf", spo), ("inverseOf", inv), ("SymmetricProperty", sym),
            ("TransitiveProperty", trp), ("propertyChainAxiom", chain)]


def _vocabulary_test(var: str) -> str:
    starts = " || ".join(f'STRSTARTS(STR({var}), "{v}")' for v in VOCABULARIES)
    return f"(isIRI({var}) && ({starts}))"


def _noise_filter() -> str:
    """:func:`~..knowledge.reason.noise_reason` as a FILTER (a literal subject cannot be
    stored, so that rule has nothing to do here)."""
    links = ", ".join(_t(p) for p in _sorted(LINK_PREDICATES))
    data_bnode = ("EXISTS {{ GRAPH {a} {{ {{ {v} ?xp ?xo }} UNION {{ ?xs ?xp {v} }} }} }}")
    return " ".join([
        f"FILTER(!(sameTerm(?s, ?o) && ?p IN ({links})))",  # reflexive
        f"FILTER(!{_vocabulary_test('?s')})",  # vocabulary-subject
        "FILTER(!isBlank(?s) || " + data_bnode.format(a=_g(ASR), v="?s") + ")",
        "FILTER(!isBlank(?o) || " + data_bnode.format(a=_g(ASR), v="?o") + ")",
        f"FILTER(!(?p = {_t(RDF.type)} && {_vocabulary_test('?o')}))",  # vocabulary-type
        f"FILTER(?p NOT IN ({_t(RDFS.domain)}, {_t(RDFS.range)}))",  # weakened-domain-range
        f"FILTER(!(?p IN ({links}) && {_vocabulary_test('?o')}))",  # vocabulary-link
    ])


def engine_closure(store: RemoteStore, *, progress: Progress | None = None,
                   stats: Stats | None = None) -> Stats:
    """Replace the store's inferred graph by the OWL 2 RL closure of asserted + ontology,
    computed by the engine (see the module docstring); the graph equals
    ``reason.infer(asserted, ontology, semantics="owlrl-fast")``.

    Raises :class:`NotPushable` (nothing written) where the in-process reasoner must decide,
    ``KGError(INCONSISTENT)`` (inferred graph left as it was) when the data contradicts the
    ontology."""
    stats = stats or Stats()
    say = progress or (lambda _m: None)
    eng = _Engine(store, stats, say)
    started = time.perf_counter()
    ontology = eng.graph(ONT)
    schema = fastreason.schema_of(ontology)
    if schema.unsupported:
        raise NotPushable("the ontology uses " + ", ".join(schema.unsupported))
    _check_data(eng)
    eng.drop(WORK, DELTA, NEW)
    try:
        _fixpoint(eng, schema)
        _types(eng, schema)
        _check_derived(eng, schema)
        stats.seconds["rules"] = time.perf_counter() - started
        mark = time.perf_counter()
        # one request: readers see the old inferred graph or the new one on engines whose
        # requests are transactions (Oxigraph; not Virtuoso, docs/STORES.md)
        eng.update(" ;\n".join([
            f"DROP SILENT GRAPH {_g(INF)}",
            f"INSERT {{ GRAPH {_g(INF)} {{ ?s ?p ?o }} }} WHERE {{ "
            f"GRAPH {_g(WORK)} {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH {_g(ASR)} {{ ?s ?p ?o }} }} "
            f"FILTER NOT EXISTS {{ GRAPH {_g(ONT)} {{ ?s ?p ?o }} }} {_noise_filter()} }}",
            *_schema_part(eng, schema)]))
        stats.seconds["copy"] = time.perf_counter() - mark
    finally:
        eng.drop(WORK, DELTA, NEW)
    stats.inferred = eng.count(INF)
    stats.seconds["closure"] = time.perf_counter() - started
    return stats


def _check_data(eng: _Engine) -> None:
    """The fast reasoner's data_fallback, asked per distinct predicate and class."""
    for row in eng.select(f"SELECT DISTINCT ?p WHERE {{ GRAPH {_g(ASR)} {{ ?s ?p ?o }} }}"):
        p = row["p"]
        if p != RDF.type:
            why = fastreason.data_fallback((p, p, p))
            if why is not None:
                raise NotPushable(why)
    for row in eng.select(f"SELECT DISTINCT ?c WHERE {{ GRAPH {_g(ASR)} {{ ?s a ?c }} }}"):
        why = fastreason.data_fallback((row["c"], RDF.type, row["c"]))
        if why is not None:
            raise NotPushable(why)


def _fixpoint(eng: _Engine, schema: fastreason.Schema) -> None:
    rules = _rules(schema)
    delta: list[str] = [ASR, ONT]
    every = [ASR, ONT, WORK]
    while True:
        eng.stats.rounds += 1
        eng.run([text for _name, rule in rules for text in rule(delta, every)])
        added = eng.count(NEW)
        eng.say(f"round {eng.stats.rounds}: {added} new triples")
        if not added:
            return
        eng.update(f"INSERT {{ GRAPH {_g(WORK)} {{ ?s ?p ?o }} }} "
                   f"WHERE {{ GRAPH {_g(NEW)} {{ ?s ?p ?o }} }}")
        eng.drop(DELTA)
        eng.update(f"INSERT {{ GRAPH {_g(DELTA)} {{ ?s ?p ?o }} }} "
                   f"WHERE {{ GRAPH {_g(NEW)} {{ ?s ?p ?o }} }}")
        eng.drop(NEW)
        delta = [DELTA]


def _types(eng: _Engine, schema: fastreason.Schema) -> None:
    """prp-dom, prp-rng, then cax-sco over every type (the superclass table is closed)."""
    every = [ASR, ONT, WORK]
    domains = _sorted((p, c) for p, cs in schema.domains.items() for c in cs)
    ranges = _sorted((p, c) for p, cs in schema.ranges.items() for c in cs)
    supers = _sorted((c, d) for c, ds in schema.superclasses.items() for d in ds if c != d)
    ops = [f"INSERT {{ GRAPH {_g(WORK)} {{ ?s a {_t(c)} }} }} WHERE {{ "
           f"{_in('g', every, f'?s {_t(p)} ?o')} }}" for p, c in domains]
    ops += [f"INSERT {{ GRAPH {_g(WORK)} {{ ?o a {_t(c)} }} }} WHERE {{ "
            f"{_in('g', every, f'?s {_t(p)} ?o')} FILTER(!isLiteral(?o)) }}" for p, c in ranges]
    eng.run(ops)
    eng.run([f"INSERT {{ GRAPH {_g(WORK)} {{ ?s a {_t(d)} }} }} WHERE {{ "
             f"{_in('g', every, f'?s a {_t(c)}')} }}" for c, d in supers])


def _check_derived(eng: _Engine, schema: fastreason.Schema) -> None:
    """The fast reasoner's checks on the closure: its fallbacks, then the clashes."""
    every = [ASR, ONT, WORK]
    for row in eng.select(f"SELECT DISTINCT ?c WHERE {{ GRAPH {_g(WORK)} {{ ?s a ?c }} }}"):
        c = row["c"]
        if fastreason.vocabulary_type(c) and eng.select(
                f"SELECT ?s WHERE {{ GRAPH {_g(WORK)} {{ ?s a {_t(c)} }} "
                f"FILTER NOT EXISTS {{ GRAPH {_g(ASR)} {{ ?s a {_t(c)} }} }} "
                f"FILTER NOT EXISTS {{ GRAPH {_g(ONT)} {{ ?s a {_t(c)} }} }} }} LIMIT 1"):
            raise NotPushable(f"the data is entailed to be a {compact(c)}")
    for props, forward in ((schema.functional, True), (schema.inverse_functional, False)):
        for p in _sorted(props):
            pattern = ("?k {p} ?v1", "?k {p} ?v2") if forward else ("?v1 {p} ?k", "?v2 {p} ?k")
            rows = eng.select(
                "SELECT ?k WHERE { " + _in("g1", every, pattern[0].format(p=_t(p))) + " "
                + _in("g2", every, pattern[1].format(p=_t(p)))
                + " FILTER(!sameTerm(?v1, ?v2)) } LIMIT 1")
            if rows:
                raise NotPushable(f"{compact(p)} has two values for {compact(rows[0]['k'])} "
                                  "(so they are owl:sameAs)")
    clashes: list[str] = []
    pairs = _sorted(schema.disjoint)
    for part in _chunks(pairs):
        for row in eng.select("SELECT DISTINCT ?x ?a ?b WHERE { " + _values("?a ?b", part) + " "
                              + _in("g1", every, "?x a ?a") + " "
                              + _in("g2", every, "?x a ?b") + " }"):
            clashes.append(f"{compact(row['x'])} is both {compact(row['a'])} and "
                           f"{compact(row['b'])}, which are disjoint")
    for row in eng.select("SELECT DISTINCT ?x WHERE { "
                          + _in("g", every, f"?x a {_t(OWL.Nothing)}") + " }"):
        clashes.append(f"{compact(row['x'])} is a member of owl:Nothing")
    for p in _sorted(schema.irreflexive):
        for row in eng.select("SELECT DISTINCT ?x WHERE { "
                              + _in("g", every, f"?x {_t(p)} ?x") + " }"):
            clashes.append(f"{compact(row['x'])} {compact(p)} itself, but the property is "
                           "irreflexive")
    for p in _sorted(schema.asymmetric):
        for row in eng.select("SELECT DISTINCT ?x ?y WHERE { "
                              + _in("g1", every, f"?x {_t(p)} ?y") + " "
                              + _in("g2", every, f"?y {_t(p)} ?x") + " }"):
            clashes.append(f"{compact(row['x'])} and {compact(row['y'])} are {compact(p)} "
                           "of each other, but the property is asymmetric")
    fastreason.raise_clashes(clashes)


def _schema_part(eng: _Engine, schema: fastreason.Schema) -> list[str]:
    """What owlrl entails from the ontology alone (kept as the fast reasoner keeps it: not
    asserted, not noise), as INSERT DATA operations: a few hundred triples, no blank node."""
    keep = [t for t in dict.fromkeys(schema.inferred)
            if not isinstance(t[0], Literal) and noise_reason(t, ()) is None]
    asserted: set[tuple[Node, Node, Node]] = set()
    for part in _chunks(keep):
        for row in eng.select("SELECT ?s ?p ?o WHERE { " + _values("?s ?p ?o", part)
                              + f" GRAPH {_g(ASR)} {{ ?s ?p ?o }} }}"):
            asserted.add((row["s"], row["p"], row["o"]))
    graph = ox.NamedNode(INF)
    quads = [ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph)  # type: ignore[arg-type]
             for s, p, o in keep if (s, p, o) not in asserted]
    return [eng.store._insert_data(quads)] if quads else []


# -- validation ------------------------------------------------------------------------------


def engine_validate(store: RemoteStore, *, batch: int = BATCH,
                    progress: Progress | None = None, stats: Stats | None = None
                    ) -> ValidationReport:
    """The report of a full validation of asserted + inferred + ontology against the store's
    shapes graph, with targets selected and paths read on the server (module docstring).
    Raises :class:`NotPushable` for shapes the dependency analysis does not cover."""
    from ..knowledge.incremental_shacl import (
        _TYPE_PATH,
        EPS,
        Atom,
        _classes,
        _data_graph,
        _Deps,
        _raw_report,
        _shape_deps,
        _sparql_deps,
        _View,
        prepare_shapes,
    )

    stats = stats or Stats()
    say = progress or (lambda _m: None)
    eng = _Engine(store, stats, say)
    started = time.perf_counter()
    shapes = eng.graph(SHP)
    prepared = prepare_shapes(shapes)
    if prepared.unsupported:
        raise NotPushable(f"the shapes use {prepared.unsupported}")
    data = [ASR, INF, ONT]
    base = eng.graph(ONT)
    # blank nodes cannot be named in a later query: every triple touching one is read at
    # once (the generated data has none, the shipped data a handful)
    for row in eng.select("SELECT DISTINCT ?s ?p ?o WHERE { " + _in("g", data, "?s ?p ?o")
                          + " FILTER(isBlank(?s) || isBlank(?o)) }"):
        base.add((row["s"], row["p"], row["o"]))
    results: list[Any] = []
    for top in prepared.tops:
        if top.everywhere:
            raise NotPushable(f"a shape reads {_sorted(map(str, top.everywhere))} everywhere")
        deps = _Deps()
        if top.classes:
            deps.paths.add(_TYPE_PATH)
        deps.paths.update(Atom(p) for p in top.subjects_of)  # type: ignore[arg-type]
        deps.paths.update(Atom(p, True) for p in top.objects_of)  # type: ignore[arg-type]
        for text, _ in top.sparql_targets:
            _sparql_deps(text, deps, EPS)
        _shape_deps(shapes, top.shape.node, EPS, deps)
        focus = _sorted(_focus_nodes(eng, store, top, data), key=lambda n: n.n3())
        members = _members(shapes, top.shape.node)
        # the finder gets this shape alone: the others would be checked on a graph lacking
        # what they read (and cost as much again, the ontology's QC shapes above all)
        own = Graph(bind_namespaces="none")
        for node in members:
            for p, o in shapes.predicate_objects(node):
                own.add((node, p, o))
        stats.focus_nodes += len(focus)
        for part in _chunks(focus, batch):
            local = Graph(bind_namespaces="none")
            local += base
            fetch = _Fetch(eng, data, local)
            fetch.prefetch(part, deps.paths)
            for path in _sorted(deps.paths, key=repr):
                fetch.eval(path, set(part))
            stats.fetched += len(local) - len(base)
            view = _View([local])
            supers: dict[Node, set[Node]] = {}
            mine = [f for f in part
                    if prepared.targets(top, view, f, _classes(view, f, supers))]
            if len(mine) != len(part):
                raise KGError(ErrorKind.INTERNAL, "the engine and pySHACL disagree on the "
                              f"focus nodes of {top.shape.node}")
            suspects = _suspects(own, local, mine, members)
            stats.suspects += len(suspects)
            if suspects:
                with prepared.lock:
                    _, found = top.shape.validate(prepared.executor, _data_graph(view),
                                                  focus=suspects)
                results.extend(found)
        say(f"{top.shape.node}: {len(focus)} focus nodes")
    stats.seconds["validate"] = time.perf_counter() - started
    return _report(_raw_report(results), prepared.source, {}, prepared.top_names)


def _members(shapes: Graph, top: Node) -> set[Node]:
    """Every node of the shapes graph reachable from ``top``: its property shapes, nested
    and referenced shapes (more than those, which only makes more suspects)."""
    seen = {top}
    todo = [top]
    while todo:
        node = todo.pop()
        for o in shapes.objects(node, None):
            if isinstance(o, BNode | rdflib.URIRef) and o not in seen:
                seen.add(o)
                todo.append(o)
    return seen


def _suspects(shapes: Graph, local: Graph, focus: list[Node], members: set[Node]
              ) -> list[Node]:
    """The nodes of ``focus`` that pySHACL must look at: those where pyshacl-turbo (the fast
    finder of :mod:`..knowledge.fastshacl`) finds any result in the batch's graph, all of them
    if it cannot run. pySHACL is the reference but costs milliseconds a node; on conforming
    data nothing is left for it. (The batch's graph holds only what this shape reads from
    these nodes, so results at other nodes, or of other shapes here, may be wrong; they are
    never reported, only make a node a suspect.)"""
    from ..knowledge.fastshacl import _compiled
    from ..knowledge.validate import _shapes_digest

    try:
        program = _compiled(_shapes_digest(shapes), shapes)
        _, found, _ = program.validate(local, allow_warnings=True)
    except Exception:  # no finder, or it failed on this input: pySHACL looks at every node
        return focus
    # only results of this shape count: the batch's graph lacks what other shapes read
    flagged = {found.value(r, SH.focusNode) for r in found.subjects(RDF.type, SH.ValidationResult)
               if found.value(r, SH.sourceShape) in members}
    return [f for f in focus if f in flagged]


def _focus_nodes(eng: _Engine, store: RemoteStore, top: Any, data: list[str]) -> set[Node]:
    """pySHACL's focus nodes of ``top`` (``Shape.focus_nodes``), selected on the server."""
    found: set[Node] = set(top.nodes)
    union = " ".join(f"FROM {_g(g)}" for g in data)
    if top.classes:
        classes: set[Node] = set()
        for c in _sorted(top.classes):
            classes |= {r["k"] for r in eng.select(
                f"SELECT DISTINCT ?k {union} WHERE {{ ?k {_t(RDFS.subClassOf)}* {_t(c)} }}")}
            classes.add(c)
        for part in _chunks(_sorted(classes)):
            found |= {r["f"] for r in eng.select(
                f"SELECT DISTINCT ?f {union} WHERE {{ {_values('?k', [(k,) for k in part])} "
                "?f a ?k }")}
    for p in _sorted(top.subjects_of):
        found |= {r["f"] for r in eng.select(
            f"SELECT DISTINCT ?f {union} WHERE {{ ?f {_t(p)} ?o }}")}
    for p in _sorted(top.objects_of):
        found |= {r["f"] for r in eng.select(
            f"SELECT DISTINCT ?f {union} WHERE {{ ?s {_t(p)} ?f }}")}
    for text, _ in top.sparql_targets:
        eng.stats.requests += 1
        result = store.query(text, default_graphs=data)
        rows = ox.parse_query_results(result.serialize(BY_KEY["json"]), ox.QueryResultsFormat.JSON)
        assert isinstance(rows, ox.QuerySolutions)
        found |= {to_rdflib(r["this"]) for r in rows if r["this"] is not None}
    return found


class _Fetch:
    """Evaluates dependency paths from a batch of nodes, reading each step's triples from the
    server into ``local`` (and stepping over what ``local`` already holds)."""

    def __init__(self, eng: _Engine, data: list[str], local: Graph) -> None:
        self.eng, self.data, self.local = eng, data, local
        #: (predicate or None, inverse) -> nodes whose triples over it are in ``local``
        self.done: dict[tuple[Node | None, bool], set[Node]] = {}

    def _read(self, nodes: Iterable[Node], preds: set[Node | None], inverse: bool) -> None:
        anchor = "?o" if inverse else "?s"
        want: dict[tuple[Node | None, bool], list[Node]] = {}
        todo: set[Node] = set()
        for n in nodes:
            if isinstance(n, BNode) or (isinstance(n, Literal) and not inverse):
                continue  # a blank node's triples are all local; a literal has no out-edges
            for p in preds:
                done = self.done.setdefault((p, inverse), set())
                if n not in done and n not in self.done.get((None, inverse), ()):
                    want.setdefault((p, inverse), []).append(n)
                    done.add(n)
                    todo.add(n)
        if not todo:
            return
        union = " ".join(f"FROM {_g(g)}" for g in self.data)
        any_pred = any(p is None for p, _ in want)
        named = _sorted({p for p, _ in want if p is not None})
        # one pattern per predicate: oxigraph serve 0.5 joins a VALUES of predicates after
        # scanning every quad (1.8 s against 0.065 s for 1000 nodes at 10^5 triples)
        pattern = "?s ?p ?o" if any_pred else " UNION ".join(
            f"{{ ?s {_t(p)} ?o BIND({_t(p)} AS ?p) }}" for p in named)
        for part in _chunks(_sorted(todo, key=lambda n: n.n3()), NODE_CHUNK):
            vals = _values(anchor, [(n,) for n in part])
            for row in self.eng.select(f"SELECT DISTINCT ?s ?p ?o {union} WHERE {{ {vals} "
                                       f"{pattern} }}"):
                self.local.add((row["s"], row["p"], row["o"]))

    def prefetch(self, nodes: Sequence[Node], paths: Iterable[Any]) -> None:
        """The first step of every path in one request per direction."""
        from ..knowledge.incremental_shacl import EPS, steps

        first: dict[bool, set[Node | None]] = {False: set(), True: set()}
        for path in paths:
            for pre, atom in steps(path):
                if pre == EPS:
                    first[atom.inverse].add(atom.pred)
        for inverse, preds in first.items():
            if preds:
                self._read(nodes, preds, inverse)

    def step(self, nodes: set[Node], pred: Node | None, inverse: bool) -> set[Node]:
        self._read(nodes, {pred}, inverse)
        out: set[Node] = set()
        for n in nodes:
            if inverse:
                out.update(s for s, _, _ in self.local.triples((None, pred, n)))
            elif not isinstance(n, Literal):
                out.update(o for _, _, o in self.local.triples((n, pred, None)))
        return out

    def eval(self, e: Any, nodes: set[Node]) -> set[Node]:
        from ..knowledge.incremental_shacl import walk

        return walk(e, nodes, lambda ns, atom: self.step(ns, atom.pred, atom.inverse))


# -- the whole rebuild, either way --------------------------------------------------------------

WHERE = ("auto", "engine", "process")


@dataclass
class Outcome:
    """What :func:`derive` did: where each part ran (and why not on the engine), its figures
    and the shapes' report (None when not validated or the store has no shapes)."""

    stats: Stats
    report: ValidationReport | None
    reasoned_on: str = "engine"
    validated_on: str = "engine"
    why: list[str] = field(default_factory=list)


def derive(store: Store, *, where: str = "auto", validate: bool = True,
           progress: Progress | None = None) -> Outcome:
    """Recompute the store's inferred graph and check asserted + inferred against its shapes.

    ``where``: ``engine`` (a remote store's engine does the work; ``KGError(BAD_INPUT)`` if it
    cannot), ``process`` (the dataset is read into this process and the fast reasoner and
    validator run here: any store) or ``auto`` (the engine where it can, else this process,
    saying why). The inferred graph is written either way, also when the shapes fail.
    Raises ``KGError(INCONSISTENT)`` (nothing written) when the data contradicts the ontology.
    """
    if where not in WHERE:
        raise KGError(ErrorKind.BAD_INPUT, f"unknown place {where!r} (one of: {', '.join(WHERE)})")
    say = progress or (lambda _m: None)
    stats = Stats()
    outcome = Outcome(stats, None)
    remote = isinstance(store, RemoteStore)
    if where == "engine" and not remote:
        raise KGError(ErrorKind.BAD_INPUT, f"the {store.name} store has no engine to push the "
                                           "work to: use --where process (or auto)")
    pushed = where != "process" and remote
    if pushed:
        assert isinstance(store, RemoteStore)
        try:
            engine_closure(store, progress=say, stats=stats)
        except NotPushable as why:
            if where == "engine":
                raise KGError(ErrorKind.BAD_INPUT,
                              f"the engine cannot reason here: {why}") from None
            outcome.why.append(f"reasoning in process: {why}")
            pushed = False
    if not pushed:
        outcome.reasoned_on = outcome.validated_on = "process"
        outcome.report = in_process(store, validate=validate, stats=stats)
        return outcome
    if validate:
        assert isinstance(store, RemoteStore)
        try:
            outcome.report = engine_validate(store, progress=say, stats=stats)
        except NotPushable as why:
            if where == "engine":
                raise KGError(ErrorKind.BAD_INPUT, f"the engine cannot validate here: {why}") \
                    from None
            outcome.why.append(f"validating in process: {why}")
            outcome.validated_on = "process"
            asserted, ontology, shapes, inferred = _read(store, ASR, ONT, SHP, INF)
            outcome.report = _validate_here(asserted, ontology, shapes, inferred)
    return outcome


def _graph_of(store: Store, iri: str) -> Graph:
    g = Graph(bind_namespaces="none")
    try:
        g.parse(data=store.get_graph(iri, BY_KEY["ntriples"]), format="nt")
    except KGError as exc:
        if exc.kind is not ErrorKind.NOT_FOUND:
            raise
    return g


def _read(store: Store, *graphs: str) -> list[Graph]:
    return [_graph_of(store, g) for g in graphs]


def _validate_here(asserted: Graph, ontology: Graph, shapes: Graph, inferred: Graph
                   ) -> ValidationReport | None:
    from ..knowledge.validate import validate

    if not len(shapes):
        return None
    return validate(asserted, shapes, ontology=ontology, extra=[inferred], engine="fast")


def in_process(store: Store, *, validate: bool = True, stats: Stats | None = None
               ) -> ValidationReport | None:
    """The reference: asserted, ontology and shapes read into this process, the fast reasoner
    and validator (proven equal to owlrl and pySHACL), the inferred graph written back."""
    from ..knowledge.reason import infer

    stats = stats or Stats()
    started = time.perf_counter()
    asserted, ontology, shapes = _read(store, ASR, ONT, SHP)
    inferred = infer(asserted, ontology, semantics="owlrl-fast")
    # in pieces, not one replace_graphs: Virtuoso refuses a request over 10 MB ("The
    # requested string session is longer than 10Mb"), 10^5 generated triples' inferred graph
    name = ox.NamedNode(INF)
    quads = [ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), name)  # type: ignore[arg-type]
             for s, p, o in inferred]
    for i, part in enumerate(_chunks(quads, WRITE_CHUNK) or [[]]):
        store.apply_delta([], part, cleared=[INF] if i == 0 else [])
    stats.inferred = len(inferred)
    stats.seconds["closure"] = time.perf_counter() - started
    if not validate:
        return None
    started = time.perf_counter()
    report = _validate_here(asserted, ontology, shapes, inferred)
    stats.seconds["validate"] = time.perf_counter() - started
    return report
