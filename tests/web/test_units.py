"""In-process tests of the protocol helpers: SPARQL text facts, USING rewriting, negotiation."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY
from alliance_kg.store import analysis
from alliance_kg.web import negotiation, sparqltext


def accept(header: str) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept)


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT * FROM <urn:g> { ?s ?p ?o }", True),
    ("SELECT * FROM NAMED <urn:g> { GRAPH ?g { ?s ?p ?o } }", True),
    ("select * from <urn:g> { ?s ?p ?o }", True),
    ("SELECT ?from { ?from <urn:FROM> 'FROM' } # FROM", False),
    ("PREFIX from: <urn:x:> SELECT * { ?s from:p ?o }", False),
    ('SELECT * { ?s ?p """\nFROM <urn:g>\n""" }', False),
])
def test_has_dataset_clause(query: str, expected: bool) -> None:
    assert analysis.analyse(query).has_dataset is expected


def test_using_or_with() -> None:
    assert sparqltext.has_using_or_with("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert sparqltext.has_using_or_with("DELETE { ?s ?p ?o } USING <urn:g> WHERE { ?s ?p ?o }")
    assert not sparqltext.has_using_or_with("INSERT DATA { <urn:with> <urn:using> 'WITH' }")


def _run(update: str) -> set[str]:
    store = ox.Store()
    store.update("INSERT DATA { GRAPH <urn:g1> { <urn:a> <urn:p> 1 } "
                 "GRAPH <urn:g2> { <urn:b> <urn:p> 2 } }")
    store.update(update)
    return {str(q) for q in store.quads_for_pattern(None, None, None, ox.NamedNode("urn:out"))}


def test_add_using_gives_each_where_the_dataset() -> None:
    update = ("INSERT { GRAPH <urn:out> { ?s <urn:seen> ?o } } WHERE { ?s <urn:p> ?o } ;\n"
              "DELETE WHERE { GRAPH <urn:g1> { ?s <urn:q> ?o } }")
    rewritten = sparqltext.add_using(update, ["urn:g1"], [])
    assert rewritten.count("USING <urn:g1>") == 2
    integer = "^^<http://www.w3.org/2001/XMLSchema#integer>"
    assert _run(rewritten) == {f"<urn:a> <urn:seen> \"1\"{integer} <urn:out>"}
    named = sparqltext.add_using(
        "INSERT { GRAPH <urn:out> { ?s <urn:in> ?g } } WHERE { GRAPH ?g { ?s ?p ?o } }",
        [], ["urn:g2"])
    assert _run(named) == {"<urn:b> <urn:in> <urn:g2> <urn:out>"}
    assert sparqltext.add_using("INSERT DATA { <urn:a> <urn:b> <urn:c> }", ["urn:g"], []) \
        == "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    with pytest.raises(ValueError):
        sparqltext.add_using("DELETE WHERE { ?s ?p ?o }", ["urn:bad iri"], [])


def test_service_iris_and_silent_clear() -> None:
    q = ("PREFIX wd: <https://query.wikidata.org/> SELECT * { SERVICE SILENT wd:sparql { } "
         "SERVICE <http://x/sparql> { } SERVICE ?ep { } }")
    assert set(analysis.service_endpoints(q)) == {"https://query.wikidata.org/sparql",
                                                  "http://x/sparql", None}
    assert sparqltext.silent_clear("CLEAR GRAPH <urn:g> ; CLEAR SILENT ALL") == \
        "CLEAR SILENT GRAPH <urn:g> ; CLEAR SILENT ALL"
    assert not analysis.analyse("SELECT (RAND() AS ?r) {}").deterministic


def test_negotiation() -> None:
    results, graphs = negotiation.RESULT_FORMATS, negotiation.GRAPH_FORMATS
    assert negotiation.choose(accept(""), results) is BY_KEY["json"]
    assert negotiation.choose(accept("*/*"), graphs) is BY_KEY["turtle"]
    assert negotiation.choose(accept("application/xml"), results) is BY_KEY["xml"]
    assert negotiation.choose(accept("application/xml"), graphs) is BY_KEY["rdfxml"]
    assert negotiation.choose(accept("application/json"), graphs) is BY_KEY["jsonld"]
    assert negotiation.choose(accept("text/*;q=0.3, application/n-quads;q=0.2"), graphs) \
        is BY_KEY["turtle"]
    assert negotiation.choose(accept("text/csv"), results, ["tsv"]) is BY_KEY["tsv"]
    assert negotiation.choose(accept(""), graphs, ["rdf+xml", "application/rdf+xml"]) \
        is BY_KEY["rdfxml"]
    assert negotiation.choose(accept(""), results, ["text/tab-separated-values"]) \
        is BY_KEY["tsv"]
    with pytest.raises(KGError) as err:
        negotiation.choose(accept("image/png"), results)
    assert err.value.kind is ErrorKind.NOT_ACCEPTABLE
    assert "text/csv" in err.value.message
    with pytest.raises(KGError):
        negotiation.choose(accept("*/*"), results, ["turtle"])


def test_silent_clear_of_an_empty_update() -> None:
    """An empty update request is valid SPARQL (found by tests/web/test_fuzz.py: it was a 500)."""
    from alliance_kg.web.sparqltext import silent_clear

    assert silent_clear("") == ""
    assert silent_clear("CLEAR GRAPH <urn:g>") == "CLEAR SILENT GRAPH <urn:g>"
