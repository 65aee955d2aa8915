"""Which format to answer in: the ``format=`` parameter, else ``Accept`` (with q-values).

Content negotiation is werkzeug's (``MIMEAccept.best_match``); this module only lists, per kind of
answer, the formats we can produce in order of preference (the first one is what ``*/*`` or no
``Accept`` gets) and the extra names clients use for them. The formats themselves come from
:mod:`alliance_kg.formats`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ..errors import ErrorKind, KGError
from ..formats import BY_KEY, Format, Kind, by_media_type
from ..store.base import QueryForm

#: SELECT/ASK answers; JSON first (the default)
RESULT_FORMATS: tuple[Format, ...] = tuple(BY_KEY[k] for k in ("json", "xml", "csv", "tsv"))
#: a graph (CONSTRUCT/DESCRIBE, a Graph Store GET, a description); Turtle first (the default).
#: Quad formats are offered too: a graph is a dataset with only a default graph.
GRAPH_FORMATS: tuple[Format, ...] = tuple(
    BY_KEY[k] for k in ("turtle", "ntriples", "rdfxml", "jsonld", "n3", "trig", "nquads")
)
#: the whole dataset (quads)
DATASET_FORMATS: tuple[Format, ...] = tuple(BY_KEY[k] for k in ("nquads", "trig"))

#: names clients put in ``format=``/``output=`` besides our keys and media types
#: (SPARQLWrapper sends "xml" for RDF/XML of a CONSTRUCT, "rdf+xml", "json-ld", ...)
_GRAPH_SYNONYMS: dict[str, str] = {
    "xml": "rdfxml", "rdf+xml": "rdfxml", "rdf": "rdfxml", "owl": "rdfxml",
    "json-ld": "jsonld", "json": "jsonld", "ttl": "turtle", "nt": "ntriples",
    "n-triples": "ntriples", "nq": "nquads", "n-quads": "nquads",
}
_RESULT_SYNONYMS: dict[str, str] = {"srj": "json", "srx": "xml", "sparql-results+json": "json",
                                    "sparql-results+xml": "xml"}
#: media types some clients send that formats.py files under another kind
_RESULT_MEDIA_ALIASES: dict[str, str] = {"application/xml": "xml", "text/xml": "xml"}
_GRAPH_MEDIA_ALIASES: dict[str, str] = {"application/json": "jsonld",
                                        "application/x-json+ld": "jsonld",
                                        "application/turtle": "turtle"}


def formats_for(form: QueryForm) -> tuple[Format, ...]:
    return RESULT_FORMATS if form in ("SELECT", "ASK") else GRAPH_FORMATS


def _media_types(candidates: Sequence[Format]) -> list[tuple[str, Format]]:
    """(media type, format) pairs to offer werkzeug: canonical types first, in our order."""
    pairs = [(f.media_type, f) for f in candidates]
    extra = _RESULT_MEDIA_ALIASES if candidates[0].kind is Kind.RESULTS else _GRAPH_MEDIA_ALIASES
    for f in candidates:
        pairs += [(alias, f) for alias in f.aliases]
        pairs += [(mt, f) for mt, key in extra.items() if key == f.key]
    return pairs


def _from_param(value: str, candidates: Sequence[Format]) -> Format | None:
    v = value.strip().lower()
    if not v:
        return None
    results = candidates[0].kind is Kind.RESULTS
    synonyms = _RESULT_SYNONYMS if results else _GRAPH_SYNONYMS
    key = v if v in BY_KEY and BY_KEY[v] in candidates else synonyms.get(v)
    if key is not None and BY_KEY[key] in candidates:
        return BY_KEY[key]
    for mt, fmt in _media_types(candidates):
        if v.split(";", 1)[0].strip() == mt:
            return fmt
    for kind in {f.kind for f in candidates}:
        found = by_media_type(v, kind)
        if found is not None and found in candidates:
            return found
    return None


def not_acceptable(candidates: Iterable[Format], what: str) -> KGError:
    listed = ", ".join(f"{f.media_type} (format={f.key})" for f in candidates)
    return KGError(ErrorKind.NOT_ACCEPTABLE,
                   f"no acceptable format for {what}; available: {listed}")


def choose(
    accept: MIMEAccept,
    candidates: Sequence[Format],
    format_params: Sequence[str] = (),
    *,
    what: str = "this resource",
) -> Format:
    """The format to answer in, or ``KGError(NOT_ACCEPTABLE)`` listing what is available.

    ``format_params`` (values of ``format=``; each may be a comma-separated list) win over
    ``Accept``; an absent or empty ``Accept`` (or ``*/*``) gets the first candidate.
    """
    values = [v for raw in format_params for v in raw.split(",") if v.strip()]
    if values:
        for value in values:
            fmt = _from_param(value, candidates)
            if fmt is not None:
                return fmt
        raise not_acceptable(candidates, what)
    if not accept:
        return candidates[0]
    pairs = _media_types(candidates)
    best = accept.best_match([mt for mt, _ in pairs])
    if best is None:
        raise not_acceptable(candidates, what)
    return next(fmt for mt, fmt in pairs if mt == best)


@lru_cache(maxsize=1024)
def _choose_cached(accept_header: str, candidates: tuple[Format, ...],
                   format_params: tuple[str, ...], what: str) -> Format | tuple[ErrorKind, str]:
    try:
        return choose(parse_accept_header(accept_header, MIMEAccept), candidates, format_params,
                      what=what)
    except KGError as exc:
        return exc.kind, exc.message


def choose_for_header(accept_header: str, candidates: Sequence[Format],
                      format_params: Sequence[str] = (), *, what: str = "this resource") -> Format:
    """:func:`choose` for a raw ``Accept`` header, remembered per distinct request.

    Clients send few distinct ``Accept`` headers, and werkzeug's ``best_match`` cost a quarter
    of the CPU time of a small query (it ran once per query form, for the query executor): the
    measured hot path of the endpoint benchmark (docs/BENCHMARKS.md).
    """
    found = _choose_cached(accept_header, tuple(candidates), tuple(format_params), what)
    if isinstance(found, tuple):
        raise KGError(*found)
    return found


@lru_cache(maxsize=1024)
def _for_query_cached(accept_header: str, form: QueryForm, format_params: tuple[str, ...]
                      ) -> Format | tuple[ErrorKind, str]:
    return _choose_cached(accept_header, formats_for(form), format_params, f"a {form} query")


def choose_for_query(accept_header: str, form: QueryForm,
                     format_params: tuple[str, ...] = ()) -> Format:
    """:func:`choose_for_header` for the answer of a ``form`` query, remembered under plain
    strings: the key of :func:`choose_for_header` hashes a tuple of ``Format`` dataclasses
    (a Python ``__hash__`` per format), several microseconds per call, and the query executor
    asks once per query form."""
    found = _for_query_cached(accept_header, form, format_params)
    if isinstance(found, tuple):
        raise KGError(*found)
    return found


def content_type(fmt: Format) -> str:
    """The Content-Type header for a format: text types say their charset."""
    if fmt.media_type.startswith("text/"):
        return f"{fmt.media_type}; charset=utf-8"
    return fmt.media_type
