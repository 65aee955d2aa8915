"""SPARQL Update requests evaluated into a :class:`~.delta.Delta`, never onto a copy.

One reading: the request is parsed once by rdflib's SPARQL grammar, and that parse is what is
checked (``LOAD`` and ``SERVICE`` refused, 403) and what is evaluated here, operation by
operation, each seeing what the earlier ones changed. ``WHERE`` patterns are evaluated by
rdflib's algebra over views of the store's graphs; templates are filled with rdflib's own
``_fillTemplate`` (fresh blank nodes per solution). The protocol's ``using-graph-uri`` and
``using-named-graph-uri`` become the ``USING`` clauses of each ``DELETE``/``INSERT``/``DELETE
WHERE`` operation (a request that has its own ``USING`` or ``WITH`` is refused with them).

Graph semantics are this service's: the default graph is the asserted graph; a graph exists
while it holds triples or was created empty; ``CLEAR`` of a graph that does not exist is a
no-op (an empty graph cleared), ``DROP`` of one is 404 unless ``SILENT``, ``CREATE`` of an
existing one 409 unless ``SILENT``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pyoxigraph as ox
import pyparsing
import rdflib
from rdflib.plugins.sparql import algebra
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.evaluate import evalPart
from rdflib.plugins.sparql.evalutils import _fillTemplate
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Prologue, QueryContext, Update
from rdflib.term import BNode, Node, URIRef, Variable

from ..errors import ErrorKind, KGError
from ..namespaces import PREFIXES
from ..store import sandbox
from ..store.analysis import nodes
from ..store.oxigraph import sparql_error
from ..store.prepared import parser_lock
from ..store.rdflibview import DatasetView
from .delta import ASSERTED_IRI, Delta, Triple

_NO_FETCH = ("this server fetches nothing for an update: LOAD and SERVICE are refused; send "
             "data with the Graph Store Protocol (PUT/POST /rdf-graph-store)")


def parse(text: str, base_iri: str | None) -> Update:
    """rdflib's parse of an update request, with our prefixes; BAD_INPUT with the position."""
    try:
        with parser_lock():  # rdflib's grammar is shared and not thread-safe
            tree = parseUpdate(text)
        _declare_ours(tree)
        parsed = translateUpdate(tree, base_iri)
        return parsed if isinstance(parsed, Update) else Update(Prologue(), [])
    except pyparsing.ParseBaseException as exc:
        raise _syntax_error(text, base_iri, exc) from None
    except RecursionError:
        raise KGError(ErrorKind.BAD_INPUT, "SPARQL Update nested too deeply") from None
    except Exception as exc:  # rdflib's translation raises many kinds for invalid requests
        raise KGError(ErrorKind.BAD_INPUT, f"SPARQL Update error: {exc}") from None


def _declare_ours(tree: Any) -> None:
    """Our prefixes, as if declared first. Not ``initNs``: rdflib binds that again before every
    operation, and one namespace keeps one prefix in rdflib, so a request's own ``PREFIX dc:``
    for a namespace we call ``dcterms:`` vanished after its first operation. A request's own
    declarations win: ours for the same prefix or the same namespace are left out."""
    prologues = list(tree.get("prologue") or [])
    if not prologues:
        return
    mine = [x for p in prologues for x in p if x.name == "PrefixDecl"]
    names = {str(x.prefix) for x in mine}
    spaces = {str(x.iri) for x in mine}
    ours = [CompValue("PrefixDecl", prefix=k, iri=URIRef(v)) for k, v in PREFIXES.items()
            if k not in names and str(v) not in spaces]
    tree["prologue"] = [ours + list(prologues[0]), *prologues[1:]]


