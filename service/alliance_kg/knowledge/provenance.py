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
from rdflib.namespace import PROV, RDF, SH
from rdflib.term import Node

from ..namespaces import AKG, AKSH
from .names import compact
from .validate import ValidationResult

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


def results(found: Sequence[Unsourced]) -> list[ValidationResult]:
    """The findings as results of a validation report, each naming its file; past
    :data:`SHOWN` in one file, one more result says how many were left out."""
    out: list[ValidationResult] = []
    per_file: dict[str, int] = {}
    for u in found:
        n = per_file[u.file] = per_file.get(u.file, 0) + 1
        if n <= SHOWN:
            out.append(_result(u.triple, u.message(), u.file))
    for name, n in sorted(per_file.items()):
        if n > SHOWN:
            last = next(u for u in reversed(found) if u.file == name)
            out.append(_result(last.triple, f"and {n - SHOWN} more triples of this file have no "
                                            "source (the first ones are listed)", name))
    return out


def _result(triple: Triple, message: str, file: str) -> ValidationResult:
    return ValidationResult(focus_node=triple[0], severity=SH.Violation, message=message,
                            component=SOURCED_TRIPLE, source_shape=SOURCED_TRIPLE,
                            shape=compact(SOURCED_TRIPLE), path=compact(triple[1]),
                            value=triple[2], files=(file,) if file else ())
