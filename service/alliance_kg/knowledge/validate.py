"""SHACL validation with pySHACL, and reports for people, programs and CI dashboards.

**What "conforms" means here.** A report conforms when no result has severity ``sh:Violation``
(or a custom severity: anything that is not ``sh:Warning`` or ``sh:Info`` counts as a violation).
Warnings and infos are reported but never fail: shapes use them for advice ("a command should
have a founding date") that must not block a build. This is pySHACL's ``allow_warnings``.

**Inference.** ``inference="rdfs"|"owlrl"`` adds :func:`~alliance_kg.knowledge.reason.infer`'s
triples (the same reasoner and noise filter as the build) to the data before validating, instead
of pySHACL's own unfiltered closure: the shapes then see exactly what the service serves
(asserted + inferred), and never owlrl's noise (``x owl:sameAs x`` would break ``sh:closed``
shapes). The ontology, when given, is mixed into the data graph either way, so ``sh:class`` and
class targets follow ``rdfs:subClassOf``.

**Bad shapes** are caught before validating: the shapes graph is checked against the SHACL
shapes for SHACL (pySHACL's meta-SHACL), and every problem is reported at the shape that has it.
pySHACL's load errors and SHACL-SPARQL syntax errors become ``KGError(BAD_INPUT)`` as well.

Reports are deterministic: results sorted, the report graph rebuilt with stable blank-node
labels, no timestamps.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyparsing
import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from ..errors import ErrorKind, KGError
from ..formats import Format
from ..namespaces import bind_prefixes
from . import provenance
from .load import load_files, union_graph
from .names import compact
from .provenance import Triple, Unsourced
from .reason import infer, merged

INFERENCE_MODES = ("none", "rdfs", "owlrl")
_SEVERITY_RANK = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
#: predicates from a shape to the shapes it is made of (for finding a result's top-level shape)
_PARTS = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
_LISTS = (SH["and"], SH["or"], SH.xone)


def _quiet_pyshacl() -> None:
    """pySHACL logs every failure to stderr itself; our callers print (or not) what we return."""
    for name in ("pyshacl-validate", "pyshacl"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropAll) for f in logger.filters):
            logger.addFilter(_DropAll())


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with its terms and readable renderings of them."""

    focus_node: Node
    severity: URIRef
    message: str
    component: URIRef  #: sh:sourceConstraintComponent
    source_shape: Node
    shape: str  #: readable name of the source shape (``aksh:AgentShape/akg:name``)
    path: str = ""  #: sh:resultPath as a SPARQL property path, '' when there is none
    value: Node | None = None
    #: files the focus node is described in (set by :func:`validate_files`)
    files: tuple[str, ...] = ()

    @property
    def severity_name(self) -> str:
        if self.severity in _SEVERITY_RANK:
            return str(self.severity).rsplit("#", 1)[-1]
        return compact(self.severity)

    @property
    def fails(self) -> bool:
        """Whether this result makes the data not conform (violations and custom severities)."""
        return self.severity not in (SH.Warning, SH.Info)

    def sort_key(self) -> tuple[str, ...]:
        return (",".join(self.files), str(self.focus_node), self.path,
                str(_SEVERITY_RANK.get(self.severity, 0)), str(self.component), self.shape,
                self.value.n3() if self.value is not None else "", self.message)

    def to_text(self) -> str:
        where = f"{', '.join(self.files)}: " if self.files else ""
        path = f" {self.path}" if self.path else ""
        value = f" (value: {compact(self.value)})" if self.value is not None else ""
        return (f"{where}{self.severity_name}: {compact(self.focus_node)}{path}: {self.message}"
                f"{value} [{self.shape}; {compact(self.component)}]")

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity_name,
            "focusNode": _json_term(self.focus_node),
            "resultPath": self.path or None,
            "value": _json_term(self.value) if self.value is not None else None,
            "message": self.message,
            "sourceShape": _json_term(self.source_shape),
            "shape": self.shape,
            "sourceConstraintComponent": str(self.component),
            "files": list(self.files),
        }


