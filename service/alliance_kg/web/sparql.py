"""SPARQL 1.1 Protocol: query and update operations at ``/sparql`` (aliases ``/query``,
``/update``).

Query: ``GET ?query=``, ``POST`` url-encoded ``query=``, ``POST application/sparql-query``;
``default-graph-uri``/``named-graph-uri`` (repeatable) set the dataset and override the query's
``FROM``/``FROM NAMED``. Without either, the default graph is ASSERTED + INFERRED
(``infer=false`` → ASSERTED only) and every named graph is visible to ``GRAPH``.
The answer format is ``format=`` if given, else ``Accept``; the query runs through
``store.executor.execute_query`` (a killable child process with timeout and result cap).

Update: ``POST`` url-encoded ``update=`` or ``POST application/sparql-update``, with the bearer
token; ``using-graph-uri``/``using-named-graph-uri`` become ``USING``/``USING NAMED`` of each
operation. See :mod:`alliance_kg.web.writes` for what the default graph of an update is.

``GET /sparql`` with neither ``query`` nor ``update`` returns the service description.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..errors import ErrorKind, KGError
from ..formats import Format
from ..namespaces import ASSERTED, INFERRED
from ..store.analysis import FactsCache, QueryFacts
from ..store.base import GraphName, QueryForm, Store
from ..store.executor import Dataset, NetworkAttempt, execute_query, read_query
from . import auth, conditional, negotiation, netguard, params, search, writes, writescope
from .context import state
from .errors import InsufficientScope, LimitExceeded
from .federation import federate
from .logging import QUERY_HASH_KEY, query_hash

bp = Blueprint("sparql", __name__)

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


def read_request() -> tuple[params.Params, str | None, str | None]:
    """(all parameters, query text, update text) of a protocol request; 4xx on misuse."""
    p = params.url_params()
    query = update = None
    if request.method == "POST":
        mt, mparams = params.media_type()
        body = params.read_body(state().settings.max_body_bytes)
        if mt == params.FORM:
            params.check_utf8_charset(mparams)
            p.items.extend(params.decode_form(body, "the form body"))
        elif mt in {QUERY_TYPE, UPDATE_TYPE}:
            params.check_utf8_charset(mparams)
            for name in ("query", "update"):
                if name in p:
                    raise KGError(ErrorKind.BAD_INPUT, f"with {mt} the body is the request; "
                                  f"'{name}' must not also be a URL parameter")
            text = params.decode_utf8(body, f"the {mt} body")
            if mt == QUERY_TYPE:
                query = text
            else:
                update = text
        elif body or mt:
            what = f"Content-Type {mt}" if mt else "a body without Content-Type"
            raise KGError(ErrorKind.UNSUPPORTED_MEDIA_TYPE,
                          f"{what} is not a SPARQL protocol request: use {params.FORM}, "
                          f"{QUERY_TYPE} or {UPDATE_TYPE}")
    if query is None and update is None:
        query, update = p.one("query"), p.one("update")
    if query is not None and update is not None:
        raise KGError(ErrorKind.BAD_INPUT, "a request carries either 'query' or 'update', "
                      "not both")
    return p, query, update


@bp.route("/sparql", methods=["GET", "POST"])
@bp.route("/query", methods=["GET", "POST"], endpoint="query_alias")
def endpoint() -> Response:
    p, query, update = read_request()
    if update is not None:
        if request.method != "POST":
            raise KGError(ErrorKind.BAD_INPUT, "SPARQL Update is only accepted with POST "
                          "(url-encoded 'update=' or application/sparql-update)")
        return run_update(p, update)
    if query is None:
        if request.method == "POST":
            raise KGError(ErrorKind.BAD_INPUT, "no 'query' or 'update' in the request")
        from .description import service_description

        return service_description()
    return run_query(p, query)


@bp.route("/update", methods=["POST"])
def update_endpoint() -> Response:
    p, query, update = read_request()
    if query is not None:
        raise KGError(ErrorKind.BAD_INPUT, "this is the update endpoint; send queries to "
                      "/sparql")
    if update is None:
        raise KGError(ErrorKind.BAD_INPUT, "no 'update' in the request")
    return run_update(p, update)


# -- query ---------------------------------------------------------------------------------


#: facts learnt from earlier runs of a query text (store/analysis.py)
FACTS = FactsCache()


def protocol_dataset(p: params.Params) -> Dataset:
    """The dataset the request names (wins over FROM), else ours: ASSERTED + INFERRED as the
    default graph (``infer=false``: ASSERTED only) and every named graph."""
    default_uris = params.iris(p, "default-graph-uri")
    named_uris = params.iris(p, "named-graph-uri")
    if default_uris or named_uris:
        return Dataset(list(default_uris), list(named_uris), explicit=True)
    infer = p.flag("infer", "inference", default=True)
    defaults: list[GraphName] = [str(ASSERTED), str(INFERRED)] if infer else [str(ASSERTED)]
    return Dataset(defaults, None)


def check_remote_services(store: Store, query: str, facts: QueryFacts | None
                          ) -> QueryFacts | None:
    """A remote store's engine makes its own SERVICE calls: refuse endpoints off the allowlist
    by the parse that store's requests go through (the embedded engines cannot connect). The
    parse runs in a killable worker (``read_query``); its facts are returned, to be reused."""
    if not store.killable_in_thread or (facts is not None and not facts.calls_service):
        return facts
    facts, endpoints = read_query(store, query)
    if endpoints:
        netguard.check_all(endpoints, state().settings, what="SERVICE")
    return facts


def run_query(p: params.Params, query: str) -> Response:
    st = state()
    settings = st.settings
    request.environ[QUERY_HASH_KEY] = query_hash(query)
    if len(query) > settings.max_query_length:
        in_url = request.method != "POST"
        raise LimitExceeded.of("uri" if in_url else "query",
                               f"query of {len(query)} characters is over the limit of "
                               f"{settings.max_query_length}")
    dataset = protocol_dataset(p)
    query, known = search.sparql_with_hits(st, query)  # SERVICE <…/search>: from our index
    facts = known or FACTS.get(query)
    facts = check_remote_services(st.store, query, facts)
    format_params = p.getlist("format") or p.getlist("output")
    accept = request.headers.get("Accept", "")
    # web/resultcache.py: the generation is read before the query runs, so an answer racing a
    # write is filed under the generation the write ends
    generation = st.generation

    def etag_of(known: QueryFacts | None) -> str | None:
        if request.method not in ("GET", "HEAD") or known is None or not known.deterministic:
            return None
        return st.etag("query", query, repr(dataset), repr(format_params), accept)

    # only deterministic answers are ever stored, so a lookup needs no facts: a first request
    # of a text is a miss like any other
    key = (generation, query, repr(dataset), accept, "\x00".join(format_params))
    etag = etag_of(facts)
    if etag is not None and conditional.matches(etag):
        return conditional.not_modified(etag)
    if st.results is not None and (facts is None or facts.deterministic):
        hit = st.results.get(key)
        if hit is not None:
            fmt, body = hit
            resp = Response(body, status=200, content_type=negotiation.content_type(fmt))
            return conditional.finish(resp, etag)

    format_key = tuple(format_params)

    def choose_format(form: QueryForm) -> Format:
        return negotiation.choose_for_query(accept, form, format_key)

    try:
        answer = execute_query(
            st.store, query, choose_format=choose_format, dataset=dataset, facts=facts,
            base_iri=settings.public_base, timeout=settings.query_timeout,
            limit=settings.max_results, memory_mib=settings.query_memory_mib,
        )
    except NetworkAttempt as attempt:
        answer = federate(st.store, query, settings=settings, dataset=dataset,
                          facts=attempt.facts, choose_format=choose_format,
                          base_iri=settings.public_base)
    FACTS.put(query, answer.facts)
    if st.results is not None and answer.facts.deterministic:
        st.results.put(key, answer.fmt, answer.body)
    resp = Response(answer.body, status=200, content_type=negotiation.content_type(answer.fmt))
    # an ETag names the generation the answer was computed at: none if a write came between
    return conditional.finish(resp, etag_of(answer.facts) if st.generation == generation
                              else None)


# -- update --------------------------------------------------------------------------------


def run_update(p: params.Params, update: str) -> Response:
    st = state()
    grant = auth.require_writer(st.settings)
    request.environ[QUERY_HASH_KEY] = query_hash(update)
    if len(update) > st.settings.max_query_length:
        raise LimitExceeded.of("query", f"update of {len(update)} characters is over the "
                               f"limit of {st.settings.max_query_length}")
    base = st.settings.public_base
    if not grant.unrestricted:
        try:
            grant.check(writescope.targets(update, base))
        except writescope.Unknown as exc:
            raise InsufficientScope(ErrorKind.FORBIDDEN, f"the token '{grant.name}' may write "
                                    f"only some graphs, and this update's are not certain: "
                                    f"{exc}; name every target graph (GRAPH <iri>, WITH <iri>)"
                                    ) from None
    using = params.iris(p, "using-graph-uri")
    using_named = params.iris(p, "using-named-graph-uri")
    # one reading: rdflib's parse is what is checked (LOAD, SERVICE: 403) and what is evaluated
    outcome = writes.apply(st, lambda changes: changes.update(update, base, using, using_named),
                           grant)
    return writes.answer(outcome, 204, request.headers.get("Prefer"))
