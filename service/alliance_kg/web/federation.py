"""SERVICE calls the operator allows, made by us, never by the engine.

The embedded engines cannot connect (:mod:`alliance_kg.store.sandbox`); a query whose
evaluation tried to is run again here by rdflib's engine, which parses and executes it (one
reading), over a read-only view of the store. Its ``SERVICE`` clauses are evaluated by
:func:`_service`, which sends the group to the endpoint through :func:`netguard.fetch`: the
allowlist and address checks hold at every hop, with the query timeout and a size cap.
A refused endpoint is 403, an endpoint that fails or redirects off the allowlist 502, one that
does not answer in time 504 (``SILENT`` turns the last two into an empty solution).

The evaluation runs in a process forked for it (killed at the timeout, memory capped); it is
not sandboxed, since it makes the guarded calls itself.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import re
from collections.abc import Callable, Iterator
from typing import Any

import requests
from rdflib.plugins.sparql import CUSTOM_EVALS
from rdflib.plugins.sparql.evaluate import (
    _buildQueryStringForServiceCall,
    _yieldBindingsFromServiceCallResult,
)
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import FrozenBindings, QueryContext
from rdflib.term import URIRef

from ..config import Settings
from ..errors import ErrorKind, KGError
from ..formats import BY_KEY, Format
from ..knowledge.query import parse_query
from ..store import sandbox
from ..store.analysis import QueryFacts
from ..store.base import QueryForm, Store
from ..store.executor import Answer, Dataset
from ..store.memory import MemoryResult, evaluate
from . import netguard

_RESULTS_JSON = "application/sparql-results+json"
#: the group of a SERVICE clause, in the text rdflib's parser kept of it
_GROUP = re.compile(r"\{(.*)\}\s*$", re.DOTALL)
_FORMS: dict[str, QueryForm] = {"SELECT": "SELECT", "ASK": "ASK", "CONSTRUCT": "CONSTRUCT",
                                "DESCRIBE": "DESCRIBE"}


def _read_capped(response: requests.Response, cap: int, url: str) -> bytes:
    body = bytearray()
    for chunk in response.iter_content(65536):
        body += chunk
        if len(body) > cap:
            raise KGError(ErrorKind.UNAVAILABLE, f"SERVICE <{url}> answered more than "
                          f"{cap} bytes")
    return bytes(body)


def _call(url: str, query: str, policy: netguard.Policy, timeout: float, cap: int
          ) -> dict[str, Any]:
    netguard.check_url(url, policy, what="SERVICE")  # refused: 403, whatever the port's state
    try:
        response = netguard.fetch("POST", url, policy, timeout=timeout, stream=True,
                                  data={"query": query}, headers={"Accept": _RESULTS_JSON})
        with response:
            if response.status_code != 200:
                raise KGError(ErrorKind.UNAVAILABLE, f"SERVICE <{url}> answered "
                              f"{response.status_code}")
            body = _read_capped(response, cap, url)
    except KGError as exc:
        if exc.kind is ErrorKind.FORBIDDEN:  # a redirect off the allowlist
            raise KGError(ErrorKind.UNAVAILABLE, f"SERVICE <{url}> redirected: "
                          f"{exc.message}") from None
        raise
    except requests.Timeout:
        raise KGError(ErrorKind.UPSTREAM_TIMEOUT, f"SERVICE <{url}> did not answer within "
                      f"{timeout:g} s") from None
    except requests.RequestException as exc:
        raise KGError(ErrorKind.UNAVAILABLE, f"SERVICE <{url}> failed: "
                      f"{type(exc).__name__}") from None
    try:
        answer: dict[str, Any] = json.loads(body)
        answer["head"]["vars"], answer["results"]["bindings"]
    except (ValueError, KeyError, TypeError):
        raise KGError(ErrorKind.UNAVAILABLE, f"SERVICE <{url}> did not answer with SPARQL "
                      "JSON results") from None
    return answer


def service_evaluator(policy: netguard.Policy, timeout: float, cap: int
                      ) -> Callable[[QueryContext, CompValue], Iterator[FrozenBindings]]:
    """rdflib's custom evaluation of ``SERVICE`` through the guarded client."""

    def evaluate(ctx: QueryContext, part: CompValue) -> Iterator[FrozenBindings]:
        if part.name != "ServiceGraphPattern":
            raise NotImplementedError  # rdflib then evaluates the part itself
        return _solutions(ctx, part)

    def _solutions(ctx: QueryContext, part: CompValue) -> Iterator[FrozenBindings]:
        term = dict.get(part, "term")
        silent = bool(dict.get(part, "silent"))
        if not isinstance(term, URIRef):
            raise KGError(ErrorKind.FORBIDDEN, "SERVICE with a variable endpoint is not "
                          "allowed: the server fetches only allowlisted URLs")
        group = _GROUP.search(str(dict.get(part, "service_string", "")))
        if group is None:
            raise KGError(ErrorKind.BAD_INPUT, f"SERVICE <{term}>: no group to send")
        query = _buildQueryStringForServiceCall(ctx, group.group(1))
        try:
            answer = _call(str(term), query, policy, timeout, cap)
        except KGError as exc:
            if silent and exc.kind is not ErrorKind.FORBIDDEN:
                yield ctx.solution()
                return
            raise
        variables = answer["head"]["vars"]
        for row in answer["results"]["bindings"]:
            yield from _yieldBindingsFromServiceCallResult(ctx, row, variables)

    return evaluate


