"""The executor stops runaway queries for real, keeps error details, and caps results."""

from __future__ import annotations

import time

import pytest

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY, Format
from alliance_kg.store.base import QueryForm, Store
from alliance_kg.store.executor import execute_query
from alliance_kg.store.memory import MemoryStore
from alliance_kg.store.oxigraph import OxigraphStore

# a cross product that no engine finishes quickly: 300^4 rows
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"
JSON = BY_KEY["json"]


def choose(form: QueryForm) -> Format:
    return JSON if form in ("SELECT", "ASK") else BY_KEY["ntriples"]


def filled(store: Store) -> Store:
    data = "\n".join(f"<http://x/s{i}> <http://x/p> <http://x/o{i}> ." for i in range(300))
    store.load(data.encode(), BY_KEY["ntriples"])
    return store


@pytest.mark.parametrize("make", [OxigraphStore, MemoryStore], ids=["oxigraph", "memory"])
def test_timeout_stops_the_query_and_the_next_one_runs(make: type[Store]) -> None:
    store = filled(make())
    started = time.monotonic()
    with pytest.raises(KGError) as err:
        execute_query(store, SLOW, choose_format=choose, timeout=0.5, limit=10)
    assert err.value.kind is ErrorKind.TIMEOUT
    assert "0.5 s" in err.value.message
    assert time.monotonic() - started < 4
    fmt, body, _ = execute_query(store, "ASK { ?s ?p ?o }", choose_format=choose, timeout=5,
                              limit=10)
    assert fmt is JSON and b"true" in body


def test_errors_in_the_child_keep_kind_and_position() -> None:
    store = OxigraphStore()
    with pytest.raises(KGError) as err:
        execute_query(store, "SELECT * WHERE {\n ?s ?p }", choose_format=choose, timeout=5,
                      limit=10)
    assert err.value.kind is ErrorKind.BAD_INPUT
    assert err.value.line == 2


def test_result_cap_in_the_child() -> None:
    store = filled(OxigraphStore())
    with pytest.raises(KGError) as err:
        execute_query(store, "SELECT * WHERE { ?s ?p ?o }", choose_format=choose, timeout=5,
                      limit=100)
    assert err.value.kind is ErrorKind.TOO_LARGE


def test_writes_after_a_query_are_seen_by_the_next() -> None:
    """Each query forks from the current store, so it sees every write made before it."""
    store = OxigraphStore()
    ask = "ASK { <http://x/a> <http://x/b> <http://x/c> }"
    assert b"false" in execute_query(store, ask, choose_format=choose, timeout=5, limit=1)[1]
    store.update("INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }")
    assert b"true" in execute_query(store, ask, choose_format=choose, timeout=5, limit=1)[1]


def test_timeout_zero_means_no_timeout_in_thread() -> None:
    store = filled(OxigraphStore())
    fmt, body, _ = execute_query(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                              choose_format=choose, timeout=0, limit=10)
    assert fmt is JSON
    assert b"300" in body



@pytest.mark.parametrize("make", [OxigraphStore, MemoryStore], ids=["oxigraph", "memory"])
def test_writes_retire_workers_without_leaking_them(make: type[Store]) -> None:
    """Each write retires the pooled workers (they hold an older snapshot): every query must
    see the write, and the retired processes must really be gone, not left waiting for an EOF
    that a later fork's inherited copy of their pipe never lets them see."""
    import multiprocessing
    from concurrent.futures import ThreadPoolExecutor

    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://x/p> ?o }"
    store = filled(make())
    before = {p.pid for p in multiprocessing.active_children()}
    with ThreadPoolExecutor(4) as pool:
        for i in range(3):
            store.load(f"<http://x/new{i}> <http://x/p> <http://x/o> .".encode(),
                       BY_KEY["ntriples"])
            # four at once, so the pool holds several workers, each forked after the others
            bodies = list(pool.map(lambda _: execute_query(
                store, count, choose_format=choose, timeout=10, limit=10)[1], range(4)))
            assert all(f'"{301 + i}"'.encode() in body for body in bodies)
    time.sleep(0.2)
    ours = [p for p in multiprocessing.active_children() if p.pid not in before]
    # at most the four workers of the last round are kept; every older one is gone
    assert len(ours) <= 4, [p.pid for p in ours]


def test_a_stores_workers_end_with_the_store() -> None:
    """Workers hold a snapshot of one store: once the store is gone they must go too, or every
    store ever queried in a process (a test session, a merge) leaves processes behind that keep
    inherited pipes open (a Playwright driver then never sees EOF, and hangs its owner)."""
    import gc
    import multiprocessing

    before = {p.pid for p in multiprocessing.active_children()}
    store = filled(OxigraphStore())
    execute_query(store, "ASK { ?s ?p ?o }", choose_format=choose, timeout=5, limit=10)
    ours = [p for p in multiprocessing.active_children() if p.pid not in before]
    assert len(ours) == 1
    del store
    gc.collect()
    ours[0].join(5)
    assert not ours[0].is_alive()


def test_a_pooled_worker_that_died_while_idle_never_costs_a_query() -> None:
    """A kept worker can die while idle (Linux sends its death signal when the *thread* that
    forked it ends, or someone kills it): the query that picks it up must still be answered,
    on a fresh worker, not fail because the pool handed it a dead one."""
    import multiprocessing
    import os
    import signal

    store = filled(OxigraphStore())
    ask = "ASK { ?s ?p ?o }"
    before = {p.pid for p in multiprocessing.active_children()}
    for _ in range(30):
        execute_query(store, ask, choose_format=choose, timeout=5, limit=10)
        for child in multiprocessing.active_children():
            if child.pid not in before and child.pid is not None:
                os.kill(child.pid, signal.SIGKILL)  # dies while idle in the pool
        _, body, _ = execute_query(store, ask, choose_format=choose, timeout=5, limit=10)
        assert b"true" in body
