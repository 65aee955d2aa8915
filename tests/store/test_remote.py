"""What only the remote backend can get wrong: an unreachable server, a slow one, read-only."""

from __future__ import annotations

import pytest
from oxigraph_server import OxigraphServer, free_port

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY
from alliance_kg.store.remote import RemoteStore


def test_server_down_is_a_clear_error() -> None:
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with pytest.raises(KGError) as err:
        store.query("ASK { ?s ?p ?o }")
    assert err.value.kind is ErrorKind.UNAVAILABLE
    assert "cannot reach the remote store" in err.value.message


def test_slow_answer_times_out(oxigraph_server: OxigraphServer) -> None:
    oxigraph_server.clear()
    store = RemoteStore(oxigraph_server.query_url, oxigraph_server.update_url, timeout=0.5)
    data = "\n".join(f"<http://x/s{i}> <http://x/p> <http://x/o{i}> ." for i in range(300))
    store.load(data.encode(), BY_KEY["ntriples"])
    with pytest.raises(KGError) as err:
        store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }")
    assert err.value.kind is ErrorKind.TIMEOUT
    oxigraph_server.clear()


def test_no_update_endpoint_means_read_only(oxigraph_server: OxigraphServer) -> None:
    store = RemoteStore(oxigraph_server.query_url)
    with pytest.raises(KGError) as err:
        store.update("INSERT DATA { <http://x/a> <http://x/b> 1 }")
    assert err.value.kind is ErrorKind.FORBIDDEN


def test_syntax_errors_are_caught_before_any_request() -> None:
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with pytest.raises(KGError) as err:
        store.query("SELECT * WHERE {\n ?s ?p }")
    assert err.value.kind is ErrorKind.BAD_INPUT, "parsed locally: no connection attempted"
    assert err.value.line == 2
