"""``alliance-kg serve`` as an operator meets it: the granian server's start-up checks.

granian binds with SO_REUSEPORT, so without our own check a second service on a taken port
would start and silently share the connections; more than one worker process is refused where
the workers would hold different data.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from .conftest import FIXTURE, Server, start_server, stop_server

CLI = [sys.executable, "-m", "alliance_kg.cli"]


def _serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``alliance-kg serve`` expecting it to stop on its own (a start-up error)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_KG_")}
    return subprocess.run([*CLI, "serve", *args], capture_output=True, text=True, timeout=120,
                          env={**clean, **env}, cwd=tmp_path)


@pytest.fixture()
def running(tmp_path: Path, pytestconfig: pytest.Config) -> Server:
    return start_server(tmp_path, "first", dataset=str(FIXTURE),
                        store=pytestconfig.getoption("store"))


def test_a_taken_port_is_refused_not_shared(running: Server, tmp_path: Path) -> None:
    port = running.url.rsplit(":", 1)[1]
    try:
        done = _serve(tmp_path, "--port", port, "--store", "memory",
                      ALLIANCE_KG_ROOT=str(Path(__file__).resolve().parents[2]))
        assert done.returncode == 3, done.stdout + done.stderr
        assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
        assert "Address already in use" in done.stderr
        assert "Traceback" not in done.stderr
        # the first service still answers, alone
        r = requests.get(running.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
        assert r.status_code == 200
    finally:
        stop_server(running)


@pytest.mark.parametrize("args", [
    ("--allow-update",),
    ("--store-path", "data-dir"),
], ids=["writable", "store-directory"])
def test_several_workers_need_one_shared_view(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = _serve(tmp_path, *args, ALLIANCE_KG_WORKERS="2", ALLIANCE_KG_TOKEN="t",
                  ALLIANCE_KG_ROOT=str(Path(__file__).resolve().parents[2]))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "2 workers need a read-only service" in done.stderr
    assert not (tmp_path / "data-dir").exists()


def test_two_read_only_workers_answer_alike(tmp_path: Path, pytestconfig: pytest.Config
                                            ) -> None:
    store = pytestconfig.getoption("store")
    if store != "remote":
        store = "memory"  # a read-only in-memory store: each worker loads its own copy
    server = start_server(tmp_path, "two", dataset=str(FIXTURE), store=store, workers=2)
    try:
        counts = set()
        for _ in range(20):  # the kernel spreads new connections over both workers
            r = requests.get(server.sparql, timeout=10, headers={"Connection": "close"},
                             params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},)
            assert r.status_code == 200, r.text
            counts.add(r.json()["results"]["bindings"][0]["n"]["value"])
        assert len(counts) == 1
        assert int(counts.pop()) > 0
        assert "2 worker(s)" in server.output()
    finally:
        stop_server(server)


def test_a_worker_start_up_error_ends_serve_with_its_message(tmp_path: Path) -> None:
    (tmp_path / "not-a-directory").write_text("x")
    done = _serve(tmp_path, "--store-path", "not-a-directory", "--port", "0",
                  ALLIANCE_KG_ROOT=str(Path(__file__).resolve().parents[2]))
    assert done.returncode == 3, done.stdout + done.stderr
    assert "cannot open the oxigraph store not-a-directory" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_warns_where_the_network_sandbox_is_missing(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from alliance_kg.config import Settings
    from alliance_kg.errors import ErrorKind, KGError
    from alliance_kg.store import sandbox
    from alliance_kg.web import serve

    def stop(host: str, port: int) -> None:  # stop before anything is served
        raise KGError(ErrorKind.UNAVAILABLE, "stopped by the test")

    monkeypatch.setattr(sandbox, "supported", lambda: False)
    monkeypatch.setattr(serve, "check_port_free", stop)
    with pytest.raises(KGError, match="stopped by the test"):
        serve.run(Settings(), dataset=FIXTURE)
    assert "without the network sandbox" in capsys.readouterr().err
