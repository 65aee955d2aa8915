"""A store that is any SPARQL 1.1 server: Oxigraph server, Fuseki, GraphDB, Virtuoso.

For users who outgrow one machine: the service keeps its protocol layer and points its store at
their cluster. Everything goes through the SPARQL 1.1 Protocol (query and update endpoints), so
no vendor API is assumed; the optional Graph Store endpoint is used only to upload data fast.

* Queries are parsed locally first (rdflib's parser), so a syntax error is reported with line
  and column before any request, and the query form is known without asking the server. The
  parsed form is remembered per query text (``store.prepared``): parsing was half of a request. Our
  prefixes (``akg:``, ``akr:`` …) are pre-declared by prepending them on one extra line.
* Answers are fetched once in a canonical format (SPARQL JSON, N-Triples), counted against the
  result cap, and converted by pyoxigraph to what the client asked for.
* Writes are single update requests: ``replace_graphs`` sends DROP + INSERT DATA for every graph
  in one request, which is atomic on servers whose update requests are transactions (Oxigraph,
  Fuseki/TDB2, GraphDB are; check yours).
* The HTTP timeout stops long work, so the executor runs this store in the calling thread.
* One round trip per query. The protocol's dataset (asserted + inferred as the default graph,
  every named graph visible) needs the server's graph names only for a query with a ``GRAPH``
  pattern (``store.prepared.reads_named_graphs``, remembered with the parsed query); the names
  are never cached, as others may write to the server. Listing them asks ``GRAPH ?g {}`` (one
  row per graph, SPARQL 1.1 §18.6) rather than scanning every quad of every named graph.
* Servers that depart from the standard (Virtuoso) are met by a dialect (``store.dialects``,
  ``ALLIANCE_KG_REMOTE_DIALECT``): where the store's default graph lives, how requests are
  encoded, how answers are repaired, which graphs are the engine's own.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar
from urllib.parse import urlencode

import pyoxigraph as ox
import rdflib
import requests
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.store import Store as RdflibStore
from rdflib.term import Node, URIRef, Variable
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from ..config import Settings
from ..errors import ErrorKind, KGError
from ..formats import BY_KEY, Format, Kind
from ..namespaces import PREFIXES
from ..terms import to_oxigraph, to_rdflib
from .base import GraphName, QueryForm, QueryResult, Store
from .dialects import Dialect, dialect
from .oxigraph import parse_quads, rdf_format, results_format
from .prepared import PreparedQueries

#: prepended to every request, on its own line, so server error positions shift by one line
PROLOGUE = " ".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items()) + "\n"
_FORMS: dict[str, QueryForm] = {"SelectQuery": "SELECT", "AskQuery": "ASK",
                                "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}
_JSON, _NT = BY_KEY["json"], BY_KEY["ntriples"]
#: the graph names, one row per graph (``RemoteStore.graph_names``; the scan: ``graph_scan``)
_LIST_GRAPHS = "SELECT ?g WHERE { GRAPH ?g { } FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }"
#: bytes of dataset parameters sent in a query URL at most (servers refuse headers over 8 KiB)
_URL_PARAMS_LIMIT = 4096
#: named in named-graph-uri to say "no named graph" to a server that reads silence as "all"
_NO_GRAPH = "urn:x-alliance-kg:no-graph"


class RemoteResult(QueryResult):
    def __init__(self, store: RemoteStore, form: QueryForm, body: bytes) -> None:
        self.store, self.form, self.body = store, form, body

    def serialize(self, fmt: Format, *, limit: int | None = None) -> bytes:
        if self.form in ("SELECT", "ASK"):
            out_format = results_format(fmt)
            parsed = ox.parse_query_results(self.body, ox.QueryResultsFormat.JSON)
            if isinstance(parsed, ox.QuerySolutions) and limit is not None:
                rows = list(parsed)
                if len(rows) > limit:
                    raise KGError(ErrorKind.TOO_LARGE, f"more than {limit} results; add a LIMIT")
                parsed = ox.parse_query_results(self.body, ox.QueryResultsFormat.JSON)
            return bytes(parsed.serialize(format=out_format) or b"")
        return _serialize_triples(self.triples(), fmt, limit)

    def triples(self) -> list[ox.Triple]:
        """The triples of a CONSTRUCT or DESCRIBE answer."""
        return list(ox.parse(self.body, ox.RdfFormat.N_TRIPLES))


def _serialize_triples(triples: list[ox.Triple], fmt: Format, limit: int | None) -> bytes:
    if limit is not None and len(triples) > limit:
        raise KGError(ErrorKind.TOO_LARGE, f"more than {limit} triples; add a LIMIT")
    return bytes(ox.serialize(triples, format=rdf_format(fmt), prefixes=PREFIXES) or b"")


class RemoteStore(Store):
    name: ClassVar[str] = "remote"
    killable_in_thread: ClassVar[bool] = True
    local_reads: ClassVar[bool] = False

    def __init__(self, query_url: str, update_url: str | None = None,
                 gsp_url: str | None = None, *, timeout: float = 30.0,
                 token: str | None = None, dialect: Dialect | None = None,
                 user: str | None = None, password: str | None = None,
                 auth_scheme: str | None = None) -> None:
        super().__init__()
        self.query_url, self.update_url, self.gsp_url = query_url, update_url, gsp_url
        self.timeout = timeout
        self.dialect = dialect or Dialect()
        #: queries of this store run in the request threads (``killable_in_thread``); rdflib's
        #: parser is not thread-safe, so the cache parses under one process-wide lock
        self._prepared = PreparedQueries()
        #: None until a listing shows whether the server answers ``GRAPH ?g {}`` with its graphs
        #: (a property of the server, not of its data: RDF4J, Virtuoso, Oxigraph < 0.4.7 do not)
        self._enumerates_graphs: bool | None = self.dialect.enumerates_graphs
        #: the engine's own graphs (``Dialect.hidden``), found once: they come with the database
        self._hidden: list[str] | None = None
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "alliance-kg remote store"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        if user is not None:
            self.session.auth = _auth(auth_scheme or self.dialect.auth_scheme, user,
                                      password or "")

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        if not settings.remote_query_url:
            raise KGError(ErrorKind.BAD_INPUT, "the remote store needs a query endpoint: set "
                                               "ALLIANCE_KG_REMOTE_QUERY_URL (and _UPDATE_URL)")
        return cls(settings.remote_query_url, settings.remote_update_url,
                   settings.remote_gsp_url, timeout=settings.query_timeout,
                   dialect=dialect(settings.remote_dialect), user=settings.remote_user,
                   password=settings.remote_password,
                   auth_scheme=settings.remote_auth if settings.remote_user else None)

    # -- HTTP ------------------------------------------------------------------------------

    def _post(self, url: str, **kwargs: Any) -> requests.Response:
        try:
            # a query timeout of 0 means none (as for the other stores); requests refuses 0
            response = self.session.post(url, timeout=self.timeout or None, **kwargs)
        except requests.Timeout:
            raise KGError(ErrorKind.TIMEOUT, f"the remote store at {url} did not answer within "
                                             f"{self.timeout:g} s") from None
        except requests.RequestException as exc:
            # the engine is down or restarting: 503 with Retry-After. A write is acknowledged
            # only once the engine answered it; one cut off here may or may not have happened
            raise KGError(ErrorKind.STORE_UNAVAILABLE,
                          f"cannot reach the remote store at {url}: {exc}") from None
        self.dialect.check(response)
        if response.status_code in (502, 503, 504):
            raise KGError(ErrorKind.STORE_UNAVAILABLE, f"the remote store at {url} is unavailable "
                                                 f"({response.status_code}): {response.text[:500]}")
        if response.status_code >= 500:
            # servers (Oxigraph among them) answer 500 when an update's operation fails, e.g.
            # CREATE of an existing graph: the request's fault as far as our client is concerned
            raise KGError(ErrorKind.BAD_INPUT, f"the remote store could not carry out the "
                                               f"request ({response.status_code}): "
                                               f"{response.text[:500]}")
        if response.status_code >= 400:
            raise KGError(ErrorKind.BAD_INPUT, f"the remote store refused the request "
                                               f"({response.status_code}): {response.text[:500]}")
        return response

    def _ask_server(self, text: bytes, params: list[tuple[str, str]], accept: Format,
                    form: QueryForm | None) -> bytes:
        """One query request (``text`` with our prologue), its answer as the standard says."""
        # the protocol's dataset goes in the URL of a direct POST; a long one (a GRAPH query on
        # a dataset of 100+ named graphs) would pass servers' 8 KiB header limit, so it goes
        # in a form-encoded body, the protocol's other POST
        if self.dialect.form_encoded or len(urlencode(params)) > _URL_PARAMS_LIMIT:
            response = self._post(self.query_url, data=[("query", text), *params],
                                  headers={"Accept": accept.media_type})
        else:
            response = self._post(self.query_url, params=params, data=text, headers={
                "Content-Type": "application/sparql-query; charset=utf-8",
                "Accept": accept.media_type})
        return self.dialect.answer(response, form)

    def _results(self, sparql: str) -> ox.QuerySolutions | ox.QueryBoolean:
        """A query of our own on the server's whole dataset (every graph, in GRAPH patterns)."""
        form: QueryForm = "ASK" if sparql.startswith("ASK") else "SELECT"
        body = self._ask_server(_text(sparql), [], _JSON, form)
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)

    def _select(self, sparql: str) -> ox.QuerySolutions:
        parsed = self._results(sparql)
        assert isinstance(parsed, ox.QuerySolutions)
        return parsed

    def _ask(self, sparql: str) -> bool:
        parsed = self._results(sparql)
        assert isinstance(parsed, ox.QueryBoolean)
        return bool(parsed)

    def _update(self, sparql: str, base_iri: str | None = None) -> None:
        if not self.update_url:
            raise KGError(ErrorKind.FORBIDDEN, "the remote store has no update endpoint "
                                               "configured (ALLIANCE_KG_REMOTE_UPDATE_URL)")
        text = self.dialect.update_prologue().encode("utf-8") + _text(sparql, base_iri)
        if self.dialect.form_encoded:
            self._post(self.update_url, data=[("update", text)])
        else:
            self._post(self.update_url, data=text,
                       headers={"Content-Type": "application/sparql-update; charset=utf-8"})

    def _server_graph(self, graph: GraphName) -> str | None:
        """Where a graph of ours lives on the server (None: the server's default graph)."""
        return self.dialect.default_graph if graph is None else graph

    def _pattern(self, graph: GraphName, triple: str = "?s ?p ?o") -> str:
        """A group matching ``triple`` in one graph of ours."""
        where = self._server_graph(graph)
        return triple if where is None else f"GRAPH {_iri(where)} {{ {triple} }}"

    def _on_server(self, quads: Sequence[ox.Quad]) -> list[ox.Quad]:
        """Quads with our default graph moved to where the server keeps it."""
        if self.dialect.default_graph is None:
            return list(quads)
        home = ox.NamedNode(self.dialect.default_graph)
        return [ox.Quad(q.subject, q.predicate, q.object, home)
                if isinstance(q.graph_name, ox.DefaultGraph) else q for q in quads]

    def _insert_data(self, quads: list[ox.Quad]) -> str:
        """INSERT DATA, or the same triples as a template where the server refuses blank nodes
        in data (a template's blank nodes are new nodes, as INSERT DATA's are)."""
        plain, blank = self._on_server(quads), []
        if not self.dialect.blank_nodes_in_data:
            blank = [q for q in plain if _blank(q)]
            plain = [q for q in plain if not _blank(q)]
        ops = [_insert_data(part) for part in self._chunks(plain)]
        # one template per graph, so that a blank node used twice stays one node (Virtuoso
        # fails on a template spanning two GRAPH blocks: "string_output_string needs a string")
        by_graph: dict[str, list[ox.Quad]] = {}
        for q in blank:
            by_graph.setdefault(str(q.graph_name), []).append(q)
        ops += [_insert_data(part).replace("INSERT DATA", "INSERT", 1) + " WHERE {}"
                for part in by_graph.values()]
        return " ;\n".join(ops)

    def _delete_data(self, quads: Sequence[ox.Quad]) -> str:
        # one operation per graph: Virtuoso left a language-tagged literal in place when one
        # DELETE DATA named two graphs (the service's DELETE WHERE of a label and a type,
        # tests/web/test_update.py), and said it was done
        by_graph: dict[str, list[ox.Quad]] = {}
        for q in self._on_server(quads):
            by_graph.setdefault(str(q.graph_name), []).append(q)
        return " ;\n".join("DELETE DATA { " + _data_blocks(part) + " }"
                           for graph in by_graph.values() for part in self._chunks(graph))

    def _chunks(self, quads: list[ox.Quad]) -> list[list[ox.Quad]]:
        size = self.dialect.data_chunk or max(len(quads), 1)
        return [quads[i:i + size] for i in range(0, len(quads), size)]

    # -- Store -----------------------------------------------------------------------------

    def query(self, sparql: str, *, default_graphs: Sequence[GraphName] | None = None,
              named_graphs: Sequence[str] | None = None, base_iri: str | None = None
              ) -> QueryResult:
        prepared = self._prepared.lookup(sparql)  # raises BAD_INPUT with line/column
        form = _FORMS[prepared.query.algebra.name]
        params: list[tuple[str, str]] = []
        if default_graphs is None and self.dialect.default_graph is not None:
            default_graphs = [None]
        for g in default_graphs or []:
            where = self._server_graph(g)
            if where is None:
                raise KGError(ErrorKind.BAD_INPUT, "a remote store's own default graph cannot "
                                                   "be combined with named graphs here")
            params.append(("default-graph-uri", where))
        prologue = ""
        terms = (_graph_terms(prepared.query) if named_graphs is None and
                 prepared.reads_named_graphs and self.dialect.excludes_graphs else None)
        if terms is not None and not terms[1]:
            # GRAPH only with variables: every graph but the engine's own and our default
            # graph's stand-in, said in one request (Virtuoso then lets GRAPH <iri> see none)
            prologue = self.dialect.exclude_prologue(self._hidden_graphs())
        elif terms is not None and not terms[0]:
            # GRAPH only with IRIs: those graphs are all the query can read
            named_graphs = [g for g in sorted(terms[1]) if not self.dialect.hidden(g)]
        elif (default_graphs is not None and named_graphs is None
              and prepared.reads_named_graphs):
            # in the protocol, naming default graphs alone leaves no named graph visible; our
            # contract says None means all of them, so name them all. Listing them is a round
            # trip that reads every quad of every named graph (39 of 45 ms a query with 10^5
            # triples), and it cannot be cached (others may write to the server): so it is
            # made only for a query with a GRAPH pattern, the one thing that sees named graphs
            named_graphs = self.graph_names()
        params += [("named-graph-uri", g) for g in named_graphs or []]
        if (named_graphs is not None and not named_graphs and params
                and self.dialect.no_named_means_all):
            params.append(("named-graph-uri", _NO_GRAPH))
        accept = _JSON if form in ("SELECT", "ASK") else _NT
        text = prologue.encode("utf-8") + _text(sparql, base_iri)
        body = self._ask_server(text, params, accept, form)
        return RemoteResult(self, form, body)

    def _hidden_graphs(self) -> list[str]:
        if self._hidden is None:
            rows = self._select(self.dialect.graph_scan)
            found = {row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode)}
            home = self.dialect.default_graph
            self._hidden = sorted({g for g in found if self.dialect.hidden(g)}
                                  | ({home} if home else set()))
        return self._hidden

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        self._update(sparql, base_iri)

    def load(self, data: bytes, fmt: Format, graph: GraphName = None) -> int:
        quads = parse_quads(data, fmt, graph)  # local parse: positions, and nothing sent if bad
        self._insert(quads)
        return len(quads)

    def _insert(self, quads: list[ox.Quad]) -> None:
        if not quads:
            return
        if self.gsp_url:
            body = ox.serialize(self._on_server(quads), format=ox.RdfFormat.N_QUADS) or b""
            self._post(self.gsp_url, data=body,
                       headers={"Content-Type": BY_KEY["nquads"].media_type})
            return
        self._update(self._insert_data(quads))

    def graph_names(self) -> list[str]:
        # SPARQL 1.1 (§18.6, the empty group pattern) answers GRAPH ?g {} with one row per named
        # graph, and EXISTS then looks at one triple of each: a lookup per graph instead of a
        # scan of every quad (Oxigraph, 10^5 triples in 40 graphs: 4.7 ms against 39 ms). Some
        # servers answer it with nothing, or with one row and ?g unbound; as a name is kept only
        # if its graph has a triple, such a server can only give too few names, never a wrong
        # one: so an empty answer is checked with the scan, and a server found wrong that way
        # is asked only the scan from then on
        if self._enumerates_graphs is not False:
            names = self._names(_LIST_GRAPHS)
            if names:
                self._enumerates_graphs = True
                return names
            if self._enumerates_graphs:
                return []
        names = self._names(self.dialect.graph_scan)
        if names:
            self._enumerates_graphs = False
        return names

    def _names(self, sparql: str) -> list[str]:
        rows = self._select(sparql)
        return sorted({row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode)
                       and not self.dialect.hidden(row["g"].value)})

    def count(self, graph: GraphName = None) -> int:
        pattern = self._pattern(graph)
        rows = list(self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"))
        return int(rows[0]["n"].value) if rows else 0

    def _require(self, graph: GraphName) -> None:
        # the graph names hold the graphs with a triple: ask about this one alone, not list all
        if graph is not None and (self.dialect.hidden(graph) or not self._ask(
                f"ASK {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}")):
            raise KGError(ErrorKind.NOT_FOUND, f"no graph <{graph}> in the store")

    def get_graph(self, graph: GraphName, fmt: Format) -> bytes:
        # one round trip: a named graph exists when it holds a triple (``graph_names``), so an
        # empty answer is the not-found, decided on the same snapshot as the triples
        if graph is not None and self.dialect.hidden(graph):
            raise KGError(ErrorKind.NOT_FOUND, f"no graph <{graph}> in the store")
        pattern = self._pattern(graph)
        body = self._ask_server(_text(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {pattern} }}"), [],
                                _NT, "CONSTRUCT")
        triples = list(ox.parse(body, ox.RdfFormat.N_TRIPLES))
        if graph is not None and not triples:
            raise KGError(ErrorKind.NOT_FOUND, f"no graph <{graph}> in the store")
        return _serialize_triples(triples, fmt, None)

    def replace_graphs(self, graphs: dict[GraphName, tuple[bytes, Format]]) -> None:
        ops: list[str] = []
        for g, (data, fmt) in graphs.items():
            # the content of one graph, whatever graphs a quad format named
            target = ox.DefaultGraph() if g is None else ox.NamedNode(g)
            quads = [ox.Quad(q.subject, q.predicate, q.object, target)
                     for q in parse_quads(data, fmt)] if data else []
            where = self._server_graph(g)
            ops.append("CLEAR SILENT DEFAULT" if where is None
                       else f"DROP SILENT GRAPH {_iri(where)}")
            if quads:
                ops.append(self._insert_data(quads))
        if ops:
            self._update(" ;\n".join(ops))

    def graph_view(self, graph: GraphName) -> rdflib.Graph:
        ident = DATASET_DEFAULT_GRAPH_ID if graph is None else URIRef(graph)
        return rdflib.Graph(store=_RemoteGraph(self, graph), identifier=ident)

    def apply_delta(self, removed: Sequence[ox.Quad], added: Sequence[ox.Quad],
                    cleared: Sequence[str] = ()) -> None:
        if not removed and not added and not cleared:
            return
        blank = [q for q in removed if _blank(q)]
        if blank:
            # DELETE DATA cannot name a blank node: the graphs concerned are replaced whole (the
            # server's blank node labels are read back as it wrote them)
            self._replace_with_delta(removed, added, cleared)
            return
        ops = [f"CLEAR SILENT GRAPH {_iri(g)}" for g in cleared]
        if removed:
            ops.append(self._delete_data(removed))
        if added:
            ops.append(self._insert_data(list(added)))
        self._update(" ;\n".join(ops))

    def _replace_with_delta(self, removed: Sequence[ox.Quad], added: Sequence[ox.Quad],
                            cleared: Sequence[str]) -> None:
        names: set[GraphName] = {q.graph_name.value if isinstance(q.graph_name, ox.NamedNode)
                                 else None for q in (*removed, *added)} | set(cleared)
        nt = BY_KEY["ntriples"]
        graphs: dict[GraphName, tuple[bytes, Format]] = {}
        for g in sorted(names, key=lambda name: name or ""):
            node = ox.DefaultGraph() if g is None else ox.NamedNode(g)
            current: list[ox.Triple] = []
            if g not in cleared:
                try:
                    # (pyoxigraph parses N-Triples as quads: compare their triples)
                    current = [q.triple for q in ox.parse(self.get_graph(g, nt),
                                                          ox.RdfFormat.N_TRIPLES)]
                except KGError as exc:  # a graph not there yet: nothing to keep
                    if exc.kind is not ErrorKind.NOT_FOUND:
                        raise
            gone = {q.triple for q in removed if q.graph_name == node}
            kept = [t for t in current if t not in gone]
            kept += [q.triple for q in added if q.graph_name == node]
            graphs[g] = (bytes(ox.serialize(kept, format=ox.RdfFormat.N_TRIPLES) or b""), nt)
        self.replace_graphs(graphs)

    def drop_graph(self, graph: GraphName) -> None:
        if graph is None:
            where = self._server_graph(None)
            self._update("CLEAR SILENT DEFAULT" if where is None
                         else f"CLEAR SILENT GRAPH {_iri(where)}")
            return
        self._require(graph)
        # SILENT: Virtuoso refuses a plain DROP of a graph that was never CREATEd, as ours are
        self._update(f"DROP SILENT GRAPH {_iri(graph)}")

    def dump(self, fmt: Format) -> bytes:
        if fmt.kind is not Kind.DATASET:
            raise KGError(ErrorKind.NOT_ACCEPTABLE, f"a dump needs a dataset format, not {fmt.key}")
        home = self.dialect.default_graph
        if home is None:
            rows = self._select("SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION "
                                "{ GRAPH ?g { ?s ?p ?o } } }")
        else:  # the server's default graph is every graph: ours is one of its named graphs
            rows = self._select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        quads = [ox.Quad(r["s"], r["p"], r["o"],
                         ox.DefaultGraph() if r["g"] is None or r["g"].value == home
                         else r["g"]) for r in rows
                 if r["g"] is None or r["g"].value == home or not self.dialect.hidden(r["g"].value)]
        out = io.BytesIO()
        ox.serialize(quads, out, format=rdf_format(fmt))
        return out.getvalue()

    def close(self) -> None:
        self.session.close()


