"""A second source: scaffolded from plain text, covered sentence by sentence, checked against
the first (issue 14). The text used is a fixture that says it is invented
(``fixtures/sources/``); nothing of it goes into ``data/``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import rdflib
from rdflib import URIRef

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.knowledge.load import load_files, repo_sources, union_graph
from alliance_kg.knowledge.sources import (
    conflicts,
    coverage,
    report_text,
    scaffold,
    sentences,
    slug_of,
    write_scaffold,
)
from alliance_kg.namespaces import AKG, AKR

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "sources" / "fixture-second-source.txt"
SEED = ROOT.parent / "shared" / "seed" / "us-japan-alliance-analysis.txt"
SLUG = "fixture-second-source"

#: what a curator writes into the graph of the fixture's third sentence
FACTS_OF_S03 = """
akr:fixture-second-source-s03 {
    akr:scc-2024-07-28 akg:date "2024-07-29"^^xsd:date ;
        akg:dateEnd "2024-07-29"^^xsd:date ;
        akg:datePrecision akv:day ;
        akg:dateAsStated "2024-07-29"^^xsd:date .
}
"""


def test_the_scaffold_describes_every_sentence_under_stable_iris() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    out = scaffold(text, SLUG)
    assert out == scaffold(text, SLUG)  # same text, same bytes
    parsed = rdflib.Dataset()
    parsed.parse(data=out, format="trig")
    article = AKR[SLUG]
    ds = parsed.graph(article)  # the text is in the graph named by the article
    found = {int(ds.value(s, AKG.position)): s  # type: ignore[arg-type]
             for s in ds.subjects(rdflib.RDF.type, AKG.Sentence)}
    assert sorted(found) == [1, 2, 3, 4]
    assert found[3] == AKR[f"{SLUG}-s03"]
    assert str(ds.value(found[3], AKG.quote)).startswith("On 29 July 2024, Washington")
    assert int(ds.value(found[4], AKG.paragraph)) == 3  # type: ignore[arg-type]
    assert int(ds.value(article, AKG.sentenceCount)) == 4  # type: ignore[arg-type]
    assert str(ds.value(article, rdflib.namespace.DCTERMS.title)).startswith("FIXTURE, NOT A")
    assert f"# akr:{SLUG}-s04 {{" in out  # the block the curator fills


def test_the_seed_article_splits_exactly_as_it_was_curated() -> None:
    """On the shipped article the splitter finds the 35 sentences curated by hand, with the
    same text, paragraphs and positions."""
    if not SEED.is_file():
        pytest.skip(f"the source article is not beside the checkout ({SEED})")
    curated = union_graph(load_files([ROOT / "data" / "article" / "source.trig"]))
    mine = sentences(SEED.read_text(encoding="utf-8"), "article-maslow-2024")
    assert len(mine) == 35
    for s in mine:
        iri = URIRef(s.iri)
        assert str(curated.value(iri, AKG.quote)) == s.quote, s.iri
        assert int(curated.value(iri, AKG.paragraph)) == s.paragraph  # type: ignore[arg-type]
        assert int(curated.value(iri, AKG.position)) == s.position  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "slug"), [("Japan's Defence 2025.txt", "japan-s-defence-2025"),
                                            ("/x/fixture-second-source.txt", SLUG)])
def test_slug_of_a_file_name(name: str, slug: str) -> None:
    assert slug_of(name) == slug


@pytest.mark.parametrize("bad", ["Has Spaces", "x--y", "-x", "", "ü"])
def test_a_bad_name_is_bad_input(bad: str) -> None:
    with pytest.raises(KGError) as err:
        scaffold("One sentence.", bad)
    assert err.value.kind is ErrorKind.BAD_INPUT


def test_an_empty_text_is_bad_input() -> None:
    with pytest.raises(KGError) as err:
        scaffold(" \n\n", SLUG)
    assert err.value.kind is ErrorKind.BAD_INPUT


def test_a_scaffold_never_overwrites_curated_facts(tmp_path: Path) -> None:
    target = tmp_path / "s.trig"
    write_scaffold(target, "One sentence. Two sentences.", "s")
    target.write_text(target.read_text() + FACTS_OF_S03, encoding="utf-8")
    before = target.read_bytes()
    with pytest.raises(KGError) as err:
        write_scaffold(target, "Other text.", "s")
    assert err.value.kind is ErrorKind.CONFLICT
    assert target.read_bytes() == before


@pytest.fixture
def two_sources(tmp_path: Path) -> rdflib.Dataset:
    """The project's data plus the fixture source, one of its sentences curated."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "data", repo / "data")
    target = repo / "data" / "sources" / f"{SLUG}.trig"
    write_scaffold(target, FIXTURE.read_text(encoding="utf-8"), SLUG)
    target.write_text(target.read_text(encoding="utf-8") + FACTS_OF_S03, encoding="utf-8")
    return load_files(repo_sources(repo)["data"])


def test_coverage_lists_the_sentences_without_facts_per_source(
        two_sources: rdflib.Dataset) -> None:
    found = {c.article: c for c in coverage(two_sources)}
    article = found[str(AKR["article-maslow-2024"])]
    assert (article.sentences, article.without_facts) == (35, [])
    fixture = found[str(AKR[SLUG])]
    assert fixture.sentences == 4
    assert fixture.without_facts == [str(AKR[f"{SLUG}-s{n:02d}"]) for n in (1, 2, 4)]


def test_two_sources_that_disagree_are_a_conflict_with_both_quotes(
        two_sources: rdflib.Dataset) -> None:
    [conflict] = conflicts(two_sources)
    assert (conflict.subject, conflict.property) == (str(AKR["scc-2024-07-28"]), "akg:date")
    values = {(v, s) for v, s, _ in conflict.values}
    assert values == {("2024-07-28", str(AKR["article-maslow-2024-s03"])),
                      ("2024-07-29", str(AKR[f"{SLUG}-s03"]))}
    quotes = [q for _, _, q in conflict.values]
    assert any(q.startswith("On 28 July 2024, Washington and Tokyo") for q in quotes)
    assert any(q.startswith("On 29 July 2024, Washington and Tokyo") for q in quotes)
    text = report_text(two_sources)
    assert f"source akr:{SLUG}: 3 of 4 sentences carry no fact" in text
    assert "conflict: akr:scc-2024-07-28 akg:date:" in text


def test_one_source_alone_has_no_conflict_and_agreeing_precision_is_none() -> None:
    """The shipped data alone; and a month agrees with a day inside it."""
    ds = load_files(repo_sources(ROOT)["data"])
    assert conflicts(ds) == []
    ds.graph(AKR[f"{SLUG}-s01"]).add(
        (AKR["scc-2024-07-28"], AKG.date, rdflib.Literal("2024-07-01", datatype=rdflib.XSD.date)))
    ds.graph(AKR[f"{SLUG}-s01"]).add(
        (AKR["scc-2024-07-28"], AKG.dateAsStated,
         rdflib.Literal("2024-07", datatype=rdflib.XSD.gYearMonth)))
    ds.add((AKR[f"{SLUG}-s01"], rdflib.RDF.type, AKG.Sentence))
    ds.add((AKR[f"{SLUG}-s01"], rdflib.namespace.DCTERMS.isPartOf, AKR[SLUG]))
    assert conflicts(ds) == []
