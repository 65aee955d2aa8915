"""The one gate before every RDF parser: may this body be parsed, and in what form.

Every path that reads RDF a client or a user hands us (Graph Store ``PUT``/``POST``, ``/merge``,
``alliance-kg validate``/``merge``, the build's loader) calls :func:`prepare` on the bytes
first, so one rule holds everywhere:

* **No document is ever loaded.** rdflib's JSON-LD parser (once the loader's fallback)
  resolves a ``@context`` given by IRI with urllib, ``file:`` IRIs included; Oxigraph's parser
  has no loader and fails on them. A context may therefore be named by IRI only when it is our own
  context (``ontology/context.jsonld``, published at ``<base>ontology/context.jsonld``), which is
  then put inline from the local file; any other context IRI (string, array item, ``@import``,
  nested or scoped contexts) is bad input naming it. The JSON is walked as parsed by the
  standard library, never patched as text. RDF/XML may not declare entities nor name an
  external DTD (the "billion laughs" expansion of internal entities is done by Oxigraph's
  parser), checked by expat with handlers that refuse, as ``defusedxml`` does.
* **Nesting is bounded.** Oxigraph's JSON-LD parser recurses per nested object and overflows a
  thread's stack (killing the server process) a few thousand levels down; its RDF/XML parser
  takes time quadratic in element depth. JSON-LD and RDF/XML nested deeper than
  :data:`MAX_DEPTH` are refused. Turtle, TriG and N3 need no cap: Oxigraph reads nested
  ``[ ]`` and ``( )`` without recursion, and rdflib's parser stops at Python's recursion limit.

Errors are ``KGError(BAD_INPUT)`` (HTTP 400, exit code 2) with the line and column when the
reader knows them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.parsers import expat

from ..errors import ErrorKind, KGError
from ..formats import Format
from ..namespaces import BASE

#: deepest nesting of JSON-LD containers (objects and arrays) or RDF/XML elements accepted
MAX_DEPTH = 256
#: where our context lives, relative to the project root and to the public base
CONTEXT_PATH = "ontology/context.jsonld"
_CONTEXT = "@context"
_IMPORT = "@import"
_VALUE = "@value"


@dataclass(frozen=True)
class Contexts:
    """The JSON-LD contexts that may be named by IRI, each read from a local file instead."""

    files: Mapping[str, Path] = field(default_factory=dict)

    @classmethod
    def ours(cls, root: Path, public_base: str = BASE) -> Contexts:
        """Our context under its namespace IRI and under the service's public base."""
        path = root / CONTEXT_PATH
        return cls({BASE + CONTEXT_PATH: path, public_base + CONTEXT_PATH: path})

    def allowed(self) -> str:
        return ", ".join(f"<{iri}>" for iri in sorted(self.files)) or "none"


@lru_cache(maxsize=1)
def default_contexts() -> Contexts:
    """Our context in the project the settings point at (for the library and the CLI)."""
    from ..config import Settings

    return Contexts.ours(Settings.from_env().root)


def prepare(data: bytes, fmt: Format, *, name: str | None = None,
            contexts: Contexts | None = None) -> bytes:
    """``data`` ready for any RDF parser of ``fmt``, or ``KGError(BAD_INPUT)`` if it may not be
    parsed (a context we would have to load, XML entities, nesting past :data:`MAX_DEPTH`).

    ``data`` is decompressed already. ``name`` is the file shown in errors. JSON-LD comes
    back with our context inline where it was named by IRI (the same bytes when nothing was
    named); every other format comes back unchanged.
    """
    if fmt.key == "jsonld":
        return _jsonld(data, name, contexts or default_contexts())
    if fmt.key == "rdfxml":
        _check_xml(data, name)
    return data


# -- JSON-LD -------------------------------------------------------------------------------------


class _Refused(Exception):
    """A rule broken inside a parser callback; turned into a KGError with a position."""


def _jsonld(data: bytes, name: str | None, contexts: Contexts) -> bytes:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data  # not JSON-LD's UTF-8: the parser reports where
    try:
        doc = json.loads(text, object_pairs_hook=_object)
    except RecursionError:
        raise KGError(ErrorKind.BAD_INPUT, f"JSON-LD nested deeper than the limit of "
                      f"{MAX_DEPTH} levels", file=name) from None
    except _Refused as exc:
        raise KGError(ErrorKind.BAD_INPUT, str(exc), file=name) from None
    except ValueError:
        # not JSON: neither parser gets further than the error, which the RDF parser locates
        return data
    try:
        changed = _walk(doc, contexts)
    except _Refused as exc:
        iri = exc.args[1] if len(exc.args) > 1 else None
        line, column = _position(text, iri)
        raise KGError(ErrorKind.BAD_INPUT, str(exc.args[0]), file=name, line=line,
                      column=column) from None
    return json.dumps(doc, ensure_ascii=False).encode("utf-8") if changed else data


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a repeated ``@context``/``@import`` is refused, since parsers disagree on
    which of the two counts (the standard library keeps the last)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out and key in (_CONTEXT, _IMPORT):
            raise _Refused(f"JSON-LD object with {key} twice")
        out[key] = value
    return out


