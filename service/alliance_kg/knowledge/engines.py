"""Which engines reason and validate: the fast, proven-equal ones, or the reference ones.

Two engines answer each question, with the same answer (proven in ``tests/knowledge``):

- reasoning: ``fast`` is ``owlrl-fast`` (:mod:`.fastreason`); the reference is ``owlrl``
  (the owlrl package);
- SHACL: ``fast`` is :mod:`.fastshacl` (pyshacl-turbo finds the focus nodes that have results,
  pySHACL reports them); the reference is ``pyshacl`` (pySHACL over the whole data).

``fast`` is the default of ``build``, ``validate`` and ``merge``;
``alliance-kg build|validate|merge --reasoner owlrl --shacl pyshacl`` (or the settings
``ALLIANCE_KG_REASONER``/``ALLIANCE_KG_SHACL``) select the reference engines. The library
functions :func:`~.reason.infer` and :func:`~.validate.validate` keep the reference engines as
their own defaults (they are what the fast ones are tested against) unless a caller chose
otherwise with :func:`use`, which sets the engines for everything called inside it (merge
reasons and validates several calls deep).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ..errors import ErrorKind, KGError

#: --reasoner choice -> ``infer(semantics=...)``
REASONERS: dict[str, str] = {"fast": "owlrl-fast", "owlrl": "owlrl"}
SHACL_ENGINES: tuple[str, ...] = ("fast", "pyshacl")
DEFAULT_REASONER = "fast"
DEFAULT_SHACL = "fast"

#: what ``infer``/``validate`` use when not told (reference unless inside :func:`use`)
_REASONER: ContextVar[str] = ContextVar("alliance_kg_reasoner", default="owlrl")
_SHACL: ContextVar[str] = ContextVar("alliance_kg_shacl", default="pyshacl")


def check(reasoner: str | None = None, shacl: str | None = None) -> None:
    if reasoner is not None and reasoner not in REASONERS:
        raise KGError(ErrorKind.BAD_INPUT, f"unknown reasoner {reasoner!r} "
                                           f"(one of: {', '.join(REASONERS)})")
    if shacl is not None and shacl not in SHACL_ENGINES:
        raise KGError(ErrorKind.BAD_INPUT, f"unknown SHACL engine {shacl!r} "
                                           f"(one of: {', '.join(SHACL_ENGINES)})")


@contextmanager
def use(reasoner: str | None = None, shacl: str | None = None) -> Iterator[None]:
    """Reason with ``reasoner`` and validate with ``shacl`` inside (None: leave as is)."""
    check(reasoner, shacl)
    tokens = []
    if reasoner is not None:
        tokens.append((_REASONER, _REASONER.set(reasoner)))
    if shacl is not None:
        tokens.append((_SHACL, _SHACL.set(shacl)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def semantics() -> str:
    """The ``infer`` semantics of the current reasoner (``owlrl`` unless inside :func:`use`)."""
    return REASONERS[_REASONER.get()]


def shacl() -> str:
    """The current SHACL engine (``pyshacl`` unless inside :func:`use`)."""
    return _SHACL.get()