def _graph_terms(query: Any) -> tuple[bool, set[str]] | None:
    """Whether a GRAPH pattern of ``query`` has a variable, and the IRIs of the others; None
    where the walk meets a graph term it does not know (then all graphs are named)."""
    has_variable, iris = False, set()
    stack: list[object] = [query.algebra]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name in ("Graph", "GraphGraphPattern"):
                term = dict.get(node, "term")
                if isinstance(term, Variable):
                    has_variable = True
                elif isinstance(term, URIRef):
                    iris.add(str(term))
                else:
                    return None
            stack.extend(dict.values(node))
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, set, frozenset)):
            stack.extend(node)
    return has_variable, iris


def _auth(scheme: str, user: str, password: str) -> AuthBase:
    if scheme == "digest":
        return HTTPDigestAuth(user, password)
    if scheme == "basic":
        return HTTPBasicAuth(user, password)
    raise KGError(ErrorKind.BAD_INPUT, f"unknown remote auth scheme {scheme!r} (basic, digest)")


def _iri(graph: str) -> str:
    """A graph name as SPARQL text: validated and serialized by pyoxigraph, never pasted raw
    (a name holding ``>`` or a space cannot end the IRI early and inject operations)."""
    try:
        return str(ox.NamedNode(graph))
    except ValueError as exc:
        raise KGError(ErrorKind.BAD_INPUT, f"not an IRI: {graph!r} ({exc})") from None


