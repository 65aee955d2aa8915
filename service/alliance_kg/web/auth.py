"""Who may write, and which graphs: bearer tokens, compared in constant time, never logged.

The service is read-only unless started with updates allowed. Writes (SPARQL Update, Graph
Store PUT/POST/DELETE) then need ``Authorization: Bearer <token>`` matching one **grant**:

* ``ALLIANCE_KG_TOKEN`` (or ``ALLIANCE_KG_TOKEN_FILE``): the operator's token, every graph;
* ``ALLIANCE_KG_TOKENS_FILE``: a TOML file of scoped tokens, e.g. one per merged source, each
  allowed to write only that source's graph::

      [[tokens]]
      name = "wikidata-merge"              # what logs and messages show, never the token
      token_sha256 = "9f86d08…"            # sha256 hex of the token (or: token = "…")
      graphs = ["https://w3id.org/alliance-kg/graph/source/wikidata"]   # "*" or "prefix*" too

  The file is read again when it changes (its modification time), so a token is added,
  rotated or revoked without a restart.

Comparison is ``hmac.compare_digest`` of SHA-256 digests against *every* grant (no early
exit), so the time taken says nothing about how much of a token was right. Statuses follow
RFC 6750: 403 on a read-only server (nothing to authenticate for), 401 with
``WWW-Authenticate: Bearer`` for a missing or unknown token, 403 with
``error="insufficient_scope"`` for a valid token writing a graph outside its grant.

Which graphs a write touches: the Graph Store Protocol names its graph; for SPARQL Update a
restricted token is checked twice, before (:mod:`.writescope` reads the graphs off the parsed
request and refuses what it cannot prove) and after (:func:`~.writes.apply` compares every
graph of the scratch copy before and after, and refuses if any changed graph is not granted).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import request

from ..config import Settings
from ..errors import ErrorKind, KGError
from ..namespaces import ASSERTED
from .errors import InsufficientScope

ALL = "*"


@dataclass(frozen=True)
class Grant:
    """One accepted token (as its digest) and the graphs it may write."""

    name: str
    digest: bytes
    graphs: tuple[str, ...] = (ALL,)

    @property
    def unrestricted(self) -> bool:
        return ALL in self.graphs

    def may_write(self, graph: str | None) -> bool:
        """``graph`` None is the protocol's default graph, i.e. the asserted graph."""
        iri = str(ASSERTED) if graph is None else graph
        if not self.unrestricted and has_dot_segment(iri):
            return False
        for pattern in self.graphs:
            if pattern == ALL or iri == pattern or (
                    pattern.endswith("*") and iri.startswith(pattern[:-1])):
                return True
        return False

    def check(self, graphs: Iterable[str | None]) -> None:
        """``InsufficientScope`` (403) naming the first graph outside the grant."""
        for g in graphs:
            if not self.may_write(g):
                shown = f"<{g}>" if g is not None else f"the default graph <{ASSERTED}>"
                raise InsufficientScope(ErrorKind.FORBIDDEN, f"the token '{self.name}' may not "
                                        f"write {shown}; it may write: "
                                        + ", ".join(self.graphs))


#: path segments that name another path once resolved (RFC 3986 5.2.4), percent-encoded too
_DOT_SEGMENTS = frozenset({".", "..", "%2e", "%2e%2e", ".%2e", "%2e."})


