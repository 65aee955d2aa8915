"""Bad input never becomes a 5xx: random queries, bodies, headers and parameters over HTTP.

Property-based (hypothesis) against the running servers. Every answer must be a 2xx or a 4xx with
a message; a 5xx or a dropped connection fails. A short run in CI (``AKG_FUZZ_EXAMPLES``, 40 per
property by default); the slow suite runs ``AKG_FUZZ_EXAMPLES_SLOW`` (500) per property.

RDF payloads: for every format the Graph Store accepts (and the dataset formats it must refuse),
a valid document is *mutated* (bytes inserted, deleted, replaced, truncated), so the parsers see
inputs near the grammar rather than only noise; a payload that still parses must be readable
back. Headers (Content-Type with parameters and charsets, Accept, If-None-Match, Authorization,
Content-Encoding) and graph parameters are fuzzed as well. At the end of the module the figures
are printed: inputs sent and 5xx seen.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import TOKEN, Server

EXAMPLES = int(os.environ.get("AKG_FUZZ_EXAMPLES", "40"))
SLOW_EXAMPLES = int(os.environ.get("AKG_FUZZ_EXAMPLES_SLOW", "500"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
FUZZ_SLOW = settings(max_examples=SLOW_EXAMPLES, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
SPARQL_WORDS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "?s", "?p", "?o",
                "GRAPH", "FILTER", "(", ")", ".", ";", ",", "OPTIONAL", "UNION", "LIMIT", "10",
                "akg:reportsTo", "<urn:x>", '"lit"@en', "a", "*", "ORDER BY", "COUNT(*)", "AS",
                "VALUES", "BIND", "SERVICE", "FROM", "PREFIX", "x:", "<", ">", "+", "/", "|"]
UPDATE_WORDS = [*SPARQL_WORDS, "INSERT", "DELETE", "DATA", "CLEAR", "DROP", "LOAD"]
MEDIA = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
         "application/trig", "application/n-quads", "text/plain", "application/json",
         "application/sparql-query", "application/sparql-update", "multipart/form-data", ""]


FIGURES = {"inputs": 0, "5xx": 0}


@pytest.fixture(scope="module", autouse=True)
def _figures(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    line = (f"\n[figures] fuzz: {FIGURES['inputs']} inputs sent over HTTP, "
            f"{FIGURES['5xx']} answered 5xx")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print(line)
    else:
        print(line)


def _ok(r: requests.Response) -> None:
    FIGURES["inputs"] += 1
    if r.status_code >= 500:
        FIGURES["5xx"] += 1
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


# -- RDF payloads in every format, mutated --------------------------------------------------

_SEED = ox.parse(b"""@prefix ex: <https://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:a a ex:Thing ; rdfs:label "A \\"quoted\\" label"@en , "\\u30a2"@ja ; ex:n 42 , 1.5e3 , true ;
  ex:knows [ ex:name "blank" ] , ex:b ;
  ex:date "2024-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .
