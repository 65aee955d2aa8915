"""Full-text search over the graph's names, quotes and claims (issue 15), with no HTTP here.

The index is SQLite FTS5 from the standard library, in memory, one row per *text quad*: a
literal under a label property (``rdfs:label``, ``skos:prefLabel``/``altLabel``, titles, names,
notations), a sentence's ``akg:quote``, a claim's ``akg:claimText``, or any string literal of a
merged source's graph (``akgraph:source/…``). Every graph is read but the shapes, the dataset
description and the merge catalogue. ``rdf:type`` quads are kept beside it, so a hit can say
what its subject is and ``type=`` can filter by class (inferred types included).

Why FTS5 (docs/SEARCH.md has the measurements): it ships with Python (no dependency, no
download), it updates row by row inside a transaction (the write path's deltas are small), and
its ``unicode61`` tokenizer with ``remove_diacritics 2`` gives word and prefix search; a
``trigram`` index over the *vocabulary* finds the words one or two edits away from a typo.
Japanese has no spaces, so CJK runs are indexed as overlapping character bigrams (and single
characters), the CJKAnalyzer recipe of Lucene: any substring of two or more characters is a
phrase of bigrams, one character a unigram.

Text is normalised once in :func:`normalise` (NFKC, case folding, Latin diacritics removed;
kana keep their voicing marks) for the index, the query, the vocabulary and the highlighting,
so all four agree.

The index is built from the store at start-up (:meth:`SearchIndex.build`) and moved by each
applied write's quads (:meth:`SearchIndex.apply`), in one SQLite transaction, after the store
has taken them.
"""

from __future__ import annotations

import html
import re
import sqlite3
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS

from ..errors import ErrorKind, KGError
from ..knowledge.names import compact_iri as curie
from ..namespaces import (
    AKG,
    AKV,
    CATALOGUE,
    DESCRIPTION,
    INFERRED,
    ONTOLOGY,
    SCHEMA,
    SHAPES,
    SOURCE_GRAPH_PREFIX,
)

if TYPE_CHECKING:
    from ..store.base import Store

#: what matched, by predicate: (kind, weight in the ranking)
SENTENCE, CLAIM, ENTITY, TERM = "sentence", "claim", "entity", "term"
KINDS = (ENTITY, TERM, SENTENCE, CLAIM)
LABELS: dict[str, float] = {
    str(RDFS.label): 1.0, str(SKOS.prefLabel): 1.0, str(SKOS.altLabel): 0.9,
    str(SKOS.hiddenLabel): 0.6, str(SKOS.notation): 0.9, str(DCTERMS.title): 0.9,
    str(SCHEMA.name): 1.0, str(SCHEMA.alternateName): 0.9, str(FOAF.name): 1.0,
}
QUOTE, CLAIM_TEXT = str(AKG.quote), str(AKG.claimText)
TEXTS: dict[str, tuple[str, float]] = {QUOTE: (SENTENCE, 0.7), CLAIM_TEXT: (CLAIM, 0.7)}
#: predicates whose literals name their subject (the label shown for a hit)
NAMING = (str(SKOS.prefLabel), str(RDFS.label), str(SCHEMA.name), str(FOAF.name),
          str(DCTERMS.title), str(SKOS.altLabel))
#: literals of another predicate in a merged source's graph weigh this much
SOURCE_WEIGHT = 0.5
RDF_TYPE = str(RDF.type)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = str(RDF.langString)
SKIPPED_GRAPHS = frozenset({str(SHAPES), str(DESCRIPTION), str(CATALOGUE)})
ONTOLOGY_IRI = str(ONTOLOGY)
#: the namespaces of our ontology's and vocabularies' terms
OUR_TERMS = (str(AKG), str(AKV))
INFERRED_IRI = str(INFERRED)