def has_dot_segment(iri: str) -> bool:
    """True if the IRI's path has a ``.`` or ``..`` segment.

    A prefix grant ``…/source/*`` would match ``…/source/../asserted``, which any client or
    store that resolves the IRI reads as ``…/asserted``: such names are refused for scoped
    tokens, so the grant check and whatever later normalises the name cannot disagree."""
    path = urlsplit(iri).path
    return any(seg.lower() in _DOT_SEGMENTS for seg in path.split("/"))


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def _parse_tokens_file(path: Path) -> list[Grant]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KGError(ErrorKind.BAD_INPUT, f"cannot read the tokens file: {exc.strerror or exc}",
                      file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise KGError(ErrorKind.BAD_INPUT, f"tokens file: {exc}", file=str(path)) from None
    grants: list[Grant] = []
    entries = doc.get("tokens", [])
    if not isinstance(entries, list):
        raise KGError(ErrorKind.BAD_INPUT, "tokens file: [[tokens]] must be an array of tables",
                      file=str(path))
    for i, entry in enumerate(entries, 1):
        where = f"tokens file entry {i}"
        if not isinstance(entry, dict):
            raise KGError(ErrorKind.BAD_INPUT, f"{where} is not a table", file=str(path))
        name = str(entry.get("name") or f"token {i}")
        graphs = entry.get("graphs")
        if not isinstance(graphs, list) or not graphs or not all(
                isinstance(g, str) and g for g in graphs):
            raise KGError(ErrorKind.BAD_INPUT, f"{where} ({name}): 'graphs' must be a "
                          "non-empty list of graph IRIs ('*' for all)", file=str(path))
        if isinstance(entry.get("token_sha256"), str):
            try:
                value = bytes.fromhex(entry["token_sha256"])
            except ValueError:
                value = b""
            if len(value) != hashlib.sha256().digest_size:
                raise KGError(ErrorKind.BAD_INPUT, f"{where} ({name}): token_sha256 must be "
                              "64 hex digits", file=str(path))
        elif isinstance(entry.get("token"), str) and entry["token"].strip():
            value = digest(entry["token"].strip())
        else:
            raise KGError(ErrorKind.BAD_INPUT, f"{where} ({name}): needs 'token' or "
                          "'token_sha256'", file=str(path))
        grants.append(Grant(name, value, tuple(graphs)))
    return grants


_CACHE: dict[str, tuple[float, list[Grant]]] = {}
_CACHE_LOCK = threading.Lock()


def check_configuration(settings: Settings) -> None:
    """At start-up: a broken tokens file is the operator's bad input (exit 2), not a 500
    on the first write."""
    if settings.allow_update and settings.tokens_file:
        _parse_tokens_file(Path(settings.tokens_file))


def grants(settings: Settings) -> list[Grant]:
    """Every accepted token: the operator's, then the tokens file's (re-read when changed)."""
    out: list[Grant] = []
    if settings.token:
        out.append(Grant("operator", digest(settings.token)))
    if settings.tokens_file:
        path = Path(settings.tokens_file)
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError as exc:
            raise KGError(ErrorKind.INTERNAL, f"cannot read the tokens file {path}: "
                          f"{exc.strerror or exc}") from None
        with _CACHE_LOCK:
            cached = _CACHE.get(str(path))
            if cached is None or cached[0] != mtime:
                try:
                    cached = (mtime, _parse_tokens_file(path))
                except KGError as exc:  # fail closed: no write until the operator fixes it
                    raise KGError(ErrorKind.INTERNAL, str(exc)) from None
                _CACHE[str(path)] = cached
        out.extend(cached[1])
    return out


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def match(given: str, candidates: list[Grant]) -> Grant | None:
    """The grant whose token is ``given``, comparing with every one (constant time each)."""
    given_digest = digest(given)
    found: Grant | None = None
    for grant in candidates:
        if hmac.compare_digest(given_digest, grant.digest) and found is None:
            found = grant
    return found


def require_writer(settings: Settings) -> Grant:
    """The grant this request writes under; ``FORBIDDEN``/``UNAUTHORIZED`` otherwise."""
    if not settings.allow_update:
        raise KGError(ErrorKind.FORBIDDEN, "this server is read-only (start it with updates "
                      "allowed to accept SPARQL Update and Graph Store writes)")
    candidates = grants(settings)
    if not candidates:
        raise KGError(ErrorKind.FORBIDDEN, "updates are enabled but no write token is "
                      "configured (ALLIANCE_KG_TOKEN, ALLIANCE_KG_TOKEN_FILE or "
                      "ALLIANCE_KG_TOKENS_FILE)")
    given = bearer_token()
    if given is None:
        raise KGError(ErrorKind.UNAUTHORIZED, "writes need 'Authorization: Bearer <token>'")
    grant = match(given, candidates)
    if grant is None:
        raise KGError(ErrorKind.UNAUTHORIZED, "the bearer token is not valid")
    return grant
