"""Incremental SHACL validation equals a full validation, step after step.

``F`` is :func:`affected_focus_nodes` of a change. After every change of a random sequence of
inserts and deletes (ones that create and fix violations: labels, datatypes, cardinalities,
classes of objects, SPARQL constraints, SPARQL targets of the ontology's QC shapes), with
``full`` the reference pySHACL validation of the whole data (``validate.validate``):

1. the incremental report's results are exactly ``full(new)``'s results whose focus node is
   in ``F`` (same terms, messages, shapes, order), and its verdict is theirs;
2. ``full(old)`` and ``full(new)`` have the same results at focus nodes outside ``F``;
3. hence, when the old data conformed, the incremental verdict is ``full(new)``'s.

On a small synthetic shapes graph that uses every kind of path (sequence, inverse,
alternative, ``*``), ``sh:node`` nesting, ``sh:or``, ``sh:disjoint``, a SPARQL constraint with a
path and all target kinds, over random tiny graphs (the class hierarchy changes too); on data
from ``knowledge/generate.py`` and on the shipped data, with the ontology's OWL 2 RL closure
recomputed after each change (fast path), so the delta includes inferred triples.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kgfixtures import REAL_REPO, real_repo_missing
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from alliance_kg.errors import KGError
from alliance_kg.knowledge.build import build_dataset
from alliance_kg.knowledge.generate import generate
from alliance_kg.knowledge.incremental_shacl import (
    Atom,
    affected_focus_nodes,
    inverse,
    prepare_shapes,
    seq,
    steps,
    validate_change,
    validate_focus,
)
from alliance_kg.knowledge.reason import infer
from alliance_kg.knowledge.validate import ValidationReport, ValidationResult, validate
from alliance_kg.namespaces import AKG, ASSERTED, INFERRED, ONTOLOGY, SHAPES

Triple = tuple[Node, Node, Node]
EX = "http://example.org/"

# -- the checks every test makes ---------------------------------------------------------------


def _outside(report: ValidationReport, focus: frozenset[Node]) -> list[ValidationResult]:
    return [r for r in report.results if r.focus_node not in focus]


def check_step(data: list[Graph], shapes: Graph, ontology: Graph | None, added: set[Triple],
               removed: set[Triple], old_full: ValidationReport) -> ValidationReport:
    """Compare the incremental validation of one change with full ones; return full(new)."""
    union = Graph()
    for g in data:
        union += g
    new_full = validate(union, shapes, ontology=ontology)
    focus = affected_focus_nodes(data, shapes, ontology, added, removed)
    inc = validate_change(data, shapes, ontology, added, removed)
    expected = [r for r in new_full.results if r.focus_node in focus]
    assert inc.results == expected
    assert inc.conforms == (not any(r.fails for r in expected))
    assert _outside(old_full, focus) == _outside(new_full, focus)
    if old_full.conforms:
        assert inc.conforms == new_full.conforms
    return new_full


# -- unit tests of the path analysis -----------------------------------------------------------


def test_steps_of_a_sequence_reach_back_through_the_prefix() -> None:
    p, q = Atom(URIRef(EX + "p")), Atom(URIRef(EX + "q"))
    # for p/q a change of (x q y) affects every s with s p x: the prefix p walked backwards
    assert (p, q) in [(pre, a) for pre, a in steps(seq(p, q))]
    assert inverse(seq(p, q)) == seq(Atom(q.pred, True), Atom(p.pred, True))


# -- a synthetic shapes graph with every kind of path ------------------------------------------

SYNTHETIC_SHAPES = """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:SeqShape a sh:NodeShape ; sh:targetClass ex:A ;
    sh:property [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ; sh:class ex:B ] ;
    sh:property [ sh:path ex:p ; sh:disjoint ex:q ] ;
    sh:or ( [ sh:class ex:B ] [ sh:path ex:r ; sh:minCount 1 ] ) .

ex:InverseShape a sh:NodeShape ; sh:targetSubjectsOf ex:r ;
    sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:maxCount 1 ] .

ex:StarShape a sh:NodeShape ; sh:targetNode ex:n0 ;
    sh:property [ sh:path [ sh:zeroOrMorePath ex:p ] ; sh:node ex:Nested ] .

ex:Nested a sh:NodeShape ;
    sh:property [ sh:path ex:q ; sh:maxCount 1 ; sh:datatype xsd:integer ] .

