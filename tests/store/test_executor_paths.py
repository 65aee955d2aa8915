"""A query answers the same in the calling thread (timeout 0) and in a pooled worker.

The calling thread negotiates only for the form the query turned out to have, a worker gets the
parent's choice for every form: both must give the same bytes, the same errors (kind, message,
position) and the same precedence (a syntax error before an unacceptable format).
"""

from __future__ import annotations

import pytest

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY, Format
from alliance_kg.store.base import QueryForm
from alliance_kg.store.executor import execute_query
from alliance_kg.store.oxigraph import OxigraphStore

QUERIES = ["SELECT ?s ?o WHERE { ?s <http://x/p> ?o } ORDER BY ?s", "ASK { ?s ?p ?o }",
           "CONSTRUCT WHERE { ?s <http://x/p> ?o }", "DESCRIBE <http://x/s1>"]


class Chooser:
    """A ``choose_format`` that answers JSON results or N-Triples, refuses the forms it is
    told to refuse as the web layer's negotiation does (406), and counts its calls."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.refuse = refuse
        self.calls: list[str] = []

    def __call__(self, form: QueryForm) -> Format:
        self.calls.append(form)
        if form in self.refuse:
            raise KGError(ErrorKind.NOT_ACCEPTABLE, f"no acceptable format for a {form} query")
        return BY_KEY["json"] if form in ("SELECT", "ASK") else BY_KEY["ntriples"]


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    made = OxigraphStore()
    data = "\n".join(f"<http://x/s{i}> <http://x/p> <http://x/o{i}> ." for i in range(20))
    made.load(data.encode(), BY_KEY["ntriples"])
    return made


@pytest.mark.parametrize("sparql", QUERIES)
def test_both_paths_answer_the_same_bytes(store: OxigraphStore, sparql: str) -> None:
    answers = [execute_query(store, sparql, choose_format=Chooser(), timeout=t, limit=100)
               for t in (0, 5)]
    assert answers[0] == answers[1]
    assert answers[0][1]


def test_the_calling_thread_negotiates_only_for_the_querys_form(store: OxigraphStore) -> None:
    chooser = Chooser()
    execute_query(store, QUERIES[0], choose_format=chooser, timeout=0, limit=100)
    assert chooser.calls == ["SELECT"]
    chooser = Chooser()
    execute_query(store, QUERIES[0], choose_format=chooser, timeout=5, limit=100)
    assert sorted(chooser.calls) == ["ASK", "CONSTRUCT", "DESCRIBE", "SELECT"]


@pytest.mark.parametrize("timeout", [0, 5])
def test_errors_and_their_precedence_are_the_same_on_both_paths(
        store: OxigraphStore, timeout: float) -> None:
    chooser = Chooser(refuse=("CONSTRUCT", "DESCRIBE"))
    fmt, _, _ = execute_query(store, QUERIES[0], choose_format=chooser, timeout=timeout, limit=100)
    assert fmt is BY_KEY["json"]
    with pytest.raises(KGError) as err:
        execute_query(store, QUERIES[2], choose_format=chooser, timeout=timeout, limit=100)
    assert err.value.kind is ErrorKind.NOT_ACCEPTABLE
    assert err.value.message == "no acceptable format for a CONSTRUCT query"
    with pytest.raises(KGError) as err:  # the syntax error is found first
        execute_query(store, "CONSTRUCT WHERE {\n ?s ?p }", choose_format=chooser,
                      timeout=timeout, limit=100)
    assert err.value.kind is ErrorKind.BAD_INPUT and err.value.line == 2
    with pytest.raises(KGError) as err:
        execute_query(store, QUERIES[0], choose_format=chooser, timeout=timeout, limit=5)
    assert err.value.kind is ErrorKind.TOO_LARGE
    assert type(err.value) is KGError



def _reads_forever(sparql: str, budget: float) -> tuple[object, ...]:
    """A reader of a query's parse that never finishes (as rdflib on some hostile texts)."""
    n = 0
    while True:
        n += 1


def test_another_reader_of_the_parse_is_bounded_by_the_read_budget(
        store: OxigraphStore) -> None:
    from alliance_kg.store.executor import _answer

    answer = _answer(store, (None, "ASK {}", _reads_forever))
    assert answer[0] == "error" and answer[1] == ErrorKind.BAD_INPUT.value
    assert "could not be read within 0.5 s" in answer[2]
