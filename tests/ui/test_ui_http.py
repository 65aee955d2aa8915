"""The query UI's page and JSON documents, and the ontology documentation, over HTTP."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import rdflib
import requests

from alliance_kg.knowledge.ontodoc import render
from alliance_kg.namespaces import PREFIXES

ROOT = Path(__file__).resolve().parents[2]


def test_prefixes_are_the_namespace_table_in_order(ui_server: Any) -> None:
    r = requests.get(ui_server.url + "/api/prefixes", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    assert list(r.json().items()) == list(PREFIXES.items())


def test_examples_are_the_competency_questions(ui_server: Any) -> None:
    r = requests.get(ui_server.url + "/api/examples", timeout=10)
    assert r.status_code == 200
    examples = r.json()
    files = sorted((ROOT / "queries").glob("*.rq"))
    assert [e["id"] for e in examples] == [p.stem for p in files]
    for e, path in zip(examples, files, strict=True):
        text = path.read_text(encoding="utf-8")
        assert e["query"] == text
        question = re.search(r"^# Question: (.+)$", text, re.M)
        assert question and e["title"] == question.group(1).strip()
        assert e["needs"] in ("asserted", "inference")


def test_every_example_runs_on_the_endpoint(ui_server: Any) -> None:
    """What a click in the UI sends: the .rq text as is, POSTed to /sparql."""
    for e in requests.get(ui_server.url + "/api/examples", timeout=10).json():
        r = requests.post(ui_server.sparql, data={"query": e["query"]}, timeout=30,
                          headers={"Accept": "application/sparql-results+json,text/turtle"})
        assert r.status_code == 200, (e["id"], r.text[:300])


def test_page_has_no_inline_script_and_no_outside_url(ui_server: Any) -> None:
    r = requests.get(ui_server.url + "/", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    html = r.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http:", "https:", "//")), url
    csp = r.headers["Content-Security-Policy"]
    script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert script.split()[1:] == ["'self'"]
    # the page works without a CDN: every asset it names is served here
    for url in re.findall(r'(?:src|href)="(/ui/static/[^"]+)"', html):
        assert requests.get(ui_server.url + url, timeout=10).status_code == 200, url


def test_bundle_fetches_nothing_from_outside_by_itself() -> None:
    """No web fonts or remote stylesheets in the CSS; the JS's only look-ups (prefix.cc, LOV)
    are switched off by app.js (the browser test checks no request leaves)."""
    from alliance_kg.web.ui import assets_built

    vendor = ROOT / "service" / "alliance_kg" / "web" / "static" / "ui" / "vendor"
    if not assets_built():
        return
    css = (vendor / "yasgui.min.css").read_text(encoding="utf-8")
    assert "@import" not in css and not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    app = (ROOT / "service" / "alliance_kg" / "web" / "static" / "ui" / "app.js").read_text()
    assert "prefixCcApi = null" in app and "akg-class" in app and "akg-property" in app


def test_ontology_iri_negotiates_html_and_turtle(ui_server: Any) -> None:
    html = requests.get(ui_server.url + "/ontology", headers={"Accept": "text/html"}, timeout=10)
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    assert "Accept" in html.headers["Vary"]
    for term in ("Alliance", "MilitaryCommand", "reportsTo"):
        assert f'id="{term}"' in html.text
    # no inline script: the search box's one script comes from this server
    scripts = re.findall(r"<script[^>]*>", html.text)
    assert scripts == ['<script src="/static/search.js" defer>'], scripts
    assert 'action="/search"' in html.text
    csp = html.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "style-src 'sha256-" in csp
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    ttl = requests.get(ui_server.url + "/ontology", headers={"Accept": "text/turtle"}, timeout=10)
    assert ttl.status_code == 200 and ttl.headers["Content-Type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=ttl.text, format="turtle")
    assert (rdflib.URIRef("https://w3id.org/alliance-kg/ontology"), rdflib.RDF.type,
            rdflib.OWL.Ontology) in g
    plain = requests.get(ui_server.url + "/ontology", timeout=10)
    assert plain.headers["Content-Type"].startswith("text/turtle")  # */* gets data
    jsonld = requests.get(ui_server.url + "/ontology?format=jsonld", timeout=10)
    assert jsonld.status_code == 200 and json.loads(jsonld.text)
    none = requests.get(ui_server.url + "/ontology", headers={"Accept": "image/png"}, timeout=10)
    assert none.status_code == 406


def test_ontology_page_links_our_iris_to_this_servers_pages(ui_server: Any) -> None:
    html = requests.get(ui_server.url + "/ontology?format=html", timeout=10).text
    assert 'href="#SecurityArrangement"' in html  # in-page links between terms
    assert 'href="/page/ontology/Alliance"' in html  # the term's own resource page
    assert 'href="/ontology?format=turtle"' in html


def test_build_writes_the_same_page_deterministically() -> None:
    g = rdflib.Graph()
    for f in sorted((ROOT / "ontology").glob("*.ttl")):
        g.parse(f)
    first = render(g)
    shuffled = rdflib.Graph()
    for t in sorted(g, key=lambda t: str(t[::-1])):  # other insertion order, same triples
        shuffled.add(t)
    assert render(shuffled) == first
    assert 'id="Alliance"' in first and 'href="https://w3id.org/alliance-kg/ontology/Alliance"' \
        in first
