"""``alliance-kg search``: the library's full-text search over the built dataset, as text or as
the JSON ``GET /search`` sends; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clifixtures import run_cli
from kgfixtures import REAL_REPO, real_repo_missing


@pytest.fixture(scope="module")
def real() -> Path:
    reason = real_repo_missing()
    if reason:
        pytest.skip(reason)
    return REAL_REPO


def test_text_lists_hits_with_kind_type_and_highlight(real: Path) -> None:
    r = run_cli("search", "patriott", "--limit", "2", root=real)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Patriot PAC-3  [entity · akg:MissileSystem]  akr:patriot-pac-3"
    assert lines[1].strip() == "«Patriot» PAC-3"
    assert len(lines) == 4


def test_json_is_the_endpoints_answer_and_filters_apply(real: Path) -> None:
    r = run_cli("search", "作戦司令", "--type", "entity", "--lang", "ja", "--format", "json",
                root=real)
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    hit = body["hits"][0]
    assert hit["curie"] == "akr:japan-joint-operational-command"
    assert hit["kind"] == "entity" and hit["matched"]["lang"] == "ja"
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end] == "作戦司令"
    sentences = json.loads(run_cli("search", "Taiwan", "--type", "sentence", "--format",
                                   "json", root=real).stdout)
    assert sentences["hits"] and {h["kind"] for h in sentences["hits"]} == {"sentence"}


def test_bad_input_exits_2_and_nothing_found_exits_0(real: Path) -> None:
    r = run_cli("search", "   ", root=real)
    assert r.returncode == 2 and "empty" in r.stderr
    r = run_cli("search", "x" * 201, root=real)
    assert r.returncode == 2 and "200" in r.stderr
    r = run_cli("search", "zzzqqqxxx", root=real)
    assert r.returncode == 0 and r.stdout == "" and "nothing found" in r.stderr
