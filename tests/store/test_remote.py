"""What only the remote backend can get wrong: an unreachable server, a slow one, read-only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pyoxigraph as ox
import pytest
import requests
from oxigraph_server import OxigraphServer, free_port

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY
from alliance_kg.store.base import Store
from alliance_kg.store.oxigraph import OxigraphStore
from alliance_kg.store.remote import RemoteStore


def test_server_down_is_a_clear_error() -> None:
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with pytest.raises(KGError) as err:
        store.query("ASK { ?s ?p ?o }")
    assert err.value.kind is ErrorKind.STORE_UNAVAILABLE
    assert "cannot reach the remote store" in err.value.message


def test_slow_answer_times_out(oxigraph_server: OxigraphServer) -> None:
    oxigraph_server.clear()
    store = RemoteStore(oxigraph_server.query_url, oxigraph_server.update_url, timeout=0.5)
    data = "\n".join(f"<http://x/s{i}> <http://x/p> <http://x/o{i}> ." for i in range(300))
    store.load(data.encode(), BY_KEY["ntriples"])
    with pytest.raises(KGError) as err:
        store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }")
    assert err.value.kind is ErrorKind.TIMEOUT
    oxigraph_server.clear()


def test_a_zero_timeout_means_none(oxigraph_server: OxigraphServer) -> None:
    # ALLIANCE_KG_QUERY_TIMEOUT=0 (no timeout) must not reach requests, which refuses 0
    oxigraph_server.clear()
    store = RemoteStore(oxigraph_server.query_url, oxigraph_server.update_url, timeout=0)
    store.update("INSERT DATA { <http://x/a> <http://x/b> 1 }")
    assert store.query("ASK { <http://x/a> ?p ?o }").serialize(BY_KEY["json"]) == (
        b'{"head":{},"boolean":true}')
    oxigraph_server.clear()


def test_no_update_endpoint_means_read_only(oxigraph_server: OxigraphServer) -> None:
    store = RemoteStore(oxigraph_server.query_url)
    with pytest.raises(KGError) as err:
        store.update("INSERT DATA { <http://x/a> <http://x/b> 1 }")
    assert err.value.kind is ErrorKind.FORBIDDEN


def test_syntax_errors_are_caught_before_any_request() -> None:
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with pytest.raises(KGError) as err:
        store.query("SELECT * WHERE {\n ?s ?p }")
    assert err.value.kind is ErrorKind.BAD_INPUT, "parsed locally: no connection attempted"
    assert err.value.line == 2


# -- the dataset of the protocol: named graphs listed only for a query that can see them ---------

EX = "http://example.org/"
ASR, INF = "http://example.org/asserted", "http://example.org/inferred"
#: the protocol's usual dataset (asserted + inferred as the default graph) over data that would
#: change every answer below if a named graph were visible where it should not be, or hidden
#: where it should be seen
DATASET = f"""@prefix ex: <{EX}> .
ex:inDefault ex:p ex:z .
<{ASR}> {{ ex:a ex:p ex:b . ex:b ex:p ex:c . ex:a ex:label "A" . }}
<{INF}> {{ ex:a a ex:T . ex:c ex:p ex:d . }}
ex:g1 {{ ex:a ex:p ex:x . ex:x ex:label "X" . }}
ex:g2 {{ ex:b ex:q 2 . ex:y ex:p ex:a . }}
""".encode()

#: (query, whether it can see named graphs): GRAPH in every position SPARQL allows it
QUERIES: list[tuple[str, bool]] = [
    ("SELECT ?s ?o WHERE { ?s ex:p ?o }", False),
    ("SELECT ?s WHERE { ?s ex:p+ ex:d }", False),
    ("SELECT ?s ?o WHERE { ?s (ex:p|^ex:q)/ex:p ?o }", False),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", False),
    ("ASK { ex:x ex:label ?l }", False),
    ("SELECT ?s WHERE { ?s ex:p ?o FILTER NOT EXISTS { ?o ex:p ?x } }", False),
    ("SELECT ?s WHERE { ?s ex:p ?o MINUS { ?s a ex:T } }", False),
    ("CONSTRUCT { ?s ex:r ?o } WHERE { ?s ex:p ?o }", False),
    ("DESCRIBE ex:a", False),
    ("DESCRIBE ?s WHERE { ?s a ex:T }", False),
    ("SELECT ?g ?s ?o WHERE { GRAPH ?g { ?s ex:p ?o } }", True),
    ("SELECT ?s ?o WHERE { GRAPH ex:g1 { ?s ex:p ?o } }", True),
    ("ASK { GRAPH ?g { ex:b ex:q 2 } }", True),
    ("SELECT ?s ?g WHERE { ?s ex:p ?o OPTIONAL { GRAPH ?g { ?s ex:p ex:x } } }", True),
    ("SELECT ?s WHERE { { ?s a ex:T } UNION { GRAPH ?g { ?s ex:q ?v } } }", True),
    ("SELECT ?s WHERE { ?s ex:p ?o MINUS { GRAPH ex:g1 { ?s ex:p ?x } } }", True),
    ("SELECT ?s ?n WHERE { ?s ex:p ?o { SELECT ?s (COUNT(?g) AS ?n) WHERE "
     "{ GRAPH ?g { ?s ?p ?v } } GROUP BY ?s } }", True),
    ("SELECT ?s WHERE { ?s ex:p ?o FILTER EXISTS { GRAPH ?g { ?s ex:p ex:x } } }", True),
    ("SELECT ?s WHERE { ?s ex:p ?o FILTER NOT EXISTS { GRAPH ?g { ?x ex:p ?s } } }", True),
    ("SELECT ?s WHERE { ?s ex:p ?o FILTER (IF(EXISTS { GRAPH ?g { ?s ex:q ?v } }, 1, 0) = 1) }",
     True),
    ("SELECT ?s ?seen WHERE { ?s ex:p ?o BIND (EXISTS { GRAPH ?g { ?s ?p ?v } } AS ?seen) }",
     True),
    ("SELECT ?s (EXISTS { GRAPH ?g { ?y ex:p ?s } } AS ?seen) WHERE { ?s ex:p ?o }", True),
    ("SELECT ?s WHERE { ?s ex:p ?o } GROUP BY ?s HAVING (NOT EXISTS { GRAPH ?g { ?s ?p ex:x } })",
     True),
    ("SELECT ?s WHERE { ?s ex:p ?o } ORDER BY DESC(EXISTS { GRAPH ?g { ?s ?p ?v } }) ?s", True),
    ("CONSTRUCT { ?s ex:in ?g } WHERE { GRAPH ?g { ?s ?p ?o } }", True),
    ("DESCRIBE ?s WHERE { GRAPH ex:g2 { ?s ex:p ?o } }", True),
]


def _answer(store: Store, sparql: str, **kw: Any) -> object:
    """A query's answer in a form equal across backends (rows as a sorted list, triples as a
    set: no blank nodes in the data)."""
    result = store.query("PREFIX ex: <http://example.org/>\n" + sparql, **kw)
    if result.form in ("SELECT", "ASK"):
        body = json.loads(result.serialize(BY_KEY["json"]))
        if "boolean" in body:
            return body["boolean"]
        return sorted(sorted((k, v["type"], v["value"]) for k, v in b.items())
                      for b in body["results"]["bindings"])
    return {str(t) for t in ox.parse(result.serialize(BY_KEY["ntriples"]),
                                     ox.RdfFormat.N_TRIPLES)}


class Requests:
    """Every HTTP request a store really sends (a response hook of its ``requests`` session)."""

    def __init__(self, store: RemoteStore) -> None:
        self.sent: list[requests.PreparedRequest] = []
        store.session.hooks["response"].append(self._seen)

    def _seen(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.sent.append(response.request)

    def named_graph_params(self, i: int) -> list[str]:
        url = self.sent[i].url or ""
        return [v for k, v in parse_qsl(urlsplit(url).query) if k == "named-graph-uri"]


@pytest.fixture
def both(oxigraph_server: OxigraphServer) -> Iterator[tuple[RemoteStore, OxigraphStore]]:
    oxigraph_server.clear()
    remote = RemoteStore(oxigraph_server.query_url, oxigraph_server.update_url, timeout=10)
    local = OxigraphStore()
    for store in (remote, local):
        store.load(DATASET, BY_KEY["trig"])
    yield remote, local
    remote.close()
    local.close()
    oxigraph_server.clear()


@pytest.mark.parametrize(("sparql", "sees_named"), QUERIES, ids=range(len(QUERIES)))
def test_answers_equal_the_embedded_store_with_graph_anywhere(
        both: tuple[RemoteStore, OxigraphStore], sparql: str, sees_named: bool) -> None:
    remote, local = both
    for dataset in ({"default_graphs": [ASR, INF]}, {"default_graphs": [ASR]}, {},
                    {"default_graphs": [ASR, INF], "named_graphs": [EX + "g2"]}):
        seen = Requests(remote)
        expected = _answer(local, sparql, **dataset)
        assert _answer(remote, sparql, **dataset) == expected, dataset
        lists = "default_graphs" in dataset and "named_graphs" not in dataset and sees_named
        assert len(seen.sent) == (2 if lists else 1), (dataset, [r.body for r in seen.sent])
        remote.session.hooks["response"].clear()


def test_a_query_without_graph_is_one_request_naming_no_named_graph(
        both: tuple[RemoteStore, OxigraphStore]) -> None:
    remote, _ = both
    seen = Requests(remote)
    assert _answer(remote, "SELECT ?o WHERE { ex:a ex:p ?o }", default_graphs=[ASR, INF]) == [
        [("o", "uri", EX + "b")]], "the named graph ex:g1's ex:a ex:p ex:x stays unseen"
    assert len(seen.sent) == 1
    assert seen.named_graph_params(0) == []
    # a query that reads named graphs still sees every one of them
    answer = _answer(remote, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                     default_graphs=[ASR, INF])
    assert answer == [[("g", "uri", g)] for g in sorted([ASR, INF, EX + "g1", EX + "g2"])]
    assert len(seen.sent) == 3, "the listing, then the query"
    assert sorted(seen.named_graph_params(2)) == sorted([ASR, INF, EX + "g1", EX + "g2"])


def test_a_graph_inside_service_is_seen(both: tuple[RemoteStore, OxigraphStore],
                                        oxigraph_server: OxigraphServer) -> None:
    """SERVICE runs its group at the service, on the service's own dataset: the same answer
    either way; our walk still counts its GRAPH (cautious: a listing too many, never too few)."""
    remote, local = both
    sparql = (f"SELECT ?g ?s WHERE {{ SERVICE <{oxigraph_server.query_url}> "
              f"{{ GRAPH ?g {{ ?s ex:q 2 }} }} }}")
    seen = Requests(remote)
    expected = _answer(local, sparql, default_graphs=[ASR, INF])
    assert expected == [[("g", "uri", EX + "g2"), ("s", "uri", EX + "b")]]
    assert _answer(remote, sparql, default_graphs=[ASR, INF]) == expected
    assert len(seen.sent) == 2, "the listing, then the query (the server calls SERVICE itself)"


# -- the other requests: graph names per graph, one round trip for a graph -------------------


def test_graph_names_are_one_request_and_skip_empty_graphs(
        both: tuple[RemoteStore, OxigraphStore]) -> None:
    remote, local = both
    for store in (remote, local):
        store.update(f"CREATE GRAPH <{EX}empty>")  # a graph without a triple is no graph name
    seen = Requests(remote)
    names = remote.graph_names()
    assert names == local.graph_names() == sorted([ASR, INF, EX + "g1", EX + "g2"])
    assert len(seen.sent) == 1, "Oxigraph answers GRAPH ?g {} with its graphs: no scan"
    assert b"GRAPH ?g { }" in (seen.sent[0].body or b"")
    scan = remote._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert sorted(str(row["g"].value) for row in scan) == names


def test_no_graph_names_is_checked_with_the_scan(oxigraph_server: OxigraphServer) -> None:
    """An empty listing may be a server that does not answer GRAPH ?g {} (RDF4J, Virtuoso):
    the scan of every quad confirms it."""
    oxigraph_server.clear()
    store = RemoteStore(oxigraph_server.query_url, oxigraph_server.update_url, timeout=10)
    store.load(b"<http://x/a> <http://x/b> <http://x/c> .", BY_KEY["ntriples"])
    seen = Requests(store)
    assert store.graph_names() == []
    assert [b"GRAPH ?g { }" in (r.body or b"") for r in seen.sent] == [True, False]
    store.update("INSERT DATA { GRAPH <http://x/g> { <http://x/a> <http://x/b> 1 } }")
    assert store.graph_names() == ["http://x/g"]
    oxigraph_server.clear()


def test_a_graph_is_read_in_one_request(both: tuple[RemoteStore, OxigraphStore]) -> None:
    remote, local = both
    ttl = BY_KEY["turtle"]
    for store in (remote, local):
        store.update(f"CREATE GRAPH <{EX}empty>")
    seen = Requests(remote)
    for graph in (EX + "g1", ASR, None):
        got = {str(t) for t in ox.parse(remote.get_graph(graph, ttl), ox.RdfFormat.TURTLE)}
        assert got and got == {str(t) for t in ox.parse(local.get_graph(graph, ttl),
                                                        ox.RdfFormat.TURTLE)}
    assert len(seen.sent) == 3
    for missing in (EX + "none", EX + "empty"):
        for store in (remote, local):
            with pytest.raises(KGError) as err:
                store.get_graph(missing, ttl)
            assert err.value.kind is ErrorKind.NOT_FOUND, (store, missing)
    assert len(seen.sent) == 5
    remote.drop_graph(EX + "g1")
    assert len(seen.sent) == 7, "whether the graph exists (ASK), then DROP"
    with pytest.raises(KGError) as err:
        remote.drop_graph(EX + "g1")
    assert err.value.kind is ErrorKind.NOT_FOUND
    assert remote.graph_names() == sorted([ASR, INF, EX + "g2"])