def _text(sparql: str, base_iri: str | None = None) -> bytes:
    """The request as sent: our prologue on one line (a BASE in the query still wins)."""
    base = f"BASE <{base_iri}> " if base_iri else ""
    return (base + PROLOGUE + sparql).encode("utf-8")


def _insert_data(quads: list[ox.Quad]) -> str:
    """One INSERT DATA request for the quads (blank nodes stay blank, as SPARQL requires)."""
    return f"INSERT DATA {{ {_data_blocks(quads)} }}"


def _data_blocks(quads: Sequence[ox.Quad]) -> str:
    """The quads as the body of a DATA block: the default graph's triples, then one GRAPH
    block per named graph."""
    default = " .\n".join(str(q.triple) for q in quads if isinstance(q.graph_name, ox.DefaultGraph))
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        if isinstance(q.graph_name, ox.NamedNode):
            by_graph.setdefault(q.graph_name.value, []).append(str(q.triple))
    sep = " .\n"
    named = " ".join(f"GRAPH {_iri(g)} {{ {sep.join(ts)} }}" for g, ts in by_graph.items())
    return f"{default} {named}"


def _blank(q: ox.Quad) -> bool:
    return isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)


def _quad_text(q: ox.Quad) -> str:
    g = q.graph_name
    if isinstance(g, ox.NamedNode):
        return f"GRAPH {_iri(g.value)} {{ {q.triple} }}"
    return f"{q.triple} ."


