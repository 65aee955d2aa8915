"""The one place an error becomes an HTTP response.

Every failure in the web layer is a :class:`~alliance_kg.errors.KGError` (raised by the library
or by a blueprint); :data:`STATUS` maps its kind to a status code, :func:`error_response` writes
the body as ``text/plain`` or JSON according to ``Accept``, with the message and, when known,
the line and column. werkzeug's own HTTP errors (404 for an unknown path, 405 with ``Allow``)
go through the same writer so every error body looks the same. No stack trace ever reaches a
client: an unexpected exception is logged here and answered with a plain 500.

Status decisions (see docs/HTTP.md, "Status codes"):

* ``TOO_LARGE`` is 413 for every configured size limit (request body, query length in a POST,
  result rows/triples): a 4xx says "change the request", which is right because the same request
  would fail again; the message names the limit. A query too long *in the URL* (GET) is 414.
* ``TIMEOUT`` is 503 with ``Retry-After``: the server was too busy with this query, another
  moment or a cheaper query may work (Fuseki answers timeouts with 503 as well).
* ``CONFLICT`` is 409; a change rejected by the SHACL shapes (:class:`ShapesViolated`) and a
  change whose OWL closure is inconsistent (``INCONSISTENT``) are 422: the request was
  understood, its content is semantically unacceptable.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from ..errors import ErrorKind, KGError

log = logging.getLogger("alliance_kg.web")

#: error kind -> HTTP status. The single table; nothing else in the web layer picks a status
#: for an error.
STATUS: dict[ErrorKind, int] = {
    ErrorKind.BAD_INPUT: 400,
    ErrorKind.UNAUTHORIZED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.NOT_ACCEPTABLE: 406,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorKind.INCONSISTENT: 422,
    ErrorKind.INTERNAL: 500,
    ErrorKind.TIMEOUT: 503,
    ErrorKind.UNAVAILABLE: 502,
    ErrorKind.STORE_UNAVAILABLE: 503,  #: with Retry-After: the engine behind a remote store
    ErrorKind.UPSTREAM_TIMEOUT: 504,
}

#: seconds a client should wait before retrying a timed-out query
RETRY_AFTER_SECONDS = 5

Limit = Literal["body", "uri", "query", "results"]


class Report(Protocol):
    """What a SHACL validation report offers (``knowledge.validate.ValidationReport``)."""

    conforms: bool

    def to_turtle(self) -> str: ...

    def to_json(self) -> str: ...


@dataclass
class LimitExceeded(KGError):
    """A configured size limit was passed; ``limit`` says which (decides 413 vs 414)."""

    limit: Limit = "body"

    @classmethod
    def of(cls, limit: Limit, message: str) -> LimitExceeded:
        return cls(ErrorKind.TOO_LARGE, message, limit=limit)


@dataclass
class ShapesViolated(KGError):
    """A write whose result does not conform to the shapes; answered 422 with the report."""

    report: Report | None = field(default=None, repr=False)

    @classmethod
    def of(cls, report: Report) -> ShapesViolated:
        return cls(
            ErrorKind.CONFLICT,
            "the change was rejected: the resulting data does not conform to the SHACL shapes",
            report=report,
        )


@dataclass
class InsufficientScope(KGError):
    """A valid token writing a graph outside its grant: 403 with RFC 6750's
    ``WWW-Authenticate: Bearer error="insufficient_scope"`` (see :mod:`.auth`)."""


@dataclass
class MethodNotAllowed(KGError):
    """A method a route exists for but does not accept in this form (405 with ``Allow``)."""

    allow: tuple[str, ...] = ()


def status_for(err: KGError) -> int:
    if isinstance(err, ShapesViolated):
        return 422
    if isinstance(err, MethodNotAllowed):
        return 405
    if isinstance(err, LimitExceeded) and err.limit == "uri":
        return 414
    return STATUS.get(err.kind, 500)


def _wants_json() -> bool:
    accept = request.accept_mimetypes
    if not accept:
        return False
    best = accept.best_match(["text/plain", "application/json", "application/problem+json"])
    return best in {"application/json", "application/problem+json"}


def _body(status: int, kind: str, message: str, extra: dict[str, Any]) -> Response:
    if _wants_json():
        payload: dict[str, Any] = {"status": status, "error": kind, "message": message}
        payload.update({k: v for k, v in extra.items() if v is not None})
        resp = Response(json.dumps(payload, ensure_ascii=False) + "\n", status=status,
                        mimetype="application/json")
    else:
        where = extra.get("line")
        text = message
        if where is not None:
            col = extra.get("column")
            text = f"line {where}" + (f", column {col}" if col is not None else "") + f": {message}"
        resp = Response(f"{status} {kind}: {text}\n", status=status,
                        mimetype="text/plain")
    resp.vary.add("Accept")
    return resp


def error_response(err: KGError) -> Response:
    status = status_for(err)
    if isinstance(err, ShapesViolated) and err.report is not None:
        resp = _report_response(err.report, status)
    else:
        resp = _body(status, err.kind.value, err.message,
                     {"line": err.line, "column": err.column, "file": err.file})
    if status == 401:
        resp.headers["WWW-Authenticate"] = (
            'Bearer realm="alliance-kg"'
            + (', error="invalid_token"' if "Authorization" in request.headers else "")
        )
    if isinstance(err, InsufficientScope):
        resp.headers["WWW-Authenticate"] = 'Bearer realm="alliance-kg", ' \
            'error="insufficient_scope"'
    if status == 503:
        resp.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if isinstance(err, MethodNotAllowed):
        resp.headers["Allow"] = ", ".join(err.allow)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _report_response(report: Report, status: int) -> Response:
    """The SHACL report itself as the body: Turtle by default, JSON if the client prefers it."""
    accept = request.accept_mimetypes
    best = accept.best_match(["text/turtle", "application/json", "application/ld+json"]) \
        if accept else "text/turtle"
    if best in {"application/json"}:
        return Response(report.to_json(), status=status, mimetype="application/json")
    return Response(report.to_turtle(), status=status, content_type="text/turtle; charset=utf-8")


def http_exception_response(exc: HTTPException) -> Response:
    """werkzeug's errors (unknown path, method not allowed, body too large) in our body format."""
    status = exc.code or 500
    kind = (exc.name or "error").lower().replace(" ", "-")
    resp = _body(status, kind, exc.description or exc.name or "error", {})
    # keep the headers werkzeug decided on (Allow for 405), but not its Content-Type
    for name, value in exc.get_headers():
        if name.lower() not in {"content-type", "content-length"}:
            resp.headers[name] = value
    return resp


def register(app: Flask) -> None:
    """Install the handlers on an app (called by the app factory)."""

    @app.errorhandler(KGError)
    def _kg_error(err: KGError) -> Response:
        if err.kind is ErrorKind.INTERNAL:
            # the detail (paths, exit codes, exception text) is for the operator's log only
            log.error("internal error on %s %s: %s", request.method, request.path, err)
            return error_response(KGError(ErrorKind.INTERNAL, "internal server error"))
        return error_response(err)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        return http_exception_response(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(KGError(ErrorKind.INTERNAL, "internal server error"))
