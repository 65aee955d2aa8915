"""Just enough lexing of SPARQL text for the protocol layer.

The update protocol needs a few facts about a request's text: does an update carry
``USING``/``WITH`` (a conflict with ``using-graph-uri``), and where to put the ``USING`` clauses
the protocol parameters stand for. No security or caching decision rests on this lexer:
queries are read by store/analysis.py, and the engine cannot fetch (store/sandbox.py).
Keywords are found by a lexer that skips IRIs, strings, comments, variables and prefixed names,
so ``?from`` or ``ex:with`` never count. Parsing proper (and every syntax error) is the engine's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              | '''(?:[^'\\]|\\.|'(?!''))*'''
              | "(?:[^"\\\n\r]|\\.)*"
              | '(?:[^'\\\n\r]|\\.)*')
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
  | (?P<pname>(?:[^\W\d][\w\-.]*)?:(?:[\w\-.:%\\]|\\.)*)
  | (?P<word>[^\W\d]\w*)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<semi>;)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int
    depth: int  #: brace depth before the token

    @property
    def keyword(self) -> str | None:
        return self.text.upper() if self.kind == "word" else None


def tokens(text: str) -> Iterator[Token]:
    depth = 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind in {"ws", "comment"}:
            continue
        tok = Token(kind, m.group(), m.start(), m.end(), depth)
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(0, depth - 1)
        yield tok


def keywords(text: str) -> set[str]:
    return {t.text.upper() for t in tokens(text) if t.kind == "word"}


def has_using_or_with(update: str) -> bool:
    """``USING``, ``USING NAMED`` or ``WITH`` anywhere in an update request."""
    return bool({"USING", "WITH"} & keywords(update))


def _iri(value: str) -> str:
    if any(c in value for c in '<>"{}|^`\\') or any(ord(c) <= 0x20 for c in value):
        raise ValueError(f"not an IRI: {value!r}")
    return f"<{value}>"


def add_using(update: str, using: Sequence[str], using_named: Sequence[str]) -> str:
    """Give every ``DELETE``/``INSERT … WHERE`` operation the protocol's dataset.

    ``using-graph-uri``/``using-named-graph-uri`` act as ``USING``/``USING NAMED`` clauses of
    each operation that has a ``WHERE``; ``DELETE WHERE { P }`` is first spelled out as
    ``DELETE { P } WHERE { P }`` (its definition) so that it can carry them. Operations without
    a ``WHERE`` (``INSERT DATA``, ``CLEAR`` …) are unaffected, as in the protocol.
    """
    clause = " ".join(
        [f"USING {_iri(g)}" for g in using] + [f"USING NAMED {_iri(g)}" for g in using_named]
    )
    if not clause:
        return update
    toks = list(tokens(update))
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    op_start = True
    op_first: str | None = None
    prev: Token | None = None
    for i, tok in enumerate(toks):
        if tok.depth == 0 and tok.kind == "semi":
            op_start, op_first, prev = True, None, None
            continue
        kw = tok.keyword
        if tok.depth == 0 and kw is not None:
            if op_start and kw not in {"PREFIX", "BASE"}:
                op_first, op_start = kw, False
            if kw == "WHERE" and op_first in {"INSERT", "DELETE"}:
                if prev is not None and prev.keyword == "DELETE":
                    # DELETE WHERE { P }  ->  DELETE { P } USING ... WHERE { P }
                    close = _matching_close(toks, i + 1)
                    if close is None:
                        return update  # malformed: let the engine report it
                    pattern = update[toks[i + 1].start:toks[close].end]
                    edits.append((tok.start, toks[close].end,
                                  f"{pattern} {clause} WHERE {pattern}"))
                else:
                    edits.append((tok.start, tok.start, f"{clause} "))
        if tok.depth == 0 or (tok.kind == "close" and tok.depth == 1):
            prev = tok
    out = update
    for start, end, text in reversed(edits):
        out = out[:start] + text + out[end:]
    return out


def _matching_close(toks: list[Token], i: int) -> int | None:
    if i >= len(toks) or toks[i].kind != "open":
        return None
    depth = toks[i].depth
    for j in range(i + 1, len(toks)):
        if toks[j].kind == "close" and toks[j].depth == depth + 1:
            return j
    return None


def silent_clear(update: str) -> str:
    """``CLEAR GRAPH <g>`` → ``CLEAR SILENT GRAPH <g>``.

    The service does not keep empty graphs (a graph exists while it holds triples), so clearing
    a graph that does not exist is clearing an empty graph: a no-op, not an error (the W3C
    protocol test ``update_base_uri`` relies on it; Fuseki behaves the same).
    """
    toks = list(tokens(update))
    out = update
    following: list[Token | None] = [*toks[1:], None] if toks else []
    for tok, nxt in reversed(list(zip(toks, following, strict=True))):
        if tok.depth == 0 and tok.keyword == "CLEAR" and (nxt is None or nxt.keyword != "SILENT"):
            out = out[:tok.end] + " SILENT" + out[tok.end:]
    return out
