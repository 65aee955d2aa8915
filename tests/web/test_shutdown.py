"""A stopped server leaves nothing behind: its forked query workers die with it.

Queries run in worker processes forked from the server (``store.executor``); they inherit the
listening socket and the store's files. A server stopped by SIGTERM or SIGKILL runs no exit
handlers, so unless the workers notice on their own, they would keep the port taken and the
store's files open after the server is gone.
"""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import pytest
import requests

from .conftest import FIXTURE, start_server


def _children(pid: int) -> set[int]:
    """Every process whose parent is ``pid`` (from /proc, Linux only)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _descendants(pid: int) -> set[int]:
    """Children, grandchildren... of ``pid``: the server's granian worker and its query workers."""
    found = _children(pid)
    for child in list(found):
        found |= _descendants(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
def test_workers_die_with_the_server(tmp_path: Path, sig: signal.Signals,
                                     pytestconfig: pytest.Config) -> None:
    store = pytestconfig.getoption("store")
    if store == "remote":
        pytest.skip("a remote store runs queries in the request thread: no workers")
    server = start_server(tmp_path, "shutdown", dataset=str(FIXTURE), query_timeout=5.0,
                          store=store)
    port = int(server.url.rsplit(":", 1)[1])
    # several at once, so that the pool holds more than one worker
    for _ in range(3):
        r = requests.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
        assert r.status_code == 200
    workers = _descendants(server.proc.pid)
    # granian's worker process, and the query workers it forked
    assert len(workers) >= 2, "queries with a timeout run in forked workers"
    server.proc.send_signal(sig)
    server.proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (any(map(_alive, workers)) or not _port_free(port)):
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived their server"
    assert _port_free(port), "the server's port is still taken"
