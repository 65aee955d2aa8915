"""The queries a new user writes first give the right answer (issue 14).

Each test runs the plain query someone would type, over the built dataset (asserted + inferred,
as the service serves it), and checks what it returns: dates that sort and have a year, one
pattern for the timeline and for "not yet in effect", one party property for every kind of
arrangement, a post for every leader, and outside knowledge kept apart from the article's own
statements with its reference. Each of these failed on the dataset before that issue.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef

from alliance_kg.knowledge.build import RESERVED_GRAPHS, build_dataset
from alliance_kg.knowledge.query import run_query
from alliance_kg.namespaces import AKR, PREFIXES

ROOT = Path(__file__).resolve().parents[2]
HEAD = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


@pytest.fixture(scope="module")
def dataset() -> rdflib.Dataset:
    return build_dataset(ROOT)


def rows(ds: rdflib.Dataset, query: str) -> list[tuple[object, ...]]:
    result = run_query(ds, HEAD + query, inference=True)
    return [tuple(row) for row in result]  # type: ignore[arg-type]


def ask(ds: rdflib.Dataset, query: str) -> bool:
    return bool(run_query(ds, HEAD + query, inference=True).askAnswer)


def test_dates_sort_in_time_order_and_all_have_a_year(dataset: rdflib.Dataset) -> None:
    """ORDER BY ?date put "2024-07-28" before "2024-04" when dates mixed xsd:date and
    xsd:gYearMonth, and YEAR() was unbound for the year-only ones."""
    found = rows(dataset, "SELECT ?x ?date (YEAR(?date) AS ?year) WHERE { ?x akg:date ?date } "
                          "ORDER BY ?date")
    assert len(found) >= 7
    dates = [d.toPython() for _, d, _ in found]  # type: ignore[union-attr]
    assert all(isinstance(d, dt.date) for d in dates), dates
    assert dates == sorted(dates)
    assert all(isinstance(y, Literal) and int(y) == d.year for (_, _, y), d in zip(found, dates,
                                                                                 strict=True))
    order = [x for x, _, _ in found]
    assert order.index(AKR["biden-kishida-summit-2024-04"]) < order.index(AKR["scc-2024-07-28"])


def test_the_source_precision_is_kept(dataset: rdflib.Dataset) -> None:
    found = rows(dataset, """SELECT ?start ?end ?precision ?stated ?qualifier WHERE {
        akr:dicas-launch-2024 akg:date ?start ; akg:dateEnd ?end ; akg:datePrecision ?precision ;
            akg:dateAsStated ?stated ; akg:dateQualifier ?qualifier }""")
    assert [tuple(str(t) for t in r) for r in found] == [
        ("2024-01-01", "2024-12-31", str(AKR).replace("resource", "vocab") + "year", "2024",
         "early")]


def test_one_timeline_pattern_reaches_events_changes_and_targets(dataset: rdflib.Dataset) -> None:
    """A framework's launch is a change, not an event: the timeline reaches it all the same."""
    found = {x for x, _ in rows(dataset, "SELECT ?x ?d WHERE { ?x akg:timelineDate ?d }")}
    assert {AKR["scc-2024-07-28"], AKR["dicas-launch-2024"], AKR["jjoc-establishment"],
            AKR["japan-national-security-strategy-2022"]} <= found


def test_not_yet_in_effect_is_one_pattern(dataset: rdflib.Dataset) -> None:
    found = {x for x, in rows(dataset, "SELECT ?x WHERE { ?x akg:broadStatus "
                                       "akv:not-yet-in-effect }")}
    assert {AKR["japan-joint-operational-command"], AKR["joint-force-headquarters-japan"],
            AKR["japan-defence-spending-2-percent"], AKR["four-star-commander-option"],
            AKR["operational-command-transfer-japan"]} <= found
    assert AKR["dicas-launch-2024"] not in found  # completed
    assert AKR["harris-administration"] not in found  # hypothetical, not pending


