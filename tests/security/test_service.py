"""SERVICE and LOAD as an attacker would send them, against a really running service.

A loopback listener stands for a private service behind us: the test fails if it is ever
contacted. The embedded engine cannot connect (store/sandbox.py), so no spelling of SERVICE may
reach it: PN_LOCAL escapes that fooled the old lexer, comments, strings, EXISTS, subqueries,
SILENT, variables, prefixed names, updates with SERVICE and LOAD.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.security.loopback import Listener
from tests.web.conftest import FIXTURE, TOKEN, Server, start_server, stop_server

PROBE = "ASK { ?s ?p ?o }"




@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory,
           pytestconfig: pytest.Config) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("security-service")
    srv = start_server(tmp, "security", dataset=str(FIXTURE), allow_update=True, token=TOKEN,
                       store=pytestconfig.getoption("store"))
    yield srv
    stop_server(srv)


def attacks(url: str) -> list[str]:
    return [
        # the reported bypass: a local-name escape made the lexer read the rest as a comment
        f"PREFIX ex: <http://ex/> SELECT ?secret WHERE {{ BIND(ex:a\\# AS ?x) "
        f"SERVICE <{url}> {{ ?s ?p ?secret }} }}",
        f"PREFIX ex: <http://ex/> SELECT * WHERE {{ BIND(ex:a\\' AS ?x) "
        f"SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f'PREFIX ex: <http://ex/> SELECT * WHERE {{ BIND(ex:a\\" AS ?x) '
        f"SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?a ?b ?c FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"PREFIX loop: <http://127.0.0.1:{url.split(':')[2].split('/')[0]}/> "
        f"SELECT * WHERE {{ SERVICE loop:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ sErViCe <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ # SERVICE in a comment, then for real\n "
        f"SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ]


def test_no_spelling_of_service_reaches_a_private_endpoint(server: Server,
                                                            listener: Listener) -> None:
    for query in attacks(listener.sparql):
        r = requests.post(server.sparql, data={"query": query}, timeout=30,
                          headers={"Accept": "application/sparql-results+json"})
        assert r.status_code in (400, 403), (query, r.status_code, r.text)
        assert r.status_code != 200
    time.sleep(0.3)
    assert listener.contacts == []


def test_a_refused_service_is_403_whatever_the_ports_state(server: Server,
                                                           listener: Listener) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    answers = []
    for url in (listener.sparql, f"http://127.0.0.1:{closed}/sparql"):
        r = requests.post(server.sparql, data={
            "query": f"PREFIX ex: <http://ex/> SELECT * WHERE {{ BIND(ex:a\\# AS ?x) "
                     f"SERVICE <{url}> {{ ?s ?p ?o }} }}"}, timeout=30)
        answers.append(r.status_code)
    # 403 on the embedded Oxigraph engine; the memory store's engine (rdflib) cannot read the
    # escape and says 400: either way the answer never depends on the port
    assert answers[0] == answers[1] and answers[0] in (400, 403), answers


def test_updates_with_service_or_load_fetch_nothing(server: Server,
                                                    listener: Listener) -> None:
    for update in (f"LOAD <{listener.sparql}>",
                   f"PREFIX ex: <http://ex/> INSERT {{ ex:a ex:b ?o }} WHERE {{ "
                   f"BIND(ex:a\\# AS ?x) SERVICE <{listener.sparql}> {{ ?s ?p ?o }} }}",
                   f"INSERT {{ <http://ex/a> <http://ex/b> ?o }} WHERE {{ "
                   f"SERVICE SILENT <{listener.sparql}> {{ ?s ?p ?o }} }}",
                   f"PREFIX ex: <http://ex/> INSERT DATA {{ ex:a\\# ex:b ex:c }} ; "
                   f"LOAD <{listener.sparql}>"):
        r = requests.post(server.sparql, data={"update": update}, timeout=30,
                          headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code in (400, 403, 204), (update, r.status_code, r.text)
    time.sleep(0.3)
    assert listener.contacts == []


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from(["", "# c\n", 'BIND("SERVICE" AS ?q) ', "?s ?p ?o . ",
                               "OPTIONAL { ?s ?p ?o } ", r"BIND(<http://ex/a\u0023> AS ?z) "]),
       keyword=st.sampled_from(["SERVICE", "service", "Service", "SERVICE SILENT"]),
       wrap=st.sampled_from(["{}", "{{ {} }}", "FILTER EXISTS {{ {} }}",
                             "{{ SELECT * WHERE {{ {} }} }}", "MINUS {{ {} }}",
                             "{{ {} }} UNION {{ ?a ?b ?c }}"]))
def test_service_at_random_positions_never_connects(server: Server, listener: Listener,
                                                    prefix: str, keyword: str,
                                                    wrap: str) -> None:
    call = f"{keyword} <{listener.sparql}> {{ ?s ?p ?o }}"
    query = f"SELECT * WHERE {{ {prefix}{wrap.format(call)} }}"
    r = requests.post(server.sparql, data={"query": query}, timeout=30)
    assert r.status_code in (400, 403), (query, r.status_code, r.text)
    assert listener.contacts == []


def probe_during(server: Server, body: str, attackers: int, *, wait: bool = True
                 ) -> tuple[requests.Response, float, list[int]]:
    """Send ``body`` as a query from ``attackers`` threads, then a probe ASK: the probe's
    answer, how long it took, and the attackers' status codes (0: no answer in 60 s), all of
    them if ``wait``."""
    results: list[int] = []

    def attack() -> None:
        try:
            r = requests.post(server.sparql, data=body, timeout=60,
                              headers={"Content-Type": "application/sparql-query"})
            results.append(r.status_code)
        except requests.RequestException:
            results.append(0)

    threads = [threading.Thread(target=attack, daemon=True) for _ in range(attackers)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    start = time.monotonic()
    r = requests.post(server.sparql, data={"query": PROBE}, timeout=60)
    probe_seconds = time.monotonic() - start
    if wait:
        for t in threads:
            t.join(60)
    return r, probe_seconds, results


def test_quadratic_inputs_do_not_stall_other_queries(server: Server) -> None:
    """The old lexer took O(n^2) on 'a-a-a-…' in the request thread; a probe must answer while
    such requests run."""
    r, probe_seconds, results = probe_during(server, "ASK { " + "a-" * 45_000 + " }", 4)
    assert r.status_code == 200
    assert probe_seconds < 5.0, probe_seconds
    assert results == [400] * 4


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose query processes may allocate 256 MiB beyond the server's own."""
    srv = start_server(tmp_path_factory.mktemp("capped"), "capped", dataset=str(FIXTURE),
                       query_memory_mib=256, query_timeout=20.0)
    yield srv
    stop_server(srv)


