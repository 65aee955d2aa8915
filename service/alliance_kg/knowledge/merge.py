"""Merging external RDF with the built dataset: one named graph per source, and a report.

``alliance-kg merge wikidata.ttl`` does, in this order, and changes nothing if any step fails:

1. **parse** every source completely (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML, ``.gz``
   or ``-`` for standard input) with the loader's parsers, so a syntax error is ``file:line:col``;
2. put each source, as written, into **its own named graph** (``akgraph:source/<name>``, or the
   ``graph`` given) and record its **provenance** in the catalogue graph (``akgraph:catalogue``):
   where it came from, when, how many triples and its SHA-256. A source is identified by its graph:
   merging it again **replaces** it, it never adds a second copy;
3. **join** it with ours by *smushing*: the link statements (``skos:exactMatch``, ``owl:sameAs``,
   ``schema:sameAs``) of ``data/links/`` and of the sources group IRIs that name the same thing,
   and each group is rewritten to one representative (ours when we have one). Smushing instead of
   owl:sameAs semantics: see docs/LINKED-DATA.md (it is linear in the size of the sources; OWL RL's
   ``eq-rep`` rules copy every triple onto every alias, and SHACL counts aliases as different
   nodes);
4. **reason** (OWL 2 RL, the build's ``infer``) over our asserted data plus the rewritten sources;
   what that union adds to our asserted + inferred graphs is the ``akgraph:joined`` graph;
5. **validate** asserted + inferred + joined against our shapes, and compare the values of
   **functional properties** (a founding date, a birth date, a post's rank ...) across sources:
   two incompatible values are a *conflict*, reported with the sources of each value. Another
   source's **name** for an entity of ours (``rdfs:label``/``skos:prefLabel`` in a language we
   name it in, as Wikidata's "United States of America" for ``akr:united-states``) is a
   *difference*, reported with both sources; in the joined view it is an ``skos:altLabel``, so
   it is not taken for a second name of ours (which the label shapes would count).

Steps 2-5 are :func:`combine`, which works on graphs only; where they come from and go to is
the caller's: :func:`merge` and :func:`drop` read and write ``dist/alliance-kg.merged.nq``, next
to the built dataset (the source graphs, the catalogue and the joined graph, written atomically
and sorted; ``alliance-kg query`` and ``alliance-kg serve`` load it with the dataset), and the
service's ``/merge`` (``web/merge.py``) reads and writes its store inside one atomic write
(``protocol/merging.py``, with the service's maintained reasoning and incremental
validation). Rebuilding the dataset leaves the merged file alone; run ``alliance-kg merge``
without sources to join and check the merged sources again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ..errors import ErrorKind, KGError
from ..formats import BY_KEY, Format, Kind, by_path
from ..namespaces import (
    AKG,
    AKR,
    ASSERTED,
    CATALOGUE,
    DBO,
    DESCRIPTION,
    INFERRED,
    JOINED,
    ONTOLOGY,
    SCHEMA,
    SHAPES,
    SOURCE_GRAPH_PREFIX,
    VOID,
    WDT,
    bind_prefixes,
)
from . import rdfinput
from .load import STDIN, load_files, ox_term, parse_bytes, quiet_literals, read_bytes
from .names import compact, plain
from .reason import infer, merged
from .validate import ValidationReport, validate

Progress = Callable[[str], None]

MERGED_FILE = "alliance-kg.merged.nq"
#: who "ours" is in reports
OURS = "alliance-kg"

#: statements that say two IRIs name the same thing (schema:sameAs is looser, but a dataset that
#: points its own IRI at a Wikidata or DBpedia IRI means exactly that)
LINK_PREDICATES: tuple[URIRef, ...] = (OWL.sameAs, SKOS.exactMatch, SCHEMA.sameAs)
#: a subject with one of these is an entity (except Wikidata's statement nodes)
ENTITY_MARKERS: tuple[URIRef, ...] = (RDF.type, WDT.P31, RDFS.label, SCHEMA.name, SKOS.prefLabel)

#: Properties with one value per subject, grouped by meaning across vocabularies. The
#: ontology's owl:FunctionalProperty declarations are added to these at run time.
FUNCTIONAL: dict[str, tuple[URIRef, ...]] = {
    "founding date": (WDT.P571, SCHEMA.foundingDate, DBO.foundingDate, DBO.formationDate),
    "date of birth": (WDT.P569, SCHEMA.birthDate, DBO.birthDate),
    "date of death": (WDT.P570, SCHEMA.deathDate, DBO.deathDate),
    "date": (AKG.date,),
    "required rank": (AKG.requiredRank,),
}

#: How a source names a thing: one value per language in our data (the label shapes say so).
NAMES: tuple[URIRef, ...] = (RDFS.label, SKOS.prefLabel)

SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
WIKIBASE = rdflib.Namespace("http://wikiba.se/ontology#")
#: the dataset's own graphs: never a source's graph
RESERVED = frozenset(str(g) for g in (ASSERTED, INFERRED, ONTOLOGY, SHAPES, DESCRIPTION,
                                      CATALOGUE, JOINED))
_DATE = re.compile(r"^-?\d{4}(-\d{2}(-\d{2})?)?")


def merged_path(dataset_path: Path) -> Path:
    """Where the merged sources of a built dataset live (beside it, see the module docstring)."""
    return Path(dataset_path).with_name(MERGED_FILE)


# -- the report ----------------------------------------------------------------------------------


@dataclass
class SourceRecord:
    graph: str
    source: str
    triples: int
    sha256: str
    format: str
    merged_at: str
    replaced: bool = False


@dataclass
class Joined:
    entity: str  #: our IRI
    external: str  #: the source's IRI for it
    source: str  #: graph of the source using the external IRI
    via: str  #: the link that made them one


@dataclass
class Conflict:
    subject: str
    property: str
    #: (value, sources stating it)
    values: list[tuple[str, list[str]]]


@dataclass
class MergeReport:
    sources: list[SourceRecord] = field(default_factory=list)
    new_entities: list[tuple[str, str]] = field(default_factory=list)  #: (iri, source graph)
    joined: list[Joined] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    #: another source names an entity of ours otherwise (not an error: both names are kept)
    differences: list[Conflict] = field(default_factory=list)
    validation: ValidationReport | None = None
    graphs: dict[str, int] = field(default_factory=dict)  #: merged graph -> triples
    #: what the merged sources add to our asserted + inferred graphs, identities resolved
    joined_graph: Graph = field(default_factory=Graph, repr=False)

    @property
    def conforms(self) -> bool:
        return self.validation is None or self.validation.conforms

    def to_dict(self) -> dict[str, object]:
        return {
            "sources": [vars(s) for s in self.sources],
            "graphs": self.graphs,
            "new_entities": [{"iri": i, "source": s} for i, s in self.new_entities],
            "joined": [vars(j) for j in self.joined],
            "conflicts": [{"subject": c.subject, "property": c.property,
                           "values": [{"value": v, "sources": s} for v, s in c.values]}
                          for c in self.conflicts],
            "differences": [{"subject": c.subject, "property": c.property,
                             "values": [{"value": v, "sources": s} for v, s in c.values]}
                            for c in self.differences],
            "validation": (json.loads(self.validation.to_json())
                           if self.validation is not None else None),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_text(self) -> str:
        out: list[str] = []
        for s in self.sources:
            verb = "replaced" if s.replaced else "merged"
            out.append(f"{verb} {s.source} into {compact(URIRef(s.graph))}: {s.triples} triples "
                       f"({s.format}, sha256 {s.sha256[:12]}…)")
        out.append(f"new entities: {len(self.new_entities)}")
        out += [f"  {compact(URIRef(i))}  (in {compact(URIRef(g))})" for i, g in self.new_entities]
        out.append(f"entities joined through links: {len(self.joined)}")
        out += [f"  {compact(URIRef(j.entity))} = {compact(URIRef(j.external))}  "
                f"(in {compact(URIRef(j.source))}, via {j.via})" for j in self.joined]
        out.append(f"conflicts: {len(self.conflicts)}")
        for c in self.conflicts:
            out.append(f"  {compact(URIRef(c.subject))} {c.property}:")
            out += [f"    {v}  from {', '.join(srcs)}" for v, srcs in c.values]
        out.append(f"names that differ: {len(self.differences)}")
        for c in self.differences:
            out.append(f"  {compact(URIRef(c.subject))} {c.property}:")
            out += [f"    {v}  from {', '.join(srcs)}" for v, srcs in c.values]
        if self.validation is not None:
            out.append(f"shapes: {self.validation.summary()}")
            out += [f"  {r.to_text()}" for r in self.validation.results if r.fails]
        return "\n".join(out) + "\n"

    def render(self, fmt: str) -> str:
        return self.to_json() if fmt == "json" else self.to_text()


# -- merging -------------------------------------------------------------------------------------


@dataclass
class Ours:
    """Our side of every merge: the four graphs of the built (or served) dataset, and the two
    judgements a merge asks of them (what ours + the sources entail, whether that conforms).

    ``inferred`` must be the OWL 2 RL closure of ``asserted`` with ``ontology`` (the build and
    every write of the service keep it so). This class is the reference: a full closure and a
    full validation, as the command line merges files. The service answers the same two
    questions from its maintained materialization instead
    (:class:`alliance_kg.protocol.merging.LiveOurs`), at a cost that grows with the sources."""

    asserted: Graph
    inferred: Graph
    ontology: Graph
    shapes: Graph

    @classmethod
    def of(cls, dataset: rdflib.Dataset) -> Ours:
        return cls(dataset.graph(ASSERTED), dataset.graph(INFERRED), dataset.graph(ONTOLOGY),
                   dataset.graph(SHAPES))

    def mentions(self, node: Node) -> bool:
        """Whether our data (asserted or inferred) says anything about ``node``."""
        return any((node, None, None) in g or (None, None, node) in g
                   for g in (self.asserted, self.inferred))

    def values(self, subject: Node, predicate: URIRef) -> Iterator[Node]:
        for g in (self.asserted, self.inferred):
            yield from g.objects(subject, predicate)

    def entail(self, sources: Graph) -> Graph:
        """What ours + ``sources`` hold or entail beyond asserted + inferred: the joined graph.

        Reasoning starts from asserted + inferred + sources rather than asserted + sources:
        OWL 2 RL closure is monotone and idempotent and ``inferred`` is already in the closure
        of ``asserted``, so the closure is the same, but owlrl needs fewer rounds to reach it
        (3.1 s -> 1.7 s for the Wikidata fixture on our data)."""
        union = merged([self.asserted, self.inferred, sources])
        entailed = infer(union, self.ontology)
        joined = Graph(bind_namespaces="none")
        for t in (*union, *entailed):
            if t not in self.asserted and t not in self.inferred:
                joined.add(t)
        return joined

    def check(self, joined: Graph) -> ValidationReport | None:
        """Asserted + inferred + ``joined`` against the shapes (None: there are none)."""
        if not len(self.shapes):
            return None
        return validate(merged([self.asserted, self.inferred, joined]), self.shapes,
                        ontology=self.ontology)


@dataclass
class Source:
    """One incoming source, parsed: its provenance record and its triples, as written."""

    record: SourceRecord
    content: Graph


@dataclass
class Outcome:
    """What :func:`combine` decided: the report, and every merged graph after the merge."""

    report: MergeReport
    #: source graphs, the catalogue and the joined graph, complete
    graphs: dict[str, Graph]
    #: source graphs this merge removed (``drop``)
    removed: list[str] = field(default_factory=list)
    #: source graphs this merge wrote (new or replaced)
    written: list[str] = field(default_factory=list)

    def changes(self) -> dict[str, Graph]:
        """The graphs a store must swap, all at once: written and removed sources (removed as
        empty graphs), the catalogue and the joined graph."""
        out = {g: self.graphs[g] for g in self.written}
        out.update({g: Graph() for g in self.removed})
        out[str(CATALOGUE)] = self.graphs[str(CATALOGUE)]
        out[str(JOINED)] = self.graphs[str(JOINED)]
        return out


@dataclass
class MergeRefused(KGError):
    """``strict`` and the union has conflicts or violates the shapes: nothing was merged.

    Carries the report, so each front end can show what was found (the CLI on standard error,
    the service as the body of its 409)."""

    report: MergeReport | None = field(default=None, repr=False)


def stamp_of(now: datetime | None = None) -> str:
    """``prov:generatedAtTime`` of a merge: UTC, to the second."""
    return (now or datetime.now(UTC)).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def combine(ours: Ours, merged_graphs: dict[str, Graph], incoming: Sequence[Source] = (), *,
            drop: Sequence[str] = (), strict: bool = False,
            progress: Progress | None = None) -> Outcome:
    """The merge itself, on graphs: where they come from and go to is the caller's business.

    ``merged_graphs`` are the graphs merged so far (sources, catalogue, joined: from the merged
    file, or from the service's store); ``incoming`` sources are added (replacing a source with
    the same graph), ``drop`` graphs removed, the catalogue updated and the joined graph
    computed again from every source that remains. Nothing is read or written here, so
    ``alliance-kg merge`` (files) and the service's ``/merge`` (store) run the same code.
    Raises ``KGError(NOT_FOUND)`` for a ``drop`` that is not a merged source,
    ``KGError(INCONSISTENT)`` when the union contradicts the ontology, and with ``strict``
    :class:`MergeRefused` when it has conflicts or violates the shapes.
    """
    graphs = dict(merged_graphs)
    catalogue = Graph(bind_namespaces="none")
    for t in graphs.pop(str(CATALOGUE), Graph()):
        catalogue.add(t)
    graphs.pop(str(JOINED), None)
    for gone in drop:
        if gone not in graphs:
            raise KGError(ErrorKind.NOT_FOUND, f"no merged source <{gone}>")
        del graphs[gone]
    records: list[SourceRecord] = []
    for source in incoming:
        source.record.replaced = source.record.graph in graphs
        graphs[source.record.graph] = source.content
        _catalogue(catalogue, source.record)
        records.append(source.record)
    for gone_node in set(catalogue.subjects(RDF.type, VOID.Dataset)) - {URIRef(g) for g in graphs}:
        _forget(catalogue, gone_node)

    report = analyse(ours, graphs, records, catalogue=catalogue, progress=progress)
    if strict and (report.conflicts or not report.conforms):
        raise MergeRefused(ErrorKind.CONFLICT, "nothing merged (--strict): "
                           f"{len(report.conflicts)} conflict(s); shapes: "
                           f"{report.validation.summary() if report.validation else 'not checked'}",
                           detail=report.to_text(), report=report)
    joined = report.joined_graph
    report.graphs = {g: len(content) for g, content in sorted(graphs.items())}
    report.graphs[str(JOINED)] = len(joined)
    return Outcome(report, {**graphs, str(CATALOGUE): catalogue, str(JOINED): joined},
                   removed=list(drop), written=[s.record.graph for s in incoming])


def merge(dataset: rdflib.Dataset, target: Path, sources: Sequence[str], *,
          graph: str | None = None, fmt: Format | None = None, strict: bool = False,
          now: datetime | None = None, progress: Progress | None = None) -> MergeReport:
    """Merge ``sources`` (files, ``-``) into the merged file ``target`` beside the built
    ``dataset``: read, :func:`combine`, write.

    Without sources, joins and checks what is already merged. Raises ``KGError(BAD_INPUT)`` for
    unreadable or malformed sources (``file:line:col``; nothing is written), and what
    :func:`combine` raises (nothing is written).
    """
    say = progress or (lambda _msg: None)
    if graph is not None and len(sources) != 1:
        raise KGError(ErrorKind.BAD_INPUT, "--graph names the graph of one source; "
                                           f"{len(sources)} sources were given")
    stamp = stamp_of(now)
    existing = read_merged(target)
    incoming: list[Source] = []
    for name in sources:
        say(f"reading {name}")
        incoming.append(_read_file_source(name, graph, fmt, stamp))
    outcome = combine(Ours.of(dataset), existing, incoming, strict=strict, progress=say)
    say(f"writing {target}")
    write_merged(target, outcome.graphs)
    return outcome.report


def drop(dataset: rdflib.Dataset, target: Path, graph: str, *,
         progress: Progress | None = None) -> MergeReport:
    """Remove one merged source (its graph and its catalogue entry) and join the sources that
    remain again (the joined graph may hold the dropped source's facts); ``NOT_FOUND`` if
    ``graph`` is not a merged source."""
    outcome = combine(Ours.of(dataset), read_merged(target), [], drop=[graph], progress=progress)
    write_merged(target, outcome.graphs)
    return outcome.report


def source_graph(name: str) -> str:
    """The default graph of a source: ``akgraph:source/<file name without extensions>``."""
    stem = PurePath(name).name
    for _ in range(3):
        stem = PurePath(stem).stem if PurePath(stem).suffix else stem
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return SOURCE_GRAPH_PREFIX + (slug or "source")


def _read_file_source(name: str, graph: str | None, fmt: Format | None, stamp: str) -> Source:
    shown = "<stdin>" if name == STDIN else name
    if name == STDIN and graph is None:
        raise KGError(ErrorKind.BAD_INPUT, "standard input needs --graph IRI (the graph that "
                                           "a later merge of the same data replaces)", file=shown)
    if name == STDIN and fmt is None:
        raise KGError(ErrorKind.BAD_INPUT, "standard input needs --format", file=shown)
    if graph is not None:
        check_graph_iri(graph)
    return read_source(read_bytes(name), name=name, graph=graph, fmt=fmt, stamp=stamp)


def read_source(data: bytes, *, name: str, graph: str | None = None, fmt: Format | None = None,
                stamp: str | None = None, sha256: str | None = None,
                contexts: rdfinput.Contexts | None = None) -> Source:
    """Parse one source's bytes (gzip-compressed or not) into a :class:`Source`.

    ``name`` is what the catalogue records as ``dcterms:source`` (``-`` is standard input) and,
    without ``graph``, what names the graph (:func:`source_graph`); without ``fmt`` its
    extension tells the format. ``sha256`` is the checksum to record when the caller has
    already decoded the bytes it received (the service, for a ``Content-Encoding: gzip`` body);
    by default the checksum of ``data``. ``contexts``: the JSON-LD contexts that may be named by
    IRI (:mod:`.rdfinput`; default ours). ``KGError(BAD_INPUT)`` with line and column for a
    syntax error or a body :func:`.rdfinput.prepare` refuses.
    """
    shown = "<stdin>" if name == STDIN else name
    if graph is not None:
        check_graph_iri(graph)
    source_fmt = fmt or by_path(name)
    if source_fmt is None:
        raise KGError(ErrorKind.BAD_INPUT, "cannot tell the RDF format from the file name; "
                                           "give --format", file=shown)
    if source_fmt.kind is Kind.RESULTS:
        raise KGError(ErrorKind.BAD_INPUT, f"{source_fmt.key} is a query-results format, not "
                                           "an RDF format", file=shown)
    content = Graph(bind_namespaces="none")
    bind_prefixes(content)
    with quiet_literals():
        # every graph of a TriG/N-Quads source goes into the source's one graph
        for s, p, o, _ in parse_bytes(data, source_fmt, name=shown, contexts=contexts):
            content.add((s, p, o))
    record = SourceRecord(graph=graph or source_graph(name), source=shown, triples=len(content),
                          sha256=sha256 or hashlib.sha256(data).hexdigest(),
                          format=source_fmt.key, merged_at=stamp or stamp_of())
    return Source(record, content)


def check_graph_iri(graph: str) -> None:
    """``BAD_INPUT`` unless ``graph`` is an absolute IRI other than the dataset's own graphs."""
    try:
        node = ox.NamedNode(graph)
    except ValueError as exc:
        raise KGError(ErrorKind.BAD_INPUT, f"--graph: not an IRI: {exc}") from None
    if ":" not in node.value:
        raise KGError(ErrorKind.BAD_INPUT, f"--graph: not an absolute IRI: {graph}")
    if graph in RESERVED:
        raise KGError(ErrorKind.BAD_INPUT, f"--graph: <{graph}> is one of the dataset's own "
                                           "graphs")


def _catalogue(catalogue: Graph, r: SourceRecord) -> None:
    g = URIRef(r.graph)
    _forget(catalogue, g)
    checksum = BNode(f"sha256-{r.sha256}")
    catalogue.add((g, RDF.type, VOID.Dataset))
    catalogue.add((g, RDF.type, PROV.Entity))
    catalogue.add((g, DCTERMS.source, Literal(r.source)))
    catalogue.add((g, DCTERMS.format, Literal(BY_KEY[r.format].media_type)))
    catalogue.add((g, PROV.generatedAtTime, Literal(r.merged_at, datatype=XSD.dateTime)))
    catalogue.add((g, VOID.triples, Literal(r.triples)))
    catalogue.add((g, SPDX.checksum, checksum))
    catalogue.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    catalogue.add((checksum, SPDX.checksumValue, Literal(r.sha256)))


def _forget(catalogue: Graph, g: Node) -> None:
    for checksum in list(catalogue.objects(g, SPDX.checksum)):
        catalogue.remove((checksum, None, None))
    catalogue.remove((g, None, None))


# -- joining and checking ------------------------------------------------------------------------


def analyse(ours: Ours, graphs: dict[str, Graph], records: Sequence[SourceRecord] = (), *,
            catalogue: Graph | None = None, progress: Progress | None = None) -> MergeReport:
    """Join merged source ``graphs`` with ``ours``: the report, and its joined graph.

    ``records`` are this merge's sources; ``catalogue`` says where earlier ones came from.
    Everything here reads ``ours`` by pattern (never as a whole), so the work grows with the
    sources; :meth:`Ours.entail` and :meth:`Ours.check` decide how the reasoning and the
    validation are done.
    """
    say = progress or (lambda _msg: None)
    canon, via = _identities(ours.asserted, graphs)
    report = MergeReport(sources=list(records))

    smushed: dict[str, Graph] = {g: _smush(content, canon) for g, content in graphs.items()}
    for g in sorted(smushed):
        report.differences += _other_names(ours, smushed[g], _label(g, records, catalogue))
    for g, content in sorted(graphs.items()):
        seen: set[tuple[str, str]] = set()
        for node in sorted({n for t in content for n in (t[0], t[2])
                            if isinstance(n, URIRef)}, key=str):
            target = canon.get(node, node)
            if target != node and (str(target), str(node)) not in seen \
                    and ours.mentions(target):
                seen.add((str(target), str(node)))
                report.joined.append(Joined(str(target), str(node), g, via.get(node, "?")))
        for s in sorted({s for p in ENTITY_MARKERS for s in content.subjects(p, None)
                         if isinstance(s, URIRef)}, key=str):
            if (s, RDF.type, WIKIBASE.Statement) not in content \
                    and not ours.mentions(canon.get(s, s)):
                report.new_entities.append((str(s), g))

    report.conflicts = _conflicts(ours, [
        (_label(g, records, catalogue), content) for g, content in sorted(smushed.items())],
        canon)

    joined = Graph(bind_namespaces="none")
    if graphs:
        say("reasoning over our data and the merged sources (OWL 2 RL)")
        joined = ours.entail(merged(smushed.values()))
    bind_prefixes(joined)
    report.joined_graph = joined
    say(f"validating our data and {len(joined)} joined triples against the shapes")
    report.validation = ours.check(joined)
    return report


def _label(graph: str, records: Sequence[SourceRecord], catalogue: Graph | None) -> str:
    """A source as reports name it: its graph and where it came from (this merge's record, or
    the catalogue's ``dcterms:source`` for a source merged earlier)."""
    for r in records:
        if r.graph == graph:
            return f"{compact(URIRef(graph))} ({r.source})"
    came_from = catalogue.value(URIRef(graph), DCTERMS.source) if catalogue is not None else None
    if came_from is not None:
        return f"{compact(URIRef(graph))} ({came_from})"
    return compact(URIRef(graph))


def _identities(asserted: Graph, graphs: dict[str, Graph]
                ) -> tuple[dict[Node, Node], dict[Node, str]]:
    """IRI -> representative of its group of links (ours first), and the link that joined it."""
    parent: dict[Node, Node] = {}

    def find(n: Node) -> Node:
        while parent.get(n, n) != n:
            n = parent[n]
        return n

    via: dict[Node, str] = {}
    link_sets = [(OURS, asserted), *sorted(graphs.items())]
    for where, graph in link_sets:
        for p in LINK_PREDICATES:
            for s, o in graph.subject_objects(p):
                if not (isinstance(s, URIRef) and isinstance(o, URIRef)) or s == o:
                    continue
                a, b = find(s), find(o)
                if a != b:
                    parent[max(a, b, key=_rank)] = min(a, b, key=_rank)
                label = f"{compact(p)} in {compact(URIRef(where)) if where != OURS else OURS}"
                via.setdefault(o, label)
                via.setdefault(s, label)
    canon = {n: find(n) for n in parent}
    return canon, via


def _rank(node: Node) -> tuple[int, str]:
    """Which IRI represents a group: ours, then any other, by IRI."""
    return (0 if str(node).startswith(str(AKR)) else 1, str(node))


def _smush(graph: Graph, canon: dict[Node, Node]) -> Graph:
    out = Graph(bind_namespaces="none")
    for s, p, o in graph:
        s2, o2 = canon.get(s, s), canon.get(o, o)
        if p in LINK_PREDICATES and s2 == o2:
            continue
        out.add((s2, p, o2))
    return out


def _other_names(ours: Ours, smushed: Graph, who: str) -> list[Conflict]:
    """Another source's name for an entity of ours, in a language we name it in and different
    from ours: a difference to report, turned into an alternative label of the joined view (in
    ``smushed``, the join's copy; the source's own graph keeps what it said)."""
    out: list[Conflict] = []
    for p in NAMES:
        for s, o in sorted(smushed.subject_objects(p), key=str):
            if not (isinstance(s, URIRef) and str(s).startswith(str(AKR))
                    and isinstance(o, Literal) and o.language):
                continue
            mine = [v for v in ours.values(s, p)
                    if isinstance(v, Literal) and v.language == o.language]
            if not mine or o in mine:
                continue
            smushed.remove((s, p, o))
            smushed.add((s, SKOS.altLabel, o))
            values = [(plain(v), [OURS]) for v in sorted(mine, key=str)] + [(plain(o), [who])]
            out.append(Conflict(str(s), compact(p), values))
    return out


def _conflicts(ours: Ours, sources: Sequence[tuple[str, Graph]],
               canon: dict[Node, Node]) -> list[Conflict]:
    """Incompatible values of a functional property among ours and the (smushed) sources, for
    the subjects the sources give one: a disagreement within our data alone is not the merge's
    to report (and finding it would read all of our data)."""
    groups = dict(FUNCTIONAL)
    for p in sorted(ours.ontology.subjects(RDF.type, OWL.FunctionalProperty), key=str):
        if isinstance(p, URIRef):
            groups.setdefault(compact(p), (p,))
    aliases: dict[Node, set[Node]] = defaultdict(set)
    for node, target in canon.items():
        aliases[target].add(node)
    out: list[Conflict] = []
    for name, props in groups.items():
        values: dict[Node, dict[Node, list[str]]] = defaultdict(lambda: defaultdict(list))
        touched = {s for _, graph in sources for p in props for s in graph.subjects(p, None)}
        for subject in touched:
            for s in {subject} | aliases.get(subject, set()):
                for p in props:
                    for o in _ours_as_stated(ours, s, p):
                        srcs = values[subject][canon.get(o, o)]
                        if OURS not in srcs:
                            srcs.append(OURS)
        for who, graph in sources:
            for p in props:
                for s, o in graph.subject_objects(p):
                    srcs = values[canon.get(s, s)][canon.get(o, o)]
                    if who not in srcs:
                        srcs.append(who)
        for subject in sorted(values, key=str):
            found = values[subject]
            if len(found) > 1 and not _compatible(list(found)):
                out.append(Conflict(str(subject), name,
                                    [(plain(v), found[v]) for v in sorted(found, key=str)]))
    return out


#: our dates and the properties keeping the form their source stated
_STATED: dict[Node, URIRef] = {AKG.date: AKG.dateAsStated, AKG.targetDate: AKG.targetDateAsStated}


def _ours_as_stated(ours: Ours, s: Node, p: URIRef) -> list[Node]:
    """Our values of ``p`` for ``s``; for a date, the form the source stated (``2024-04``)
    where we keep one, since ``akg:date`` is the first day of the period it names and would
    make a source's ``2024-04-15`` look like a different day."""
    stated = _STATED.get(p)
    found = list(ours.values(s, stated)) if stated is not None else []
    return found or list(ours.values(s, p))


def _compatible(values: list[Node]) -> bool:
    """Whether values could all be the same fact: equal, or dates of different precision
    (``2007`` and ``2007-05-25``)."""
    keys = []
    for v in values:
        m = _DATE.match(str(v)) if isinstance(v, Literal) else None
        keys.append(m.group(0) if m else None)
    if any(k is None for k in keys):
        return len(set(values)) == 1
    dates = [k for k in keys if k is not None]
    longest = max(dates, key=len)
    return all(longest.startswith(d) for d in dates)


# -- the merged file -----------------------------------------------------------------------------


def read_merged(path: Path) -> dict[str, Graph]:
    """The graphs of a merged file (empty when there is none yet)."""
    if not Path(path).exists():
        return {}
    ds = load_files([path])
    out: dict[str, Graph] = {}
    for g in ds.graphs():
        if g.identifier == DATASET_DEFAULT_GRAPH_ID or not len(g):
            continue
        copy = Graph(bind_namespaces="none")
        for t in g:
            copy.add(t)
        out[str(g.identifier)] = copy
    return out


def write_merged(path: Path, graphs: dict[str, Graph]) -> None:
    """Sorted N-Quads, written atomically (a reader sees the old file or the new one)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = sorted({str(ox.Quad(ox_term(s), ox_term(p), ox_term(o),  # type: ignore[arg-type]
                                ox.NamedNode(g)))
                    for g, content in graphs.items() for s, p, o in content})
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("".join(f"{line} .\n" for line in lines))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_merged(ds: rdflib.Dataset, path: Path) -> None:
    """Add the graphs of a merged file (if there is one) to a loaded dataset, for queries."""
    for name, content in read_merged(path).items():
        target = ds.graph(URIRef(name))
        for t in content:
            target.add(t)
