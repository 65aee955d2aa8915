"""``/merge``: merge an external RDF source into the running service, and the client for it.

The service side of ``alliance-kg merge`` (``knowledge/merge.py`` does the work for both):

* ``POST /merge?graph=IRI`` (``PUT`` is the same) with the source as the body, in any RDF format
  (``Content-Type``; ``Content-Encoding: gzip`` welcome): the source goes into its own named
  graph, replacing an earlier merge into the same graph; the catalogue entry and the joined
  graph are computed again. ``?source=`` is what the catalogue records as ``dcterms:source``
  (and names the graph when ``graph`` is not given, as the command line does);
  ``?strict=true`` refuses (409, nothing written) a merge with conflicts or shape violations.
* ``DELETE /merge?graph=IRI`` removes a merged source and its catalogue entry and joins what
  remains again.

Both answer the merge report: JSON (the default) or ``text/plain`` by ``Accept``; 201 with the
source graph's Graph Store URL in ``Location`` for a new source, 200 otherwise.

**Atomicity and cost.** A merge is one write of :func:`.writes.apply`: under the service's write
lock, :func:`alliance_kg.protocol.merging.merge` reads the merged graphs (the catalogue lists
them) and our graphs by pattern from the live store, merges
(:func:`~alliance_kg.knowledge.merge.combine`, as the command line: joins, reasons, validates),
and records the source graph, the catalogue and the joined graph as a delta that ``apply``
writes in one ``store.apply_delta``. The reasoning and the validation run from the write path's
maintained materialization and incremental SHACL, so a merge costs what the merged sources
hold, not what the store holds. A malformed body is refused (400, line and column) before
anything is read from the store; an inconsistent union (422), a strict refusal (409) or a source
that would take over a graph holding other data (409) is raised before anything is written:
either way the store is unchanged. The body passes
:func:`~alliance_kg.knowledge.rdfinput.prepare` (no context document is loaded, no XML entity
expanded, nesting bounded) before any parser reads it.

**Who may merge.** Merging needs a write token (:func:`.auth.require_writer`: 403 on a read-only
server, 401 without a valid token). A token scoped to some graphs (``ALLIANCE_KG_TOKENS_FILE``)
may merge or remove a source whose graph it may write, and only that: the grant is checked
against the *source graph* alone. The catalogue and the joined graph are written by the server
on the token's behalf, as derived data (like the inferred graph after an update): they hold
nothing the token did not send except what the server computes from it, so a token scoped to
``…/graph/source/wikidata`` can merge Wikidata and cannot write anything else (a Graph Store
``PUT`` of the catalogue with the same token is 403).

**The client** (:func:`send`) is what ``alliance-kg merge --service URL`` calls: it posts the
file's bytes as they are (a ``.gz`` file with ``Content-Encoding: gzip``, so the catalogue
records the same SHA-256 as a local merge) and turns an error answer back into the ``KGError``
the server raised, so the command line maps it to the same exit code as a local merge.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin

import requests
from flask import Blueprint, Response, request, url_for

from ..errors import ErrorKind, KGError
from ..formats import Format, Kind, by_media_type, by_path
from ..knowledge import merge as library
from ..knowledge import rdfinput
from ..namespaces import CATALOGUE
from ..protocol import merging
from . import auth, params, writes
from .context import state
from .errors import STATUS, LimitExceeded, error_response

bp = Blueprint("merge", __name__)

PATH = "/merge"
#: what the report is offered as, the first for ``*/*`` or no ``Accept``
REPORT_TYPES = ("application/json", "text/plain")
#: what the catalogue records for a body sent without ``?source=``
DEFAULT_SOURCE = "<request body>"
_GZIP_MAGIC = b"\x1f\x8b"


# -- the endpoint --------------------------------------------------------------------------------


@bp.route(PATH, methods=["POST", "PUT", "DELETE"])
def merge_endpoint() -> Response:
    st = state()
    p = params.url_params()
    grant = auth.require_writer(st.settings)
    report_type = _report_type()
    source = p.one("source")
    graph = _graph(p.one("graph"), source)
    # the one grant check: the source graph; catalogue and joined are the server's (see above)
    grant.check([graph])
    strict = p.flag("strict", default=False)
    incoming: list[library.Source] = []
    if request.method != "DELETE":
        incoming.append(_read(source, graph))
    drop = [graph] if request.method == "DELETE" else []
    result: list[library.Outcome] = []

    def change(changes: writes.Changes) -> None:
        result.append(merging.merge(changes.delta, writes.derivation(st), incoming, drop=drop,
                                    strict=strict))

    try:
        writes.apply(st, change, grant=None)
    except library.MergeRefused as err:
        return _refused(err)
    report = result[0].report
    created = bool(report.sources) and not report.sources[0].replaced
    resp = _report_response(report, report_type, 201 if created else 200)
    if created:
        resp.headers["Location"] = url_for("gsp.indirect", _external=True) + "?" + urlencode(
            {"graph": graph})
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _report_type() -> str:
    """Negotiated before merging: a 406 must not follow a merge that was done."""
    accept = request.accept_mimetypes
    if not accept:
        return REPORT_TYPES[0]
    best = accept.best_match(REPORT_TYPES)
    if best is None:
        raise KGError(ErrorKind.NOT_ACCEPTABLE, "the merge report is available as "
                      + " or ".join(REPORT_TYPES))
    return best


def _graph(graph: str | None, source: str | None) -> str:
    if graph is not None and graph.strip():
        iri = params.iri(urljoin(request.base_url, graph.strip()), "graph")
    elif source:
        iri = library.source_graph(source)
    else:
        raise KGError(ErrorKind.BAD_INPUT, "give ?graph=<iri> (the source's graph; merging "
                      "into it again replaces it) or ?source=<file name>")
    library.check_graph_iri(iri)
    return iri


def _read(source: str | None, graph: str) -> library.Source:
    """The body as a parsed source; 400/413/415 before anything else happens."""
    settings = state().settings
    fmt = _body_format(source)
    raw = params.read_body(settings.max_body_bytes)
    if not raw:
        raise KGError(ErrorKind.BAD_INPUT, "the body is empty: send the source's RDF "
                      "(DELETE removes a merged source)")
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("gzip", "x-gzip") or (encoding == "identity" and raw.startswith(_GZIP_MAGIC)):
        data = gunzip(raw, settings.max_body_bytes)
    elif encoding == "identity":
        data = raw
    else:
        raise KGError(ErrorKind.UNSUPPORTED_MEDIA_TYPE, f"Content-Encoding: {encoding} is not "
                      "supported (send gzip or no encoding)")
    return library.read_source(data, name=source or DEFAULT_SOURCE, graph=graph, fmt=fmt,
                               sha256=_sha256(raw),
                               contexts=rdfinput.Contexts.ours(settings.root,
                                                               settings.public_base))


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _body_format(source: str | None) -> Format:
    mt, mparams = params.media_type()
    fmt = None
    if mt and mt not in ("application/octet-stream", "application/gzip", "application/x-gzip"):
        # application/json is JSON-LD here, as for the Graph Store Protocol
        fmt = by_media_type("application/ld+json" if mt == "application/json" else mt)
        if fmt is None or fmt.kind is Kind.RESULTS:
            raise KGError(ErrorKind.UNSUPPORTED_MEDIA_TYPE, f"cannot merge {mt}: send Turtle, "
                          "N-Triples, N-Quads, TriG, JSON-LD or RDF/XML")
        params.check_utf8_charset(mparams)
    elif source:
        fmt = by_path(source)
    if fmt is None:
        raise KGError(ErrorKind.UNSUPPORTED_MEDIA_TYPE, "a merge needs a Content-Type "
                      "(text/turtle, application/n-triples, application/ld+json, ...) or a "
                      "?source= file name whose extension tells the format")
    return fmt


def gunzip(raw: bytes, limit: int) -> bytes:
    """Decompress a gzip body (several members too) to at most ``limit`` bytes: a small body
    must not become an unbounded one (413 past the limit, 400 for a broken stream)."""
    out = bytearray()
    rest = raw
    while rest:
        d = zlib.decompressobj(wbits=31)
        try:
            out += d.decompress(rest, limit + 1 - len(out))
        except zlib.error as exc:
            raise KGError(ErrorKind.BAD_INPUT, f"the body is not valid gzip: {exc}") from None
        if len(out) > limit or d.unconsumed_tail:
            raise LimitExceeded.of("body", f"the decompressed body is over the limit of "
                                   f"{limit} bytes")
        if not d.eof:
            raise KGError(ErrorKind.BAD_INPUT, "the gzip body is truncated")
        rest = d.unused_data
    return bytes(out)


def _report_response(report: library.MergeReport, report_type: str, status: int) -> Response:
    if report_type == "text/plain":
        return Response(report.to_text(), status=status, content_type="text/plain; charset=utf-8")
    return Response(report.to_json(), status=status, mimetype="application/json")


def _refused(err: library.MergeRefused) -> Response:
    """409 (``--strict``): the usual error body, with the report that made the merge fail."""
    resp = error_response(err)
    report = err.report
    if report is None:  # pragma: no cover - combine always attaches it
        return resp
    if resp.mimetype == "application/json":
        payload = json.loads(resp.get_data(as_text=True))
        payload.update(detail=report.to_text(), report=report.to_dict())
        resp.set_data(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        resp.set_data(resp.get_data(as_text=True) + report.to_text())
    return resp


# -- the client ----------------------------------------------------------------------------------


@dataclass
class Answer:
    """A successful merge as the service answered it: the report, as the client asked for it."""

    status: int
    body: str


#: HTTP status -> the error kind the server raised (web/errors.py's table, read backwards)
KIND_OF_STATUS: dict[int, ErrorKind] = {status: kind for kind, status in STATUS.items()}


def send(service: str, *, data: bytes | None, graph: str | None, source: str | None = None,
         fmt: Format | None = None, strict: bool = False, report: str = "json",
         token: str | None = None, timeout: float = 600.0,
         progress: Callable[[str], None] | None = None) -> Answer:
    """Merge ``data`` into (``data`` None: remove ``graph`` from) the service at ``service``.

    Raises the ``KGError`` the service answered with (kind, message, line, column, and the
    report as ``detail`` for a strict refusal), or ``UNAVAILABLE`` when it cannot be reached
    or does not answer within ``timeout`` seconds (the message says how to tell whether the
    merge landed: the service finishes it whether or not anyone waits).
    """
    say = progress or (lambda _msg: None)
    url = service.rstrip("/") + PATH
    # errors always as JSON (problem+json outranks text/plain), the report as asked
    accept = "application/json" if report == "json" else \
        "text/plain;q=0.9, application/problem+json"
    headers = {"Accept": accept}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    query: dict[str, str] = {}
    if graph is not None:
        query["graph"] = graph
    if source is not None:
        query["source"] = source
    if strict:
        query["strict"] = "true"
    if data is not None:
        if fmt is not None:
            headers["Content-Type"] = fmt.media_type
        if data.startswith(_GZIP_MAGIC):
            headers["Content-Encoding"] = "gzip"
    if data is None:
        say(f"asking {url} to remove <{graph}>")
    else:
        say(f"sending {len(data):,} bytes to {url}; the service parses, joins, reasons and "
            f"validates, then answers (waiting up to {timeout:g} s)")
    try:
        r = requests.request("DELETE" if data is None else "POST", url, params=query, data=data,
                             headers=headers, timeout=(min(timeout, 30.0), timeout))
    except requests.ReadTimeout:
        target = f"<{graph}>" if graph else "the source's graph"
        raise KGError(ErrorKind.UNAVAILABLE, f"gave up waiting for {url} after {timeout:g} s. "
                      "The service goes on with the merge and applies it whole or not at all: "
                      f"to see whether it landed, look for {target} in the catalogue "
                      f"(GRAPH <{CATALOGUE}> {{ ?source a void:Dataset }}), or merge again "
                      "with a longer --timeout (merging a source again replaces it)") from None
    except requests.RequestException as exc:
        raise KGError(ErrorKind.UNAVAILABLE, f"cannot reach {url}: {exc}") from None
    if r.ok:
        return Answer(r.status_code, r.text)
    raise _error_of(r, source)


def _error_of(r: requests.Response, source: str | None) -> KGError:
    kind = KIND_OF_STATUS.get(r.status_code, ErrorKind.INTERNAL)
    try:
        body = r.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return KGError(kind, f"{r.status_code} from {r.url}: {r.text.strip()[:500]}")
    known = {k.value: k for k in ErrorKind}
    kind = known.get(str(body.get("error")), kind)
    line, column = body.get("line"), body.get("column")
    where = body.get("file") if isinstance(body.get("file"), str) else source
    return KGError(kind, str(body.get("message") or r.reason),
                   file=where if line is not None else None,
                   line=line if isinstance(line, int) else None,
                   column=column if isinstance(column, int) else None,
                   detail=body.get("detail") if isinstance(body.get("detail"), str) else None)