#: a query longer than this is refused (400): it would only be slower, never better
MAX_QUERY_CHARS = 200
#: words of a text searched (the rest are left out), and of them the ones spell-corrected
MAX_WORDS = 16
MAX_CORRECTED = 4
#: hits one search may return
MAX_LIMIT = 100
#: a literal's first characters indexed (a longer one is still found by its beginning)
MAX_TEXT_CHARS = 4000
#: matching rows scored per search, shortest texts first (+ 4 per hit asked for): bounds
#: a search's work whatever the number of matches
POOL = 60
#: characters of context either side of the first match in a snippet
SNIPPET_CONTEXT = 60

_WORD = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
                  r"\u31f0-\u31ff\u3005\u3006]+")


def _is_cjk(ch: str) -> bool:
    return bool(_CJK.fullmatch(ch))


def _fold(ch: str) -> str:
    """One character normalised: NFKC, case-folded, a Latin/Greek/Cyrillic letter's diacritics
    dropped (a kana's voicing mark is part of the letter and stays)."""
    text = unicodedata.normalize("NFKC", ch).casefold()
    if text and ord(text[0]) < 0x2000:
        text = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
    return text


def normalise(text: str) -> str:
    """The text as the index and every query see it."""
    if text.isascii():
        return text.lower()
    return "".join(_fold(ch) for ch in text)


