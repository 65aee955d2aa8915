"""Remembered parsed queries and the memory store's dataset view change no answer.

* ``store.prepared``: a repeated query is parsed once; the protocol-dataset variant (FROM
  dropped) is kept apart from the query as written; syntax errors are raised every time with
  their position; the cache stays bounded; parsing from many threads at once gives no false
  syntax errors (rdflib's grammar is not thread-safe).
* ``store.memory``'s view of the protocol's dataset (asserted + inferred as the default graph,
  without copying) answers every competency question, and queries over ``GRAPH``, FROM,
  paths, CONSTRUCT and DESCRIBE, exactly as a dataset built by copying the same graphs (what
  the store did before) does, and leaves the store unchanged.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import rdflib
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY
from alliance_kg.knowledge.query import parse_query
from alliance_kg.namespaces import ASSERTED, INFERRED, bind_prefixes
from alliance_kg.store.base import QueryResult, Store
from alliance_kg.store.memory import MemoryResult, MemoryStore
from alliance_kg.store.prepared import PreparedQueries

ROOT = Path(__file__).resolve().parents[2]
TRIG = BY_KEY["trig"]
ASR, INF = str(ASSERTED), str(INFERRED)
QUADS = f"""@prefix ex: <http://example.org/> .
<{ASR}> {{ ex:a ex:p ex:b . ex:b ex:p ex:c . ex:shared ex:p ex:both . ex:a ex:label "A"@en . }}
<{INF}> {{ ex:a a ex:T . ex:shared ex:p ex:both . ex:c ex:p ex:d . }}
<http://example.org/other> {{ ex:x ex:p ex:y . }}
ex:inDefault ex:p ex:z .
""".encode()


def test_a_repeated_query_is_parsed_once() -> None:
    cache = PreparedQueries()
    first = cache.get("SELECT * WHERE { ?s ?p ?o }")
    assert cache.get("SELECT * WHERE { ?s ?p ?o }") is first
    assert (cache.hits, cache.misses) == (1, 1)
    assert cache.get("SELECT * WHERE { ?s ?p ?o } ") is not first  # the exact text is the key


def test_an_edited_variant_is_kept_apart() -> None:
    cache = PreparedQueries()
    text = f"SELECT * FROM <{ASR}> WHERE {{ ?s ?p ?o }}"

    def drop(q: object) -> None:
        q.algebra["datasetClause"] = None  # type: ignore[attr-defined]

    edited = cache.get(text, "protocol", drop)
    plain = cache.get(text)
    assert edited.algebra["datasetClause"] is None
    assert plain.algebra["datasetClause"], "the query as written keeps its FROM"
    assert cache.get(text, "protocol", drop) is edited


def test_syntax_errors_are_raised_every_time_with_position() -> None:
    cache = PreparedQueries()
    for _ in range(2):
        with pytest.raises(KGError) as err:
            cache.get("SELECT * WHERE {\n  ?s ?p }")
        assert err.value.kind is ErrorKind.BAD_INPUT
        assert err.value.line == 2
    assert cache.hits == 0


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    cache = PreparedQueries(size=3)
    texts = [f"SELECT * WHERE {{ ?s ?p {i} }}" for i in range(4)]
    kept = cache.get(texts[0])
    for t in texts[1:3]:
        cache.get(t)
    assert cache.get(texts[0]) is kept  # used again: now the most recent
    cache.get(texts[3])  # evicts texts[1], the least recently used
    assert cache.get(texts[0]) is kept
    misses = cache.misses
    cache.get(texts[1])
    assert cache.misses == misses + 1


def test_parsing_from_many_threads_gives_the_right_answers() -> None:
    cache = PreparedQueries()
    texts = [f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ ?s akg:reportsTo{'+' if i % 3 else ''} ?o "
             f"FILTER(?o != <http://example.org/{i}>) }} GROUP BY ?s" for i in range(40)]
    failures: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for k in range(len(texts)):
                text = texts[(k + offset) % len(texts)]
                assert cache.get(text).algebra.name == "SelectQuery"
        except BaseException as exc:  # collected, reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n * 5,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[:3]
    assert cache.misses + cache.hits == 8 * len(texts)


def _copied_view(store: MemoryStore, default: list[str | None],
                 named: list[str] | None) -> rdflib.Dataset:
    """The protocol's dataset built by copying the graphs: the reference answers."""
    view = rdflib.Dataset(default_union=False)
    bind_prefixes(view)
    for g in default:
        source = store.ds.get_context(DATASET_DEFAULT_GRAPH_ID if g is None else rdflib.URIRef(g))
        for t in source:
            view.default_graph.add(t)
    for name in named if named is not None else store.graph_names():
        target = view.graph(rdflib.URIRef(name))
        for t in store.ds.get_context(rdflib.URIRef(name)):
            target.add(t)
    return view


