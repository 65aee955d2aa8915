"""Incremental OWL 2 RL maintenance gives, after every change, the inferred graph a full
recomputation gives, and raises a clash exactly when the full recomputation does.

The property tests apply random sequences of inserts and deletes to the shipped data and to
generated data, drawing from the data itself and from triples chosen to fire every compiled rule
(sub-properties, inverses, symmetry, transitivity and cycles, chains, domains, ranges, classes),
to clash (disjoint classes, irreflexive and asymmetric properties) and to leave the compiled
rules (schema in the data, a functional property's second value, owl:sameAs). The reference is
owlrl (``infer``) where it is quick enough, fastreason (the proven-equal fast path) elsewhere.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kgfixtures import FIXTURE_REPO, PREFIXES
from rdflib import Graph, URIRef
from rdflib.term import Node

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.knowledge import fastreason
from alliance_kg.knowledge.generate import generate
from alliance_kg.knowledge.incremental import Change, Materialization
from alliance_kg.knowledge.load import load_files, repo_sources, union_graph
from alliance_kg.knowledge.reason import infer

pytest.importorskip("reasonable", reason="the general path of the reference needs `reasonable`")

ROOT = Path(__file__).resolve().parents[2]
Triple = tuple[Node, Node, Node]
Reference = Callable[[Graph, Graph], Graph]
AKG = "https://w3id.org/alliance-kg/ontology/"
AKR = "https://w3id.org/alliance-kg/resource/"
ORG = "http://www.w3.org/ns/org#"
JFHQ, INDOPACOM = URIRef(AKR + "joint-force-headquarters-japan"), URIRef(
    AKR + "united-states-indo-pacific-command")
GEN = AKR + "gen/"

def examples(n: int) -> settings:
    """Deterministic runs (the same sequences every time), no deadline: a step may rebuild."""
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def owlrl(data: Graph, ontology: Graph) -> Graph:
    return infer(data, ontology)


def fast(data: Graph, ontology: Graph) -> Graph:
    return fastreason.inferred(data, ontology)


def ttl(text: str) -> list[Triple]:
    extra = ("@prefix schema: <https://schema.org/> .\n@prefix org: <http://www.w3.org/ns/org#> .\n"
             "@prefix gen: <https://w3id.org/alliance-kg/resource/gen/> .\n")
    return sorted(Graph().parse(data=PREFIXES + extra + text, format="turtle"))


def graph_of(triples: Iterable[Triple]) -> Graph:
    g = Graph()
    for t in triples:
        g.add(t)
    return g


def generated(n: int, seed: int = 5) -> Graph:
    out = io.StringIO()
    generate(n, seed, out)
    return Graph().parse(data=out.getvalue(), format="nt")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return union_graph(load_files(repo_sources(ROOT)["ontology"]))


@pytest.fixture(scope="module")
def shipped() -> Graph:
    return union_graph(load_files(repo_sources(ROOT)["data"]))


@pytest.fixture(scope="module")
def fixture_inputs() -> tuple[Graph, Graph]:
    sources = repo_sources(FIXTURE_REPO)
    return (union_graph(load_files(sources["data"])),
            union_graph(load_files(sources["ontology"])))


#: for the real ontology: every compiled rule, clashes, and the general path's triggers
REAL_EXTRAS = ttl("""
    akr:joint-force-headquarters-japan akg:reportsTo akr:new-hq .
    akr:new-hq akg:reportsTo akr:united-states-indo-pacific-command ; a akg:JointCommand .
    akr:united-states-indo-pacific-command akg:reportsTo akr:joint-force-headquarters-japan .
    akr:new-hq akg:hasSubordinate akr:other-hq .
    akr:new-hq akg:counterpartOf akr:other-hq .
    akr:other-hq akg:counterpartOf akr:other-hq .
    akr:other-hq a akg:State .
    akr:other-hq a schema:Person .
    akr:piece akg:partOf akr:usfj-upgrade-2024 .
    akr:bit akg:partOf akr:piece .
    akr:piece akg:announcedAt akr:a-meeting .
    akr:someone akg:heldTenure akr:a-tenure .
    akr:a-tenure akg:post akr:a-post .
    akr:a-sentence akg:position 1 .
    akr:a-sentence akg:position 2 .
    akr:NewKind rdfs:subClassOf akg:State .
    akr:new-hq owl:sameAs akr:other-hq .
""")

GEN_EXTRAS = ttl("""
    gen:command-3 akg:reportsTo gen:command-40 .
    gen:command-1 akg:reportsTo gen:command-7 .
    gen:new-command a akg:JointCommand ; akg:reportsTo gen:command-5 .
    gen:command-9 akg:reportsTo gen:new-command .
    gen:command-2 akg:counterpartOf gen:command-4 .
    gen:command-4 akg:counterpartOf gen:command-4 .
    gen:command-6 a akg:State .
    gen:person-3 akg:heldTenure gen:tenure-8 .
    gen:article-1-s1 akg:position 9 .
    gen:state-1 owl:sameAs gen:state-2 .
