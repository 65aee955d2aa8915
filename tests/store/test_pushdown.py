"""Reasoning and validation pushed to the engine give what the in-process path gives.

The built dataset plus generated data (``alliance-kg generate``) is loaded into a real
``oxigraph serve`` and a real Virtuoso 7; the engine computes the inferred graph
(``store/pushdown.py``: OWL 2 RL rules as SPARQL updates to a fixpoint) and validates with
server-side targets. The inferred graph must equal, triple for triple, the fast reasoner's over
the same asserted and ontology graphs read back from that engine (Virtuoso normalizes literals),
and the report must equal the in-process validation's text (same verdict, same results), on
conforming data and on data with violations; a contradiction raises the same error, and data
outside the compiled rules is refused with nothing written.
"""

from __future__ import annotations

import functools
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from oxigraph_server import OxigraphServer
from virtuoso_server import VirtuosoServer

from alliance_kg.config import Settings
from alliance_kg.errors import ErrorKind, KGError
from alliance_kg.formats import BY_KEY
from alliance_kg.knowledge.build import ensure_built
from alliance_kg.knowledge.generate import generate
from alliance_kg.knowledge.reason import infer
from alliance_kg.knowledge.validate import ValidationReport
from alliance_kg.store import pushdown
from alliance_kg.store.base import Store
from alliance_kg.store.oxigraph import OxigraphStore
from alliance_kg.store.remote import RemoteStore

ROOT = Path(__file__).resolve().parents[2]
NT, TRIG = BY_KEY["ntriples"], BY_KEY["trig"]
AKG = "https://w3id.org/alliance-kg/ontology/"
XSD = "http://www.w3.org/2001/XMLSchema#"
GEN = "https://w3id.org/alliance-kg/resource/gen/"
#: an agreement with a literal party and two dates: three shapes' constraints fail
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
VIOLATION = f"""<http://example.org/agr> <{RDF_TYPE}> <{AKG}Agreement> .
<http://example.org/agr> <{AKG}agreementParty> "Nobody"@en .
<http://example.org/agr> <{AKG}date> "2020-01-01"^^<{XSD}date> .
<http://example.org/agr> <{AKG}date> "2021-01-01"^^<{XSD}date> .
"""


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote(request: pytest.FixtureRequest) -> Iterator[RemoteStore]:
    """An empty remote store on a real engine."""
    store: RemoteStore
    if request.param == "virtuoso":
        virtuoso: VirtuosoServer = request.getfixturevalue("virtuoso_server")
        virtuoso.clear()
        store = virtuoso.store(timeout=120)
    else:
        server: OxigraphServer = request.getfixturevalue("oxigraph_server")
        server.clear()
        store = RemoteStore(server.query_url, server.update_url, server.store_url, timeout=120)
    yield store
    store.close()


@functools.cache
def built() -> bytes:
    return ensure_built(Settings.from_env({}, root=ROOT)).read_bytes()


def load(store: Store, n: int, seed: int, extra: str = "") -> None:
    """The built dataset, and ``n`` generated triples (plus ``extra``) in the asserted graph."""
    store.load(built(), TRIG)
    out = io.StringIO()
    generate(n, seed, out)
    store.load((out.getvalue() + extra).encode(), NT, pushdown.ASR)


def graph(store: Store, iri: str) -> rdflib.Graph:
    return pushdown._graph_of(store, iri)


def expected(store: Store) -> tuple[rdflib.Graph, ValidationReport | None]:
    """The in-process closure and report over the graphs as the engine holds them."""
    asserted, ontology, shapes = (graph(store, g) for g in
                                  (pushdown.ASR, pushdown.ONT, pushdown.SHP))
    inferred = infer(asserted, ontology, semantics="owlrl-fast")
    return inferred, pushdown._validate_here(asserted, ontology, shapes, inferred)


@pytest.mark.parametrize(("n", "seed", "extra", "conforms"),
                         # the violating set alone in the default run (a minute for the file)
                         [pytest.param(1200, 1, "", True, marks=pytest.mark.slow),
                          (600, 2, VIOLATION, False)],
                         ids=["conforming", "violation"])
