"""Store fixtures: every backend behind the same tests, the remote one on a real server.

``oxigraph_server`` starts the ``oxigraph serve`` command of the ``oxigraph`` package (a real
SPARQL 1.1 server process) on a free port, once per session; each test that uses the remote
backend starts from an empty server.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from oxigraph_server import OxigraphServer, start_oxigraph  # noqa: E402
from virtuoso_server import VirtuosoServer, start_virtuoso  # noqa: E402

from alliance_kg.store.base import Store  # noqa: E402
from alliance_kg.store.memory import MemoryStore  # noqa: E402
from alliance_kg.store.oxigraph import OxigraphStore  # noqa: E402
from alliance_kg.store.remote import RemoteStore  # noqa: E402


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph-server"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """A real Virtuoso 7 (``virtuoso_server.py``), once per session; tests clear it."""
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso-server"))
    yield server
    server.stop()


BACKENDS = ["memory", "oxigraph", "oxigraph-disk", "remote", "virtuoso"]


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
    elif name == "virtuoso":
        virtuoso: VirtuosoServer = request.getfixturevalue("virtuoso_server")
        virtuoso.clear()
        made = virtuoso.store()
    else:
        server: OxigraphServer = request.getfixturevalue("oxigraph_server")
        server.clear()
        made = RemoteStore(server.query_url, server.update_url, server.store_url, timeout=10)
    yield made
    made.close()


