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
from collections.abc import Callable, Iterable
from pathlib import Path

import rdflib
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, RDF
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.term import Node

from ..config import Settings
from ..errors import ErrorKind, KGError
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
from .load import load_files, repo_sources, union_graph
from .reason import infer, merged
from .validate import Origins, validate

Progress = Callable[[str], None]

RESERVED_GRAPHS = frozenset({ASSERTED, INFERRED, ONTOLOGY, SHAPES, DESCRIPTION})
#: the dataset described in the description graph (the web layer's default dataset IRI)
DATASET_IRI = URIRef(BASE + "dataset")
DATASET_FILE = "alliance-kg.trig"


def build_dataset(root: Path, *, validate_shapes: bool = True,
                  progress: Progress | None = None) -> rdflib.Dataset:
    """Build the dataset from the knowledge files under ``root`` (see the module docstring).

    Raises ``KGError(BAD_INPUT)`` on a parse error (with ``file:line:col``) or a data graph
    named like one of ours, ``KGError(INCONSISTENT)`` when the data contradicts the ontology,
    and ``KGError(CONFLICT)`` when asserted + inferred violate the shapes (unless
    ``validate_shapes`` is False; warnings never fail).
    """
    say = progress or (lambda _msg: None)
    root = Path(root)
    sources = repo_sources(root)
    origins, shape_origins = Origins(), Origins()

    say(f"loading {len(sources['ontology'])} ontology file(s)")
    ontology = _load(root, sources["ontology"], origins)
    say(f"loading {len(sources['data'])} data file(s)")
    data_files = [(p, _load_file(root, p)) for p in sources["data"]]
    asserted = Graph(bind_namespaces="none")
    provenance: dict[Node, Graph] = {}
    for path, ds in data_files:
        name = _relative(root, path)
        graph = union_graph(ds)
        origins.note(graph, name)
        asserted += graph
        for g in ds.graphs():
            if g.identifier == DATASET_DEFAULT_GRAPH_ID or not len(g):
                continue
            if g.identifier in RESERVED_GRAPHS:
                raise KGError(ErrorKind.BAD_INPUT,
                              f"a data file may not write into the reserved graph <{g.identifier}>",
                              file=name)
            provenance.setdefault(g.identifier, Graph())
            provenance[g.identifier] += g
    say(f"loading {len(sources['shapes'])} shapes file(s)")
    shapes = _load(root, sources["shapes"], shape_origins)

    say(f"reasoning over {len(asserted)} asserted + {len(ontology)} ontology triples (OWL 2 RL)")
    inferred = infer(asserted, ontology)
    if validate_shapes and len(shapes):
        say(f"validating against {len(shapes)} shape triples")
        report = validate(merged([asserted, inferred]), shapes, ontology=ontology,
                          origins=origins.resolve(), shape_origins=shape_origins.resolve())
        if not report.conforms:
            failing = [r.to_text() for r in report.results if r.fails]
            raise KGError(ErrorKind.CONFLICT,
                          f"the data does not conform to the shapes ({report.summary()}):\n"
                          + "\n".join(f"  {line}" for line in failing),
                          detail=report.to_text())

    ds = rdflib.Dataset()
    bind_prefixes(ds)
    parts: list[tuple[Node, Graph]] = [(ONTOLOGY, ontology), (ASSERTED, asserted),
                                       (INFERRED, inferred), (SHAPES, shapes)]
    for graph_name, graph in parts + sorted(provenance.items()):
        target = ds.graph(graph_name)  # type: ignore[arg-type]
        for t in graph:
            target.add(t)
    files = [p for key in ("ontology", "data", "shapes") for p in sources[key]]
    describe(ds, [_relative(root, p) for p in files], build=content_hash(root, files))
    return ds


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
    default = {t for name in (ASSERTED, INFERRED) for t in ds.graph(name)}
    g.add((DATASET_IRI, VOID.triples, Literal(len(default))))
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
    seen_in: dict[Node, int] = {}
    for g in graphs:
        for node in {n for t in g for n in (t[0], t[2]) if isinstance(n, BNode)}:
            seen_in[node] = seen_in.get(node, 0) + 1
    shared = frozenset(n for n, count in seen_in.items() if count > 1)

    out = io.BytesIO()
    out.write(b"# Alliance KG dataset, written by `alliance-kg build`; do not edit by hand.\n")
    for prefix, ns in PREFIXES.items():
        out.write(f"@prefix {prefix}: <{ns}> .\n".encode())
    for g in graphs:
        body = Graph(bind_namespaces="none")
        bind_prefixes(body)
        for t in g:
            body.add(t)
        if g.identifier == DATASET_DEFAULT_GRAPH_ID:
            out.write(b"\n{")
        else:
            out.write(f"\n{_graph_label(g.identifier)} {{".encode())
        chunk = io.BytesIO()
        _BodySerializer(body, shared).serialize(chunk, encoding="utf-8")
        out.write(chunk.getvalue().rstrip() + b"\n}\n")
    return out.getvalue()


def ensure_built(settings: Settings, *, progress: Progress | None = None) -> Path:
    """The built dataset file, rebuilt first when missing or older than any knowledge file.

    The service calls this at start-up. Deleting a source file also triggers a rebuild (its
    folder's modification time changes).
    """
    path = settings.dataset_path
    if is_stale(settings.root, path):
        ds = build_dataset(settings.root, progress=progress)
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


class _BodySerializer(TurtleSerializer):
    """rdflib's Turtle writer for the inside of one TriG graph block.

    Differences: indented one level, no prefix lines (declared once for the whole file), no
    generated ``ns1:`` prefixes, subjects in plain sorted order (IRIs, then labelled blank
    nodes), and blank nodes in ``shared`` never written inline.
    """

    def __init__(self, store: Graph, shared: frozenset[Node]) -> None:
        self._shared = shared
        super().__init__(store)

    def reset(self) -> None:
        super().reset()
        self.depth = 1

    def get_pname(self, uri: Node, gen_prefix: bool = True) -> str | None:
        return super().get_pname(uri, gen_prefix=False)

    def preprocess(self) -> None:
        super().preprocess()
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
