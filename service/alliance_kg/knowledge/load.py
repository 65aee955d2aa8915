"""Files → an rdflib Dataset, with parse errors a person can act on.

Every file is parsed by Oxigraph first (``pyoxigraph.parse``): it is strict (W3C grammars, IRI
validation) and reports the exact line and column of an error, and what it accepts is exactly
what the service's store (Oxigraph) will accept when it loads the built dataset. A file that only
rdflib would read therefore fails here, at ``file:line:col``, and not later at service start-up.
rdflib only locates errors Oxigraph reports without a position; its result is never used, so
its JSON-LD loader (which fetches remote and ``file:`` contexts) is never reached. Before any
parser sees them, the bytes pass :func:`.rdfinput.prepare`: our own JSON-LD context named by IRI
is put inline, any other context IRI, XML entity declarations and nesting past
``rdfinput.MAX_DEPTH`` are bad input.

Blank nodes get **deterministic labels**: numbered in the order the parser first meets them,
salted with a hash of the file's bytes. The same file always yields the same labels, so
everything downstream (reports, inconsistency messages, the built TriG) is deterministic, while
blank nodes of different files never collide. (RDFC-1.0 canonical labels, used before, cost
time exponential in a chain of blank nodes, and crashed a server thread on deep ``[ [ ] ]``
nesting; the salt made their one advantage, labels independent of the serialization, moot.)
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import sys
import warnings
import xml.sax
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from ..errors import ErrorKind, KGError
from ..formats import Format, Kind, by_path
from ..namespaces import bind_prefixes
from . import rdfinput

STDIN = "-"
_GZIP_MAGIC = b"\x1f\x8b"
#: "Parser error at line 3 between columns 17 and 21: ..." / "... at line 2 column 23: ..." /
#: "... between line 3 column 13 and line 5 column 1: ..." — the position is kept separately.
_OX_POSITION = re.compile(
    r"^Parser error (?:at line \d+ (?:between columns \d+ and \d+|column \d+)"
    r"|between line \d+ column \d+ and line \d+ column \d+): ")
_LOCATED = re.compile(r":(\d+):(\d+): ")

QuadTuple = tuple[Node, Node, Node, Node]


def load_files(paths: Iterable[Path | str], *, fmt: Format | None = None) -> rdflib.Dataset:
    """Parse RDF files into one Dataset; ``-`` reads standard input (then ``fmt`` is required).

    Triple formats (Turtle, N-Triples, RDF/XML, JSON-LD, N3) go into the default graph; TriG and
    N-Quads keep their named graphs. ``.gz`` files (or any gzip stream) are decompressed. Raises
    ``KGError(BAD_INPUT)`` with ``file``, ``line`` and ``column`` on a parse error, and with
    ``file`` when a file cannot be read or its format cannot be told from its name.
    """
    ds = rdflib.Dataset()
    bind_prefixes(ds)
    for path in paths:
        name = "<stdin>" if str(path) == STDIN else str(path)
        data = read_bytes(str(path))
        file_fmt = fmt or by_path(name)
        if file_fmt is None:
            raise KGError(ErrorKind.BAD_INPUT,
                          "cannot tell the RDF format from the file name; give a format "
                          "(e.g. --format turtle)", file=name)
        if file_fmt.kind is Kind.RESULTS:
            raise KGError(ErrorKind.BAD_INPUT,
                          f"{file_fmt.key} is a query-results format, not an RDF format",
                          file=name)
        _add_quads(ds, parse_bytes(data, file_fmt, name=name))
    return ds


def parse_bytes(data: bytes, fmt: Format, *, name: str = "<input>",
                contexts: rdfinput.Contexts | None = None) -> list[QuadTuple]:
    """Parse one document into rdflib quads (graph ``DATASET_DEFAULT_GRAPH_ID`` for the default).

    The building block of :func:`load_files`, for callers that already hold the bytes (the
    service's request bodies, tests). ``contexts``: the JSON-LD contexts that may be named by
    IRI (default: ours, :func:`.rdfinput.default_contexts`). Errors as in :func:`load_files`.
    """
    if data.startswith(_GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise KGError(ErrorKind.BAD_INPUT, f"not a valid gzip file: {exc}", file=name) from None
    ox_format = getattr(ox.RdfFormat, fmt.oxigraph or "", None)
    if ox_format is None:  # pragma: no cover - every RDF format of the table has one
        raise KGError(ErrorKind.BAD_INPUT, f"cannot parse {fmt.key}", file=name)
    data = rdfinput.prepare(data, fmt, name=name, contexts=contexts)
    try:
        quads: list[ox.Quad] = list(ox.parse(data, ox_format, rename_blank_nodes=False))
    except SyntaxError as exc:
        quads = _fallback(data, fmt, name, exc)
    except ValueError as exc:  # e.g. bytes that are not UTF-8 in a text format
        raise KGError(ErrorKind.BAD_INPUT, f"cannot read {fmt.key}: {exc}", file=name) from None
    return _to_rdflib(_labelled(quads, data), name)


def union_graph(ds: rdflib.Dataset) -> Graph:
    """All graphs of a dataset merged into one Graph (what "the data" means for reasoning)."""
    g = Graph(bind_namespaces="none")
    bind_prefixes(g)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def repo_sources(root: Path) -> dict[str, list[Path]]:
    """The knowledge files of a checkout, by role, each list sorted (so builds are reproducible).

    ``ontology``: ``ontology/*.ttl``; ``data``: ``data/**/*.ttl`` and ``*.trig`` (including
    ``data/links/`` when present); ``shapes``: ``shapes/*.ttl``. Missing folders give empty lists.
    """
    def files(folder: str, patterns: tuple[str, ...], recursive: bool) -> list[Path]:
        base = root / folder
        if not base.is_dir():
            return []
        found = {p for pat in patterns
                 for p in (base.rglob(pat) if recursive else base.glob(pat)) if p.is_file()}
        return sorted(found, key=lambda p: p.relative_to(root).as_posix())

    return {
        "ontology": files("ontology", ("*.ttl",), recursive=False),
        "data": files("data", ("*.ttl", "*.trig"), recursive=True),
        "shapes": files("shapes", ("*.ttl",), recursive=False),
    }


# -- reading -------------------------------------------------------------------------------------


def read_bytes(name: str) -> bytes:
    """The bytes of a file named on the command line, ``-`` for standard input; a missing or
    unreadable file is bad input that names the file."""
    if name == STDIN:
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except FileNotFoundError:
        raise KGError(ErrorKind.BAD_INPUT, "no such file", file=name) from None
    except IsADirectoryError:
        raise KGError(ErrorKind.BAD_INPUT, "is a directory, not a file", file=name) from None
    except OSError as exc:
        raise KGError(ErrorKind.BAD_INPUT, f"cannot read: {exc.strerror or exc}",
                      file=name) from None


# -- errors --------------------------------------------------------------------------------------


def _fallback(data: bytes, fmt: Format, name: str, ox_error: SyntaxError) -> list[ox.Quad]:
    """Oxigraph refused the document: rdflib may locate the error when Oxigraph did not."""
    if ox_error.lineno is None and fmt.key != "jsonld":
        try:
            _rdflib_parse(data, fmt)
        except Exception as exc:  # rdflib's parsers raise anything; all of it is bad input
            raise _rdflib_error(exc, name) from None
    raise _oxigraph_error(ox_error, name) from None


def _oxigraph_error(exc: SyntaxError, name: str) -> KGError:
    message = _OX_POSITION.sub("", str(exc.msg or exc))
    message = re.sub(r" \(line \d+\)$", "", message)
    if "No scheme found" in message or "relative IRI" in message.lower():
        message += " (relative IRIs need an @base declaration; use absolute IRIs)"
    return KGError(ErrorKind.BAD_INPUT, message, file=name, line=exc.lineno, column=exc.offset)


def _rdflib_error(exc: BaseException, name: str) -> KGError:
    """The position rdflib's parsers give, as a 1-based line and column."""
    line = column = None
    message = str(exc)
    if isinstance(exc, BadSyntax):
        # _i is a character offset into the document, which _str holds UTF-8 encoded
        raw = exc._str
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        line, column = position_of_offset(text, int(exc._i or 0))
        message = exc._why
    elif isinstance(exc, json.JSONDecodeError):
        line, column, message = exc.lineno, exc.colno, exc.msg
    elif isinstance(exc, xml.sax.SAXParseException):
        # expat columns are 0-based
        line, column, message = exc.getLineNumber(), (exc.getColumnNumber() or 0) + 1, \
            exc.getMessage()
    else:
        m = _LOCATED.search(message)
        if m:  # rdflib's RDF/XML parser prints "<id>:line:col: message" (col 0-based)
            line, column = int(m.group(1)), int(m.group(2)) + 1
            message = message[m.end():]
    return KGError(ErrorKind.BAD_INPUT, message.strip() or type(exc).__name__, file=name,
                   line=line, column=column)


def position_of_offset(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset into ``text``."""
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


# -- rdflib fallback -----------------------------------------------------------------------------


def _rdflib_parse(data: bytes, fmt: Format) -> list[ox.Quad]:
    ds = rdflib.Dataset()
    with quiet_literals():
        ds.parse(data=data, format=fmt.rdflib or fmt.key)
    quads = []
    for s, p, o, g in ds.quads((None, None, None, None)):
        graph = ox_term(g) if g is not None and g != DATASET_DEFAULT_GRAPH_ID else None
        quads.append(ox.Quad(ox_term(s), ox_term(p), ox_term(o),  # type: ignore[arg-type]
                             graph if not isinstance(graph, ox.Literal) else None))
    return quads


def ox_term(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for an rdflib term (plain literals become ``xsd:string``)."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype or XSD.string)))
    raise KGError(ErrorKind.BAD_INPUT, f"unsupported RDF term {node!r}")


# -- canonical blank nodes and conversion --------------------------------------------------------


def _labelled(quads: list[ox.Quad], data: bytes) -> Iterator[ox.Quad]:
    """Quads with blank nodes numbered in order of first appearance, salted by the document's
    hash (linear time whatever the graph's shape)."""
    if not any(isinstance(t, ox.BlankNode) for q in quads
               for t in (q.subject, q.object, q.graph_name)):
        return iter(quads)
    prefix = f"b{hashlib.sha256(data).hexdigest()[:8]}_"
    labels: dict[ox.BlankNode, ox.BlankNode] = {}

    def rename(t: ox.BlankNode) -> ox.BlankNode:
        label = labels.get(t)
        if label is None:
            label = labels[t] = ox.BlankNode(f"{prefix}{len(labels)}")
        return label

    out = []
    for q in quads:
        s, o, g = q.subject, q.object, q.graph_name
        out.append(ox.Quad(rename(s) if isinstance(s, ox.BlankNode) else s, q.predicate,
                           rename(o) if isinstance(o, ox.BlankNode) else o,
                           rename(g) if isinstance(g, ox.BlankNode) else g))
    return iter(out)


def _to_rdflib(quads: Iterable[ox.Quad], name: str) -> list[QuadTuple]:
    cache: dict[object, Node] = {}

    def term(t: object) -> Node:
        hit = cache.get(t)
        if hit is not None:
            return hit
        node: Node
        if isinstance(t, ox.NamedNode):
            node = URIRef(t.value)
        elif isinstance(t, ox.BlankNode):
            node = BNode(t.value)
        elif isinstance(t, ox.Literal):
            if t.language:
                node = Literal(t.value, lang=t.language)
            elif t.datatype.value == _XSD_STRING:
                node = Literal(t.value)
            else:
                node = Literal(t.value, datatype=URIRef(t.datatype.value))
        elif isinstance(t, ox.DefaultGraph):
            node = DATASET_DEFAULT_GRAPH_ID
        else:
            raise KGError(ErrorKind.BAD_INPUT,
                          "RDF-star quoted triples are not supported", file=name)
        cache[t] = node
        return node

    out: list[QuadTuple] = []
    with quiet_literals():
        for q in quads:
            out.append((term(q.subject), term(q.predicate), term(q.object), term(q.graph_name)))
    return out


_XSD_STRING = str(XSD.string)


@contextmanager
def quiet_literals() -> Iterator[None]:
    """Silence rdflib's "failed to convert Literal" warnings and tracebacks while inside.

    An ill-typed literal (``"2024-13-45"^^xsd:date``) is kept as written; the reasoner reports it
    as an inconsistency and the shapes as a datatype violation, each naming the resource, so
    rdflib's own log lines (a traceback on standard error) would only be noise.
    """
    logger = logging.getLogger("rdflib.term")
    was = logger.disabled
    logger.disabled = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.disabled = was


def _add_quads(ds: rdflib.Dataset, quads: list[QuadTuple]) -> None:
    graphs: dict[Node, Graph] = {}
    batch = []
    for s, p, o, g in quads:
        graph = graphs.get(g)
        if graph is None:
            graph = graphs[g] = (ds.default_graph if g == DATASET_DEFAULT_GRAPH_ID
                                 else ds.graph(g))  # type: ignore[arg-type]
        batch.append((s, p, o, graph))
    ds.addN(batch)
