"""Sources beyond the first article: scaffold one from plain text, then check them all.

The data traces every fact to the sentence that states it (docs/MODELLING.md). A second article
is added the same way: :func:`scaffold` turns its plain text into a TriG file that describes the
article and each of its sentences (``akg:Sentence`` with its exact text, paragraph and
position, under stable IRIs ``akr:<slug>`` and ``akr:<slug>-sNN``) and leaves one commented
graph block per sentence for the curator to fill with that sentence's facts. Sentences are
split by pySBD (rule-based sentence boundaries) within each non-empty line, a line being a
paragraph as in ``data/article/source.trig``; on the shipped article this gives exactly the 35
sentences curated by hand.

:func:`coverage` then says, per source, which sentences carry no fact yet, and
:func:`conflicts` which single-valued statements two sources make differently (the SCC met on
28 July, says one; on 29 July, says another), each value with the sentence and quote stating
it. ``alliance-kg new-source`` and ``alliance-kg validate`` call these.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD
from rdflib.term import Node

from ..errors import ErrorKind, KGError
from ..namespaces import AKG, AKR
from .merge import _compatible
from .names import compact, plain

#: A slug becomes part of every IRI of the source: lower-case words joined by hyphens.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

#: Statements a subject has one value of: two sources giving two values disagree. Dates are
#: compared as precisely as each source states them (akg:dateAsStated): "2024-07" agrees
#: with "2024-07-28", "2024-07-29" does not.
SINGLE_VALUED: dict[URIRef, URIRef | None] = {
    AKG.date: AKG.dateAsStated,
    AKG.targetDate: AKG.targetDateAsStated,
    AKG.requiredRank: None,
    AKG.personnelStrength: None,
    AKG.shareOfGDP: None,
}


@dataclass(frozen=True)
class Sentence:
    iri: str
    paragraph: int
    position: int
    quote: str


def split(text: str, *, language: str = "en") -> list[tuple[int, str]]:
    """(paragraph, sentence) for every sentence of ``text``; a paragraph is a non-empty line."""
    import pysbd  # only scaffolding needs it, not validate

    segmenter = pysbd.Segmenter(language=language, clean=False)
    out: list[tuple[int, str]] = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for n, line in enumerate(lines, start=1):
        out += [(n, s.strip()) for s in segmenter.segment(line) if s.strip()]
    return out


def sentences(text: str, slug: str, *, language: str = "en") -> list[Sentence]:
    """The sentences of ``text`` with their stable IRIs ``akr:<slug>-sNN`` (numbered from 1,
    at least two digits)."""
    check_slug(slug)
    found = split(text, language=language)
    width = max(2, len(str(len(found))))
    return [Sentence(f"{AKR}{slug}-s{i:0{width}d}", paragraph, i, quote)
            for i, (paragraph, quote) in enumerate(found, start=1)]


def slug_of(file_name: str) -> str:
    """A source name from a file name: ``Japan's Defence 2025.txt`` -> ``japan-s-defence-2025``."""
    if file_name == "-":
        raise KGError(ErrorKind.BAD_INPUT, "standard input needs --name SLUG", file="<stdin>")
    stem = Path(file_name).stem
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    check_slug(slug)
    return slug


def check_slug(slug: str) -> None:
    if not SLUG.fullmatch(slug):
        raise KGError(ErrorKind.BAD_INPUT, f"bad source name {slug!r}: use lower-case letters, "
                                           "digits and single hyphens (it becomes akr:<name>)")