""")

#: for the fixture ontology: its transitive, inverse, symmetric, chain and disjointness axioms
FIXTURE_EXTRAS = ttl("""
    akr:JFHQ akg:subordinateTo akr:USFJ .
    akr:USFJ akg:subordinateTo akr:JFHQ .
    akr:HQ2 akg:subordinateTo akr:JFHQ .
    akr:INDOPACOM akg:hasSubordinate akr:HQ2 .
    akr:HQ2 akg:locatedIn akr:Japan .
    akr:Japan akg:alliedWith akr:Australia .
    akr:Australia akg:alliedWith akr:Australia .
    akr:Admiral akg:commands akr:HQ2 .
    akr:Admiral a akg:State .
    akr:Japan a akg:Person .
    akr:Japan akg:name "Nippon" .
    akr:X rdfs:subClassOf akg:State .
""")


def focus(triples: Iterable[Triple]) -> list[Triple]:
    """The triples whose removal can change inferences (links and types, not labels)."""
    return sorted((t for t in triples if isinstance(t[2], URIRef)), key=key)


def key(t: Triple) -> tuple[str, str, str]:
    return (t[0].n3(), t[1].n3(), t[2].n3())


Step = tuple[list[int], list[tuple[bool, int]]]
STEPS = st.lists(st.tuples(st.lists(st.integers(0, 10**6), max_size=3),
                           st.lists(st.tuples(st.booleans(), st.integers(0, 10**6)),
                                    max_size=3)),
                 min_size=1, max_size=4)


def run(ontology: Graph, base: Graph, pool: list[Triple], steps: list[Step],
        reference: Reference) -> None:
    """Apply each step and compare with the reference's full recomputation."""
    m = Materialization(ontology, base)
    current = set(base)
    expected = set(reference(base, ontology))
    assert set(m) == expected
    for add_picks, remove_picks in steps:
        added = {pool[i % len(pool)] for i in add_picks}
        linked, everything = focus(current), sorted(current, key=key)
        removed: set[Triple] = set()
        for first, i in remove_picks:
            source = linked if first and linked else everything
            if source:
                removed.add(source[i % len(source)])
        after = (current - removed) | added
        try:
            new = set(reference(graph_of(after), ontology))
        except KGError as clash:
            assert clash.kind is ErrorKind.INCONSISTENT
            with pytest.raises(KGError) as got:
                m.apply(added, removed)
            assert got.value.kind is ErrorKind.INCONSISTENT
            assert set(m) == expected and set(m.asserted()) == current, "left unchanged"
            continue
        change = m.apply(added, removed)
        assert set(m) == new, (change.full, change.reason)
        assert len(m) == len(new)
        assert change.appeared == new - expected and change.disappeared == expected - new
        assert change.added == after - current and change.removed == current - after
        current, expected = after, new


@examples(12)
@given(steps=STEPS)
def test_shipped_data_equals_full_recomputation(steps: list[Step], ontology: Graph,
                                                shipped: Graph) -> None:
    run(ontology, shipped, REAL_EXTRAS + focus(shipped), steps, fast)


@examples(25)
@given(steps=STEPS)
def test_fixture_repo_equals_owlrl(steps: list[Step],
                                   fixture_inputs: tuple[Graph, Graph]) -> None:
    data, ontology = fixture_inputs
    run(ontology, data, FIXTURE_EXTRAS + focus(data), steps, owlrl)


@examples(6)
@given(steps=STEPS)
def test_generated_data_equals_full_recomputation(steps: list[Step], ontology: Graph) -> None:
    base = generated(3000)
    run(ontology, base, GEN_EXTRAS + focus(base), steps, fast)


@examples(2)
@given(steps=STEPS)
def test_generated_data_equals_owlrl(steps: list[Step], ontology: Graph) -> None:
    base = generated(250, seed=2)
    run(ontology, base, GEN_EXTRAS + focus(base), steps, owlrl)


@pytest.mark.slow
@examples(15)
@given(steps=STEPS)
def test_generated_data_equals_owlrl_more(steps: list[Step], ontology: Graph) -> None:
    base = generated(600, seed=3)
    run(ontology, base, GEN_EXTRAS + focus(base), steps, owlrl)


@pytest.mark.slow
@examples(10)
@given(steps=STEPS)
def test_large_generated_data_equals_full_recomputation(steps: list[Step],
                                                        ontology: Graph) -> None:
    base = generated(100_000, seed=4)
    run(ontology, base, GEN_EXTRAS + focus(base), steps, fast)


# -- the example, the paths taken, the cost -------------------------------------------


