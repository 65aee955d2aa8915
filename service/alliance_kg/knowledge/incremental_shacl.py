"""Incremental SHACL validation: check only the focus nodes a change can affect.

A write changes a few triples of a large, already validated graph. A full validation costs what
the graph costs; this module validates only the focus nodes whose results the change can alter,
and gives the same results for them as a full validation of the new data.

**Which focus nodes.** A focus node's results depend on a fixed set of *dependency paths* from
it, worked out from the shapes graph (:class:`PreparedShapes`):

- its targets: ``rdf:type/rdfs:subClassOf*`` (``sh:targetClass`` and implicit class targets),
  ``p`` (``sh:targetSubjectsOf p``), ``^p`` (``sh:targetObjectsOf p``); a SPARQL target's
  query is read like a SPARQL constraint's (below);
- for a property shape reached along ``P``, its values ``P/path`` (any SHACL path: sequence,
  inverse, alternative, ``*``/``+``/``?``); ``sh:class C`` adds ``P/path/rdf:type/
  rdfs:subClassOf*``; ``sh:equals``/``sh:disjoint``/``sh:lessThan[OrEquals] q`` add ``P/q``;
  ``sh:node``, ``sh:property``, ``sh:and``/``sh:or``/``sh:xone``/``sh:not`` and
  ``sh:qualifiedValueShape`` (with its siblings when they must be disjoint) recurse with the
  values as focus; ``sh:closed`` adds ``P/(any predicate)``;
- a SPARQL constraint (``sh:sparql``/``sh:select``) or target: every triple pattern of its
  query, reached from ``$this`` through the patterns that any solution using it must also
  match (the same basic graph pattern, a join, an OPTIONAL's required side, an EXISTS's outer
  pattern, a MINUS's left side). Paths in patterns (``akg:reportsTo+``) are SHACL-like paths.

A changed triple ``(s p o)`` is read by a dependency path only at a step over ``p``: forward
from ``s`` or backward from ``o``. So for every dependency path and every such step we keep the
*prefix* that leads to it; the affected focus nodes are those that reach ``s`` (or ``o``)
through a prefix, found by walking the prefix backwards from there. Example: for a path
``p/q`` a change of ``(x q y)`` affects every ``f`` with ``f p x``. The walk runs over the new
data *and* the removed triples, so paths that existed only before the change count too.

A query pattern that no required pattern connects to ``$this`` (or a query this analysis does
not model: sub-SELECTs, GRAPH, SERVICE) makes every change to its predicates affect every
target of its top-level shape: sound, and costly only for such shapes.

**Then** each affected node is validated by pySHACL against the top-level shapes that target
it in the new data (pySHACL's own shapes and constraint code, with the focus nodes given, as
``pyshacl.validate(use_shapes=..., focus_nodes=...)`` does), on a read-only view of the data
graphs: nothing is copied.

**What is proven** (tests/knowledge/test_incremental_shacl.py), with ``F`` =
:func:`affected_focus_nodes`: (1) the report lists exactly the results of a full validation of
the new data whose focus node is in ``F``; (2) the full validation's results with focus nodes
outside ``F`` are the same before and after the change. Hence, **if the data conformed before
the change, ``report.conforms`` is the full validation's verdict** on the new data. Violations
that existed before at nodes outside ``F`` are neither re-checked nor reported: the write path
must start from a conforming store (it does: it refuses writes that do not conform), and must
validate fully after changing the shapes (then call :func:`prepare_shapes` again). Results of
a property shape nested under another property shape's values would have the value as focus
node; no shape of ours nests them, and (1) is stated for results as reported.

**Unsupported features** fall back to a full validation (:func:`validate.validate`, which
copies the data): SHACL rules, custom constraint components, SHACL functions, JavaScript,
node expressions, custom target types and recursive shapes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NoReturn, cast

from pyshacl.graph_abstraction import RdfLibDataGraph
from pyshacl.pytypes import SHACLExecutor
from pyshacl.shapes_graph import ShapesGraph
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.store import Store
from rdflib.term import Node

from ..errors import ErrorKind, KGError
from ..namespaces import bind_prefixes
from .reason import merged
from .validate import (
    ValidationReport,
    _PreparedQueries,
    _quiet_pyshacl,
    _report,
    _shapes_digest,
    _top_shapes,
    check_shapes,
    validate,
)

Triple = tuple[Node, Node, Node]

# -- path expressions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Atom:
    """One step over ``pred`` (``None``: any predicate), backwards when ``inverse``."""

    pred: URIRef | None
    inverse: bool = False


@dataclass(frozen=True)
class Seq:
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Alt:
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Rep:
    """``inner*`` (least 0), ``inner+`` (least 1) or ``inner?`` (least 0, ``once``)."""

    inner: Expr
    least: int
    once: bool = False


Expr = Atom | Seq | Alt | Rep
EPS = Seq(())


def seq(*parts: Expr) -> Expr:
    flat: list[Expr] = []
    for p in parts:
        flat.extend(p.parts if isinstance(p, Seq) else (p,))
    return flat[0] if len(flat) == 1 else Seq(tuple(flat))


def inverse(e: Expr) -> Expr:
    if isinstance(e, Atom):
        return Atom(e.pred, not e.inverse)
    if isinstance(e, Seq):
        return seq(*(inverse(p) for p in reversed(e.parts)))
    if isinstance(e, Alt):
        return Alt(tuple(inverse(p) for p in e.parts))
    return Rep(inverse(e.inner), e.least, e.once)


def steps(e: Expr) -> list[tuple[Expr, Atom]]:
    """Every step of ``e`` with the prefix of ``e`` that leads to where it is taken."""
    if isinstance(e, Atom):
        return [(EPS, e)]
    if isinstance(e, Seq):
        out: list[tuple[Expr, Atom]] = []
        for i, part in enumerate(e.parts):
            out += [(seq(*e.parts[:i], pre), a) for pre, a in steps(part)]
        return out
    if isinstance(e, Alt):
        return [pa for part in e.parts for pa in steps(part)]
    if e.once:
        return steps(e.inner)
    # the k-th round of inner* starts after k-1 rounds: the prefix is inner* itself
    return [(seq(Rep(e.inner, 0), pre), a) for pre, a in steps(e.inner)]


def predicates(e: Expr) -> set[URIRef | None]:
    return {a.pred for _, a in steps(e)}


def shacl_path(shapes: Graph, node: Node) -> Expr:
    """A SHACL property path (sh:path's object) as an :data:`Expr`."""
    if isinstance(node, URIRef):
        return Atom(node)
    if shapes.value(node, RDF.first) is not None or node == RDF.nil:
        return seq(*(shacl_path(shapes, n) for n in Collection(shapes, node)))
    for pred, least, once in ((SH.zeroOrMorePath, 0, False), (SH.oneOrMorePath, 1, False),
                              (SH.zeroOrOnePath, 0, True)):
        inner = shapes.value(node, pred)
        if inner is not None:
            return Rep(shacl_path(shapes, inner), least, once)
    inv = shapes.value(node, SH.inversePath)
    if inv is not None:
        return inverse(shacl_path(shapes, inv))
    alts = shapes.value(node, SH.alternativePath)
    if alts is not None:
        return Alt(tuple(shacl_path(shapes, n) for n in Collection(shapes, alts)))
    raise _Unsupported(f"unknown SHACL path {node!r}")


def sparql_path(p: Any) -> Expr:
    """A SPARQL predicate (IRI, variable or rdflib property path) as an :data:`Expr`."""
    if isinstance(p, URIRef):
        return Atom(p)
    if isinstance(p, InvPath):
        return inverse(sparql_path(p.arg))
    if isinstance(p, SequencePath):
        return seq(*(sparql_path(a) for a in p.args))
    if isinstance(p, AlternativePath):
        return Alt(tuple(sparql_path(a) for a in p.args))
    if isinstance(p, MulPath):
        return Rep(sparql_path(p.path), 1 if p.mod == "+" else 0, p.mod == "?")
    if isinstance(p, NegatedPath):
        # !(p|^q) steps over any other predicate, either way
        return Alt((Atom(None), Atom(None, True)))
    return Atom(None)  # a variable predicate


class _Unsupported(Exception):
    pass


# -- the data as pySHACL sees it ----------------------------------------------------------------


@lru_cache(maxsize=1)
def _prefix_store() -> Store:
    holder = Graph(bind_namespaces="none")
    bind_prefixes(holder)
    return holder.store


class _View(_PreparedQueries):
    """A read-only graph over several graphs (data, inferred, ontology) without copying them.

    rdflib's SPARQL engine and pySHACL read a graph only through ``triples``; a triple in more
    than one of the graphs is yielded once.
    """

    def __init__(self, graphs: Sequence[Graph]) -> None:
        # an empty store with our prefixes bound, shared: binding them costs more than a check
        super().__init__(store=_prefix_store(), bind_namespaces="none")
        self._graphs = tuple(graphs)

    def triples(self, triple: Any) -> Iterator[Any]:  # type: ignore[override]
        s, p, o = triple
        if isinstance(p, Path):
            for _s, _o in p.eval(self, s, o):
                yield _s, p, _o
            return
        graphs = self._graphs
        for i, g in enumerate(graphs):
            for t in g.triples((s, p, o)):
                if i and any(t in h for h in graphs[:i]):
                    continue
                yield t

    def __len__(self) -> int:
        return sum(1 for _ in self.triples((None, None, None)))

    def __bool__(self) -> bool:
        # pySHACL tests data graphs for truth (``datagraph or sg``): never count them for it
        return True

    def add(self, triple: Any) -> NoReturn:
        raise TypeError("the validation view is read-only")

    def remove(self, triple: Any) -> NoReturn:
        raise TypeError("the validation view is read-only")


class _DataGraph(RdfLibDataGraph):
    """pySHACL's wrapper of an rdflib graph, true without counting the triples behind it."""

    def __bool__(self) -> bool:
        return True

    def quads(self, quad: Any = None) -> Generator[Any, None, None]:
        # pySHACL describes a blank node in a message by the graph that holds it
        s, p, o = (quad or (None, None, None, None))[:3]
        for t in self.impl.triples((s, p, o)):
            yield (*t, self.impl)


def _data_graph(view: _View) -> Any:
    return _DataGraph(view.store, impl=view)


def walk(e: Expr, nodes: set[Node], step: Callable[[set[Node], Atom], set[Node]]) -> set[Node]:
    """The nodes a path expression reaches from ``nodes``, one ``step`` per atom: the one
    evaluation of SHACL paths, whoever reads the triples (rdflib here, an engine in pushdown)."""
    if isinstance(e, Atom):
        return step(nodes, e)
    if isinstance(e, Seq):
        for part in e.parts:
            if not nodes:
                break
            nodes = walk(part, nodes, step)
        return nodes
    if isinstance(e, Alt):
        return set().union(*(walk(p, nodes, step) for p in e.parts))
    if e.once:
        return nodes | walk(e.inner, nodes, step)
    seen = set(nodes) if e.least == 0 else set()
    frontier = walk(e.inner, nodes, step)
    while frontier - seen:
        frontier -= seen
        seen |= frontier
        frontier = walk(e.inner, frontier, step)
    return seen


class _Reach:
    """Walks over the new data plus the removed triples (every path of the old or new data)."""

    def __init__(self, view: Graph, removed: Iterable[Triple]) -> None:
        self.view = view
        self.out: dict[Node, list[tuple[Node, Node]]] = {}
        self.inn: dict[Node, list[tuple[Node, Node]]] = {}
        for s, p, o in removed:
            self.out.setdefault(s, []).append((p, o))
            self.inn.setdefault(o, []).append((p, s))

    def step(self, nodes: Iterable[Node], a: Atom) -> set[Node]:
        found: set[Node] = set()
        extra = self.inn if a.inverse else self.out
        for n in nodes:
            if a.inverse:
                found.update(s for s, _, _ in self.view.triples((None, a.pred, n)))
            elif not isinstance(n, Literal):
                found.update(o for _, _, o in self.view.triples((n, a.pred, None)))
            found.update(m for p, m in extra.get(n, ()) if a.pred is None or p == a.pred)
        return found

    def eval(self, e: Expr, nodes: set[Node]) -> set[Node]:
        return walk(e, nodes, self.step)


# -- dependency analysis of the shapes ----------------------------------------------------------

_SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)
_SHAPE_ONE = (SH.node, SH.property, SH["not"], SH.qualifiedValueShape)
_COMPARE = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)
_UNSUPPORTED = {SH.rule: "SHACL rules", SH.expression: "node expressions",
                SH.jsFunctionName: "SHACL-JS", SH.jsLibrary: "SHACL-JS",
                SH.parameter: "custom constraint components", SH.validator:
                "custom constraint components", SH.nodeValidator: "custom constraint components",
                SH.propertyValidator: "custom constraint components"}
