"""Every asserted triple has a source: the check the build and ``validate`` make of the data.

A triple of the knowledge files counts as sourced when it sits in a named graph that is

* a **sentence** of an article (``akg:Sentence``: the graph holds what that sentence states),
* an **article** (``akg:Article``: the graph holds the text itself, its sentences and quotes),
* or a graph that **names its reference** (``?graph prov:wasDerivedFrom <IRI>``: editorial
  graphs, links, merged sources, the build's views).

A triple in the default graph of a file, or in a named graph that is none of these, is not.
SHACL cannot express this (a shape sees one graph, never which named graph a triple came
from), so the check is made here, over the quads as the files hold them, and its findings join
the shapes' report as violations of ``aksh:SourcedTriple`` (docs/MODELLING.md, "Sources").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF
from rdflib.term import Node

from ..namespaces import AKG, AKSH
from .names import compact

#: the name the check's findings carry in reports, as a shape's would
SOURCED_TRIPLE = AKSH["SourcedTriple"]
SOURCE_TYPES = (AKG.Sentence, AKG.Article)
#: findings listed per file before "and N more" (a file of 10^6 unsourced triples stays short)
SHOWN = 20

Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class Unsourced:
    """A triple with no source: in a file's default graph (``graph`` None) or in a named
    graph that names none."""

    file: str
    triple: Triple
    graph: Node | None = None

    def message(self) -> str:
        if self.graph is None:
            return ("this triple is in the default graph of its file, so nothing says where it "
                    "comes from: put it in a sentence's graph, or in an editorial graph that "
                    "names its reference (prov:wasDerivedFrom)")
        return (f"graph {compact(self.graph)} is neither a sentence nor an article and names no "
                "reference (prov:wasDerivedFrom)")


def is_source(name: Node, data: Graph) -> bool:
    """Whether the named graph ``name`` says where its triples come from (see the module)."""
    if any((name, RDF.type, t) in data for t in SOURCE_TYPES):
        return True
    return any(isinstance(ref, URIRef) for ref in data.objects(name, PROV.wasDerivedFrom))


def unsourced(defaults: Iterable[tuple[str, Triple]], graphs: Mapping[Node, Sequence[Triple]],
              files: Mapping[Node, str], data: Graph) -> list[Unsourced]:
    """The triples in no source graph: ``defaults`` (file, triple) were in a file's default
    graph; ``graphs`` are the named graphs of the files (``files``: the file each came from);
    ``data`` is their union (the asserted graph), where graphs are typed and name references."""
    found = [Unsourced(name, triple) for name, triple in defaults]
    for g, triples in graphs.items():
        if not is_source(g, data):
            found += [Unsourced(files.get(g, ""), t, g) for t in triples]
    return found
