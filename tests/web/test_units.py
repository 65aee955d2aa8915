"""In-process tests of the protocol helpers: SPARQL text facts, USING rewriting, negotiation."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY
from alliance_kg.store import analysis
from alliance_kg.web import negotiation


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


def test_service_endpoints_and_determinism() -> None:
    q = ("PREFIX wd: <https://query.wikidata.org/> SELECT * { SERVICE SILENT wd:sparql { } "
         "SERVICE <http://x/sparql> { } SERVICE ?ep { } }")
    assert set(analysis.read_services(q, 5.0)[1]) == {"https://query.wikidata.org/sparql",
                                                  "http://x/sparql", None}
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
