"""Conditional GET: ``ETag`` / ``If-None-Match`` → 304.

ETags are computed *before* the work (from the store generation and the request, see
``AppState.etag``), so a matching ``If-None-Match`` saves evaluating the query at all.
flask-compress appends ``:gzip`` to the ETag of a compressed body; both forms match.
"""

from __future__ import annotations

from flask import Response, request


def matches(etag: str) -> bool:
    inm = request.if_none_match
    if not inm:
        return False
    if inm.star_tag:
        return True
    return any(tag == etag or tag.split(":", 1)[0] == etag for tag in inm.as_set())


def not_modified(etag: str) -> Response:
    resp = Response(status=304)
    resp.set_etag(etag)
    vary_on_accept(resp)
    resp.headers["Cache-Control"] = "no-cache"
    return resp


def vary_on_accept(resp: Response) -> None:
    """``Vary: Accept``, added to a ``Vary`` the view set if any. Most answers have none, and
    then the header is set as it is: ``resp.vary`` parses the header into a live set (a few
    microseconds per request) to write the same value back."""
    if "Vary" in resp.headers:
        resp.vary.add("Accept")
    else:
        resp.headers["Vary"] = "Accept"


def finish(resp: Response, etag: str | None) -> Response:
    """Mark a 200 answer: ETag + revalidate when it has one, no caching otherwise."""
    vary_on_accept(resp)
    if etag is None:
        resp.headers["Cache-Control"] = "no-store"
    else:
        resp.set_etag(etag)
        resp.headers["Cache-Control"] = "no-cache"
    return resp