_UNSUPPORTED_TYPES = {SH.ConstraintComponent: "custom constraint components",
                      SH.SPARQLFunction: "SHACL functions", SH.Function: "SHACL functions",
                      SH.SPARQLTargetType: "custom target types", SH.TargetType:
                      "custom target types", SH.SPARQLRule: "SHACL rules",
                      SH.TripleRule: "SHACL rules"}
_TYPE_PATH = seq(Atom(RDF.type), Rep(Atom(RDFS.subClassOf), 0))
_THIS = Variable("this")


@dataclass
class _Deps:
    paths: set[Expr] = field(default_factory=set)
    #: predicates (None: any) whose change may affect every target of the shape
    everywhere: set[URIRef | None] = field(default_factory=set)


def _prefix_text(shapes: Graph, holder: Node) -> str:
    lines = []
    for decls in shapes.objects(holder, SH.prefixes):
        for d in shapes.objects(decls, SH.declare):
            prefix, ns = shapes.value(d, SH.prefix), shapes.value(d, SH.namespace)
            if prefix is not None and ns is not None:
                lines.append(f"PREFIX {prefix}: <{ns}>")
    return "\n".join(sorted(set(lines))) + "\n"


def _sparql_deps(text: str, deps: _Deps, at: Expr) -> None:
    """Dependency paths (from ``$this``, after ``at``) of a SELECT query's triple patterns."""
    from rdflib.plugins.sparql import prepareQuery

    try:
        if "$PATH" in text:
            raise _Unsupported("$PATH")
        algebra = prepareQuery(text).algebra
        registered: list[tuple[tuple[Any, Any, Any], list[tuple[Any, Any, Any]]]] = []
        _register(algebra, [], registered, top=True)
    except Exception:  # any query we cannot model counts everywhere
        deps.everywhere.add(None)
        return
    for tp, context in registered:
        paths = _pattern_paths([*context, tp])
        s, p, o = tp
        pe = sparql_path(p)
        if s in paths:
            deps.paths.add(seq(at, paths[s], pe))
        elif o in paths:
            deps.paths.add(seq(at, paths[o], inverse(pe)))
        else:
            deps.everywhere |= predicates(pe)


