"""The alignment links of ``data/links/``: well formed, unambiguous, about our own resources.

A wrong link is worse than none (a merge would join the wrong things), so these tests check what
can be checked without the network: every target has the shape of a Wikidata item or DBpedia
resource IRI, each of our resources has at most one target per dataset and no target is claimed
by two of ours, every linked subject is catalogued, and the build keeps the links as asserted
data without flooding the inferred graph (which ``owl:sameAs`` would do; see
docs/LINKED-DATA.md).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from alliance_kg.knowledge.build import build_dataset
from alliance_kg.knowledge.load import load_files, union_graph
from alliance_kg.namespaces import AKR, ASSERTED, DBR, INFERRED, WD

ROOT = Path(__file__).resolve().parents[2]
LINKS = ROOT / "data" / "links"
ENTITIES = ROOT / "data" / "article" / "entities.trig"

#: what a target of each dataset must look like (Wikidata item; DBpedia article resource)
TARGETS: dict[str, re.Pattern[str]] = {
    "wikidata": re.compile(r"^http://www\.wikidata\.org/entity/Q[1-9][0-9]*$"),
    "dbpedia": re.compile(r"^http://dbpedia\.org/resource/[A-Za-z0-9_()'.,\-]+$"),
}
LINK_PREDICATES = (SKOS.exactMatch, OWL.sameAs)


def dataset_of(target: URIRef) -> str | None:
    if str(target).startswith(str(WD)):
        return "wikidata"
    if str(target).startswith(str(DBR)):
        return "dbpedia"
    return None


def _links(files: list[Path]) -> Graph:
    """The links of ``files``, without what each file's graph says of itself (its source)."""
    ds = load_files(files)
    out = Graph()
    for s, p, o, g in ds.quads((None, None, None, None)):
        if s != getattr(g, "identifier", g):
            out.add((s, p, o))
    return out


@pytest.fixture(scope="module")
def links() -> Graph:
    files = sorted(LINKS.glob("*.trig"))
    assert files, "data/links/ has no .trig file"
    return _links(files)


@pytest.fixture(scope="module")
def catalogue() -> Graph:
    return union_graph(load_files([ENTITIES]))


def test_links_are_exact_matches_from_our_resources(links: Graph) -> None:
    """Only skos:exactMatch (never owl:sameAs: see docs/LINKED-DATA.md), only from akr: IRIs."""
    assert len(links) >= 20
    for s, p, o in links:
        assert p == SKOS.exactMatch, f"{s} {p} {o}: links are skos:exactMatch"
        assert isinstance(s, URIRef) and str(s).startswith(str(AKR)), s
        assert isinstance(o, URIRef), o


def test_every_target_is_a_well_formed_wikidata_or_dbpedia_iri(links: Graph) -> None:
    for s, _, o in links:
        dataset = dataset_of(o)  # type: ignore[arg-type]
        assert dataset is not None, f"{s} links to {o}, neither Wikidata nor DBpedia"
        assert TARGETS[dataset].match(str(o)), f"{s} links to malformed {dataset} IRI <{o}>"


def test_at_most_one_target_per_dataset_and_no_shared_target(links: Graph) -> None:
    per_subject: dict[tuple[object, str], list[object]] = defaultdict(list)
    per_target: dict[object, list[object]] = defaultdict(list)
    for s, _, o in links:
        per_subject[(s, dataset_of(o) or "?")].append(o)  # type: ignore[arg-type]
        per_target[o].append(s)
    several = {k: v for k, v in per_subject.items() if len(v) > 1}
    assert not several, f"resources with more than one target in one dataset: {several}"
    shared = {k: v for k, v in per_target.items() if len(v) > 1}
    assert not shared, f"targets claimed by several of our resources: {shared}"


def test_each_linked_file_holds_only_its_own_dataset() -> None:
    for path in sorted(LINKS.glob("*.trig")):
        graph = _links([path])
        kinds = {dataset_of(o) for o in graph.objects()}  # type: ignore[arg-type]
        assert kinds == {path.stem}, f"{path.name} holds links to {kinds}"


def test_every_linked_subject_is_catalogued(links: Graph, catalogue: Graph) -> None:
    for s in set(links.subjects()):
        assert (s, RDF.type, None) in catalogue, f"{s} is linked but not in entities.trig"
        assert (s, SKOS.prefLabel, None) in catalogue, f"{s} is linked but has no prefLabel"


def test_the_certain_identifiers_are_there(links: Graph) -> None:
    """The identifiers the issue names as certain are linked (a regression guard)."""
    expected = {"japan": "Q17", "united-states": "Q30", "china": "Q148", "north-korea": "Q423",
                "south-korea": "Q884", "russia": "Q159", "australia": "Q408", "ukraine": "Q212",
                "nato": "Q7184", "donald-trump": "Q22686", "joe-biden": "Q6279",
                "kamala-harris": "Q10853588", "shinzo-abe": "Q132345"}
    for local, qid in expected.items():
        assert (AKR[local], SKOS.exactMatch, WD[qid]) in links


@pytest.fixture(scope="module")
def built() -> object:
    return build_dataset(ROOT)


def test_the_build_keeps_links_asserted_and_the_inferred_graph_clean(built: object,
                                                                     links: Graph) -> None:
    ds = built
    asserted = ds.graph(ASSERTED)  # type: ignore[attr-defined]
    inferred = ds.graph(INFERRED)  # type: ignore[attr-defined]
    for t in links:
        assert t in asserted
    external = [t for t in inferred
                if any(isinstance(n, URIRef) and dataset_of(n) for n in (t[0], t[2]))]
    assert external == [], f"the inferred graph mentions external IRIs: {external[:5]}"
    assert not list(inferred.triples((None, OWL.sameAs, None)))
