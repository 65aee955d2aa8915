"""Durability: a server killed with SIGKILL mid-stream keeps every acknowledged update, whole.

The service runs on a persistent Oxigraph store; a writer sends a stream of updates (each adds
two triples about one key) and records which were acknowledged; the server is killed at a
random moment; a new server on the same directory must hold both triples of every acknowledged
key and never one triple of a key without the other. Two rounds by default; set
``AKG_KILL_ROUNDS`` (e.g. 20, with ``-m slow``-like patience) for the long run.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest
import requests

from .conftest import FIXTURE, TOKEN, select, start_server, stop_server

ROUNDS = int(os.environ.get("AKG_KILL_ROUNDS", "2"))


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


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_sigkill_keeps_every_acknowledged_update(tmp_path: Path, round_: int) -> None:
    rng = random.Random(round_)
    settings = dict(dataset=str(FIXTURE), allow_update=True, token=TOKEN, store="oxigraph",
                    store_path=str(tmp_path / "db"), validate_on_update=False)
    server = start_server(tmp_path, f"kill-{round_}", **settings)
    acked: list[int] = []
    attempted: list[int] = []
    stop = threading.Event()
    writer = threading.Thread(target=_writer, args=(server.sparql, acked, attempted, stop))
    writer.start()
    time.sleep(rng.uniform(0.8, 2.5))
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
    print(f"round {round_}: {len(acked)} acknowledged, {len(attempted)} sent, "
          f"{len(found)} found after SIGKILL and restart")
    missing = [i for i in acked if found.get(i) != {"urn:p:a", "urn:p:b"}]
    assert not missing, f"acknowledged updates lost or partial after the kill: {missing}"
    partial = [k for k, preds in found.items() if preds != {"urn:p:a", "urn:p:b"}]
    assert not partial, f"half-applied updates: {partial}"


def test_readers_never_see_half_an_update(tmp_path: Path) -> None:
    """Many readers and one writer at once: no errors, and no reader sees one triple of a key
    without the other (the asserted and inferred graphs swap together)."""
    clients, seconds = int(os.environ.get("AKG_LOAD_CLIENTS", "16")), float(
        os.environ.get("AKG_LOAD_SECONDS", "4"))
    server = start_server(tmp_path, "load", dataset=str(FIXTURE), allow_update=True, token=TOKEN,
                          store="oxigraph", validate_on_update=False, threads=8)
    half = ("ASK { GRAPH ?g { ?k <urn:p:a> ?v } "
            "FILTER NOT EXISTS { GRAPH ?h { ?k <urn:p:b> ?v } } }")
    stop = threading.Event()
    acked: list[int] = []
    errors: list[str] = []
    seen = [0]
    lock = threading.Lock()

    def reader() -> None:
        session = requests.Session()
        while not stop.is_set():
            r = session.get(server.sparql, params={"query": half}, timeout=30,
                            headers={"Accept": "application/sparql-results+json"})
            with lock:
                seen[0] += 1
                if r.status_code != 200:
                    errors.append(f"{r.status_code} {r.text[:200]}")
                elif r.json()["boolean"]:
                    errors.append("a reader saw half an update")

    try:
        writer = threading.Thread(target=_writer, args=(server.sparql, acked, [], stop))
        readers = [threading.Thread(target=reader) for _ in range(clients)]
        for t in [writer, *readers]:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in [writer, *readers]:
            t.join(30)
    finally:
        stop_server(server)
    print(f"{clients} readers, {seconds:g} s: {seen[0]} reads, {len(acked)} updates, "
          f"{len(errors)} errors")
    assert acked and seen[0] > clients
    assert not errors, errors[:5]