@dataclass
class ValidationReport:
    """The outcome of a validation; ``graph`` is the SHACL report graph (deterministic labels)."""

    conforms: bool
    results: list[ValidationResult]
    graph: Graph
    #: top-level shapes that were checked (readable names), for per-shape summaries (JUnit)
    shapes: tuple[str, ...] = ()
    #: result index -> top-level shape name
    roots: dict[int, str] = field(default_factory=dict)
    #: per source (an article): its sentences and those without facts; conflicts between
    #: sources (``sources.report_records``): shown by the JSON and JUnit reports, never failing
    sources: list[dict[str, object]] = field(default_factory=list)
    conflicts: list[dict[str, object]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"violations": 0, "warnings": 0, "infos": 0}
        for r in self.results:
            key = {SH.Warning: "warnings", SH.Info: "infos"}.get(r.severity, "violations")
            out[key] += 1
        return out

    def summary(self) -> str:
        c = self.counts()
        verdict = "conforms" if self.conforms else "does not conform"
        return (f"{verdict}: {_plural(c['violations'], 'violation')}, "
                f"{_plural(c['warnings'], 'warning')}, {_plural(c['infos'], 'info')}")

    def to_text(self) -> str:
        lines = [r.to_text() for r in self.results]
        lines.append(self.summary())
        return "\n".join(lines) + "\n"

    def to_turtle(self) -> str:
        return str(self.graph.serialize(format="turtle"))

    def to_json(self) -> str:
        doc: dict[str, object] = {"conforms": self.conforms, "summary": self.counts(),
                                  "results": [r.to_dict() for r in self.results]}
        if self.sources or self.conflicts:
            doc["sources"], doc["conflicts"] = self.sources, self.conflicts
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def to_junit(self) -> str:
        """JUnit XML: one test case per top-level shape; violations are failures.

        Warnings and infos go to the test case's ``system-out`` (they do not fail). No
        timestamps or durations, so the same data gives the same file.
        """
        by_shape: dict[str, list[ValidationResult]] = defaultdict(list)
        for i, r in enumerate(self.results):
            by_shape[self.roots.get(i, r.shape)].append(r)
        names = sorted(set(self.shapes) | set(by_shape))
        failures = sum(1 for n in names if any(r.fails for r in by_shape.get(n, [])))
        suites = ET.Element("testsuites", name="alliance-kg validate", tests=str(len(names)),
                            failures=str(failures), errors="0")
        suite = ET.SubElement(suites, "testsuite", name="SHACL shapes", tests=str(len(names)),
                              failures=str(failures), errors="0", skipped="0")
        for name in names:
            case = ET.SubElement(suite, "testcase", classname="shacl", name=name)
            results = by_shape.get(name, [])
            failing = [r for r in results if r.fails]
            advice = [r for r in results if not r.fails]
            if failing:
                # CI annotators (GitLab, dorny/test-reporter, action-junit-report) point at the
                # testcase's ``file``: the file of the first violation; the text lists them all
                first = failing[0]
                if first.files:
                    case.set("file", first.files[0])
                where = f"{first.files[0]}: " if first.files else ""
                fail = ET.SubElement(case, "failure", type="sh:Violation",
                                     message=f"{_plural(len(failing), 'violation')}: {where}"
                                             f"{compact(first.focus_node)}: {first.message}")
                fail.text = "\n".join(r.to_text() for r in failing)
            if advice:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join(r.to_text() for r in advice)
        if self.sources or self.conflicts:
            self._junit_sources(suites)
        ET.indent(suites)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(
            suites, encoding="unicode") + "\n"

    def _junit_sources(self, suites: ET.Element) -> None:
        """A suite with a case per source and per conflict; what they report is advice (in
        ``system-out``), as the text report's lines on standard error are: it fails nothing."""
        cases = len(self.sources) + len(self.conflicts)
        suite = ET.SubElement(suites, "testsuite", name="sources", tests=str(cases),
                              failures="0", errors="0", skipped="0")
        for src in self.sources:
            case = ET.SubElement(suite, "testcase", classname="sources",
                                 name=f"source {src['source']}")
            empty = src["withoutFacts"]
            assert isinstance(empty, list)
            if empty:
                out = ET.SubElement(case, "system-out")
                out.text = (f"{len(empty)} of {src['sentences']} sentences carry no fact: "
                            + ", ".join(str(e) for e in empty))
        for c in self.conflicts:
            case = ET.SubElement(suite, "testcase", classname="sources",
                                 name=f"conflict {c['subject']} {c['property']}")
            values = c["values"]
            assert isinstance(values, list)
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(f"{v['value']} ({v['sentence']}: \u201c{v['quote']}\u201d)"
                                 for v in values)

    def render(self, fmt: str) -> str:
        """Render as ``text``, ``turtle``, ``json`` or ``junit``."""
        renderers = {"text": self.to_text, "turtle": self.to_turtle, "json": self.to_json,
                     "junit": self.to_junit}
        if fmt not in renderers:
            raise KGError(ErrorKind.BAD_INPUT,
                          f"unknown report format {fmt!r} (one of: {', '.join(renderers)})")
        return renderers[fmt]()


