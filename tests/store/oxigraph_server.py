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