def _pattern_paths(patterns: list[tuple[Any, Any, Any]]) -> dict[Any, Expr]:
    """Shortest paths from ``$this`` to each term through the (jointly required) patterns."""
    paths: dict[Any, Expr] = {_THIS: EPS}
    frontier = [_THIS]
    while frontier:
        nxt = []
        for node in frontier:
            for s, p, o in patterns:
                pe = sparql_path(p)
                for here, there, e in ((s, o, pe), (o, s, inverse(pe))):
                    if here == node and there not in paths:
                        paths[there] = seq(paths[node], e)
                        nxt.append(there)
        frontier = nxt
    return paths


_PASS = ("SelectQuery", "AskQuery", "Distinct", "Reduced", "Slice", "OrderBy", "Group",
         "AggregateJoin", "ToMultiSet")


def _certain(n: Any) -> list[tuple[Any, Any, Any]]:
    """Triple patterns every solution of ``n`` matches (a subset is safe, never a superset)."""
    name = getattr(n, "name", None)
    if name == "BGP":
        return [tuple(t) for t in n["triples"]]
    if name == "Join":
        return _certain(n["p1"]) + _certain(n["p2"])
    if name in ("LeftJoin", "Minus", "Filter", "Extend", "Project") or name in _PASS:
        return _certain(n["p1"] if name in ("LeftJoin", "Minus") else n["p"])
    return []


