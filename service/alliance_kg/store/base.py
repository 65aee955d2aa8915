"""The one store interface every backend implements.

Modelled on rdflib's store plugins: the protocol layer (``web``) and the library (``knowledge``)
talk only to :class:`Store`; a new backend is one module registered in ``store.registry``.
Data crosses the interface as serialized bytes plus a :class:`~alliance_kg.formats.Format`, so a
native backend (Oxigraph, a remote server) never has to round-trip through Python objects.

Graph names are IRIs as ``str``; ``None`` means the store's default graph (the Graph Store
Protocol's ``?default``).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, ClassVar, Literal

from ..errors import ErrorKind, KGError
from ..formats import Format

if TYPE_CHECKING:
    import pyoxigraph as ox
    import rdflib

    from ..config import Settings

GraphName = str | None
QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]


class QueryResult(ABC):
    """A query's answer, kept in the backend's own form until it is serialized."""

    form: QueryForm

    @abstractmethod
    def serialize(self, fmt: Format, *, limit: int | None = None) -> bytes:
        """Serialize in ``fmt`` (a RESULTS format for SELECT/ASK, GRAPH/DATASET otherwise).

        ``limit`` caps rows/triples; going past it raises ``KGError(TOO_LARGE)`` rather than
        silently truncating, so a client never mistakes a cut result for a complete one.
        """


class Store(ABC):
    """A mutable RDF dataset that answers SPARQL 1.1 Query and Update."""

    #: registry name, e.g. "memory", "oxigraph", "remote"
    name: ClassVar[str]
    #: True when the backend stops its own long queries (a remote server's timeout); False when
    #: a query can only be stopped by killing the process running it (see ``store.executor``)
    killable_in_thread: ClassVar[bool] = False
    #: True when reading a triple pattern is a local lookup; False when each is a round trip to
    #: a server (code that reads many patterns then copies what it needs once)
    local_reads: ClassVar[bool] = True

    def __init__(self) -> None:
        #: moves on with every write: query workers forked at an older version are retired
        self.version = 0
        #: held while writing, and by the executor while forking, so no fork sees half a write
        self.fork_lock = threading.RLock()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Wrap every write of a backend: excludes forks, then moves the version on."""
        with self.fork_lock:
            try:
                yield
            finally:
                self.version += 1

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """Make the store a configuration asks for (``store.registry.create`` calls this)."""
        return cls()

    @abstractmethod
    def load(self, data: bytes, fmt: Format, graph: GraphName = None) -> int:
        """Add parsed ``data``; for triple formats into ``graph``, quad formats keep their graphs.

        Returns the number of triples/quads read. A parse error raises ``KGError(BAD_INPUT)``
        with line/column and leaves the store unchanged.
        """

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[GraphName] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL 1.1 query.

        ``default_graphs``: the graphs merged into the query's default graph (None: the store's
        default graph). ``named_graphs``: the graphs ``GRAPH`` may see (None: all).
        A syntax error raises ``KGError(BAD_INPUT)`` with the parser's message and position.
        """

    def rdflib_dataset(self, default_graphs: Sequence[GraphName] | None,
                       named_graphs: Sequence[str] | None) -> rdflib.Dataset:
        """The protocol's dataset as a read-only rdflib dataset, for rdflib's engine (the
        federation path); a store whose engine is elsewhere cannot offer one."""
        raise KGError(ErrorKind.FORBIDDEN, f"the {self.name} store runs SERVICE calls on its "
                      "own engine, not here")

    @abstractmethod
    def graph_view(self, graph: GraphName) -> rdflib.Graph:
        """One graph of the store as a read-only rdflib graph, read live (nothing copied): what
        the write path evaluates an update's patterns over."""

    @abstractmethod
    def apply_delta(self, removed: Sequence[ox.Quad], added: Sequence[ox.Quad],
                    cleared: Sequence[str] = ()) -> None:
        """Empty the ``cleared`` graphs, remove, then add, these quads as one write: readers
        see the store before or after. The cost grows with the change, not with the store."""

    @abstractmethod
    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL 1.1 Update request atomically: all of its operations or none."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """Named graphs that hold at least one triple, sorted."""

    @abstractmethod
    def count(self, graph: GraphName = None) -> int:
        """Triples in one graph."""

    @abstractmethod
    def get_graph(self, graph: GraphName, fmt: Format) -> bytes:
        """Serialize one graph; ``KGError(NOT_FOUND)`` if a named graph does not exist."""

    @abstractmethod
    def replace_graphs(self, graphs: dict[GraphName, tuple[bytes, Format]]) -> None:
        """Atomically set the content of several graphs (empty bytes empties a graph).

        The Graph Store Protocol's PUT, and the last step of a validated update (new asserted
        and inferred graphs together), both need several graphs swapped in one transaction.
        """

    @abstractmethod
    def drop_graph(self, graph: GraphName) -> None:
        """Remove a graph; ``KGError(NOT_FOUND)`` if a named graph does not exist."""

    @abstractmethod
    def dump(self, fmt: Format) -> bytes:
        """The whole dataset in a quad format (N-Quads/TriG), for backups and canonical diffs."""

    def after_fork(self) -> None:  # noqa: B027 - optional hook
        """Called first thing in a forked query process (``store.executor``): reset anything
        another thread of the parent may have held at the moment of the fork, e.g. locks."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files and connections."""
