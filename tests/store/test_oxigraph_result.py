"""The Oxigraph store serves the evaluation that told it the query form, and still refuses an
answer over the cap before serializing it.

A capped SELECT is serialized into a buffer of at most ``limit`` of the format's smallest rows
(``MIN_ROW_BYTES``): these tests check those sizes against pyoxigraph itself, the cap at its
exact boundary with the smallest rows there are (empty ones), the slow path of answers longer
than the buffer, and how many times each form is evaluated.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY, Format, Kind, of_kind
from alliance_kg.store.oxigraph import MIN_ROW_BYTES, OUTGREW, OxigraphResult, OxigraphStore

RESULTS: list[Format] = list(of_kind(Kind.RESULTS))


def empty_rows(n: int) -> str:
    """A SELECT answering ``n`` rows with nothing bound: the shortest rows a format has."""
    return "SELECT * WHERE { VALUES ?x { " + "UNDEF " * n + "} }"


def counted(store: OxigraphStore, sparql: str) -> tuple[OxigraphResult, list[int]]:
    """A result whose evaluations are counted (the store's own query call, wrapped)."""
    calls: list[int] = []

    def run() -> object:
        calls.append(1)
        return store.ox.query(sparql)

    return OxigraphResult(run), calls


def filled(n: int) -> OxigraphStore:
    store = OxigraphStore()
    data = "\n".join(f"<http://x/s{i}> <http://x/p> \"a literal long enough {i}\" ."
                     for i in range(n))
    store.load(data.encode(), BY_KEY["ntriples"])
    return store


@pytest.mark.parametrize("fmt", RESULTS, ids=lambda f: f.key)
def test_min_row_bytes_is_a_lower_bound_of_pyoxigraph_output(fmt: Format) -> None:
    assert fmt.oxigraph in MIN_ROW_BYTES
    store = ox.Store()
    out = getattr(ox.QueryResultsFormat, fmt.oxigraph or "")
    sizes = [len(store.query(empty_rows(n)).serialize(format=out)) for n in (0, 1, 2, 10)]
    per_row = [(sizes[i + 1] - sizes[i]) / (n1 - n0)
               for i, (n0, n1) in enumerate([(0, 1), (1, 2), (2, 10)])]
    assert min(per_row) >= MIN_ROW_BYTES[fmt.oxigraph or ""], (fmt.key, per_row)


@pytest.mark.parametrize("fmt", RESULTS, ids=lambda f: f.key)
def test_cap_at_its_boundary_with_the_smallest_rows(fmt: Format) -> None:
    store = OxigraphStore()
    limit = 50
    at_cap = store.query(empty_rows(limit)).serialize(fmt, limit=limit)
    assert at_cap == store.query(empty_rows(limit)).serialize(fmt)
    with pytest.raises(KGError) as err:
        store.query(empty_rows(limit + 1)).serialize(fmt, limit=limit)
    assert err.value.kind is ErrorKind.TOO_LARGE
    assert f"more than {limit} results" in err.value.message


def test_small_select_ask_and_construct_are_evaluated_once() -> None:
    store = filled(20)
    for sparql in ("SELECT * WHERE { ?s ?p ?o }", "ASK { ?s ?p ?o }",
                   "CONSTRUCT WHERE { ?s ?p ?o }"):
        result, calls = counted(store, sparql)
        fmt = BY_KEY["json"] if result.form in ("SELECT", "ASK") else BY_KEY["ntriples"]
        body = result.serialize(fmt, limit=10_000)  # a JSON buffer of 20,000 bytes
        assert body and len(calls) == 1, (sparql, len(calls))
    result, calls = counted(store, "SELECT * WHERE { ?s ?p ?o }")
    body = result.serialize(BY_KEY["json"], limit=10_000)
    assert len(json.loads(body)["results"]["bindings"]) == 20 and len(calls) == 1


def test_answer_longer_than_the_buffer_but_under_the_cap_is_served_whole() -> None:
    # 300 rows of ~100 bytes in JSON: far more than 2 bytes x 1000 rows, fewer than 1000 rows
    store = filled(300)
    sparql = "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s"
    whole = store.query(sparql).serialize(BY_KEY["json"])
    assert len(whole) > MIN_ROW_BYTES["JSON"] * 1000
    result, calls = counted(store, sparql)
    assert result.serialize(BY_KEY["json"], limit=1000) == whole
    assert len(calls) == 3  # cut off at the buffer, counted, serialized
    assert len(json.loads(whole)["results"]["bindings"]) == 300


@pytest.mark.parametrize("fmt", RESULTS, ids=lambda f: f.key)
def test_select_over_the_cap_is_refused_after_counting(fmt: Format) -> None:
    store = filled(300)
    result, calls = counted(store, "SELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(KGError) as err:
        result.serialize(fmt, limit=299)
    assert err.value.kind is ErrorKind.TOO_LARGE
    assert len(calls) == 2  # cut off at the buffer, then counted; never serialized whole


def test_construct_over_the_cap_is_refused_and_under_it_served() -> None:
    store = filled(30)
    sparql = "CONSTRUCT WHERE { ?s ?p ?o }"
    with pytest.raises(KGError) as err:
        store.query(sparql).serialize(BY_KEY["ntriples"], limit=29)
    assert err.value.kind is ErrorKind.TOO_LARGE
    result, calls = counted(store, sparql)
    body = result.serialize(BY_KEY["ntriples"], limit=30)
    assert body.count(b"\n") == 30 and len(calls) == 1


def test_a_query_whose_answer_outgrew_the_buffer_is_counted_first_next_time() -> None:
    store = filled(300)
    sparql = "SELECT * WHERE { ?s ?p ?o } ORDER BY DESC(?s) # outgrew"
    whole = store.query(sparql).serialize(BY_KEY["json"])
    calls: list[int] = []

    def run() -> object:
        calls.append(1)
        return store.ox.query(sparql)

    evaluations = []
    for _ in range(3):
        calls.clear()
        result = OxigraphResult(run, key=sparql)
        assert result.serialize(BY_KEY["json"], limit=1000) == whole
        evaluations.append(len(calls))
    assert evaluations == [3, 2, 2]
    assert (sparql, "json") in OUTGREW
    # the same text with a small answer in another format is not affected
    result, calls = counted(store, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert result.serialize(BY_KEY["csv"], limit=1000) and len(calls) == 1
