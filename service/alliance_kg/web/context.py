"""The state one app instance shares between its blueprints: settings, store, generation.

The *generation* names the store's current content for caching: it changes on every write
through this service (``bump``), and it starts with a per-process random id so that an ETag from
an earlier run of the server never matches by accident.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from ..config import Settings
from ..store.base import Store
from .resultcache import ResultCache

EXTENSION = "alliance_kg"


@dataclass
class AppState:
    settings: Settings
    store: Store
    boot_id: str = field(default_factory=lambda: secrets.token_hex(8))
    counter: int = 0
    #: named graphs created empty through the Graph Store Protocol (stores forget empty graphs)
    empty_graphs: set[str] = field(default_factory=set)
    #: per-generation cache of derived documents (service description, VoID)
    cache: dict[str, Any] = field(default_factory=dict)
    #: answers of repeated read queries (None: off, or a remote store)
    results: ResultCache | None = None
    #: the materialization and prepared shapes writes keep current (protocol/derivation.py);
    #: built at the first write, dropped when the ontology or the shapes change
    derivation: Any = None
    #: the full-text index (protocol/search.py), built at start-up, moved by every write
    search: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def generation(self) -> str:
        return f"{self.boot_id}-{self.counter}"

    def bump(self) -> None:
        with self._lock:
            self.counter += 1
            self.cache.clear()
            if self.results is not None:
                self.results.clear()

    def cached(self, key: str, compute: Any) -> Any:
        """``compute()`` once per generation."""
        full = f"{self.generation}:{key}"
        if full not in self.cache:
            self.cache[full] = compute()
        return self.cache[full]

    def etag(self, *parts: str) -> str:
        h = hashlib.sha256(self.generation.encode())
        for p in parts:
            h.update(b"\x00" + p.encode("utf-8"))
        return h.hexdigest()[:32]


def state() -> AppState:
    st: AppState = current_app.extensions[EXTENSION]
    return st