RENDER_FORMATS = ("text", "turtle", "json", "junit")


class _PreparedQueries(Graph):
    """A data graph that parses each SPARQL text once.

    pySHACL runs a SHACL-SPARQL constraint as query *text*, once per focus node, and rdflib
    parses the text on every call: for our 9 SPARQL constraints that was 90 parses and about
    two thirds of a validation's time. The parse (``translateQuery(parseQuery(text), base,
    namespaces)``) depends on nothing but its inputs, so it is done once per text and the
    prepared query, which rdflib is made to run again with other bindings, is reused.
    """

    def query(self, query_object: Any, processor: Any = "sparql", result: Any = "sparql",
              initNs: Any = None, initBindings: Any = None,  # rdflib's parameter names
              use_store_provided: bool = True, **kwargs: Any) -> Any:
        if isinstance(query_object, str) and processor == "sparql":
            namespaces = tuple(sorted((str(k), str(v)) for k, v in
                                      (initNs or dict(self.namespaces())).items()))
            base = kwargs.get("base")
            query_object = _prepare(query_object, namespaces, None if base is None else str(base))
        return super().query(query_object, processor, result, initNs, initBindings,
                             use_store_provided, **kwargs)


@lru_cache(maxsize=512)
def _prepare(text: str, namespaces: tuple[tuple[str, str], ...], base: str | None) -> Any:
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    return translateQuery(parseQuery(text), base, dict(namespaces))


def validate(
    data: Graph,
    shapes: Graph,
    *,
    ontology: Graph | None = None,
    inference: str = "none",
    origins: Mapping[Node, tuple[str, ...]] | None = None,
    shape_origins: dict[Node, tuple[str, ...]] | None = None,
    engine: str | None = None,
    extra: Sequence[Graph] = (),
) -> ValidationReport:
    """Validate ``data`` (plus ``ontology``, for the class hierarchy) against ``shapes``.

    ``origins`` maps nodes to the files describing them, so results can name a file;
    :func:`validate_files` fills it. ``engine``: ``"pyshacl"`` (the reference) or ``"fast"``
    (:mod:`.fastshacl`: the same report, found by pyshacl-turbo); None is ``"pyshacl"`` unless
    chosen with :func:`.engines.use`. ``inference="owlrl"`` reasons with the reasoner chosen
    there (owlrl by default). ``extra``: more data graphs, validated as if merged into
    ``data`` (the build's inferred graph, without copying it). Raises ``KGError(BAD_INPUT)``
    for bad shapes or an unknown inference mode, ``KGError(INCONSISTENT)`` when inference finds
    a contradiction.
    """
    from . import engines

    if inference not in INFERENCE_MODES:
        raise KGError(ErrorKind.BAD_INPUT, f"unknown inference {inference!r} "
                                           f"(one of: {', '.join(INFERENCE_MODES)})")
    engine = engine if engine is not None else engines.shacl()
    engines.check(shacl=engine)
    _quiet_pyshacl()
    check_shapes(shapes, shape_origins or {})
    ontology = ontology if ontology is not None else Graph()
    found_in: Mapping[Node, tuple[str, ...]] = {} if origins is None else origins
    graphs = [data, *extra]
    if inference != "none":
        semantics = engines.semantics() if inference == "owlrl" else inference
        try:
            inferred = infer(merged(graphs) if extra else data, ontology, semantics=semantics)
        except KGError as exc:
            raise _located(exc, found_in, data, ontology) from None
        graphs.append(inferred)
    if engine == "fast":
        from .fastshacl import validate_fast

        return validate_fast([*graphs, ontology], shapes, found_in,
                             lambda: _pyshacl(graphs, shapes, ontology, found_in))
    return _pyshacl(graphs, shapes, ontology, found_in)


