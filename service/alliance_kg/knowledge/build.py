"""The build: ontology + data + shapes → one reasoned, validated, deterministic dataset.

:func:`build_dataset` loads the knowledge files of a checkout, computes the inferred graph, checks
asserted + inferred against the shapes (a violation fails the build: the dataset the service
serves always conforms) and assembles these named graphs:

==========================  ====================================================================
``akgraph:ontology``        the OWL ontology (``ontology/*.ttl``)
``akgraph:asserted``        every data triple (``data/**``: all graphs of every file, merged)
``akgraph:inferred``        what the OWL 2 RL closure adds, minus noise (``reason.infer``)
``akgraph:shapes``          the SHACL shapes (``shapes/*.ttl``)
``akgraph:description``     VoID description of this build: triples per graph, source files
each sentence graph         every named graph of the data files (one per article sentence in
                            ``data/article/claims.trig``), kept as is, for provenance:
                            ``GRAPH ?sentence { ?cmd akg:reportsTo ?boss }``
``akgraph:vocabulary``,     views the build computes (:mod:`.views`): the vocabulary's labels and
``akgraph:direct-types``    each resource's most specific types, merged into asserted as well
==========================  ====================================================================

:func:`write_dataset` writes it as TriG that is byte-identical for identical input: graphs in
IRI order, subjects and predicates and objects sorted, our prefixes declared once in a fixed
order, no build time, and blank nodes labelled canonically by the loader (RDFC-1.0 per file,
salted with the file's hash, see :mod:`.load`). Blank nodes used in one graph only are written
inline (``[ ... ]``, ``( ... )``); one shared by several graphs keeps its label so it stays the
same node when the file is loaded again.
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import rdflib
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, RDF
from rdflib.plugins.serializers.turtle import OBJECT as OBJECT_POSITION
from rdflib.plugins.serializers.turtle import SUBJECT as SUBJECT_POSITION
from rdflib.plugins.serializers.turtle import VERB as VERB_POSITION
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Node

from ..config import Settings
from ..errors import ErrorKind, KGError
from ..formats import by_path
from ..locations import content_hash
from ..namespaces import (
    ASSERTED,
    BASE,
    DESCRIPTION,
    INFERRED,
    ONTOLOGY,
    PREFIXES,
    SCHEMA,
    SHAPES,
    VOID,
    bind_prefixes,
)
from . import engines
from .engines import DEFAULT_REASONER, DEFAULT_SHACL
from .graphread import triple_set, triples_of
from .load import QuadTuple, load_files, parse_bytes, read_bytes, repo_sources, union_graph
from .provenance import unsourced as find_unsourced
from .reason import infer
from .validate import Origins, source_results, validate, with_results
from .views import VIEW_GRAPHS, views

Progress = Callable[[str], None]

RESERVED_GRAPHS = frozenset({ASSERTED, INFERRED, ONTOLOGY, SHAPES, DESCRIPTION, *VIEW_GRAPHS})
#: the dataset described in the description graph (the web layer's default dataset IRI)
DATASET_IRI = URIRef(BASE + "dataset")
DATASET_FILE = "alliance-kg.trig"


def build_dataset(root: Path, *, validate_shapes: bool = True,
                  progress: Progress | None = None, reasoner: str = DEFAULT_REASONER,
                  shacl: str = DEFAULT_SHACL,
                  timings: dict[str, float] | None = None) -> rdflib.Dataset:
    """Build the dataset from the knowledge files under ``root`` (see the module docstring).

    ``reasoner`` (``fast``: :mod:`.fastreason`; ``owlrl``: the reference) and ``shacl``
    (``fast``: :mod:`.fastshacl`; ``pyshacl``: the reference) choose the engines; the fast
    ones give the same dataset and the same verdict (:mod:`.engines`). ``timings``, if given,
    receives the seconds each step took (``load``, ``reason``, ``validate``, ``assemble``,
    ``describe``).

    Raises ``KGError(BAD_INPUT)`` on a parse error (with ``file:line:col``) or a data graph
    named like one of ours, ``KGError(INCONSISTENT)`` when the data contradicts the ontology,
    and ``KGError(CONFLICT)`` when asserted + inferred violate the shapes (unless
    ``validate_shapes`` is False; warnings never fail).
    """
    engines.check(reasoner, shacl)
    say = progress or (lambda _msg: None)
    clock = _Clock(timings)
    root = Path(root)
    sources = repo_sources(root)
    shape_origins = Origins()

    ds = rdflib.Dataset()
    bind_prefixes(ds)
    say(f"loading {len(sources['ontology'])} ontology file(s)")
    ontology = _load(root, sources["ontology"], Origins())
    say(f"loading {len(sources['data'])} data file(s)")
    # the data goes straight into the dataset's asserted graph: no copy of it is ever made
    asserted = ds.graph(ASSERTED)
    provenance: dict[Node, list[tuple[Node, Node, Node]]] = {}
    defaults: list[tuple[str, tuple[Node, Node, Node]]] = []
    graph_files: dict[Node, str] = {}
    for path in sources["data"]:
        quads = _parse_file(root, path)
        asserted.addN((s, p, o, asserted) for s, p, o, _ in quads)
        name = _relative(root, path)
        for s, p, o, g in quads:
            if g == DATASET_DEFAULT_GRAPH_ID:
                defaults.append((name, (s, p, o)))
                continue
            if g in RESERVED_GRAPHS:
                raise KGError(ErrorKind.BAD_INPUT,
                              f"a data file may not write into the reserved graph <{g}>",
                              file=name)
            provenance.setdefault(g, []).append((s, p, o))
            graph_files.setdefault(g, name)
        del quads
    # every asserted triple has a source (knowledge/provenance.py); reported with the shapes
    unsourced = (source_results(find_unsourced(defaults, provenance, graph_files, asserted))
                 if validate_shapes else [])
    del defaults
    say(f"loading {len(sources['shapes'])} shapes file(s)")
    shapes = _load(root, sources["shapes"], shape_origins)
    clock.lap("load")

    say(f"reasoning over {len(asserted)} asserted + {len(ontology)} ontology triples (OWL 2 RL, "
        f"{reasoner})")
    inferred = infer(asserted, ontology, semantics=engines.REASONERS[reasoner],
                     into=ds.graph(INFERRED))
    clock.lap("reason")
    if validate_shapes and (len(shapes) or unsourced):
        say(f"validating against {len(shapes)} shape triples ({shacl}) and checking sources")
        report = with_results(validate(
            asserted, shapes, ontology=ontology, extra=[inferred],
            origins=_FileOrigins(root, sources["ontology"] + sources["data"]),
            shape_origins=shape_origins.resolve(), engine=shacl), unsourced)
        if not report.conforms:
            failing = [r.to_text() for r in report.results if r.fails]
            raise KGError(ErrorKind.CONFLICT,
                          f"the data does not conform to the shapes ({report.summary()}):\n"
                          + "\n".join(f"  {line}" for line in failing),
                          detail=report.to_text())
        clock.lap("validate")
    # the vocabulary's labels and the direct types, as data graphs the default graph shows
    # (knowledge/views.py): schema-free, so they change neither reasoning nor the verdict
    for name, view in views(asserted, inferred, ontology):
        asserted.addN((s, p, o, asserted) for s, p, o in view)
        provenance[name] = list(view)

    for graph_name, triples in [(ONTOLOGY, list(ontology)), (SHAPES, list(shapes)),
                                *sorted(provenance.items())]:
        target = ds.graph(graph_name)  # type: ignore[arg-type]
        target.addN((s, p, o, target) for s, p, o in triples)
    clock.lap("assemble")
    files = [p for key in ("ontology", "data", "shapes") for p in sources[key]]
    describe(ds, [_relative(root, p) for p in files], build=content_hash(root, files))
    clock.lap("describe")
    return ds


class _Clock:
    """Wall-clock seconds per step, and this process's CPU seconds as ``cpu:<step>``."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.start, self.cpu = time.perf_counter(), time.process_time()

    def lap(self, step: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        if self.timings is not None:
            self.timings[step] = self.timings.get(step, 0.0) + now - self.start
            key = f"cpu:{step}"
            self.timings[key] = self.timings.get(key, 0.0) + cpu - self.cpu
        self.start, self.cpu = now, cpu


class _FileOrigins(Mapping[Node, tuple[str, ...]]):
    """Which files describe each node, worked out only when asked (a report with results):
    noting every node of 10^6 triples cost more than validating them."""

    def __init__(self, root: Path, paths: list[Path]) -> None:
        self._root, self._paths = root, paths
        self._resolved: dict[Node, tuple[str, ...]] | None = None

    def _all(self) -> dict[Node, tuple[str, ...]]:
        if self._resolved is None:
            origins = Origins()
            for path in self._paths:
                origins.note(union_graph(_load_file(self._root, path)),
                             _relative(self._root, path))
            self._resolved = origins.resolve()
        return self._resolved

    def __getitem__(self, node: Node) -> tuple[str, ...]:
        return self._all()[node]

    def __iter__(self) -> Iterator[Node]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def describe(ds: rdflib.Dataset, source_files: Iterable[str], *,
             build: str | None = None) -> Graph:
    """(Re)write the description graph: VoID triple counts per graph, the source files and the
    build identifier (``schema:version``, the sources' content hash: a file time or a commit
    would make identical knowledge look different, or different knowledge look the same)."""
    ds.remove_graph(ds.graph(DESCRIPTION))
    g = ds.graph(DESCRIPTION)
    g.add((DATASET_IRI, RDF.type, VOID.Dataset))
    g.add((DATASET_IRI, DCTERMS.title, Literal("Alliance KG", lang="en")))
    g.add((DATASET_IRI, DCTERMS.description, Literal(
        "The Indo-Pacific security architecture as linked data: asserted facts with the sentence "
        "stating each, OWL 2 RL inferences, the ontology and the SHACL shapes.", lang="en")))
    # the size of asserted + inferred without a set of both: the smaller one's triples that
    # the larger lacks (a build's inferred graph never repeats an asserted triple)
    small, large = sorted((ds.graph(ASSERTED), ds.graph(INFERRED)), key=len)
    members = triple_set(large)
    union = len(large) + (sum(1 for t in small if t not in large) if members is None
                          else sum(1 for t in triples_of(small) if t not in members))
    g.add((DATASET_IRI, VOID.triples, Literal(union)))
    for source in sorted(source_files):
        g.add((DATASET_IRI, DCTERMS.source, Literal(source)))
    if build is not None:
        g.add((DATASET_IRI, SCHEMA.version, Literal(build)))
    for graph in ds.graphs():
        name = graph.identifier
        if name in (DATASET_DEFAULT_GRAPH_ID, DESCRIPTION) or not len(graph):
            continue
        g.add((DATASET_IRI, VOID.subset, name))
        g.add((name, RDF.type, VOID.Dataset))
        g.add((name, VOID.triples, Literal(len(graph))))
    return g


def write_dataset(ds: rdflib.Dataset, path: Path) -> None:
    """Write deterministic TriG, atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = serialize_trig(ds)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def serialize_trig(ds: rdflib.Dataset) -> bytes:
    """The dataset as sorted TriG bytes (see the module docstring for the guarantees)."""
    graphs = sorted((g for g in ds.graphs() if len(g)),
                    key=lambda g: ("" if g.identifier == DATASET_DEFAULT_GRAPH_ID else "1"
                                   + str(g.identifier)))
    # rdflib's Turtle writer reads a graph by subject: a read-only index of the triples by
    # subject is built far faster than a copy into rdflib's memory store, and read once here
    indexes = [_BySubject(triples_of(g)) for g in graphs]
    seen_in: dict[Node, int] = {}
    for index in indexes:
        for node in index.blank_nodes():
            seen_in[node] = seen_in.get(node, 0) + 1
    shared = frozenset(n for n, count in seen_in.items() if count > 1)

    out = io.BytesIO()
    out.write(b"# Alliance KG dataset, written by `alliance-kg build`; do not edit by hand.\n")
    for prefix, ns in PREFIXES.items():
        out.write(f"@prefix {prefix}: <{ns}> .\n".encode())
    for g, index in zip(graphs, indexes, strict=True):
        body = Graph(store=index, bind_namespaces="none")
        bind_prefixes(body)
        if g.identifier == DATASET_DEFAULT_GRAPH_ID:
            out.write(b"\n{")
        else:
            out.write(f"\n{_graph_label(g.identifier)} {{".encode())
        chunk = io.BytesIO()
        _BodySerializer(body, shared).serialize(chunk, encoding="utf-8")
        out.write(chunk.getvalue().rstrip() + b"\n}\n")
    return out.getvalue()


def ensure_built(settings: Settings, *, progress: Progress | None = None,
                 reasoner: str | None = None, shacl: str | None = None) -> Path:
    """The built dataset file, rebuilt first when missing or older than any knowledge file.

    The service calls this at start-up. Deleting a source file also triggers a rebuild (its
    folder's modification time changes). The engines are ``reasoner``/``shacl`` if given, else
    the settings' (``ALLIANCE_KG_REASONER``/``ALLIANCE_KG_SHACL``, fast by default).
    """
    path = settings.dataset_path
    if is_stale(settings.root, path):
        ds = build_dataset(settings.root, progress=progress,
                           reasoner=reasoner or settings.reasoner, shacl=shacl or settings.shacl)
        if progress:
            progress(f"writing {path}")
        write_dataset(ds, path)
    return path


def is_stale(root: Path, built: Path) -> bool:
    """Whether ``built`` is missing or older than a knowledge file or folder under ``root``."""
    try:
        built_at = built.stat().st_mtime_ns
    except FileNotFoundError:
        return True
    # ">=": a source saved in the same clock tick as the build may well be newer than it
    return any(p.stat().st_mtime_ns >= built_at for p in _watched(Path(root)))


def _watched(root: Path) -> list[Path]:
    sources = repo_sources(root)
    files = [p for key in ("ontology", "data", "shapes") for p in sources[key]]
    folders = [root / name for name in ("ontology", "data", "shapes") if (root / name).is_dir()]
    folders += [d for d in (root / "data").rglob("*") if d.is_dir()] if (root / "data").is_dir() \
        else []
    return files + folders


def _load_file(root: Path, path: Path) -> rdflib.Dataset:
    """Load one file; errors name it relative to the root, as people know it."""
    try:
        return load_files([path])
    except KGError as err:
        err.file = _relative(root, path)
        raise


def _parse_file(root: Path, path: Path) -> list[QuadTuple]:
    """One file's quads (as :func:`.load.load_files` reads them), errors naming the file."""
    name = _relative(root, path)
    fmt = by_path(str(path))
    if fmt is None:  # pragma: no cover - repo_sources lists .ttl and .trig files only
        raise KGError(ErrorKind.BAD_INPUT, "cannot tell the RDF format from the file name",
                      file=name)
    return parse_bytes(read_bytes(str(path)), fmt, name=name)


def _load(root: Path, paths: list[Path], origins: Origins) -> Graph:
    out = Graph(bind_namespaces="none")
    for path in paths:
        graph = union_graph(_load_file(root, path))
        origins.note(graph, _relative(root, path))
        out += graph
    return out


def _relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _graph_label(name: Node) -> str:
    for prefix, ns in PREFIXES.items():
        if str(name).startswith(ns):
            local = str(name)[len(ns):]
            if local and all(c.isalnum() or c in "_-" for c in local):
                return f"{prefix}:{local}"
    return name.n3() if isinstance(name, (URIRef, BNode)) else f"<{name}>"


class _BySubject(Memory):
    """A read-only store of one graph's triples, indexed by subject only: all that
    :class:`_BodySerializer` asks of it (namespace bindings are Memory's own)."""

    def __init__(self, triples: Iterable[tuple[Node, Node, Node]]) -> None:
        super().__init__()
        index: dict[Node, list[tuple[Node, Node]]] = {}
        count = 0
        for s, p, o in triples:
            found = index.get(s)
            if found is None:
                index[s] = [(p, o)]
            else:
                found.append((p, o))
            count += 1
        self._index, self._count = index, count

    def __len__(self, context: object = None) -> int:
        return self._count

    def blank_nodes(self) -> set[Node]:
        """The blank nodes used as subject or object."""
        found: set[Node] = {s for s in self._index if type(s) is BNode}
        for pairs in self._index.values():
            found.update(o for _, o in pairs if type(o) is BNode)
        return found

    def triples(self, triple_pattern: Any, context: object = None) -> Any:
        s, p, o = triple_pattern
        subjects: Iterable[Node] = self._index if s is None else (s,)
        for subject in subjects:
            for pred, obj in self._index.get(subject, ()):
                if (p is None or pred == p) and (o is None or obj == o):
                    yield (subject, pred, obj), iter(())

    def add(self, *args: Any, **kwargs: Any) -> None:  # pragma: no cover - never written
        raise TypeError("read-only")


class _BodySerializer(TurtleSerializer):
    """rdflib's Turtle writer for the inside of one TriG graph block.

    Differences: indented one level, no prefix lines (declared once for the whole file), no
    generated ``ns1:`` prefixes, subjects in plain sorted order (IRIs, then labelled blank
    nodes), and blank nodes in ``shared`` never written inline.
    """

    def __init__(self, store: Graph, shared: frozenset[Node]) -> None:
        self._shared = shared
        self._pnames: dict[Node, str | None] = {}
        self._labels: dict[tuple[Node, bool], str] = {}
        super().__init__(store)

    def reset(self) -> None:
        super().reset()
        self.depth = 1

    def get_pname(self, uri: Node, gen_prefix: bool = True) -> str | None:
        # the same few hundred IRIs (predicates, classes, states) come back millions of times
        found = self._pnames.get(uri, self)
        if found is self:
            found = self._pnames[uri] = super().get_pname(uri, gen_prefix=False)
        return found  # type: ignore[return-value]

    def preprocess(self) -> None:
        # what TurtleSerializer.preprocess records, read from the index; its get_pname calls
        # only collect prefixes for a header this writer does not print
        index = self._index()
        refs, subjects = self._references, self._subjects
        for subject, pairs in index.items():
            subjects[subject] = True
            for _, obj in pairs:
                refs[obj] += 1
        for node in self._shared:
            if node in self._subjects or node in self._references:
                self._references[node] += 2

    def orderSubjects(self) -> list[Node]:
        """IRIs sorted; then blank nodes nobody references (``[] ...``) and labelled ones;
        blank nodes referenced once come last: their referrer normally writes them inline
        first (so a list is never split), the tail only catches cycles of blank nodes."""
        def key(s: Node) -> tuple[int, str]:
            if not isinstance(s, BNode):
                return (0, str(s))
            return (1 if self._references[s] != 1 else 2, str(s))

        return sorted(self._subjects, key=key)

    def startDocument(self) -> None:
        self._started = True

    def endDocument(self) -> None:
        pass

    def _index(self) -> dict[Node, list[tuple[Node, Node]]]:
        return self.store.store._index  # type: ignore[attr-defined, no-any-return]

    def statement(self, subject: Node) -> bool:
        """TurtleSerializer's statement, written in one piece for the common case: an IRI
        subject none of whose objects is a blank node (nothing written inline). The text is
        the same as TurtleSerializer's, character for character (tests/knowledge/test_build.py
        compares the two); other subjects go through TurtleSerializer."""
        if type(subject) is not URIRef or self.depth != 1:
            return bool(super().statement(subject))
        properties: dict[Node, list[Node]] = {}
        for p, o in self._index().get(subject, ()):
            if type(o) is BNode or o == RDF.nil:
                return bool(super().statement(subject))
            found = properties.get(p)
            if found is None:
                properties[p] = [o]
            else:
                found.append(o)
        self.subjectDone(subject)
        parts = ["\n    ", self._label(subject, SUBJECT_POSITION)]
        for i, p in enumerate(self.sortProperties(properties)):
            parts.append(" " if i == 0 else " ;\n        ")
            parts.append(self._label(p, VERB_POSITION))
            objects = properties[p]
            parts.append(" ")
            parts.append(self._label(objects[0], OBJECT_POSITION))
            for o in objects[1:]:
                parts.append(",\n            ")
                parts.append(self._label(o, OBJECT_POSITION))
        parts.append(" .")
        self.write("".join(parts))
        return True

    def _label(self, node: Node, position: int) -> str:
        key = (node, position == VERB_POSITION)
        found = self._labels.get(key)
        if found is None:
            found = self._labels[key] = self.label(node, position)
        return found
