"""Real servers for the web tests: ``alliance-kg serve``'s granian server in a subprocess on a
free port of 127.0.0.1.

Two servers are started once per test session and shared by every module:

* ``ro_server``: read-only, serving the built dataset (``knowledge.build.ensure_built``) when
  the build exists, else the fixture dataset; short query timeout and a small result cap so
  that the limits can be tested;
* ``rw_server``: updates allowed with a bearer token, validation on, serving the small fixture
  dataset (writes re-derive the inferred graph, which must stay fast).

Tests talk HTTP to them with ``requests`` and SPARQLWrapper, nothing else.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import requests
from flask.testing import FlaskClient

from alliance_kg.formats import BY_KEY
from alliance_kg.store.base import Store

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "store"))

from oxigraph_server import OxigraphServer, start_oxigraph  # noqa: E402
from virtuoso_server import VirtuosoServer, start_virtuoso  # noqa: E402

FIXTURE = HERE / "data" / "fixture.trig"
TOKEN = "test-token-7f3a9c"
ASSERTED = "https://w3id.org/alliance-kg/graph/asserted"
INFERRED = "https://w3id.org/alliance-kg/graph/inferred"
ONTOLOGY = "https://w3id.org/alliance-kg/graph/ontology"
SHAPES = "https://w3id.org/alliance-kg/graph/shapes"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path
    settings: dict[str, Any] = field(default_factory=dict)
    token: str | None = None
    #: the remote store's server, for store="remote"
    backing: OxigraphServer | VirtuosoServer | None = None

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    @property
    def store(self) -> str:
        return self.url + "/rdf-graph-store"

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(tmp: Path, name: str, **overrides: Any) -> Server:
    port = free_port()
    backing = None
    engine = overrides.pop("remote_engine", "oxigraph")
    if overrides.get("store") == "remote" and engine == "virtuoso":
        backing = start_virtuoso(tmp / "virtuoso")
        overrides.update(backing.settings())
        # loaded here, not by serve: through SPARQL Update in 1000-triple operations Virtuoso
        # takes longer than the ro server's 1 s timeout (docs/STORES.md, "Virtuoso")
        preload = backing.store(timeout=120)
        preload.load(Path(overrides["dataset"]).read_bytes(), BY_KEY["trig"])
        preload.close()
    elif overrides.get("store") == "remote" and "remote_query_url" not in overrides:
        backing = start_oxigraph(tmp)
        overrides.update(remote_query_url=backing.query_url,
                         remote_update_url=backing.update_url,
                         remote_gsp_url=backing.store_url)
    settings = {"host": "127.0.0.1", "port": port, "threads": 4, **overrides}
    log = tmp / f"{name}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_KG_")}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(HERE / "launch.py"), json.dumps(settings)],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp,
        )
    server = Server(f"http://127.0.0.1:{port}", proc, log, settings, overrides.get("token"),
                    backing)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            if backing is not None:  # or it outlives the test session
                backing.stop()
            raise RuntimeError(f"server {name} exited:\n{server.output()}")
        try:
            if requests.get(server.url + "/healthz", timeout=1).status_code == 200:
                return server
        # granian binds the port before its worker has loaded the data: a request may then
        # wait (read timeout) rather than be refused
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.1)
    proc.kill()
    if backing is not None:
        backing.stop()
    raise RuntimeError(f"server {name} did not start:\n{server.output()}")


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
    if server.backing is not None:
        server.backing.stop()


def built_dataset() -> Path | None:
    """The real built dataset, if the build pipeline exists and gives asserted facts and an
    ontology; else None (the servers then use the fixture dataset)."""
    try:
        from alliance_kg.config import Settings
        from alliance_kg.knowledge.build import ensure_built

        path: Path = ensure_built(Settings.from_env({}))
        graphs = {q.graph_name for q in ox.parse(path=str(path), format=ox.RdfFormat.TRIG)}
    except Exception:  # not there yet, or not working yet: serve the fixture
        return None
    if not {ox.NamedNode(ASSERTED), ox.NamedNode(ONTOLOGY)} <= graphs:
        return None
    return path


def in_process_writable(kind: str, token: str) -> tuple[Store, FlaskClient]:
    """A store of ``kind`` (oxigraph or memory) holding the built dataset, and a test client of
    an app that accepts writes with ``token``: for write tests that need no real server."""
    from alliance_kg.config import Settings
    from alliance_kg.store.memory import MemoryStore
    from alliance_kg.store.oxigraph import OxigraphStore
    from alliance_kg.web import create_app

    path = built_dataset()
    if path is None:
        pytest.skip("the dataset cannot be built here")
    store: Store = OxigraphStore() if kind == "oxigraph" else MemoryStore()
    store.load(path.read_bytes(), BY_KEY["trig"])
    return store, create_app(Settings(allow_update=True, token=token), store).test_client()


@pytest.fixture(scope="session")
def ro_server(tmp_path_factory: pytest.TempPathFactory,
              pytestconfig: pytest.Config) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("ro")
    dataset = built_dataset() or FIXTURE
    server = start_server(tmp, "ro", dataset=str(dataset), allow_update=False,
                          query_timeout=1.0, max_results=1000, max_query_length=5000,
                          max_body_bytes=200_000, store=pytestconfig.getoption("store"),
                          remote_engine=pytestconfig.getoption("remote_engine"))
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def rw_server(tmp_path_factory: pytest.TempPathFactory,
              pytestconfig: pytest.Config) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("rw")
    server = start_server(tmp, "rw", dataset=str(FIXTURE), allow_update=True, token=TOKEN,
                          validate_on_update=True, query_timeout=5.0,
                          store=pytestconfig.getoption("store"),
                          remote_engine=pytestconfig.getoption("remote_engine"),
                          max_body_bytes=1_000_000)
    yield server
    stop_server(server)


def select(server: Server, query: str, **params: Any) -> list[dict[str, str]]:
    """Run a SELECT, return the bindings as {var: value}."""
    r = requests.get(server.sparql, params={"query": query, **params},
                     headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert r.status_code == 200, r.text
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def ask(server: Server, query: str, **params: Any) -> bool:
    r = requests.get(server.sparql, params={"query": query, **params},
                     headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert r.status_code == 200, r.text
    value: bool = r.json()["boolean"]
    return value


def update(server: Server, text: str, **params: Any) -> requests.Response:
    return requests.post(server.sparql, data=text.encode("utf-8"), params=params,
                         headers={"Content-Type": "application/sparql-update", **server.auth()},
                         timeout=30)


def dump(server: Server) -> list[str]:
    """The whole dataset as sorted N-Quads lines (canonical enough: no blank nodes change)."""
    r = requests.get(server.store, headers={"Accept": "application/n-quads"}, timeout=10)
    assert r.status_code == 200, r.text
    return sorted(line for line in r.text.splitlines() if line.strip())


def restore_fixture(server: Server) -> None:
    """Put the fixture's graphs back (after tests that clear the store)."""
    import rdflib

    ds = rdflib.Dataset()
    ds.parse(FIXTURE, format="trig")
    others = sorted(
        str(g.identifier) for g in ds.graphs()
        if str(g.identifier) not in {SHAPES, ONTOLOGY, ASSERTED, INFERRED}
        and isinstance(g.identifier, rdflib.URIRef) and len(g)
    )
    names = [SHAPES, ONTOLOGY, ASSERTED, *others]
    for name in names:
        data = ds.graph(rdflib.URIRef(name)).serialize(format="nt", encoding="utf-8")
        r = requests.put(server.store, params={"graph": name}, data=data,
                         headers={"Content-Type": "application/n-triples", **server.auth()},
                         timeout=30)
        assert r.status_code in (201, 204), r.text
