"""SSRF guard, security headers, no stack traces, trusted reverse proxy.

The guard (``web/netguard.py``) is tested in-process with a pinned resolver (what DNS answers
is the input under test) and with real loopback HTTP servers for redirects; the rest talks
HTTP to real servers.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Response

from alliance_kg.config import Settings
from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.store.oxigraph import OxigraphStore
from alliance_kg.web import headers, netguard
from alliance_kg.web.app import create_app

from .conftest import FIXTURE, TOKEN, Server, start_server, stop_server

ENDPOINT = "https://sparql.example.org/sparql"


def resolver_for(*addresses: str) -> netguard.Resolver:
    def resolve(host: str, port: int, *_: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]
    return resolve


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fc00::5", "::ffff:127.0.0.1",
    "::ffff:10.0.0.1", "2002:7f00:1::1",  # 6to4 wrapping 127.0.0.1
])
def test_private_addresses_are_refused(address: str) -> None:
    policy = netguard.Policy((ENDPOINT,))
    with pytest.raises(KGError) as err:
        netguard.check_url(ENDPOINT, policy, resolver=resolver_for(address))
    assert err.value.kind is ErrorKind.FORBIDDEN
    assert "resolves to" in err.value.message


def test_every_address_counts_and_public_ones_pass() -> None:
    policy = netguard.Policy((ENDPOINT,))
    netguard.check_url(ENDPOINT, policy, resolver=resolver_for("93.184.215.14",
                                                              "2606:2800:21f:cb07::1"))
    with pytest.raises(KGError):  # one public and one private address: refused
        netguard.check_url(ENDPOINT, policy, resolver=resolver_for("93.184.215.14", "10.0.0.1"))
    # explicitly allowed: the setting, or an allowlist entry naming an IP literal / localhost
    netguard.check_url(ENDPOINT, netguard.Policy((ENDPOINT,), allow_private=True),
                       resolver=resolver_for("10.0.0.1"))
    netguard.check_url("http://127.0.0.1:7879/sparql",
                       netguard.Policy(("http://127.0.0.1:7879/sparql",)))
    netguard.check_url("http://localhost:7879/q", netguard.Policy(("http://localhost:7879/*",)))


@pytest.mark.parametrize(("url", "allow"), [
    ("https://other.example.org/sparql", ENDPOINT),           # not listed
    (ENDPOINT + "x", ENDPOINT),                               # exact entries are exact
    ("https://evil.example/sparql", "https://sparql.example.org*"),  # prefix is a string prefix
    ("https://sparql.example.org@evil.example/sparql", "https://sparql.example.org*"),
    ("file:///etc/passwd", "file:*"),
    ("gopher://sparql.example.org/", "gopher:*"),
    (None, ENDPOINT),                                         # SERVICE ?var
])
def test_allowlist_and_url_shape(url: str | None, allow: str) -> None:
    with pytest.raises(KGError) as err:
        netguard.check_url(url, netguard.Policy((allow,)), resolver=resolver_for("93.184.215.14"))
    assert err.value.kind is ErrorKind.FORBIDDEN


class _Redirect(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:
        if self.path == "/final":
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"arrived")
            return
        self.send_response(302)
        self.send_header("Location", type(self).target)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture()
def redirector() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_redirects_are_checked_at_every_hop(redirector: str) -> None:
    start = redirector + "/start"
    _Redirect.target = redirector + "/final"
    both = netguard.Policy((start, redirector + "/final"))
    assert netguard.fetch("GET", start, both).text == "arrived"
    # the endpoint is allowed (an explicit loopback entry) but the hop it sends us to is not
    with pytest.raises(KGError) as err:
        netguard.fetch("GET", start, netguard.Policy((start,)))
    assert "allowlist" in err.value.message
    # a redirect to a listed name that resolves to the cloud metadata address: refused
    _Redirect.target = "http://metadata.example.org/latest/meta-data/"
    with pytest.raises(KGError) as err:
        netguard.fetch("GET", start, netguard.Policy((start, "http://metadata.example.org/*")),
                       resolver=resolver_for("169.254.169.254"))
    assert "169.254.169.254" in err.value.message


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("guarded")
    host = socket.gethostname()
    server = start_server(tmp, "guarded", dataset=str(FIXTURE), allow_update=True, token=TOKEN,
                          service_allowlist=[f"http://{host}:9/sparql",
                                             "https://sparql.example.invalid/sparql"],
                          store="oxigraph", trusted_proxy="127.0.0.1")
    yield server
    stop_server(server)


def test_service_to_a_listed_name_inside_our_network_is_refused(guarded: Server) -> None:
    host = socket.gethostname()
    addresses = {a[4][0] for a in socket.getaddrinfo(host, 9)}
    if all(netguard.is_public(netguard.ipaddress.ip_address(a)) for a in addresses):
        pytest.skip(f"{host} resolves to public addresses here")
    r = requests.post(guarded.sparql, timeout=30, data={
        "query": f"SELECT * {{ SERVICE <http://{host}:9/sparql> {{ ?s ?p ?o }} }}"})
    assert r.status_code == 403, r.text
    assert "resolves to" in r.text
    r = requests.post(guarded.sparql, timeout=30, data={
        "query": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
    assert r.status_code == 403 and "allowlist" in r.text


def test_load_and_service_in_updates_are_refused(guarded: Server) -> None:
    for text in ["LOAD <https://sparql.example.invalid/sparql>",
                 "load <http://169.254.169.254/latest> INTO GRAPH <urn:x>",
                 "INSERT { ?s ?p ?o } WHERE { SERVICE <https://sparql.example.invalid/sparql> "
                 "{ ?s ?p ?o } }"]:
        r = requests.post(guarded.sparql, data={"update": text}, timeout=30, headers={
            "Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 403, (text, r.text)


def test_security_headers_on_every_answer(guarded: Server) -> None:
    answers = [
        requests.get(guarded.sparql, params={"query": "ASK {}"}, timeout=10),
        requests.get(guarded.sparql, params={"query": "SELEC"}, timeout=10),  # 400
        requests.get(guarded.url + "/no/such/path", timeout=10),               # 404
        requests.get(guarded.url + "/healthz", timeout=10),
        requests.get(guarded.store, params={"graph": "urn:none"}, timeout=10),
        requests.post(guarded.sparql, data={"update": "CLEAR ALL"}, timeout=10),  # 401
    ]
    for r in answers:
        assert r.headers["X-Content-Type-Options"] == "nosniff", r.url
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        if "text/html" not in r.headers.get("Content-Type", ""):
            assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_html_pages_get_a_policy_without_unsafe_inline() -> None:
    app = create_app(Settings.from_env({}), OxigraphStore())

    @app.route("/__page")
    def page() -> Response:
        return Response("<!doctype html><title>x</title>", mimetype="text/html")

    r = app.test_client().get("/__page")
    csp = r.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert csp == headers.HTML_CSP
    # every HTML page the app really serves has a policy: no inline or eval'd script, no
    # framing (a page may relax styles for its widgets: YASGUI sets inline styles)
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or set()) and not rule.arguments:
            resp = app.test_client().get(rule.rule)
            if resp.mimetype == "text/html":
                directives = dict(
                    ([*d.strip().split(" ", 1), ""])[:2]
                    for d in resp.headers["Content-Security-Policy"].split(";") if d.strip())
                script = directives.get("script-src", directives.get("default-src", ""))
                assert "unsafe-inline" not in script and "unsafe-eval" not in script, rule
                assert directives.get("frame-ancestors") == "'none'", rule
                assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_no_stack_trace_on_an_internal_error(tmp_path: Path) -> None:
    """A tokens file that disappears while the server runs is an internal error: the client
    gets a plain 500 without the path or a trace; the operator's log has the detail."""
    tokens = tmp_path / "tokens.toml"
    tokens.write_text('[[tokens]]\nname = "ops"\ntoken = "s3cret-ops-token"\ngraphs = ["*"]\n')
    server = start_server(tmp_path, "internal", dataset=str(FIXTURE), allow_update=True,
                          tokens_file=str(tokens), store="oxigraph")
    try:
        tokens.unlink()
        for accept in ("text/plain", "application/json"):
            r = requests.post(server.sparql, data={"update": "CLEAR GRAPH <urn:x>"}, timeout=30,
                              headers={"Authorization": "Bearer s3cret-ops-token",
                                       "Accept": accept})
            assert r.status_code == 500
            assert "internal server error" in r.text
            for leak in ("Traceback", "tokens.toml", str(tmp_path), 'File "', "s3cret"):
                assert leak not in r.text
        assert "tokens.toml" in server.output()  # the operator can find out what happened
    finally:
        stop_server(server)