def _register(n: Any, ctx: list[tuple[Any, Any, Any]],
              out: list[tuple[tuple[Any, Any, Any], list[tuple[Any, Any, Any]]]],
              top: bool = False) -> None:
    """Note each triple pattern with the patterns any solution using it also matches."""
    name = getattr(n, "name", None)
    if name == "BGP":
        triples = [tuple(t) for t in n["triples"]]
        out.extend((t, ctx + triples) for t in triples)
    elif name == "Join":
        _register(n["p1"], ctx + _certain(n["p2"]), out)
        _register(n["p2"], ctx + _certain(n["p1"]), out)
    elif name == "LeftJoin":
        _register(n["p1"], ctx, out)
        both = ctx + _certain(n["p1"])
        _register(n["p2"], both, out)
        _exists(n.get("expr"), both + _certain(n["p2"]), out)
    elif name == "Minus":
        # a solution of the right side matters only where it shares a variable with the left
        _register(n["p1"], ctx, out)
        _register(n["p2"], ctx + _certain(n["p1"]), out)
    elif name == "Union":
        _register(n["p1"], ctx, out)
        _register(n["p2"], ctx, out)
    elif name in ("Filter", "Extend"):
        _register(n["p"], ctx, out)
        _exists(n["expr"], ctx + _certain(n["p"]), out)
    elif name == "Project" and top:
        _register(n["p"], ctx, out, top=name != "Project")
    elif name in _PASS:
        _register(n["p"], ctx, out, top=top)
        for key in ("expr", "A", "having"):
            _exists(n.get(key), ctx + _certain(n["p"]), out)
    elif name == "values":
        return
    else:
        raise _Unsupported(f"SPARQL {name}")


