"""A search index whose build failed (a store that did not answer) is a 503 with Retry-After,
not a 500 until a restart, and a later search builds it again (in process)."""

from __future__ import annotations

import time

import pytest

from alliance_kg.config import Settings
from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY, Format
from alliance_kg.store.memory import MemoryStore
from alliance_kg.web import create_app
from alliance_kg.web import search as search_view


class FlakyStore(MemoryStore):
    """A store whose dumps time out until told otherwise."""

    down = True

    def dump(self, fmt: Format) -> bytes:
        if self.down:
            raise KGError(ErrorKind.TIMEOUT, "the remote store did not answer within 1 s")
        return super().dump(fmt)


def test_a_failed_build_is_503_and_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    store = FlakyStore()
    store.load(b'<http://example.org/s> <http://www.w3.org/2000/01/rdf-schema#label> '
               b'"Patriot missile"@en <https://w3id.org/alliance-kg/graph/asserted> .\n',
               BY_KEY["nquads"])
    client = create_app(Settings(), store).test_client()
    r = client.get("/search", query_string={"q": "patriot"},
                   headers={"Accept": "application/json"})
    assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0, r.get_data(as_text=True)
    assert "could not be built" in r.get_json()["message"]
    store.down = False
    monkeypatch.setattr(search_view, "RETRY_AFTER", 0)
    deadline = time.monotonic() + 30
    while True:
        r = client.get("/search", query_string={"q": "patriot"},
                       headers={"Accept": "application/json"})
        if r.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert [h["iri"] for h in r.get_json()["hits"]] == ["http://example.org/s"]
