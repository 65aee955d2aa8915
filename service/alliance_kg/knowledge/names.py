"""Short names for RDF terms in messages, tables and reports.

People read ``akr:USFJ`` faster than ``<https://w3id.org/alliance-kg/resource/USFJ>``, so every
human-facing text (inconsistency messages, validation reports, query tables) compacts IRIs with
the one prefix table in :mod:`alliance_kg.namespaces` and nothing else: no ``ns1:`` prefixes
invented per output, so a name reads the same everywhere.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD, NamespaceManager
from rdflib.term import Node

from ..namespaces import PREFIXES, bind_prefixes

#: Characters a prefixed name's local part may hold without escaping (a safe subset of PN_LOCAL).
_SAFE_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$")
#: Longest namespace first, so ``akgraph:`` wins over a shorter namespace that also matches.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


@lru_cache(maxsize=1)
def namespace_manager() -> NamespaceManager:
    """A namespace manager that knows exactly our prefixes (no rdflib defaults, no guessing)."""
    graph = Graph(bind_namespaces="none")
    bind_prefixes(graph)
    return graph.namespace_manager


def compact_iri(iri: str) -> str:
    """``prefix:local`` when one of our namespaces fits and the local part is plain, else ``<iri>``.
    """
    for prefix, ns in _BY_LENGTH:
        if iri.startswith(ns):
            local = iri[len(ns):]
            if local == "" or _SAFE_LOCAL.match(local):
                return f"{prefix}:{local}"
    return f"<{iri}>"


def compact(node: Node | None) -> str:
    """A term as a person should read it: prefixed IRIs, quoted literals, ``_:`` blank nodes."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return compact_iri(str(node))
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        text = '"' + str(node).replace("\\", "\\\\").replace('"', '\\"').replace(
            "\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None and node.datatype != XSD.string:
            return f"{text}^^{compact_iri(str(node.datatype))}"
        return text
    return str(node)


def plain(node: Node | None) -> str:
    """Like :func:`compact`, but a literal is just its text (for tables people scan)."""
    if isinstance(node, Literal):
        return f"{node}@{node.language}" if node.language else str(node)
    return compact(node)


def compact_text(text: str) -> str:
    """Replace full IRIs of our namespaces in free text (owlrl's messages) by short names."""
    def repl(m: re.Match[str]) -> str:
        short = compact_iri(m.group(1))
        return m.group(0) if short.startswith("<") else short

    # IRIs in angle brackets first, then bare ones (owlrl prints them bare)
    text = re.sub(r"<(https?://[^\s<>\"]+)>", repl, text)
    return re.sub(r"(?<![<\w])(https?://[^\s<>\"',)]+)", repl, text)
