"""Who may write: a bearer token, compared in constant time, never logged.

Writes (SPARQL Update, Graph Store PUT/POST/DELETE) need ``settings.allow_update`` *and*
``Authorization: Bearer <settings.token>``. A read-only server answers 403 whatever the
credentials (there is nothing to authenticate for); a writable one answers 401 with
``WWW-Authenticate: Bearer`` when the token is missing or wrong.
"""

from __future__ import annotations

import hmac

from flask import request

from ..config import Settings
from ..errors import ErrorKind, KGError


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def require_writer(settings: Settings) -> None:
    """Return if this request may write; raise ``FORBIDDEN``/``UNAUTHORIZED`` otherwise."""
    if not settings.allow_update:
        raise KGError(ErrorKind.FORBIDDEN, "this server is read-only (start it with updates "
                      "allowed to accept SPARQL Update and Graph Store writes)")
    if not settings.token:
        raise KGError(ErrorKind.FORBIDDEN, "updates are enabled but no write token is "
                      "configured (ALLIANCE_KG_TOKEN or ALLIANCE_KG_TOKEN_FILE)")
    given = bearer_token()
    if given is None:
        raise KGError(ErrorKind.UNAUTHORIZED, "writes need 'Authorization: Bearer <token>'")
    if not hmac.compare_digest(given.encode("utf-8"), settings.token.encode("utf-8")):
        raise KGError(ErrorKind.UNAUTHORIZED, "the bearer token is not valid")
