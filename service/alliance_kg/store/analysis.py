"""What the protocol must know about a query before and after it runs, read from a real parse.

Two facts decide how a query is run and kept: whether it names its own dataset (``FROM`` /
``FROM NAMED``, which the protocol's default dataset must then not override) and whether its
answer can be kept (no ``NOW``, ``RAND``, ``UUID``, ``STRUUID``, ``BNODE`` or ``SERVICE``).
pyoxigraph offers no access to its parse, so both come from rdflib's SPARQL grammar (the memory
store's own engine). No security decision rests on this reading: the engine cannot open a
connection (:mod:`alliance_kg.store.sandbox`), whatever a query's spelling.

rdflib's parser is slow on some hostile shapes, so the analysis runs where the query runs (a
killable worker) under a budget; a query it cannot read in time, or at all, is run with the
protocol's dataset and is never kept (:data:`UNREAD`).
"""

from __future__ import annotations

import signal
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from pyparsing import ParseResults
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef

from ..errors import ErrorKind, KGError
from ..knowledge.query import parse_query
from .prepared import parser_lock

#: parse-tree nodes whose value differs from one evaluation to the next
NONDETERMINISTIC = frozenset({"Builtin_NOW", "Builtin_RAND", "Builtin_UUID", "Builtin_STRUUID",
                              "Builtin_BNODE", "ServiceGraphPattern"})
#: CPU seconds rdflib may spend reading one query inside a worker
BUDGET_SECONDS = 0.5
#: wall seconds the request waits for a worker's reading before killing the worker: the budget
#: is CPU time (a loaded machine must not refuse an ordinary query), this is the backstop
READ_WAIT_SECONDS = BUDGET_SECONDS * 4 + 2.0


@dataclass(frozen=True)
class QueryFacts:
    read: bool  #: rdflib's grammar read the query
    has_dataset: bool  #: FROM / FROM NAMED
    deterministic: bool  #: the answer depends on the dataset alone
    calls_service: bool


#: what is assumed of a query rdflib could not read: the protocol's dataset, never kept
UNREAD = QueryFacts(read=False, has_dataset=False, deterministic=False, calls_service=False)


class _OverBudget(Exception):
    pass


def nodes(tree: object) -> Iterator[CompValue]:
    """Every node of an rdflib parse or algebra tree, read without changing it."""
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            yield node
            stack.extend(dict.values(node))  # raw values: CompValue.get resolves variables
        elif isinstance(node, Mapping):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend(node)


def _facts(text: str) -> QueryFacts:
    with parser_lock():  # rdflib's grammar is one shared object, not thread-safe
        parsed = parseQuery(text)
    return _facts_of(parsed)


def _facts_of(parsed: ParseResults) -> QueryFacts:
    query = parsed[1]
    names = {node.name for node in nodes(query)}
    return QueryFacts(read=True, has_dataset=bool(dict.get(query, "datasetClause")),
                      deterministic=not (names & NONDETERMINISTIC),
                      calls_service="ServiceGraphPattern" in names)


def _raise_over_budget(signum: int, frame: FrameType | None) -> None:
    raise _OverBudget


@contextmanager
def _budget(budget: float | None) -> Iterator[None]:
    """Raise :class:`_OverBudget` after ``budget`` seconds of this process's CPU time (SIGPROF:
    only in a process's main thread; elsewhere unbounded). CPU, not wall time: other jobs on
    the machine must not make an ordinary query unreadable."""
    timed = budget is not None and threading.current_thread() is threading.main_thread()
    previous = None
    if timed:
        previous = signal.signal(signal.SIGPROF, _raise_over_budget)
        signal.setitimer(signal.ITIMER_PROF, budget or 0.0)
    try:
        yield
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, previous)


@contextmanager
def read_budget(budget: float) -> Iterator[None]:
    """``KGError(BAD_INPUT)`` when the reading inside takes more than ``budget`` CPU seconds
    (as :func:`_budget`: a process's main thread only)."""
    try:
        with _budget(budget):
            yield
    except _OverBudget:
        raise KGError(ErrorKind.BAD_INPUT, f"the query could not be read within {budget:g} s: "
                      "simplify it, e.g. nest expressions less deeply") from None


def analyse(text: str, budget: float | None = None) -> QueryFacts:
    """The facts of ``text``; :data:`UNREAD` when rdflib cannot read it (within ``budget``
    seconds, enforced by SIGALRM, so only in a process's main thread)."""
    try:
        with _budget(budget):
            return _facts(text)
    except (_OverBudget, RecursionError, MemoryError):
        return UNREAD
    except Exception:  # a syntax error here is the engine's to report, with its position
        return UNREAD


def read_services(text: str, budget: float) -> tuple[QueryFacts, list[str | None]]:
    """The facts of ``text`` and its SERVICE endpoints, for a store whose engine runs elsewhere
    and makes its own calls (the remote store): a query that cannot be read, or not within
    ``budget`` seconds, cannot be checked, so it is ``KGError(BAD_INPUT)`` (with the position
    of a syntax error). Runs in a worker (see ``executor.read_query``)."""
    try:
        with _budget(budget), parser_lock():
            try:
                tree = parseQuery(text)
            except Exception:  # parse_query reports it: BAD_INPUT with the position
                tree = None
            facts = _facts_of(tree) if tree is not None else UNREAD  # before translating it
            query = parse_query(text, tree)
    except (_OverBudget, RecursionError, MemoryError):
        raise KGError(ErrorKind.BAD_INPUT, f"the query could not be read within {budget:g} s "
                      "(its SERVICE clauses must be checked before it is sent): simplify it, "
                      "e.g. nest expressions less deeply") from None
    out: list[str | None] = []
    for node in nodes(query.algebra):
        if node.name == "ServiceGraphPattern":
            term = dict.get(node, "term")
            out.append(str(term) if isinstance(term, URIRef) else None)
    return facts, out


class FactsCache:
    """Facts learnt by workers, remembered by query text so that a repeated query can be
    answered from the result cache (and given an ETag) before it runs."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._entries: OrderedDict[str, QueryFacts] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> QueryFacts | None:
        with self._lock:
            found = self._entries.get(text)
            if found is not None:
                self._entries.move_to_end(text)
            return found

    def put(self, text: str, facts: QueryFacts) -> None:
        if len(text) > 8192:  # bounds the cache at 8 MiB of texts
            return
        with self._lock:
            self._entries[text] = facts
            self._entries.move_to_end(text)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
