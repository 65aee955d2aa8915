"""The merge library on the real dataset and the shipped external fixtures.

What a user merging Wikidata, DBpedia or a research group's JSON-LD relies on: a question that
needs both our graph and theirs has no answer before the merge and the right one after; merging
a source again replaces it; provenance is recorded; conflicts name both sources; bad input is
refused with its position and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF
from rdflib.namespace import XSD as XSD_NS

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.knowledge.build import build_dataset
from alliance_kg.knowledge.load import load_files
from alliance_kg.knowledge.merge import (
    SPDX,
    MergeReport,
    Ours,
    add_merged,
    analyse,
    drop,
    merge,
    read_merged,
    read_source,
    source_graph,
)
from alliance_kg.knowledge.query import run_query
from alliance_kg.namespaces import AKR, CATALOGUE, JOINED, VOID

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = Path(__file__).resolve().parent / "fixtures" / "external"
WIKIDATA = EXTERNAL / "wikidata-excerpt.ttl"
DBPEDIA = EXTERNAL / "dbpedia-excerpt.nt"
RESEARCH = EXTERNAL / "research-group.jsonld"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

#: Which of Japan's partners in our arrangements are NATO members? Our graph knows the partners,
#: Wikidata the memberships; only the alignment links join them.
NATO_PARTNERS = """
SELECT DISTINCT ?partner WHERE {
  ?arrangement akg:hasParty akr:japan, ?partner . FILTER(?partner != akr:japan)
  ?partner skos:exactMatch ?item .
  GRAPH ?source { ?item wdt:P463 wd:Q7184 }
}"""
#: the same question on the joined graph, where their IRIs are already ours
NATO_PARTNERS_JOINED = """
SELECT DISTINCT ?partner WHERE {
  ?arrangement akg:hasParty akr:japan, ?partner .
  GRAPH akgraph:joined { ?partner wdt:P463 akr:nato }
}"""


@pytest.fixture(scope="module")
def built() -> rdflib.Dataset:
    return build_dataset(ROOT)


@pytest.fixture(scope="module")
def three(built: rdflib.Dataset, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[MergeReport, Path]:
    """The three fixtures merged once (a merge reasons and validates: seconds, not millis)."""
    target = tmp_path_factory.mktemp("three") / "merged.nq"
    return merge(built, target, [str(WIKIDATA), str(DBPEDIA), str(RESEARCH)], now=NOW), target


def answers(ds: rdflib.Dataset, target: Path, query: str) -> set[str]:
    view = rdflib.Dataset()
    for g in ds.graphs():
        copy = view.graph(g.identifier)
        for t in g:
            copy.add(t)
    add_merged(view, target)
    return {str(row[0]) for row in run_query(view, query)}  # type: ignore[index]


def test_a_question_needing_both_graphs_is_answered_only_after_the_merge(
        built: rdflib.Dataset, three: tuple[MergeReport, Path], tmp_path: Path) -> None:
    nothing = tmp_path / "merged.nq"
    assert answers(built, nothing, NATO_PARTNERS) == set()
    assert answers(built, nothing, NATO_PARTNERS_JOINED) == set()
    report, target = three
    expected = {str(AKR["united-states"])}
    assert answers(built, target, NATO_PARTNERS) == expected
    assert answers(built, target, NATO_PARTNERS_JOINED) == expected
    joined = {(j.entity, j.external) for j in report.joined}
    assert (str(AKR["united-states"]), "http://www.wikidata.org/entity/Q30") in joined
    assert (str(AKR.quad), "https://alliances.example.org/id/quad") in joined
    assert ("http://www.wikidata.org/entity/Q11696", source_graph(str(WIKIDATA))) in \
        report.new_entities
    assert ("http://dbpedia.org/resource/India", source_graph(str(DBPEDIA))) in \
        report.new_entities
    # Wikidata's statement nodes are not entities
    assert not [i for i, _ in report.new_entities if "/statement/" in i]


def test_provenance_is_recorded_in_the_catalogue(three: tuple[MergeReport, Path]) -> None:
    _, target = three
    graphs = read_merged(target)
    g = URIRef(source_graph(str(DBPEDIA)))
    assert str(g) == "https://w3id.org/alliance-kg/graph/source/dbpedia-excerpt"
    catalogue = graphs[str(CATALOGUE)]
    assert (g, RDF.type, VOID.Dataset) in catalogue
    assert (g, DCTERMS.source, Literal(str(DBPEDIA))) in catalogue
    assert catalogue.value(g, VOID.triples) == Literal(11)
    assert len(graphs[str(g)]) == 11
    stamp = catalogue.value(g, PROV.generatedAtTime)
    assert stamp == Literal("2026-01-02T03:04:05Z", datatype=XSD_NS.dateTime)
    checksum = catalogue.value(g, SPDX.checksum)
    assert str(catalogue.value(checksum, SPDX.checksumValue)) == \
        hashlib.sha256(DBPEDIA.read_bytes()).hexdigest()


def test_merging_a_source_again_replaces_it(built: rdflib.Dataset, tmp_path: Path) -> None:
    target = tmp_path / "merged.nq"
    copy = tmp_path / "wikidata-excerpt.ttl"
    shutil.copy(WIKIDATA, copy)
    first = merge(built, target, [str(copy)], now=NOW)
    before = read_merged(target)
    assert not first.sources[0].replaced
    # the user edits the file and merges it again: the new content replaces the old one
    copy.write_text(WIKIDATA.read_text().replace('wd:Q30 wdt:P31 wd:Q6256 ;\n    wdt:P463 '
                                                 'wd:Q7184 .', 'wd:Q30 wdt:P31 wd:Q6256 .'))
    second = merge(built, target, [str(copy)], now=NOW)
    after = read_merged(target)
    assert second.sources[0].replaced
    g = second.sources[0].graph
    assert len(after[g]) == len(before[g]) - 1
    assert sorted(after) == sorted(before)  # no second graph, catalogue or joined graph
    catalogue = after[str(CATALOGUE)]
    assert len(list(catalogue.subjects(RDF.type, VOID.Dataset))) == 1
    assert len(list(catalogue.objects(URIRef(g), SPDX.checksum))) == 1
    assert answers(built, target, NATO_PARTNERS) == set()


def test_conflicts_name_both_sources(three: tuple[MergeReport, Path]) -> None:
    report, _ = three
    by_subject = {(c.subject, c.property): c for c in report.conflicts}
    quad = by_subject[(str(AKR.quad), "founding date")]
    assert [(value, [s.split(" ")[0] for s in srcs]) for value, srcs in quad.values] == [
        ("2007", [f"<{source_graph(str(DBPEDIA))}>"]),
        ("2017-11-12", [f"<{source_graph(str(RESEARCH))}>"]),
    ]
    assert str(DBPEDIA) in quad.values[0][1][0] and str(RESEARCH) in quad.values[1][1][0]
    rank = by_subject[(str(AKR["jfhq-commander"]), "required rank")]
    assert rank.values[0][0] == "akv:four-star" and str(RESEARCH) in rank.values[0][1][0]
    assert rank.values[1] == ("akv:three-star", ["alliance-kg"])
    # agreeing sources are no conflict: Biden's birth date (dateTime vs date), AUKUS's founding
    assert len(report.conflicts) == 2, report.to_text()
    # the rank conflict is also a shape violation of the union, reported, not hidden
    assert not report.conforms
    text = report.to_text()
    assert "akr:quad founding date" in text and "research-group.jsonld" in text
    doc: Any = json.loads(report.to_json())
    assert {c["property"] for c in doc["conflicts"]} == {"founding date", "required rank"}
    assert any(r["focusNode"]["value"].endswith("jfhq-commander")
               for r in doc["validation"]["results"])
    assert str(JOINED) in report.graphs


def test_strict_merges_nothing_when_there_are_conflicts(built: rdflib.Dataset,
                                                      tmp_path: Path) -> None:
    target = tmp_path / "merged.nq"
    with pytest.raises(KGError) as err:
        merge(built, target, [str(DBPEDIA), str(RESEARCH)], strict=True, now=NOW)
    assert err.value.kind is ErrorKind.CONFLICT
    assert "founding date" in (err.value.detail or "")
    assert not target.exists()


def test_a_parse_error_names_file_line_column_and_changes_nothing(
        built: rdflib.Dataset, three: tuple[MergeReport, Path], tmp_path: Path) -> None:
    target = tmp_path / "merged.nq"
    shutil.copy(three[1], target)
    before = target.read_bytes()
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix wd: <http://www.wikidata.org/entity/> .\n"
                   "wd:Q17 wd:P31 wd:Q6256 ;\n    wd:P463 wd:Q7184 wd:Q1 .\n")
    with pytest.raises(KGError) as err:
        merge(built, target, [str(WIKIDATA), str(bad)], now=NOW)
    assert err.value.kind is ErrorKind.BAD_INPUT
    assert (err.value.file, err.value.line) == (str(bad), 3)
    assert err.value.column is not None
    assert target.read_bytes() == before


def test_bad_graph_names_and_missing_files_are_bad_input(built: rdflib.Dataset,
                                                         tmp_path: Path) -> None:
    target = tmp_path / "merged.nq"
    cases = [([str(WIKIDATA)], "not an iri"), ([str(WIKIDATA), str(DBPEDIA)], "http://x/g"),
             ([str(WIKIDATA)], "https://w3id.org/alliance-kg/graph/asserted"),
             ([str(tmp_path / "missing.ttl")], None)]
    for sources, graph in cases:
        with pytest.raises(KGError) as err:
            merge(built, target, sources, graph=graph, now=NOW)
        assert err.value.kind is ErrorKind.BAD_INPUT, (sources, graph)
    assert not target.exists()


def test_drop_removes_a_source_and_its_catalogue_entry_and_joins_the_rest_again(
        built: rdflib.Dataset, three: tuple[MergeReport, Path], tmp_path: Path) -> None:
    target = tmp_path / "merged.nq"
    shutil.copy(three[1], target)
    wikidata = source_graph(str(WIKIDATA))
    assert answers(built, target, NATO_PARTNERS) == {str(AKR["united-states"])}
    assert answers(built, target, NATO_PARTNERS_JOINED) == {str(AKR["united-states"])}
    report = drop(built, target, wikidata)
    graphs = read_merged(target)
    assert wikidata not in graphs
    assert (URIRef(wikidata), None, None) not in graphs[str(CATALOGUE)]
    assert source_graph(str(DBPEDIA)) in graphs
    # the joined graph is computed again from the sources that remain: no Wikidata facts
    assert str(JOINED) in graphs and str(JOINED) in report.graphs
    assert answers(built, target, NATO_PARTNERS) == set()
    assert answers(built, target, NATO_PARTNERS_JOINED) == set()
    assert {c.property for c in report.conflicts} == {"founding date", "required rank"}
    with pytest.raises(KGError) as err:
        drop(built, target, wikidata)
    assert err.value.kind is ErrorKind.NOT_FOUND
    for reserved in (str(CATALOGUE), str(JOINED)):
        with pytest.raises(KGError) as err:
            drop(built, target, reserved)
        assert err.value.kind is ErrorKind.NOT_FOUND


def test_reasoning_from_our_inferred_graph_joins_exactly_what_reasoning_from_scratch_does(
        built: rdflib.Dataset) -> None:
    """The merge reasons from asserted + inferred + sources (faster); from asserted + sources
    alone, what it adds beyond our inferred graph must be the same joined graph."""
    ours = Ours.of(built)
    sources = {source_graph(str(f)): read_source(f.read_bytes(), name=str(f)).content
               for f in (WIKIDATA, DBPEDIA, RESEARCH)}
    no_shapes = rdflib.Graph()
    fast = analyse(Ours(ours.asserted, ours.inferred, ours.ontology, no_shapes), sources)
    scratch = analyse(Ours(ours.asserted, rdflib.Graph(), ours.ontology, no_shapes), sources)
    expected = {t for t in scratch.joined_graph if t not in ours.inferred}
    assert set(fast.joined_graph) == expected
    assert len(expected) > 50  # the sources, rewritten, and what the reasoner adds to them


def test_the_merged_file_loads_as_nquads(three: tuple[MergeReport, Path]) -> None:
    _, target = three
    ds = load_files([target])
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert {source_graph(str(RESEARCH)), str(CATALOGUE), str(JOINED)} <= names


@pytest.mark.parametrize(("day", "conflict"), [("2024-04-15", False), ("2024-05-15", True)])
def test_a_day_within_our_month_is_no_date_conflict(built: rdflib.Dataset, tmp_path: Path,
                                                   day: str, conflict: bool) -> None:
    """Our summit is dated "April 2024" (akg:date is its first day, month precision): a source
    giving a day in April agrees with it, a day in May does not."""
    source = tmp_path / "summit.ttl"
    source.write_text(f"""@prefix akg: <https://w3id.org/alliance-kg/ontology/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{AKR}biden-kishida-summit-2024-04> akg:date "{day}"^^xsd:date .
""", encoding="utf-8")
    report = merge(built, tmp_path / "merged.nq", [str(source)], now=NOW)
    dates = [c for c in report.conflicts if c.property == "date"]
    assert bool(dates) is conflict, report.to_text()
    if conflict:
        assert [v for v, _ in dates[0].values] == ["2024-04", day]
