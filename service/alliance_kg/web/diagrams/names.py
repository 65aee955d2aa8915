"""Names and kinds of the things a diagram shows, in one query per diagram.

A node is titled with its abbreviation when it has one (``skos:altLabel`` in capitals, such as
"INDOPACOM", "JFHQ"), with the full English name under it; otherwise with its English
``skos:prefLabel`` or ``rdfs:label``. Its kind (a CSS class) comes from its types, inferred ones
included, so a new subclass of ``akg:MilitaryCommand`` is drawn as a command with no change here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from rdflib import Literal

from ...namespaces import AKG
from ..context import AppState
from ..iris import href, sparql_iri
from ..selects import select
from .model import Node

#: (type, kind) in order of preference: the first type a node has decides its kind
KINDS: tuple[tuple[str, str], ...] = (
    (str(AKG.MilitaryCommand), "command"),
    (str(AKG.ForceContingent), "contingent"),
    (str(AKG.MilitaryOrganisation), "force"),
    (str(AKG.State), "state"),
    (str(AKG.Alliance), "alliance"),
    (str(AKG.Partnership), "partnership"),
    (str(AKG.Framework), "framework"),
    (str(AKG.SecurityArrangement), "framework"),
    (str(AKG.Agreement), "agreement"),
    (str(AKG.Event), "event"),
    (str(AKG.Change), "change"),
)
_ABBREVIATION = re.compile(r"^[A-Z][A-Z0-9&\-]{1,11}$")


def local_name(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")


def nodes_for(st: AppState, iris: Iterable[str]) -> dict[str, Node]:
    """A :class:`Node` (title, subtitle, kind, link) for each IRI."""
    wanted = sorted(set(iris))
    values = " ".join(sparql_iri(i) for i in wanted)
    names: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    types: dict[str, set[str]] = defaultdict(set)
    if values:
        rows = select(st, f"""
            SELECT ?x ?p ?v WHERE {{
              VALUES ?x {{ {values} }}
              {{ ?x ?p ?v FILTER(?p IN (skos:prefLabel, rdfs:label, skos:altLabel)
                                 && (LANG(?v) = "en" || LANG(?v) = "")) }}
              UNION {{ ?x a ?v BIND(rdf:type AS ?p) }}
            }}""")
        for row in rows:
            x, p, v = str(row["x"]), str(row["p"]), row["v"]
            if p.endswith("#type"):
                types[x].add(str(v))
            elif isinstance(v, Literal):
                names[x][p.rsplit("#", 1)[-1].rsplit("/", 1)[-1]].append(str(v))
    base = st.settings.public_base
    out: dict[str, Node] = {}
    for iri in wanted:
        n = names.get(iri, {})
        full = sorted(n.get("prefLabel", []) or n.get("label", []) or [local_name(iri)])[0]
        abbreviations = sorted(a for a in n.get("altLabel", []) if _ABBREVIATION.match(a))
        kind = next((k for t, k in KINDS if t in types.get(iri, set())), "thing")
        if abbreviations and len(full) > 14:
            out[iri] = Node(iri, abbreviations[0], full, kind, href=href(iri, base))
        else:
            out[iri] = Node(iri, full, "", kind, href=href(iri, base))
    return out
