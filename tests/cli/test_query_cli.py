"""``alliance-kg query``: formats, query files, the built file vs an in-memory build, errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import rdflib
from clifixtures import Run
from kgfixtures import write

AKR = "https://w3id.org/alliance-kg/resource/"
SUBORDINATES = "SELECT ?c ?boss WHERE { ?c akg:subordinateTo ?boss }"


def test_csv_when_piped_table_on_request(cli: Run) -> None:
    done = cli("query", SUBORDINATES)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "c,boss", f"{AKR}JFHQ,{AKR}INDOPACOM", f"{AKR}JFHQ,{AKR}USFJ",
        f"{AKR}USFJ,{AKR}INDOPACOM"]
    table = cli("query", "--format", "table", SUBORDINATES).stdout.splitlines()
    assert table[0].split() == ["c", "boss"] and table[-1] == "(3 rows)"


def test_json_and_no_inference(cli: Run) -> None:
    doc = json.loads(cli("query", "--format", "json", "--no-inference", SUBORDINATES).stdout)
    assert len(doc["results"]["bindings"]) == 2


def test_construct_is_turtle_when_piped(cli: Run) -> None:
    done = cli("query", "CONSTRUCT { ?b akg:hasSubordinate ?c } WHERE "
                        "{ ?b akg:hasSubordinate ?c }")
    g = rdflib.Graph().parse(data=done.stdout, format="turtle")
    assert len(g) == 3


def test_query_file_and_stdin(cli: Run, repo: Path) -> None:
    path = write(repo / "q.rq", "# who commands whom\n" + SUBORDINATES + "\n")
    assert len(cli("query", "-f", str(path)).stdout.splitlines()) == 4
    assert len(cli("query", "-f", "-", stdin=SUBORDINATES).stdout.splitlines()) == 4


def test_output_file(cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "out.tsv"
    done = cli("query", "--format", "tsv", "-o", str(out), SUBORDINATES)
    assert done.returncode == 0 and done.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("?c\t?boss\n")


def test_syntax_error_exits_2_with_position(cli: Run, repo: Path) -> None:
    done = cli("query", "SELECT ?c WHERE {\n  ?c akg:name ?n\n  FILTER(?n = )\n}")
    assert done.returncode == 2
    assert done.stderr.startswith("alliance-kg: error: 3:3: SPARQL syntax error")
    assert done.stderr.splitlines()[-1].index("^") == 2 + 2
    path = write(repo / "bad.rq", "SELEC * WHERE { ?s ?p ?o }\n")
    done = cli("query", "-f", str(path))
    assert done.returncode == 2
    assert done.stderr.startswith(f"alliance-kg: error: {path}:1:1: SPARQL syntax error")


def test_query_text_or_file_exactly_one(cli: Run, repo: Path) -> None:
    assert cli("query").returncode == 2
    path = write(repo / "q.rq", SUBORDINATES)
    assert cli("query", "-f", str(path), SUBORDINATES).returncode == 2


def test_wrong_format_for_the_form_exits_2(cli: Run) -> None:
    done = cli("query", "--format", "turtle", SUBORDINATES)
    assert done.returncode == 2 and "is a table" in done.stderr


def test_uses_the_built_file_while_fresh(cli: Run, repo: Path) -> None:
    assert cli("build").returncode == 0
    built = repo / "dist" / "alliance-kg.trig"
    # a marker only the built file has: if the query sees it, the file was used
    text = built.read_text(encoding="utf-8").replace(
        "akgraph:asserted {", "akgraph:asserted {\n    akr:Marker akg:name \"only in dist\" .\n", 1)
    built.write_text(text, encoding="utf-8")
    marker = "SELECT ?n WHERE { akr:Marker akg:name ?n }"
    assert cli("query", marker).stdout.splitlines() == ["n", "only in dist"]

    # once a knowledge file is newer, the dataset is built in memory instead
    source = repo / "data" / "article" / "source.trig"
    later = built.stat().st_mtime + 5
    os.utime(source, (later, later))
    assert cli("query", marker).stdout.splitlines() == ["n"]
    assert cli("query", SUBORDINATES).returncode == 0
