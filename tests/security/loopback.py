"""A loopback listener that stands for a private service behind the server: a security test
fails if it is ever contacted. It records what each connection sent and answers with a JSON-LD
context, so that a leak would also show in what the server returns."""

from __future__ import annotations

import contextlib
import json
import socket
import threading


class Listener:
    """A plain TCP server on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port: int = self.sock.getsockname()[1]
        self.contacts: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def sparql(self) -> str:
        """Where a SPARQL endpoint on this port would be."""
        return self.url + "sparql"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.contacts.append(conn.recv(4096) or b"<connected>")
                except OSError:
                    self.contacts.append(b"<connected>")
                context = json.dumps({"@context": {"p": "http://leaked.example/p"}}).encode()
                with contextlib.suppress(OSError):
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/ld+json\r\n"
                                 b"\r\n" + context)

    def close(self) -> None:
        self.sock.close()
