"""Run a SELECT of ours (a description, a diagram) on the app's store and read the rows.

Goes through the same executor as a client's query (``store.executor.execute_query``): the
configured timeout stops a runaway query, every backend (memory, oxigraph, remote) answers in
the same SPARQL JSON results, and rdflib's results parser turns those into rdflib terms. The
queries are ours; values in them come only through :mod:`.iris` (``sparql_iri``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rdflib.query import Result
from rdflib.term import Identifier, Variable

from ..formats import BY_KEY, Format
from ..namespaces import ASSERTED, INFERRED, PREFIXES
from ..store.base import GraphName, QueryForm
from ..store.executor import Dataset, execute_query
from .context import AppState

JSON_RESULTS = BY_KEY["json"]
#: the graphs a question about "the facts" sees: asserted + inferred, as a client's query does
FACTS: tuple[GraphName, ...] = (str(ASSERTED), str(INFERRED))

Row = dict[str, Identifier]
#: seconds our own queries may take at least. The configured timeout is for clients' arbitrary
#: queries; ours are bounded by a bound IRI and LIMITs, and a page should not fail because a slow
#: backend (the in-memory rdflib store) needs a second for a label lookup. 0 stays "no limit".
OWN_QUERY_TIMEOUT = 10.0

_PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def _timeout(st: AppState) -> float:
    configured = st.settings.query_timeout
    return configured if configured <= 0 else max(configured, OWN_QUERY_TIMEOUT)


def _json(_: QueryForm) -> Format:
    return JSON_RESULTS


def _run(st: AppState, query: str, default_graphs: Sequence[GraphName] | None) -> Result:
    """Our own query through the executor (our prefixes declared), its JSON answer parsed."""
    dataset = Dataset(list(default_graphs) if default_graphs else None, None, explicit=True)
    body = execute_query(st.store, _PROLOGUE + query, choose_format=_json, dataset=dataset,
                         base_iri=st.settings.public_base, timeout=_timeout(st),
                         limit=None).body
    return Result.parse(io.BytesIO(body), format="json")


def select(st: AppState, query: str, *,
           default_graphs: Sequence[GraphName] | None = FACTS) -> list[Row]:
    """The rows of a SELECT (our prefixes declared), each as {variable: term} for bound ones."""
    result = _run(st, query, default_graphs)
    rows: list[Row] = []
    for binding in result.bindings:
        rows.append({str(k): v for k, v in binding.items()
                     if isinstance(k, Variable) and v is not None})
    return rows


def ask(st: AppState, query: str, *,
        default_graphs: Sequence[GraphName] | None = FACTS) -> bool:
    """The answer of an ASK query."""
    return bool(_run(st, query, default_graphs).askAnswer)
