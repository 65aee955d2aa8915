"""Explanations: every inferred statement has a well-formed proof whose steps are valid OWL 2 RL
rule applications, down to asserted statements (with their sentences) and ontology axioms."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.knowledge.build import build_dataset
from alliance_kg.knowledge.explain import (
    AKX,
    Facts,
    Limits,
    conclusions,
    dataset_facts,
    dependents,
    explain,
    parse_term,
    parse_triple,
    verify,
)
from alliance_kg.knowledge.generate import generate
from alliance_kg.knowledge.load import load_files, repo_sources, union_graph
from alliance_kg.knowledge.reason import infer
from alliance_kg.knowledge.validate import validate
from alliance_kg.namespaces import AKG, AKR, ASSERTED, INFERRED, ONTOLOGY, ORG

ROOT = Path(__file__).resolve().parents[2]
EDITORIAL = "https://w3id.org/alliance-kg/graph/editorial/"
ARTICLE = AKR["article-maslow-2024"]
PROOF_SHAPES = ROOT / "shapes" / "explain" / "proof.ttl"


@pytest.fixture(scope="module")
def built() -> rdflib.Dataset:
    return build_dataset(ROOT, validate_shapes=False)


@pytest.fixture(scope="module")
def facts(built: rdflib.Dataset) -> Facts:
    return dataset_facts(built)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return union_graph(load_files(repo_sources(ROOT)["ontology"]))


def _facts_of(asserted: rdflib.Graph, ontology: rdflib.Graph, semantics: str = "owlrl"
              ) -> Facts:
    ds = rdflib.Dataset()
    for name, g in ((ASSERTED, asserted), (ONTOLOGY, ontology),
                    (INFERRED, infer(asserted, ontology, semantics=semantics))):
        target = ds.graph(name)
        for t in g:
            target.add(t)
    return dataset_facts(ds)


def _check_all(facts: Facts) -> Counter[str]:
    """Explain and verify every inferred statement; the rules used, counted."""
    rules: Counter[str] = Counter()
    inferred = list(facts.inferred)
    assert inferred
    for t in inferred:
        proof = explain(facts, t)
        assert proof.status == "inferred"
        assert verify(proof, facts) == [], proof.to_text()
        root = proof.nodes[t]
        assert root.steps and root.found >= len(root.steps)
        for node in proof.nodes.values():
            rules.update(st.rule for st in node.steps)
            if not node.steps:
                assert node.status in ("asserted", "axiom"), proof.to_text()
    return rules


def test_every_inferred_statement_of_the_built_dataset_has_a_valid_proof(facts: Facts) -> None:
    rules = _check_all(facts)
    # the rule kinds the ontology uses all show up (fastreason's compiled rules, and scm-sco
    # for the entailed hierarchy links the inferred graph keeps)
    for rule in ("cax-sco", "prp-dom", "prp-rng", "prp-spo1", "prp-inv1", "prp-inv2",
                 "prp-spo2", "prp-trp", "scm-sco"):
        assert rules[rule], f"{rule} is never used"


def test_leaves_carry_their_sentences(facts: Facts, built: rdflib.Dataset) -> None:
    for t in facts.inferred:
        proof = explain(facts, t)
        for leaf, node in proof.nodes.items():
            if node.status != "asserted":
                continue
            # a sentence of the article, or an editorial graph of outside knowledge (issue 14)
            stating = {str(getattr(c, "identifier", c)) for _, _, _, c in built.quads((*leaf, None))
                       if str(getattr(c, "identifier", c)).startswith((str(AKR), EDITORIAL))}
            assert {s.graph for s in node.sources} == stating
            for src in node.sources:
                if src.graph.startswith(EDITORIAL):  # the reference it was taken from (issue 14)
                    assert src.kind == "editorial" and src.references
                    assert all(r.startswith("https://") for r in src.references)
                elif src.graph == str(ARTICLE):  # the article's own text
                    assert src.kind == "article" and src.label
                else:
                    assert src.kind == "sentence" and src.quote


def test_every_inferred_statement_of_generated_data_has_a_valid_proof(
        ontology: rdflib.Graph) -> None:
    pytest.importorskip("reasonable")
    out = io.StringIO()
    generate(3000, 7, out)
    data = rdflib.Graph().parse(data=out.getvalue(), format="nt")
    _check_all(_facts_of(data, ontology, "owlrl-fast"))


def test_jfhq_is_a_sub_organisation_of_indopacom_because_sentence_11_says_it_reports_to_it(
        facts: Facts) -> None:
    t = parse_triple("akr:joint-force-headquarters-japan", "org:subOrganizationOf",
                     "akr:united-states-indo-pacific-command")
    proof = explain(facts, t)
    (step,) = proof.nodes[t].steps
    assert step.rule == "prp-spo1"
    assert step.axioms == ((AKG.reportsTo, RDFS.subPropertyOf, ORG.subOrganizationOf),)
    (premise,) = step.premises
    leaf = proof.nodes[premise]
    assert leaf.status == "asserted"
    assert [s.graph for s in leaf.sources] == [str(AKR["article-maslow-2024-s11"])]
    assert leaf.sources[0].quote and "Indo-Pacific Command" in leaf.sources[0].quote
    text = proof.to_text()
    assert "prp-spo1" in text and "Indo-Pacific Command" in text
    js = proof.to_json()
    assert js["status"] == "inferred" and js["root"] == "n0"


def test_an_asserted_statement_is_explained_by_its_sentence(facts: Facts) -> None:
    t = parse_triple("akr:joint-force-headquarters-japan", "akg:reportsTo",
                     "akr:united-states-indo-pacific-command")
    proof = explain(facts, t)
    assert proof.status == "asserted" and len(proof.nodes) == 1
    assert proof.nodes[t].sources[0].kind == "sentence"


def test_a_statement_the_dataset_does_not_hold_is_not_found(facts: Facts) -> None:
    with pytest.raises(KGError) as err:
        explain(facts, (AKR.japan, AKG.reportsTo, AKR.china))
    assert err.value.kind is ErrorKind.NOT_FOUND


def test_symmetric_and_transitive_proofs_are_well_founded(ontology: rdflib.Graph) -> None:
    data = rdflib.Graph().parse(format="turtle", data="""
        @prefix akg: <https://w3id.org/alliance-kg/ontology/> .
        @prefix x: <https://example.org/> .
        x:a a akg:MilitaryCommand ; akg:counterpartOf x:b .
        x:b a akg:MilitaryCommand .
        x:c1 akg:partOf x:c2 . x:c2 akg:partOf x:c3 . x:c3 akg:partOf x:c4 .
        x:c4 akg:partOf x:c5 . x:c5 akg:partOf x:c2 .
    """)
    facts = _facts_of(data, ontology)
    x = rdflib.Namespace("https://example.org/")
    twin = explain(facts, (x.b, AKG.counterpartOf, x.a))
    assert [s.rule for s in twin.nodes[twin.root].steps] == ["prp-symp"]
    assert verify(twin, facts) == []
    far = explain(facts, (x.c1, AKG.partOf, x.c5))
    assert verify(far, facts) == []
    assert {s.rule for s in far.nodes[far.root].steps} == {"prp-trp"}
    # the cycle c2 .. c5 .. c2 makes c2 partOf c2: its proof must not use itself
    loop = explain(facts, (x.c2, AKG.partOf, x.c2))
    assert verify(loop, facts) == []
    assert all(loop.root not in st.premises for st in loop.nodes[loop.root].steps)


def test_several_derivations_are_all_given_up_to_the_limit(ontology: rdflib.Graph) -> None:
    data = rdflib.Graph().parse(format="turtle", data="""
        @prefix akg: <https://w3id.org/alliance-kg/ontology/> .
        @prefix x: <https://example.org/> .
        x:a akg:partOf x:m1, x:m2, x:m3 .
        x:m1 akg:partOf x:z . x:m2 akg:partOf x:z . x:m3 akg:partOf x:z .
    """)
    facts = _facts_of(data, ontology)
    t = (URIRef("https://example.org/a"), AKG.partOf, URIRef("https://example.org/z"))
    proof = explain(facts, t)
    assert len(proof.nodes[t].steps) == 3 and not proof.truncated
    cut = explain(facts, t, Limits(derivations=2))
    assert len(cut.nodes[t].steps) == 2 and cut.nodes[t].found == 3 and cut.truncated
    assert verify(cut, facts) == []


def test_owl_same_as_proofs_use_the_equality_rules(ontology: rdflib.Graph) -> None:
    data = rdflib.Graph().parse(format="turtle", data="""
        @prefix akg: <https://w3id.org/alliance-kg/ontology/> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix x: <https://example.org/> .
        x:a owl:sameAs x:b . x:a akg:partOf x:c .
    """)
    facts = _facts_of(data, ontology)
    x = rdflib.Namespace("https://example.org/")
    for t, rule in (((x.b, OWL.sameAs, x.a), "eq-sym"), ((x.b, AKG.partOf, x.c), "eq-rep-s")):
        proof = explain(facts, t)
        assert verify(proof, facts) == []
        assert rule in {s.rule for s in proof.nodes[t].steps}


def test_the_checker_rejects_a_wrong_step() -> None:
    a, b = URIRef("https://example.org/a"), URIRef("https://example.org/b")
    axiom = (AKG.reportsTo, RDFS.subPropertyOf, ORG.subOrganizationOf)
    assert conclusions("prp-spo1", [axiom], [(a, AKG.reportsTo, b)]) == {
        (a, ORG.subOrganizationOf, b)}
    assert conclusions("prp-spo1", [axiom], [(a, AKG.partOf, b)]) == set()
    assert conclusions("prp-inv1", [axiom], [(a, AKG.reportsTo, b)]) == set()
    assert conclusions("cax-sco", [(AKG.Alliance, RDFS.subClassOf, AKG.SecurityArrangement)],
                       [(a, RDF.type, AKG.Alliance)]) == {(a, RDF.type,
                                                           AKG.SecurityArrangement)}


def test_proof_rdf_conforms_to_the_proof_shapes(facts: Facts) -> None:
    shapes = rdflib.Graph().parse(PROOF_SHAPES, format="turtle")
    samples = sorted(facts.inferred, key=lambda t: tuple(x.n3() for x in t))[::10]
    for t in samples:
        g = explain(facts, t).to_graph()
        assert (None, RDF.type, AKX.Proof) in g
        report = validate(g, shapes)
        assert report.conforms, report.to_text()
    # and the shapes do bite: a derivation without its rule
    g = explain(facts, samples[0]).to_graph()
    g.remove((None, AKX.rule, None))
    assert not validate(g, shapes).conforms


def test_proof_rdf_can_be_queried(facts: Facts) -> None:
    t = parse_triple("akr:japan", "org:memberOf", "akr:quad")
    g = explain(facts, t).to_graph()
    rows = list(g.query("""
        PREFIX akx: <https://w3id.org/alliance-kg/explain/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX akg: <https://w3id.org/alliance-kg/ontology/>
        SELECT ?rule ?quote WHERE {
          ?proof akx:explains ?st . ?st prov:wasGeneratedBy/akx:rule/rdfs:label ?rule .
          ?st prov:wasDerivedFrom+ ?leaf . ?leaf prov:hadPrimarySource ?sentence .
          ?sentence akg:quote ?quote }""",
        initNs={"rdfs": RDFS}))
    assert rows and str(rows[0][0]) == "prp-spo1" and "Quad" in str(rows[0][1])


def test_what_depends_on_a_sentence_is_what_a_recomputation_loses(
        built: rdflib.Dataset, ontology: rdflib.Graph, facts: Facts) -> None:
    asserted = built.graph(ASSERTED)
    before = set(built.graph(INFERRED))
    for n in ("s11", "s25", "s03"):
        sentence = str(AKR[f"article-maslow-2024-{n}"])
        statements = list(built.graph(URIRef(sentence)))

        def elsewhere(ts: object, sentence: str = sentence) -> set[tuple]:  # type: ignore[type-arg]
            return {t for t in statements  # noqa: B023
                    if any(str(getattr(c, "identifier", c)) not in (sentence, str(ASSERTED))
                           and str(getattr(c, "identifier", c)).startswith(str(AKR))
                           for _, _, _, c in built.quads((*t, None)))}

        d = dependents(facts, sentence, statements, elsewhere)
        remaining = rdflib.Graph()
        gone = set(d.asserted)
        for t in asserted:
            if t not in gone:
                remaining.add(t)
        after = set(infer(remaining, ontology))
        assert set(d.inferred) == before - after, n
        assert set(d.still_derivable) == gone & after, n
        assert d.asserted and not d.truncated


def test_terms_are_read_as_people_write_them() -> None:
    assert parse_term("akr:japan", position="subject") == AKR.japan
    assert parse_term("<https://example.org/x>", position="subject") == \
        URIRef("https://example.org/x")
    assert parse_term("a", position="predicate") == RDF.type
    assert parse_term('"Japan"@en', position="object") == Literal("Japan", lang="en")
    assert parse_term('"5"^^xsd:integer', position="object") == Literal(5)
    for bad, where in (("_:b0", "subject"), ('"x"', "subject"), ("nonsense", "object"),
                       ("<not an iri>", "object")):
        with pytest.raises(KGError) as err:
            parse_term(bad, position=where)
        assert err.value.kind is ErrorKind.BAD_INPUT


def test_a_long_chain_is_proved_link_by_link_or_cut_not_crashed(ontology: rdflib.Graph) -> None:
    x = rdflib.Namespace("https://example.org/")
    data = rdflib.Graph()
    for i in range(120):
        data.add((x[f"c{i}"], AKG.partOf, x[f"c{i + 1}"]))
    facts = _facts_of(data, ontology, "owlrl-fast")
    near = explain(facts, (x.c80, AKG.partOf, x.c120), Limits(derivations=1, depth=50))
    assert near.status == "inferred" and verify(near, facts) == []
    assert len(near.nodes) <= 2 * 40 + 1  # link by link, not every pair of the chain
    # a chain longer than the depth limit: the linear proof is cut (and says so), never a
    # RecursionError; the search then tries bigger pieces, which may fit within `explore`
    far = explain(facts, (x.c0, AKG.partOf, x.c120), Limits(derivations=1, depth=50))
    assert far.truncated and far.status in ("inferred", "unproven")
    if far.status == "inferred":
        assert verify(far, facts) == []