def test_a_broken_tokens_file_stops_the_start(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.toml"
    tokens.write_text('[[tokens]]\nname = "x"\ngraphs = "not a list"\n')
    with pytest.raises(RuntimeError) as err:
        start_server(tmp_path, "broken", dataset=str(FIXTURE), allow_update=True,
                     tokens_file=str(tokens), store="oxigraph")
    assert "graphs" in str(err.value)


def test_forwarded_headers_only_from_the_trusted_proxy(guarded: Server,
                                                       tmp_path: Path) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "kg.example.org",
                 "X-Forwarded-For": "203.0.113.7", "Content-Type": "text/turtle",
                 "Authorization": f"Bearer {TOKEN}"}
    body = b"<urn:a> <urn:b> <urn:c> ."
    r = requests.post(guarded.store, data=body, headers=forwarded, timeout=30)
    assert r.status_code == 201, r.text
    assert r.headers["Location"].startswith("https://kg.example.org/rdf-graph-store/")
    requests.delete(r.headers["Location"].replace("https://kg.example.org", guarded.url),
                    headers=forwarded, timeout=30)
    # a server without a trusted proxy ignores (strips) the same headers
    plain = start_server(tmp_path, "noproxy", dataset=str(FIXTURE), allow_update=True,
                         token=TOKEN, store="oxigraph")
    try:
        r = requests.post(plain.store, data=body, headers=forwarded, timeout=30)
        assert r.status_code == 201, r.text
        assert r.headers["Location"].startswith(plain.url + "/rdf-graph-store/")
    finally:
        stop_server(plain)
