"""The client of ``/merge`` (``alliance-kg merge --service``) when the service is slow to answer.

A large merge can outlast the client's patience: the client then says that it gave up, that the
service finishes the merge whole or not at all, and how to tell whether it landed.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY
from alliance_kg.web.merge import send


@pytest.fixture
def silent_service() -> Iterator[str]:
    """Accepts connections, reads the request, never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_client_that_gives_up_says_how_to_tell_whether_the_merge_landed(
        silent_service: str) -> None:
    said: list[str] = []
    with pytest.raises(KGError) as err:
        send(silent_service, data=b"<urn:a> <urn:b> <urn:c> .\n", graph="urn:g:source",
             fmt=BY_KEY["ntriples"], timeout=1.0, progress=said.append)
    assert err.value.kind is ErrorKind.UNAVAILABLE
    message = err.value.message
    assert "gave up waiting" in message and "after 1 s" in message
    assert "whole or not at all" in message and "<urn:g:source>" in message
    assert "catalogue" in message
    assert said and "sending 26 bytes" in said[0]