def _pyshacl(graphs: Sequence[Graph], shapes: Graph, ontology: Graph,
             origins: Mapping[Node, tuple[str, ...]]) -> ValidationReport:
    """pySHACL over the union of ``graphs`` and ``ontology`` (the reference engine)."""
    # The ontology joins the data graph whole (pySHACL's ont_graph would copy only its axioms):
    # the QC shapes check the ontology's own documentation and metadata, and the data shapes
    # see the vocabularies' concepts and the class hierarchy. The copy is ours to give pySHACL
    # to work in (``inplace``: it would otherwise copy it again, advanced mode always does).
    work = _PreparedQueries(bind_namespaces="none")
    bind_prefixes(work)
    for graph in (*graphs, ontology):
        for t in graph:
            work.add(t)
    try:
        # pySHACL adds RDFS/OWL axioms to the shapes graph it is given: give it a copy
        _, raw_report, _ = pyshacl.validate(
            work, shacl_graph=merged([shapes]), inference="none", advanced=True,
            allow_warnings=True, abort_on_first=False, inplace=True)
    except ReportableRuntimeError as exc:
        raise KGError(ErrorKind.BAD_INPUT, f"bad shapes: {exc.message}") from None
    except pyparsing.ParseBaseException as exc:
        raise KGError(ErrorKind.BAD_INPUT, "bad shapes: syntax error in a SHACL-SPARQL query at "
                                           f"line {exc.lineno}, column {exc.col}: {exc.msg}") \
            from None
    return _report(raw_report, shapes, origins)


def validate_files(
    paths: Iterable[Path | str],
    shapes_paths: Iterable[Path | str],
    *,
    ontology_paths: Iterable[Path | str] = (),
    inference: str = "none",
    fmt: Format | None = None,
    progress: Callable[[str], None] | None = None,
    reasoner: str = "fast",
    shacl: str = "fast",
    require_sources: bool = False,
) -> ValidationReport:
    """Validate files against shapes files; each result names the file(s) its focus node is in.

    ``require_sources`` adds the check that every triple has a source (:mod:`.provenance`: a
    sentence, an article or a graph naming its reference), as the build makes of our data.

    Parse errors raise ``KGError(BAD_INPUT)`` with ``file:line:col``. ``fmt`` overrides the
    format of the data files (needed for ``-``, standard input). ``reasoner`` (``fast`` or
    ``owlrl``) and ``shacl`` (``fast`` or ``pyshacl``) choose the engines
    (:mod:`.engines`; the fast ones give the same report).
    """
    from . import engines

    engines.check(reasoner, shacl)
    say = progress or (lambda _msg: None)
    origins, shape_origins = Origins(), Origins()
    say("loading data, ontology and shapes")
    sourcing = _Sourcing() if require_sources else None
    data = _load_noting(paths, origins, fmt, sourcing)
    ontology = _load_noting(ontology_paths, origins, None)
    shapes = _load_noting(shapes_paths, shape_origins, None)
    say(f"validating {len(data)} triples" + (f" with {inference} inference"
                                              if inference != "none" else ""))
    with engines.use(reasoner, shacl):
        report = validate(data, shapes, ontology=ontology, inference=inference,
                          origins=origins.resolve(), shape_origins=shape_origins.resolve())
    if sourcing is None:
        return report
    return with_results(report, source_results(provenance.unsourced(
        sourcing.defaults, sourcing.graphs, sourcing.files, data)))


