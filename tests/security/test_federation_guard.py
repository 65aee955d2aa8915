"""SERVICE to an allowlisted endpoint that misbehaves: a redirect off the allowlist is 502, an
error answer 502, a slow endpoint 504; the redirect's target is never contacted."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from tests.security.loopback import Listener
from tests.web.conftest import FIXTURE, Server, start_server, stop_server


class _Endpoint(BaseHTTPRequestHandler):
    target = ""

    def do_POST(self) -> None:
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.target)
            self.end_headers()
        elif self.path.startswith("/slow"):
            time.sleep(4)
            self.send_response(200)
            self.end_headers()
        else:
            self.send_response(500)
            self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[str, Listener]]:
    listener = Listener()
    _Endpoint.target = listener.sparql
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", listener
    httpd.shutdown()
    listener.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory,
           endpoint: tuple[str, Listener]) -> Iterator[Server]:
    base, _ = endpoint
    tmp: Path = tmp_path_factory.mktemp("federation-guard")
    srv = start_server(tmp, "guard", dataset=str(FIXTURE), query_timeout=3.0,
                       service_allowlist=[base + "/*"])
    yield srv
    stop_server(srv)


def _service(server: Server, url: str) -> requests.Response:
    return requests.post(server.sparql, timeout=60, data={
        "query": f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"})


def test_a_redirect_off_the_allowlist_is_502_and_not_followed(
        server: Server, endpoint: tuple[str, Listener]) -> None:
    base, listener = endpoint
    r = _service(server, base + "/redirect")
    assert r.status_code == 502, r.text
    assert "redirect" in r.text
    assert listener.contacts == []


def test_an_endpoint_error_is_502(server: Server, endpoint: tuple[str, Listener]) -> None:
    r = _service(server, endpoint[0] + "/broken")
    assert r.status_code == 502, r.text


def test_a_slow_endpoint_is_504(server: Server, endpoint: tuple[str, Listener]) -> None:
    r = _service(server, endpoint[0] + "/slow")
    assert r.status_code == 504, r.text


def test_silent_turns_endpoint_failures_into_an_empty_solution(
        server: Server, endpoint: tuple[str, Listener]) -> None:
    r = requests.post(server.sparql, timeout=60, headers={
        "Accept": "application/sparql-results+json"}, data={
        "query": f"SELECT * WHERE {{ SERVICE SILENT <{endpoint[0]}/broken> {{ ?s ?p ?o }} }}"})
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"] == [{}]


def test_an_endpoint_off_the_allowlist_is_403(server: Server) -> None:
    r = _service(server, "http://127.0.0.1:9/elsewhere")
    assert r.status_code == 403, r.text
