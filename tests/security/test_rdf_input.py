"""RDF input hardening (issue 11): no document is loaded while reading RDF, and hostile bodies
are bounded, on every path that reads RDF (Graph Store PUT/POST, ``/merge``, ``alliance-kg
validate``/``merge``, the loader).

Unit tests of :mod:`alliance_kg.knowledge.rdfinput` and the loader, then the same attacks over
HTTP against a really running ``alliance-kg serve`` (granian, in a subprocess) and through the
command line. A loopback listener stands in for any host a parser could be tricked into
fetching from: each test fails if it was contacted.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from rdflib import BNode
from tests.cli.clifixtures import run_cli
from tests.knowledge.kgfixtures import FIXTURE_REPO, copy_knowledge
from tests.security.loopback import Listener
from tests.web.conftest import FIXTURE, TOKEN, Server, ask, start_server, stop_server

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY
from alliance_kg.knowledge import rdfinput
from alliance_kg.knowledge.load import load_files, parse_bytes
from alliance_kg.namespaces import BASE

ROOT = Path(__file__).resolve().parents[2]
OUR_CONTEXT = BASE + rdfinput.CONTEXT_PATH
JSONLD = BY_KEY["jsonld"]
RDFXML = BY_KEY["rdfxml"]
AKG = BASE + "ontology/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PROBE = "ASK { ?s ?p ?o }"


# -- helpers -------------------------------------------------------------------------------------




def doc(context: Any, **more: Any) -> bytes:
    body = {"@context": context, "@id": "http://example.org/s", "p": "x", **more}
    return json.dumps(body).encode()


def nested_jsonld(depth: int) -> bytes:
    """``depth`` JSON objects, each the value of the one around it (all but the outermost
    are blank nodes: ``depth`` distinct triples)."""
    return ('{"@id": "http://example.org/s", "http://example.org/p": '
            + '{"http://example.org/p": ' * (depth - 1) + '"x"' + "}" * depth).encode()


def billion_laughs(levels: int = 9) -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, levels + 1))
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [{entities}]>\n'
            f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:e="http://example.org/">'
            f'<rdf:Description rdf:about="http://example.org/s"><e:p>&lol{levels};</e:p>'
            "</rdf:Description></rdf:RDF>").encode()


def nested_rdfxml(depth: int) -> bytes:
    inner = ('<rdf:Description rdf:about="http://example.org/s"><e:p>' * depth + "x"
             + "</e:p></rdf:Description>" * depth)
    return (f'<?xml version="1.0"?><rdf:RDF xmlns:rdf="{RDF_NS}" '
            f'xmlns:e="http://example.org/">{inner}</rdf:RDF>').encode()


def nested_turtle(depth: int, *, collection: bool = False, trig: bool = False) -> bytes:
    if collection:
        body = "( " * depth + '"x"' + " )" * depth
    else:
        body = "[ <http://example.org/p> " * depth + '"x"' + " ]" * depth
    triple = f"<http://example.org/s> <http://example.org/p> {body} ."
    return (f"<http://example.org/g> {{ {triple} }}" if trig else triple).encode()


def refused(data: bytes, fmt: str = "jsonld") -> KGError:
    with pytest.raises(KGError) as info:
        parse_bytes(data, BY_KEY[fmt], name="in.x")
    assert info.value.kind is ErrorKind.BAD_INPUT
    return info.value


def context_forms(url: str) -> dict[str, bytes]:
    """Every way a JSON-LD document can name a context document, each naming ``url``."""
    inline = {"p": "http://example.org/p"}
    return {
        "string": doc(url),
        "array": doc([url]),
        "array-after-inline": doc([inline, url]),
        "import": doc({"@import": url, **inline}),
        "scoped-term-context": doc({"p": {"@id": "http://example.org/p", "@context": url}}),
        "context-in-context": doc({"@context": url}),
        "nested-node": json.dumps({"@id": "http://example.org/s", "http://example.org/q": {
            "@context": url, "@id": "http://example.org/o", "p": "x"}}).encode(),
        "in-graph": json.dumps({"@graph": [{"@context": url, "@id": "http://example.org/s",
                                            "p": "x"}]}).encode(),
        "type-scoped": doc({"T": {"@id": "http://example.org/T", "@context": [url]}},
                           **{"@type": "T"}),
    }


# -- unit: JSON-LD contexts ----------------------------------------------------------------------


@pytest.mark.parametrize("form", sorted(context_forms("http://x/")))
def test_a_context_iri_other_than_ours_is_bad_input_naming_it_and_never_fetched(
        listener: Listener, form: str) -> None:
    url = listener.url + "ctx.jsonld"
    err = refused(context_forms(url)[form])
    assert f"<{url}>" in err.message and "never fetched" in err.message
    assert err.file == "in.x"
    assert listener.contacts == [], "a parser fetched the context"


def test_file_contexts_are_refused_and_the_file_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.jsonld"
    secret.write_text(json.dumps({"@context": {"p": "http://leaked.example/TOPSECRET"}}))
    for data in (doc(secret.as_uri()), doc([secret.as_uri()]),
                 doc({"@import": secret.as_uri()})):
        err = refused(data)
        assert secret.as_uri() in err.message
        assert "TOPSECRET" not in str(err)


def test_the_refused_context_is_located_at_its_line_and_column() -> None:
    data = b'{\n  "@id": "http://example.org/s",\n  "@context":   "http://evil.example/c"\n}'
    err = refused(data)
    assert (err.line, err.column) == (3, 17)


def test_our_context_named_by_iri_is_put_inline_from_the_local_file() -> None:
    quads = parse_bytes(doc(OUR_CONTEXT, reportsTo="http://example.org/boss"), JSONLD)
    predicates = {str(q[1]) for q in quads}
    assert AKG + "reportsTo" in predicates
    # in an array, beside an inline context whose term wins
    data = json.dumps({"@context": [OUR_CONTEXT, {"mine": "http://example.org/mine"}],
                       "@id": "http://example.org/s", "mine": "a", "reportsTo": "http://e/b"})
    assert {str(q[1]) for q in parse_bytes(data.encode(), JSONLD)} == {
        "http://example.org/mine", AKG + "reportsTo"}


def test_import_of_our_context_keeps_the_importing_definitions_first() -> None:
    data = doc({"@import": OUR_CONTEXT, "reportsTo": "http://example.org/mine"},
               reportsTo="x", hasParty="http://example.org/p")
    predicates = {str(q[1]) for q in parse_bytes(data, JSONLD)}
    assert "http://example.org/mine" in predicates
    assert AKG + "hasParty" in predicates


def test_our_context_under_the_public_base_is_ours_too(tmp_path: Path) -> None:
    contexts = rdfinput.Contexts.ours(ROOT, "https://kg.example.org/")
    out = rdfinput.prepare(doc("https://kg.example.org/" + rdfinput.CONTEXT_PATH), JSONLD,
                           contexts=contexts)
    assert isinstance(json.loads(out)["@context"], dict)
    with pytest.raises(KGError):
        rdfinput.prepare(doc("https://other.example.org/" + rdfinput.CONTEXT_PATH), JSONLD,
                         contexts=contexts)


def test_a_document_without_context_iris_is_passed_on_byte_for_byte() -> None:
    data = b'{ "@context": {"p": "http://example.org/p"},\n "@id": "http://example.org/s",' \
           b' "p": "x" }'
    assert rdfinput.prepare(data, JSONLD) is data
    broken = b'{"@id": "http://example.org/s", "p": [1,,]}'
    assert rdfinput.prepare(broken, JSONLD) is broken  # the RDF parser locates the error


def test_a_repeated_context_key_is_refused() -> None:
    data = b'{"@context": "http://evil.example/", "@context": {}, "@id": "http://e/s"}'
    assert "@context twice" in refused(data).message


def test_a_json_literal_is_data_not_a_context() -> None:
    data = json.dumps({"@id": "http://example.org/s", "http://example.org/p": {
        "@type": "@json", "@value": {"@context": "http://evil.example/"}}}).encode()
    assert rdfinput.prepare(data, JSONLD) is data


# -- unit: nesting ------------------------------------------------------------------------------


def test_jsonld_at_the_depth_limit_parses_and_one_more_is_refused_with_the_depth() -> None:
    depth = rdfinput.MAX_DEPTH
    assert len(parse_bytes(nested_jsonld(depth), JSONLD)) == depth
    err = refused(nested_jsonld(depth + 1))
    assert f"nested {depth + 1} levels deep" in err.message and str(depth) in err.message


@pytest.mark.parametrize("depth", [1000, 5000, 100_000])
def test_jsonld_nesting_bombs_are_refused(depth: int) -> None:
    err = refused(nested_jsonld(depth))
    assert str(rdfinput.MAX_DEPTH) in err.message and "nested" in err.message


def test_arrays_count_as_nesting() -> None:
    data = ('{"@id": "http://example.org/s", "http://example.org/p": '
            + "[" * 5000 + '"x"' + "]" * 5000 + "}").encode()
    assert "nested" in refused(data).message


def test_deep_turtle_trig_and_n3_neither_crash_nor_hang_a_small_thread_stack() -> None:
    """Oxigraph reads nested ``[ ]`` and ``( )`` without recursion, and blank node labels take
    linear time: run in a child process on a 1 MiB thread stack (a server thread's order), so a
    crash fails this test instead of killing pytest."""
    script = textwrap.dedent("""
        import threading, time
        from alliance_kg.formats import BY_KEY
        from alliance_kg.knowledge.load import parse_bytes
        from tests.security.test_rdf_input import nested_turtle
        cases = [("turtle", nested_turtle(5000)),
                 ("turtle", nested_turtle(5000, collection=True)),
                 ("trig", nested_turtle(5000, trig=True)),
                 ("n3", nested_turtle(5000))]
        out = []
        def run():
            for key, data in cases:
                start = time.monotonic()
                out.append((len(parse_bytes(data, BY_KEY[key])), time.monotonic() - start))
        threading.stack_size(1 << 20)
        t = threading.Thread(target=run)
        t.start()
        t.join()
        print(out)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    results = eval(done.stdout)  # our own child's repr of a list of tuples
    assert [n for n, _ in results] == [5001, 10001, 5001, 5001]
    assert all(seconds < 30 for _, seconds in results), results


def test_a_long_chain_of_blank_nodes_is_labelled_in_linear_time() -> None:
    data = "".join(f"_:b{i} <http://example.org/p> _:b{i + 1} .\n" for i in range(5000))
    start = time.monotonic()
    quads = parse_bytes(data.encode(), BY_KEY["ntriples"])
    assert time.monotonic() - start < 10
    assert len({q[0] for q in quads}) == 5000


def test_blank_node_labels_are_deterministic_and_distinct_between_files() -> None:
    one = b"<http://example.org/s> <http://example.org/p> [ <http://example.org/q> 1 ] ."
    two = one + b"\n"
    def blank(data: bytes) -> set[object]:
        return {t for q in parse_bytes(data, BY_KEY["turtle"]) for t in q
                if isinstance(t, BNode)}

    assert len(blank(one)) == 1
    assert blank(one) == blank(one)
    assert blank(one).isdisjoint(blank(two))


# -- unit: RDF/XML -------------------------------------------------------------------------------


def test_billion_laughs_is_refused_at_the_declaration() -> None:
    err = refused(billion_laughs(), "rdfxml")
    assert "entity" in err.message and "lol" in err.message
    assert err.line == 2 and err.column is not None


@pytest.mark.parametrize("xml", [
    b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd"><r/>',
    b'<?xml version="1.0"?><!DOCTYPE r PUBLIC "-//x//y" "http://127.0.0.1:9/x.dtd"><r/>',
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>',
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p">%p;]><r/>',
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "short">]><r>&e;</r>',
], ids=["system-dtd", "public-dtd", "external-entity", "parameter-entity", "internal-entity"])
def test_xml_entities_and_external_dtds_are_refused(xml: bytes) -> None:
    err = refused(xml, "rdfxml")
    assert "entit" in err.message or "DTD" in err.message