def _exists(expr: Any, ctx: list[tuple[Any, Any, Any]],
            out: list[tuple[tuple[Any, Any, Any], list[tuple[Any, Any, Any]]]]) -> None:
    """Register the patterns of EXISTS / NOT EXISTS inside a filter or BIND expression."""
    from rdflib.plugins.sparql.algebra import translateGroupGraphPattern

    if isinstance(expr, CompValue):
        if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            graph = expr["graph"]
            if graph.name == "GroupGraphPatternSub":
                graph = translateGroupGraphPattern(graph)
            _register(graph, ctx, out)
            return
        for v in expr.values():
            _exists(v, ctx, out)
    elif isinstance(expr, list | tuple):
        for v in expr:
            _exists(v, ctx, out)


def _shape_deps(shapes: Graph, shape: Node, at: Expr, deps: _Deps,
                stack: tuple[Node, ...] = ()) -> None:
    """Dependency paths of validating ``shape`` at the nodes ``at`` leads to."""
    if shape in stack:
        raise _Unsupported("recursive shapes")
    stack += (shape,)
    path = shapes.value(shape, SH.path)
    values = seq(at, shacl_path(shapes, path)) if path is not None else at
    if path is not None:
        deps.paths.add(values)
    if (shape, SH["class"], None) in shapes:
        deps.paths.add(seq(values, _TYPE_PATH))
    for pred in _COMPARE:
        for q in shapes.objects(shape, pred):
            deps.paths.add(seq(at, shacl_path(shapes, q)))
    if shapes.value(shape, SH.closed) == Literal(True):
        deps.paths.add(seq(values, Atom(None)))
    for pred in _SHAPE_ONE:
        for inner in shapes.objects(shape, pred):
            _shape_deps(shapes, inner, values, deps, stack)
    for pred in _SHAPE_LISTS:
        for lst in shapes.objects(shape, pred):
            for inner in Collection(shapes, lst):
                _shape_deps(shapes, inner, values, deps, stack)
    if shapes.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
        for parent in shapes.subjects(SH.property, shape):
            for sibling in shapes.objects(parent, SH.property):
                for q in shapes.objects(sibling, SH.qualifiedValueShape):
                    _shape_deps(shapes, q, values, deps, stack)
    for constraint in shapes.objects(shape, SH.sparql):
        for text in shapes.objects(constraint, SH.select):
            _sparql_deps(_prefix_text(shapes, constraint) + str(text), deps, values)


