"""Health, OpenAPI (every documented operation exists), access logs, the serve banner."""

from __future__ import annotations

import json
import re
from typing import Any

import requests

from .conftest import TOKEN, Server


def test_healthz(ro_server: Server) -> None:
    r = requests.get(ro_server.url + "/healthz", timeout=10)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["store"]
    assert body["triples"] > 0


def test_healthz_503_when_the_store_fails() -> None:
    from alliance_kg.config import Settings
    from alliance_kg.store.oxigraph import OxigraphStore
    from alliance_kg.web import create_app

    class Broken(OxigraphStore):
        def graph_names(self) -> list[str]:
            raise OSError("disk gone")

    app = create_app(Settings(), Broken())
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.get_json()["status"] == "unavailable"
    assert "disk gone" not in r.get_data(as_text=True)


def _example(param: dict[str, Any]) -> str:
    return str(param.get("example", "x"))


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" not in node:
        return node
    target: Any = doc
    for part in node["$ref"].lstrip("#/").split("/"):
        target = target[part]
    resolved: dict[str, Any] = target
    return resolved


def test_openapi_matches_routes(ro_server: Server, rw_server: Server) -> None:
    doc = requests.get(ro_server.url + "/openapi.json", timeout=10).json()
    assert doc["openapi"].startswith("3.")
    assert doc["servers"][0]["url"] == ro_server.url
    requests.put(rw_server.store + "/person/1", data=b"<urn:a> <urn:b> <urn:c> .",
                 headers={"Content-Type": "application/n-triples", **rw_server.auth()},
                 timeout=10)
    checked = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            server = rw_server if method in ("put", "post", "delete") or "{" in path \
                else ro_server
            params = [_resolve(doc, p) for p in op.get("parameters", [])]
            examples = {p["name"]: _example(p) for p in params}
            url = server.url + re.sub(r"\{([^}]+)\}", lambda m, ex=examples: ex[m.group(1)],
                                      path)
            r = requests.request(method.upper(), url, timeout=10, headers={
                "Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"}, data=b"")
            not_a_graph = r.status_code == 404 and "no graph" in r.text
            assert r.status_code not in (404, 405) or not_a_graph, (method, path, r.status_code)
            checked += 1
    assert checked >= 20
    # every $ref resolves
    refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(doc))
    for target in set(refs):
        assert _resolve(doc, {"$ref": target})


def test_access_log_is_json_without_token(rw_server: Server) -> None:
    query = "ASK { <urn:x:logged> ?p ?o }"
    requests.get(rw_server.sparql, params={"query": query}, timeout=10)
    requests.post(rw_server.sparql, data={"update": "CLEAR GRAPH <urn:x:nothing>"},
                  headers=rw_server.auth(), timeout=10)
    lines = [json.loads(line) for line in rw_server.output().splitlines()
             if line.startswith("{")]
    assert lines
    for record in lines:
        assert {"ts", "method", "path", "status", "bytes", "duration_ms", "query_hash"} <= set(
            record)
    from alliance_kg.web.logging import query_hash

    assert any(r["query_hash"] == query_hash(query) and r["status"] == 200 for r in lines)
    assert TOKEN not in rw_server.output()
    assert "urn:x:logged" not in rw_server.output()


def test_banner_lists_graph_counts(ro_server: Server) -> None:
    out = ro_server.output()
    assert "/sparql" in out
    assert re.search(r"graph/asserted\s+\d+ triples", out)
