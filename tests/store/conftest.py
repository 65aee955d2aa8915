"""Store fixtures: every backend behind the same tests, the remote one on a real server.

``oxigraph_server`` starts the ``oxigraph serve`` command of the ``oxigraph`` package (a real
SPARQL 1.1 server process) on a free port, once per session; each test that uses the remote
backend starts from an empty server.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from oxigraph_server import OxigraphServer, free_port, oxigraph_command  # noqa: E402

from alliance_kg.store.base import Store  # noqa: E402
from alliance_kg.store.memory import MemoryStore  # noqa: E402
from alliance_kg.store.oxigraph import OxigraphStore  # noqa: E402
from alliance_kg.store.remote import RemoteStore  # noqa: E402


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph-server")
    log = (location / "server.log").open("wb")
    proc = subprocess.Popen([oxigraph_command(), "serve", "--location", str(location / "db"),
                             "--bind", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    server = OxigraphServer(f"http://127.0.0.1:{port}", proc)
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(server.query_url, params={"query": "ASK {}"}, timeout=2)
            break
        except requests.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log_text = (location / "server.log").read_text()
                pytest.fail(f"oxigraph serve did not start: {log_text}")
            time.sleep(0.1)
    yield server
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


BACKENDS = ["memory", "oxigraph", "oxigraph-disk", "remote"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    name: str = request.param
    made: Store
    if name == "memory":
        made = MemoryStore()
    elif name == "oxigraph":
        made = OxigraphStore()
    elif name == "oxigraph-disk":
        made = OxigraphStore(str(tmp_path / "db"))
    else:
        server: OxigraphServer = request.getfixturevalue("oxigraph_server")
        server.clear()
        made = RemoteStore(server.query_url, server.update_url, server.store_url, timeout=10)
    yield made
    made.close()


