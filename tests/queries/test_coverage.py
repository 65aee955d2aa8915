"""The article is covered sentence by sentence, and every fact and claim traces to its sentence.

These read the knowledge files directly (no build) except the last two, which check the built
dataset: what a claim only reports must not come out as a fact, asserted or inferred. The
checklist in docs/COVERAGE.md is held to the data here, so a fact added without a coverage entry,
a sentence left without facts, or a coverage entry naming a resource that does not exist fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, RDFS, Literal, URIRef

from alliance_kg.knowledge.build import build_dataset
from alliance_kg.namespaces import ASSERTED, INFERRED

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "data" / "article"
COVERAGE = ROOT / "docs" / "COVERAGE.md"
#: the source article, beside the checkout (absent on a fresh CI clone: that test skips)
SEED = ROOT.parent / "shared" / "seed" / "us-japan-alliance-analysis.txt"
AKG = rdflib.Namespace("https://w3id.org/alliance-kg/ontology/")
AKR = "https://w3id.org/alliance-kg/resource/"
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
ARTICLE_IRI = URIRef(AKR + "article-maslow-2024")


def _graph(*names: str) -> rdflib.Graph:
    """The triples of TriG files, all graphs merged."""
    ds = rdflib.Dataset()
    for name in names:
        ds.parse(ARTICLE / name, format="trig")
    g = rdflib.Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


@pytest.fixture(scope="module")
def source() -> rdflib.Graph:
    return _graph("source.trig")


@pytest.fixture(scope="module")
def entities() -> rdflib.Graph:
    return _graph("entities.trig")


@pytest.fixture(scope="module")
def claims() -> rdflib.Dataset:
    ds = rdflib.Dataset()
    ds.parse(ARTICLE / "claims.trig", format="trig")
    return ds


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    g = rdflib.Graph()
    for p in sorted((ROOT / "ontology").glob("*.ttl")):
        g.parse(p, format="turtle")
    return g


def _number(g: rdflib.Graph, subject: rdflib.term.Node, prop: URIRef) -> int:
    value = g.value(subject, prop)
    assert isinstance(value, Literal), f"{subject} has no {prop}"
    return int(value)


def _sentences(source: rdflib.Graph) -> list[URIRef]:
    """The article's sentences in order of position."""
    found = [(_number(source, s, AKG.position), s)
             for s in source.subjects(RDF.type, AKG.Sentence) if isinstance(s, URIRef)]
    return [s for _, s in sorted(found)]


def _sentence_graphs(claims: rdflib.Dataset) -> dict[URIRef, rdflib.Graph]:
    return {g.identifier: g for g in claims.graphs()
            if isinstance(g.identifier, URIRef) and str(g.identifier).startswith(AKR) and len(g)}


def _claim_classes(ontology: rdflib.Graph) -> set[rdflib.term.Node]:
    return {c for c in ontology.transitive_subjects(RDFS.subClassOf, AKG.Claim) if c is not None}


def _short(iri: rdflib.term.Node) -> str:
    return str(iri)[len(AKR):]


def test_every_sentence_has_its_own_non_empty_graph(source: rdflib.Graph,
                                                    claims: rdflib.Dataset) -> None:
    sentences = _sentences(source)
    count = source.value(ARTICLE_IRI, AKG.sentenceCount)
    assert isinstance(count, Literal) and len(sentences) == int(count) == 35
    assert [_number(source, s, AKG.position) for s in sentences] == \
        list(range(1, len(sentences) + 1))
    graphs = _sentence_graphs(claims)
    assert set(graphs) == set(sentences), \
        f"graphs without a sentence: {sorted(map(_short, set(graphs) - set(sentences)))}; " \
        f"sentences without facts: {sorted(map(_short, set(sentences) - set(graphs)))}"
    # every sentence states something about something other than itself
    for s in sentences:
        assert any(subj != s for subj in graphs[s].subjects()), _short(s)


def test_every_claim_lies_in_the_graph_of_its_sentence(claims: rdflib.Dataset,
                                                      ontology: rdflib.Graph) -> None:
    """A claim cites exactly one sentence, and everything said of the claim is in that
    sentence's graph and no other: "which sentence says this?" answers the same both ways."""
    kinds = _claim_classes(ontology)
    graphs = _sentence_graphs(claims)
    seen = 0
    for name, g in graphs.items():
        for claim in {c for k in kinds for c in g.subjects(RDF.type, k)}:
            seen += 1
            cited = {o for other in graphs.values()
                     for o in other.objects(claim, PROV.wasDerivedFrom)}
            assert cited == {name}, f"{_short(claim)} cites {sorted(map(_short, cited))}"
            for other_name, other in graphs.items():
                if other_name != name:
                    assert (claim, None, None) not in other, \
                        f"{_short(claim)} is described in {_short(other_name)} too"
    assert seen >= 30