# -- prepared shapes ----------------------------------------------------------------------------


@dataclass
class _Top:
    """A shape with targets, as pySHACL reads them, and its SPARQL target queries."""

    shape: Any  # pyshacl.shape.Shape
    nodes: frozenset[Node]
    classes: frozenset[Node]
    subjects_of: frozenset[Node]
    objects_of: frozenset[Node]
    #: each SPARQL target's query and the triples all its results have (None: the node)
    sparql_targets: tuple[tuple[str, tuple[Triple, ...]], ...]
    everywhere: frozenset[URIRef | None]


class PreparedShapes:
    """A shapes graph analysed once: pySHACL's shapes and the dependency paths of each.

    Keep one per shapes graph (the service's shapes change rarely); :func:`prepare_shapes`
    remembers the last few by content. Not for concurrent use (the write path holds a lock).
    """

    def __init__(self, shapes: Graph) -> None:
        _quiet_pyshacl()
        check_shapes(shapes)
        self.source = shapes
        self.lock = threading.Lock()
        self.unsupported = _unsupported(shapes)
        self.tops: list[_Top] = []
        #: predicate (None: any) -> prefixes, walked backwards, that end in a step over it
        self.forward: dict[Node | None, set[Expr]] = {}
        self.backward: dict[Node | None, set[Expr]] = {}
        if self.unsupported:
            return
        # pySHACL adds RDFS/OWL axioms to the shapes graph it is given: give it a copy
        self.sg = ShapesGraph(merged([shapes]))
        self.top_names = _top_shapes(shapes)
        self.executor = SHACLExecutor(advanced_mode=True, allow_warnings=True)
        try:
            self._analyse(shapes)
        except _Unsupported as exc:
            self.unsupported = str(exc)

    def _analyse(self, shapes: Graph) -> None:
        for s in self.sg.shapes:
            s.set_advanced(True)
        for s in list(self.sg.shapes):
            nodes, classes, implicit, objects_of, subjects_of = (
                frozenset(x) for x in s.target())
            sparql: list[tuple[str, tuple[Triple, ...]]] = []
            for at in s.advanced_target().values():
                if "qh" not in at:
                    raise _Unsupported("custom target types")
                text = at["qh"].apply_prefixes(at["qh"].select_text)
                sparql.append((text, _needs(text)))
            classes |= implicit
            if not (nodes or classes or objects_of or subjects_of or sparql):
                continue
            deps = _Deps()
            if classes:
                deps.paths.add(_TYPE_PATH)
            deps.paths.update(Atom(p) for p in subjects_of)
            deps.paths.update(Atom(p, True) for p in objects_of)
            for text, _ in sparql:
                _sparql_deps(text, deps, EPS)
            _shape_deps(shapes, s.node, EPS, deps)
            self.tops.append(_Top(s, nodes, classes, subjects_of, objects_of, tuple(sparql),
                                  frozenset(deps.everywhere)))
            for d in deps.paths:
                for pre, a in steps(d):
                    side = self.backward if a.inverse else self.forward
                    side.setdefault(a.pred, set()).add(inverse(pre))

    def targets(self, top: _Top, view: Graph, node: Node, classes: set[Node]) -> bool:
        """Whether ``node`` (of the given classes and superclasses) is a target of ``top`` in
        ``view``, by pySHACL's own definition of targets."""
        if node in top.nodes or classes & top.classes:
            return True
        if not isinstance(node, Literal) and any(
                (node, p, None) in view for p in top.subjects_of):
            return True
        if any((None, p, node) in view for p in top.objects_of):
            return True
        for text, needs in top.sparql_targets:
            # the patterns every solution matches rule most nodes out without a query
            if any((node if s is None else s, p, node if o is None else o) not in view
                   for s, p, o in needs):
                continue
            rows = view.query(text, initBindings={"this": cast(Any, node)})
            if any(cast(Any, row)[0] == node for row in rows):
                return True
        return False


