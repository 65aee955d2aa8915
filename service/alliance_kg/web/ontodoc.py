"""``/ontology``: the ontology IRI, dereferenced. HTML documentation for people, RDF for machines.

``https://w3id.org/alliance-kg/ontology`` maps onto this server's ``/ontology`` (the public base
onto the root, as for every IRI of ours). Content negotiation between the graph formats
(Turtle first: ``*/*`` and no ``Accept`` get Turtle, as the term IRIs do) and HTML (browsers
ask for it): the HTML is :func:`alliance_kg.knowledge.ontodoc.render` of the store's ontology
graph, the page ``alliance-kg build`` writes to ``dist/ontology.html``, with our IRIs linked to
this server's pages. Unlike the term IRIs (``/ontology/Alliance``, a 303 to a page about a
class), the ontology IRI names this document itself, so it answers 200 with ``Vary: Accept``.
Each term's section has the anchor of its local name: ``/ontology#Alliance``.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for

from ..formats import BY_KEY, Format, Kind
from ..knowledge.ontodoc import SearchBox, render, style_hash
from ..namespaces import ONTOLOGY
from . import conditional, negotiation
from .context import state
from .iris import href

bp = Blueprint("ontodoc", __name__)

HTML = Format("html", "text/html", Kind.GRAPH, (".html",), None, None,
              ("application/xhtml+xml",))
CANDIDATES: tuple[Format, ...] = (*negotiation.GRAPH_FORMATS, HTML)
#: the machine-readable links on the page
DOWNLOADS: tuple[tuple[str, str], ...] = (("Turtle", "turtle"), ("JSON-LD", "jsonld"),
                                          ("RDF/XML", "rdfxml"), ("N-Triples", "ntriples"))


def _choose() -> Format:
    params = request.args.getlist("format")
    if any(v.strip().lower() in ("html", "text/html") for v in params):
        return HTML
    return negotiation.choose(request.accept_mimetypes, CANDIDATES, params,
                              what="the ontology")


@bp.route("/ontology", methods=["GET"])
def ontology() -> Response:
    st = state()
    fmt = _choose()
    etag = st.etag("ontology", fmt.key)
    if conditional.matches(etag):
        resp = conditional.not_modified(etag)
        resp.vary.add("Accept")
        return resp
    if fmt is HTML:
        body = st.cached("ontodoc.html", _page).encode("utf-8")
        resp = Response(body, status=200, content_type="text/html; charset=utf-8")
        # the page's one inline stylesheet by hash; our search box's script, stylesheet, form
        # and the /search answers it reads, from this server only
        resp.headers["Content-Security-Policy"] = (
            f"default-src 'none'; style-src {style_hash()} 'self'; script-src 'self'; "
            "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")
    else:
        body = st.store.get_graph(str(ONTOLOGY), fmt)
        resp = Response(body, status=200, content_type=negotiation.content_type(fmt))
    resp.vary.add("Accept")
    return conditional.finish(resp, etag)


@bp.route("/ontology/", methods=["GET"])
def ontology_slash() -> Response:
    """The namespace with its slash is the ontology too (pyLODE/w3id set-ups do the same)."""
    return redirect("/ontology", code=301)  # type: ignore[return-value]


def _page() -> str:
    import rdflib

    st = state()
    graph = rdflib.Graph()
    graph.parse(data=st.store.get_graph(str(ONTOLOGY), BY_KEY["ntriples"]), format="nt")
    base = st.settings.public_base
    box = SearchBox(url_for("search.search_view"), url_for("static", filename="search.js"),
                    url_for("static", filename="css/search.css"))
    return render(graph, link=lambda iri: href(iri, base),
                  downloads=[(label, f"/ontology?format={key}") for label, key in DOWNLOADS],
                  search=box)
