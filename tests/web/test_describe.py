"""Dereferencing our IRIs through the running service: 303 by Accept, the documents, the pages.

The read-only server serves the built dataset (the article's facts, inferred graph and sentence
graphs); the writable one serves the fixture and is used where a test needs data it controls
(a link-out, a label that tries to inject markup). Every answer is checked by parsing it: RDF
with rdflib, HTML with the standard library's parser.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
import rdflib
import requests
from rdflib import Literal, URIRef
from rdflib.namespace import ORG, RDF, RDFS

from .conftest import Server, select, update

AKR = rdflib.Namespace("https://w3id.org/alliance-kg/resource/")
AKG = rdflib.Namespace("https://w3id.org/alliance-kg/ontology/")
INFERRED = "https://w3id.org/alliance-kg/graph/inferred"
ASSERTED = "https://w3id.org/alliance-kg/graph/asserted"
JAPAN = AKR["japan"]
JFHQ = AKR["joint-force-headquarters-japan"]
INDOPACOM = AKR["united-states-indo-pacific-command"]
PREFIX = f"PREFIX akr: <{AKR}>\n"

#: (Accept, extension of the document it redirects to, rdflib parser)
FORMATS = [
    ("text/turtle", ".ttl", "turtle"),
    ("application/ld+json", ".jsonld", "json-ld"),
    ("application/n-triples", ".nt", "nt"),
    ("application/rdf+xml", ".rdf", "xml"),
    ("application/trig", ".trig", "trig"),
    ("application/n-quads", ".nq", "nquads"),
]


def get(server: Server, path: str, accept: str | None = None, **kw: object) -> requests.Response:
    headers = {"Accept": accept} if accept else {}
    return requests.get(server.url + path, headers=headers, allow_redirects=False, timeout=30,
                        **kw)  # type: ignore[arg-type]


def follow(server: Server, path: str, accept: str) -> requests.Response:
    r = get(server, path, accept)
    assert r.status_code == 303, r.text
    assert "Accept" in r.headers.get("Vary", "")
    doc = requests.get(urljoin(server.url + path, r.headers["Location"]),
                       headers={"Accept": accept}, timeout=30)
    assert doc.status_code == 200, doc.text
    return doc


class Page(HTMLParser):
    """The parts of a resource page the tests look at."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self.lang_text: dict[str, list[str]] = {}
        self.classes: list[str] = []
        self.svgs = 0
        self.alternates: dict[str, str] = {}
        self._lang: list[str | None] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a":
            self.links.append(a)
        if tag == "svg":
            self.svgs += 1
        if tag == "link" and a.get("rel") == "alternate":
            self.alternates[a.get("type", "")] = a.get("href", "")
        self.classes.extend(a.get("class", "").split())
        if tag not in ("br", "img", "link", "meta", "input"):
            self._lang.append(a.get("lang"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("br", "img", "link", "meta", "input") and self._lang:
            self._lang.pop()

    def handle_data(self, data: str) -> None:
        langs = [x for x in self._lang if x]
        if langs and data.strip():
            self.lang_text.setdefault(langs[-1], []).append(data.strip())

    def hrefs(self) -> set[str]:
        return {a.get("href", "") for a in self.links}


@pytest.fixture(scope="module")
def japan_page(ro_server: Server) -> str:
    r = follow(ro_server, "/resource/japan", "text/html")
    assert r.headers["Content-Type"].startswith("text/html")
    return r.text


# -- 303 and the documents -------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "ext", "parser"), FORMATS)
def test_iri_redirects_to_a_document_in_the_asked_format(ro_server: Server, accept: str,
                                                         ext: str, parser: str) -> None:
    r = get(ro_server, "/resource/japan", accept)
    assert r.status_code == 303
    assert r.headers["Location"] == f"/data/resource/japan{ext}"
    doc = follow(ro_server, "/resource/japan", accept)
    assert doc.headers["Content-Type"].split(";")[0] == accept
    if parser in ("trig", "nquads"):
        ds = rdflib.Dataset()
        ds.parse(data=doc.content, format=parser)
        # each triple stays in its graph: the reasoner's in the inferred graph
        inferred = ds.graph(URIRef(INFERRED))
        assert (JAPAN, ORG.memberOf, AKR["us-japan-alliance"]) in inferred
        assert (JAPAN, RDFS.label, Literal("Japan", lang="en")) in ds.graph(URIRef(ASSERTED))
        return
    g = rdflib.Graph()
    g.parse(data=doc.content, format=parser)
    # outgoing, with the Japanese label, an inferred triple, and incoming
    assert (JAPAN, RDFS.label, Literal("日本", lang="ja")) in g
    assert (JAPAN, RDF.type, AKG.State) in g
    assert (JAPAN, ORG.memberOf, AKR["us-japan-alliance"]) in g
    assert (AKR["scc-2024-07-28"], AKG.participant, JAPAN) in g
    # nothing else in subject position but the resource, for outgoing, or things that link to it
    for s, _p, o in g:
        assert s == JAPAN or o == JAPAN or isinstance(s, rdflib.BNode)


def test_no_accept_gets_turtle(ro_server: Server) -> None:
    r = requests.get(ro_server.url + "/resource/japan", allow_redirects=False, timeout=30,
                     headers={"Accept": "*/*"})
    assert r.status_code == 303
    assert r.headers["Location"].endswith(".ttl")


def test_browser_accept_gets_the_page(ro_server: Server) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = get(ro_server, "/resource/japan", accept)
    assert r.status_code == 303
    assert r.headers["Location"] == "/page/resource/japan"


def test_data_without_extension_negotiates_with_content_location(ro_server: Server) -> None:
    r = get(ro_server, "/data/resource/japan", "application/n-triples")
    assert r.status_code == 200
    assert r.headers["Content-Location"] == "/data/resource/japan.nt"
    assert "Accept" in r.headers["Vary"]
    g = rdflib.Graph().parse(data=r.text, format="nt")
    assert (JAPAN, RDF.type, AKG.State) in g


def test_format_parameter_wins(ro_server: Server) -> None:
    r = get(ro_server, "/resource/japan?format=jsonld", "text/turtle")
    assert r.status_code == 303
    assert r.headers["Location"] == "/data/resource/japan.jsonld"
    r = get(ro_server, "/resource/japan?format=html", "text/turtle")
    assert r.headers["Location"] == "/page/resource/japan"


def test_jsonld_uses_our_context(ro_server: Server) -> None:
    doc = follow(ro_server, "/resource/joint-force-headquarters-japan", "application/ld+json")
    data = doc.json()
    context = data["@context"]
    assert context["reportsTo"] == {"@id": "akg:reportsTo", "@type": "@id"}
    # compacted: the short term is used as a key
    nodes = data.get("@graph", [data])
    jfhq = next(n for n in nodes if n.get("@id") in ("akr:joint-force-headquarters-japan",
                                                     str(JFHQ)))
    assert "reportsTo" in jfhq
    g = rdflib.Graph().parse(data=doc.content, format="json-ld")
    assert (JFHQ, AKG.reportsTo, INDOPACOM) in g


def test_ontology_term_and_vocabulary_concept(ro_server: Server) -> None:
    doc = follow(ro_server, "/ontology/reportsTo", "text/turtle")
    g = rdflib.Graph().parse(data=doc.text, format="turtle")
    assert (AKG.reportsTo, RDF.type, rdflib.OWL.ObjectProperty) in g
    doc = follow(ro_server, "/vocab/planned", "text/turtle")
    g = rdflib.Graph().parse(data=doc.text, format="turtle")
    assert any(p == AKG.status for _s, p, _o in g)


def test_head_answers_like_get_without_a_body(ro_server: Server) -> None:
    h = requests.head(ro_server.url + "/resource/japan", headers={"Accept": "text/turtle"},
                      allow_redirects=False, timeout=30)
    assert h.status_code == 303
    assert h.headers["Location"] == "/data/resource/japan.ttl"
    h = requests.head(ro_server.url + "/page/resource/japan", timeout=30)
    assert h.status_code == 200
    assert h.headers["Content-Type"].startswith("text/html")
    assert h.content == b""
    h = requests.head(ro_server.url + "/resource/no-such-thing", timeout=30)
    assert h.status_code == 404


# -- errors -------------------------------------------------------------------------------------


def test_unknown_iri_is_404_with_near_matches_for_people(ro_server: Server) -> None:
    r = get(ro_server, "/resource/japn", "text/html")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/html")
    assert "/page/resource/japan" in Page(r.text).hrefs()
    r = get(ro_server, "/resource/japn", "text/turtle")
    assert r.status_code == 404
    assert "japn" in r.text
    assert get(ro_server, "/page/resource/japn").status_code == 404
    assert get(ro_server, "/data/resource/japn.ttl").status_code == 404


@pytest.mark.parametrize("path", ["/resource/a%3Eb", "/resource/%7Bx%7D", "/resource/a%22b",
                                  "/resource/%20", "/data/resource/a%3Eb.ttl",
                                  "/page/nowhere/japan", "/data/resource"])
def test_paths_that_cannot_be_our_iris_are_404_not_500(ro_server: Server, path: str) -> None:
    r = get(ro_server, path, "text/turtle")
    assert r.status_code == 404, r.text


def test_unacceptable_format_is_406(ro_server: Server) -> None:
    r = get(ro_server, "/resource/japan", "image/png")
    assert r.status_code == 406
    assert "text/turtle" in r.text
    assert get(ro_server, "/data/resource/japan", "application/sparql-results+json") \
        .status_code == 406


# -- the HTML page ----------------------------------------------------------------------------


def test_page_has_labels_in_english_and_japanese(japan_page: str) -> None:
    page = Page(japan_page)
    assert "Japan" in page.lang_text["en"]
    assert "日本" in page.lang_text["ja"]


def test_page_marks_inferred_statements_and_explains_the_mark(japan_page: str) -> None:
    # akr:japan org:memberOf akr:us-japan-alliance is only in the inferred graph
    table = japan_page.split('id="h-out"', 1)[1].split("</table>", 1)[0]
    rows = [row for row in table.split("<tr") if "/page/resource/us-japan-alliance" in row]
    assert any('class="inferred"' in row and "badge inferred" in row for row in rows)
    assert 'id="h-legend"' in japan_page
    assert "OWL 2 RL" in japan_page


def test_page_links_ours_inside_and_others_out(japan_page: str) -> None:
    page = Page(japan_page)
    hrefs = page.hrefs()
    assert "/page/resource/scc-2024-07-28" in hrefs  # incoming link
    assert "/page/ontology/State" in hrefs  # type
    external = [a for a in page.links if "external" in a.get("class", "").split()]
    assert external and all(a["href"].startswith("http") for a in external)
    assert page.alternates["text/turtle"] == "/data/resource/japan.ttl"
    assert page.alternates["application/ld+json"] == "/data/resource/japan.jsonld"


def test_page_links_out_where_aligned(ro_server: Server, japan_page: str) -> None:
    rows = select(ro_server, """PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?t WHERE { akr:japan owl:sameAs|skos:exactMatch|skos:closeMatch ?t
                          FILTER(STRSTARTS(STR(?t), "http://www.wikidata.org/")) }""")
    if not rows:
        pytest.skip("no alignment links in this build (the rw-server test covers link-outs)")
    assert {r["t"] for r in rows} <= Page(japan_page).hrefs()


def test_link_out_to_wikidata_from_an_inserted_alignment(rw_server: Server) -> None:
    target = "http://www.wikidata.org/entity/Q17"
    triple = f"akr:Japan <http://www.w3.org/2002/07/owl#sameAs> <{target}> ."
    assert update(rw_server, PREFIX + f"INSERT DATA {{ {triple} }}").status_code == 204
    try:
        r = follow(rw_server, "/resource/Japan", "text/html")
        links = [a for a in Page(r.text).links if a.get("href") == target]
        assert links and "linkout" in links[0]["class"]
        assert "Wikidata" in r.text
    finally:
        assert update(rw_server, PREFIX + f"DELETE DATA {{ {triple} }}").status_code == 204


def test_page_quotes_the_source_sentence_of_a_statement(ro_server: Server) -> None:
    rows = select(ro_server, """SELECT ?s ?q WHERE {
        GRAPH ?s { akr:joint-force-headquarters-japan akg:reportsTo
                   akr:united-states-indo-pacific-command }
        ?s akg:quote ?q }""")
    assert rows
    page = follow(ro_server, "/resource/joint-force-headquarters-japan", "text/html").text
    for row in rows:
        assert html.escape(row["q"], quote=False) in page
        assert f'cite="{row["s"]}"' in page
    # the statement's row points at the footnote with the quote
    table = page.split('id="h-out"', 1)[1].split("</table>", 1)[0]
    row = next(r for r in table.split("<tr") if "/page/resource/united-states-indo-pacific-"
               "command" in r and "/page/ontology/reportsTo\"" in r)
    assert 'class="src src-sentence"' in row


def test_claims_are_shown_as_claims(ro_server: Server) -> None:
    page = follow(ro_server, "/resource/claim-s04-most-notable-change", "text/html").text
    assert "A claim, not a fact" in page
    assert "/page/resource/sebastian-maslow" in Page(page).hrefs()
    # and on the page of what it is about, with its author
    about = follow(ro_server, "/resource/usfj-upgrade-2024", "text/html").text
    assert "Claims about this" in about
    assert "/page/resource/claim-s04-most-notable-change" in Page(about).hrefs()


def test_sentence_page_lists_what_the_sentence_states(ro_server: Server) -> None:
    page = follow(ro_server, "/resource/article-maslow-2024-s11", "text/html").text
    assert "Statements in this graph" in page
    assert "/page/resource/joint-force-headquarters-japan" in Page(page).hrefs()


def test_graph_iri_dereferences(ro_server: Server) -> None:
    r = follow(ro_server, "/graph/inferred", "text/html")
    assert "Statements in this graph" in r.text


def test_markup_in_the_data_is_escaped(rw_server: Server) -> None:
    evil = "<script>alert('x')</script><b>bold</b>"
    triple = f'akr:Japan <http://www.w3.org/2000/01/rdf-schema#comment> "{evil}"@en .'
    assert update(rw_server, PREFIX + f"INSERT DATA {{ {triple} }}").status_code == 204
    try:
        page = follow(rw_server, "/resource/Japan", "text/html").text
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert" in page
        assert "<b>bold</b>" not in page
    finally:
        assert update(rw_server, PREFIX + f"DELETE DATA {{ {triple} }}").status_code == 204


def test_page_follows_the_store(rw_server: Server) -> None:
    """A write through the service shows on the next page (no stale cache)."""
    triple = 'akr:Japan <http://www.w3.org/2004/02/skos/core#altLabel> "Nippon-test"@en .'
    before = follow(rw_server, "/resource/Japan", "text/html").text
    assert "Nippon-test" not in before
    assert update(rw_server, PREFIX + f"INSERT DATA {{ {triple} }}").status_code == 204
    try:
        assert "Nippon-test" in follow(rw_server, "/resource/Japan", "text/html").text
    finally:
        assert update(rw_server, PREFIX + f"DELETE DATA {{ {triple} }}").status_code == 204


def test_conditional_get_on_documents(ro_server: Server) -> None:
    r = get(ro_server, "/data/resource/japan.ttl")
    etag = r.headers["ETag"]
    again = requests.get(ro_server.url + "/data/resource/japan.ttl", timeout=30,
                         headers={"If-None-Match": etag})
    assert again.status_code == 304