def _classes(view: Graph, node: Node, supers: dict[Node, set[Node]]) -> set[Node]:
    out: set[Node] = set()
    for t in view.objects(node, RDF.type):
        if t not in supers:
            supers[t] = {c for c in view.transitive_objects(t, RDFS.subClassOf) if c is not None}
        out |= supers[t]
    return out


def _needs(text: str) -> tuple[Triple, ...]:
    """Triples (``None`` for ``?this``) that every result of a target query has for its node."""
    from rdflib.plugins.sparql import prepareQuery

    needs: list[Any] = []
    for s, p, o in _certain(prepareQuery(text).algebra):
        if not isinstance(p, URIRef) or (s == _THIS) == (o == _THIS):
            continue
        s_, o_ = (None if t == _THIS else t for t in (s, o))
        if (s_ is None and isinstance(o_, URIRef | Literal)) or (
                o_ is None and isinstance(s_, URIRef)):
            needs.append((s_, p, o_))
    return tuple(needs)


def _unsupported(shapes: Graph) -> str | None:
    for pred, what in _UNSUPPORTED.items():
        if (None, pred, None) in shapes:
            return what
    for cls, what in _UNSUPPORTED_TYPES.items():
        if (None, RDF.type, cls) in shapes:
            return what
    return None


@lru_cache(maxsize=4)
def _prepared(digest: str, shapes: Graph) -> PreparedShapes:
    return PreparedShapes(shapes)


def prepare_shapes(shapes: Graph | PreparedShapes) -> PreparedShapes:
    """The analysed form of ``shapes`` (remembered by content; cheap to call again)."""
    if isinstance(shapes, PreparedShapes):
        return shapes
    return _prepared(_shapes_digest(shapes), shapes)


# -- the API ------------------------------------------------------------------------------------


def _graphs(data: Graph | Sequence[Graph], ontology: Graph | None) -> list[Graph]:
    graphs = [data] if isinstance(data, Graph) else list(data)
    return graphs + ([ontology] if ontology is not None else [])


def affected_focus_nodes(
    data: Graph | Sequence[Graph],
    shapes: Graph | PreparedShapes,
    ontology: Graph | None,
    added: Iterable[Triple],
    removed: Iterable[Triple],
) -> frozenset[Node]:
    """The focus nodes whose validation results the change can alter (see the module doc).

    ``data`` (one graph or several, e.g. asserted and inferred) and ``ontology`` are the data
    *after* the change; ``added``/``removed`` are the triples whose presence in their union
    changed (extra triples only add nodes). Raises ``KGError(BAD_INPUT)`` when the shapes use
    a feature the analysis does not cover (:func:`validate_change` then validates fully).
    """
    prepared = prepare_shapes(shapes)
    if prepared.unsupported:
        raise KGError(ErrorKind.BAD_INPUT, "incremental validation does not support "
                                           f"{prepared.unsupported}")
    view = _View(_graphs(data, ontology))
    added, removed = set(added), set(removed)
    return _affected(prepared, view, added, removed)


