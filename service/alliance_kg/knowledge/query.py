"""SPARQL over an in-memory dataset, for the command line (the service queries its store).

The **default graph** a query sees is the one the service offers: ``akgraph:asserted`` +
``akgraph:inferred`` of a built dataset (asserted only with ``inference=False``); every graph of
the dataset stays visible by name with ``GRAPH``. A plain Graph is queried as it is.

Every prefix of :data:`alliance_kg.namespaces.PREFIXES` (``akg:``, ``akr:``, ``rdfs:``, ``owl:``,
``skos:``...) is **pre-declared**, so ``SELECT ?c WHERE { ?c a akg:MilitaryCommand }`` works as
typed; a ``PREFIX`` in the query wins over ours.

A syntax error raises ``KGError(BAD_INPUT)`` with the line and column (1-based) and the message
shows the line with a caret under the spot. Results without ``ORDER BY`` are sorted before they
are written, so the same query on the same data prints the same bytes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pyoxigraph as ox
import pyparsing
import rdflib
import rdflib.plugins.sparql
from pyparsing import ParseResults
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Node, Variable

from ..errors import ErrorKind, KGError
from ..formats import BY_KEY, Kind
from ..namespaces import ASSERTED, INFERRED, PREFIXES, bind_prefixes
from .load import ox_term
from .names import plain

# FROM <iri> names a graph of the dataset, as in every SPARQL server: rdflib would otherwise
# fetch the IRI from the web while evaluating (slow, and a way to make a server send requests).
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

#: ``--format`` values for SELECT/ASK and for CONSTRUCT/DESCRIBE (besides ``table``)
RESULT_FORMATS = tuple(f.key for f in BY_KEY.values() if f.kind is Kind.RESULTS)
GRAPH_FORMATS = tuple(f.key for f in BY_KEY.values() if f.kind is not Kind.RESULTS)
ALL_FORMATS = ("table", *RESULT_FORMATS, *GRAPH_FORMATS)

_UNORDERED_WRAPPERS = {"SelectQuery", "Slice", "Project", "Distinct", "Reduced",
                       "ConstructQuery", "DescribeQuery", "AskQuery"}


def parse_query(sparql: str, tree: ParseResults | None = None) -> Query:
    """Parse (with our prefixes pre-declared) or raise ``KGError(BAD_INPUT)`` with line:col;
    ``tree``, rdflib's parse of ``sparql`` where the caller has it, is translated, not read
    again."""
    try:
        if tree is not None:
            return translateQuery(tree, initNs=PREFIXES)
        return prepareQuery(sparql, initNs=PREFIXES)
    except pyparsing.ParseBaseException as exc:
        found = f", found {exc.found}" if getattr(exc, "found", "") else ""
        raise syntax_error(sparql, exc.lineno, exc.col, f"{exc.msg}{found}") from None
    except Exception as exc:  # rdflib raises plain Exceptions while translating the algebra
        message = str(exc)
        m = re.match(r"Unknown namespace prefix : (\S+)", message)
        if m:
            line, col = _find_prefix(sparql, m.group(1))
            raise syntax_error(sparql, line, col,
                               f"undeclared prefix {m.group(1)}: (add a PREFIX declaration)") \
                from None
        raise KGError(ErrorKind.BAD_INPUT, f"SPARQL error: {message}") from None


def syntax_error(text: str, line: int | None, column: int | None, message: str) -> KGError:
    """A BAD_INPUT error pointing into ``text``: the message ends with the line and a caret."""
    excerpt = ""
    if line is not None and column is not None:
        lines = text.splitlines() or [""]
        if 1 <= line <= len(lines):
            src = lines[line - 1]
            excerpt = f"\n  {src}\n  {' ' * (column - 1)}^"
    return KGError(ErrorKind.BAD_INPUT, f"SPARQL syntax error: {message}{excerpt}",
                   line=line, column=column)


def _find_prefix(text: str, prefix: str) -> tuple[int | None, int | None]:
    m = re.search(rf"(?<![\w<:]){re.escape(prefix)}:", text)
    if not m:
        return None, None
    line = text.count("\n", 0, m.start()) + 1
    column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
    return line, column


def query_view(ds_or_graph: Graph, *, inference: bool = True) -> Graph:
    """The graph/dataset a query runs on (see the module docstring for the default graph)."""
    if not isinstance(ds_or_graph, rdflib.Dataset):
        return ds_or_graph
    names = {g.identifier for g in ds_or_graph.graphs() if len(g)}
    if ASSERTED not in names:
        return ds_or_graph
    view = rdflib.Dataset()
    bind_prefixes(view)
    default = view.default_graph
    for g in ds_or_graph.graphs():
        if not len(g):
            continue
        if g.identifier in (ASSERTED, INFERRED) and (inference or g.identifier == ASSERTED):
            for t in g:
                default.add(t)
        if g.identifier != rdflib.graph.DATASET_DEFAULT_GRAPH_ID:
            target = view.graph(g.identifier)
            for t in g:
                target.add(t)
    return view


def run_query(ds_or_graph: Graph, sparql: str, *, inference: bool = True) -> Result:
    """Evaluate ``sparql``; raises ``KGError(BAD_INPUT)`` with line/column on a syntax error."""
    prepared = parse_query(sparql)
    target = query_view(ds_or_graph, inference=inference)
    try:
        result = target.query(prepared)
    except KGError:
        raise
    except Exception as exc:  # evaluation errors of rdflib (e.g. SERVICE) are the query's fault
        raise KGError(ErrorKind.BAD_INPUT, f"query failed: {exc}") from None
    if result.type == "SELECT" and not _is_ordered(prepared):
        variables = result.vars or []
        result.bindings = sorted(result.bindings,
                                 key=lambda b: [_sort_key(b.get(v)) for v in variables])
    return result


def _is_ordered(prepared: Query) -> bool:
    node: Any = prepared.algebra
    while node is not None and hasattr(node, "name"):
        if node.name == "OrderBy":
            return True
        if node.name not in _UNORDERED_WRAPPERS:
            return False
        node = node.get("p")
    return False


def _sort_key(node: Node | None) -> tuple[int, str]:
    if node is None:
        return (0, "")
    kind = 1 if isinstance(node, BNode) else 2 if isinstance(node, URIRef) else 3
    return (kind, node.n3())


# -- rendering ----------------------------------------------------------------------------------


def render(result: Result, fmt: str) -> bytes:
    """Serialize a result in a ``--format``: ``table`` or a key of :mod:`alliance_kg.formats`.

    SELECT/ASK take ``table`` and the results formats (json, xml, csv, tsv); CONSTRUCT/DESCRIBE
    take ``table`` (Turtle) and the RDF formats. A mismatch is ``KGError(BAD_INPUT)``.
    """
    if fmt not in ALL_FORMATS:
        raise KGError(ErrorKind.BAD_INPUT,
                      f"unknown format {fmt!r} (one of: {', '.join(ALL_FORMATS)})")
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph = result.graph
        assert graph is not None
        if fmt == "table":
            fmt = "turtle"
        if fmt not in GRAPH_FORMATS:
            raise KGError(ErrorKind.BAD_INPUT, f"a {result.type} result is a graph: use one of "
                                               f"{', '.join(GRAPH_FORMATS)}, not {fmt}")
        return _render_graph(graph, fmt)
    if fmt in GRAPH_FORMATS:
        raise KGError(ErrorKind.BAD_INPUT, f"a {result.type} result is a table: use one of "
                                           f"table, {', '.join(RESULT_FORMATS)}, not {fmt}")
    if result.type == "ASK":
        answer = "true" if result.askAnswer else "false"
        if fmt in ("table", "csv", "tsv"):
            return (answer + "\n").encode()
        return _bytes(result.serialize(format=fmt))
    variables = [str(v) for v in result.vars or []]
    rows = [[b.get(Variable(v)) for v in variables] for b in result.bindings]
    if fmt == "table":
        return table(variables, rows).encode()
    if fmt == "tsv":
        return _tsv(variables, rows).encode()
    if fmt == "csv":
        return _csv(variables, rows).encode()
    return _bytes(result.serialize(format=fmt))


def table(variables: Sequence[str], rows: Iterable[Sequence[Node | None]]) -> str:
    """An aligned text table with short names (``akr:USFJ``), for people."""
    cells = [[plain(v) if v is not None else "" for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(variables)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(variables, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in cells]
    lines.append(f"({len(cells)} row{'' if len(cells) == 1 else 's'})")
    return "\n".join(lines) + "\n"


def _csv(variables: Sequence[str], rows: Iterable[Sequence[Node | None]]) -> str:
    """SPARQL 1.1 CSV: plain values, blank nodes as ``_:label``, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow(["" if v is None else f"_:{v}" if isinstance(v, BNode) else str(v)
                         for v in row])
    return out.getvalue()


