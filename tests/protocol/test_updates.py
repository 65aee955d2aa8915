"""SPARQL Update evaluated into a delta (protocol/updates.py) against the live store.

The proof: random sequences of update requests give, through the delta, exactly the dataset
that Oxigraph's own evaluation of the same requests gives (blank nodes aside, which both make
fresh), with this service's graph semantics (the default graph is the asserted graph).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.protocol import updates
from alliance_kg.protocol.delta import ASSERTED_IRI, Delta
from alliance_kg.store.oxigraph import OxigraphStore

A = f"<{ASSERTED_IRI}>"
SEED = (f"INSERT DATA {{ GRAPH {A} {{ <urn:a> <urn:p> 1 . <urn:b> <urn:p> 2 . "
        f"<urn:a> <urn:q> <urn:b> }} GRAPH <urn:g1> {{ <urn:a> <urn:p> 10 }} "
        f"GRAPH <urn:g2> {{ <urn:c> <urn:p> 20 }} }}")


def store() -> OxigraphStore:
    s = OxigraphStore()
    s.ox.update(SEED)
    return s


def run(s: OxigraphStore, text: str, **kwargs: list[str]) -> Delta:
    delta = Delta(s, ())
    updates.apply_update(delta, updates.parse(text, None), **kwargs)
    removed, added = delta.quads()
    s.apply_delta(removed, added, sorted(delta.cleared))
    return delta


def contents(s: ox.Store) -> set[str]:
    return {str(q) for q in s if not isinstance(q.subject, ox.BlankNode)
            and not isinstance(q.object, ox.BlankNode)}


def reference(text: str) -> set[str]:
    """Oxigraph's own evaluation, with the asserted graph as the default graph."""
    ref = ox.Store()
    ref.update(SEED)
    ref.update(f"ADD {A} TO DEFAULT ; CLEAR GRAPH {A}")
    ref.update(text)
    ref.update(f"ADD DEFAULT TO {A} ; CLEAR DEFAULT")
    return contents(ref)


OPERATIONS = [
    "INSERT DATA { <urn:n> <urn:p> 3 }",
    "DELETE DATA { <urn:a> <urn:p> 1 }",
    "INSERT DATA { GRAPH <urn:g1> { <urn:n> <urn:p> 4 } }",
    "DELETE WHERE { ?s <urn:p> 2 }",
    "DELETE { ?s <urn:p> ?o } INSERT { ?s <urn:r> ?o } WHERE { ?s <urn:p> ?o FILTER(?o > 1) }",
    "INSERT { GRAPH <urn:g3> { ?s ?p ?o } } WHERE { GRAPH <urn:g1> { ?s ?p ?o } }",
    "WITH <urn:g2> DELETE { ?s ?p ?o } INSERT { ?s <urn:moved> ?o } WHERE { ?s ?p ?o }",
    "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o FILTER(?o = 10) } }",
    "INSERT { ?s <urn:knows> ?t } WHERE { ?s <urn:q> ?t OPTIONAL { ?t <urn:p> ?x } }",
    "CLEAR GRAPH <urn:g1>",
    "ADD <urn:g2> TO DEFAULT",
    "COPY DEFAULT TO <urn:g4>",
    "MOVE <urn:g2> TO <urn:g5>",
    "INSERT { ?s <urn:count> ?n } WHERE { { SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } "
    "GROUP BY ?s } }",
    "DELETE { ?a <urn:q> ?b } WHERE { ?a <urn:q> ?b MINUS { ?b <urn:p> 2 } }",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(OPERATIONS), min_size=1, max_size=4))
def test_the_delta_gives_oxigraphs_own_answer(ops: list[str]) -> None:
    text = " ;\n".join(ops)
    s = store()
    try:
        expected = reference(text)
    except (RuntimeError, OSError):  # Oxigraph refuses the request: so must we, writing nothing
        before = contents(s.ox)
        with pytest.raises(KGError):
            run(s, text)
        assert contents(s.ox) == before
        return
    run(s, text)
    assert contents(s.ox) == expected


def test_later_operations_see_earlier_ones() -> None:
    s = store()
    run(s, "INSERT DATA { <urn:x> <urn:p> 5 } ; DELETE WHERE { <urn:x> <urn:p> ?o } ; "
           "INSERT { <urn:y> <urn:saw> ?o } WHERE { <urn:a> <urn:p> ?o }")
    assert contents(s.ox) == reference(
        "INSERT DATA { <urn:x> <urn:p> 5 } ; DELETE WHERE { <urn:x> <urn:p> ?o } ; "
        "INSERT { <urn:y> <urn:saw> ?o } WHERE { <urn:a> <urn:p> ?o }")


