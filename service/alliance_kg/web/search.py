"""``GET /search``: full-text search over the graph (:mod:`alliance_kg.protocol.search`).

``q`` is the text (1-200 characters); ``type`` is a kind of hit (``entity``, ``term``,
``sentence``, ``claim``) or a class (an IRI, ``<iri>`` or a prefixed name of ours: its
instances, inferred types included); ``kind`` names the kind when ``type`` is a class;
``lang`` keeps literals in that language (``en`` also keeps ``en-GB``); ``limit`` is 1-100
(default 10). JSON by default; an HTML results page for browsers (``Accept: text/html`` or
``format=html``), which the search box of every page opens on Enter.

The index is built once per process at start-up, in the background under the write lock (no
write can slip between the store it reads and the index it makes); a search that comes before
it is ready waits for it, up to :data:`READY_WAIT` seconds, then is 503 with ``Retry-After``.
Writes move it (:mod:`.writes`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from ..errors import ErrorKind, KGError
from ..knowledge.explain import parse_iri
from ..protocol import searchquery
from ..protocol.search import KINDS, MAX_LIMIT, Query, SearchIndex, answer
from ..store.analysis import QueryFacts
from ..store.executor import read_with
from . import conditional
from .context import AppState, state
from .iris import page_url

bp = Blueprint("search", __name__)
log = logging.getLogger("alliance_kg.web")

#: seconds a search waits for the index being built at start-up
READY_WAIT = 30.0
MEDIA = {"json": "application/json", "html": "text/html"}


class _Building:
    """The build of one app's index, for searches to wait on."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.failed_at = 0.0


_BUILDS: dict[int, _Building] = {}
_RESTART = threading.Lock()
#: seconds after a failed build before a search starts another (the store may be back)
RETRY_AFTER = 30


def prepare(st: AppState) -> threading.Thread:
    """Build ``st``'s index in the background, holding the write lock while it reads."""
    from .writes import _WRITE_LOCK as lock  # the one lock every write takes

    building = _BUILDS[id(st)] = _Building()

    def build() -> None:
        try:
            with lock:
                st.search = SearchIndex.build(st.store)
            log.info("search index: %d texts in %.2f s", st.search.size(),
                     st.search.build_seconds)
        except BaseException as exc:  # reported to searches; one after RETRY_AFTER tries again
            building.error = exc
            building.failed_at = time.monotonic()
            log.warning("could not build the search index", exc_info=True)
        finally:
            building.done.set()

    thread = threading.Thread(target=build, name="prepare-search", daemon=True)
    thread.start()
    return thread


def index_of(st: AppState) -> SearchIndex:
    """The app's index, once built: 503 with ``Retry-After`` while it is being built, or when
    its build failed (a store that did not answer, say; a search after :data:`RETRY_AFTER`
    seconds starts the build again)."""
    if st.search is None:
        building = _BUILDS.get(id(st))
        if building is not None:
            building.done.wait(READY_WAIT)
            with _RESTART:
                if (building.error is not None and _BUILDS.get(id(st)) is building
                        and time.monotonic() - building.failed_at >= RETRY_AFTER):
                    prepare(st)
        if st.search is None:
            failed = building is not None and building.error is not None
            raise KGError(ErrorKind.STORE_UNAVAILABLE if failed else ErrorKind.TIMEOUT,
                          "the search index could not be built (see the server log); it is "
                          "built again on a search after "
                          f"{RETRY_AFTER} s" if failed
                          else "the search index is still being built; try again shortly")
    found: SearchIndex = st.search
    return found