def _load_noting(paths: Iterable[Path | str], origins: Origins, fmt: Format | None,
                 sourcing: _Sourcing | None = None) -> Graph:
    merged_graph = Graph(bind_namespaces="none")
    for path in paths:
        name = "<stdin>" if str(path) == "-" else str(path)
        ds = load_files([path], fmt=fmt)
        graph = union_graph(ds)
        origins.note(graph, name)
        merged_graph += graph
        if sourcing is not None:
            sourcing.note(ds, name)
    return merged_graph


@dataclass
class _Sourcing:
    """Where each loaded triple sits (a file's default graph, or which named graph), for the
    source check of :mod:`.provenance`."""

    defaults: list[tuple[str, tuple[Node, Node, Node]]] = field(default_factory=list)
    graphs: dict[Node, list[tuple[Node, Node, Node]]] = field(default_factory=dict)
    files: dict[Node, str] = field(default_factory=dict)

    def note(self, ds: Any, name: str) -> None:
        for s, p, o, g in ds.quads((None, None, None, None)):
            g = getattr(g, "identifier", g)
            if g is None or g == DATASET_DEFAULT_GRAPH_ID:
                self.defaults.append((name, (s, p, o)))
            else:
                self.graphs.setdefault(g, []).append((s, p, o))
                self.files.setdefault(g, name)


#: digests of shapes graphs already found well formed in this process (see check_shapes)
_GOOD_SHAPES: set[str] = set()


def _shapes_digest(shapes: Graph) -> str:
    return hashlib.sha256("\n".join(sorted(
        f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in shapes)).encode("utf-8")).hexdigest()


def check_shapes(shapes: Graph, origins: dict[Node, tuple[str, ...]] | None = None) -> None:
    """Raise ``KGError(BAD_INPUT)`` listing every malformed shape (SHACL for SHACL).

    A shapes graph found well formed once is not checked again in the same process (its
    triples' digest, blank node labels included, is remembered): the meta-validation takes
    about 2 s for our shapes, and a running service validates every merge against the same
    shapes. The same triples always give the same verdict, so nothing is checked less.
    """
    from pyshacl.entrypoints import meta_validate

    _quiet_pyshacl()
    key = _shapes_digest(shapes)
    if key in _GOOD_SHAPES:
        return
    origins = origins or {}
    try:
        conforms, raw, _ = meta_validate(shapes, inference="none")
    except ReportableRuntimeError as exc:  # pragma: no cover - meta shapes are fixed
        raise KGError(ErrorKind.BAD_INPUT, f"bad shapes: {exc.message}") from None
    lines = []
    if not conforms:
        for r in _report(raw, Graph(), {}).results:
            if r.fails:
                what = f" {r.path}" if r.path else ""
                value = f" (value: {compact(r.value)})" if r.value is not None else ""
                lines.append(f"{_where(origins, r.focus_node)}shape "
                             f"{_shape_name(shapes, r.focus_node)}{what}: {r.message}{value}")
    lines += _sparql_problems(shapes, origins)
    if not lines:
        _GOOD_SHAPES.add(key)
        return
    lines = sorted(set(lines))
    head = f"bad shapes: {_plural(len(lines), 'problem')} in the shapes graph"
    raise KGError(ErrorKind.BAD_INPUT, head + ":\n" + "\n".join(f"  {x}" for x in lines),
                  detail="\n".join(lines))


def _sparql_problems(shapes: Graph, origins: dict[Node, tuple[str, ...]]) -> list[str]:
    """Syntax errors of SHACL-SPARQL queries, located in the query text of their shape.

    (pySHACL would only report them later, at a line of the query with its prefixes prepended.)
    """
    from rdflib.plugins.sparql.parser import parseQuery

    problems = []
    for pred in (SH.select, SH.ask, SH.construct):
        for node, text in shapes.subject_objects(pred):
            # $PATH stands for the property shape's path; any IRI keeps the syntax
            query = str(text).replace("$PATH", "<urn:x-shacl:path>")
            try:
                parseQuery(query)
            except pyparsing.ParseBaseException as exc:
                holder = shapes.value(None, SH.sparql, node) or node
                problems.append(
                    f"{_where(origins, node)}shape {_shape_name(shapes, holder)}: "
                    f"syntax error in its {compact(pred)} query at line {exc.lineno}, column "
                    f"{exc.col} of the query: {exc.msg}, found {exc.found or 'end of text'}")
    return problems


