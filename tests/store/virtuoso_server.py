"""A real OpenLink Virtuoso 7 for the tests: ``virtuoso-t`` from Debian's
``virtuoso-opensource-7-bin`` (``./dev test`` installs it when missing), on free ports, with a
throw-away database and a ``virtuoso.ini`` written here; the system service is never used.

The database is new, so its DBA account has Virtuoso's default password (``dba``/``dba``):
updates go to ``/sparql-auth`` with digest authentication as that user, queries to the
anonymous ``/sparql``, as a production set-up would have them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from requests.auth import HTTPDigestAuth

from alliance_kg.store.dialects import Virtuoso
from alliance_kg.store.remote import RemoteStore

USER, PASSWORD = "dba", "dba"
#: seconds Virtuoso lets one query run (MaxQueryExecutionTime), as oxigraph serve --timeout-s
SERVER_TIMEOUT_S = 30

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = {sql_port}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ServerThreads = 10
CheckpointInterval = 60
DirsAllowed = ., {dir}
DefaultIsolation = 4

[HTTPServer]
ServerPort = {http_port}
ServerRoot = {dir}
MaxClientConnections = 10
ServerThreads = 10

[SPARQL]
; above any result cap of ours, so a cut answer shows as too many rows rather than passing
ResultSetMaxRows = 100000000
MaxQueryExecutionTime = {timeout}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def virtuoso_command() -> str:
    """``virtuoso-t``, or skip (fail under CI: ``./dev test`` installs it as root)."""
    found = shutil.which("virtuoso-t")
    if found:
        return found
    message = ("virtuoso-t is missing: ./dev test installs it (apt-get install "
               "virtuoso-opensource-7-bin)")
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class VirtuosoServer:
    location: Path
    http_port: int
    sql_port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def query_url(self) -> str:
        return self.base_url + "/sparql"

    @property
    def update_url(self) -> str:
        return self.base_url + "/sparql-auth"

    def store(self, timeout: float = 10) -> RemoteStore:
        """A remote store on this server, as ALLIANCE_KG_REMOTE_DIALECT=virtuoso makes it."""
        return RemoteStore(self.query_url, self.update_url, timeout=timeout, dialect=Virtuoso(),
                           user=USER, password=PASSWORD)

    def settings(self) -> dict[str, str]:
        """The service's settings for a remote store on this server."""
        return {"remote_query_url": self.query_url, "remote_update_url": self.update_url,
                "remote_dialect": "virtuoso", "remote_user": USER, "remote_password": PASSWORD,
                "remote_auth": "digest"}

    def start(self, wait: float = 60) -> None:
        log = (self.location / "server.log").open("ab")
        self.proc = subprocess.Popen([virtuoso_command(), "-f", "-c",
                                      str(self.location / "virtuoso.ini")],
                                     cwd=self.location, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + wait
        while True:
            try:
                requests.get(self.query_url, params={"query": "ASK {}"}, timeout=2)
                return
            except requests.RequestException:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.proc.kill()
                    text = (self.location / "server.log").read_text(errors="replace")
                    pytest.fail(f"virtuoso did not start: {text[-3000:]}")
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop as an operator would (SIGTERM: Virtuoso checkpoints, then exits)."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """Stop as a crash would (SIGKILL): what survives is what its log had committed."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def update(self, text: str) -> None:
        requests.post(self.update_url, data={"update": text},
                      auth=HTTPDigestAuth(USER, PASSWORD), timeout=60).raise_for_status()

    def clear(self) -> None:
        """Drop every graph but Virtuoso's own."""
        store = self.store(timeout=60)
        names = store.graph_names()
        home = Virtuoso.default_graph
        self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in [*names, home]))
        store.close()


def start_virtuoso(location: Path, *, buffers: int = 10_000, timeout: int = SERVER_TIMEOUT_S
                   ) -> VirtuosoServer:
    """A new Virtuoso with its database in ``location`` (``buffers`` pages of 8 KiB of cache:
    10 000 is 80 MiB, enough for the tests; Virtuoso's guide wants ~2/3 of RAM for big loads)."""
    location.mkdir(parents=True, exist_ok=True)
    server = VirtuosoServer(location, free_port(), free_port())
    (location / "virtuoso.ini").write_text(INI.format(
        dir=location, sql_port=server.sql_port, http_port=server.http_port, buffers=buffers,
        dirty=buffers * 3 // 4, timeout=timeout))
    server.start()
    return server