def scaffold(text: str, slug: str, *, title: str | None = None, author: str | None = None,
             language: str = "en") -> str:
    """The TriG of a new source: the article, its sentences, and an empty graph block per
    sentence (commented out: the curator writes that sentence's facts into it). The same text
    and slug always give the same bytes. ``title`` defaults to the first line; ``author`` is
    the slug of the person who wrote it (``akr:<author>``, described elsewhere), else the
    curator adds ``dcterms:creator`` (the shapes ask for it)."""
    found = sentences(text, slug, language=language)
    if author is not None:
        check_slug(author)
    if not found:
        raise KGError(ErrorKind.BAD_INPUT, "the text has no sentence")
    article = f"akr:{slug}"
    name = title or next(line.strip() for line in text.splitlines() if line.strip())
    out = [
        f"# Source {article}, scaffolded by `alliance-kg new-source`: the text and its sentences.",
        "# Add each sentence's facts inside its graph block below (uncomment it); a sentence",
        "# without facts is listed by `alliance-kg validate`.",
        "",
        "@prefix akg: <https://w3id.org/alliance-kg/ontology/> .",
        "@prefix akr: <https://w3id.org/alliance-kg/resource/> .",
        "@prefix akv: <https://w3id.org/alliance-kg/vocab/> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix prov: <http://www.w3.org/ns/prov#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "",
        "# The text itself, in the graph named by the article (docs/MODELLING.md, \"Sources\").",
        f"{article} {{",
        f"    {article}",
        "        a akg:Article ;",
        f"        rdfs:label {_text(name, language)} ;",
        f"        dcterms:title {_text(name, language)} ;",
        f"        dcterms:language {_text(language)} ;",
        *([f"        dcterms:creator akr:{author} ;"] if author else []),
        f"        akg:sentenceCount {len(found)} .",
    ]
    for s in found:
        local = f"akr:{s.iri[len(str(AKR)):]}"
        out += ["", f"    {local}", "        a akg:Sentence ;",
                f"        rdfs:label {_text(f'Sentence {s.position} of {name}', 'en')} ;",
                f"        dcterms:isPartOf {article} ;",
                f"        akg:paragraph {s.paragraph} ;",
                f"        akg:position {s.position} ;",
                f"        akg:quote {_text(s.quote, language)} ."]
    out.append("}")
    for s in found:
        local = f"akr:{s.iri[len(str(AKR)):]}"
        short = s.quote if len(s.quote) <= 90 else s.quote[:89] + "…"
        out += ["", f"# s{s.position} \"{short}\"", f"# {local} {{", "# }"]
    return "\n".join(out) + "\n"


def write_scaffold(path: Path, text: str, slug: str, *, title: str | None = None,
                   author: str | None = None, force: bool = False) -> int:
    """Write :func:`scaffold` to ``path``; refuses to overwrite (curated facts would be lost)
    unless ``force``. Returns the number of sentences."""
    data = scaffold(text, slug, title=title, author=author)
    if path.exists() and not force:
        raise KGError(ErrorKind.CONFLICT, "exists already: a scaffold would overwrite its "
                                          "curated facts (give --force to replace it)",
                      file=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data, encoding="utf-8")
    return len(sentences(text, slug))


def _text(value: str, language: str | None = None) -> str:
    return Literal(value, lang=language).n3() if language else Literal(value).n3()


# -- checking sources -----------------------------------------------------------------------------


@dataclass
class SourceCoverage:
    article: str
    sentences: int
    #: sentences whose graph states nothing (about anything other than the sentence itself)
    without_facts: list[str] = field(default_factory=list)


@dataclass
class SourceConflict:
    subject: str
    property: str
    #: (value as stated, sentence, quote)
    values: list[tuple[str, str, str]]

    def to_text(self) -> str:
        lines = [f"conflict: {compact(URIRef(self.subject))} {self.property}:"]
        lines += [f"  {v}  ({compact(URIRef(s))}: \u201c{q}\u201d)" for v, s, q in self.values]
        return "\n".join(lines)


def coverage(ds: rdflib.Dataset, union: rdflib.Graph | None = None) -> list[SourceCoverage]:
    """Per article in ``ds``, its sentences and those whose graph carries no fact yet.
    ``union``: all of ``ds``'s triples in one graph, when the caller has it already."""
    union = _union(ds) if union is None else union
    # one pass over the quads: a per-sentence graph lookup scans every context's triples
    with_facts = {_name(g) for subj, _, _, g in ds.quads((None, None, None, None))
                  if subj != _name(g)}
    out = []
    for article in sorted({a for a in union.subjects(RDF.type, AKG.Article)}, key=str):
        mine = sorted((s for s in union.subjects(DCTERMS.isPartOf, article)
                       if (s, RDF.type, AKG.Sentence) in union),
                      key=lambda s: _position(union, s))
        empty = [str(s) for s in mine if s not in with_facts]
        out.append(SourceCoverage(str(article), len(mine), empty))
    return out


