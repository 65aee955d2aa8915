"""Our IRIs and this server's paths: the one mapping between them, and safe IRIs in SPARQL.

The public base (``settings.public_base``, by default ``https://w3id.org/alliance-kg/``) is
mapped onto this server's root, as Pubby's ``webBase``/``datasetBase`` and LodView's
``IRInamespace`` do: the IRI ``<public_base>resource/japan`` is served at ``/resource/japan``,
its HTML page at ``/page/resource/japan`` and its data at ``/data/resource/japan.ttl``.
Only the namespaces in :data:`SECTIONS` are dereferenced here; the ontology IRI itself
(``…/ontology`` without a slash) belongs to the ontology documentation.

Descriptions are built with SPARQL over the :class:`~alliance_kg.store.base.Store` interface,
which takes query text (no ``initBindings`` on every backend). So a value is put into a query
only through :func:`sparql_iri` / :func:`sparql_literal`: the IRI is parsed by Oxigraph's
RFC 3987 parser (anything that could close the ``<…>`` or inject syntax is not an IRI and is
refused) and written back in N-Triples form. Nothing from a request reaches a query otherwise.
"""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox
from rdflib import Literal

#: the namespaces (path sections under the public base) this server dereferences
SECTIONS: tuple[str, ...] = ("resource", "ontology", "vocab", "shapes", "graph")

#: characters kept as they are when a request path is turned back into an IRI (RFC 3986 pchar
#: and '/'); everything else is percent-encoded as in the stored IRIs
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


class UnsafeIRI(ValueError):
    """A string that is not an absolute IRI and must not be put into a query."""


def sparql_iri(iri: str) -> str:
    """``<iri>`` for a SPARQL query, after checking that ``iri`` is an absolute IRI."""
    try:
        node = ox.NamedNode(iri)
    except ValueError as exc:
        raise UnsafeIRI(f"not an IRI: {iri!r} ({exc})") from None
    text = str(node)
    # belt and braces: the N-Triples form of a valid IRI has no quote, brace or space
    if any(c in text[1:-1] for c in '<>"{}|^`\\ \n\r\t'):
        raise UnsafeIRI(f"not an IRI: {iri!r}")
    return text


def sparql_literal(value: str) -> str:
    """A plain string literal for a SPARQL query, escaped by rdflib."""
    return Literal(value).n3()


def is_ours(iri: str, base: str) -> bool:
    """Whether ``iri`` is in one of the dereferenced namespaces under ``base``."""
    return any(iri.startswith(f"{base}{section}/") and len(iri) > len(base) + len(section) + 1
               for section in SECTIONS)


def iri_for(section: str, rest: str, base: str) -> str:
    """The IRI a request for ``/<section>/<rest>`` stands for (``rest`` is URL-decoded)."""
    return f"{base}{section}/{quote(rest, safe=_PATH_SAFE)}"


def local_path(iri: str, base: str) -> str | None:
    """``section/rest`` of one of our IRIs (no leading slash), or None for any other IRI."""
    if not is_ours(iri, base):
        return None
    return iri[len(base):]


def page_url(iri: str, base: str) -> str | None:
    """This server's HTML page for one of our IRIs (a root-relative URL), else None."""
    path = local_path(iri, base)
    return None if path is None else f"/page/{path}"


def data_url(iri: str, base: str, extension: str = "") -> str | None:
    """This server's data document for one of our IRIs, e.g. ``/data/resource/japan.ttl``."""
    path = local_path(iri, base)
    return None if path is None else f"/data/{path}{extension}"


def href(iri: str, base: str) -> str:
    """Where a link to ``iri`` should go: our page for our IRIs, the IRI itself otherwise."""
    return page_url(iri, base) or iri