def _tsv(variables: Sequence[str], rows: Iterable[Sequence[Node | None]]) -> str:
    """SPARQL 1.1 TSV: terms in Turtle/N-Triples syntax, one line per row."""
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join(_nt_term(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def _nt_term(node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        text = '"' + str(node).replace("\\", "\\\\").replace('"', '\\"').replace(
            "\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None and node.datatype != XSD.string:
            return f"{text}^^<{node.datatype}>"
        return text
    return str(node)


def _render_graph(graph: Graph, fmt: str) -> bytes:
    """Turtle/N3 by rdflib (sorted, our prefixes); the rest by Oxigraph from sorted triples."""
    if fmt in ("turtle", "n3"):
        out = Graph(bind_namespaces="none")
        bind_prefixes(out)
        for t in graph:
            out.add(t)
        text = _bytes(out.serialize(format=BY_KEY[fmt].rdflib or fmt, encoding="utf-8"))
        return text.rstrip() + b"\n" if text.strip() else b""
    ox_format = getattr(ox.RdfFormat, BY_KEY[fmt].oxigraph or "")
    triples = sorted((ox.Triple(ox_term(s), ox_term(p), ox_term(o))  # type: ignore[arg-type]
                      for s, p, o in graph), key=str)
    items: list[ox.Triple] | list[ox.Quad] = triples
    if BY_KEY[fmt].kind is Kind.DATASET:
        items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    iris = {str(term) for t in graph for term in t if isinstance(term, URIRef)}
    used = {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}
    return bytes(ox.serialize(items, format=ox_format, prefixes=used) or b"")


def _bytes(data: str | bytes | None) -> bytes:
    if data is None:
        return b""
    return data.encode("utf-8") if isinstance(data, str) else data