def _walk(doc: Any, contexts: Contexts) -> bool:
    """Check the depth and put our context inline; iterative, since ``doc`` may be deep.
    Returns whether anything was substituted."""
    changed = False
    # (value, depth of value, whether @context/@import inside it are contexts)
    stack: list[tuple[Any, int, bool]] = [(doc, 1, True)]
    while stack:
        value, depth, live = stack.pop()
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise _Refused(f"JSON-LD nested {_depth(value, depth)} levels deep; the limit is "
                           f"{MAX_DEPTH}")
        if isinstance(value, list):
            stack.extend((item, depth + 1, live) for item in value)
            continue
        if live:
            if _CONTEXT in value:
                changed |= _inline_context(value, contexts)
            if _IMPORT in value:
                _inline_import(value, contexts)
                changed = True
        for key, item in value.items():
            # a JSON literal's value ("@type": "@json") is data, not JSON-LD
            stack.append((item, depth + 1, live and key != _VALUE))
    return changed


def _inline_context(node: dict[str, Any], contexts: Contexts) -> bool:
    ctx = node[_CONTEXT]
    if isinstance(ctx, str):
        node[_CONTEXT] = _ours(ctx, contexts)
        return True
    if isinstance(ctx, list) and any(isinstance(item, str) for item in ctx):
        node[_CONTEXT] = [_ours(item, contexts) if isinstance(item, str) else item
                          for item in ctx]
        return True
    return False


def _inline_import(context: dict[str, Any], contexts: Contexts) -> None:
    """JSON-LD 1.1 ``@import``: the imported definitions, overridden by the importing ones."""
    iri = context.pop(_IMPORT)
    if not isinstance(iri, str):
        raise _Refused(f"JSON-LD @import must name a context, not {json.dumps(iri)[:80]}")
    imported = _ours(iri, contexts)
    for key, value in imported.items():
        context.setdefault(key, value)


def _ours(iri: str, contexts: Contexts) -> dict[str, Any]:
    path = contexts.files.get(iri)
    if path is None:
        raise _Refused(f"JSON-LD context <{iri}> is not loaded: remote and local context "
                       f"documents are never fetched; only our own context "
                       f"({contexts.allowed()}) may be named by IRI, others must be inline", iri)
    try:
        return copy.deepcopy(_context_file(str(path), path.stat().st_mtime_ns))
    except (OSError, ValueError, KeyError, TypeError) as exc:  # pragma: no cover - shipped file
        raise KGError(ErrorKind.INTERNAL, f"cannot read our JSON-LD context {path}: {exc}") \
            from None


@lru_cache(maxsize=4)
def _context_file(path: str, mtime_ns: int) -> dict[str, Any]:
    """The ``@context`` object of a context document (re-read when the file changes)."""
    inner = json.loads(Path(path).read_text(encoding="utf-8"))[_CONTEXT]
    if not isinstance(inner, dict):
        raise TypeError("the @context of the file is not an object")
    return inner


def _depth(value: Any, depth: int) -> int:
    """How deep ``value`` (found at ``depth``) goes: the number the error reports."""
    deepest = depth
    stack: list[tuple[Any, int]] = [(value, depth)]
    while stack:
        item, d = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, d)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, d + 1) for child in children)
    return deepest


def _position(text: str, iri: str | None) -> tuple[int | None, int | None]:
    """Line and column (1-based) of the first spelling of ``iri`` as a JSON string, if found."""
    if iri is None:
        return None, None
    offset = text.find(json.dumps(iri, ensure_ascii=False))
    if offset < 0:
        offset = text.find(json.dumps(iri))
    if offset < 0:
        return None, None
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


# -- RDF/XML -------------------------------------------------------------------------------------


def _check_xml(data: bytes, name: str | None) -> None:
    """Read the document once with expat: no entity declarations, no external DTD or entity,
    elements nested at most :data:`MAX_DEPTH` deep. Not well-formed XML is refused here too,
    with expat's message and position (no RDF/XML parser could read it)."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0

    def start(tag: str, attrs: object) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise _Refused(f"RDF/XML elements nested deeper than the limit of {MAX_DEPTH} "
                           "levels")

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1

    def doctype(doctype: str, system_id: str | None, public_id: str | None,
                has_internal_subset: int) -> None:
        if system_id is not None or public_id is not None:
            raise _Refused(f"RDF/XML names an external DTD ({system_id or public_id}); "
                           "documents are never loaded")

    def entity(entity_name: str, *rest: object) -> None:
        raise _Refused(f"RDF/XML declares the entity {entity_name!r}: entity declarations "
                       "are refused (they can expand a small body into gigabytes)")

    def external(*args: object) -> int:
        raise _Refused("RDF/XML refers to an external entity; documents are never loaded")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise KGError(ErrorKind.BAD_INPUT, str(exc), file=name, line=parser.CurrentLineNumber,
                      column=parser.CurrentColumnNumber + 1) from None
    except expat.ExpatError as exc:
        raise KGError(ErrorKind.BAD_INPUT, expat.ErrorString(exc.code) or str(exc), file=name,
                      line=exc.lineno, column=exc.offset + 1) from None
