"""The result cache (web/resultcache.py) over HTTP: a repeated question is answered from the
cache, and never with an answer the store would no longer give.

Each check reads the cache's counters from ``/healthz`` before and after, so a test proves a hit
or a miss happened, not only that the answers look alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import FIXTURE, Server, restore_fixture, start_server, stop_server, update

JSON = "application/sparql-results+json"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def counters(server: Server) -> dict[str, Any] | None:
    r = requests.get(server.url + "/healthz", timeout=10)
    assert r.status_code == 200, r.text
    found: dict[str, Any] | None = r.json()["result_cache"]
    return found


def get(server: Server, query: str, accept: str = JSON, **params: str) -> requests.Response:
    r = requests.get(server.sparql, params={"query": query, **params},
                     headers={"Accept": accept}, timeout=10)
    assert r.status_code == 200, r.text
    return r


@pytest.fixture
def rw(rw_server: Server, pytestconfig: pytest.Config) -> Iterator[Server]:
    if pytestconfig.getoption("store") == "remote":
        pytest.skip("no result cache on a remote store (others may write to its server)")
    restore_fixture(rw_server)
    yield rw_server


def test_a_repeated_question_is_a_hit_with_the_same_answer(rw: Server) -> None:
    query = COUNT + " # repeated"
    before = counters(rw)
    assert before is not None
    first = get(rw, query)
    second = get(rw, query)
    after = counters(rw)
    assert after is not None
    assert second.content == first.content
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert after["misses"] == before["misses"] + 1
    assert after["hits"] == before["hits"] + 1


def test_a_write_makes_the_next_answer_fresh(rw: Server) -> None:
    query = COUNT + " # write"
    n = int(get(rw, query).json()["results"]["bindings"][0]["n"]["value"])
    r = update(rw, "INSERT DATA { <urn:cache:s> <urn:cache:p> <urn:cache:o> }")
    assert r.status_code == 204, r.text
    before = counters(rw)
    assert before is not None and before["entries"] == 0  # the write emptied it
    fresh = int(get(rw, query).json()["results"]["bindings"][0]["n"]["value"])
    assert fresh > n
    after = counters(rw)
    assert after is not None and after["misses"] == before["misses"] + 1


def test_each_format_is_its_own_entry(rw: Server) -> None:
    query = COUNT + " # formats"
    as_json = get(rw, query, JSON)
    as_csv = get(rw, query, "text/csv")
    again = get(rw, query, "text/csv")
    assert as_json.headers["Content-Type"].startswith(JSON)
    assert again.headers["Content-Type"].startswith("text/csv")
    assert again.content == as_csv.content != as_json.content


def test_questions_whose_answer_may_change_are_not_kept(rw: Server) -> None:
    before = counters(rw)
    assert before is not None
    for _ in range(2):
        get(rw, "SELECT (RAND() AS ?r) WHERE {}")
        get(rw, "SELECT (NOW() AS ?t) WHERE {}")
        get(rw, "SELECT (STRUUID() AS ?u) WHERE {}")
    after = counters(rw)
    assert after is not None
    # the first sight of a text is looked up (what it calls is learnt when it runs); once known
    # to be non-deterministic it is neither looked up nor kept
    assert (after["hits"], after["misses"], after["entries"]) == (
        before["hits"], before["misses"] + 3, before["entries"])


def test_off_when_asked_and_on_a_remote_store(tmp_path: Path,
                                             pytestconfig: pytest.Config) -> None:
    store = pytestconfig.getoption("store")
    server = start_server(tmp_path, "nocache", dataset=str(FIXTURE), store=store,
                          result_cache_mib=0 if store != "remote" else 64)
    try:
        assert counters(server) is None
        assert get(server, COUNT).json()["results"]["bindings"]
    finally:
        stop_server(server)
