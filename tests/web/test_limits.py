"""Timeouts and limits: pathological queries are stopped, the server stays responsive.

Each pathological query (a cartesian product, a deep ``*`` property path over every predicate,
huge ``VALUES`` joined with everything) runs while ``/healthz`` and an ordinary query are
sent: those must be answered (200) *before* the pathological one is stopped with 503 +
``Retry-After``. Then the size limits, each with the status and a message naming the limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests

from .conftest import FIXTURE, Server, built_dataset, start_server, stop_server

TIMEOUT = 4.0
CARTESIAN = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
             "?m ?n2 ?o . ?p ?q ?r }")
DEEP_PATH = "SELECT (COUNT(*) AS ?n) WHERE { ?s (!<urn:none>|^!<urn:none>)* ?o . ?x ?y ?z }"
VALUES = ("SELECT (COUNT(*) AS ?n) WHERE { VALUES ?a { " + " ".join(map(str, range(600)))
          + " } VALUES ?b { " + " ".join(map(str, range(600))) + " } ?s ?p ?o }")


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory,
            pytestconfig: pytest.Config) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("limits")
    server = start_server(tmp, "limits", dataset=str(built_dataset() or FIXTURE),
                          allow_update=False, query_timeout=TIMEOUT, max_results=500,
                          max_query_length=8000, max_body_bytes=100_000, threads=8,
                          store=pytestconfig.getoption("store"))
    yield server
    stop_server(server)


@pytest.mark.parametrize("query", [CARTESIAN, DEEP_PATH, VALUES],
                         ids=["cartesian", "deep-path", "huge-values"])
def test_pathological_query_is_stopped_and_the_server_stays_responsive(
        limited: Server, query: str) -> None:
    done: dict[str, tuple[float, requests.Response]] = {}

    def slow() -> None:
        r = requests.post(limited.sparql, data={"query": query}, timeout=120,
                          headers={"Accept": "application/json"})
        done["slow"] = (time.monotonic(), r)

    started = time.monotonic()
    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.5)
    health = requests.get(limited.url + "/healthz", timeout=60)
    done["health"] = (time.monotonic(), health)
    normal = requests.get(limited.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=60,
                          headers={"Accept": "application/sparql-results+json"})
    done["normal"] = (time.monotonic(), normal)
    worker.join(120)

    slow_at, slow_r = done["slow"]
    assert slow_r.status_code == 503, slow_r.text[:300]
    assert int(slow_r.headers["Retry-After"]) > 0
    assert slow_r.json()["error"] == "timeout" and str(int(TIMEOUT)) in slow_r.json()["message"]
    assert slow_at - started >= TIMEOUT * 0.9, "stopped before the timeout?"
    assert health.status_code == 200 and normal.status_code == 200 and normal.json()["boolean"]
    assert done["health"][0] < slow_at and done["normal"][0] < slow_at, \
        "the server did not answer while the pathological query ran"
    # and afterwards, too
    assert requests.get(limited.url + "/healthz", timeout=30).status_code == 200


def test_result_over_the_cap_is_413_with_the_limit(limited: Server) -> None:
    r = requests.get(limited.sparql, timeout=60, params={
        "query": "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 501"})
    assert r.status_code == 413
    assert "more than 500" in r.text and "LIMIT" in r.text
    r = requests.get(limited.sparql, timeout=60, params={
        "query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 501"})
    assert r.status_code == 413 and "more than 500" in r.text
    r = requests.get(limited.sparql, timeout=60, params={
        "query": "SELECT * WHERE { ?s ?p ?o } LIMIT 500"})
    assert r.status_code == 200


@pytest.mark.parametrize("chunked", [False, True])
def test_body_over_the_limit_is_413(limited: Server, chunked: bool) -> None:
    body = b"query=" + b"x" * 100_001

    def gen() -> Iterator[bytes]:
        for i in range(0, len(body), 8192):
            yield body[i:i + 8192]

    r = requests.post(limited.sparql, data=gen() if chunked else body, timeout=60,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413, r.text
    assert "100000 bytes" in r.text
    r = requests.put(limited.store, params={"graph": "urn:x"}, data=body, timeout=60,
                     headers={"Content-Type": "text/turtle"})
    assert r.status_code in (403, 413)  # read-only answers 403 before reading the body


def test_query_length_is_bounded(limited: Server) -> None:
    long_query = "ASK { " + "?s ?p ?o . " * 800 + "}"
    assert len(long_query) > 8000
    r = requests.get(limited.sparql, params={"query": long_query}, timeout=60)
    assert r.status_code == 414 and "8000" in r.text
    r = requests.post(limited.sparql, data={"query": long_query}, timeout=60)
    assert r.status_code == 413 and "over the limit of 8000" in r.text
