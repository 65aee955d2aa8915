"""The one table of media types, file extensions and parser/serializer names.

The CLI (``--format``, file extensions) and the web layer (``Accept``, ``Content-Type``,
``format=``) both look formats up here, so a format added once works everywhere. Content
negotiation itself is werkzeug's (``MIMEAccept``); this module only says what we can produce.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import PurePath


class Kind(Enum):
    """What a format can carry, which decides which formats a query form may be answered in."""

    GRAPH = "graph"  #: triples (CONSTRUCT/DESCRIBE, a graph of the Graph Store Protocol)
    DATASET = "dataset"  #: quads (whole dataset dumps; also acceptable for CONSTRUCT)
    RESULTS = "results"  #: SPARQL SELECT/ASK results


@dataclass(frozen=True)
class Format:
    key: str  #: short name used by ``--format`` and the ``format=`` parameter
    media_type: str  #: canonical media type, sent as Content-Type
    kind: Kind
    extensions: tuple[str, ...]
    rdflib: str | None  #: rdflib parser/serializer plugin name
    oxigraph: str | None  #: attribute name of pyoxigraph.RdfFormat / QueryResultsFormat
    aliases: tuple[str, ...] = ()  #: other media types clients send for the same thing


FORMATS: tuple[Format, ...] = (
    # RDF graphs
    Format("turtle", "text/turtle", Kind.GRAPH, (".ttl",), "turtle", "TURTLE",
           ("application/x-turtle",)),
    Format("ntriples", "application/n-triples", Kind.GRAPH, (".nt",), "nt", "N_TRIPLES",
           ("text/plain",)),
    Format("rdfxml", "application/rdf+xml", Kind.GRAPH, (".rdf", ".owl", ".xml"), "xml",
           "RDF_XML", ("application/xml", "text/xml")),
    Format("jsonld", "application/ld+json", Kind.GRAPH, (".jsonld",), "json-ld", "JSON_LD"),
    Format("n3", "text/n3", Kind.GRAPH, (".n3",), "n3", "N3", ("text/rdf+n3",)),
    # RDF datasets
    Format("trig", "application/trig", Kind.DATASET, (".trig",), "trig", "TRIG"),
    Format("nquads", "application/n-quads", Kind.DATASET, (".nq",), "nquads", "N_QUADS"),
    # SPARQL results
    Format("json", "application/sparql-results+json", Kind.RESULTS, (".srj",), "json", "JSON",
           ("application/json",)),
    Format("xml", "application/sparql-results+xml", Kind.RESULTS, (".srx",), "xml", "XML"),
    Format("csv", "text/csv", Kind.RESULTS, (".csv",), "csv", "CSV"),
    Format("tsv", "text/tab-separated-values", Kind.RESULTS, (".tsv",), "tsv", "TSV"),
)

BY_KEY: dict[str, Format] = {f.key: f for f in FORMATS}


def by_media_type(media_type: str, kind: Kind | None = None) -> Format | None:
    """The format for a media type (parameters such as ``;charset=`` ignored), or None.

    ``kind`` disambiguates types shared by two tables (``application/xml`` is RDF/XML for a
    graph but SPARQL XML results for a SELECT).
    """
    mt = media_type.split(";", 1)[0].strip().lower()
    for fmt in FORMATS:
        if kind is not None and fmt.kind is not kind:
            continue
        if mt == fmt.media_type or mt in fmt.aliases:
            return fmt
    return None


def by_path(path: str | PurePath) -> Format | None:
    """Guess the RDF format of a file from its extension (``.gz`` is looked through)."""
    suffixes = [s.lower() for s in PurePath(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    if not suffixes:
        return None
    for fmt in FORMATS:
        if fmt.kind is not Kind.RESULTS and suffixes[-1] in fmt.extensions:
            return fmt
    return None


def of_kind(*kinds: Kind) -> list[Format]:
    return [f for f in FORMATS if f.kind in kinds]
