"""The query path's shortcuts keep the protocol's answers, over HTTP to a real server.

The result cap (a SELECT is served from its first evaluation when it fits a buffer of ``limit``
of the format's smallest rows, else counted first), ASK and CONSTRUCT answered from one
evaluation, negotiation per query form, and a chunked body of exactly the size limit, on a
server that evaluates in the request thread (timeout 0) and one that uses worker processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.store import analysis
from alliance_kg.web import params

from .conftest import FIXTURE, Server, start_server, stop_server

CAP = 10
QUERIES = Path(__file__).resolve().parents[2] / "queries"
MAX_BODY = 2000


def empty_rows(n: int) -> str:
    """A SELECT of ``n`` rows binding nothing: the fewest bytes per row a format has."""
    return "SELECT * WHERE { VALUES ?x { " + "UNDEF " * n + "} }"


@pytest.fixture(scope="module", params=[0.0, 5.0], ids=["in-thread", "worker"])
def capped(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           pytestconfig: pytest.Config) -> Iterator[Server]:
    timeout: float = request.param
    tmp = tmp_path_factory.mktemp("request-path")
    server = start_server(tmp, "request-path", dataset=str(FIXTURE), allow_update=False,
                          query_timeout=timeout, max_results=CAP, max_body_bytes=MAX_BODY,
                          store=pytestconfig.getoption("store"))
    yield server
    stop_server(server)


@pytest.mark.parametrize(("accept", "marker"), [
    ("application/sparql-results+json", b'"bindings"'),
    ("application/sparql-results+xml", b"<results>"),
    ("text/csv", b"x\r\n"),
    ("text/tab-separated-values", b"?x\n"),
])
def test_cap_at_its_boundary_in_every_results_format(capped: Server, accept: str,
                                                      marker: bytes) -> None:
    at_cap = requests.post(capped.sparql, data={"query": empty_rows(CAP)},
                           headers={"Accept": accept}, timeout=30)
    assert at_cap.status_code == 200, at_cap.text
    assert at_cap.headers["Content-Type"].startswith(accept)
    assert marker in at_cap.content
    over = requests.post(capped.sparql, data={"query": empty_rows(CAP + 1)},
                         headers={"Accept": accept}, timeout=30)
    assert over.status_code == 413, over.text
    assert f"more than {CAP} results" in over.text


def test_long_rows_under_the_cap_are_served_and_over_it_refused(capped: Server) -> None:
    # rows of ~150 bytes: the answer outgrows the buffer (2 bytes x CAP) long before the cap
    query = ("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT %d")
    r = requests.get(capped.sparql, params={"query": query % CAP},
                     headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert r.status_code == 200, r.text
    assert len(r.json()["results"]["bindings"]) == CAP
    r = requests.get(capped.sparql, params={"query": query % (CAP + 1)},
                     headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert r.status_code == 413 and f"more than {CAP} results" in r.text


def test_ask_and_construct_are_answered_and_capped(capped: Server) -> None:
    r = requests.post(capped.sparql, data={"query": "ASK { ?s ?p ?o }"},
                      headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert r.status_code == 200 and r.json()["boolean"] is True
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT %d"
    r = requests.post(capped.sparql, data={"query": construct % CAP},
                      headers={"Accept": "application/n-triples"}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/n-triples")
    assert r.text.count("\n") == CAP
    r = requests.post(capped.sparql, data={"query": construct % (CAP + 1)},
                      headers={"Accept": "application/n-triples"}, timeout=30)
    assert r.status_code == 413 and f"more than {CAP} triples" in r.text


def test_negotiation_follows_the_form_the_query_has(capped: Server) -> None:
    accept = "text/turtle, application/sparql-results+xml;q=0.5"
    r = requests.get(capped.sparql, params={"query": "ASK {}"}, headers={"Accept": accept},
                     timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(
        "application/sparql-results+xml")
    # the explicit template: rdflib (the memory store) fails on CONSTRUCT WHERE with a LIMIT
    r = requests.get(capped.sparql,
                     params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1"},
                     headers={"Accept": accept}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    r = requests.get(capped.sparql, params={"query": "ASK {}"},
                     headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 406 and "a ASK query" in r.text
    r = requests.get(capped.sparql, params={"query": "ASK {", "format": "turtle"}, timeout=30)
    assert r.status_code == 400, "a syntax error is reported before the format is refused"


@pytest.mark.parametrize("extra", [0, 1], ids=["at-limit", "one-over"])
def test_a_chunked_body_is_held_to_the_limit_exactly(capped: Server, extra: int) -> None:
    head = b"query=ASK+%7B%7D&pad="
    body = head + b"x" * (MAX_BODY + extra - len(head))

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for i in range(0, len(body), 512):
            yield body[i:i + 512]

    r = requests.post(capped.sparql, data=chunks(), timeout=30,
                      headers={"Content-Type": "application/x-www-form-urlencoded",
                               "Accept": "application/sparql-results+json"})
    if extra:
        assert r.status_code == 413 and f"{MAX_BODY} bytes" in r.text, r.text
    else:
        assert r.status_code == 200 and r.json()["boolean"] is True, r.text


def test_a_remembered_form_decoding_is_a_fresh_list_and_errors_stay_errors() -> None:
    body = b"query=SELECT+%3Fs+%7B%7D&default-graph-uri=urn%3Aa&default-graph-uri=urn%3Ab"
    first = params.decode_form(body, "the form body")
    first.append(("query", "changed by a caller"))
    again = params.decode_form(body, "the form body")
    assert again == [("query", "SELECT ?s {}"), ("default-graph-uri", "urn:a"),
                     ("default-graph-uri", "urn:b")]
    long_body = b"query=" + b"%20" * params.REMEMBERED_BYTES  # decoded, not remembered
    assert params.decode_form(long_body, "the form body") == [
        ("query", " " * params.REMEMBERED_BYTES)]
    for _ in range(2):
        with pytest.raises(KGError) as err:
            params.decode_form(b"query=%FF", "the form body")
        assert err.value.kind is ErrorKind.BAD_INPUT
        assert err.value.message.startswith("the form body is not valid UTF-8")


@pytest.mark.parametrize(("query", "expected"), [
    *((p.read_text(), (False, False, True)) for p in sorted(QUERIES.glob("*.rq"))),
    ("SELECT * FROM <urn:g> { ?s ?p ?o }", (True, False, True)),
    ("SELECT ?from { ?s <urn:from> ?from } # FROM", (False, False, True)),
    ('SELECT * { ?s ?p "FROM NOW() SERVICE" }', (False, False, True)),
    ("SELECT (NOW() AS ?t) {}", (False, False, False)),
    ("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", (False, True, False)),
    ("PREFIX ex: <http://example.org/> SELECT * { SERVICE SILENT ex:sparql { ?s ?p ?o } }",
     (False, True, False)),
    ("SELECT * { SERVICE ?where { ?s ?p ?o } }", (False, True, False)),
    ("select (rand() as ?r) from named <urn:g> {}", (True, False, False)),
])
def test_the_analysis_reads_dataset_clauses_services_and_determinism(
        query: str, expected: tuple[bool, bool, bool]) -> None:
    facts = analysis.analyse(query)
    assert facts.read
    assert (facts.has_dataset, facts.calls_service, facts.deterministic) == expected
