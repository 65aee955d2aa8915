"""Synthetic, ontology-conformant data at any size, for benchmarks and scale tests.

The shipped article gives ~1,100 asserted triples; users merge it with millions. The generator
makes data with the same shape as ours — states, military commands in subordination chains with
counterparts, posts and tenures, frameworks with parties, meetings that announce changes with
statuses and target dates, transfers, and claims traced to the sentences of synthetic articles —
so that loading, reasoning, validation and queries can be measured at 10^4 … 10^6 triples on
data the shapes accept and the ontology reasons over as it does over the real data.

Output is N-Triples, written as it is made (constant memory), and the same ``(n, seed)`` gives
byte-identical output. Sizes land within a few triples of ``n`` (one unit more at most).
"""

from __future__ import annotations

import calendar
import itertools
import random
from typing import TextIO

from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from ..namespaces import AKG, AKR, AKV, GRAPH, ORG, SCHEMA

BASE = str(AKR) + "gen/"
_STATUSES = ("announced", "planned", "possible", "in-force", "completed", "ongoing")
_PENDING = frozenset({"announced", "planned", "possible"})
_LIKELIHOODS = ("almost-certain", "likely", "unlikely")
_KINDS = ("bilateral", "trilateral", "minilateral")


def _iri(value: object) -> str:
    return f"<{value}>"


def _lit(text: str, lang: str = "en") -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + f'"@{lang}'


def _typed(value: object, datatype: object) -> str:
    return f'"{value}"^^<{datatype}>'


class _Writer:
    def __init__(self, out: TextIO) -> None:
        self.out, self.count = out, 0

    def t(self, s: str, p: object, o: str) -> None:
        self.out.write(f"{s} <{p}> {o} .\n")
        self.count += 1


def generate_source(n_triples: int, seed: int, out: TextIO) -> int:
    """:func:`generate`'s triples as TriG, in one named graph that names the generator (and
    seed) as its source: data that ``alliance-kg build`` accepts in ``data/``, where every
    triple must have a source (``knowledge/provenance.py``)."""
    graph = f"<{GRAPH}generated/{n_triples}-{seed}>"
    out.write(f"{graph} {{\n{graph} <{PROV.wasDerivedFrom}> <{BASE}generator/seed-{seed}> .\n")
    count = generate(n_triples, seed, out)
    out.write("}\n")
    return count