def _canonical(store: Store, sparql: str, **dataset: object) -> object:
    return _canon(store.query(sparql, **dataset))  # type: ignore[arg-type]


def _canon(result: QueryResult) -> object:
    if result.form == "SELECT":
        body = json.loads(result.serialize(BY_KEY["json"]))
        return sorted(json.dumps(b, sort_keys=True) for b in body["results"]["bindings"])
    if result.form == "ASK":
        return json.loads(result.serialize(BY_KEY["json"]))["boolean"]
    return sorted(result.serialize(BY_KEY["ntriples"]).decode().splitlines())


def _reference(store: MemoryStore, sparql: str, default: list[str | None],
               named: list[str] | None) -> object:
    prepared = parse_query(sparql)
    prepared.algebra["datasetClause"] = None  # the protocol's dataset replaces FROM
    result = _copied_view(store, default, named).query(prepared)
    if result.type == "SELECT":
        result.bindings = list(result.bindings)
    return _canon(MemoryResult(result))


QUERIES = [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * WHERE { ?s <http://example.org/p>+ ?o }",
    "SELECT * WHERE { ?s <http://example.org/p>* ?o }",
    "ASK { GRAPH <http://example.org/nope> { ?s ?p ?o } }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "DESCRIBE <http://example.org/a>",
    f"SELECT * FROM <{ASR}> WHERE {{ ?s ?p ?o }}",
    "SELECT * WHERE { ?s a ?t OPTIONAL { ?s <http://example.org/label> ?l } }",
]
DATASETS: list[tuple[list[str | None], list[str] | None]] = [
    ([ASR, INF], None), ([ASR], None), ([INF], [ASR]), ([None], None), ([ASR, INF, ASR], ["http://example.org/n"]),
]


@pytest.mark.parametrize(("default", "named"), DATASETS)
def test_the_memory_view_answers_as_a_copied_dataset(default: list[str | None],
                                                     named: list[str] | None) -> None:
    store = MemoryStore()
    store.load(QUADS, TRIG)
    before = store.dump(BY_KEY["nquads"])
    for sparql in QUERIES:
        assert _canonical(store, sparql, default_graphs=default, named_graphs=named) \
            == _reference(store, sparql, default, named), sparql
    assert store.dump(BY_KEY["nquads"]) == before
    assert store.graph_names() == sorted([ASR, INF, "http://example.org/other"])


def test_a_triple_in_asserted_and_inferred_is_one_triple_of_the_default_graph() -> None:
    store = MemoryStore()
    store.load(QUADS, TRIG)
    body = store.query("SELECT (COUNT(*) AS ?n) WHERE { <http://example.org/shared> ?p ?o }",
                       default_graphs=[ASR, INF]).serialize(BY_KEY["json"])
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "1"


def test_the_competency_questions_answer_as_on_a_copied_dataset() -> None:
    from alliance_kg.config import Settings
    from alliance_kg.knowledge.build import ensure_built

    # built here when missing: the store tests run before anything else builds it in CI
    dataset = ensure_built(Settings.from_env({}, root=ROOT))
    store = MemoryStore()
    store.load(dataset.read_bytes(), TRIG)
    questions = sorted((ROOT / "queries").glob("*.rq"))
    assert questions
    for path in questions:
        sparql = path.read_text(encoding="utf-8")
        assert _canonical(store, sparql, default_graphs=[ASR, INF]) \
            == _reference(store, sparql, [ASR, INF], None), path.name
