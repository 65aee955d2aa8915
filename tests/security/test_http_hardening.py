"""HTTP-level hardening (issue 11), over HTTP against really running servers.

A worker that dies is respawned; scoped grants refuse dot segments; pages link only to web
URLs; CORS answers that depend on the Origin say so; a slowly sent body holds no request
thread and is answered 408 when its time is up.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from tests.web.conftest import FIXTURE, Server, start_server, stop_server

ASK = "ASK { ?s ?p ?o }"
SOURCE = "https://w3id.org/alliance-kg/graph/source/test"
SCOPED = "scoped-token-1b2c3d"
OPERATOR = "operator-token-9e8f7a"


def probe(server: Server, timeout: float = 5.0) -> float:
    """Seconds a trivial ASK took to answer 200; fails the test otherwise."""
    start = time.monotonic()
    r = requests.get(server.sparql, params={"query": ASK},
                     headers={"Accept": "application/sparql-results+json"}, timeout=timeout)
    assert r.status_code == 200, r.text
    assert r.json()["boolean"] is True
    return time.monotonic() - start


def worker_pids(pid: int) -> set[int]:
    """Direct children of ``pid`` (the granian main process): its worker processes."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = task / "children"
        if children.exists():
            found |= {int(c) for c in children.read_text().split()}
    return found


def test_a_killed_worker_is_respawned(tmp_path: Path) -> None:
    server = start_server(tmp_path, "respawn", dataset=str(FIXTURE), query_timeout=5.0,
                          store="memory")
    try:
        probe(server)
        before = worker_pids(server.proc.pid)
        assert len(before) == 1, before
        os.kill(before.pop(), signal.SIGKILL)
        deadline = time.monotonic() + 30
        answered = False
        while time.monotonic() < deadline and not answered:
            try:
                probe(server, timeout=2)
                answered = True
            except (requests.RequestException, AssertionError):
                time.sleep(0.2)
        assert answered, server.output()
        assert server.proc.poll() is None, "the main process must keep running"
        assert len(worker_pids(server.proc.pid)) == 1
    finally:
        stop_server(server)


def test_a_worker_failing_at_start_still_ends_serve(tmp_path: Path) -> None:
    """Respawning is only for workers that have started: a start-up error is not retried
    forever, serve ends with its message."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    with pytest.raises(RuntimeError, match="cannot open"):
        start_server(tmp_path, "fails", dataset=str(FIXTURE), store="oxigraph",
                     store_path=str(blocker))


@pytest.fixture(scope="module")
def scoped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("scoped")
    tokens = tmp / "tokens.toml"
    tokens.write_text(f'[[tokens]]\nname = "sources"\ntoken = "{SCOPED}"\n'
                      f'graphs = ["{SOURCE}/*"]\n', encoding="utf-8")
    server = start_server(tmp, "scoped", dataset=str(FIXTURE), allow_update=True,
                          tokens_file=str(tokens), token=OPERATOR, store="memory",
                          validate_on_update=False)
    yield server
    stop_server(server)


@pytest.mark.parametrize("graph", [
    f"{SOURCE}/../../asserted",
    f"{SOURCE}/./x",
    f"{SOURCE}/%2e%2e/%2E%2E/asserted",
    f"{SOURCE}/a/..",
])
def test_scoped_grants_refuse_dot_segments(scoped: Server, graph: str) -> None:
    auth = {"Authorization": f"Bearer {SCOPED}"}
    update = f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> <urn:c> }} }}"
    r = requests.post(scoped.sparql, data={"update": update}, headers=auth, timeout=10)
    assert r.status_code == 403, r.text
    r = requests.put(scoped.store, params={"graph": graph}, data="<urn:a> <urn:b> <urn:c> .",
                     headers={**auth, "Content-Type": "application/n-triples"}, timeout=10)
    assert r.status_code == 403, r.text


def test_scoped_grant_still_writes_its_graphs(scoped: Server) -> None:
    auth = {"Authorization": f"Bearer {SCOPED}"}
    update = f"INSERT DATA {{ GRAPH <{SOURCE}/a.b/c> {{ <urn:a> <urn:b> <urn:c> }} }}"
    r = requests.post(scoped.sparql, data={"update": update}, headers=auth, timeout=10)
    assert r.status_code in (200, 204), r.text


def test_pages_do_not_link_to_javascript_iris(tmp_path: Path) -> None:
    data = tmp_path / "hostile.trig"
    data.write_text(FIXTURE.read_text(encoding="utf-8") + """