def test_deleting_jfhq_reports_to_removes_exactly_what_depended_on_it(
        ontology: Graph, shipped: Graph) -> None:
    link = (JFHQ, URIRef(AKG + "reportsTo"), INDOPACOM)
    assert link in shipped
    m = Materialization(ontology, shipped)
    before = set(m)
    change = m.apply(removed={link})
    after = set(fast(graph_of(set(shipped) - {link}), ontology))
    assert not change.full and change.appeared == frozenset()
    assert change.disappeared == before - after and set(m) == after
    assert {(JFHQ, URIRef(AKG + "reportsToTransitively"), INDOPACOM),
            (JFHQ, URIRef(ORG + "subOrganizationOf"), INDOPACOM),
            (INDOPACOM, URIRef(AKG + "hasSubordinate"), JFHQ)} <= change.disappeared
    assert m.apply(added={link}).appeared == change.disappeared
    assert set(m) == before


def test_changes_are_incremental_without_a_full_recomputation(
        ontology: Graph, shipped: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    m = Materialization(ontology, shipped)

    def no_full(*args: object) -> object:
        raise AssertionError("recomputed in full")

    monkeypatch.setattr(Materialization, "_build", no_full)
    steps = ttl("""
        akr:joint-force-headquarters-japan akg:reportsTo akr:new-hq .
        akr:new-hq akg:reportsTo akr:united-states-indo-pacific-command ; a akg:JointCommand .
        akr:new-hq akg:counterpartOf akr:other-hq .
        akr:piece akg:partOf akr:usfj-upgrade-2024 ; akg:announcedAt akr:a-meeting .
        akr:someone akg:heldTenure akr:a-tenure . akr:a-tenure akg:post akr:a-post .
    """)
    for t in steps:
        assert not m.apply(added={t}).full
    assert not m.apply(removed={(JFHQ, URIRef(AKG + "reportsTo"), INDOPACOM)}).full
    for t in steps:
        assert not m.apply(removed={t}).full


def test_clash_raises_and_leaves_the_materialization_unchanged(
        ontology: Graph, shipped: Graph) -> None:
    m = Materialization(ontology, shipped)
    before, asserted = set(m), set(m.asserted())
    for bad in (ttl("akr:joint-force-headquarters-japan a akg:State ."),
                ttl("akr:x akg:counterpartOf akr:x ."),
                ttl("akr:x a akg:State, schema:Person .")):
        with pytest.raises(KGError) as err:
            fast(graph_of(set(shipped) | set(bad)), ontology)
        with pytest.raises(KGError) as got:
            m.apply(added=bad)
        assert got.value.kind is ErrorKind.INCONSISTENT
        assert got.value.message == err.value.message
        assert set(m) == before and set(m.asserted()) == asserted
    assert not m.apply(added=ttl("akr:x akg:counterpartOf akr:y .")).full


@pytest.mark.parametrize("turtle", [
    "akr:NewKind rdfs:subClassOf akg:State . akr:thing a akr:NewKind .",
    "akr:a-sentence akg:position 1, 2 .",
    "akr:x owl:sameAs akr:y . akr:x akg:reportsTo akr:united-states-indo-pacific-command .",
])
def test_outside_the_compiled_rules_recomputes_in_full_then_returns(
        turtle: str, ontology: Graph, shipped: Graph) -> None:
    m = Materialization(ontology, shipped)
    assert m.incremental
    extra = ttl(turtle)
    change = m.apply(added=extra)
    assert change.full and change.reason
    assert set(m) == set(fast(graph_of(set(shipped) | set(extra)), ontology))
    assert not m.incremental
    back = m.apply(removed=extra)
    assert back.full and m.incremental
    assert set(m) == set(fast(shipped, ontology))
    assert not m.apply(added=ttl("akr:x akg:counterpartOf akr:y .")).full


def test_no_op_changes_change_nothing(ontology: Graph, shipped: Graph) -> None:
    m = Materialization(ontology, shipped)
    some = next(iter(shipped))
    assert m.apply(added={some}) == Change()
    assert m.apply(removed=ttl("akr:never akg:reportsTo akr:asserted .")) == Change()
    both = m.apply(added={some}, removed={some})
    assert both == Change(), "delete then insert of the same triple leaves it asserted"


def test_set_ontology_recomputes_in_full(fixture_inputs: tuple[Graph, Graph],
                                         ontology: Graph) -> None:
    data, small = fixture_inputs
    m = Materialization(small, data)
    change = m.set_ontology(ontology)
    assert change.full and set(m) == set(fast(data, ontology))
    assert change.appeared and change.disappeared


def test_graph_and_membership(fixture_inputs: tuple[Graph, Graph]) -> None:
    data, ontology = fixture_inputs
    m = Materialization(ontology, data)
    g = m.graph()
    assert set(g) == set(m) == set(infer(data, ontology))
    t = next(iter(g))
    assert t in m and (URIRef(AKR + "nobody"), t[1], t[2]) not in m
    assert isinstance(g, rdflib.Graph)