def test_protocol_using_parameters_are_each_operations_dataset() -> None:
    s = store()
    run(s, "INSERT { GRAPH <urn:out> { ?s <urn:seen> ?o } } WHERE { ?s <urn:p> ?o } ;\n"
           "DELETE WHERE { ?s <urn:p> 10 }", using=["urn:g1"])
    out = {str(q) for q in s.ox.quads_for_pattern(None, None, None, ox.NamedNode("urn:out"))}
    integer = "^^<http://www.w3.org/2001/XMLSchema#integer>"
    assert out == {f"<urn:a> <urn:seen> \"10\"{integer} <urn:out>"}
    # DELETE WHERE reads g1 (its USING) but deletes from the default graph, which lacks it
    assert len(list(s.ox.quads_for_pattern(None, None, None, ox.NamedNode("urn:g1")))) == 1
    run(s, "INSERT { GRAPH <urn:in> { ?s <urn:in> ?g } } WHERE { GRAPH ?g { ?s ?p ?o } }",
        using_named=["urn:g2"])
    into = {str(q) for q in s.ox.quads_for_pattern(None, None, None, ox.NamedNode("urn:in"))}
    assert into == {"<urn:c> <urn:in> <urn:g2> <urn:in>"}


@pytest.mark.parametrize("text", ["WITH <urn:g1> INSERT { <urn:a> <urn:b> <urn:c> } WHERE {}",
                                  "INSERT { <urn:a> <urn:b> <urn:c> } USING <urn:g1> WHERE {}"])
def test_using_parameters_conflict_with_the_requests_own(text: str) -> None:
    with pytest.raises(KGError) as err:
        run(store(), text, using=["urn:g2"])
    assert err.value.kind is ErrorKind.BAD_INPUT


def test_keywords_in_strings_and_iris_are_data() -> None:
    s = store()
    run(s, "INSERT { <urn:with> <urn:using> 'WITH USING LOAD SERVICE' } WHERE {}",
        using=["urn:g1"])
    assert '"WITH USING LOAD SERVICE"' in " ".join(contents(s.ox))


@pytest.mark.parametrize("text", [
    "LOAD <http://example.org/x>",
    "INSERT DATA { <urn:a> <urn:b> 1 } ; LOAD <http://example.org/x> INTO GRAPH <urn:g>",
    "PREFIX ex: <http://ex/> INSERT { ex:a ex:b ?o } WHERE { BIND(ex:a\\# AS ?x) "
    "SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "INSERT { <urn:a> <urn:b> ?o } WHERE { FILTER EXISTS { SERVICE SILENT ?e { ?s ?p ?o } } }",
])
def test_load_and_service_are_refused_before_anything(text: str) -> None:
    s = store()
    before = contents(s.ox)
    with pytest.raises(KGError) as err:
        run(s, text)
    # refused before evaluation: as LOAD/SERVICE (403), or unreadable to the evaluator (400)
    assert err.value.kind in (ErrorKind.FORBIDDEN, ErrorKind.BAD_INPUT)
    assert contents(s.ox) == before


def test_graph_management_follows_this_services_semantics() -> None:
    s = store()
    run(s, "CLEAR GRAPH <urn:nothing>")  # an empty graph cleared: a no-op
    with pytest.raises(KGError) as err:
        run(s, "DROP GRAPH <urn:nothing>")
    assert err.value.kind is ErrorKind.NOT_FOUND
    run(s, "DROP SILENT GRAPH <urn:nothing>")
    with pytest.raises(KGError) as err:
        run(s, "CREATE GRAPH <urn:g1>")
    assert err.value.kind is ErrorKind.CONFLICT
    run(s, "CREATE SILENT GRAPH <urn:g1>")
    delta = run(s, "CREATE GRAPH <urn:new>")
    assert delta.created == {"urn:new"}
    run(s, "")  # an empty request is valid SPARQL


def test_syntax_errors_have_a_position() -> None:
    with pytest.raises(KGError) as err:
        updates.parse("INSERT DATA {\n  <urn:a> <urn:b> }", None)
    assert err.value.kind is ErrorKind.BAD_INPUT
    assert err.value.line == 2


def test_fresh_blank_nodes_for_each_request() -> None:
    s = store()
    run(s, "INSERT DATA { _:x <urn:p> 1 }")
    run(s, "INSERT DATA { _:x <urn:p> 1 }")
    subjects = {q.subject for q in s.ox.quads_for_pattern(None, ox.NamedNode("urn:p"),
                                                          ox.Literal("1", datatype=ox.NamedNode(
                                                              "http://www.w3.org/2001/XMLSchema#integer")))
                if isinstance(q.subject, ox.BlankNode)}
    assert len(subjects) == 2