def _located(err: KGError, origins: Mapping[Node, tuple[str, ...]], data: Graph,
             ontology: Graph) -> KGError:
    """A contradiction found by reasoning, naming the data files that describe the resources
    it names (not the ontology's classes): a user running ``validate`` over many files (a
    pre-commit hook) must see where to look, as every SHACL result already says."""
    if err.kind is not ErrorKind.INCONSISTENT or err.file is not None:
        return err
    files: list[str] = []
    for node, where in origins.items():
        if not isinstance(node, URIRef) or not set(where) - set(files) \
                or (node, None, None) not in data or (node, None, None) in ontology:
            continue
        for name in {str(node), compact(node)}:
            if re.search(rf"(?<![\w/#:.-]){re.escape(name)}(?![\w/#-])", err.message):
                files += [f for f in where if f not in files]
                break
    if not files:
        return err
    if len(files) == 1:
        return KGError(err.kind, err.message, file=files[0], detail=err.detail)
    return KGError(err.kind, f"{err.message}\n  (described in {', '.join(files)})",
                   detail=err.detail)


def _where(origins: dict[Node, tuple[str, ...]], node: Node) -> str:
    files = origins.get(node, ())
    return f"{', '.join(files)}: " if files else ""


# -- report construction ------------------------------------------------------------------------


def _report(raw: Graph, shapes: Graph, origins: Mapping[Node, tuple[str, ...]],
            top_shapes: tuple[str, ...] | None = None) -> ValidationReport:
    """Our report from pySHACL's: sorted results, readable names, a deterministic graph.

    ``top_shapes`` is ``_top_shapes(shapes)`` when the caller has it already (incremental
    validation reports often, against the same shapes).
    """
    pairs = []
    for node in raw.subjects(RDF.type, SH.ValidationResult):
        focus = raw.value(node, SH.focusNode)
        shape = raw.value(node, SH.sourceShape)
        path_node = raw.value(node, SH.resultPath)
        result = ValidationResult(
            focus_node=focus if focus is not None else URIRef(""),
            severity=_iri(raw.value(node, SH.resultSeverity), SH.Violation),
            message=_message(raw, node),
            component=_iri(raw.value(node, SH.sourceConstraintComponent), SH.ConstraintComponent),
            source_shape=shape if shape is not None else URIRef(""),
            shape=_shape_name(shapes, shape) if shape is not None else "",
            path=path_text(raw, path_node) if path_node is not None else "",
            value=raw.value(node, SH.value),
            files=origins.get(focus, ()) if focus is not None else (),
        )
        pairs.append((result, node))
    pairs.sort(key=lambda rn: rn[0].sort_key())
    results = [r for r, _ in pairs]
    conforms = not any(r.fails for r in results)
    graph = _report_graph(conforms, pairs, raw)
    roots = {i: _shape_name(shapes, _root(shapes, r.source_shape)) for i, r in enumerate(results)}
    tops = _top_shapes(shapes) if top_shapes is None else top_shapes
    return ValidationReport(conforms, results, graph, shapes=tops, roots=roots)


def _report_graph(conforms: bool, pairs: Sequence[tuple[ValidationResult, Node]],
                  raw: Graph) -> Graph:
    g = Graph(bind_namespaces="none")
    bind_prefixes(g)
    report = BNode("report")
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(conforms)))
    for i, (r, raw_node) in enumerate(pairs):
        node = BNode(f"r{i:05d}")
        g.add((report, SH.result, node))
        g.add((node, RDF.type, SH.ValidationResult))
        g.add((node, SH.focusNode, r.focus_node))
        g.add((node, SH.resultSeverity, r.severity))
        g.add((node, SH.sourceConstraintComponent, r.component))
        g.add((node, SH.sourceShape, r.source_shape))
        for m in raw.objects(raw_node, SH.resultMessage):
            g.add((node, SH.resultMessage, m))
        if r.value is not None:
            g.add((node, SH.value, r.value))
        path = raw.value(raw_node, SH.resultPath)
        if path is not None:
            g.add((node, SH.resultPath, _copy_path(raw, path, g, f"r{i:05d}p")))
    return g