""", ox.RdfFormat.TURTLE)
_TRIPLES = [q.triple for q in _SEED]
#: (Content-Type, a valid document) for each RDF format (graph formats are accepted by the
#: Graph Store; dataset formats must be refused with 415, never a 5xx)
DOCUMENTS: list[tuple[str, bytes]] = [
    (media, bytes(ox.serialize(_TRIPLES, format=fmt) or b""))
    for media, fmt in [("text/turtle", ox.RdfFormat.TURTLE),
                       ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                       ("application/rdf+xml", ox.RdfFormat.RDF_XML),
                       ("application/ld+json", ox.RdfFormat.JSON_LD),
                       ("text/n3", ox.RdfFormat.N3)]
] + [("application/trig", b"<urn:g> { <urn:a> <urn:b> <urn:c> . }"),
     ("application/n-quads", b"<urn:a> <urn:b> <urn:c> <urn:g> .")]
NOISE = [b"<", b">", b'"', b"'", b"{", b"}", b"[", b"]", b"@", b":", b".", b";", b",", b"\\",
         b"\n", b"\x00", b"\xff", b"\xc3", b"_:", b"^^", b"@prefix", b"&amp;", b"<!DOCTYPE",
         b'"@context"', b'"@id"', b"\\u00", b"#", b"\r\n", "\u2028".encode()]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    media, doc = draw(st.sampled_from(DOCUMENTS))
    data = bytearray(doc)
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        piece = draw(st.one_of(st.sampled_from(NOISE), st.binary(min_size=1, max_size=4)))
        if op == "insert":
            data[at:at] = piece
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 8))]
        elif op == "replace":
            data[at:at + len(piece)] = piece
        else:
            del data[at:]
    return media, bytes(data)


CONTENT_TYPE_PARAMS = st.sampled_from(["", "; charset=utf-8", "; charset=latin-1",
                                       "; charset=", ";;", "; q=x", '; charset="UTF-8"'])


def _put_mutated(server: Server, media: str, body: bytes, params_: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": media + params_}
    r = requests.put(server.store, params={"graph": "urn:fuzz:rdf"}, data=body,
                     headers=headers, timeout=60)
    _ok(r)
    if r.status_code < 300:
        back = requests.get(server.store, params={"graph": "urn:fuzz:rdf"}, timeout=60,
                            headers={"Accept": "application/n-triples"})
        _ok(back)
        assert back.status_code == 200
        _ok(requests.delete(server.store, params={"graph": "urn:fuzz:rdf"},
                            headers=headers, timeout=60))
    elif media in {"application/trig", "application/n-quads"}:
        assert r.status_code == 415, r.text


@FUZZ
@given(doc=mutated(), params_=CONTENT_TYPE_PARAMS)
def test_mutated_rdf_payloads(rw_server: Server, doc: tuple[str, bytes], params_: str) -> None:
    _put_mutated(rw_server, doc[0], doc[1], params_)


@pytest.mark.slow
@FUZZ_SLOW
@given(doc=mutated(), params_=CONTENT_TYPE_PARAMS)
def test_mutated_rdf_payloads_long(rw_server: Server, doc: tuple[str, bytes],
                                   params_: str) -> None:
    _put_mutated(rw_server, doc[0], doc[1], params_)


HEADER_VALUE = st.one_of(
    st.sampled_from(["", "*/*", "gzip", "Bearer ", "Bearer x y", f"Bearer {TOKEN}",
                     "Basic Zm9vOmJhcg==", '"etag"', "W/\"x\"", "*", "text/turtle;q=0",
                     "application/sparql-results+json;q=1.5", "multipart/form-data; boundary=",
                     "application/x-www-form-urlencoded", "deflate", "chunked"]),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=60)
).map(str.lstrip)  # requests itself refuses to send a value with leading whitespace
HEADER_NAMES = ["Accept", "Content-Type", "If-None-Match", "Authorization", "Content-Encoding",
                "Accept-Encoding", "Origin", "X-Forwarded-Host", "X-Forwarded-Proto", "Range"]


@FUZZ
@given(headers=st.dictionaries(st.sampled_from(HEADER_NAMES), HEADER_VALUE, max_size=5),
       method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"]),
       path=st.sampled_from(["/sparql", "/update", "/rdf-graph-store", "/rdf-graph-store/x",
                             "/healthz", "/.well-known/void", "/query"]),
       graph=st.one_of(st.none(), st.text(max_size=30)),
       body=st.binary(max_size=100))
def test_random_headers_methods_and_graph_params(rw_server: Server, headers: dict[str, str],
                                                 method: str, path: str, graph: str | None,
                                                 body: bytes) -> None:
    params = {"graph": graph} if graph is not None else {}
    if method in {"PUT", "DELETE", "POST"} and path.startswith("/rdf-graph-store"):
        params = {"graph": "urn:fuzz:headers"}  # never touch the fixture's graphs
    r = requests.request(method, rw_server.url + path, params=params, headers=headers,
                         data=body if method in {"POST", "PUT"} else None, timeout=60)
    if method == "HEAD":  # no body to carry a message
        FIGURES["inputs"] += 1
        FIGURES["5xx"] += r.status_code >= 500
        assert r.status_code < 500
    else:
        _ok(r)