def test_the_planned_command_has_a_status_of_its_own(dataset: rdflib.Dataset) -> None:
    assert ask(dataset, "ASK { akr:japan-joint-operational-command akg:status akv:planned }")


def test_a_commitment_whose_target_is_not_reached_is_not_in_force(
        dataset: rdflib.Dataset) -> None:
    """"Is Japan spending 2 % of GDP?" read as yes while the commitment was akv:in-force."""
    assert not ask(dataset, "ASK { ?c akg:shareOfGDP 2.0 ; akg:status akv:in-force }")
    assert ask(dataset, "ASK { ?c akg:shareOfGDP 2.0 ; akg:status akv:committed }")


def test_one_party_property_for_every_arrangement(dataset: rdflib.Dataset) -> None:
    """The treaty's parties used akg:agreementParty, so the usual party query missed it."""
    treaty = {p for p, in rows(dataset, "SELECT ?p WHERE { akr:us-japan-security-treaty "
                                        "akg:party ?p }")}
    assert treaty == {AKR["united-states"], AKR.japan}
    japan_in = {a for a, in rows(dataset, "SELECT ?a WHERE { ?a akg:party akr:japan }")}
    assert {AKR["us-japan-security-treaty"], AKR["us-japan-alliance"], AKR.dicas,
            AKR["pac-3-purchase-2024"]} <= japan_in
    # being bound by a treaty is still not membership
    assert not ask(dataset, "ASK { akr:japan org:memberOf akr:us-japan-security-treaty }")


def test_every_real_leader_holds_a_post(dataset: rdflib.Dataset) -> None:
    """The former prime minister was linked to his administration but not to the post."""
    missing = rows(dataset, """SELECT ?person WHERE {
        ?administration akg:ledBy ?person .
        FILTER NOT EXISTS { ?administration akg:status akv:hypothetical }
        FILTER NOT EXISTS { ?person org:holds ?post } }""")
    assert missing == []
    assert ask(dataset, "ASK { akr:shinzo-abe org:holds akr:prime-minister-of-japan }")


def test_the_new_prime_minister_has_a_start_and_a_predecessor(dataset: rdflib.Dataset) -> None:
    found = rows(dataset, """SELECT ?start ?predecessor WHERE {
        akr:tenure-shigeru-ishiba-prime-minister akg:date ?start ;
            akg:succeeds/akg:holder ?predecessor }""")
    assert found == [(Literal(dt.date(2024, 10, 1)), AKR["fumio-kishida"])]


def test_the_article_alone_and_with_outside_knowledge(dataset: rdflib.Dataset) -> None:
    """The Quad's members: the article names Japan only; the editorial graph, with its
    reference, completes the membership, and a query can take either."""
    article = {m for m, in rows(dataset, """SELECT ?m WHERE {
        GRAPH ?s { akr:quad akg:hasParty ?m } ?s dcterms:isPartOf akr:article-maslow-2024 }""")}
    assert article == {AKR.japan}
    everything = {m for m, in rows(dataset, "SELECT ?m WHERE { akr:quad akg:hasParty ?m }")}
    assert everything == {AKR.japan, AKR.australia, AKR.india, AKR["united-states"]}


def test_every_named_data_graph_says_where_it_comes_from(dataset: rdflib.Dataset) -> None:
    """A named graph of the data is a sentence of an article, the article's own text, or a
    graph (editorial, links, a view) with a reference (an IRI) the triples were taken from."""
    asserted = dataset.graph(URIRef(PREFIXES["akgraph"] + "asserted"))
    sources = {URIRef(str(g.identifier)) for g in dataset.graphs()
               if isinstance(g.identifier, URIRef) and g.identifier not in RESERVED_GRAPHS
               and len(g)}
    assert len(sources) > 35
    for name in sources:
        is_text = any((name, rdflib.RDF.type, URIRef(PREFIXES["akg"] + kind)) in asserted
                      for kind in ("Sentence", "Article"))
        references = [r for r in dataset.graph(name).objects(
            name, URIRef(PREFIXES["prov"] + "wasDerivedFrom")) if isinstance(r, URIRef)]
        assert is_text or references, f"{name} has no source"