ex:AltShape a sh:NodeShape ; sh:targetObjectsOf ex:q ;
    sh:property [ sh:path [ sh:alternativePath ( ex:p [ sh:inversePath ex:r ] ) ] ;
                  sh:class ex:A ] .

ex:SparqlShape a sh:NodeShape ; sh:targetClass ex:B ;
    sh:sparql [ a sh:SPARQLConstraint ;
        sh:select \"\"\"
            SELECT $this ?value WHERE {
                $this <http://example.org/p>/<http://example.org/q>+ ?value .
                FILTER NOT EXISTS { ?value a <http://example.org/A> }
            }\"\"\" ] .
"""
NODES = [URIRef(f"{EX}n{i}") for i in range(5)]
PREDS = [URIRef(EX + p) for p in "pqr"]
CLASSES = [URIRef(EX + "A"), URIRef(EX + "B")]


def _synthetic_triple() -> st.SearchStrategy[Triple]:
    node = st.sampled_from([*NODES, BNode("b0")])
    edge = st.tuples(node, st.sampled_from(PREDS),
                     st.one_of(node, st.sampled_from([Literal(1), Literal("x")])))
    typed = st.tuples(node, st.just(RDF.type), st.sampled_from(CLASSES))
    hierarchy = st.just((CLASSES[1], RDFS.subClassOf, CLASSES[0]))
    return st.one_of(edge, typed, hierarchy)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.sets(_synthetic_triple(), max_size=12),
       changes=st.lists(st.tuples(st.sets(_synthetic_triple(), max_size=3),
                                  st.sets(_synthetic_triple(), max_size=3)), min_size=1,
                        max_size=4))
def test_synthetic_shapes_every_path_kind(start: set[Triple],
                                          changes: list[tuple[set[Triple], set[Triple]]]) -> None:
    shapes = Graph().parse(data=SYNTHETIC_SHAPES, format="turtle")
    data = Graph()
    for t in start:
        data.add(t)
    full = validate(data, shapes)
    for to_add, to_remove in changes:
        added = {t for t in to_add if t not in data}
        removed = {t for t in to_remove if t in data and t not in added}
        for t in removed:
            data.remove(t)
        for t in added:
            data.add(t)
        full = check_step([data], shapes, None, added, removed, full)


def test_sequence_path_reaches_back() -> None:
    shapes = Graph().parse(data=SYNTHETIC_SHAPES, format="turtle")
    p, q = URIRef(EX + "p"), URIRef(EX + "q")
    s, x, y = NODES[1], NODES[2], NODES[3]
    data = Graph()
    data.add((s, RDF.type, CLASSES[0]))
    data.add((s, p, x))
    data.add((x, q, y))
    focus = affected_focus_nodes(data, shapes, None, [(x, q, y)], [])
    assert s in focus  # through ex:SeqShape's ( ex:p ex:q )
    data.remove((x, q, y))
    assert s in affected_focus_nodes(data, shapes, None, [], [(x, q, y)])


# -- the real shapes on generated and shipped data ---------------------------------------------


@dataclass
class World:
    """Asserted data, the ontology and the shapes, with the fast OWL 2 RL closure kept current."""

    asserted: Graph
    ontology: Graph
    shapes: Graph
    inferred: Graph = field(default_factory=Graph)

    def __post_init__(self) -> None:
        self.inferred = infer(self.asserted, self.ontology, semantics="owlrl-fast")

    def union(self) -> set[Triple]:
        return set(self.asserted) | set(self.inferred) | set(self.ontology)

    def apply(self, add: Iterable[Triple], remove: Iterable[Triple], *,
              ontology: bool = False) -> tuple[set[Triple], set[Triple]] | None:
        """Change the asserted data (or the ontology), re-reason; the union's delta, or None
        when the change is inconsistent (the write path refuses it; nothing changes)."""
        target = self.ontology if ontology else self.asserted
        add = [t for t in add if t not in target]
        remove = [t for t in remove if t in target]
        before = self.union()
        for t in remove:
            target.remove(t)
        for t in add:
            target.add(t)
        try:
            inferred = infer(self.asserted, self.ontology, semantics="owlrl-fast")
        except KGError:
            for t in add:
                target.remove(t)
            for t in remove:
                target.add(t)
            return None
        self.inferred = inferred
        after = self.union()
        return after - before, before - after

    def full(self) -> ValidationReport:
        return validate(self.asserted + self.inferred, self.shapes, ontology=self.ontology)


_CHECKED_PREDICATES = [AKG.hasParty, AKG.reportsTo, AKG.holder, AKG.post, AKG.counterpartOf,
                       AKG.outcome, AKG.supplier, PROV.wasDerivedFrom, PROV.wasAttributedTo,
                       DCTERMS.isPartOf, DCTERMS.creator, AKG.about, AKG.partOf,
                       AKG.hasOperationalCommandOver, AKG.status, AKG.likelihood]
_TYPES = [AKG.State, AKG.MilitaryCommand, AKG.Claim, AKG.Position, AKG.Sentence, AKG.Framework,
          AKG.Transfer, AKG.Tenure, AKG.Company, AKG.WeaponSystem]


def _pick(draw: st.DrawFn, items: list[Node]) -> Node:
    return items[draw(st.integers(0, len(items) - 1))]


@st.composite
def _change(draw: st.DrawFn, world: World) -> tuple[list[Triple], list[Triple], bool]:
    """One write: (insert, delete, on the ontology?), chosen to make and mend violations."""
    asserted = world.asserted
    subjects = sorted({s for s in asserted.subjects() if isinstance(s, URIRef)}, key=str)
    x = _pick(draw, subjects)
    kind = draw(st.sampled_from(["unlabel", "label", "datatype", "duplicate", "delete",
                                 "edge", "type", "untype", "entity", "ontology"]))
    if kind == "unlabel":
        return [], list(asserted.triples((x, RDFS.label, None))), False
    if kind == "label":
        lang = draw(st.sampled_from(["en", "ja", "fr", None]))
        return [(x, RDFS.label, Literal("New label", lang=lang))], [], False
    if kind == "datatype":
        p = draw(st.sampled_from([AKG.date, AKG.position, AKG.targetDate, AKG.quote]))
        old = list(asserted.triples((x, p, None)))
        value = draw(st.sampled_from([Literal("soon"), Literal("2024", datatype=XSD.gYear),
                                      Literal(3)]))
        return [(x, p, value)], old, False
    if kind == "duplicate":
        triples = sorted(asserted.triples((x, None, None)), key=str)
        s, p, o = triples[draw(st.integers(0, len(triples) - 1))]
        other = _pick(draw, subjects) if not isinstance(o, Literal) else Literal(f"{o} 2")
        return [(s, p, other)], [], False
    if kind == "delete":
        triples = sorted(asserted.triples((x, None, None)), key=str)
        return [], [triples[draw(st.integers(0, len(triples) - 1))]], False
    if kind == "edge":
        p = draw(st.sampled_from(_CHECKED_PREDICATES))
        return [(x, p, _pick(draw, subjects))], [], False
    if kind == "type":
        return [(x, RDF.type, draw(st.sampled_from(_TYPES)))], [], False
    if kind == "untype":
        return [], list(asserted.triples((x, RDF.type, None))), False
    if kind == "entity":
        node = URIRef(f"https://w3id.org/alliance-kg/resource/test-{draw(st.integers(0, 3))}")
        triples = [(node, RDF.type, draw(st.sampled_from(_TYPES)))]
        if draw(st.booleans()):
            triples.append((node, RDFS.label, Literal("Test entity", lang="en")))
        return triples, [], False
    # the ontology's own QC shapes (SPARQL targets): undocument or redocument a term
    terms = sorted({s for s in world.ontology.subjects(RDF.type, None)
                    if isinstance(s, URIRef) and str(s).startswith(str(AKG))}, key=str)
    term = _pick(draw, terms)
    docs = [t for p in (RDFS.label, SKOS.definition) for t in world.ontology.triples(
        (term, p, None))]
    if docs and draw(st.booleans()):
        return [], docs[:1], True
    return [(term, SKOS.definition, Literal("A definition.", lang="en"))], [], True


def _run(world: World, data: st.DataObject, steps_: int) -> None:
    full = world.full()
    for _ in range(steps_):
        add, remove, on_ontology = data.draw(_change(world))
        delta = world.apply(add, remove, ontology=on_ontology)
        if delta is None:
            continue
        added, removed = delta
        full = check_step([world.asserted, world.inferred], world.shapes, world.ontology,
                          added, removed, full)


def _real_graphs() -> tuple[Graph, Graph, Graph]:
    """The shipped data's asserted graph, the ontology and the shapes."""
    ds = build_dataset(REAL_REPO, validate_shapes=False)

    def graph(name: URIRef) -> Graph:
        out = Graph()
        for t in ds.graph(name):
            out.add(t)
        return out

    assert len(graph(INFERRED))
    return graph(ASSERTED), graph(ONTOLOGY), graph(SHAPES)


@pytest.fixture(scope="module")
def real() -> tuple[Graph, Graph, Graph]:
    reason = real_repo_missing(need_shapes=True)
    if reason:
        pytest.skip(reason)
    return _real_graphs()


def _generated(n: int, seed: int) -> Graph:
    buf = io.StringIO()
    generate(n, seed, buf)
    return Graph().parse(data=buf.getvalue(), format="nt")


def _copy(g: Graph) -> Graph:
    out = Graph()
    for t in g:
        out.add(t)
    return out


@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_data_random_writes(real: tuple[Graph, Graph, Graph],
                                      data: st.DataObject) -> None:
    _, ontology, shapes = real
    world = World(_generated(300, data.draw(st.integers(0, 3))), _copy(ontology), shapes)
    _run(world, data, 3)


@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_shipped_data_random_writes(real: tuple[Graph, Graph, Graph],
                                    data: st.DataObject) -> None:
    asserted, ontology, shapes = real
    world = World(_copy(asserted), _copy(ontology), shapes)
    _run(world, data, 3)


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_many_random_writes(real: tuple[Graph, Graph, Graph], data: st.DataObject) -> None:
    asserted, ontology, shapes = real
    base = asserted if data.draw(st.booleans()) else _generated(1500, data.draw(st.integers()))
    world = World(_copy(base), _copy(ontology), shapes)
    _run(world, data, 8)


# -- the write path's cases ---------------------------------------------------------------------


def test_new_entity_touches_only_itself(real: tuple[Graph, Graph, Graph]) -> None:
    asserted, ontology, shapes = real
    world = World(_copy(asserted), _copy(ontology), shapes)
    node = URIRef("https://w3id.org/alliance-kg/resource/test-state")
    delta = world.apply([(node, RDF.type, AKG.State),
                         (node, RDFS.label, Literal("Atlantis", lang="en"))], [])
    assert delta is not None
    focus = affected_focus_nodes([world.asserted, world.inferred], shapes, world.ontology,
                                 *delta)
    assert focus == {node}
    report = validate_change([world.asserted, world.inferred], shapes, world.ontology, *delta)
    assert report.conforms and not report.results


def test_violation_report_names_the_node(real: tuple[Graph, Graph, Graph]) -> None:
    asserted, ontology, shapes = real
    world = World(_copy(asserted), _copy(ontology), shapes)
    node = URIRef("https://w3id.org/alliance-kg/resource/test-state")
    delta = world.apply([(node, RDF.type, AKG.State)], [])  # no label
    assert delta is not None
    report = validate_change([world.asserted, world.inferred], prepare_shapes(shapes),
                             world.ontology, *delta)
    assert not report.conforms
    assert {r.focus_node for r in report.results} == {node}
    assert '"conforms": false' in report.to_json()


def test_validate_focus_blank_nodes_and_empty_changes() -> None:
    shapes = Graph().parse(data=SYNTHETIC_SHAPES, format="turtle")
    data = Graph()
    b = BNode()
    data.add((b, RDF.type, CLASSES[0]))
    full = validate(data, shapes)
    assert validate_focus(data, shapes, None, [b]).results == full.results
    assert validate_change(data, shapes, None, [], []).results == []


def test_unsupported_shapes_validate_fully(tmp_path: Path) -> None:
    shapes = Graph().parse(data="""
        @prefix ex: <http://example.org/> .
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        ex:S a sh:NodeShape ; sh:targetClass ex:A ;
            sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate ex:p ;
                      sh:object ex:o ] ;
            sh:property [ sh:path ex:q ; sh:minCount 1 ] .
        """, format="turtle")
    assert prepare_shapes(shapes).unsupported
    data = Graph()
    data.add((NODES[0], RDF.type, CLASSES[0]))
    data.add((NODES[1], RDF.type, CLASSES[0]))
    report = validate_change(data, shapes, None, [(NODES[0], RDF.type, CLASSES[0])], [])
    assert {r.focus_node for r in report.results} == {NODES[0], NODES[1]}
    with pytest.raises(KGError):
        affected_focus_nodes(data, shapes, None, [], [])