def query_from(args: Any, base_kinds: tuple[str, ...] = KINDS) -> Query:
    """A :class:`Query` from request parameters (``q``, ``type``, ``kind``, ``lang``,
    ``limit``); 400 with the reason for anything malformed."""
    def one(name: str) -> str | None:
        values = args.getlist(name)
        if len(values) > 1:
            raise KGError(ErrorKind.BAD_INPUT, f"give the parameter {name} once")
        return str(values[0]) if values else None

    text = one("q")
    if text is None:
        raise KGError(ErrorKind.BAD_INPUT, "the parameter q (the text to search for) is "
                      "missing")
    kind, cls = one("kind"), None
    type_ = one("type")
    if type_ is not None and type_.strip():
        if type_.strip() in base_kinds:
            kind = type_.strip()
        else:
            cls = parse_iri(type_.strip(), "type")
    raw_limit = one("limit")
    try:
        limit = 10 if raw_limit is None else int(raw_limit)
    except ValueError:
        raise KGError(ErrorKind.BAD_INPUT, f"limit must be a whole number from 1 to "
                      f"{MAX_LIMIT}") from None
    lang = one("lang")
    return Query(text, kind=kind or None, type=cls, lang=lang or None, limit=limit)


def run(st: AppState, query: Query) -> dict[str, Any]:
    """The answer to ``query`` as JSON (the endpoint's body): the library's answer with each
    hit's page on this server."""
    found = answer(index_of(st), query)
    base = st.settings.public_base
    for hit in found["hits"]:
        hit["page"] = page_url(hit["iri"], base)
    return found


#: the clauses of recent query texts (they depend on the text alone; the hits are searched
#: for each request): a repeated query skips the worker's parse, 15-20 ms under load
_CLAUSES: OrderedDict[str, tuple[list[searchquery.Clause], QueryFacts | None]] = OrderedDict()
_CLAUSES_LOCK = threading.Lock()


def sparql_with_hits(st: AppState, sparql: str) -> tuple[str, QueryFacts | None]:
    """``sparql`` with our SERVICE clauses answered (:mod:`alliance_kg.protocol.searchquery`)
    and the facts of the new text, or ``(sparql, None)``. The clauses are read by a query
    worker, killed past the read wait (as the remote store's SERVICE check reads); a query
    rdflib cannot read is left to the engine, which reports its own errors; a malformed
    clause of ours is 400."""
    if not searchquery.mentions(sparql):
        return sparql, None
    known = _CLAUSES.get(sparql)
    if known is None:
        known = read_with(st.store, sparql, searchquery.read_clauses)
        if len(sparql) <= 8192:  # bounds the cache at 2 MiB of texts
            with _CLAUSES_LOCK:
                _CLAUSES[sparql] = known
                while len(_CLAUSES) > 256:
                    _CLAUSES.popitem(last=False)
    found, facts = known
    if not found:
        return sparql, None
    return searchquery.splice(sparql, found, index_of(st)), facts


def _choose() -> str:
    asked = request.args.get("format", "").strip().lower()
    if asked:
        for key, media in MEDIA.items():
            if asked in (key, media):
                return key
        raise KGError(ErrorKind.NOT_ACCEPTABLE, "format must be json or html")
    if not request.accept_mimetypes:
        return "json"
    best = request.accept_mimetypes.best_match(list(MEDIA.values()))
    if best is None:
        raise KGError(ErrorKind.NOT_ACCEPTABLE, "no acceptable format; available: "
                      "application/json (format=json), text/html (format=html)")
    # a browser's */* after text/html asks for the page; an API client's */* for JSON
    if best == "text/html" and request.accept_mimetypes["text/html"] <= \
            request.accept_mimetypes["application/json"]:
        return "json"
    return "json" if best == "application/json" else "html"


@bp.route("/search", methods=["GET"])
def search_view() -> Response:
    st = state()
    key = _choose()
    if key == "html" and not request.args.get("q", "").strip():
        html = render_template("ld/search.html", answer=None, q="", kinds=KINDS)
        return Response(html, content_type="text/html; charset=utf-8")
    query = query_from(request.args)
    etag = st.etag("search", key, query.text, repr(query))
    if conditional.matches(etag):
        return conditional.not_modified(etag)
    answer = run(st, query)
    if key == "json":
        return conditional.finish(jsonify(answer), etag)
    html = render_template("ld/search.html", answer=answer, q=query.text, kinds=KINDS)
    return conditional.finish(Response(html, content_type="text/html; charset=utf-8"), etag)
