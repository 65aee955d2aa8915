"""A real Oxigraph SPARQL server for the tests (the ``oxigraph`` package's ``serve`` command)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests


@dataclass
class OxigraphServer:
    base_url: str
    proc: subprocess.Popen[bytes]

    @property
    def query_url(self) -> str:
        return self.base_url + "/query"

    @property
    def update_url(self) -> str:
        return self.base_url + "/update"

    @property
    def store_url(self) -> str:
        return self.base_url + "/store"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def clear(self) -> None:
        requests.post(self.update_url, data="DROP ALL",
                      headers={"Content-Type": "application/sparql-update"},
                      timeout=10).raise_for_status()


def oxigraph_command() -> str:
    """The ``oxigraph`` executable installed beside this Python (the PyPI ``oxigraph`` package)."""
    here = Path(sysconfig.get_path("scripts")) / "oxigraph"
    found = str(here) if here.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the oxigraph server is not installed: pip install -e '.[test]'")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port




#: seconds the server itself lets any request run (oxigraph serve --timeout-s)
SERVER_TIMEOUT_S = 30


def start_oxigraph(location: Path) -> OxigraphServer:
    """Start ``oxigraph serve`` on a free port with its data in ``location``; wait until up."""
    import time

    port = free_port()
    with (location / "server.log").open("wb") as log:
        proc = subprocess.Popen([oxigraph_command(), "serve", "--location", str(location / "db"),
                                 "--bind", f"127.0.0.1:{port}",
                                 # a query our remote backend gave up on (its HTTP timeout) goes
                                 # on in the server; bound it there too, or a runaway query of
                                 # a timeout test burns a core for the rest of the session
                                 "--timeout-s", str(SERVER_TIMEOUT_S)],
                                stdout=log, stderr=subprocess.STDOUT)
    server = OxigraphServer(f"http://127.0.0.1:{port}", proc)
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(server.query_url, params={"query": "ASK {}"}, timeout=2)
            return server
        except requests.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log_text = (location / "server.log").read_text()
                pytest.fail(f"oxigraph serve did not start: {log_text}")
            time.sleep(0.1)
