"""Merging into a running service: ``/merge`` and ``alliance-kg merge --service``, over HTTP.

The issue's "done when", without a restart: merge the shipped Wikidata-style fixture into a
really running service (serve in a subprocess, on every store backend: ``--store``), ask
the endpoint a question that needs both graphs (empty before, answered after), read the merge
report with its conflicts naming both sources. Also: re-merging replaces, a token scoped to a
source's graph merges that source and nothing else, a read-only server refuses, bad input is a
4xx with its position and leaves the store exactly as it was, and the command line reaches the
same endpoint with the exit codes of a local merge.

The numbered tests are one user's session on one server, in order: each starts from the state
the previous one left (``pytest -k`` on one of them alone is not meaningful).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from alliance_kg.knowledge.merge import source_graph

from .conftest import (
    TOKEN,
    Server,
    built_dataset,
    dump,
    free_port,
    select,
    start_server,
    stop_server,
)

EXTERNAL = Path(__file__).resolve().parents[1] / "knowledge" / "fixtures" / "external"
WIKIDATA = EXTERNAL / "wikidata-excerpt.ttl"
DBPEDIA = EXTERNAL / "dbpedia-excerpt.nt"
RESEARCH = EXTERNAL / "research-group.jsonld"
WIKIDATA_GRAPH = source_graph(str(WIKIDATA))
DBPEDIA_GRAPH = source_graph(str(DBPEDIA))
RESEARCH_GRAPH = source_graph(str(RESEARCH))
CATALOGUE = "https://w3id.org/alliance-kg/graph/catalogue"
JOINED = "https://w3id.org/alliance-kg/graph/joined"
US = "https://w3id.org/alliance-kg/resource/united-states"
#: a token that may write the Wikidata source's graph, and nothing else
SCOPED = "wikidata-only-5d1c7a"

#: Japan's partners that are NATO members: partners are ours, memberships Wikidata's
NATO_PARTNERS = """SELECT DISTINCT ?partner WHERE {
  ?arrangement akg:hasParty akr:japan, ?partner . FILTER(?partner != akr:japan)
  ?partner skos:exactMatch ?item .
  GRAPH ?source { ?item wdt:P463 wd:Q7184 } }"""
#: the same through the joined graph, where Wikidata's IRIs are already ours
NATO_PARTNERS_JOINED = """SELECT DISTINCT ?partner WHERE {
  ?arrangement akg:hasParty akr:japan, ?partner .
  GRAPH akgraph:joined { ?partner wdt:P463 akr:nato } }"""
CATALOGUED = """PREFIX spdx: <http://spdx.org/rdf/terms#>
SELECT ?g ?triples ?sum WHERE { GRAPH akgraph:catalogue {
  ?g a void:Dataset ; void:triples ?triples ; spdx:checksum/spdx:checksumValue ?sum } }
  ORDER BY ?g"""


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory,
        pytestconfig: pytest.Config) -> Iterator[Server]:
    """A writable service on a copy of the built dataset (nothing merged beside it)."""
    tmp = tmp_path_factory.mktemp("merge-http")
    built = built_dataset()
    assert built is not None, "the real dataset does not build"
    dataset = tmp / "dist" / "alliance-kg.trig"
    dataset.parent.mkdir()
    shutil.copy(built, dataset)
    tokens = tmp / "tokens.toml"
    tokens.write_text(f'[[tokens]]\nname = "wikidata-merge"\ntoken = "{SCOPED}"\n'
                      f'graphs = ["{WIKIDATA_GRAPH}"]\n')
    server = start_server(tmp, "merge", dataset=str(dataset), allow_update=True, token=TOKEN,
                          tokens_file=str(tokens), query_timeout=10.0,
                          store=pytestconfig.getoption("store"))
    yield server
    stop_server(server)


def post(server: Server, path: Path, graph: str | None = None, *, token: str = TOKEN,
         accept: str = "application/json", compress: bool = False,
         **params: str) -> requests.Response:
    data = path.read_bytes()
    media = {".ttl": "text/turtle", ".nt": "application/n-triples",
             ".jsonld": "application/ld+json"}[path.suffix]
    headers = {"Content-Type": media, "Accept": accept, "Authorization": f"Bearer {token}"}
    if compress:
        data = gzip.compress(data, mtime=0)
        headers["Content-Encoding"] = "gzip"
    query = {"source": path.name, **params}
    if graph is not None:
        query["graph"] = graph
    return requests.post(srv_url(server), params=query, data=data, headers=headers, timeout=120)


def srv_url(server: Server) -> str:
    return f"{server.url}/merge"


def partners(server: Server, query: str) -> set[str]:
    return {row["partner"] for row in select(server, query)}


def counts(server: Server, *graphs: str) -> dict[str, int]:
    out = {}
    for g in graphs:
        rows = select(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
        out[g] = int(rows[0]["n"])
    return out


def test_1_merge_then_a_question_needing_both_graphs_is_answered_without_restart(
        srv: Server) -> None:
    assert partners(srv, NATO_PARTNERS) == set()
    assert partners(srv, NATO_PARTNERS_JOINED) == set()
    r = post(srv, WIKIDATA, WIKIDATA_GRAPH, compress=True)
    assert r.status_code == 201, r.text
    location = r.headers["Location"]
    assert location == f"{srv.url}/rdf-graph-store?graph={quote(WIKIDATA_GRAPH, safe='')}"
    report = r.json()
    source = report["sources"][0]
    assert (source["graph"], source["source"], source["triples"], source["replaced"]) == \
        (WIKIDATA_GRAPH, "wikidata-excerpt.ttl", 36, False)
    # the checksum of the bytes sent (gzip), as a local merge of a .gz file records
    sent = gzip.compress(WIKIDATA.read_bytes(), mtime=0)
    assert source["sha256"] == hashlib.sha256(sent).hexdigest()
    assert {"entity": US, "external": "http://www.wikidata.org/entity/Q30",
            "source": WIKIDATA_GRAPH, "via": "skos:exactMatch in alliance-kg"} in report["joined"]
    assert report["validation"]["conforms"] is True
    # the same process answers, through /sparql, what needs both graphs
    assert partners(srv, NATO_PARTNERS) == {US}
    assert partners(srv, NATO_PARTNERS_JOINED) == {US}
    rows = select(srv, CATALOGUED)
    assert [(row["g"], row["triples"]) for row in rows] == [(WIKIDATA_GRAPH, "36")]
    assert "Q7184" in requests.get(srv.store, params={"graph": WIKIDATA_GRAPH}, timeout=30,
                                   headers={"Accept": "application/n-triples"}).text


def test_2_a_token_scoped_to_the_source_re_merges_it_and_the_merge_replaces(
        srv: Server) -> None:
    graphs = (WIKIDATA_GRAPH, CATALOGUE, JOINED)
    before, total = counts(srv, *graphs), len(dump(srv))
    # the scoped token may write only WIKIDATA_GRAPH, yet the catalogue and the joined graph
    # change too: the server writes them on its behalf
    r = post(srv, WIKIDATA, WIKIDATA_GRAPH, token=SCOPED, accept="text/plain")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain")
    assert r.text.startswith(f"replaced wikidata-excerpt.ttl into <{WIKIDATA_GRAPH}>: 36 "
                             "triples (turtle, sha256 ")
    assert "akr:united-states = wd:Q30" in r.text
    assert counts(srv, *graphs) == before
    assert len(dump(srv)) == total
    rows = select(srv, CATALOGUED)
    assert [(row["g"], row["sum"]) for row in rows] == [
        (WIKIDATA_GRAPH, hashlib.sha256(WIKIDATA.read_bytes()).hexdigest())]
    assert partners(srv, NATO_PARTNERS) == {US}


def test_3_a_scoped_token_merges_nothing_else(srv: Server) -> None:
    before = dump(srv)
    r = post(srv, DBPEDIA, DBPEDIA_GRAPH, token=SCOPED)
    assert r.status_code == 403, r.text
    assert 'error="insufficient_scope"' in r.headers["WWW-Authenticate"]
    assert DBPEDIA_GRAPH in r.json()["message"]
    # named by its file name only: the graph it would go into is still checked
    r = post(srv, DBPEDIA, token=SCOPED)
    assert r.status_code == 403, r.text
    r = requests.delete(srv_url(srv), params={"graph": DBPEDIA_GRAPH}, timeout=30,
                        headers={"Authorization": f"Bearer {SCOPED}"})
    assert r.status_code == 403, r.text
    # what the server writes on a merge's behalf, the token cannot write itself
    for graph in (CATALOGUE, JOINED):
        r = requests.put(srv.store, params={"graph": graph}, data=b"<urn:a> <urn:b> <urn:c> .",
                         headers={"Content-Type": "application/n-triples",
                                  "Authorization": f"Bearer {SCOPED}"}, timeout=30)
        assert r.status_code == 403, (graph, r.text)
    assert post(srv, DBPEDIA, DBPEDIA_GRAPH, token="not-a-token").status_code == 401
    r = requests.post(srv_url(srv), params={"graph": DBPEDIA_GRAPH},
                      data=DBPEDIA.read_bytes(), timeout=30,
                      headers={"Content-Type": "application/n-triples"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert dump(srv) == before


def test_4_the_report_names_both_sources_of_each_conflict(srv: Server) -> None:
    r = post(srv, RESEARCH)  # the graph named after the file, as on the command line
    assert r.status_code == 201, r.text
    assert r.json()["sources"][0]["graph"] == RESEARCH_GRAPH
    r = post(srv, DBPEDIA, DBPEDIA_GRAPH)
    assert r.status_code == 201, r.text
    report: dict[str, Any] = r.json()
    conflicts = {(c["subject"], c["property"]): c["values"] for c in report["conflicts"]}
    quad = conflicts[("https://w3id.org/alliance-kg/resource/quad", "founding date")]
    assert [(v["value"], len(v["sources"])) for v in quad] == [("2007", 1), ("2017-11-12", 1)]
    assert quad[0]["sources"][0].startswith(f"<{DBPEDIA_GRAPH}> (dbpedia-excerpt.nt)")
    # merged by an earlier request: named by its graph and, from the catalogue, its source
    assert quad[1]["sources"] == [f"<{RESEARCH_GRAPH}> (research-group.jsonld)"]
    rank = conflicts[("https://w3id.org/alliance-kg/resource/jfhq-commander", "required rank")]
    assert [v["value"] for v in rank] == ["akv:four-star", "akv:three-star"]
    assert rank[1]["sources"] == ["alliance-kg"]
    assert report["validation"]["conforms"] is False  # the rank conflict violates PostShape
    assert set(report["graphs"]) == {WIKIDATA_GRAPH, DBPEDIA_GRAPH, RESEARCH_GRAPH, JOINED}
    # the same report for people
    text = requests.post(srv_url(srv), params={"graph": DBPEDIA_GRAPH, "source": DBPEDIA.name},
                         data=DBPEDIA.read_bytes(), timeout=120,
                         headers={"Content-Type": "application/n-triples", "Accept": "text/plain",
                                  **srv.auth()})
    assert text.status_code == 200, text.text
    assert "conflicts: 2" in text.text and "akr:quad founding date:" in text.text
    assert "2007  from <https://w3id.org/alliance-kg/graph/source/dbpedia-excerpt> " \
           "(dbpedia-excerpt.nt)" in text.text


def test_5_strict_refuses_with_the_report_and_writes_nothing(srv: Server) -> None:
    before = dump(srv)
    r = post(srv, DBPEDIA, DBPEDIA_GRAPH, strict="true")
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == "conflict" and "--strict" in body["message"]
    assert {c["property"] for c in body["report"]["conflicts"]} == {"founding date",
                                                                    "required rank"}
    assert "akr:quad founding date" in body["detail"]
    assert dump(srv) == before


def test_6_bad_input_is_a_4xx_with_its_position_and_changes_nothing(srv: Server) -> None:
    before = dump(srv)
    auth = srv.auth()
    bad = b"@prefix wd: <http://www.wikidata.org/entity/> .\nwd:Q17 wd:P31 wd:Q6256 ;\n" \
          b"    wd:P463 wd:Q7184 wd:Q1 .\n"

    def send(data: bytes, content_type: str | None = "text/turtle", accept: str =
             "application/json", **params: str) -> requests.Response:
        headers = {**auth, "Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        return requests.post(srv_url(srv), params={"graph": WIKIDATA_GRAPH, **params},
                             data=data, headers=headers, timeout=30)

    r = send(bad)
    assert r.status_code == 400, r.text
    error = r.json()
    assert error["error"] == "bad-input" and error["line"] == 3, error
    assert isinstance(error["column"], int) and error["column"] > 1
    # gzip-compressed, with Content-Encoding or only by its magic bytes: same position
    r = requests.post(srv_url(srv), params={"graph": WIKIDATA_GRAPH}, data=gzip.compress(bad),
                      headers={**auth, "Content-Type": "text/turtle",
                               "Content-Encoding": "gzip"}, timeout=30)
    assert r.status_code == 400 and "line 3, column" in r.text, r.text
    r = send(gzip.compress(bad))
    assert r.status_code == 400 and r.json()["line"] == 3, r.text
    r = requests.post(srv_url(srv), params={"graph": WIKIDATA_GRAPH}, data=b"\x1f\x8b\x08broken",
                      headers={**auth, "Content-Type": "text/turtle",
                               "Content-Encoding": "gzip"}, timeout=30)
    assert r.status_code == 400 and "gzip" in r.text, r.text
    r = send(b"", "text/turtle")
    assert r.status_code == 400 and "empty" in r.text
    r = send(WIKIDATA.read_bytes(), "image/png")
    assert r.status_code == 415, r.text
    r = send(WIKIDATA.read_bytes(), None)
    assert r.status_code == 415, r.text
    r = send(WIKIDATA.read_bytes(), accept="image/png")
    assert r.status_code == 406, r.text
    r = send(WIKIDATA.read_bytes(), graph="https://w3id.org/alliance-kg/graph/asserted")
    assert r.status_code == 400 and "own graphs" in r.text, r.text
    r = send(WIKIDATA.read_bytes(), graph="not an iri")
    assert r.status_code == 400, r.text
    # a graph holding other data (here a sentence graph of ours) is not taken over
    sentence = select(srv, """SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o }
        FILTER(STRSTARTS(STR(?g), STR(akr:))) } LIMIT 1""")[0]["g"]
    r = send(WIKIDATA.read_bytes(), graph=sentence)
    assert r.status_code == 409 and "not a merged source" in r.text, r.text
    r = requests.post(srv_url(srv), data=WIKIDATA.read_bytes(), timeout=30,
                      headers={**auth, "Content-Type": "text/turtle"})
    assert r.status_code == 400 and "graph" in r.text, r.text
    r = requests.delete(srv_url(srv), params={"graph": "https://example.org/never-merged"},
                        headers=auth, timeout=30)
    assert r.status_code == 404, r.text
    r = requests.get(srv_url(srv), timeout=30)
    assert r.status_code == 405
    assert dump(srv) == before


def test_7_delete_removes_the_source_and_joins_the_rest_again(srv: Server) -> None:
    r = requests.delete(srv_url(srv), params={"graph": WIKIDATA_GRAPH},
                        headers={**srv.auth(), "Accept": "application/json"}, timeout=120)
    assert r.status_code == 200, r.text
    assert WIKIDATA_GRAPH not in r.json()["graphs"]
    assert partners(srv, NATO_PARTNERS) == set()
    assert partners(srv, NATO_PARTNERS_JOINED) == set()
    assert [row["g"] for row in select(srv, CATALOGUED)] == [DBPEDIA_GRAPH, RESEARCH_GRAPH]
    assert counts(srv, WIKIDATA_GRAPH) == {WIKIDATA_GRAPH: 0}
    assert counts(srv, JOINED)[JOINED] > 0  # what DBpedia and the research group add


def test_read_only_server_refuses_a_merge(ro_server: Server) -> None:
    before = dump(ro_server)
    r = requests.post(ro_server.url + "/merge", params={"graph": WIKIDATA_GRAPH},
                      data=WIKIDATA.read_bytes(), timeout=30,
                      headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 403 and "read-only" in r.text, r.text
    assert requests.delete(ro_server.url + "/merge", params={"graph": WIKIDATA_GRAPH},
                           timeout=30).status_code == 403
    assert dump(ro_server) == before


# -- the command line ----------------------------------------------------------------------------


def cli(*args: str, token: str | None = None, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_KG_")}
    env["PYTHONWARNINGS"] = "ignore"
    if token is not None:
        env["ALLIANCE_KG_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "alliance_kg", "merge", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def test_8_the_command_line_merges_into_the_service(srv: Server, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(SCOPED + "\n")
    gz = tmp_path / "wikidata-excerpt.ttl.gz"
    gz.write_bytes(gzip.compress(WIKIDATA.read_bytes()))
    done = cli(str(gz), "--service", srv.url, "--token-file", str(token_file), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "akr:united-states = wd:Q30" in done.stdout
    assert f"merged {gz} into <{WIKIDATA_GRAPH}>" in done.stdout
    assert done.stderr.strip().endswith(f"on {srv.url}")
    assert partners(srv, NATO_PARTNERS) == {US}
    rows = {row["g"]: row["sum"] for row in select(srv, CATALOGUED)}
    assert rows[WIKIDATA_GRAPH] == hashlib.sha256(gz.read_bytes()).hexdigest()

    # --strict: the conflicts are on standard error, exit 1, nothing written
    before = dump(srv)
    strict = cli(str(DBPEDIA), "--service", srv.url, "--strict", token=TOKEN, cwd=tmp_path)
    assert strict.returncode == 1, strict.stderr
    assert "akr:quad founding date" in strict.stderr and "--strict" in strict.stderr
    # bad input: file:line:col as for a local merge, exit 2
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix wd: <http://www.wikidata.org/entity/> .\nwd:Q17 wd:P31 wd:Q6256 ;"
                   "\n    wd:P463 wd:Q7184 wd:Q1 .\n")
    wrong = cli(str(bad), "--service", srv.url, token=TOKEN, cwd=tmp_path)
    assert wrong.returncode == 2, wrong.stderr
    assert f"{bad}:3:" in wrong.stderr
    # a scoped token outside its graph, and no token: refused by the service, exit 3
    outside = cli(str(DBPEDIA), "--service", srv.url, "--token-file", str(token_file),
                  cwd=tmp_path)
    assert outside.returncode == 3 and "may not write" in outside.stderr, outside.stderr
    assert cli(str(DBPEDIA), "--service", srv.url, cwd=tmp_path).returncode == 3
    assert dump(srv) == before
    # nobody listening: exit 3
    away = cli(str(WIKIDATA), "--service", f"http://127.0.0.1:{free_port()}", token=TOKEN,
               cwd=tmp_path)
    assert away.returncode == 3 and "cannot reach" in away.stderr, away.stderr

    dropped = cli("--drop", WIKIDATA_GRAPH, "--service", srv.url, "--report", "json",
                  token=TOKEN, cwd=tmp_path)
    assert dropped.returncode == 0, dropped.stderr
    assert partners(srv, NATO_PARTNERS) == set()