def _syntax_error(text: str, base_iri: str | None, exc: pyparsing.ParseBaseException
                  ) -> KGError:
    """rdflib places an error at the start of the operation it could not read; Oxigraph's
    parser points at the token. Its message is used when it has one (it only parses here, on an
    empty store on a thread that cannot connect); no decision is taken from it."""
    try:
        sandbox.run_sandboxed(lambda: ox.Store().update(text, base_iri=base_iri,
                                                        prefixes=PREFIXES))
    except SyntaxError as precise:
        found = sparql_error(precise, text)
        return KGError(ErrorKind.BAD_INPUT, found.message.replace("SPARQL syntax error",
                                                                  "SPARQL Update syntax error"),
                       line=found.line, column=found.column)
    except Exception:
        pass
    return KGError(ErrorKind.BAD_INPUT, f"SPARQL Update syntax error: {exc.msg}",
                   line=exc.lineno, column=exc.col)


def check(update: Update) -> None:
    """Refuse what would fetch: ``LOAD``, and ``SERVICE`` anywhere in a pattern."""
    for op in update.algebra:
        if op.name == "Load":
            raise KGError(ErrorKind.FORBIDDEN, _NO_FETCH)
        if any(node.name == "ServiceGraphPattern" for node in nodes(op)):
            raise KGError(ErrorKind.FORBIDDEN, _NO_FETCH)


def has_dataset_clause(update: Update) -> bool:
    """``USING``, ``USING NAMED`` or ``WITH`` in any operation."""
    return any(dict.get(op, "using") or dict.get(op, "withClause") for op in update.algebra)


def _graph(value: Any) -> str | None:
    """A graph of an operation: None for ``DEFAULT`` (the asserted graph)."""
    if value == "DEFAULT" or value is None:
        return None
    return ASSERTED_IRI if str(value) == ASSERTED_IRI else str(value)


