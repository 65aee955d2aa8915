"""The service's merge on the live store (protocol/merging.py) against the reference merge.

The reference (``knowledge/merge.Ours``) reasons with owlrl over the whole union and validates
the whole of it with pySHACL; the service reads our graphs by pattern and answers from its
maintained materialization and incremental SHACL. The proof: on the real dataset and the
shipped external fixtures, both give the same report (new entities, joins, conflicts, shape
results) and the same graphs, for merges, re-merges, a violating source and a drop; and a
merge leaves the materialization as it found it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import rdflib
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY
from alliance_kg.knowledge import fastshacl
from alliance_kg.knowledge.build import build_dataset, serialize_trig
from alliance_kg.knowledge.merge import MergeReport, Ours, Outcome, Source, combine, read_source
from alliance_kg.namespaces import AKG, AKR
from alliance_kg.protocol import derivation as derivation_module
from alliance_kg.protocol import merging
from alliance_kg.protocol.delta import Delta
from alliance_kg.protocol.derivation import Derivation
from alliance_kg.store.oxigraph import OxigraphStore

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = ROOT / "tests" / "knowledge" / "fixtures" / "external"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
WD = "http://www.wikidata.org/entity/"


@pytest.fixture(scope="module")
def built() -> rdflib.Dataset:
    return build_dataset(ROOT)


@pytest.fixture
def store(built: rdflib.Dataset) -> OxigraphStore:
    s = OxigraphStore()
    s.load(serialize_trig(built), BY_KEY["trig"])
    return s


def source(name: str, *, graph: str | None = None, data: bytes | None = None) -> Source:
    path = EXTERNAL / name
    raw = path.read_bytes() if data is None else data
    return read_source(raw, name=name, graph=graph, fmt=None if data is None else BY_KEY["turtle"],
                       stamp=NOW.isoformat().replace("+00:00", "Z"), sha256="0" * 64)


def signature(report: MergeReport) -> dict[str, object]:
    validation = report.validation
    return {
        "new": sorted(report.new_entities),
        "joined": sorted(map(str, (vars(j) for j in report.joined))),
        "conflicts": sorted(str(c) for c in report.conflicts),
        "conforms": None if validation is None else validation.conforms,
        "results": None if validation is None else sorted(r.to_text() for r in validation.results),
        "graphs": report.graphs,
    }


def live_merge(store: OxigraphStore, incoming: list[Source], *, drop: tuple[str, ...] = (),
               strict: bool = False, derivation: Derivation | None = None) -> Outcome:
    delta = Delta(store, ())
    outcome = merging.merge(delta, derivation or Derivation.build(store), incoming,
                            drop=drop, strict=strict)
    removed, added = delta.quads()
    store.apply_delta(removed, added, sorted(delta.cleared))
    return outcome


def reference_merge(ours: Ours, graphs: dict[str, Graph], incoming: list[Source], *,
                    drop: tuple[str, ...] = ()) -> Outcome:
    return combine(ours, graphs, incoming, drop=drop)


def check_same(live: Outcome, ref: Outcome) -> None:
    assert signature(live.report) == signature(ref.report)
    assert isomorphic(live.report.joined_graph, ref.report.joined_graph)
    for g, content in ref.changes().items():
        assert len(live.changes()[g]) == len(content), g


def test_merging_the_fixtures_one_by_one_equals_the_reference(
        built: rdflib.Dataset, store: OxigraphStore) -> None:
    ours = Ours.of(built)
    graphs: dict[str, Graph] = {}
    derivation = Derivation.build(store)
    before = set(derivation.materialization)
    for name in ("wikidata-excerpt.ttl", "dbpedia-excerpt.nt", "research-group.jsonld"):
        live = live_merge(store, [source(name)], derivation=derivation)
        ref = reference_merge(ours, graphs, [source(name)])
        check_same(live, ref)
        graphs = ref.graphs
        # the store holds what the reference holds, graph by graph
        for g, content in graphs.items():
            view = store.graph_view(g)
            assert len(view) == len(content), g
    assert set(derivation.materialization) == before  # the merge undid its reasoning
    # a re-merge replaces, and a drop joins what remains again, as the reference does
    live = live_merge(store, [source("wikidata-excerpt.ttl")], derivation=derivation)
    ref = reference_merge(ours, graphs, [source("wikidata-excerpt.ttl")])
    check_same(live, ref)
    dropped = ref.report.sources[0].graph
    live = live_merge(store, [], drop=(dropped,), derivation=derivation)
    ref = reference_merge(ours, ref.graphs, [], drop=(dropped,))
    check_same(live, ref)
    assert dropped not in store.graph_names()


@pytest.mark.parametrize("path", ["focus nodes", "bulk"])
def test_a_violating_and_conflicting_source_is_reported_as_the_reference_does(
        built: rdflib.Dataset, store: OxigraphStore, path: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    if path == "bulk":  # as a large source is validated: the whole data, by the fast engine
        monkeypatch.setattr(derivation_module, "BULK_MIN", 0)
        monkeypatch.setattr(derivation_module, "BULK_SHARE", 0.0)
    # another date for a meeting of ours, under another IRI, and a label that is not a string
    bad = (f"<{WD}Q1> <http://www.w3.org/2002/07/owl#sameAs> <{AKR}scc-2024-07-28> .\n"
           f"<{WD}Q1> <{AKG}date> \"2023-01-01\"^^<http://www.w3.org/2001/XMLSchema#date> .\n"
           f"<{AKR}quad> <{RDFS.label}> 42 .\n").encode()
    live = live_merge(store, [source("bad.ttl", graph="http://example.org/bad", data=bad)])
    ref = reference_merge(Ours.of(built), {}, [source("bad.ttl", graph="http://example.org/bad",
                                                      data=bad)])
    check_same(live, ref)
    assert ref.report.validation is not None and not ref.report.validation.conforms
    assert [c.subject for c in live.report.conflicts] == [f"{AKR}scc-2024-07-28"]
    if path == "bulk":
        assert fastshacl.LAST_PATH[0] == "fast"
    assert (AKR.quad, RDFS.label, Literal(42)) in live.report.joined_graph


def test_a_source_may_not_take_a_graph_of_other_data(store: OxigraphStore) -> None:
    sentence_graph = f"{AKR}article-maslow-2024-s20"
    assert sentence_graph in store.graph_names()
    with pytest.raises(KGError) as err:
        live_merge(store, [source("wikidata-excerpt.ttl", graph=sentence_graph)])
    assert err.value.kind is ErrorKind.CONFLICT


def test_an_inconsistent_source_changes_nothing(store: OxigraphStore) -> None:
    derivation = Derivation.build(store)
    before = set(derivation.materialization)
    names = sorted(store.graph_names())
    # states and persons are disjoint: a source typing Japan as a person contradicts the ontology
    bad = f"<{AKR}japan> a <https://schema.org/Person> .".encode()
    with pytest.raises(KGError) as err:
        live_merge(store, [source("x.ttl", graph="http://example.org/x", data=bad)],
                   derivation=derivation)
    assert err.value.kind is ErrorKind.INCONSISTENT
    assert set(derivation.materialization) == before
    assert sorted(store.graph_names()) == names
    assert URIRef("http://example.org/x") not in {URIRef(g) for g in store.graph_names()}


def test_another_name_for_an_entity_of_ours_is_a_difference_not_a_violation(
        built: rdflib.Dataset, store: OxigraphStore) -> None:
    """Wikidata calls wd:Q30 "United States of America"; we call akr:united-states (linked to
    wd:Q30) "United States". That is a difference between two sources, reported with both,
    not a second English label of ours for the label shape to count (issue 14)."""
    data = (f"<{WD}Q30> <{RDFS.label}> \"United States of America\"@en .\n"
            f"<{WD}Q30> <{RDFS.label}> \"アメリカ合衆国\"@ja .\n").encode()
    live = live_merge(store, [source("names.ttl", graph="http://example.org/names", data=data)])
    ref = reference_merge(Ours.of(built), {}, [source("names.ttl",
                                                      graph="http://example.org/names",
                                                      data=data)])
    check_same(live, ref)
    for report in (live.report, ref.report):
        assert report.conforms, report.validation.to_text() if report.validation else ""
        assert [(d.subject, d.property, d.values) for d in report.differences] == [
            (f"{AKR}united-states", "rdfs:label",
             [("United States@en", ["alliance-kg"]),
              ("United States of America@en", ["<http://example.org/names> (names.ttl)"])])]
        joined = report.joined_graph
        assert (AKR["united-states"], rdflib.SKOS.altLabel,
                Literal("United States of America", lang="en")) in joined
        # the same Japanese name is no difference, and nothing of theirs became our label
        assert not any(o.language == "en" and str(o) == "United States of America"
                       for o in joined.objects(AKR["united-states"], RDFS.label)
                       if isinstance(o, Literal))
    # the source's own graph keeps what it said
    assert (URIRef(f"{WD}Q30"), RDFS.label, Literal("United States of America", lang="en")) \
        in ref.graphs["http://example.org/names"]