def _evaluate(store: Store, sparql: str, dataset: Dataset, facts: QueryFacts,
              base_iri: str | None, choose: Callable[[QueryForm], Format], limit: int | None,
              settings: Settings) -> tuple[Format, bytes]:
    query = parse_query(sparql)
    if facts.has_dataset and not dataset.explicit:
        target = store.rdflib_dataset(None, None)
    else:
        query.algebra["datasetClause"] = None  # the protocol's dataset replaces FROM
        target = store.rdflib_dataset(dataset.default_graphs, dataset.named_graphs)
    # the endpoint's own deadline comes before the query's, so a slow endpoint is a 504, not
    # a query stopped for running too long (503)
    timeout = settings.query_timeout * 0.8 if settings.query_timeout > 0 else 30.0
    CUSTOM_EVALS["alliance-kg-service"] = service_evaluator(
        netguard.Policy.of(settings), timeout, settings.max_body_bytes)
    try:
        result = evaluate(target, query, base_iri)
    finally:
        CUSTOM_EVALS.pop("alliance-kg-service", None)
    fmt = choose(_FORMS[result.type])
    return fmt, MemoryResult(result).serialize(fmt, limit=limit)


def _child(conn: Any, store: Store, args: tuple[Any, ...], memory_mib: int) -> None:
    store.after_fork()
    sandbox.limit_memory(memory_mib)
    try:
        fmt, body = _evaluate(store, *args)
        message: tuple[Any, ...] = ("ok", fmt.key, body)
    except KGError as exc:
        message = ("error", exc.kind.value, exc.message, exc.line, exc.column)
    except MemoryError:
        message = ("error", ErrorKind.TOO_LARGE.value, "the query needed more memory than a "
                   "query may use (ALLIANCE_KG_QUERY_MEMORY_MIB)", None, None)
    except Exception as exc:
        message = ("error", ErrorKind.INTERNAL.value, f"{type(exc).__name__}: {exc}", None,
                   None)
    conn.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
    conn.close()
    os._exit(0)


def federate(store: Store, sparql: str, *, settings: Settings, dataset: Dataset,
             facts: QueryFacts, choose_format: Callable[[QueryForm], Format],
             base_iri: str | None) -> Answer:
    """Answer a query with SERVICE calls by rdflib's engine in a forked, killable process."""
    if not settings.service_allowlist:
        raise KGError(ErrorKind.FORBIDDEN, "SERVICE is not allowed on this server (no "
                      "endpoint is on its allowlist, ALLIANCE_KG_SERVICE_ALLOWLIST)")
    choices: dict[str, Format | KGError] = {}
    for form in _FORMS.values():
        try:
            choices[form] = choose_format(form)
        except KGError as exc:
            choices[form] = exc

    def choose(form: QueryForm) -> Format:
        choice = choices[form]
        if isinstance(choice, KGError):
            raise choice
        return choice

    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    args = (sparql, dataset, facts, base_iri, choose, settings.max_results, settings)
    with store.fork_lock:
        proc = ctx.Process(target=_child, args=(child, store, args, settings.query_memory_mib),
                           daemon=True)
        proc.start()
    child.close()
    timeout = settings.query_timeout if settings.query_timeout > 0 else None
    try:
        if not parent.poll(timeout):
            raise KGError(ErrorKind.TIMEOUT, f"the query ran longer than {timeout:g} s and was "
                          "stopped")
        message: tuple[Any, ...] = pickle.loads(parent.recv_bytes())
    except EOFError:
        raise KGError(ErrorKind.INTERNAL, "the federated query's process ended without an "
                      "answer") from None
    finally:
        parent.close()
        proc.kill()
        proc.join(5)
    if message[0] == "ok":
        return Answer(BY_KEY[message[1]], message[2], facts)
    _, kind, text, line, column = message
    raise KGError(ErrorKind(kind), text, line=line, column=column)
