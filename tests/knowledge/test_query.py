"""SPARQL over the built dataset: default graph, named graphs, prefixes, formats, errors."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
import rdflib
from kgfixtures import FIXTURE_REPO

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY
from alliance_kg.knowledge.build import build_dataset
from alliance_kg.knowledge.load import load_files, union_graph
from alliance_kg.knowledge.query import render, run_query

AKR = "https://w3id.org/alliance-kg/resource/"
SUBORDINATES = "SELECT ?c ?boss WHERE { ?c akg:subordinateTo ?boss }"


@pytest.fixture(scope="module")
def ds() -> rdflib.Dataset:
    return build_dataset(FIXTURE_REPO)


def rows(ds: rdflib.Dataset, sparql: str, **kw: bool) -> list[tuple[str, ...]]:
    return [tuple(str(v) for v in row) for row in run_query(ds, sparql, **kw)]  # type: ignore[union-attr]


def test_default_graph_is_asserted_plus_inferred(ds: rdflib.Dataset) -> None:
    inferred = (AKR + "JFHQ", AKR + "INDOPACOM")
    assert inferred in rows(ds, SUBORDINATES)
    assert inferred not in rows(ds, SUBORDINATES, inference=False)
    assert len(rows(ds, SUBORDINATES, inference=False)) == 2


def test_every_graph_is_visible_by_name(ds: rdflib.Dataset) -> None:
    found = rows(ds, "SELECT ?g WHERE { GRAPH ?g { akr:USFJ akg:subordinateTo akr:INDOPACOM } }")
    assert sorted(found) == [("https://w3id.org/alliance-kg/graph/asserted",),
                             (AKR + "sentence-1",)]
    assert run_query(ds, "ASK { GRAPH akgraph:ontology { akg:subordinateTo a "
                         "owl:TransitiveProperty } }").askAnswer is True


def test_a_query_prefix_wins_over_ours(ds: rdflib.Dataset) -> None:
    assert rows(ds, "PREFIX akg: <http://example.org/> SELECT * WHERE { ?s akg:subordinateTo ?o }"
                ) == []


def test_unordered_results_are_sorted_ordered_ones_kept(ds: rdflib.Dataset) -> None:
    assert rows(ds, SUBORDINATES) == sorted(rows(ds, SUBORDINATES))
    desc = rows(ds, SUBORDINATES + " ORDER BY DESC(?c) DESC(?boss)")
    assert desc == sorted(desc, reverse=True)


def test_plain_graphs_are_queried_as_they_are() -> None:
    g = union_graph(load_files([FIXTURE_REPO / "data" / "article" / "entities.trig"]))
    assert rows(g, "SELECT ?n WHERE { akr:Japan akg:name ?n }") == [("Japan",)]


def test_table(ds: rdflib.Dataset) -> None:
    text = render(run_query(ds, SUBORDINATES), "table").decode()
    assert text.splitlines() == [
        "c         boss",
        "--------  -------------",
        "akr:JFHQ  akr:INDOPACOM",
        "akr:JFHQ  akr:USFJ",
        "akr:USFJ  akr:INDOPACOM",
        "(3 rows)",
    ]


def test_select_formats(ds: rdflib.Dataset) -> None:
    result = run_query(ds, "SELECT ?c ?n WHERE { ?c akg:name ?n ; akg:founded ?f }")
    table = list(csv.reader(io.StringIO(render(result, "csv").decode())))
    assert table == [["c", "n"], [AKR + "USFJ", "United States Forces Japan"]]
    assert render(result, "tsv").decode().splitlines() == [
        "?c\t?n", f"<{AKR}USFJ>\t\"United States Forces Japan\""]
    doc = json.loads(render(result, "json"))
    assert doc["head"]["vars"] == ["c", "n"]
    assert doc["results"]["bindings"][0]["n"]["value"] == "United States Forces Japan"
    xml = ET.fromstring(render(result, "xml"))
    assert xml.tag.endswith("sparql")


def test_tsv_escapes_tabs_and_newlines() -> None:
    g = rdflib.Graph()
    g.add((rdflib.URIRef(AKR + "a"), rdflib.URIRef(AKR + "p"), rdflib.Literal("x\ty\nz")))
    text = render(run_query(g, "SELECT ?o WHERE { ?s ?p ?o }"), "tsv").decode()
    assert text == '?o\n"x\\ty\\nz"\n'


def test_ask_formats(ds: rdflib.Dataset) -> None:
    result = run_query(ds, "ASK { akr:USA akg:alliedWith akr:Japan }")
    assert render(result, "table") == b"true\n" == render(result, "csv")
    assert json.loads(render(result, "json"))["boolean"] is True
    assert render(run_query(ds, "ASK { akr:USA akg:alliedWith akr:USA }"), "tsv") == b"false\n"


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads", "n3"])
def test_construct_formats_parse_back(ds: rdflib.Dataset, fmt: str) -> None:
    result = run_query(ds, "CONSTRUCT { ?b akg:hasSubordinate ?c } "
                           "WHERE { ?b akg:hasSubordinate ?c }")
    data = render(result, fmt)
    back = rdflib.Dataset()
    back.parse(data=data, format=BY_KEY[fmt].rdflib)
    assert sum(1 for _ in back.quads((None, None, None, None))) == 3
    assert render(result, fmt) == data  # stable output
    if fmt == "turtle":
        assert b"akr:INDOPACOM akg:hasSubordinate" in data


def test_form_and_format_must_match(ds: rdflib.Dataset) -> None:
    with pytest.raises(KGError, match="is a table"):
        render(run_query(ds, SUBORDINATES), "turtle")
    with pytest.raises(KGError, match="is a graph"):
        render(run_query(ds, "DESCRIBE akr:USFJ"), "csv")
    with pytest.raises(KGError, match="unknown format"):
        render(run_query(ds, SUBORDINATES), "yaml")


@pytest.mark.parametrize(("sparql", "line", "column", "words"), [
    ("SELEC ?x WHERE { ?x ?p ?o }", 1, 1, "SELEC"),
    ("SELECT ?x WHERE {\n  ?x ?p ?o .\n  FILTER(?x = )\n}", 3, 3, "FILTER"),
    ("SELECT ?x WHERE {\n  ?x a foo:Bar }", 2, 8, "undeclared prefix foo:"),
    ("SELECT ?c WHERE { ?c akg:name ?n ", 1, 34, "end of text"),
])
def test_syntax_errors_have_line_and_column(ds: rdflib.Dataset, sparql: str, line: int,
                                            column: int, words: str) -> None:
    with pytest.raises(KGError) as info:
        run_query(ds, sparql)
    err = info.value
    assert err.kind is ErrorKind.BAD_INPUT
    assert (err.line, err.column) == (line, column)
    assert words in err.message
    # the message shows the line and a caret under the column
    src, caret = err.message.splitlines()[-2:]
    assert src.strip() == sparql.splitlines()[line - 1].strip()
    assert caret.index("^") - 2 == column - 1
