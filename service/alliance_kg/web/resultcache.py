"""Answers of repeated read queries, kept until the next write.

Clients repeat their questions: dashboards refresh, the query UI's examples, the resource pages'
DESCRIBEs, the competency questions. The Wikidata Query Service puts a cache in front of its
store for the same reason. Ours is exact, not time-based: an answer is kept under the app's
*generation* (web/context.py), which changes with every write made through this service, so a
cached answer is always the answer the store would give now. That holds only where every
write goes through this service: the embedded stores. A remote store's server may be written
by others, so no answer of a remote store is kept (``enabled_for``).

Only deterministic queries (no ``RAND``, ``NOW``, ``UUID``, ``BNODE`` ...; see
store/analysis.py) without ``SERVICE`` (another server's data can change) are
kept. The key is everything the answer depends on: generation, query text, dataset, the
``Accept`` header and ``format`` parameters (so negotiation is skipped on a hit too). Bounded by
bytes (``ALLIANCE_KG_RESULT_CACHE_MIB``, 0 turns it off), least recently used first out; an
answer over 1/16 of the budget is not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from ..config import Settings
from ..formats import Format

#: stores whose data changes only through this service
EMBEDDED = ("oxigraph", "memory")

Key = tuple[str, ...]


class ResultCache:
    """A byte-bounded LRU map from a request's key to (format, body)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry = max_bytes // 16
        self._entries: OrderedDict[Key, tuple[Format, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @classmethod
    def enabled_for(cls, settings: Settings, store_name: str) -> ResultCache | None:
        if store_name not in EMBEDDED or settings.result_cache_mib <= 0:
            return None
        return cls(int(settings.result_cache_mib * 1024 * 1024))

    def get(self, key: Key) -> tuple[Format, bytes] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Key, fmt: Format, body: bytes) -> None:
        cost = len(body) + sum(map(len, key))
        if cost > self.max_entry:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old[1]) + sum(map(len, key))
            self._entries[key] = (fmt, body)
            self._size += cost
            while self._size > self.max_bytes and self._entries:
                k, (_, b) = self._entries.popitem(last=False)
                self._size -= len(b) + sum(map(len, k))

    def clear(self) -> None:
        """On a write: the old generation's answers can never be asked for again."""
        with self._lock:
            self._entries.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        return self._size