def conflicts(ds: rdflib.Dataset, union: rdflib.Graph | None = None) -> list[SourceConflict]:
    """Single-valued statements (:data:`SINGLE_VALUED`) that sentences of different articles
    make about one subject with incompatible values, each value with its sentence's quote."""
    union = _union(ds) if union is None else union
    article_of = {s: a for s, a in union.subject_objects(DCTERMS.isPartOf)
                  if (s, RDF.type, AKG.Sentence) in union}
    found: dict[tuple[Node, URIRef], dict[Node, list[Node]]] = defaultdict(
        lambda: defaultdict(list))
    # one pass per property over its quads (not one lookup per sentence graph, which scans
    # every context: 88 s for 10^5 generated triples)
    for prop, stated in SINGLE_VALUED.items():
        shown_in: dict[tuple[Node, Node], Node] = {}
        if stated is not None:
            for subject, _, shown, g in sorted(ds.quads((None, stated, None, None)), key=str):
                if _name(g) in article_of:
                    shown_in.setdefault((_name(g), subject), shown)
        for subject, _, value, g in ds.quads((None, prop, None, None)):
            sentence = _name(g)
            if sentence in article_of:
                said = shown_in.get((sentence, subject))
                found[(subject, prop)][said if said is not None else value].append(sentence)
    out = []
    for (subject, prop), values in sorted(found.items(), key=lambda kv: (str(kv[0][0]),
                                                                          str(kv[0][1]))):
        articles = {article_of[s] for sents in values.values() for s in sents}
        if len(articles) < 2 or _compatible(list(values)):
            continue
        rows = [(plain(v), str(s), str(union.value(s, AKG.quote)))
                for v in sorted(values, key=str) for s in sorted(set(values[v]), key=str)]
        out.append(SourceConflict(str(subject), compact(prop), rows))
    return out


def check(ds: rdflib.Dataset) -> tuple[list[SourceCoverage], list[SourceConflict]]:
    """Coverage and conflicts of ``ds`` with one union of its graphs (``validate`` shows both
    in every report format)."""
    union = _union(ds)
    return coverage(ds, union), conflicts(ds, union)


def report_text(ds: rdflib.Dataset,
                found: tuple[list[SourceCoverage], list[SourceConflict]] | None = None) -> str:
    """What ``alliance-kg validate`` adds to its report: sentences without facts per source,
    then the conflicts between sources (``found``: :func:`check`'s answer, if at hand)."""
    covered, conflicting = check(ds) if found is None else found
    lines = []
    for c in covered:
        if c.without_facts:
            names = ", ".join(compact(URIRef(s)) for s in c.without_facts)
            lines.append(f"source {compact(URIRef(c.article))}: {len(c.without_facts)} of "
                         f"{c.sentences} sentences carry no fact: {names}")
        else:
            lines.append(f"source {compact(URIRef(c.article))}: every one of its "
                         f"{c.sentences} sentences carries a fact")
    lines += [c.to_text() for c in conflicting]
    return "\n".join(lines) + ("\n" if lines else "")


def report_records(ds: rdflib.Dataset,
                   found: tuple[list[SourceCoverage], list[SourceConflict]] | None = None,
                   ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """What ``report_text`` says, as records for the JSON and JUnit reports: per source its
    sentences and those without facts, and each conflict with its values and quotes."""
    covered, conflicting = check(ds) if found is None else found
    sources: list[dict[str, object]] = [
        {"source": compact(URIRef(c.article)), "iri": c.article, "sentences": c.sentences,
         "withoutFacts": [compact(URIRef(s)) for s in c.without_facts]}
        for c in covered]
    records: list[dict[str, object]] = [
        {"subject": compact(URIRef(c.subject)), "property": c.property,
         "values": [{"value": v, "sentence": compact(URIRef(s)), "quote": q}
                    for v, s, q in c.values]}
        for c in conflicting]
    return sources, records


def _name(g: Any) -> Node:
    """A quad's graph as its name (rdflib yields the graph object or its identifier)."""
    name: Node = getattr(g, "identifier", g)
    return name


def _union(ds: rdflib.Dataset) -> rdflib.Graph:
    g = rdflib.Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def _position(g: rdflib.Graph, sentence: Node) -> tuple[int, str]:
    value = g.value(sentence, AKG.position)
    if isinstance(value, Literal) and value.datatype == XSD.integer:
        return (int(value.toPython()), str(sentence))
    return (0, str(sentence))

