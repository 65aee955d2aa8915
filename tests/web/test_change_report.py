"""The change report a write gives when asked (``Prefer: return=representation``): asserted
triples added/removed and inferred triples that appeared/disappeared, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from .conftest import TOKEN, Server, restore_fixture

PROLOGUE = ("PREFIX akg: <https://w3id.org/alliance-kg/ontology/>\n"
            "PREFIX akr: <https://w3id.org/alliance-kg/resource/>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
PREFER = {"Authorization": f"Bearer {TOKEN}", "Prefer": "return=representation"}
NEW = "<https://w3id.org/alliance-kg/resource/Fiji>"


@pytest.fixture
def rw(rw_server: Server) -> Iterator[Server]:
    restore_fixture(rw_server)
    yield rw_server
    restore_fixture(rw_server)


def test_an_insert_reports_what_it_asserted_and_what_followed(rw: Server) -> None:
    r = requests.post(rw.sparql, headers=PREFER, timeout=30, data={"update": PROLOGUE + (
        f'INSERT DATA {{ {NEW} a akg:State ; rdfs:label "Fiji"@en ; '
        "akg:memberOf akr:Quad }")})
    assert r.status_code == 200, r.text
    assert r.headers["Preference-Applied"] == "return=representation"
    report = r.json()
    assert report["asserted"]["added"] == 3 and report["asserted"]["removed"] == 0
    appeared = set(report["inferred"]["triples"]["appeared"])
    actor = "<https://w3id.org/alliance-kg/ontology/Actor>"
    assert f"{NEW} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> {actor}" in appeared
    assert report["inferred"]["disappeared"] == 0

    r = requests.post(rw.sparql, headers=PREFER, timeout=30, data={
        "update": PROLOGUE + f"DELETE WHERE {{ {NEW} ?p ?o }}"})
    report = r.json()
    assert report["asserted"]["removed"] == 3
    assert set(report["inferred"]["triples"]["disappeared"]) == appeared


def test_without_the_preference_a_write_is_204(rw: Server) -> None:
    r = requests.post(rw.sparql, timeout=30, headers={"Authorization": f"Bearer {TOKEN}"},
                      data={"update": PROLOGUE + f"INSERT DATA {{ {NEW} rdfs:label 'x'@en }}"})
    assert r.status_code == 204 and not r.content


def test_a_graph_store_put_reports_its_graph(rw: Server) -> None:
    r = requests.put(rw.store, params={"graph": "urn:report:g"}, timeout=30,
                     data="<urn:a> <urn:b> <urn:c> .",
                     headers={**PREFER, "Content-Type": "application/n-triples"})
    assert r.status_code == 200, r.text
    assert r.json()["graphs"]["urn:report:g"] == {"added": 1, "removed": 0, "created": True,
                                                  "dropped": False}
