"""What a remote SPARQL server does differently from SPARQL 1.1, and how the remote store copes.

``ALLIANCE_KG_REMOTE_DIALECT`` picks one: ``sparql11`` (the standard: Oxigraph server, Fuseki,
GraphDB) or ``virtuoso`` (OpenLink Virtuoso 7, measured on Debian's 7.2.5.1). Each field of
:class:`Dialect` is one departure from the standard that the store must work around; the
``virtuoso`` values were each found by a failing test against a real Virtuoso
(``tests/store/test_virtuoso.py``) and are listed in docs/STORES.md, "Virtuoso".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, ClassVar

import requests

from ..errors import ErrorKind, KGError
from .base import QueryForm


@dataclass(frozen=True)
class Dialect:
    """A server that follows SPARQL 1.1 Protocol and Update as written."""

    name: ClassVar[str] = "sparql11"
    #: a named graph holding the store's default graph, on a server that has none of its own
    #: (None: the server's default graph is a graph like the others)
    default_graph: str | None = None
    #: send query and update as form fields (``query=``, ``update=``) rather than as the body
    form_encoded: bool = False
    #: what the server answers to ``GRAPH ?g {}``: known (True/False) or to be found out (None)
    enumerates_graphs: bool | None = None
    #: INSERT DATA may hold blank nodes (SPARQL 1.1 Update §3.1.1 says it may); where not,
    #: they are written by INSERT templates, one per graph (a node shared by two graphs
    #: becomes two)
    blank_nodes_in_data: bool = True
    #: a request of several operations applies all or none of them
    atomic_requests: bool = True
    #: a query given default graphs and no named graph still sees every graph in GRAPH ?g
    #: (so "no named graph" has to be said by naming one that does not exist)
    no_named_means_all: bool = False
    #: the query listing the graphs by a scan of every quad
    graph_scan: str = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    #: "every named graph but the engine's own" can be said by excluding those (a pragma)
    #: rather than naming all of ours (Virtuoso takes 9 s over 600 named-graph-uri parameters)
    excludes_graphs: bool = False
    #: most triples one INSERT/DELETE DATA operation may hold (None: no limit); a longer
    #: write is sent as several operations of one request
    data_chunk: int | None = None
    #: HTTP authentication scheme the update endpoint usually wants
    auth_scheme: str = "basic"

    def hidden(self, graph: str) -> bool:
        """True for a graph the engine keeps for itself: never listed, dumped or queried."""
        return graph == self.default_graph

    def update_prologue(self) -> str:
        """Text put before every update request, before our prefixes."""
        return ""

    def exclude_prologue(self, graphs: list[str]) -> str:
        """Text put before a query so that GRAPH never sees ``graphs``."""
        return ""

    def check(self, response: requests.Response) -> None:
        """Raise the error a failed response means, where its status code says less."""

    def answer(self, response: requests.Response, form: QueryForm | None) -> bytes:
        """The response body as the standard formats say it (SPARQL JSON, N-Triples)."""
        return response.content


#: Virtuoso's own graphs on a fresh database: its RDF views' metadata, the LDP vocabulary,
#: the service description it writes under its host name (``http://<host>/sparql``), WebDAV
_VIRTUOSO_SYSTEM = re.compile(
    r"^(http://www\.openlinksw\.com/schemas/virtrdf#|http://www\.w3\.org/ns/ldp#"
    r"|http://www\.w3\.org/2002/07/owl#|urn:activitystreams-owl:map|urn:core:services:sparql"
    r"|https?://[^/]+/(sparql|DAV/?))$")
#: Virtuoso labels the blank nodes of its JSON results "nodeID://b10000", not a valid label
_BNODE = re.compile(rb'("type": *"bnode", *"value": *")nodeID://')
#: and writes booleans as 1 and 0 (valid lexical forms, not the canonical ones others write)
_XSD_BOOLEAN = b"http://www.w3.org/2001/XMLSchema#boolean"
_JSON_BOOLEAN = re.compile(rb'("datatype": *"' + re.escape(_XSD_BOOLEAN)
                           + rb'", *"value": *")([01])"')
_NT_BOOLEAN = re.compile(rb'"([01])"\^\^<' + re.escape(_XSD_BOOLEAN) + rb'>')
_BOOL = {b"1": b"true", b"0": b"false"}


@dataclass(frozen=True)
class Virtuoso(Dialect):
    """OpenLink Virtuoso 7 (tested: 7.2.5.1, Debian bookworm's ``virtuoso-opensource-7``)."""

    name: ClassVar[str] = "virtuoso"
    #: a query's default graph is the union of every graph (its own system graphs included),
    #: and INSERT DATA without GRAPH is refused ("No plain default graph specified")
    default_graph: str | None = "urn:x-alliance-kg:default-graph"
    #: a POST of application/sparql-query is never answered (the request hangs)
    form_encoded: bool = True
    #: GRAPH ?g {} answers one row with ?g unbound
    enumerates_graphs: bool | None = False
    #: "SP031: Blank node '_:b1' is not allowed in a constant clause"
    blank_nodes_in_data: bool = False
    #: a failing operation does not undo the ones before it in the same request
    atomic_requests: bool = False
    #: default-graph-uri without named-graph-uri leaves GRAPH ?g ranging over every graph
    no_named_means_all: bool = True
    excludes_graphs: bool = True
    #: the plain scan takes 13.5 s over the built dataset (7 500 quads, 53 graphs); with a
    #: filter every graph name passes anyway, Virtuoso picks another plan: 0.02 s
    graph_scan: str = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?g)) }"
    #: its SPARQL compiler gives up on one INSERT DATA of a few thousand triples ("generated
    #: SQL text has exceeded 10000 lines of code"; "memory exhausted" near 5000)
    data_chunk: int | None = 1000
    #: /sparql-auth answers 401 to anything but digest
    auth_scheme: str = "digest"

    def hidden(self, graph: str) -> bool:
        return graph == self.default_graph or bool(_VIRTUOSO_SYSTEM.match(graph))

    def update_prologue(self) -> str:
        # an update's default graph (INSERT DATA without GRAPH, WHERE without GRAPH) is ours
        # (sql:big-data-const 1 would compile DATA blocks 10x faster, but refuses some data:
        # "cannot be translated to an accurate SQL text")
        return f"DEFINE input:default-graph-uri <{self.default_graph}>\n"

    def exclude_prologue(self, graphs: list[str]) -> str:
        return "".join(f"DEFINE input:named-graph-exclude <{g}>\n" for g in graphs)

    def check(self, response: requests.Response) -> None:
        # past MaxQueryExecutionTime a query that cannot give a partial answer is a 500 with
        # SQL state S1T00 ("SR171: Transaction timed out"): the server's timeout, not our fault
        if response.status_code >= 500 and response.text.startswith("Virtuoso S1T00"):
            raise KGError(ErrorKind.TIMEOUT, "the remote store stopped the query at its own "
                          f"time limit: {response.text[:200]}")

    def answer(self, response: requests.Response, form: QueryForm | None) -> bytes:
        # "anytime queries": past its MaxQueryExecutionTime Virtuoso answers 200 with the rows
        # found so far and says so only in a header; a cut answer must never pass for a whole
        if response.headers.get("X-SQL-State") == "S1TAT":
            raise KGError(ErrorKind.TIMEOUT, "the remote store stopped the query at its own time "
                          "limit and sent a partial answer (Virtuoso's MaxQueryExecutionTime): "
                          "refused")
        body = response.content
        if form == "ASK":
            return _ask_answer(body)
        if form in ("SELECT", None):
            body = _BNODE.sub(rb"\1", body)
            return _JSON_BOOLEAN.sub(lambda m: m[1] + _BOOL[m[2]] + b'"', body)
        return _NT_BOOLEAN.sub(lambda m: b'"' + _BOOL[m[1]] + b'"^^<' + _XSD_BOOLEAN + b">", body)


def _ask_answer(body: bytes) -> bytes:
    # Virtuoso 7.2.5 answers ASK as a SELECT of one variable, __ASK_RETVAL: one row of 1 for
    # true, no row for false
    data: dict[str, Any] = json.loads(body)
    if "boolean" in data:
        return body
    rows = data.get("results", {}).get("bindings", [])
    value = bool(rows) and rows[0].get("__ASK_RETVAL", {}).get("value") not in ("0", None)
    return json.dumps({"head": {}, "boolean": value}).encode()


DIALECTS: dict[str, type[Dialect]] = {"sparql11": Dialect, "virtuoso": Virtuoso}


def dialect(name: str) -> Dialect:
    """The dialect a setting names; a precise error for any other name."""
    found = DIALECTS.get(name)
    if found is None:
        raise KGError(ErrorKind.BAD_INPUT, f"unknown remote dialect {name!r} "
                                           f"(one of: {', '.join(sorted(DIALECTS))})")
    return found()