def test_engine_closure_and_report_equal_the_in_process_ones(
        remote: RemoteStore, n: int, seed: int, extra: str, conforms: bool) -> None:
    load(remote, n, seed, extra)
    want_inferred, want_report = expected(remote)
    assert want_report is not None
    outcome = pushdown.derive(remote, where="engine")
    assert (outcome.reasoned_on, outcome.validated_on) == ("engine", "engine")
    got = set(graph(remote, pushdown.INF))
    assert got == set(want_inferred)
    assert outcome.stats.inferred == len(got) > 500
    assert outcome.stats.rounds > 2  # chains and transitive links take several rounds
    assert outcome.report is not None
    assert outcome.report.conforms is conforms
    assert outcome.report.to_text() == want_report.to_text()
    if not conforms:
        assert len(outcome.report.results) == len(want_report.results) >= 3
        assert "http://example.org/agr" in outcome.report.to_text()
    # only batches came back: the report's focus nodes were selected on the server
    assert outcome.stats.focus_nodes > 500


def test_a_contradiction_is_the_same_error_and_changes_nothing(remote: RemoteStore) -> None:
    command = f"<{GEN}command-1>"
    load(remote, 400, 3, f"{command} <{AKG}counterpartOf> {command} .\n")
    before = set(graph(remote, pushdown.INF))
    asserted, ontology = graph(remote, pushdown.ASR), graph(remote, pushdown.ONT)
    with pytest.raises(KGError) as want:
        infer(asserted, ontology, semantics="owlrl-fast")
    with pytest.raises(KGError) as got:
        pushdown.engine_closure(remote)
    assert got.value.kind is want.value.kind is ErrorKind.INCONSISTENT
    assert str(got.value) == str(want.value)
    assert set(graph(remote, pushdown.INF)) == before
    assert not remote.count(pushdown.WORK)


def test_data_outside_the_rules_is_refused_or_reasoned_in_process(remote: RemoteStore) -> None:
    # a schema statement in the data: the fast reasoner takes its general path, so must we
    schema = (f"<{GEN}command-1> <http://www.w3.org/2000/01/rdf-schema#subClassOf> "
              f"<{AKG}Organisation> .\n")
    load(remote, 300, 4, schema)
    before = set(graph(remote, pushdown.INF))
    with pytest.raises(KGError, match="rdfs:subClassOf") as refused:
        pushdown.derive(remote, where="engine", validate=False)
    assert refused.value.kind is ErrorKind.BAD_INPUT
    assert set(graph(remote, pushdown.INF)) == before
    outcome = pushdown.derive(remote, where="auto", validate=False)
    assert outcome.reasoned_on == "process"
    assert "rdfs:subClassOf" in outcome.why[0]


def test_an_embedded_store_is_derived_in_process() -> None:
    store = OxigraphStore()
    load(store, 200, 5, VIOLATION)
    with pytest.raises(KGError, match="no engine"):
        pushdown.derive(store, where="engine")
    outcome = pushdown.derive(store)
    assert outcome.reasoned_on == "process"
    assert outcome.report is not None and not outcome.report.conforms


def test_the_derive_command_reports_a_violation_found_on_the_engine(
        oxigraph_server: OxigraphServer) -> None:
    oxigraph_server.clear()
    store = RemoteStore(oxigraph_server.query_url, oxigraph_server.update_url, timeout=60)
    load(store, 200, 6, VIOLATION)
    env = {**os.environ, "ALLIANCE_KG_REMOTE_QUERY_URL": oxigraph_server.query_url,
           "ALLIANCE_KG_REMOTE_UPDATE_URL": oxigraph_server.update_url}
    done = subprocess.run([sys.executable, "-m", "alliance_kg", "derive", "--store", "remote",
                           "--where", "engine"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1, done.stderr
    assert "http://example.org/agr" in done.stdout
    assert "reasoned on the engine" in done.stderr
    assert store.count(pushdown.INF) > 100
    store.close()
