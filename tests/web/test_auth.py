"""Who may write what: read-only by default, bearer tokens, per-graph grants, 401 vs 403.

A real server with a tokens file (TOML): the operator's token (every graph), a token limited
to one merged source's graph, and one given by its SHA-256 digest for a prefix of graphs.
Every refused write must leave the store exactly as it was (canonical dump), and no token may
ever appear in an answer or in the server's log.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from alliance_kg.config import Settings
from alliance_kg.errors import KGError
from alliance_kg.formats import BY_KEY
from alliance_kg.store.oxigraph import OxigraphStore
from alliance_kg.web import auth, writes, writescope
from alliance_kg.web.context import AppState
from alliance_kg.web.errors import InsufficientScope

from .conftest import FIXTURE, Server, start_server, stop_server
from .test_durability import canonical_dump

SOURCE = "https://w3id.org/alliance-kg/graph/source/test"
OTHER = "https://w3id.org/alliance-kg/graph/source/other"
ASSERTED = "https://w3id.org/alliance-kg/graph/asserted"
OPS, SCOPED, HASHED = "ops-9c1f0e6b2d", "src-4e8a2b7f51", "wd-77aa03c5e9"
ROTATED = "src-rotated-1b2c3d"
TOKENS = (OPS, SCOPED, HASHED, ROTATED)


def tokens_toml(scoped: str = SCOPED) -> str:
    digest = hashlib.sha256(HASHED.encode()).hexdigest()
    return (f'[[tokens]]\nname = "operator"\ntoken = "{OPS}"\ngraphs = ["*"]\n\n'
            f'[[tokens]]\nname = "test-source"\ntoken = "{scoped}"\ngraphs = ["{SOURCE}"]\n\n'
            f'[[tokens]]\nname = "sources"\ntoken_sha256 = "{digest}"\n'
            f'graphs = ["https://w3id.org/alliance-kg/graph/source/wd*"]\n')


@pytest.fixture(scope="module")
def tokens_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tokens") / "tokens.toml"
    path.write_text(tokens_toml())
    return path


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory, tokens_file: Path,
        pytestconfig: pytest.Config) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("auth")
    server = start_server(tmp, "auth", dataset=str(FIXTURE), allow_update=True,
                          tokens_file=str(tokens_file), validate_on_update=False,
                          store=pytestconfig.getoption("store"))
    yield server
    stop_server(server)
    log = server.output()
    for token in TOKENS:
        assert token not in log, "a token reached the server's log"


def upd(srv: Server, text: str, token: str | None, **headers: str) -> requests.Response:
    h = {"Content-Type": "application/sparql-update", **headers}
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    r = requests.post(srv.sparql, data=text.encode(), headers=h, timeout=60)
    for t in TOKENS:
        assert t not in r.text and t not in str(r.headers), "a token was echoed back"
    return r


def put(srv: Server, graph: str, token: str, body: bytes = b"<urn:a> <urn:b> <urn:c> .",
        method: str = "PUT") -> requests.Response:
    r = requests.request(method, srv.store, params={"graph": graph}, data=body, timeout=60,
                         headers={"Content-Type": "application/n-triples",
                                  "Authorization": f"Bearer {token}"})
    for t in TOKENS:
        assert t not in r.text
    return r


def test_read_only_by_default(ro_server: Server) -> None:
    for token in (None, "anything"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = requests.post(ro_server.sparql, data={"update": "CLEAR ALL"}, headers=headers,
                          timeout=10)
        assert r.status_code == 403 and "read-only" in r.text
        r = requests.put(ro_server.store, params={"graph": SOURCE}, data=b"",
                         headers={"Content-Type": "text/turtle", **headers}, timeout=10)
        assert r.status_code == 403
    assert Settings.from_env({}).allow_update is False


def test_401_without_or_with_a_wrong_token(srv: Server) -> None:
    before = canonical_dump(srv)
    r = upd(srv, "CLEAR ALL", None)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="alliance-kg"'
    for wrong in ("nope", OPS[:-1], OPS + "x", SCOPED.upper()):
        r = upd(srv, "CLEAR ALL", wrong)
        assert r.status_code == 401
        assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    r = upd(srv, "CLEAR ALL", None, Authorization=f"Basic {OPS}")
    assert r.status_code == 401
    assert canonical_dump(srv) == before


def test_scoped_token_writes_its_graph_only_through_the_graph_store(srv: Server) -> None:
    assert put(srv, SOURCE, SCOPED).status_code in (201, 204)
    before = canonical_dump(srv)
    for graph, method in [(ASSERTED, "PUT"), (OTHER, "PUT"), (OTHER, "POST"),
                          (ASSERTED, "DELETE")]:
        r = put(srv, graph, SCOPED, method=method)
        assert r.status_code == 403, (graph, method, r.text)
        assert r.headers["WWW-Authenticate"].endswith('error="insufficient_scope"')
        assert "test-source" in r.text  # the grant's name, never the token
    r = requests.put(srv.store, params={"default": ""}, data=b"", timeout=30, headers={
        "Content-Type": "text/turtle", "Authorization": f"Bearer {SCOPED}"})
    assert r.status_code == 403
    r = requests.post(srv.store, data=b"<urn:a> <urn:b> <urn:c> .", timeout=30, headers={
        "Content-Type": "application/n-triples", "Authorization": f"Bearer {SCOPED}"})
    assert r.status_code == 403, "a new graph named by the server is outside the grant"
    assert canonical_dump(srv) == before
    assert put(srv, SOURCE, SCOPED, method="DELETE").status_code == 204


@pytest.mark.parametrize("text", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",                               # default graph
    f"INSERT DATA {{ GRAPH <{SOURCE}> {{ <urn:a> <urn:b> 1 }} GRAPH <{OTHER}> {{ <urn:a> "
    "<urn:b> 9 } }",
    # rdflib keeps the escape in a prefixed name's local part ("source\\/test") where the
    # engine reads "source/test": the analysis disagrees, so the update is refused (fails
    # closed), and the scratch diff would catch the opposite disagreement
    "PREFIX akgraph: <https://w3id.org/alliance-kg/graph/> "
    "INSERT DATA { GRAPH akgraph:source\\/test { <urn:a> <urn:b> 2 } }",
    "INSERT { GRAPH ?g { <urn:a> <urn:b> 2 } } WHERE { GRAPH ?g { ?s ?p ?o } }",  # unknowable
    f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{SOURCE}> {{ ?s ?p ?o }} }}",   # default graph
    "CLEAR ALL", "DROP NAMED", "CLEAR DEFAULT", f"CREATE GRAPH <{OTHER}>",
    f"ADD <{SOURCE}> TO <{OTHER}>", f"MOVE <{SOURCE}> TO DEFAULT",
    f"WITH <{OTHER}> INSERT {{ <urn:a> <urn:b> 3 }} WHERE {{ }}",
    f"DELETE WHERE {{ GRAPH <{ASSERTED}> {{ ?s ?p ?o }} }}",
    f"INSERT DATA {{ GRAPH <{SOURCE}> {{ <urn:a> <urn:b> 4 }} }} ; CLEAR GRAPH <{ASSERTED}>",
])
def test_scoped_token_updates_outside_the_grant_are_refused(srv: Server, text: str) -> None:
    before = canonical_dump(srv)
    r = upd(srv, text, SCOPED)
    assert r.status_code == 403, r.text
    assert 'error="insufficient_scope"' in r.headers["WWW-Authenticate"]
    assert canonical_dump(srv) == before, "a refused update changed the store"


def test_scoped_token_updates_inside_the_grant(srv: Server) -> None:
    for text in [
        f"INSERT DATA {{ GRAPH <{SOURCE}> {{ <urn:a> <urn:b> 1 }} }}",
        f"WITH <{SOURCE}> DELETE {{ ?s ?p 1 }} INSERT {{ ?s ?p 2 }} WHERE {{ ?s ?p 1 }}",
        # reading other graphs is fine, writing only the granted one
        f"INSERT {{ GRAPH <{SOURCE}> {{ ?s a ?t }} }} WHERE {{ GRAPH <{ASSERTED}> "
        "{ ?s a ?t } } ",
        "PREFIX src: <https://w3id.org/alliance-kg/graph/source/> "
        "DELETE DATA { GRAPH src:test { <urn:a> <urn:b> 2 } }",
        f"DROP GRAPH <{SOURCE}>",
    ]:
        r = upd(srv, text, SCOPED)
        assert r.status_code == 204, (text, r.text)
    # the operator's token writes anything; the hashed token its prefix
    assert upd(srv, "INSERT DATA { <urn:ops> <urn:b> 1 }", OPS).status_code == 204
    assert upd(srv, "DELETE DATA { <urn:ops> <urn:b> 1 }", OPS).status_code == 204
    wd = "https://w3id.org/alliance-kg/graph/source/wd-items"
    assert put(srv, wd, HASHED).status_code == 201
    assert put(srv, OTHER, HASHED).status_code == 403
    assert put(srv, wd, HASHED, method="DELETE").status_code == 204


def test_rotation_without_restart(srv: Server, tokens_file: Path) -> None:
    old_mtime = tokens_file.stat().st_mtime_ns
    tokens_file.write_text(tokens_toml(scoped=ROTATED))
    os.utime(tokens_file, ns=(time.time_ns(), max(time.time_ns(), old_mtime + 1_000_000)))
    try:
        assert put(srv, SOURCE, SCOPED).status_code == 401, "the revoked token still works"
        assert put(srv, SOURCE, ROTATED).status_code in (201, 204)
        assert put(srv, SOURCE, ROTATED, method="DELETE").status_code == 204
    finally:
        tokens_file.write_text(tokens_toml())
        os.utime(tokens_file, ns=(time.time_ns(), time.time_ns() + 2_000_000))


def test_scope_prediction() -> None:
    base = "https://w3id.org/alliance-kg/"
    assert writescope.targets("INSERT DATA { <urn:a> <urn:b> <urn:c> }", base) == {None}
    assert writescope.targets("WITH <urn:w> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
                              base) == {"urn:w"}
    assert writescope.targets("CLEAR GRAPH <graph/x> ; MOVE <urn:a> TO <urn:b>", base) == {
        base + "graph/x", "urn:a", "urn:b"}
    for unknowable in ["CLEAR ALL", "INSERT { GRAPH ?g { ?s ?p ?o } } WHERE { ?s ?p ?g }",
                       "LOAD <http://example.org/x>", "not sparql at all"]:
        with pytest.raises(writescope.Unknown):
            writescope.targets(unknowable, base)


def test_the_scratch_diff_backs_up_the_prediction() -> None:
    """Whatever the static analysis said, a change that alters a graph outside the grant is
    refused after it ran on the scratch copy, and the store is left as it was."""
    store = OxigraphStore()
    store.load(f'<urn:a> <urn:b> "1" <{SOURCE}> .\n<urn:a> <urn:b> "1" <{OTHER}> .'.encode(),
               BY_KEY["nquads"])
    state = AppState(settings=Settings.from_env({}, validate_on_update=False), store=store)
    grant = auth.Grant("test-source", auth.digest("x"), (SOURCE,))
    before = store.dump(BY_KEY["nquads"])
    with pytest.raises(InsufficientScope):
        writes.apply(state, lambda s: s.update(f"CLEAR GRAPH <{OTHER}>", None), grant)
    assert store.dump(BY_KEY["nquads"]) == before
    writes.apply(state, lambda s: s.update(f"CLEAR GRAPH <{SOURCE}>", None), grant)
    assert {q.graph_name for q in ox.parse(store.dump(BY_KEY["nquads"]),
                                           ox.RdfFormat.N_QUADS)} == {ox.NamedNode(OTHER)}


def test_tokens_match_in_constant_time_per_grant() -> None:
    """Every grant is compared (no early exit), by digest, so neither which grant matched nor
    how much of a token was right changes the work done."""
    grants = [auth.Grant(f"g{i}", auth.digest(f"t{i}")) for i in range(3)]
    assert auth.match("t2", grants) is grants[2]
    assert auth.match("t", grants) is None
    calls: list[tuple[bytes, bytes]] = []
    real = auth.hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    auth.hmac.compare_digest = counting  # type: ignore[assignment]
    try:
        auth.match("t0", grants)
    finally:
        auth.hmac.compare_digest = real
    assert len(calls) == 3 and all(len(a) == len(b) == 32 for a, b in calls)


def test_bad_tokens_files_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "t.toml"
    for text, words in [("[[tokens]]\nname='x'\ntoken='a'\n", "graphs"),
                        ("[[tokens]]\ngraphs=['*']\n", "token"),
                        ("[[tokens]]\ntoken_sha256='abc'\ngraphs=['*']\n", "64 hex"),
                        ("[[tokens\n", "tokens file")]:
        bad.write_text(text)
        with pytest.raises(KGError) as err:
            auth.check_configuration(Settings.from_env({}, allow_update=True,
                                                       tokens_file=str(bad)))
        assert words in str(err.value) and err.value.file == str(bad)