def with_results(report: ValidationReport, extra: Sequence[ValidationResult]) -> ValidationReport:
    """``report`` with results found outside SHACL (the source check of :mod:`.provenance`),
    in its order, its verdict and its report graph, so every format shows them alike."""
    if not extra:
        return report
    pairs = [(r, report.roots.get(i, r.shape)) for i, r in enumerate(report.results)]
    pairs += [(r, r.shape) for r in extra]
    pairs.sort(key=lambda rr: rr[0].sort_key())
    results = [r for r, _ in pairs]
    conforms = report.conforms and not any(r.fails for r in extra)
    graph = Graph(bind_namespaces="none")
    graph += report.graph
    node = graph.value(predicate=RDF.type, object=SH.ValidationReport) or BNode("report")
    graph.add((node, RDF.type, SH.ValidationReport))
    graph.set((node, SH.conforms, Literal(conforms)))
    for i, r in enumerate(extra):
        result = BNode(f"x{i:05d}")
        graph.add((node, SH.result, result))
        for p, o in ((RDF.type, SH.ValidationResult), (SH.focusNode, r.focus_node),
                     (SH.resultSeverity, r.severity), (SH.sourceConstraintComponent, r.component),
                     (SH.sourceShape, r.source_shape), (SH.resultMessage, Literal(r.message)),
                     (SH.value, r.value)):
            if o is not None:
                graph.add((result, p, o))
    for prefix, ns in report.graph.namespaces():
        graph.bind(prefix, ns)
    shapes = tuple(sorted({*report.shapes, *(r.shape for r in extra)}))
    return ValidationReport(conforms, results, graph, shapes=shapes,
                            roots={i: root for i, (_, root) in enumerate(pairs)})


def source_results(found: Sequence[Unsourced]) -> list[ValidationResult]:
    """The source check's findings (:mod:`.provenance`) as results of a report, each naming
    its file; past ``provenance.SHOWN`` in one file, one more result says how many were left
    out."""
    out: list[ValidationResult] = []
    per_file: dict[str, int] = {}
    for u in found:
        n = per_file[u.file] = per_file.get(u.file, 0) + 1
        if n <= provenance.SHOWN:
            out.append(_source_result(u.triple, u.message(), u.file))
    for name, n in sorted(per_file.items()):
        if n > provenance.SHOWN:
            last = next(u for u in reversed(found) if u.file == name)
            out.append(_source_result(last.triple, f"and {n - provenance.SHOWN} more triples of "
                                      "this file have no source (the first ones are listed)",
                                      name))
    return out


def _source_result(triple: Triple, message: str, file: str) -> ValidationResult:
    check = provenance.SOURCED_TRIPLE
    return ValidationResult(focus_node=triple[0], severity=SH.Violation, message=message,
                            component=check, source_shape=check, shape=compact(check),
                            path=compact(triple[1]), value=triple[2],
                            files=(file,) if file else ())


def _copy_path(src: Graph, node: Node, dst: Graph, prefix: str) -> Node:
    """Copy a (possibly blank-node) SHACL path with labels derived from ``prefix``."""
    if not isinstance(node, BNode):
        return node
    counter = [0]
    mapping: dict[Node, Node] = {}

    def copy(n: Node) -> Node:
        if not isinstance(n, BNode):
            return n
        if n not in mapping:
            mapping[n] = BNode(f"{prefix}{counter[0]}")
            counter[0] += 1
            for p, o in sorted(src.predicate_objects(n)):
                dst.add((mapping[n], p, copy(o)))
        return mapping[n]

    return copy(node)


def _message(raw: Graph, node: Node) -> str:
    msgs = list(raw.objects(node, SH.resultMessage))
    if not msgs:
        return ""
    # English or untagged first, then the rest; one message per line of thought
    msgs.sort(key=lambda m: (not (isinstance(m, Literal) and m.language in (None, "en")), str(m)))
    return str(msgs[0])


def _iri(node: Node | None, default: URIRef) -> URIRef:
    return node if isinstance(node, URIRef) else default


