"""The CLI on malformed files of every input format: exit 2 and ``file:line:col``, no trace.

Each case is a document whose error is at a known place (line 3 unless the format has no
lines to speak of); ``alliance-kg validate FILE`` must exit 2, print
``alliance-kg: error: FILE:LINE:COL: message`` on standard error, and never a Python traceback.
The same for ``--input-format`` on standard input, and for gzip-compressed files.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from clifixtures import Run

# (file name, content, expected line) for every RDF input format the CLI reads
CASES: list[tuple[str, bytes, int]] = [
    ("bad.ttl", b"@prefix ex: <urn:ex:> .\nex:a ex:b ex:c .\nex:a ex:b \"open .\n", 3),
    ("bad-prefix.ttl", b"@prefix ex: <urn:ex:> .\n\nnope:a ex:b ex:c .\n", 3),
    ("bad.nt", b"<urn:a> <urn:b> <urn:c> .\n<urn:a> <urn:b> <urn:c> .\n<urn:a> <urn:b> .\n", 3),
    ("bad.nq", b"<urn:a> <urn:b> <urn:c> <urn:g> .\n\n<urn:a> <urn:b> \"x\" \"g\" .\n", 3),
    ("bad.trig", b"@prefix ex: <urn:ex:> .\nex:g { ex:a ex:b ex:c . }\nex:h { ex:a ex:b }\n", 3),
    ("bad.n3", b"@prefix ex: <urn:ex:> .\nex:a ex:b ex:c .\nex:a ex:b ex:c ex:d .\n", 3),
    ("bad.rdf", b"<?xml version='1.0'?>\n<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-"
                b"rdf-syntax-ns#'>\n  <rdf:Description rdf:about='urn:a'></rdf:RDF>\n", 3),
    ("bad.jsonld", b'{\n  "@id": "urn:a",\n  "urn:b": [1, 2,,]\n}\n', 3),
]


def _check(result_stderr: str, shown: str, line: int, code: int) -> None:
    assert code == 2, result_stderr
    assert "Traceback" not in result_stderr
    m = re.search(re.escape(shown) + r":(\d+):(\d+): ", result_stderr)
    assert m, f"no {shown}:line:col in {result_stderr!r}"
    assert int(m.group(1)) == line and int(m.group(2)) >= 1


@pytest.mark.parametrize(("name", "content", "line"), CASES, ids=[c[0] for c in CASES])
def test_malformed_file_exits_2_with_its_position(cli: Run, repo: Path, name: str,
                                                  content: bytes, line: int) -> None:
    path = repo / name
    path.write_bytes(content)
    r = cli("validate", name)
    _check(r.stderr, name, line, r.returncode)
    gz = repo / (name + ".gz")
    gz.write_bytes(gzip.compress(content))
    r = cli("validate", name + ".gz")
    _check(r.stderr, name + ".gz", line, r.returncode)


def test_binary_garbage_and_empty_json_exit_2(cli: Run, repo: Path) -> None:
    (repo / "garbage.ttl").write_bytes(b"\x00\xff\xfe<<<\x01")
    (repo / "empty.jsonld").write_bytes(b"")
    for name in ("garbage.ttl", "empty.jsonld"):
        r = cli("validate", name)
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr and f"{name}:" in r.stderr


def test_malformed_standard_input_exits_2(cli: Run) -> None:
    r = cli("validate", "-", "--input-format", "turtle",
            stdin="@prefix ex: <urn:ex:> .\n\nex:a ex:b .\n")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert re.search(r":3:\d+: ", r.stderr), r.stderr


def test_malformed_shapes_and_query_files_exit_2(cli: Run, repo: Path) -> None:
    (repo / "shapes-bad.ttl").write_bytes(b"@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                                          b"\n[ a sh:NodeShape ; sh:path ] .\n")
    (repo / "ok.ttl").write_bytes(b"<urn:a> <urn:b> <urn:c> .\n")
    r = cli("validate", "ok.ttl", "--shapes", "shapes-bad.ttl")
    _check(r.stderr, "shapes-bad.ttl", 3, r.returncode)
    (repo / "q.rq").write_text("SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(\n}\n")
    r = cli("query", "--file", "q.rq")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert re.search(r"q\.rq:\d+:\d+: ", r.stderr), r.stderr
