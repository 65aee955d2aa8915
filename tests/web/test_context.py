"""The JSON-LD context: generated from the ontology, checked in, served, used.

The shipped ``ontology/context.jsonld`` must be exactly what the generator makes of the
ontology now (so a new term cannot be forgotten), must name every class and property of the
ontology, and must round-trip: JSON-LD written with it parses back to the same triples.
"""

from __future__ import annotations

import json
from pathlib import Path

import rdflib
import requests
from rdflib.namespace import OWL, RDF

from alliance_kg.web.ldcontext import CONTEXT_FILE, build_context, ontology_graph, render

from .conftest import Server

AKG = "https://w3id.org/alliance-kg/ontology/"


def shipped(root: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((root / CONTEXT_FILE).read_text(encoding="utf-8"))
    return data


def test_shipped_context_is_what_the_ontology_gives(project_root: Path) -> None:
    expected = render(build_context(ontology_graph(project_root)))
    assert (project_root / CONTEXT_FILE).read_text(encoding="utf-8") == expected, \
        "ontology/context.jsonld is stale: run python -m alliance_kg.web.ldcontext"


def test_every_class_and_property_has_a_term(project_root: Path) -> None:
    onto = rdflib.Graph()
    for path in sorted((project_root / "ontology").glob("*.ttl")):
        onto.parse(path)
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    terms = {str(s) for k in kinds for s in onto.subjects(RDF.type, k)
             if str(s).startswith(AKG) and str(s) != AKG}
    assert len(terms) > 80
    context = shipped(project_root)["@context"]
    assert isinstance(context, dict)
    expanded = {}
    for key, value in context.items():
        iri = value if isinstance(value, str) else value["@id"]
        if iri.startswith("akg:"):
            expanded[iri[4:]] = (key, value)
    for term in sorted(terms):
        local = term[len(AKG):]
        assert local in expanded, f"no context term for akg:{local}"
        key, value = expanded[local]
        assert key == local
        if (rdflib.URIRef(term), RDF.type, OWL.ObjectProperty) in onto:
            assert value == {"@id": f"akg:{local}", "@type": "@id"}


def test_context_round_trips(project_root: Path) -> None:
    context = shipped(project_root)["@context"]
    g = rdflib.Graph()
    akg, akr = rdflib.Namespace(AKG), rdflib.Namespace("https://w3id.org/alliance-kg/resource/")
    g.add((akr.jfhq, akg.reportsTo, akr.indopacom))
    g.add((akr.jfhq, RDF.type, akg.JointForceHeadquarters))
    g.add((akr.c, akg.personnelStrength, rdflib.Literal(55000)))
    text = g.serialize(format="json-ld", context=context, auto_compact=True)
    doc = json.loads(text)
    nodes = doc.get("@graph", [doc])
    assert any(n.get("reportsTo") == "akr:indopacom" for n in nodes)
    back = rdflib.Graph().parse(data=text, format="json-ld")
    assert set(back) == set(g)


def test_context_is_served(ro_server: Server, project_root: Path) -> None:
    r = requests.get(ro_server.url + "/ontology/context.jsonld", timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == "application/ld+json"
    assert r.json() == shipped(project_root)
    again = requests.get(ro_server.url + "/ontology/context.jsonld", timeout=30,
                         headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    # HEAD too, and the context is not mistaken for an ontology term
    h = requests.head(ro_server.url + "/ontology/context.jsonld", timeout=30)
    assert h.status_code == 200