def test_rdfxml_nesting_is_capped_and_plain_rdfxml_still_parses() -> None:
    err = refused(nested_rdfxml(5000), "rdfxml")
    assert str(rdfinput.MAX_DEPTH) in err.message and err.line == 1
    plain = (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF>\n<rdf:RDF xmlns:rdf="{RDF_NS}" '
             'xmlns:e="http://example.org/"><rdf:Description rdf:about="http://example.org/s">'
             "<e:p>x</e:p></rdf:Description></rdf:RDF>").encode()
    assert len(parse_bytes(plain, RDFXML)) == 1


# -- over HTTP -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory,
        pytestconfig: pytest.Config) -> Iterator[Server]:
    """A writable ``alliance-kg serve`` on the small fixture dataset."""
    tmp = tmp_path_factory.mktemp("rdf-input")
    server = start_server(tmp, "rdf-input", dataset=str(FIXTURE), allow_update=True,
                          token=TOKEN, query_timeout=10.0, max_body_bytes=5_000_000,
                          store=pytestconfig.getoption("store"))
    yield server
    stop_server(server)


def put(server: Server, data: bytes, media: str, graph: str = "http://example.org/g",
        **headers: str) -> requests.Response:
    return requests.put(server.store, params={"graph": graph}, data=data, timeout=120,
                        headers={"Content-Type": media, "Accept": "application/json",
                                 **server.auth(), **headers})


