"""Bad input never becomes a 5xx: random queries, bodies, headers and parameters over HTTP.

Property-based (hypothesis) against the running servers. Every answer must be a 2xx or a 4xx with
a message; a 5xx or a dropped connection fails. A short run in CI (``AKG_FUZZ_EXAMPLES``, 40 per
property by default); raise it for the long run.
"""

from __future__ import annotations

import os

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import TOKEN, Server

EXAMPLES = int(os.environ.get("AKG_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
SPARQL_WORDS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "?s", "?p", "?o",
                "GRAPH", "FILTER", "(", ")", ".", ";", ",", "OPTIONAL", "UNION", "LIMIT", "10",
                "akg:reportsTo", "<urn:x>", '"lit"@en', "a", "*", "ORDER BY", "COUNT(*)", "AS",
                "VALUES", "BIND", "SERVICE", "FROM", "PREFIX", "x:", "<", ">", "+", "/", "|"]
UPDATE_WORDS = [*SPARQL_WORDS, "INSERT", "DELETE", "DATA", "CLEAR", "DROP", "LOAD"]
MEDIA = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
         "application/trig", "application/n-quads", "text/plain", "application/json",
         "application/sparql-query", "application/sparql-update", "multipart/form-data", ""]


def _ok(r: requests.Response) -> None:
    assert r.status_code < 500, f"{r.status_code}: {r.text[:300]}"
    if r.status_code >= 400:
        assert r.text.strip(), "an error answer must carry a message"
        assert "Traceback" not in r.text


sparql_like = st.lists(st.sampled_from(SPARQL_WORDS), max_size=25).map(" ".join)


@FUZZ
@given(query=st.one_of(st.text(max_size=200), sparql_like))
def test_random_queries(ro_server: Server, query: str) -> None:
    _ok(requests.post(ro_server.sparql, data={"query": query}, timeout=30))


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["query", "format", "infer", "default-graph-uri",
                                               "named-graph-uri", "timeout", "update", "graph"]),
                              st.text(max_size=40), max_size=4),
       accept=st.one_of(st.sampled_from([*MEDIA, "*/*;q=x", "text/*;q=0.5, */*;q=0"]),
                        st.text(max_size=40)))
def test_random_parameters_and_accept(ro_server: Server, params: dict[str, str],
                                      accept: str) -> None:
    # what an HTTP client can send at all: requests itself refuses a value with control
    # characters or leading white space, so such a value never reaches a server
    sendable = accept.isascii() and accept.isprintable() and accept == accept.lstrip()
    headers = {"Accept": accept} if sendable else {}
    _ok(requests.get(ro_server.sparql, params=params, headers=headers, timeout=30))


@FUZZ
@given(body=st.one_of(st.binary(max_size=300),
                      st.text(max_size=300).map(lambda s: s.encode("utf-8"))),
       media=st.sampled_from(MEDIA))
def test_random_graph_store_bodies(rw_server: Server, body: bytes, media: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if media:
        headers["Content-Type"] = media
    r = requests.put(rw_server.store, params={"graph": "urn:fuzz"}, data=body, headers=headers,
                     timeout=60)
    _ok(r)
    if r.status_code < 300:
        _ok(requests.delete(rw_server.store, params={"graph": "urn:fuzz"}, headers=headers,
                            timeout=60))


@FUZZ
@given(update=st.one_of(st.text(max_size=200),
                        st.lists(st.sampled_from(UPDATE_WORDS), max_size=20).map(" ".join)))
def test_random_updates(rw_server: Server, update: str) -> None:
    r = requests.post(rw_server.sparql, data={"update": update}, timeout=60,
                      headers={"Authorization": f"Bearer {TOKEN}"})
    _ok(r)
