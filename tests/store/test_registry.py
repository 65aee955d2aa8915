"""Backends by name; unknown names are a clear error."""

from __future__ import annotations

import pytest

from alliance_kg.config import Settings
from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.store import registry
from alliance_kg.store.memory import MemoryStore
from alliance_kg.store.oxigraph import OxigraphStore
from alliance_kg.store.remote import RemoteStore


def test_builtin_names() -> None:
    assert {"memory", "oxigraph", "remote"} <= set(registry.names())


def test_create_each(tmp_path: object) -> None:
    assert isinstance(registry.create(Settings(store="memory")), MemoryStore)
    assert isinstance(registry.create(Settings()), OxigraphStore), "oxigraph is the default"
    remote = registry.create(Settings(store="remote", remote_query_url="http://127.0.0.1:9/q"))
    assert isinstance(remote, RemoteStore)


def test_unknown_and_misconfigured() -> None:
    with pytest.raises(KGError) as err:
        registry.create(Settings(store="fuseki"))
    assert err.value.kind is ErrorKind.BAD_INPUT
    assert "memory" in err.value.message and "oxigraph" in err.value.message
    with pytest.raises(KGError) as err:
        registry.create(Settings(store="remote"))
    assert "ALLIANCE_KG_REMOTE_QUERY_URL" in err.value.message
