"""Structured access logs: one JSON object per request on the ``alliance_kg.access`` logger.

Fields: ``ts``, ``method``, ``path`` (without the query string, which may hold a query),
``status``, ``bytes`` (body bytes actually sent), ``duration_ms``, ``query_hash`` (SHA-256 prefix
of the SPARQL text, so a slow query can be found again without logging it), ``remote``.
Headers are never logged, so neither is the bearer token.

It is WSGI middleware around the Flask app, so it sees the final status and the bytes after
compression, and times the whole response including streaming.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

ACCESS_LOGGER = "alliance_kg.access"
#: the WSGI environ key a view stores the query hash under
QUERY_HASH_KEY = "alliance_kg.query_hash"

log = logging.getLogger(ACCESS_LOGGER)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def query_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def configure(stream: Any = None) -> None:
    """Send access lines (bare JSON, one per line) to stderr unless already configured."""
    if log.handlers:
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


class AccessLog:
    """WSGI middleware writing one JSON line per request.

    A response whose length is known (``Content-Length``: every answer but a stream) is handed
    on as one ``[body]`` list: granian then sends it in one write with its length, where an
    iterator would be pulled chunk by chunk through Python and sent chunked. Its line is then
    written when the body is handed over, not when the last byte leaves."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[int] = [0]
        sized: list[bool] = [False]

        def _start(status_line: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            status[0] = int(status_line.split(" ", 1)[0])
            sized[0] = any(k.lower() == "content-length" for k, _ in headers)
            return start_response(status_line, headers, *exc)

        result = self.app(environ, _start)
        if not sized[0]:
            return self._streamed(environ, result, status, started)
        body = b""
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
            self._write(environ, status[0], len(body), started)
        return [body]

    def _streamed(self, environ: dict[str, Any], result: Iterable[bytes], status: list[int],
                  started: float) -> Iterator[bytes]:
        sent = 0
        try:
            for chunk in result:
                sent += len(chunk)
                yield chunk
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
            self._write(environ, status[0], sent, started)

    @staticmethod
    def _write(environ: dict[str, Any], status: int, sent: int, started: float) -> None:
        record = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "status": status,
            "bytes": sent,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "query_hash": environ.get(QUERY_HASH_KEY),
            "remote": environ.get("REMOTE_ADDR"),
        }
        log.info(json.dumps(record))
