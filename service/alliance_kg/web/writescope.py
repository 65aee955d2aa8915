"""Which graphs a SPARQL Update request may write, read off its parsed algebra.

A token limited to some graphs (:mod:`.auth`) may send an update only if every graph the update
could change is known before it runs and granted. The request is parsed with rdflib's SPARQL
Update parser (with our pre-declared prefixes and the service's base IRI) and each operation
gives its targets:

* ``INSERT DATA`` / ``DELETE DATA`` / ``DELETE WHERE``: the ``GRAPH`` names of its quads, and the
  default graph for plain triples;
* ``DELETE``/``INSERT … WHERE`` (``Modify``): the same for its templates, plain triples going to
  the ``WITH`` graph if there is one;
* ``CLEAR``/``DROP``/``CREATE`` of one graph or ``DEFAULT``; ``ADD``/``COPY`` write their target,
  ``MOVE`` its source and target.

Anything that cannot be pinned down raises :class:`Unknown`: a ``GRAPH ?g`` template (the variable
is bound by the data), ``CLEAR``/``DROP`` ``NAMED``/``ALL``, ``LOAD``, an operation this module
does not know, or a request rdflib cannot parse. The caller refuses that for restricted
tokens ("refuse what you cannot prove safe"); the after-the-fact diff in :mod:`.writes` backs
this up.
"""

from __future__ import annotations

from typing import Any

from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.term import URIRef

from ..namespaces import PREFIXES

#: the default graph (the asserted graph on this service)
DEFAULT = None
Targets = set[str | None]


class Unknown(Exception):
    """The update may write graphs that cannot be known before it runs."""



def _graph(value: Any) -> str | None:
    if value == "DEFAULT":
        return DEFAULT
    if isinstance(value, URIRef):
        return str(value)
    raise Unknown(f"graph {value!s} is not known before the update runs")


def _template(clause: Any, default: str | None, out: Targets) -> None:
    if clause is None:
        return
    # rdflib's CompValue.get returns the key's *name* when it is missing: read attributes,
    # which are None when missing
    if getattr(clause, "triples", None):
        out.add(default)
    for g in getattr(clause, "quads", None) or {}:  # an empty GRAPH block still names its graph
        out.add(_graph(g))


def targets(update: str, base_iri: str | None) -> Targets:
    """The graphs ``update`` may write (``None`` = default graph); raises :class:`Unknown`."""
    try:
        algebra = translateUpdate(parseUpdate(update), base_iri, initNs=PREFIXES).algebra
    except Exception as exc:  # rdflib's parser and translator raise many kinds
        raise Unknown(f"the update could not be analysed ({type(exc).__name__})") from None
    out: Targets = set()
    for op in algebra:
        name = op.name
        if name in {"InsertData", "DeleteData", "DeleteWhere"}:
            _template(op, DEFAULT, out)
        elif name == "Modify":
            with_clause = getattr(op, "withClause", None)
            with_graph = _graph(with_clause) if with_clause is not None else DEFAULT
            _template(getattr(op, "delete", None), with_graph, out)
            _template(getattr(op, "insert", None), with_graph, out)
        elif name in {"Clear", "Drop", "Create"}:
            if op.graphiri in {"NAMED", "ALL"}:
                raise Unknown(f"{name.upper()} {op.graphiri} writes every graph")
            out.add(_graph(op.graphiri))
        elif name in {"Add", "Copy"}:
            out.add(_graph(op.graph[1]))
        elif name == "Move":
            out.update({_graph(op.graph[0]), _graph(op.graph[1])})
        else:
            raise Unknown(f"{name} operations are not allowed for a token limited to some "
                          "graphs")
    return out