#: docs/MODELLING.md "Sources": the asserted triples no source states (none in the shipped data)
WITHOUT_A_SOURCE = """SELECT ?s ?p ?o WHERE {
  GRAPH akgraph:asserted { ?s ?p ?o }
  MINUS {
    { SELECT DISTINCT ?g WHERE {
        { ?g a akg:Sentence } UNION { ?g a akg:Article }
        UNION { ?g prov:wasDerivedFrom ?reference FILTER (isIRI(?reference)) } } }
    GRAPH ?g { ?s ?p ?o }
  }
}"""


def test_every_asserted_triple_has_a_source_and_the_query_finds_one_that_has_none(
        dataset: rdflib.Dataset) -> None:
    assert WITHOUT_A_SOURCE in (ROOT / "docs" / "MODELLING.md").read_text(encoding="utf-8")
    assert rows(dataset, WITHOUT_A_SOURCE) == []
    # a triple written straight into the asserted graph (as a live write to the default graph
    # is) is found, and one also stated by a sentence is not
    loose = (AKR.japan, URIRef(PREFIXES["akg"] + "note"), Literal("written by hand"))
    stated = (AKR.japan, rdflib.RDFS.label, Literal("Japan", lang="en"))
    asserted = dataset.graph(URIRef(PREFIXES["akgraph"] + "asserted"))
    assert stated in asserted
    asserted.add(loose)
    try:
        assert rows(dataset, WITHOUT_A_SOURCE) == [loose]
    finally:
        asserted.remove(loose)


def test_a_claim_states_its_stance(dataset: rdflib.Dataset) -> None:
    """A claim's text states the proposition judged: "the JFHQ and JJOC will be fully
    integrated", which the author judges unlikely. Its polarity and verdict say so."""
    assert rows(dataset, "SELECT ?c WHERE { ?c a akg:Claim "
                         "FILTER NOT EXISTS { ?c akg:polarity ?p } }") == []
    rejected = rows(dataset, "SELECT ?c ?verdict WHERE { ?c akg:polarity akv:rejects ; "
                             "akg:verdict ?verdict }")
    assert [c for c, _ in rejected] == [AKR["claim-s29-no-combined-command"]]
    assert str(rejected[0][1]).startswith("It is unlikely that")
    judged = rows(dataset, "SELECT ?c WHERE { ?c akg:likelihood ?l "
                           "FILTER NOT EXISTS { ?c akg:verdict ?v } }")
    assert judged == []


def test_vocabulary_labels_are_in_the_default_graph(dataset: rdflib.Dataset) -> None:
    """Statuses, ranks and classes showed as bare IRIs unless the query named the ontology."""
    found = dict(rows(dataset, """SELECT ?status ?label WHERE {
        akr:jjoc-establishment akg:status ?status . ?status skos:prefLabel ?label }"""))
    assert found == {URIRef(PREFIXES["akv"] + "planned"): Literal("planned", lang="en")}
    assert ask(dataset, "ASK { akr:japan a ?c . ?c rdfs:label ?l }")
    assert ask(dataset, "ASK { akv:planned skos:broader akv:not-yet-in-effect }")


def test_the_most_specific_type(dataset: rdflib.Dataset) -> None:
    """?x a ?type gives every superclass; akg:directType the most specific ones."""
    everything = {t for t, in rows(dataset, "SELECT ?t WHERE { "
                                            "akr:joint-force-headquarters-japan a ?t }")}
    assert len(everything) > 3
    direct = {t for t, in rows(dataset, "SELECT ?t WHERE { "
                                        "akr:joint-force-headquarters-japan akg:directType ?t }")}
    assert direct == {URIRef(PREFIXES["akg"] + "JointForceHeadquarters")}
    assert rows(dataset, "SELECT ?t WHERE { akr:japan akg:directType ?t }") == [
        (URIRef(PREFIXES["akg"] + "State"),)]