<https://w3id.org/alliance-kg/graph/asserted> {
  <https://w3id.org/alliance-kg/resource/japan>
      <http://www.w3.org/2004/02/skos/core#exactMatch> <javascript:alert(1)> ,
          <https://www.wikidata.org/entity/Q17> ;
      <http://www.w3.org/2002/07/owl#sameAs> <data:text/html,hi> .
}
""", encoding="utf-8")
    server = start_server(tmp_path, "pages", dataset=str(data), store="memory")
    try:
        r = requests.get(server.url + "/resource/japan", headers={"Accept": "text/html"},
                         timeout=10)
        assert r.status_code == 200, r.text
        html = r.text
        assert "wikidata.org/entity/Q17" in html  # the http(s) link-out is still there
        assert 'href="javascript:' not in html.lower()
        assert 'href="data:' not in html.lower()
    finally:
        stop_server(server)


def test_cors_answers_vary_on_origin(tmp_path: Path) -> None:
    server = start_server(tmp_path, "cors", dataset=str(FIXTURE), store="memory",
                          cors_origins="https://a.example,https://b.example")
    try:
        for origin in ("https://a.example", "https://evil.example"):
            r = requests.get(server.sparql, params={"query": ASK},
                             headers={"Origin": origin}, timeout=10)
            assert r.status_code == 200
            assert "Origin" in {v.strip() for v in r.headers["Vary"].split(",")}, r.headers
        r = requests.get(server.sparql, params={"query": ASK},
                         headers={"Origin": "https://evil.example"}, timeout=10)
        assert "Access-Control-Allow-Origin" not in r.headers
    finally:
        stop_server(server)


def test_any_origin_cors_is_a_static_wildcard(tmp_path: Path) -> None:
    server = start_server(tmp_path, "cors-any", dataset=str(FIXTURE), store="memory")
    try:
        r = requests.get(server.sparql, params={"query": ASK},
                         headers={"Origin": "https://x.example"}, timeout=10)
        assert r.headers["Access-Control-Allow-Origin"] == "*"
    finally:
        stop_server(server)


def _trickle(port: int, stop: threading.Event, answers: list[tuple[float, bytes]]) -> None:
    """A POST that announces a body and sends one byte of it every second, until ``stop`` or
    until the server answers; appends (seconds, first line of the answer) to ``answers``."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/sparql-query\r\nContent-Length: 100000\r\n\r\nA")
        start = time.monotonic()
        s.settimeout(1.0)
        while not stop.is_set():
            try:
                answer = s.recv(4096)
            except TimeoutError:
                try:
                    s.sendall(b" ")
                except OSError:
                    return
                continue
            except OSError:
                return
            answers.append((time.monotonic() - start, answer.split(b"\r\n", 1)[0]))
            return


def test_a_probe_answers_while_bodies_trickle(tmp_path: Path) -> None:
    """Bodies are received on granian's event loop under a deadline (web/bodytimeout.py): a
    trickling client holds no request thread, and gets 408 when its time is up."""
    server = start_server(tmp_path, "slowloris", dataset=str(FIXTURE), store="memory",
                          threads=4, body_timeout=4.0)
    stop = threading.Event()
    answers: list[tuple[float, bytes]] = []
    port = int(server.url.rsplit(":", 1)[1])
    attackers = [threading.Thread(target=_trickle, args=(port, stop, answers), daemon=True)
                 for _ in range(16)]
    try:
        probe(server)
        for a in attackers:
            a.start()
        time.sleep(2)
        assert probe(server, timeout=10) < 5
        for a in attackers:
            a.join(timeout=15)
        assert len(answers) == 16, answers
        for seconds, status in answers:
            assert status == b"HTTP/1.1 408 Request Timeout"
            assert 3.5 < seconds < 10
        probe(server)
    finally:
        stop.set()
        for a in attackers:
            a.join(timeout=5)
        stop_server(server)
