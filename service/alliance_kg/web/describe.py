"""Dereferenceable IRIs: ``/resource/…``, ``/ontology/…``, ``/vocab/…``, ``/shapes/…``,
``/graph/…`` answer by content negotiation, as Pubby and LodView do.

**Choice: 303 See Other** (the "Cool URIs for the Semantic Web" recipe Pubby and LodView use by
default). ``akr:japan`` names a country, not a document, so a GET of the IRI (the public base
mapped onto this server's root, see :mod:`.iris`) answers ``303`` with ``Vary: Accept`` and a
``Location`` chosen by ``Accept``:

* HTML for people → ``/page/resource/japan``;
* Turtle, JSON-LD, N-Triples, RDF/XML, N3, TriG, N-Quads for machines →
  ``/data/resource/japan.ttl`` (``.jsonld``, ``.nt``, ``.rdf``, ``.n3``, ``.trig``, ``.nq``).

The documents are plain 200s. ``/data/resource/japan`` without an extension negotiates too and
answers 200 with ``Vary: Accept`` and ``Content-Location`` naming the file it chose. ``*/*`` or
no ``Accept`` gets Turtle; ``?format=`` works as on ``/sparql``. An IRI the dataset knows nothing
about is 404 (an HTML page with near matches for people), an ``Accept`` we cannot meet is 406.

A triple format carries the triples of the description (the union of every graph); TriG and
N-Quads keep each triple in its graph, so a machine sees what is asserted, what is inferred and
which sentence graph states what. JSON-LD is compacted with our context
(:mod:`.ldcontext`), embedded so the document reads without fetching anything.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence

import rdflib
from flask import Blueprint, Response, render_template, request
from rdflib import URIRef

from ..errors import ErrorKind, KGError
from ..formats import Format, Kind
from ..namespaces import bind_prefixes
from . import conditional, negotiation
from .context import AppState, state
from .iris import SECTIONS, UnsafeIRI, data_url, iri_for, page_url, sparql_iri, sparql_literal
from .ldcontext import load_context
from .pages import curie, present
from .resources import Description, load
from .selects import select

bp = Blueprint("describe", __name__)

#: HTML is not in formats.py (that table is RDF and SPARQL results): it exists only here, as
#: one more candidate for the negotiation. ``Kind.GRAPH`` keeps the graph media aliases.
HTML = Format("html", "text/html", Kind.GRAPH, (".html",), None, None,
              ("application/xhtml+xml",))
#: the data documents, Turtle first (what ``*/*`` gets)
DATA_FORMATS: tuple[Format, ...] = negotiation.GRAPH_FORMATS
#: what the IRI itself negotiates between: the data formats, then HTML (browsers ask for it)
IRI_FORMATS: tuple[Format, ...] = (*DATA_FORMATS, HTML)
#: near matches listed on a 404 page
SUGGESTIONS = 8


def extension(fmt: Format) -> str:
    return fmt.extensions[0]


def _choose(candidates: Sequence[Format]) -> Format:
    params = request.args.getlist("format")
    if HTML in candidates and any(v.strip().lower() in ("html", "text/html") for v in params):
        return HTML
    return negotiation.choose(request.accept_mimetypes, candidates, params,
                              what="this resource")


def _iri(section: str, rest: str) -> str | None:
    """The IRI a path stands for, or None when the path cannot be one of our IRIs."""
    iri = iri_for(section, rest, state().settings.public_base)
    try:
        sparql_iri(iri)
    except UnsafeIRI:
        return None
    return iri


def _exists(st: AppState, iri: str) -> bool:
    node = sparql_iri(iri)
    if iri in st.store.graph_names():
        return True
    rows = select(st, f"""SELECT ?x WHERE {{
        {{ GRAPH ?g {{ {node} ?p ?o }} BIND(1 AS ?x) }}
        UNION {{ GRAPH ?g {{ ?s ?p {node} }} BIND(2 AS ?x) }}
        UNION {{ GRAPH ?g {{ ?s {node} ?o }} BIND(3 AS ?x) }} }} LIMIT 1""",
                  default_graphs=None)
    return bool(rows)


# -- the IRI: 303 -----------------------------------------------------------------------------


def dereference(section: str, rest: str) -> Response:
    st = state()
    fmt = _choose(IRI_FORMATS)
    iri = _iri(section, rest)
    if iri is None or not _exists(st, iri):
        return not_found(section, rest, iri, html=fmt is HTML)
    base = st.settings.public_base
    target = page_url(iri, base) if fmt is HTML else data_url(iri, base, extension(fmt))
    resp = Response(status=303)
    resp.headers["Location"] = target or "/"
    resp.vary.add("Accept")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


for _section in SECTIONS:
    bp.add_url_rule(f"/{_section}/<path:rest>", f"iri_{_section}",
                    lambda rest, _s=_section: dereference(_s, rest), methods=["GET"])


# -- the documents ----------------------------------------------------------------------------


def _section_rest(path: str) -> tuple[str, str] | None:
    section, _, rest = path.partition("/")
    if section not in SECTIONS or not rest:
        return None
    return section, rest


@bp.route("/page/<path:path>", methods=["GET"])
def page(path: str) -> Response:
    st = state()
    parts = _section_rest(path)
    iri = _iri(*parts) if parts else None
    if parts is None or iri is None:
        return not_found(*(parts or ("", path)), iri, html=True)
    etag = st.etag("page", iri)
    if conditional.matches(etag):
        return conditional.not_modified(etag)
    d = load(st, iri)
    if not d.exists:
        return not_found(parts[0], parts[1], iri, html=True)
    from .diagrams import for_resource

    view = present(d, st.settings.public_base)
    alternates = [(f, data_url(iri, st.settings.public_base, extension(f)))
                  for f in DATA_FORMATS]
    html = render_template("ld/resource.html", page=view, alternates=alternates,
                           diagrams=for_resource(st, iri),
                           sparql_describe=f"DESCRIBE <{iri}>")
    resp = Response(html, status=200, content_type="text/html; charset=utf-8")
    resp.headers["Link"] = ", ".join(f'<{url}>; rel="alternate"; type="{f.media_type}"'
                                     for f, url in alternates)
    return conditional.finish(resp, etag)


@bp.route("/data/<path:path>", methods=["GET"])
def data(path: str) -> Response:
    st = state()
    fmt: Format | None = None
    for candidate in DATA_FORMATS:
        for ext in candidate.extensions:
            if path.endswith(ext) and len(path) > len(ext):
                fmt, path = candidate, path[: -len(ext)]
                break
        if fmt is not None:
            break
    negotiated = fmt is None
    if fmt is None:
        fmt = _choose(DATA_FORMATS)
    parts = _section_rest(path)
    iri = _iri(*parts) if parts else None
    if parts is None or iri is None:
        raise KGError(ErrorKind.NOT_FOUND, f"/data/{path} is not a document of this server")
    etag = st.etag("data", iri, fmt.key)
    if conditional.matches(etag):
        return conditional.not_modified(etag)
    d = load(st, iri)
    if not d.exists:
        raise KGError(ErrorKind.NOT_FOUND, f"nothing is known about <{iri}> in this dataset")
    body = serialize(d, fmt, st)
    resp = Response(body, status=200, content_type=negotiation.content_type(fmt))
    if negotiated:
        resp.headers["Content-Location"] = data_url(iri, st.settings.public_base,
                                                    extension(fmt)) or ""
    resp.headers["Link"] = f'<{page_url(iri, st.settings.public_base)}>; rel="alternate"; ' \
                           'type="text/html"'
    return conditional.finish(resp, etag)


def serialize(d: Description, fmt: Format, st: AppState) -> bytes:
    """The description in an RDF format: triples, or quads in their graphs for TriG/N-Quads."""
    if fmt.kind is Kind.DATASET:
        ds = rdflib.Dataset()
        bind_prefixes(ds)
        for s, p, o, g in d.triples():
            ds.graph(URIRef(g)).add((s, p, o))
        out: bytes = ds.serialize(format=fmt.rdflib or "trig", encoding="utf-8")
        return out
    graph = rdflib.Graph()
    bind_prefixes(graph)
    for s, p, o, _ in d.triples():
        graph.add((s, p, o))
    if fmt.key == "jsonld":
        context = load_context(st.settings.root)["@context"]
        text = graph.serialize(format="json-ld", context=context, auto_compact=True)
        doc = json.loads(text)
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    out = graph.serialize(format=fmt.rdflib or "turtle", encoding="utf-8")
    return out


# -- 404 --------------------------------------------------------------------------------------


def _known(st: AppState, section: str) -> list[str]:
    prefix = st.settings.public_base + section + "/"

    def compute() -> list[str]:
        rows = select(st, f"""SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
            FILTER(isIRI(?s) && STRSTARTS(STR(?s), {sparql_literal(prefix)})) }} LIMIT 20000""",
                      default_graphs=None)
        return sorted(str(r["s"]) for r in rows)

    known: list[str] = st.cached(f"known:{section}", compute)
    return known


def not_found(section: str, rest: str, iri: str | None, *, html: bool) -> Response:
    """404: for people a page with near matches; for machines the usual error body."""
    st = state()
    what = f"<{iri}>" if iri else f"/{section}/{rest}"
    message = f"nothing is known about {what} in this dataset"
    if not html:
        raise KGError(ErrorKind.NOT_FOUND, message)
    suggestions: list[tuple[str, str]] = []
    if section in SECTIONS:
        known = _known(st, section)
        prefix = st.settings.public_base + section + "/"
        names = {k[len(prefix):]: k for k in known}
        for name in difflib.get_close_matches(rest, list(names), n=SUGGESTIONS, cutoff=0.5):
            suggestions.append((page_url(names[name], st.settings.public_base) or "",
                                curie(names[name])))
    body = render_template("ld/notfound.html", iri=iri, path=f"/{section}/{rest}",
                           message=message, suggestions=suggestions)
    resp = Response(body, status=404, content_type="text/html; charset=utf-8")
    resp.vary.add("Accept")
    resp.headers["Cache-Control"] = "no-store"
    return resp

