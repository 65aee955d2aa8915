"""SPARQL 1.1 Graph Store HTTP Protocol at ``/rdf-graph-store`` (alias ``/store``).

Graphs are named indirectly (``?graph=<iri>``, ``?default``) or directly (the request URL
``/rdf-graph-store/<path>`` *is* the graph IRI, as in the W3C tests). ``?default`` is the
asserted graph, as for SPARQL Update. ``GET`` on the store itself (no graph) returns the whole
dataset (N-Quads or TriG); ``POST`` to it creates a new graph (201 + ``Location``).

Writes need the bearer token, go through :mod:`alliance_kg.web.writes` (scratch copy, re-derive,
validate, one atomic swap) and answer 201 when they create a graph, 204 otherwise. The inferred
graph is derived and cannot be written (403). Every body passes
:func:`~alliance_kg.knowledge.rdfinput.prepare` first (400 for a context document we would
have to load, XML entities, nesting too deep).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Literal
from urllib.parse import urljoin

import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for

from ..errors import ErrorKind, KGError
from ..formats import Format, Kind, by_media_type, by_path, of_kind
from ..knowledge import rdfinput
from ..namespaces import ASSERTED, INFERRED
from ..store.base import GraphName
from . import auth, conditional, negotiation, params, writes
from .context import AppState, state

bp = Blueprint("gsp", __name__)

STORE: Literal["store"] = "store"
Target = GraphName | Literal["store"]
#: what a single graph is served in (Turtle first)
GRAPH_FORMATS: tuple[Format, ...] = tuple(of_kind(Kind.GRAPH))
METHODS = ["GET", "PUT", "POST", "DELETE"]


def _target(p: params.Params, direct: bool) -> Target:
    graph = p.one("graph")
    has_default = "default" in p
    if direct:
        if graph is not None or has_default:
            raise KGError(ErrorKind.BAD_INPUT, "a graph named by its URL takes no ?graph= or "
                          "?default")
        return params.iri(request.base_url, "the request URL")
    if graph is not None and has_default:
        raise KGError(ErrorKind.BAD_INPUT, "give either ?graph=<iri> or ?default, not both")
    if has_default:
        return None
    if graph is not None:
        if not graph.strip():
            raise KGError(ErrorKind.BAD_INPUT, "?graph= needs an IRI")
        return params.iri(urljoin(request.base_url, graph.strip()), "graph")
    return STORE


def exists(st: AppState, graph: GraphName) -> bool:
    return graph is None or graph in st.store.graph_names() or graph in st.empty_graphs


@bp.route("/rdf-graph-store", methods=METHODS)
@bp.route("/store", methods=METHODS, endpoint="store_alias")
def indirect() -> Response:
    return handle(direct=False)


@bp.route("/rdf-graph-store/<path:rest>", methods=METHODS)
def direct(rest: str) -> Response:
    return handle(direct=True)


def handle(*, direct: bool) -> Response:
    p = params.url_params()
    target = _target(p, direct)
    if request.method in ("GET", "HEAD"):
        return get(p, target)
    st = state()
    grant = auth.require_writer(st.settings)
    if target == str(INFERRED):
        raise KGError(ErrorKind.FORBIDDEN, f"<{INFERRED}> is derived from the asserted graph "
                      "and the ontology; write those instead")
    if target != STORE:
        grant.check([target])
    if request.method == "DELETE":
        return delete(st, target, grant)
    if request.method == "PUT":
        return put(st, target, grant)
    return post(st, target, grant)


# -- read ----------------------------------------------------------------------------------


def get(p: params.Params, target: Target) -> Response:
    st = state()
    format_params = p.getlist("format")
    if target == STORE:
        fmt = negotiation.choose(request.accept_mimetypes, negotiation.DATASET_FORMATS,
                                 format_params, what="the whole dataset")
        return _conditional(st, "dump", fmt, lambda: st.store.dump(fmt))
    graph: GraphName = str(ASSERTED) if target is None else target
    if not exists(st, target):
        raise KGError(ErrorKind.NOT_FOUND, f"no graph <{target}> in this store")
    fmt = negotiation.choose(request.accept_mimetypes, GRAPH_FORMATS, format_params,
                             what="a graph")

    def body() -> bytes:
        if graph in st.store.graph_names():
            return st.store.get_graph(graph, fmt)
        return bytes(ox.serialize([], format=writes.ox_format(fmt)) or b"")

    return _conditional(st, f"graph {graph}", fmt, body)


def _conditional(st: AppState, key: str, fmt: Format, body: Callable[[], bytes]) -> Response:
    etag = st.etag("gsp", key, fmt.key)
    if conditional.matches(etag):
        return conditional.not_modified(etag)
    resp = Response(body(), status=200, content_type=negotiation.content_type(fmt))
    return conditional.finish(resp, etag)


# -- write ---------------------------------------------------------------------------------


def _body_format() -> tuple[Format, bytes]:
    mt, mparams = params.media_type()
    if not mt:
        raise KGError(ErrorKind.UNSUPPORTED_MEDIA_TYPE, "a graph needs a Content-Type "
                      "(text/turtle, application/n-triples, application/rdf+xml, ...)")
    fmt = by_media_type(mt, Kind.GRAPH)
    if fmt is None:
        raise KGError(ErrorKind.UNSUPPORTED_MEDIA_TYPE, f"cannot read {mt} into a graph; "
                      "send one of " + ", ".join(f.media_type for f in GRAPH_FORMATS))
    params.check_utf8_charset(mparams)
    return fmt, _prepared(fmt, params.read_body(state().settings.max_body_bytes))


def _prepared(fmt: Format, data: bytes) -> bytes:
    """The body as the store's parser may read it (:mod:`~alliance_kg.knowledge.rdfinput`: no
    context document loaded, no XML entity expanded, nesting bounded), refused with a 400
    before the write starts."""
    settings = state().settings
    return rdfinput.prepare(data, fmt,
                            contexts=rdfinput.Contexts.ours(settings.root, settings.public_base))


def _multipart() -> list[tuple[Format, bytes]]:
    """The parts of a ``multipart/form-data`` POST, each read by its own Content-Type."""
    settings = state().settings
    if request.content_length is not None and request.content_length > settings.max_body_bytes:
        params.read_body(settings.max_body_bytes)  # raises the 413
    parts: list[tuple[Format, bytes]] = []
    for storage in request.files.values():
        fmt = by_media_type(storage.mimetype, Kind.GRAPH) if storage.mimetype else None
        if fmt is None and storage.filename:
            fmt = by_path(storage.filename)
        if fmt is None or fmt.kind is not Kind.GRAPH:
            raise KGError(ErrorKind.UNSUPPORTED_MEDIA_TYPE,
                          f"cannot read part {storage.name!r} ({storage.mimetype or 'no type'})")
        parts.append((fmt, _prepared(fmt, storage.read())))
    return parts


def _base(graph: GraphName) -> str:
    return graph if graph is not None else state().settings.public_base


def put(st: AppState, target: Target, grant: auth.Grant) -> Response:
    if target == STORE:
        raise KGError(ErrorKind.BAD_INPUT, "PUT needs ?graph=<iri> or ?default")
    fmt, data = _body_format()
    created = [False]

    def change(scratch: writes.Changes) -> None:
        created[0] = not scratch.exists(target)
        scratch.drop(target)
        scratch.load(data, fmt, target, _base(target))

    outcome = writes.apply(st, change, grant)
    return writes.answer(outcome, 201 if created[0] else 204, request.headers.get("Prefer"))


def post(st: AppState, target: Target, grant: auth.Grant) -> Response:
    mt, _ = params.media_type()
    parts = _multipart() if mt == "multipart/form-data" else [_body_format()]
    location = None
    if target == STORE:
        target = url_for("gsp.direct", rest=str(uuid.uuid4()), _external=True)
        location = target
        grant.check([target])
    graph: GraphName = target
    created = [False]

    def change(scratch: writes.Changes) -> None:
        created[0] = not scratch.exists(graph)
        if not parts:
            scratch.load(b"", GRAPH_FORMATS[0], graph, _base(graph))
        for fmt, data in parts:
            scratch.load(data, fmt, graph, _base(graph))

    outcome = writes.apply(st, change, grant)
    resp = writes.answer(outcome, 201 if created[0] else 204, request.headers.get("Prefer"))
    if location is not None:
        resp.headers["Location"] = location
    return resp


def delete(st: AppState, target: Target, grant: auth.Grant) -> Response:
    if target == STORE:
        raise KGError(ErrorKind.BAD_INPUT, "DELETE needs ?graph=<iri> or ?default")
    graph: GraphName = target

    def change(scratch: writes.Changes) -> None:
        if not scratch.exists(graph):
            raise KGError(ErrorKind.NOT_FOUND, f"no graph <{graph}> in this store")
        scratch.drop(graph)

    outcome = writes.apply(st, change, grant)
    return writes.answer(outcome, 204, request.headers.get("Prefer"))
