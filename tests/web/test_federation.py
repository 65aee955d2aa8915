"""Federation and merged sources, through a really running service.

``SERVICE`` calls a second SPARQL endpoint started here (a real ``oxigraph serve`` on
127.0.0.1, never a remote host) when it is on the allowlist, and is refused with a 403 naming
the endpoint otherwise. The suite runs on every store backend (``--store``): the embedded
Oxigraph and rdflib engines call the endpoint themselves, the remote backend's server does.

A source merged with ``alliance-kg merge`` beside the dataset is served as its own named graph.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from oxigraph_server import OxigraphServer, start_oxigraph

from alliance_kg.knowledge.load import load_files
from alliance_kg.knowledge.merge import merge, merged_path, source_graph

from .conftest import FIXTURE, Server, start_server, stop_server

EXTERNAL = Path(__file__).resolve().parents[1] / "knowledge" / "fixtures" / "external"
WIKIDATA = EXTERNAL / "wikidata-excerpt.ttl"
JSON = {"Accept": "application/sparql-results+json"}


@dataclass
class Federation:
    server: Server
    endpoint: OxigraphServer


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory,
               pytestconfig: pytest.Config) -> Iterator[Federation]:
    tmp = tmp_path_factory.mktemp("federation")
    endpoint_dir = tmp / "endpoint"
    endpoint_dir.mkdir()
    endpoint = start_oxigraph(endpoint_dir)
    requests.post(endpoint.update_url, timeout=10,
                  headers={"Content-Type": "application/sparql-update"},
                  data='INSERT DATA { <https://w3id.org/alliance-kg/resource/Japan> '
                       '<http://example.org/motto> "from the other endpoint" }'
                  ).raise_for_status()
    # the served dataset, with a source merged beside it as `alliance-kg merge` leaves it
    dataset = tmp / "dist" / "alliance-kg.trig"
    dataset.parent.mkdir()
    shutil.copy(FIXTURE, dataset)
    merge(load_files([dataset]), merged_path(dataset), [str(WIKIDATA)])
    server = start_server(tmp, "federation", dataset=str(dataset),
                          service_allowlist=[endpoint.query_url],
                          store=pytestconfig.getoption("store"))
    yield Federation(server, endpoint)
    stop_server(server)
    endpoint.stop()


def select(server: Server, query: str) -> requests.Response:
    return requests.post(server.sparql, data={"query": query}, headers=JSON, timeout=30)


def test_service_to_an_allowed_endpoint_is_executed(federation: Federation) -> None:
    r = select(federation.server, f"""
        SELECT ?motto WHERE {{
          SERVICE <{federation.endpoint.query_url}> {{
            akr:Japan <http://example.org/motto> ?motto }}
        }}""")
    assert r.status_code == 200, r.text
    rows = r.json()["results"]["bindings"]
    assert [row["motto"]["value"] for row in rows] == ["from the other endpoint"]


def test_service_joins_remote_answers_with_local_data(federation: Federation) -> None:
    r = select(federation.server, f"""
        SELECT ?thing ?alliance WHERE {{
          SERVICE <{federation.endpoint.query_url}> {{ ?thing <http://example.org/motto> ?m }}
          ?thing akg:memberOf ?alliance
        }}""")
    assert r.status_code == 200, r.text
    rows = [(b["thing"]["value"], b["alliance"]["value"]) for b in r.json()["results"]["bindings"]]
    assert rows == [("https://w3id.org/alliance-kg/resource/Japan",
                     "https://w3id.org/alliance-kg/resource/USJapanAlliance")]


def test_service_outside_the_allowlist_is_refused_with_403(federation: Federation) -> None:
    other = federation.endpoint.base_url + "/other"
    for query in (f"SELECT * WHERE {{ SERVICE <{other}> {{ ?s ?p ?o }} }}",
                  f"SELECT * WHERE {{ SERVICE SILENT <{other}> {{ ?s ?p ?o }} }}",
                  "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
                  f"SELECT * WHERE {{ SERVICE <{federation.endpoint.query_url}> {{ ?s ?p ?o }}"
                  f" SERVICE <{other}> {{ ?s ?p ?o }} }}"):
        r = select(federation.server, query)
        assert r.status_code == 403, (query, r.status_code, r.text)
        assert "allowlist" in r.text, r.text


def test_a_merged_source_is_queryable_as_its_own_named_graph(federation: Federation) -> None:
    graph = source_graph(str(WIKIDATA))
    r = select(federation.server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> "
                                  "{ ?s ?p ?o } }")
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"][0]["n"]["value"] == "36"
    r = select(federation.server, f"""
        SELECT ?triples WHERE {{
          GRAPH akgraph:catalogue {{ <{graph}> void:triples ?triples }} }}""")
    assert [b["triples"]["value"] for b in r.json()["results"]["bindings"]] == ["36"]
    r = requests.get(federation.server.store, params={"graph": graph},
                     headers={"Accept": "application/n-triples"}, timeout=30)
    assert r.status_code == 200
    assert "<http://www.wikidata.org/prop/direct/P463> <http://www.wikidata.org/entity/Q7184>" \
        in r.text
