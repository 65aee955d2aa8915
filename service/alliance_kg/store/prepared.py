"""Parsed SPARQL queries, remembered by their text: rdflib's parser is the slow part of a query.

Parsing a competency question with rdflib's SPARQL grammar (pyparsing) takes milliseconds, as
long as or longer than evaluating it on small data; the memory store parsed every query afresh
and the remote store spent about half of each request on it (docs/BENCHMARKS.md).
rdflib-endpoint caches prepared queries the same way (``_prepare_query_cached``); clients send
the same few queries again and again.

The key is everything the parse depends on: the exact query text and a ``variant`` (the memory
store drops the query's FROM / FROM NAMED when the protocol names the dataset, which edits the
algebra, so that edited query is remembered apart). The prefixes pre-declared by
:func:`~alliance_kg.knowledge.query.parse_query` are the process-wide constant
:data:`~alliance_kg.namespaces.PREFIXES`, and neither store passes the base IRI to the parser
(the memory store gives it to the evaluation, the remote store sends it in the request text),
so neither needs to be part of the key. Syntax errors are not remembered: they are raised again.

rdflib's grammar is one global pyparsing object with a packrat cache, which gives false syntax
errors when several threads parse at once (found by the load test), so every parse of this
module holds one process-wide lock; a hit takes only the cache's own short lock.

What a store needs to know about a query beyond its parse is remembered beside it
(:class:`Prepared`): whether it can read a named graph at all (:func:`reads_named_graphs`),
which spares the remote store a listing of the server's graphs for every query without one.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import NamedTuple

from pyparsing import ParseResults
from rdflib.paths import Path
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from ..knowledge.query import parse_query

#: how many parsed queries each cache keeps (least recently used dropped first): far more than
#: a service's repertoire of questions, and a parsed query is a few kilobytes
SIZE = 512

_parse_lock = threading.Lock()


def _reset_after_fork() -> None:
    # a thread of the parent may have held it at the moment a query worker was forked
    global _parse_lock
    _parse_lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def parser_lock() -> threading.Lock:
    """The lock every use of rdflib's SPARQL parser in a store holds (updates too)."""
    return _parse_lock


def parse_serialised(sparql: str) -> Query:
    """:func:`~alliance_kg.knowledge.query.parse_query` under the process-wide parser lock."""
    with parser_lock():
        return parse_query(sparql)


#: nodes that read named graphs: ``Graph`` in the translated algebra, ``GraphGraphPattern``
#: where rdflib keeps a pattern untranslated (the group of a SERVICE; EXISTS in some positions)
_GRAPH_NODES = frozenset({"Graph", "GraphGraphPattern"})
#: values of a parse that hold no pattern (a property path is made of IRIs only)
_LEAVES = (Node, Path, str, int, float, bool, type(None))


def reads_named_graphs(query: Query) -> bool:
    """Whether evaluating ``query`` can look at any named graph, i.e. it has a ``GRAPH`` pattern
    anywhere: in OPTIONAL, UNION, MINUS, subqueries, SERVICE groups, and the EXISTS / NOT EXISTS
    of filters, BIND, SELECT expressions, HAVING and ORDER BY (every expression is walked).

    Only ``GRAPH`` reads a named graph in SPARQL 1.1 (the default graph of a query is what its
    dataset says it is, and FROM NAMED only names graphs for ``GRAPH`` to read). A query without
    one gives the same answer whichever named graphs its dataset has, so a store may leave them
    out. The walk only reads the tree (rdflib's ``traverse`` rebuilds lists in place, and a
    cached query is shared), and anything it does not recognise counts as reading named graphs,
    so a future rdflib node can only cost time, never change an answer.
    """
    stack: list[object] = [query.algebra]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name in _GRAPH_NODES:
                return True
            stack.extend(dict.values(node))  # raw values: CompValue.get resolves variables
        elif isinstance(node, Mapping):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, set, frozenset, ParseResults)):
            stack.extend(node)
        elif not isinstance(node, _LEAVES):
            return True
    return False


class Prepared(NamedTuple):
    """A parsed query and what was learnt from it once."""

    query: Query
    #: see :func:`reads_named_graphs`
    reads_named_graphs: bool


class PreparedQueries:
    """A bounded, thread-safe LRU cache of parsed queries (see the module docstring).

    A returned :class:`~rdflib.plugins.sparql.sparql.Query` is shared: callers must not change
    it (rdflib's evaluation does not); an edited variant is made once, by ``edit``.
    """

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str], Prepared] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, sparql: str, variant: str = "",
            edit: Callable[[Query], None] | None = None) -> Query:
        """The parsed ``sparql`` (``edit`` applied once, on a miss); raises what
        :func:`~alliance_kg.knowledge.query.parse_query` raises."""
        return self.lookup(sparql, variant, edit).query

    def lookup(self, sparql: str, variant: str = "",
               edit: Callable[[Query], None] | None = None) -> Prepared:
        """As :meth:`get`, with what was learnt from the query (worked out once, on a miss)."""
        key = (sparql, variant)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
        query = parse_serialised(sparql)
        if edit is not None:
            edit(query)
        prepared = Prepared(query, reads_named_graphs(query))
        with self._lock:
            self.misses += 1
            self._entries[key] = prepared
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return prepared

    def after_fork(self) -> None:
        """Call first thing in a forked process: the lock may have been held at the fork."""
        self._lock = threading.Lock()