def path_text(graph: Graph, node: Node) -> str:
    """A SHACL property path as a SPARQL property path (``^akg:x/akg:y*``)."""
    if isinstance(node, URIRef):
        return compact(node)
    if graph.value(node, RDF.first) is not None:
        return "/".join(_grouped(graph, n) for n in Collection(graph, node))
    for pred, op in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"),
                     (SH.zeroOrOnePath, "?")):
        inner = graph.value(node, pred)
        if inner is not None:
            return _grouped(graph, inner) + op
    inverse = graph.value(node, SH.inversePath)
    if inverse is not None:
        return "^" + _grouped(graph, inverse)
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_grouped(graph, n) for n in Collection(graph, alternatives))
    return compact(node)


def _grouped(graph: Graph, node: Node) -> str:
    text = path_text(graph, node)
    return text if isinstance(node, URIRef) or text.startswith("^") else f"({text})"


def _shape_name(shapes: Graph, shape: Node) -> str:
    """``aksh:AgentShape`` for a named shape; ``parent/path`` for an anonymous property shape."""
    if not isinstance(shape, BNode):
        return compact(shape)
    path = shapes.value(shape, SH.path)
    for part in _PARTS:
        parent = shapes.value(None, part, shape)
        if parent is not None and parent != shape:
            name = _shape_name(shapes, parent)
            step = path_text(shapes, path) if path is not None else compact(part)
            return f"{name}/{step}"
    if path is not None:
        return f"[{path_text(shapes, path)}]"
    return compact(shape)


def _root(shapes: Graph, shape: Node, depth: int = 0) -> Node:
    """The top-level shape a (nested) shape belongs to."""
    if depth > 20 or any(shapes.value(shape, t) is not None for t in _TARGETS):
        return shape
    for part in _PARTS:
        parent = shapes.value(None, part, shape)
        if parent is not None and parent != shape:
            return _root(shapes, parent, depth + 1)
    for holder in _list_holders(shapes, shape):
        return _root(shapes, holder, depth + 1)
    return shape


def _list_holders(shapes: Graph, member: Node) -> Iterator[Node]:
    for cell in shapes.subjects(RDF.first, member):
        head = cell
        while True:
            prev = shapes.value(None, RDF.rest, head)
            if prev is None:
                break
            head = prev
        for pred in _LISTS:
            yield from shapes.subjects(pred, head)


def _top_shapes(shapes: Graph) -> tuple[str, ...]:
    found: set[Node] = set()
    for t in _TARGETS:
        found.update(shapes.subjects(t, None))
    for cls in (RDFS.Class, OWL.Class):
        found.update(s for s in shapes.subjects(RDF.type, SH.NodeShape)
                     if (s, RDF.type, cls) in shapes)
    return tuple(sorted({_shape_name(shapes, s) for s in found}))


class Origins:
    """Which files describe each node: where it is a subject, else wherever it is mentioned."""

    def __init__(self) -> None:
        self.subject_of: dict[Node, set[str]] = defaultdict(set)
        self.mentioned_in: dict[Node, set[str]] = defaultdict(set)

    def note(self, graph: Graph, name: str) -> None:
        for s, _, o in graph:
            self.subject_of[s].add(name)
            if not isinstance(o, Literal):
                self.mentioned_in[o].add(name)

    def resolve(self) -> dict[Node, tuple[str, ...]]:
        out = {n: tuple(sorted(f)) for n, f in self.mentioned_in.items()}
        out.update({n: tuple(sorted(f)) for n, f in self.subject_of.items()})
        return out


def _json_term(node: Node) -> dict[str, str]:
    """A term as in SPARQL 1.1 JSON results: ``{"type": "uri"|"bnode"|"literal", ...}``."""
    if isinstance(node, URIRef):
        return {"type": "uri", "value": str(node)}
    if isinstance(node, BNode):
        return {"type": "bnode", "value": str(node)}
    if isinstance(node, Literal):
        out = {"type": "literal", "value": str(node)}
        if node.language:
            out["xml:lang"] = node.language
        elif node.datatype is not None:
            out["datatype"] = str(node.datatype)
        return out
    return {"type": "literal", "value": str(node)}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