def test_every_resource_the_sentences_use_is_catalogued(claims: rdflib.Dataset,
                                                       entities: rdflib.Graph,
                                                       source: rdflib.Graph,
                                                       ontology: rdflib.Graph) -> None:
    """Everything a sentence graph names has an English label in the catalogue (claims are
    labelled where they are made, in their sentence's graph)."""
    kinds = _claim_classes(ontology)
    graphs = _sentence_graphs(claims).values()
    claim_iris = {c for g in graphs for k in kinds for c in g.subjects(RDF.type, k)}
    used = {n for g in graphs for t in g for n in (t[0], t[2])
            if isinstance(n, URIRef) and str(n).startswith(AKR)}
    missing = sorted(_short(n) for n in used - claim_iris
                     if not any(isinstance(lbl, Literal) and lbl.language == "en"
                                for lbl in entities.objects(n, RDFS.label))
                     and (n, RDF.type, AKG.Sentence) not in source and n != ARTICLE_IRI)
    assert not missing, f"not in entities.trig: {missing}"


def test_quotes_are_the_article_verbatim(source: rdflib.Graph) -> None:
    """Joined in order, the quotes of each paragraph are exactly that line of the article."""
    if not SEED.is_file():
        pytest.skip(f"the source article is not beside the checkout ({SEED})")
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_paragraph: dict[int, list[str]] = {}
    for s in _sentences(source):
        by_paragraph.setdefault(_number(source, s, AKG.paragraph),
                                []).append(str(source.value(s, AKG.quote)))
    assert sorted(by_paragraph) == list(range(1, len(lines) + 1))
    for n, quotes in by_paragraph.items():
        assert " ".join(quotes) == lines[n - 1], f"paragraph {n}"


def _coverage_sections() -> dict[str, str]:
    text = COVERAGE.read_text(encoding="utf-8")
    parts = re.split(r"^### (s\d\d)\s*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.fixture(scope="module")
def editorial() -> rdflib.Dataset:
    """The outside knowledge (data/editorial/): graphs of their own, never a sentence's."""
    ds = rdflib.Dataset()
    for path in sorted((ROOT / "data" / "editorial").glob("*.trig")):
        ds.parse(path, format="trig")
    return ds


def test_coverage_checklist_matches_the_data(source: rdflib.Graph, claims: rdflib.Dataset,
                                             entities: rdflib.Graph,
                                             editorial: rdflib.Dataset) -> None:
    """docs/COVERAGE.md has one section per sentence, quoting it; each section names every
    resource its sentence's graph describes; and every name in the file exists (in the article's
    files or in the editorial graphs its introduction lists)."""
    sections = _coverage_sections()
    sentences = _sentences(source)
    assert list(sections) == [f"s{i:02d}" for i in range(1, len(sentences) + 1)]
    graphs = _sentence_graphs(claims)
    for s in sentences:
        key = f"s{_number(source, s, AKG.position):02d}"
        body = sections[key]
        assert f'"{source.value(s, AKG.quote)}"' in body, f"{key}: the quote is not exact"
        named = set(re.findall(r"akr:([a-z0-9-]+)", body))
        described = {_short(subj) for subj in graphs[s].subjects()
                     if isinstance(subj, URIRef) and str(subj).startswith(AKR)}
        assert described <= named, f"{key}: not in the checklist: {sorted(described - named)}"
    known = {_short(n) for g in (source, entities, *graphs.values()) for t in g
             for n in (t[0], t[2]) if isinstance(n, URIRef) and str(n).startswith(AKR)}
    known |= {_short(n) for q in editorial.quads((None, None, None, None)) for n in (q[0], q[2])
              if isinstance(n, URIRef) and str(n).startswith(AKR)}
    mentioned = set(re.findall(r"akr:([a-z0-9-]+)", COVERAGE.read_text(encoding="utf-8")))
    assert mentioned <= known, f"COVERAGE.md names unknown resources: {sorted(mentioned - known)}"


@pytest.fixture(scope="module")
def built() -> rdflib.Dataset:
    return build_dataset(ROOT)


def test_no_claim_content_is_a_fact(built: rdflib.Dataset) -> None:
    """A triple a claim only reports (its rdf:subject/predicate/object) is neither asserted nor
    inferred, in either direction of a symmetric property."""
    facts = built.graph(ASSERTED) + built.graph(INFERRED)
    reified = [(facts.value(c, RDF.subject), facts.value(c, RDF.predicate),
                facts.value(c, RDF.object)) for c in facts.subjects(RDF.predicate, None)]
    assert reified, "no claim spells out its content; this check would check nothing"
    for s, p, o in reified:
        assert (s, p, o) not in facts and (o, p, s) not in facts, (s, p, o)


def test_parties_to_agreements_are_not_members(built: rdflib.Dataset) -> None:
    """Reasoning makes a party to an alliance or framework a member (org:memberOf), but being
    bound by a treaty or a purchase is not membership of an organisation."""
    facts = built.graph(ASSERTED) + built.graph(INFERRED)
    agreements = set(facts.subjects(RDF.type, AKG.Agreement))
    assert agreements
    wrong = [(s, o) for s, o in facts.subject_objects(ORG.memberOf) if o in agreements]
    assert not wrong, wrong
    assert set(facts.objects(URIRef(AKR + "japan"), AKG.partyToAgreement)) >= {
        URIRef(AKR + "us-japan-security-treaty"), URIRef(AKR + "pac-3-purchase-2024")}