def generate(n_triples: int, seed: int, out: TextIO) -> int:
    """Write about ``n_triples`` triples of synthetic data to ``out``; returns the count."""
    rng = random.Random(seed)
    w = _Writer(out)
    typ, label = RDF.type, RDFS.label
    states: list[str] = []
    commands: list[str] = []
    people: list[str] = []
    posts: list[str] = []

    def node(kind: str, i: int) -> str:
        return _iri(f"{BASE}{kind}-{i}")

    # a small world first: states, people, an author and an article with sentences
    for i in range(20):
        s = node("state", i)
        states.append(s)
        w.t(s, typ, _iri(AKG.State))
        w.t(s, label, _lit(f"State {i}"))
    author = node("person", 0)
    w.t(author, typ, _iri(SCHEMA.Person))
    w.t(author, label, _lit("Author 0"))
    for unit in itertools.count():
        if w.count >= n_triples:
            break
        article = node("article", unit)
        w.t(article, typ, _iri(AKG.Article))
        w.t(article, label, _lit(f"Article {unit}"))
        w.t(article, DCTERMS.title, _lit(f"Article {unit}"))
        w.t(article, DCTERMS.creator, author)
        sentences = []
        for k in range(1, 6):
            sent = _iri(f"{BASE}article-{unit}-s{k}")
            sentences.append(sent)
            w.t(sent, typ, _iri(AKG.Sentence))
            w.t(sent, label, _lit(f"Sentence {k} of article {unit}"))
            w.t(sent, AKG.quote, _lit(f"Synthetic sentence {k} of article {unit}."))
            w.t(sent, AKG.position, _typed(k, XSD.integer))
            w.t(sent, AKG.paragraph, _typed(k, XSD.integer))
            w.t(sent, DCTERMS.isPartOf, article)
        state = rng.choice(states)
        # a chain of commands: each new one reports to the previous of its unit, the first to
        # a random earlier command (so chains grow across units and reasoning has depth)
        top = rng.choice(commands) if commands else None
        previous = top
        for depth in range(3):
            c = node("command", len(commands))
            w.t(c, typ, _iri(AKG.JointCommand if depth else AKG.MilitaryCommand))
            w.t(c, label, _lit(f"Command {len(commands)}"))
            w.t(c, AKG.location, state)
            if previous is not None:
                w.t(c, AKG.reportsTo, previous)
            commands.append(c)
            previous = c
        if len(commands) > 6:
            a, b = rng.sample(commands[-6:], 2)
            w.t(a, AKG.counterpartOf, b)
        post = node("post", unit)
        posts.append(post)
        w.t(post, typ, _iri(ORG.Post))
        w.t(post, label, _lit(f"Commander of command {len(commands) - 1}"))
        w.t(post, ORG.postIn, commands[-1])
        w.t(post, AKG.requiredRank, _iri(AKV[rng.choice(("three-star", "four-star"))]))
        person = node("person", unit + 1)
        people.append(person)
        w.t(person, typ, _iri(SCHEMA.Person))
        w.t(person, label, _lit(f"Person {unit + 1}"))
        meeting = node("meeting", unit)
        w.t(meeting, typ, _iri(AKG.Meeting))
        w.t(meeting, label, _lit(f"Meeting {unit}"))
        day = 1 + rng.randrange(28)
        month = 1 + rng.randrange(12)
        year = 2000 + rng.randrange(25)
        day_iso = _typed(f"{year}-{month:02d}-{day:02d}", XSD.date)
        # the comparable form every dated thing has (docs/MODELLING.md, "Dates")
        w.t(meeting, AKG.date, day_iso)
        w.t(meeting, AKG.dateEnd, day_iso)
        w.t(meeting, AKG.datePrecision, _iri(AKV.day))
        tenure = node("tenure", unit)
        w.t(tenure, typ, _iri(AKG.Tenure))
        w.t(tenure, label, _lit(f"Person {unit + 1} as commander"))
        w.t(tenure, AKG.holder, person)
        w.t(tenure, AKG.post, post)
        w.t(tenure, AKG.attestedAt, meeting)
        framework = node("framework", unit)
        w.t(framework, typ, _iri(AKG.Framework))
        w.t(framework, label, _lit(f"Framework {unit}"))
        kind = rng.choice(_KINDS)
        w.t(framework, AKG.arrangementKind, _iri(AKV[kind]))
        parties = {"bilateral": 2, "trilateral": 3}.get(kind, 4)
        for party in rng.sample(states, parties):
            w.t(framework, AKG.hasParty, party)
        change = node("change", unit)
        w.t(change, typ, _iri(AKG.Establishment))
        w.t(change, label, _lit(f"Establishment of command {len(commands) - 1}"))
        w.t(change, AKG.outcome, commands[-1])
        status = rng.choice(_STATUSES)
        w.t(change, AKG.status, _iri(AKV[status]))
        if status in _PENDING:  # what a pending change creates is not in being yet either
            w.t(commands[-1], AKG.status, _iri(AKV[status]))
        w.t(change, AKG.targetDate, _typed(f"{year + 1}-{month:02d}-01", XSD.date))
        w.t(change, AKG.targetDateEnd, _typed(
            f"{year + 1}-{month:02d}-{calendar.monthrange(year + 1, month)[1]:02d}", XSD.date))
        w.t(change, AKG.targetDatePrecision, _iri(AKV.month))
        w.t(change, AKG.targetDateAsStated, _typed(f"{year + 1}-{month:02d}", XSD.gYearMonth))
        w.t(meeting, AKG.announced, change)
        transfer = node("transfer", unit)
        supplier, recipient = rng.sample(states, 2)
        w.t(transfer, typ, _iri(AKG.Transfer))
        w.t(transfer, label, _lit(f"Transfer {unit}"))
        w.t(transfer, AKG.supplier, supplier)
        w.t(transfer, AKG.recipient, recipient)
        claim = node("claim", unit)
        w.t(claim, typ, _iri(AKG.Prediction))
        w.t(claim, label, _lit(f"Claim {unit}"))
        w.t(claim, AKG.claimText, _lit(f"Framework {unit} will grow."))
        w.t(claim, AKG.about, framework)
        likelihood = rng.choice(_LIKELIHOODS)
        w.t(claim, AKG.likelihood, _iri(AKV[likelihood]))
        # the stance every claim states, and the verdict in words a judged likelihood needs
        w.t(claim, AKG.polarity, _iri(AKV.rejects if likelihood == "unlikely" else AKV.affirms))
        w.t(claim, AKG.verdict, _lit(f"Framework {unit} will grow: {likelihood}."))
        w.t(claim, PROV.wasAttributedTo, author)
        w.t(claim, PROV.wasDerivedFrom, rng.choice(sentences))
    return w.count