def _affected(prepared: PreparedShapes, view: _View, added: set[Triple],
              removed: set[Triple]) -> frozenset[Node]:
    reach = _Reach(view, removed)
    found: set[Node] = set()
    # one backward walk per (prefix, anchor) however many triples share it
    walks: dict[Expr, set[Node]] = {}
    for s, p, o in added | removed:
        for pred in (p, None):
            for pre in prepared.forward.get(pred, ()):
                walks.setdefault(pre, set()).add(s)
            for pre in prepared.backward.get(pred, ()):
                walks.setdefault(pre, set()).add(o)
    for pre, anchors in walks.items():
        found |= reach.eval(pre, anchors)
    preds = {p for _, p, _ in added | removed}
    for top in prepared.tops:
        if None in top.everywhere or top.everywhere & preds:
            found |= set(top.shape.focus_nodes(_data_graph(view)))
    return frozenset(found)


def validate_focus(
    data: Graph | Sequence[Graph],
    shapes: Graph | PreparedShapes,
    ontology: Graph | None,
    focus: Iterable[Node],
) -> ValidationReport:
    """Validate the given nodes against every shape that targets them, and nothing else.

    The results are those of a full validation whose focus node is one of ``focus``.
    """
    prepared = prepare_shapes(shapes)
    view = _View(_graphs(data, ontology))
    return _validate_nodes(prepared, view, sorted(set(focus), key=lambda n: n.n3()))


def _validate_nodes(prepared: PreparedShapes, view: _View, focus: list[Node]) -> ValidationReport:
    dg = _data_graph(view)
    supers: dict[Node, set[Node]] = {}
    classes = {f: _classes(view, f, supers) for f in focus}
    reports: list[Any] = []
    with prepared.lock:
        for top in prepared.tops:
            mine = [f for f in focus if prepared.targets(top, view, f, classes[f])]
            if not mine:
                continue
            _, results = top.shape.validate(prepared.executor, dg, focus=mine)
            reports.extend(results)
    return _report(_raw_report(reports), prepared.source, {}, prepared.top_names)


def _raw_report(results: list[Any]) -> Graph:
    """pySHACL's report graph from its results (``Validator.create_validation_report``,
    without binding the shapes graph's prefixes, which cost more than the rest)."""
    from pyshacl.rdfutil.clone import clone_blank_node

    graph = Graph(bind_namespaces="none")
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    cloned: dict[tuple[Any, str], Node] = {}
    for _, node, triples in results:
        graph.add((report, SH.result, node))
        for s, p, o in triples:
            if isinstance(o, tuple):
                source, term = o
                if isinstance(term, Literal):
                    o = term
                elif (source, str(term)) in cloned:
                    o = cloned[(source, str(term))]
                elif isinstance(term, BNode):
                    o = cloned[(source, str(term))] = clone_blank_node(source, term, graph,
                                                                      keepid=True)
                else:
                    o = cloned[(source, str(term))] = URIRef(str(term))
            graph.add((s, p, o))
    return graph


def validate_change(
    data: Graph | Sequence[Graph],
    shapes: Graph | PreparedShapes,
    ontology: Graph | None,
    added: Iterable[Triple],
    removed: Iterable[Triple],
) -> ValidationReport:
    """Validate only what a change can affect; ``conforms`` is the full verdict if the data
    conformed before the change.

    ``data`` (one graph or several) and ``ontology`` hold the new state (asserted + inferred +
    ontology, as validated by the write path); ``added``/``removed`` are the changed triples of
    their union, inferred ones included. The report has the results of a full validation of
    the new data at the affected focus nodes (:func:`affected_focus_nodes`), violations that
    existed before at those nodes included. Shapes this module cannot analyse are validated
    fully (the report is then a full one).
    """
    prepared = prepare_shapes(shapes)
    graphs = _graphs(data, ontology)
    if prepared.unsupported:
        data_graph = merged(graphs[:-1] if ontology is not None else graphs)
        return validate(data_graph, prepared.source, ontology=ontology, inference="none")
    view = _View(graphs)
    focus = _affected(prepared, view, set(added), set(removed))
    if not focus:
        return _report(Graph(), prepared.source, {}, prepared.top_names)
    return _validate_nodes(prepared, view, sorted(focus, key=lambda n: n.n3()))
