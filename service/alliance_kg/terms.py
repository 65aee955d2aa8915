"""RDF terms between pyoxigraph and rdflib: the one conversion both directions use."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from rdflib.term import Node

from .errors import ErrorKind, KGError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


def to_rdflib(t: object) -> Node:
    """A pyoxigraph term as rdflib's, blank nodes keeping their labels."""
    if isinstance(t, ox.NamedNode):
        return rdflib.URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return rdflib.BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return rdflib.Literal(t.value, lang=t.language)
        if t.datatype.value == XSD_STRING:  # rdflib's usual spelling of a plain string
            return rdflib.Literal(t.value)
        return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))
    raise KGError(ErrorKind.BAD_INPUT, f"RDF-star terms are not supported: {t}")


def to_oxigraph(node: Node) -> OxTerm:
    """An rdflib term as pyoxigraph's (a plain literal is an xsd:string)."""
    if isinstance(node, rdflib.URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, rdflib.Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        datatype = node.datatype or rdflib.URIRef(XSD_STRING)
        return ox.Literal(str(node), datatype=ox.NamedNode(str(datatype)))
    raise KGError(ErrorKind.BAD_INPUT, f"not an RDF term: {node!r}")
