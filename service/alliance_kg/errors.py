"""Errors as values with a kind.

The library raises :class:`KGError`; the CLI maps its kind to an exit code and the web layer to
an HTTP status, each in one place (``cli.EXIT_CODES``, ``web.errors``). A parse error carries the
file, line and column so both front ends can point a person at the exact spot.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ErrorKind(Enum):
    BAD_INPUT = "bad-input"  #: malformed query, RDF, shapes, parameters
    NOT_FOUND = "not-found"
    CONFLICT = "conflict"  #: e.g. an update whose result violates the shapes
    UNAUTHORIZED = "unauthorized"  #: no or wrong credentials
    FORBIDDEN = "forbidden"  #: credentials fine, action not allowed (read-only, allowlist)
    NOT_ACCEPTABLE = "not-acceptable"  #: no result format fits the Accept header
    UNSUPPORTED_MEDIA_TYPE = "unsupported-media-type"
    TOO_LARGE = "too-large"  #: body, query or result over a configured limit
    TIMEOUT = "timeout"
    UNAVAILABLE = "unavailable"  #: a backing service (a SERVICE endpoint) failed
    #: the store's own engine (a remote store) is down or refusing: the service is, for now
    STORE_UNAVAILABLE = "store-unavailable"
    UPSTREAM_TIMEOUT = "upstream-timeout"  #: a SERVICE endpoint did not answer in time
    INCONSISTENT = "inconsistent"  #: the OWL closure shows a contradiction
    INTERNAL = "internal"


@dataclass
class KGError(Exception):
    kind: ErrorKind
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    #: optional machine-readable detail (e.g. a SHACL report in Turtle)
    detail: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def location(self) -> str:
        """``file:line:col`` as compilers print it, or '' when nothing is known."""
        parts = [p for p in (self.file, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        loc = self.location()
        return f"{loc}: {self.message}" if loc else self.message