class _RemoteGraph(RdflibStore):
    """One graph of the remote store, read a triple pattern at a time (a query per pattern).
    A blank node the server returned cannot be asked about again (its labels are its own)."""

    def __init__(self, store: RemoteStore, graph: GraphName) -> None:
        super().__init__()
        self._remote = store
        self._graph = graph

    def triples(self, triple_pattern: tuple[Node | None, Node | None, Node | None],
                context: Any = None) -> Iterator[tuple[tuple[Node, Node, Node], Iterator[Any]]]:
        terms: list[str] = []
        for name, term in zip(("s", "p", "o"), triple_pattern, strict=True):
            if term is None:
                terms.append(f"?{name}")
            elif isinstance(term, rdflib.BNode):
                return
            else:
                terms.append(str(to_oxigraph(term)))
        pattern = self._remote._pattern(self._graph, " ".join(terms))
        for row in self._remote._select(f"SELECT * WHERE {{ {pattern} }}"):
            values: list[Node] = []
            for given, name in zip(triple_pattern, ("s", "p", "o"), strict=True):
                values.append(given if given is not None else to_rdflib(row[name]))
            yield (values[0], values[1], values[2]), iter(())

    def __len__(self, context: Any = None) -> int:
        return sum(1 for _ in self.triples((None, None, None)))