def _normalised_with_map(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index of the original one."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold(ch)
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where


def words(norm: str) -> list[str]:
    """The word tokens of normalised text outside CJK runs (what ``unicode61`` indexes)."""
    return _WORD.findall(_CJK.sub(" ", norm))


def grams(norm: str) -> tuple[str, str]:
    """(bigrams, unigrams) of the CJK runs of normalised text, space-separated."""
    bi: list[str] = []
    uni: list[str] = []
    for run in _CJK.findall(norm):
        uni.extend(run)
        bi.extend(run[i:i + 2] for i in range(len(run) - 1))
    return " ".join(bi), " ".join(uni)


def _fts_values(norm: str, kind: str, lang: str, tokens: list[str]
                ) -> tuple[str, str, str, str, str]:
    """The indexed columns of a row: words, CJK bigrams and characters, kind, language."""
    return (" ".join(tokens), *grams(norm), kind, lang)


def _fts_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def edit_distance(a: str, b: str, cap: int) -> int:
    """Levenshtein distance, or ``cap + 1`` as soon as it must exceed ``cap``."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        if min(current) > cap:
            return cap + 1
        previous = current
    return previous[-1]


@dataclass
class Hit:
    """One subject found, by its best-matching literal."""

    iri: str
    kind: str  #: entity, term (of the ontology or a vocabulary), sentence, claim
    predicate: str  #: the predicate whose literal matched
    text: str  #: the literal
    lang: str  #: its language tag ("" for none)
    graph: str  #: a graph that holds the quad
    score: float
    snippet: str = ""
    marks: list[tuple[int, int]] = field(default_factory=list)  #: spans of the snippet
    label: str = ""  #: the subject's name, in the language asked for when it has one
    types: list[str] = field(default_factory=list)  #: its classes, asserted ones first
    corrected: bool = False  #: found through a spelling correction

    def snippet_html(self) -> str:
        out: list[str] = []
        last = 0
        for start, end in self.marks:
            out += [html.escape(self.snippet[last:start]), "<mark>",
                    html.escape(self.snippet[start:end]), "</mark>"]
            last = end
        out.append(html.escape(self.snippet[last:]))
        return "".join(out)


@dataclass
class Query:
    """A search request, checked."""

    text: str
    kind: str | None = None
    type: str | None = None  #: a class IRI
    lang: str | None = None
    limit: int = 10
    max_limit: int = MAX_LIMIT  #: SPARQL joins may ask for more (searchquery.MAX_HITS)

    def __post_init__(self) -> None:
        self.text = self.text.strip()
        if not self.text:
            raise KGError(ErrorKind.BAD_INPUT, "the search text is empty")
        if len(self.text) > MAX_QUERY_CHARS:
            raise KGError(ErrorKind.BAD_INPUT, f"the search text has {len(self.text)} "
                          f"characters; at most {MAX_QUERY_CHARS} are searched")
        if self.kind is not None and self.kind not in KINDS:
            raise KGError(ErrorKind.BAD_INPUT, f"unknown kind of hit {self.kind!r}: one of "
                          f"{', '.join(KINDS)}")
        if not 1 <= self.limit <= self.max_limit:
            raise KGError(ErrorKind.BAD_INPUT, f"limit must be 1 to {self.max_limit}, not "
                          f"{self.limit}")
        if self.lang is not None and not re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*",
                                                      self.lang):
            raise KGError(ErrorKind.BAD_INPUT, f"not a language tag: {self.lang!r}")
        if self.lang is not None:
            self.lang = self.lang.lower()


_SCHEMA = """
CREATE TABLE doc(id INTEGER PRIMARY KEY, g TEXT NOT NULL, s TEXT NOT NULL, p TEXT NOT NULL,
                 lang TEXT NOT NULL, text TEXT NOT NULL, kind TEXT NOT NULL,
                 weight REAL NOT NULL, norm TEXT NOT NULL);
CREATE INDEX doc_s ON doc(s, p);  -- named in queries: SQLite has no statistics to choose
CREATE INDEX doc_g ON doc(g);
CREATE INDEX doc_norm ON doc(norm);
CREATE VIRTUAL TABLE fts USING fts5(norm, bi, uni, kind, lang, content='',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3');
CREATE TABLE types(s TEXT NOT NULL, type TEXT NOT NULL, g TEXT NOT NULL);
CREATE INDEX types_s ON types(s, type);
CREATE INDEX types_g ON types(g);
CREATE TABLE vocab(id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE, n INTEGER NOT NULL);
CREATE VIRTUAL TABLE vocab_tri USING fts5(term, content='', tokenize='trigram', detail=none);
"""


def _text_row(q: ox.Quad) -> tuple[str, str, str, str, str, str, float] | None:
    """(g, s, p, lang, text, kind, weight) of a quad the index holds, else None."""
    o, g = q.object, q.graph_name
    if not isinstance(o, ox.Literal) or not isinstance(g, ox.NamedNode):
        return None
    graph = g.value
    if graph in SKIPPED_GRAPHS or o.datatype.value not in (XSD_STRING, LANG_STRING):
        return None
    s = q.subject
    if isinstance(s, ox.Triple):
        return None
    subject = s.value if isinstance(s, ox.NamedNode) else f"_:{s.value}"
    p = q.predicate.value
    if p in TEXTS:
        kind, weight = TEXTS[p]
    elif p in LABELS:
        # our vocabulary's labels are also data (the build's vocabulary view): still terms
        term = graph == ONTOLOGY_IRI or subject.startswith(OUR_TERMS)
        kind, weight = (TERM if term else ENTITY), LABELS[p]
    elif graph.startswith(SOURCE_GRAPH_PREFIX):
        kind, weight = ENTITY, SOURCE_WEIGHT
    else:
        return None
    return graph, subject, p, (o.language or "").lower(), o.value, kind, weight


def _type_row(q: ox.Quad) -> tuple[str, str, str] | None:
    g = q.graph_name
    if (q.predicate.value != RDF_TYPE or not isinstance(q.object, ox.NamedNode)
            or not isinstance(g, ox.NamedNode) or g.value in SKIPPED_GRAPHS
            or not isinstance(q.subject, ox.NamedNode)):
        return None
    return q.subject.value, q.object.value, g.value


class SearchIndex:
    """The full-text index of one store. Thread-safe: one lock around one SQLite connection
    (a search takes a millisecond or two; a write's update a few)."""

    def __init__(self) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        #: seconds the last build took, and rows in the index (for logs and the benchmark)
        self.build_seconds = 0.0

    # -- building and keeping current ---------------------------------------------------

    @classmethod
    def build(cls, store: Store) -> SearchIndex:
        """The index of everything ``store`` holds (one pass over its quads)."""
        return cls.of_quads(_all_quads(store))

    @classmethod
    def of_quads(cls, quads: Iterable[ox.Quad]) -> SearchIndex:
        """The index of these quads (the command line's dataset, a store's)."""
        start = time.perf_counter()
        index = cls()
        index.apply((), quads, ())
        # one segment per table: the small segments each write adds then merge among
        # themselves, instead of cascading into the build's (a one-entity write's p99 at 10^6
        # was 24 ms to 48 ms, FTS5's automatic merges; the store's own write takes 10 ms)
        with index._lock:
            index._db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
            index._db.execute("INSERT INTO vocab_tri(vocab_tri) VALUES ('optimize')")
        index.build_seconds = time.perf_counter() - start
        return index

    def apply(self, removed: Iterable[ox.Quad], added: Iterable[ox.Quad],
              cleared: Sequence[str] = ()) -> None:
        """Move the index as the store moved: ``cleared`` graphs emptied, then ``removed``
        taken out, then ``added`` put in (the order of ``Store.apply_delta``), at once."""
        with self._lock:
            db = self._db
            db.execute("BEGIN")
            try:
                for graph in cleared:
                    ids = [r[0] for r in db.execute("SELECT id FROM doc WHERE g = ?", (graph,))]
                    self._delete_docs(ids)
                    db.execute("DELETE FROM types WHERE g = ?", (graph,))
                gone: list[int] = []
                for q in removed:
                    row = _text_row(q)
                    if row is not None:
                        gone.extend(r[0] for r in db.execute(
                            "SELECT id FROM doc INDEXED BY doc_s WHERE s = ? AND p = ? AND g = ? "
                            "AND lang = ? AND text = ?", (row[1], row[2], row[0], row[3], row[4])))
                    elif (t := _type_row(q)) is not None:
                        db.execute("DELETE FROM types INDEXED BY types_s WHERE s = ? AND "
                                   "type = ? AND g = ?", t)
                self._delete_docs(gone)
                self._insert(added)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _insert(self, quads: Iterable[ox.Quad]) -> None:
        """Add the text and type quads among ``quads``. Rows are numbered shortest text first,
        labels before quotes: a search that matches very many rows ranks only the first
        :data:`RANKED` of them in that order (see :meth:`search`), which are the best anyway."""
        db = self._db
        docs: list[tuple[int, float, tuple[str, str, str, str, str, str, float, str]]] = []
        types: list[tuple[str, str, str]] = []
        vocab: Counter[str] = Counter()
        for q in quads:
            row = _text_row(q)
            if row is None:
                t = _type_row(q)
                if t is not None:
                    types.append(t)
                continue
            norm = normalise(row[4][:MAX_TEXT_CHARS])
            docs.append((len(norm), -row[6], (*row, norm)))
        docs.sort(key=lambda d: (d[0], d[1], d[2][7]))
        first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM doc").fetchone()[0]
        for start in range(0, len(docs), 20_000):
            chunk = [d[2] for d in docs[start:start + 20_000]]
            db.executemany("INSERT INTO doc(id, g, s, p, lang, text, kind, weight, norm) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [(first + start + i, *d) for i, d in enumerate(chunk)])
            rows = []
            for i, d in enumerate(chunk):
                tokens = words(d[7])
                vocab.update(set(tokens))
                rows.append((first + start + i, *_fts_values(d[7], d[5], d[3], tokens)))
            db.executemany("INSERT INTO fts(rowid, norm, bi, uni, kind, lang) "
                           "VALUES (?, ?, ?, ?, ?, ?)", rows)
        if types:
            db.executemany("INSERT INTO types(s, type, g) VALUES (?, ?, ?)", types)
        self._count_terms(vocab, +1)

    def _delete_docs(self, ids: list[int]) -> None:
        if not ids:
            return
        db = self._db
        vocab: Counter[str] = Counter()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(f"SELECT id, norm, kind, lang FROM doc WHERE id IN ({marks})",
                              chunk).fetchall()
            for doc_id, norm, kind, lang in rows:
                tokens = words(norm)
                vocab.update(set(tokens))
                # a contentless table forgets a row given the values it was indexed with
                db.execute("INSERT INTO fts(fts, rowid, norm, bi, uni, kind, lang) "
                           "VALUES ('delete', ?, ?, ?, ?, ?, ?)",
                           (doc_id, *_fts_values(norm, kind, lang, tokens)))
            db.execute(f"DELETE FROM doc WHERE id IN ({marks})", chunk)
        self._count_terms(vocab, -1)

    def _count_terms(self, counts: Counter[str], sign: int) -> None:
        db = self._db
        for term, n in counts.items():
            found = db.execute("SELECT id, n FROM vocab WHERE term = ?", (term,)).fetchone()
            if found is None:
                if sign > 0:
                    cur = db.execute("INSERT INTO vocab(term, n) VALUES (?, ?)", (term, n))
                    if len(term) >= 3:
                        db.execute("INSERT INTO vocab_tri(rowid, term) VALUES (?, ?)",
                                   (cur.lastrowid, term))
                continue
            term_id, old = found
            if old + sign * n > 0:
                db.execute("UPDATE vocab SET n = ? WHERE id = ?", (old + sign * n, term_id))
            else:
                db.execute("DELETE FROM vocab WHERE id = ?", (term_id,))
                if len(term) >= 3:
                    db.execute("INSERT INTO vocab_tri(vocab_tri, rowid, term) "
                               "VALUES ('delete', ?, ?)", (term_id, term))

    def size(self) -> int:
        with self._lock:
            count: int = self._db.execute("SELECT count(*) FROM doc").fetchone()[0]
            return count

    # -- searching ------------------------------------------------------------------------

    def _corrections(self, token: str) -> list[str]:
        """Vocabulary words one edit (two for words of eight letters or more) from a token no
        word starts with, nearest and most frequent first."""
        db = self._db
        if db.execute("SELECT 1 FROM vocab WHERE term >= ? AND term < ? LIMIT 1",
                      (token, token + "\U0010ffff")).fetchone():
            return []
        if not 4 <= len(token) <= 32:
            return []
        cap = 1 if len(token) < 8 else 2
        trigrams = {token[i:i + 3] for i in range(len(token) - 2)}
        match = " OR ".join(_fts_string(t) for t in sorted(trigrams))
        rows = db.execute("SELECT v.term, v.n FROM vocab_tri JOIN vocab v ON v.id = "
                          "vocab_tri.rowid WHERE vocab_tri MATCH ? ORDER BY rank LIMIT 50",
                          (match,)).fetchall()
        whole: list[tuple[int, int, str]] = []
        begun: list[tuple[int, int, str]] = []
        for term, n in rows:
            d = edit_distance(token, term, cap)
            if d <= cap:
                whole.append((d, -n, term))
            elif len(term) > len(token) and edit_distance(token, term[:len(token)], cap) <= cap:
                begun.append((d, -n, term))  # a word still being typed ("patri" for "patrio…")
        return [term for _, _, term in sorted(whole or begun)[:3]]

    def _match(self, norm: str) -> tuple[str, list[str], list[str], bool]:
        """The FTS5 query for normalised text, with the words and CJK runs to highlight and
        whether a spelling correction was needed."""
        parts: list[str] = []
        latin: list[str] = []
        cjk: list[str] = []
        corrected = False
        tokens = words(norm)[:MAX_WORDS]
        for n, token in enumerate(tokens):
            # the last word may be unfinished (typing): a prefix; the others are whole words
            # (a one-letter prefix in the middle would expand to thousands of words)
            last = n == len(tokens) - 1 and not norm[-1:].isspace()
            alternatives = [f"norm : {_fts_string(token)}{' *' if last else ''}"]
            latin.append(token)
            fixes = self._corrections(token) if n < MAX_CORRECTED else []
            if fixes:
                corrected = True
                latin.extend(fixes)
                alternatives += [f"norm : {_fts_string(f)}" for f in fixes]
            parts.append("(" + " OR ".join(alternatives) + ")")
        for run in _CJK.findall(norm):
            cjk.append(run)
            if len(run) == 1:
                parts.append(f"uni : {_fts_string(run)}")
            else:
                bigrams = " ".join(run[i:i + 2] for i in range(len(run) - 1))
                parts.append(f"bi : {_fts_string(bigrams)}")
        return " AND ".join(parts), latin, cjk, corrected

    def search(self, query: Query) -> list[Hit]:
        """The best ``query.limit`` subjects for ``query``, best first.

        Rows are numbered shortest text first (:meth:`_insert`), so the first matching rows
        in that order are the candidates: whole literals equal to the text are added to them,
        then each is scored by its predicate's weight and how much of the literal the query
        covers. FTS5's BM25 ranks every matching row, 55 ms for the 10^5 rows "command"
        matches at 10^6 triples; reading the first rows in order takes a few."""
        norm = normalise(query.text)
        with self._lock:
            match, latin, cjk, corrected = self._match(norm)
            if not match:
                return []
            if query.kind is not None:
                match = f"({match}) AND kind : {_fts_string(query.kind)}"
            if query.lang is not None:
                match = f"({match}) AND lang : {_fts_string(query.lang.replace('-', ' '))}"
            exact = {norm}
            if latin:
                exact |= {norm.replace(latin[0], fix) for fix in latin[1:]}
            db = self._db
            pool = POOL + 4 * query.limit
            if query.type is None:
                ids = [r[0] for r in db.execute(
                    "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid LIMIT ?",
                    (match, pool))]
            else:
                ids = [r[0] for r in db.execute(
                    "SELECT fts.rowid FROM fts JOIN doc d ON d.id = fts.rowid WHERE fts MATCH ? "
                    "AND EXISTS (SELECT 1 FROM types t INDEXED BY types_s WHERE t.s = d.s "
                    "AND t.type = ?) "
                    "ORDER BY fts.rowid LIMIT ?", (match, query.type, pool))]
            marks = ",".join("?" * len(exact))
            ids += [r[0] for r in db.execute(
                f"SELECT id FROM doc WHERE norm IN ({marks}) LIMIT ?", (*exact, pool))]
            rows: list[tuple[object, ...]] = []
            wanted = sorted(set(ids))
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                sql = (f"SELECT id, s, p, lang, text, kind, weight, g, norm FROM doc "
                       f"WHERE id IN ({','.join('?' * len(chunk))})")
                args: list[object] = list(chunk)
                if query.kind is not None:
                    sql += " AND kind = ?"
                    args.append(query.kind)
                if query.lang is not None:
                    sql += " AND (lang = ? OR lang LIKE ?)"
                    args += [query.lang, query.lang + "-%"]
                if query.type is not None:
                    sql += (" AND EXISTS (SELECT 1 FROM types t INDEXED BY types_s "
                            "WHERE t.s = doc.s AND t.type = ?)")
                    args.append(query.type)
                rows += db.execute(sql, args).fetchall()
            best: dict[tuple[str, str], tuple[float, int, Hit]] = {}
            for doc_id, s, p, lang, text, kind, weight, g, dnorm in rows:
                assert isinstance(doc_id, int) and isinstance(weight, float)
                assert isinstance(dnorm, str) and isinstance(s, str) and isinstance(kind, str)
                score = weight * (1.0 + 2.0 * min(1.0, len(norm) / max(1, len(dnorm))))
                if dnorm.strip() in exact:
                    score *= 3.0  # the whole literal is what was asked for
                elif dnorm.startswith(norm):
                    score *= 1.5
                if corrected:
                    score *= 0.5
                key = (s, kind)
                if key not in best or (score, -doc_id) > best[key][:2]:
                    best[key] = (score, -doc_id, Hit(s, kind, str(p), str(text), str(lang),
                                                      str(g), round(score, 4),
                                                      corrected=corrected))
            ranked = sorted(best.values(), key=lambda b: (-b[0], -b[1]))[:query.limit]
            hits = [hit for _, _, hit in ranked]
            for hit in hits:
                hit.snippet, hit.marks = snippet(hit.text, latin, cjk)
                hit.label = self._label(hit.iri, query.lang) or hit.text
                hit.types = self._types(hit.iri)
            return hits

    def _label(self, iri: str, lang: str | None) -> str | None:
        rows = self._db.execute(
            "SELECT p, lang, text FROM doc INDEXED BY doc_s WHERE s = ? AND p IN "
            "(?, ?, ?, ?, ?, ?)",
            (iri, *NAMING)).fetchall()
        if not rows:
            return None

        def rank(row: tuple[str, str, str]) -> tuple[int, int, str]:
            p, tag, text = row
            wanted = lang or "en"
            return (0 if tag == wanted or tag.startswith(wanted + "-") else
                    1 if tag in ("en", "") else 2, NAMING.index(p), text)

        return str(min(rows, key=rank)[2])

    def _types(self, iri: str) -> list[str]:
        rows = self._db.execute("SELECT DISTINCT type, g FROM types INDEXED BY types_s "
                                "WHERE s = ?",
                                (iri,)).fetchall()
        stated = {t for t, g in rows if g != INFERRED_IRI}
        inferred = {t for t, g in rows if g == INFERRED_IRI} - stated
        ours = str(AKG)

        def order(t: str) -> tuple[bool, str]:
            return not t.startswith(ours), t

        return sorted(stated, key=order) + sorted(inferred, key=order)

    def label_of(self, iri: str, lang: str | None = None) -> str | None:
        with self._lock:
            return self._label(iri, lang)


def answer(index: SearchIndex, query: Query) -> dict[str, Any]:
    """The answer to ``query`` as JSON-ready data: what ``GET /search`` sends (plus each hit's
    page on the server) and ``alliance-kg search --format json`` prints."""
    start = time.perf_counter()
    hits = index.search(query)
    took = (time.perf_counter() - start) * 1000
    out = []
    for hit in hits:
        first = hit.types[0] if hit.types else None
        out.append({
            "iri": hit.iri, "curie": curie(hit.iri), "label": hit.label, "kind": hit.kind,
            "type": first, "type_label": index.label_of(first, query.lang) if first else None,
            "types": hit.types,
            "matched": {"predicate": hit.predicate, "text": hit.text, "lang": hit.lang or None,
                        "graph": hit.graph},
            "snippet": hit.snippet, "highlights": [list(m) for m in hit.marks],
            "snippet_html": hit.snippet_html(), "score": hit.score,
            "corrected": hit.corrected,
        })
    return {"query": query.text, "kind": query.kind, "type": query.type, "lang": query.lang,
            "limit": query.limit, "took_ms": round(took, 2), "hits": out}


def snippet(text: str, latin: Sequence[str], cjk: Sequence[str]
            ) -> tuple[str, list[tuple[int, int]]]:
    """A window of ``text`` around its first match, and the spans that matched in it: words
    starting with a searched word, and the searched CJK runs wherever they occur."""
    norm, where = _normalised_with_map(text)
    spans: list[tuple[int, int]] = []
    for m in _WORD.finditer(norm):
        word = m.group(0)
        if _CJK.search(word):
            continue
        hit = max((len(t) for t in latin if word.startswith(t)), default=0)
        if hit:
            spans.append((m.start(), m.end()))
    for run in cjk:
        start = norm.find(run)
        while start >= 0:
            spans.append((start, start + len(run)))
            start = norm.find(run, start + len(run))
    original = sorted({(where[a], where[b - 1] + 1) for a, b in spans if b > a})
    merged: list[tuple[int, int]] = []
    for a, b in original:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    limit = 2 * SNIPPET_CONTEXT + 80
    if len(text) <= limit:
        return text, merged
    first = merged[0][0] if merged else 0
    start = max(0, first - SNIPPET_CONTEXT)
    end = min(len(text), start + limit)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    kept = [(a + shift, min(b, end) + shift) for a, b in merged if a < end and a >= start]
    return prefix + text[start:end] + suffix, kept


def _all_quads(store: Store) -> Iterator[ox.Quad]:
    """Every quad of the store: read in place from an embedded Oxigraph store, else from one
    N-Quads dump (a remote store: one request)."""
    from ..formats import BY_KEY
    from ..store.oxigraph import OxigraphStore

    if isinstance(store, OxigraphStore):
        yield from store.ox.quads_for_pattern(None, None, None, None)
        return
    yield from ox.parse(store.dump(BY_KEY["nquads"]), ox.RdfFormat.N_QUADS)