class _Run:
    def __init__(self, delta: Delta, using: Sequence[str], using_named: Sequence[str]) -> None:
        self.delta = delta
        self.using = using
        self.using_named = using_named

    def dataset(self, default: Sequence[str | None], named: Iterable[str] | None) -> rdflib.Dataset:
        names = self.delta.names() if named is None else set(named)
        view = DatasetView([self.delta.graph(g) for g in default],
                           {URIRef(n): self.delta.graph(n) for n in names})
        return rdflib.Dataset(store=view, default_union=False)

    def solutions(self, op: CompValue, where: CompValue, with_graph: str | None
                  ) -> list[Any]:
        using = dict.get(op, "using") or []
        if self.using or self.using_named:
            default: list[str | None] = list(self.using)
            named: list[str] | None = list(self.using_named)
        elif using:
            default = [_graph(u.default) for u in using if dict.get(u, "default") is not None]
            named = [str(u.named) for u in using if dict.get(u, "named") is not None]
        else:
            default, named = [with_graph], None
        ctx = QueryContext(self.dataset(default, named), initBindings={})
        ctx.prologue = op.prologue
        try:
            return list(evalPart(ctx, where))
        except KGError:
            raise
        except RecursionError:
            raise KGError(ErrorKind.BAD_INPUT, "update failed: nested too deeply") from None
        except Exception as exc:  # rdflib's evaluation errors are the request's fault
            raise KGError(ErrorKind.BAD_INPUT, f"update failed: {exc}") from None

    def fill(self, clause: CompValue | None, solutions: list[Any], default: str | None
             ) -> Iterator[tuple[str | None, Triple]]:
        if clause is None:
            return
        for solution in solutions:
            for t in _fillTemplate(dict.get(clause, "triples") or [], solution):
                if _ground(t):
                    yield default, t
            for g, ts in (dict.get(clause, "quads") or {}).items():
                name = solution.get(g) if isinstance(g, Variable) else g
                if not isinstance(name, URIRef):
                    continue
                for t in _fillTemplate(ts, solution):
                    if _ground(t):
                        yield _graph(name), t

    # -- the operations -------------------------------------------------------------------

    def InsertData(self, op: CompValue) -> None:
        fresh: dict[BNode, BNode] = {}
        for g, t in _data(op):
            self.delta.add(g, tuple(fresh.setdefault(x, BNode()) if isinstance(x, BNode)
                                    else x for x in t))  # type: ignore[arg-type]

    def DeleteData(self, op: CompValue) -> None:
        for g, t in _data(op):
            self.delta.remove(g, t)

    def DeleteWhere(self, op: CompValue) -> None:
        parts = [algebra.BGP(list(dict.get(op, "triples") or []))]
        for g, ts in (dict.get(op, "quads") or {}).items():
            parts.append(algebra.Graph(g, algebra.BGP(list(ts))))
        where = parts[0]
        for part in parts[1:]:
            where = algebra.Join(where, part)
        solutions = self.solutions(op, where, None)
        for g, t in list(self.fill(op, solutions, None)):
            self.delta.remove(g, t)

    def Modify(self, op: CompValue) -> None:
        with_graph = _graph(dict.get(op, "withClause"))
        solutions = self.solutions(op, op.where, with_graph)
        deletes = list(self.fill(dict.get(op, "delete"), solutions, with_graph))
        inserts = list(self.fill(dict.get(op, "insert"), solutions, with_graph))
        for g, t in deletes:
            self.delta.remove(g, t)
        for g, t in inserts:
            self.delta.add(g, t)

    def _targets(self, op: CompValue) -> Sequence[str | None]:
        which = op.graphiri
        if which == "ALL":
            return [None, *sorted(self.delta.names())]
        if which == "NAMED":
            return [*sorted(self.delta.names() - {ASSERTED_IRI})]
        return [_graph(which)]

    def Clear(self, op: CompValue) -> None:
        for g in self._targets(op):
            self.delta.clear(g)

    def Drop(self, op: CompValue) -> None:
        targets = self._targets(op)
        if op.graphiri not in ("ALL", "NAMED", "DEFAULT") and not op.silent \
                and not self.delta.exists(targets[0]):
            raise KGError(ErrorKind.NOT_FOUND, f"update failed: the graph <{targets[0]}> "
                                               "does not exist")
        for g in targets:
            self.delta.drop(g)

    def Create(self, op: CompValue) -> None:
        g = _graph(op.graphiri)
        if g is None or self.delta.exists(g):
            if op.silent:
                return
            raise KGError(ErrorKind.CONFLICT, f"update failed: the graph <{g}> already exists")
        self.delta.create(g)

    def _move(self, op: CompValue, *, replace: bool, drop_source: bool) -> None:
        source, target = (_graph(g) for g in op.graph)
        if source == target:
            return
        # as Oxigraph: ADD from a graph that does not exist adds nothing, COPY and MOVE fail
        if not self.delta.exists(source):
            if op.silent or not replace:
                return
            raise KGError(ErrorKind.NOT_FOUND, f"update failed: the graph <{source}> does not "
                                               "exist")
        triples = list(self.delta.triples(source, (None, None, None)))
        if replace:
            self.delta.drop(target)
        if target is not None and not self.delta.exists(target):
            self.delta.create(target)
        for t in triples:
            self.delta.add(target, t)
        if drop_source:
            self.delta.drop(source)

    def Add(self, op: CompValue) -> None:
        self._move(op, replace=False, drop_source=False)

    def Copy(self, op: CompValue) -> None:
        self._move(op, replace=True, drop_source=False)

    def Move(self, op: CompValue) -> None:
        self._move(op, replace=True, drop_source=True)


def _ground(t: tuple[Node, ...]) -> bool:
    return not any(isinstance(x, Variable) for x in t) and not isinstance(t[0], rdflib.Literal) \
        and isinstance(t[1], URIRef)


def _data(op: CompValue) -> Iterator[tuple[str | None, Triple]]:
    for t in dict.get(op, "triples") or []:
        yield None, t
    for g, ts in (dict.get(op, "quads") or {}).items():
        for t in ts:
            yield _graph(g), t


def apply_update(delta: Delta, update: Update, *, using: Sequence[str] = (),
                 using_named: Sequence[str] = ()) -> None:
    """Evaluate every operation of ``update`` into ``delta``, in order."""
    check(update)
    if (using or using_named) and has_dataset_clause(update):
        raise KGError(ErrorKind.BAD_INPUT, "using-graph-uri/using-named-graph-uri cannot be "
                      "combined with USING, USING NAMED or WITH in the update")
    run = _Run(delta, using, using_named)
    for op in update.algebra:
        getattr(run, op.name)(op)
