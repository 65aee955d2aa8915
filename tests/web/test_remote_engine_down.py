"""The engine behind a remote store goes down under load and comes back (issue 16).

A real service on a Virtuoso 7 (``tests/store/virtuoso_server.py``) answers readers and a
writer; Virtuoso is killed (SIGKILL, as a crash) for a few seconds, then started again on the
same database. While it is down every request must be a clear 503 with ``Retry-After`` (never a
500, never a hang past the timeout); once it is back the same service, not restarted, answers
again; and every write it acknowledged is in the database, whole.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from .conftest import FIXTURE, TOKEN, select, start_server, stop_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
from virtuoso_server import start_virtuoso


def _writer(url: str, acked: list[int], statuses: Counter[int], stop: threading.Event) -> None:
    session, i = requests.Session(), 0
    while not stop.is_set():
        body = f"INSERT DATA {{ <urn:k:{i}> <urn:p:a> {i} . <urn:k:{i}> <urn:p:b> {i} }}"
        try:
            r = session.post(url, data=body.encode(), timeout=30, headers={
                "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
        except requests.RequestException:
            statuses[0] += 1
            continue
        statuses[r.status_code] += 1
        if 200 <= r.status_code < 300:
            acked.append(i)
        elif r.status_code == 503:
            assert r.headers.get("Retry-After"), "a 503 says when to come back"
            time.sleep(0.2)
        i += 1


def _reader(url: str, statuses: Counter[int], stop: threading.Event) -> None:
    session = requests.Session()
    while not stop.is_set():
        try:
            r = session.get(url, params={"query": "ASK { ?s ?p ?o }"}, timeout=30,
                            headers={"Accept": "application/sparql-results+json"})
        except requests.RequestException:
            statuses[0] += 1
            continue
        statuses[r.status_code] += 1
        if r.status_code == 503:
            assert r.headers.get("Retry-After")
            time.sleep(0.2)


@pytest.mark.slow
def test_engine_down_is_503_then_recovers_without_losing_an_acknowledged_write(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    engine = start_virtuoso(tmp_path / "virtuoso")
    server = start_server(tmp_path, "svc", dataset=str(FIXTURE), allow_update=True, token=TOKEN,
                          validate_on_update=False, query_timeout=10.0, store="remote",
                          **engine.settings())
    acked: list[int] = []
    phases: dict[str, tuple[Counter[int], Counter[int]]] = {}
    try:
        for phase, action in (("up", None), ("down", engine.kill), ("back", engine.start)):
            if action is not None:
                action()
            writes, reads, stop = Counter[int](), Counter[int](), threading.Event()
            threads = [threading.Thread(target=_writer, args=(server.sparql, acked, writes, stop)),
                       *(threading.Thread(target=_reader, args=(server.sparql, reads, stop))
                         for _ in range(2))]
            for t in threads:
                t.start()
            time.sleep(4)
            stop.set()
            for t in threads:
                t.join(60)
            phases[phase] = (writes, reads)
        rows = select(server, "SELECT ?k ?p WHERE { ?k ?p ?v "
                              "FILTER(STRSTARTS(STR(?k), 'urn:k:')) }")
    finally:
        stop_server(server)
        engine.stop()
    with capsys.disabled():
        for phase, (writes, reads) in phases.items():
            print(f"\n[figures] engine {phase}: writes {dict(writes)}, reads {dict(reads)}")
    up_w, up_r = phases["up"]
    down_w, down_r = phases["down"]
    back_w, back_r = phases["back"]
    assert set(up_w) <= {200, 204} and set(up_r) == {200}, (up_w, up_r)
    assert set(down_w) == {503} and set(down_r) == {503}, "down: a clear 503, nothing else"
    assert back_w[204] + back_w[200] > 0 and back_r[200] > 0, "back: the same service answers"
    found: dict[int, set[str]] = {}
    for row in rows:
        found.setdefault(int(row["k"].rsplit(":", 1)[1]), set()).add(row["p"])
    missing = [i for i in acked if found.get(i) != {"urn:p:a", "urn:p:b"}]
    assert acked and not missing, f"acknowledged writes lost or partial: {missing}"
