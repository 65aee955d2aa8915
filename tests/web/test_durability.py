"""Atomicity, durability and load: nothing half-written, nothing acknowledged lost.

* **Atomicity** (every backend: run with ``--store memory|oxigraph|remote``): each kind of
  failed or refused write (syntax error, SHACL rejection, conflict in a later operation, a
  missing graph, a bad RDF body, a bad multipart part, size limits, the inferred graph) leaves
  the store *byte for byte* as it was: the canonical dump (N-Quads, RDFC-1.0 blank node
  labels, sorted) is compared before and after.
* **Durability**: a server on a persistent Oxigraph store is killed with SIGKILL at a random
  moment of a stream of updates; after a restart every acknowledged update is there, whole, and
  no update is there in part. ``AKG_KILL_ROUNDS`` rounds (2 in the default run; the slow test
  runs ``AKG_KILL_ROUNDS_SLOW``, 20 by default), each reporting acknowledged vs found.
* **Load**: ``bench/load.py`` (readers + a writer): 0 errors and no reader ever sees half an
  update; a few seconds in the default run, 50 clients for 60 s in the slow suite.

Figures are printed to the terminal (not captured), e.g.
``kill round 3: 412 acknowledged, 413 sent, 412 or 413 found, 0 lost, 0 partial``.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from .conftest import FIXTURE, TOKEN, Server, restore_fixture, select, start_server, stop_server

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from load import run_load

ROUNDS = int(os.environ.get("AKG_KILL_ROUNDS", "2"))
SLOW_ROUNDS = int(os.environ.get("AKG_KILL_ROUNDS_SLOW", "20"))
PROLOGUE = ("PREFIX akg: <https://w3id.org/alliance-kg/ontology/>\n"
            "PREFIX akr: <https://w3id.org/alliance-kg/resource/>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")


def canonical_dump(server: Server) -> bytes:
    """The whole dataset as sorted N-Quads with RDFC-1.0 canonical blank node labels."""
    r = requests.get(server.store, headers={"Accept": "application/n-quads"}, timeout=60)
    assert r.status_code == 200, r.text
    ds = ox.Dataset(ox.parse(r.content, ox.RdfFormat.N_QUADS))
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return "".join(sorted(f"{q} .\n" for q in ds)).encode()


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n[figures] {line}")


# -- atomicity -----------------------------------------------------------------------------

TURTLE = {"Content-Type": "text/turtle"}
BAD_WRITES: list[tuple[str, str, dict[str, object], int]] = [
    # (what, method, request kwargs, expected status)
    ("update syntax error", "POST", {"data": {"update": "INSERT DATA { <urn:a> <urn:b> }"}}, 400),
    ("shapes violation", "POST",
     {"data": {"update": PROLOGUE + "INSERT DATA { akr:Atlantis a akg:State }"}}, 422),
    ("later operation conflicts", "POST", {"data": {"update": PROLOGUE + (
        'INSERT DATA { akr:Tonga a akg:State ; rdfs:label "Tonga"@en } ; '
        "CREATE GRAPH <urn:x:twice> ; CREATE GRAPH <urn:x:twice>")}}, 409),
    ("later operation on a missing graph", "POST", {"data": {"update": (
        "INSERT DATA { GRAPH <urn:x:g> { <urn:a> <urn:b> 1 } } ; DROP GRAPH <urn:x:absent>")}},
     404),
    ("update over the length limit", "POST",
     {"data": {"update": "INSERT DATA { " + "<urn:a> <urn:b> 1 . " * 30000 + "}"}}, 413),
    ("LOAD", "POST", {"data": {"update": "INSERT DATA { <urn:a> <urn:b> 1 } ; "
                                         "LOAD <http://example.org/x>"}}, 403),
    ("bad Turtle after good triples", "PUT:urn:x:put",
     {"data": b"<urn:a> <urn:b> 1 .\n<urn:a> <urn:b> 2 .\n<urn:a> <urn:b> \"open .\n",
      "headers": TURTLE}, 400),
    ("bad Turtle replacing the asserted graph", "PUT:default",
     {"data": b"<urn:a> <urn:b> <urn:c> . <urn:a> <urn:b", "headers": TURTLE}, 400),
    ("bad RDF/XML", "POST:urn:x:post",
     {"data": b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><x",
      "headers": {"Content-Type": "application/rdf+xml"}}, 400),
    ("bad JSON-LD", "POST:urn:x:post",
     {"data": b'{"@id": "urn:a", "urn:b": [', "headers": {"Content-Type": "application/ld+json"}},
     400),
    ("one bad part of a multipart POST", "MULTIPART:urn:x:multi", {"files": {
        "good": ("good.ttl", b"<urn:a> <urn:b> <urn:c> .", "text/turtle"),
        "bad": ("bad.nt", b"<urn:a> <urn:b> .", "application/n-triples")}}, 400),
    ("body over the size limit", "PUT:urn:x:big",
     {"data": b"<urn:a> <urn:b> 1 .\n" * 60000, "headers": {"Content-Type":
                                                            "application/n-triples"}}, 413),
    ("write to the inferred graph", "PUT:https://w3id.org/alliance-kg/graph/inferred",
     {"data": b"<urn:a> <urn:b> 1 .", "headers": TURTLE}, 403),
    ("shapes violation through the graph store", "POST:default",
     {"data": b"<https://w3id.org/alliance-kg/resource/Atlantis> "
              b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
              b"<https://w3id.org/alliance-kg/ontology/State> .",
      "headers": {"Content-Type": "application/n-triples"}}, 422),
    ("delete a missing graph", "DELETE:urn:x:absent", {}, 404),
]


@pytest.mark.parametrize(("what", "how", "kwargs", "status"), BAD_WRITES,
                         ids=[w[0] for w in BAD_WRITES])
def test_a_failed_write_leaves_the_store_byte_for_byte(rw_server: Server, what: str, how: str,
                                                       kwargs: dict[str, object],
                                                       status: int) -> None:
    restore_fixture(rw_server)
    before = canonical_dump(rw_server)
    headers = {**rw_server.auth(), **dict(kwargs.pop("headers", {}))}  # type: ignore[call-overload]
    method, _, graph = how.partition(":")
    params = {} if not graph else {"default": ""} if graph == "default" else {"graph": graph}
    url = rw_server.sparql if not graph else rw_server.store
    if method == "MULTIPART":
        method = "POST"
    r = requests.request(method, url, params=params, headers=headers, timeout=120,
                         **kwargs)  # type: ignore[arg-type]
    assert r.status_code == status, f"{what}: {r.status_code} {r.text[:300]}"
    assert r.text.strip() and "Traceback" not in r.text
    assert canonical_dump(rw_server) == before, f"{what} changed the store"


# -- durability: SIGKILL -------------------------------------------------------------------


def _writer(url: str, acked: list[int], attempted: list[int], stop: threading.Event) -> None:
    session = requests.Session()
    i = 0
    while not stop.is_set():
        body = (f"INSERT DATA {{ <urn:k:{i}> <urn:p:a> {i} . <urn:k:{i}> <urn:p:b> {i} }}")
        attempted.append(i)
        try:
            r = session.post(url, data=body.encode(), timeout=30, headers={
                "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
        except requests.RequestException:
            return
        if 200 <= r.status_code < 300:
            acked.append(i)
        i += 1


def kill_round(tmp_path: Path, round_: int) -> dict[str, int]:
    """One round: stream updates, SIGKILL at a random moment, restart, count."""
    rng = random.Random(round_)
    tmp_path.mkdir(parents=True, exist_ok=True)
    settings = dict(dataset=str(FIXTURE), allow_update=True, token=TOKEN, store="oxigraph",
                    store_path=str(tmp_path / "db"), validate_on_update=False)
    server = start_server(tmp_path, f"kill-{round_}", **settings)
    acked: list[int] = []
    attempted: list[int] = []
    stop = threading.Event()
    writer = threading.Thread(target=_writer, args=(server.sparql, acked, attempted, stop))
    writer.start()
    time.sleep(rng.uniform(0.5, 3.0))
    os.kill(server.proc.pid, signal.SIGKILL)
    stop.set()
    writer.join(30)
    server.proc.wait(10)
    assert acked, "no update was acknowledged before the kill: nothing was tested"

    again = start_server(tmp_path, f"restart-{round_}", **settings)
    try:
        rows = select(again, "SELECT ?k ?p WHERE { GRAPH ?g { ?k ?p ?v } "
                             "FILTER(STRSTARTS(STR(?k), 'urn:k:')) }")
    finally:
        stop_server(again)
    found: dict[int, set[str]] = {}
    for row in rows:
        found.setdefault(int(row["k"].rsplit(":", 1)[1]), set()).add(row["p"])
    missing = [i for i in acked if found.get(i) != {"urn:p:a", "urn:p:b"}]
    partial = [k for k, preds in found.items() if preds != {"urn:p:a", "urn:p:b"}]
    assert not missing, f"acknowledged updates lost or partial after the kill: {missing}"
    assert not partial, f"half-applied updates: {partial}"
    assert set(found) <= set(attempted), "data that was never sent"
    return {"acknowledged": len(acked), "sent": len(attempted), "found": len(found),
            "lost": len(missing), "partial": len(partial)}


def _kill_rounds(tmp_path: Path, rounds: int, capsys: pytest.CaptureFixture[str]) -> None:
    totals = {"acknowledged": 0, "sent": 0, "found": 0, "lost": 0, "partial": 0}
    for n in range(rounds):
        figures = kill_round(tmp_path / f"r{n}", n)
        report(capsys, f"kill round {n}: " + ", ".join(f"{v} {k}" for k, v in figures.items()))
        for k, v in figures.items():
            totals[k] += v
    report(capsys, f"SIGKILL, {rounds} rounds: " + ", ".join(f"{v} {k}"
                                                            for k, v in totals.items()))


def test_sigkill_keeps_every_acknowledged_update(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _kill_rounds(tmp_path, ROUNDS, capsys)


@pytest.mark.slow
def test_sigkill_many_rounds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _kill_rounds(tmp_path, SLOW_ROUNDS, capsys)


# -- load ----------------------------------------------------------------------------------


def _load(tmp_path: Path, capsys: pytest.CaptureFixture[str], clients: int,
          seconds: float, store: str) -> None:
    server = start_server(tmp_path, "load", dataset=str(FIXTURE), allow_update=True,
                          token=TOKEN, store=store, validate_on_update=False, threads=16)
    try:
        result = run_load(server.url, TOKEN, clients=clients, seconds=seconds)
    finally:
        stop_server(server)
    figures = asdict(result)
    samples = figures.pop("error_samples")
    report(capsys, f"load on {store}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    assert result.requests > clients and result.updates_acknowledged > 0
    assert result.errors == 0, samples
    assert result.half_updates_seen == 0


def test_readers_and_a_writer_short(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    pytestconfig: pytest.Config) -> None:
    _load(tmp_path, capsys, int(os.environ.get("AKG_LOAD_CLIENTS", "12")),
          float(os.environ.get("AKG_LOAD_SECONDS", "4")), pytestconfig.getoption("store"))


@pytest.mark.slow
def test_fifty_clients_for_a_minute(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    pytestconfig: pytest.Config) -> None:
    _load(tmp_path, capsys, int(os.environ.get("AKG_LOAD_CLIENTS_SLOW", "50")),
          float(os.environ.get("AKG_LOAD_SECONDS_SLOW", "60")), pytestconfig.getoption("store"))


# -- backup and restore, as docs/OPERATIONS.md says ------------------------------------------

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "OPERATIONS.md"


def _documented(heading: str) -> str:
    """The first ``sh`` block after the paragraph starting with ``heading``."""
    text = OPERATIONS.read_text()
    after = text[text.index(heading):]
    return after.split("```sh\n", 1)[1].split("```", 1)[0]


def test_backup_and_restore_as_documented(tmp_path: Path) -> None:
    import subprocess

    db, backup = tmp_path / "db", tmp_path / "backup.nq"
    settings = dict(dataset=str(FIXTURE), allow_update=True, token=TOKEN, store="oxigraph",
                    store_path=str(db), validate_on_update=False)
    server = start_server(tmp_path, "backup", **settings)
    try:
        r = requests.post(server.sparql, timeout=30, data={
            "update": "INSERT DATA { GRAPH <urn:backup> { <urn:a> <urn:b> _:x . _:x <urn:c> 1 } }"},
            headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 204, r.text
        env = {**os.environ, "URL": server.url, "DB": str(db), "BACKUP": str(backup)}
        subprocess.run(["bash", "-euc", _documented("**Backup, online**")], env=env,
                       check=True, timeout=60)
        expected = canonical_dump(server)
    finally:
        stop_server(server)
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"  # python3 = the venv's
    subprocess.run(["bash", "-euc", _documented("**Restore**")], env=env, check=True,
                   timeout=120)
    assert (tmp_path / "db.before-restore").is_dir()
    again = start_server(tmp_path, "restored", **settings)
    try:
        assert canonical_dump(again) == expected
    finally:
        stop_server(again)