def test_a_query_that_eats_memory_is_refused_and_the_server_answers(capped: Server) -> None:
    doubling = "".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1}) " for i in range(30))
    query = f'SELECT (STRLEN(?x30) AS ?n) WHERE {{ BIND("0123456789abcdef" AS ?x0) {doubling}}}'
    r = requests.post(capped.sparql, data={"query": query}, timeout=60)
    assert r.status_code in (413, 503), (r.status_code, r.text)
    assert "memory" in r.text
    assert requests.post(capped.sparql, data={"query": PROBE}, timeout=30).status_code == 200


@pytest.mark.parametrize("depth", [3000, 30000])
def test_deep_nesting_is_400_and_the_server_answers(capped: Server, depth: int) -> None:
    for query in ("ASK " + "{" * depth + "}" * depth,
                  "ASK { FILTER(" + "(" * depth + "1" + ")" * depth + ") }"):
        r = requests.post(capped.sparql, data=query, timeout=60,
                          headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 400, (depth, r.status_code, r.text[:200])
    assert requests.post(capped.sparql, data={"query": PROBE}, timeout=30).status_code == 200


def test_deeply_nested_updates_do_not_kill_the_server(server: Server) -> None:
    for depth in (3000, 49_000):  # 49,000 pairs: the most the length limit admits
        update = "INSERT { <urn:a> <urn:b> <urn:c> } WHERE " + "{" * depth + "}" * depth
        r = requests.post(server.sparql, data={"update": update}, timeout=60,
                          headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code in (204, 400), (depth, r.status_code, r.text[:200])
    assert requests.post(server.sparql, data={"query": PROBE}, timeout=30).status_code == 200


@pytest.fixture(scope="module", params=["remote", "no timeout"])
def unbudgeted(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The two ways a query used to be read in the request thread, without a budget: a remote
    store (the SERVICE check) and the embedded store with the query timeout off."""
    tmp = tmp_path_factory.mktemp("unbudgeted")
    overrides = {"store": "remote"} if request.param == "remote" else {"query_timeout": 0.0}
    srv = start_server(tmp, "unbudgeted", dataset=str(FIXTURE), **overrides)
    yield srv
    stop_server(srv)


def test_a_query_slow_to_read_does_not_stall_others(unbudgeted: Server) -> None:
    """rdflib takes about a minute to read '1+1+…' at the length limit, holding its parser's
    lock: the reading happens in a killable worker with a budget, and a probe still answers.
    (Without a timeout the engine may then spend as long as it likes on the query: the
    operator's choice, so only two attackers, leaving request threads free.)"""
    remote = unbudgeted.backing is not None
    r, probe_seconds, results = probe_during(
        unbudgeted, "ASK { FILTER(" + "1+" * 40_000 + "1) }", 4 if remote else 2, wait=remote)
    assert r.status_code == 200, r.text
    assert probe_seconds < 5.0, probe_seconds
    if remote:  # what the SERVICE check cannot read in time is refused, with the reason
        assert results == [400] * 4