def merge(server: Server, data: bytes, media: str, *, compress: bool = False
          ) -> requests.Response:
    headers = {"Content-Type": media, "Accept": "application/json", **server.auth()}
    if compress:
        data = gzip.compress(data, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return requests.post(server.url + "/merge", params={"graph": "http://example.org/merged"},
                         data=data, headers=headers, timeout=300)


def alive(server: Server) -> None:
    assert server.proc.poll() is None, server.output()[-3000:]
    assert ask(server, PROBE) is True


def message(r: requests.Response) -> str:
    body: dict[str, Any] = r.json()
    return str(body.get("message"))


@pytest.mark.parametrize("form", sorted(context_forms("http://x/")))
def test_http_every_context_form_is_400_naming_it_and_nothing_is_contacted(
        srv: Server, listener: Listener, form: str) -> None:
    url = listener.url + "ctx.jsonld"
    data = context_forms(url)[form]
    for r in (put(srv, data, "application/ld+json"), merge(srv, data, "application/ld+json"),
              merge(srv, data, "application/ld+json", compress=True)):
        assert r.status_code == 400, r.text
        assert url in message(r)
    assert listener.contacts == [], "the server fetched a JSON-LD context"
    alive(srv)


def test_http_relative_context_against_the_graph_iri_is_refused(
        srv: Server, listener: Listener) -> None:
    """The graph IRI is the base: ``ctx.jsonld`` would resolve to the listener."""
    r = put(srv, doc("ctx.jsonld"), "application/ld+json", graph=listener.url + "g")
    assert r.status_code == 400 and "ctx.jsonld" in message(r)
    files = {"part": ("a.jsonld", doc([listener.url]), "application/ld+json")}
    r = requests.post(srv.store, params={"graph": "http://example.org/multi"}, files=files,
                      headers={"Accept": "application/json", **srv.auth()}, timeout=60)
    assert r.status_code == 400 and listener.url in message(r)
    assert listener.contacts == []


def test_http_file_context_is_400_and_the_secret_never_leaks(srv: Server,
                                                             tmp_path: Path) -> None:
    secret = tmp_path / "secret.jsonld"
    secret.write_text(json.dumps({"@context": {"p": "http://leaked.example/TOPSECRET-91c"}}))
    for data in (doc(secret.as_uri()), doc({"@import": secret.as_uri()})):
        for r in (put(srv, data, "application/ld+json", graph="http://example.org/secret"),
                  merge(srv, data, "application/ld+json")):
            assert r.status_code == 400 and secret.as_uri() in message(r)
            assert "TOPSECRET" not in r.text
    r = requests.get(srv.store, params={"graph": "http://example.org/secret"}, timeout=10)
    assert r.status_code == 404
    found = requests.get(srv.sparql, timeout=10, params={
        "query": 'ASK { ?s ?p ?o FILTER(CONTAINS(STR(?p), "TOPSECRET")) }'},
        headers={"Accept": "application/sparql-results+json"})
    assert found.json()["boolean"] is False


def test_http_our_context_by_iri_is_accepted(srv: Server) -> None:
    data = doc(OUR_CONTEXT, **{"@id": "http://example.org/cmd", "reportsTo":
                                 "http://example.org/boss"})
    r = put(srv, data, "application/ld+json", graph="http://example.org/ours")
    assert r.status_code in (201, 204), r.text
    assert ask(srv, f"ASK {{ GRAPH <http://example.org/ours> {{ <http://example.org/cmd> "
                    f"<{AKG}reportsTo> <http://example.org/boss> }} }}")


def test_http_billion_laughs_is_400_and_the_server_answers_after(srv: Server) -> None:
    bomb = billion_laughs()
    assert len(bomb) < 1000
    for r in (put(srv, bomb, "application/rdf+xml"), merge(srv, bomb, "application/rdf+xml")):
        assert r.status_code == 400, r.text
        assert "entity" in message(r)
        assert r.json().get("line") == 2
    alive(srv)


@pytest.mark.parametrize("depth", [5000, 50_000])
def test_http_jsonld_nesting_bomb_is_400_and_the_server_survives(srv: Server,
                                                                  depth: int) -> None:
    bomb = nested_jsonld(depth)
    for r in (put(srv, bomb, "application/ld+json"), merge(srv, bomb, "application/ld+json"),
              merge(srv, bomb, "application/ld+json", compress=True)):
        assert r.status_code == 400, r.text
        assert str(rdfinput.MAX_DEPTH) in message(r)
        alive(srv)


def test_http_jsonld_at_the_depth_limit_is_written_without_harm(srv: Server) -> None:
    """The limit sits below the depth that overflows a server thread's stack."""
    r = put(srv, nested_jsonld(rdfinput.MAX_DEPTH), "application/ld+json",
            graph="http://example.org/deep")
    assert r.status_code in (201, 204), r.text
    alive(srv)
    rows = requests.get(srv.sparql, timeout=10, headers={"Accept": "application/sparql-results"
                                                          "+json"}, params={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/deep> { ?s ?p ?o }}"})
    assert rows.json()["results"]["bindings"][0]["n"]["value"] == str(rdfinput.MAX_DEPTH)


def test_http_deep_rdfxml_is_400(srv: Server) -> None:
    r = put(srv, nested_rdfxml(20_000), "application/rdf+xml")
    assert r.status_code == 400 and str(rdfinput.MAX_DEPTH) in message(r)
    alive(srv)


@pytest.mark.parametrize("case", ["bnodes", "collection", "trig"])
def test_http_deep_turtle_and_trig_do_not_crash_the_server(srv: Server, case: str) -> None:
    data = nested_turtle(3000, collection=case == "collection", trig=case == "trig")
    media = "application/trig" if case == "trig" else "text/turtle"
    r = (merge(srv, data, media) if case == "trig"
         else put(srv, data, media, graph=f"http://example.org/{case}"))
    assert r.status_code < 500, r.text
    alive(srv)


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_knowledge(FIXTURE_REPO, tmp_path_factory.mktemp("cli") / "repo")


@pytest.mark.parametrize("command", ["validate", "merge"])
def test_cli_refuses_hostile_rdf_with_exit_2_and_the_message(
        repo: Path, tmp_path: Path, listener: Listener, command: str) -> None:
    secret = tmp_path / "secret.jsonld"
    secret.write_text(json.dumps({"@context": {"p": "http://leaked.example/TOPSECRET-5e2"}}))
    cases = {
        "remote.jsonld": (doc(listener.url + "c"), listener.url + "c"),
        "import.jsonld": (doc({"@import": listener.url + "i"}), listener.url + "i"),
        "file.jsonld": (doc([secret.as_uri()]), secret.as_uri()),
        "bomb.jsonld": (nested_jsonld(5000), f"limit of {rdfinput.MAX_DEPTH}"),
        "lol.rdf": (billion_laughs(), "entity"),
    }
    for name, (data, words) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        done = run_cli(command, str(path), root=repo)
        assert done.returncode == 2, (name, done.stderr)
        assert words in done.stderr and str(path) in done.stderr, (name, done.stderr)
        assert "Traceback" not in done.stderr and "TOPSECRET" not in done.stdout + done.stderr
    assert listener.contacts == []


def test_library_load_files_applies_the_same_rule(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonld"
    path.write_bytes(gzip.compress(doc("http://evil.example/ctx")))
    with pytest.raises(KGError) as info:
        load_files([path])
    assert "http://evil.example/ctx" in info.value.message and info.value.file == str(path)
