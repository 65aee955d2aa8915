"""Two views the build adds to the data, so that the default graph answers plain questions.

* **Vocabulary labels** (``akgraph:vocabulary``): the labels, definitions and SKOS structure of
  the ontology's classes and properties and of the controlled vocabularies (statuses, ranks,
  likelihoods ...). They live in the ``akgraph:ontology`` graph, which a query does not see by
  default, so ``?x akg:status ?s . ?s skos:prefLabel ?label`` found nothing and results showed
  bare IRIs.
* **Direct types** (``akgraph:direct-types``): ``?x akg:directType ?class`` for the most specific
  classes of every resource (as GraphDB's ``sesame:directType``), since ``?x a ?type`` returns
  every superclass reasoning adds (the JFHQ is a joint force headquarters, a joint command, a
  military command, a military organisation, an organisation ...).

Both are computed by the build from the ontology and the reasoned data, kept as named graphs
that describe themselves (``prov:wasDerivedFrom`` what they were computed from) and merged into
the asserted graph like every data graph. They hold no OWL/RDFS schema statement (no
``rdfs:subClassOf``, no range or domain), so the reasoner treats them as plain instance data.
A write to the service keeps the direct types of the resources whose types it changes
current (``protocol/derivation.py``), when the store holds the direct-types graph.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS
from rdflib.term import Node

from ..namespaces import AKG, AKV, GRAPH, ONTOLOGY

VOCABULARY = GRAPH["vocabulary"]
DIRECT_TYPES = GRAPH["direct-types"]
#: the graphs this module writes (a data file may not)
VIEW_GRAPHS = frozenset({VOCABULARY, DIRECT_TYPES})

#: what a person reading a result needs of a term: its names, its meaning, where it sits
TERM_PREDICATES = frozenset({
    RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.definition, SKOS.inScheme, SKOS.broader,
    SKOS.narrower, SKOS.topConceptOf, SKOS.hasTopConcept,
})
#: SKOS types of the vocabularies' terms (instance types, not OWL schema)
TERM_TYPES = frozenset({SKOS.Concept, SKOS.ConceptScheme})


def vocabulary(ontology: Graph) -> Graph:
    """The labels, definitions and SKOS structure of our classes, properties and concepts."""
    out = Graph(bind_namespaces="none")
    ours = (str(AKG), str(AKV))
    for s, p, o in ontology:
        if not (isinstance(s, URIRef) and str(s).startswith(ours)):
            continue
        if p in TERM_PREDICATES or (p == RDF.type and o in TERM_TYPES):
            out.add((s, p, o))
    if len(out):
        out.add((VOCABULARY, RDFS.label, Literal("Labels of the vocabulary (a view of the "
                                                 "ontology graph)", lang="en")))
        out.add((VOCABULARY, PROV.wasDerivedFrom, ONTOLOGY))
    return out


def superclasses(ontology: Graph) -> dict[Node, set[Node]]:
    """Every class's superclasses (reflexive-transitive closure of rdfs:subClassOf, with
    owl:equivalentClass both ways)."""
    direct: dict[Node, set[Node]] = defaultdict(set)
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        direct[sub].add(sup)
    for a, b in ontology.subject_objects(OWL.equivalentClass):
        direct[a].add(b)
        direct[b].add(a)
    closed: dict[Node, set[Node]] = {}
    for start in list(direct):
        seen, todo = {start}, [start]
        while todo:
            for nxt in direct.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        closed[start] = seen
    return closed


def most_specific(types: Iterable[Node], supers: dict[Node, set[Node]]) -> set[Node]:
    """The classes of ``types`` that are not a strict superclass of another of them
    (equivalent classes are both kept; ``owl:Thing``, ``rdfs:Resource`` and literals never)."""
    mine = {t for t in types if isinstance(t, URIRef) and t not in (OWL.Thing, RDFS.Resource)}
    return {t for t in mine
            if not any(u != t and t in supers.get(u, {u}) and u not in supers.get(t, {t})
                       for u in mine)}


def direct_types(facts: Iterable[Graph], ontology: Graph) -> Graph:
    """``akg:directType`` for each typed resource of ``facts``: its types that are not a strict
    superclass of another of its types (equivalent classes are both direct)."""
    supers = superclasses(ontology)
    types: dict[Node, set[Node]] = defaultdict(set)
    for g in facts:
        for s, t in g.subject_objects(RDF.type):
            types[s].add(t)
    out = Graph(bind_namespaces="none")
    for s, mine in types.items():
        for t in most_specific(mine, supers):
            out.add((s, AKG.directType, t))
    if len(out):
        out.add((DIRECT_TYPES, RDFS.label, Literal("The most specific types of each resource, "
                                                   "as of the build", lang="en")))
        out.add((DIRECT_TYPES, PROV.wasDerivedFrom, ONTOLOGY))
        out.add((DIRECT_TYPES, PROV.wasDerivedFrom, GRAPH["asserted"]))
        out.add((DIRECT_TYPES, PROV.wasDerivedFrom, GRAPH["inferred"]))
    return out


def views(asserted: Graph, inferred: Graph, ontology: Graph) -> list[tuple[URIRef, Graph]]:
    """The build's views, by graph name (empty ones left out)."""
    labels = vocabulary(ontology)
    # the vocabulary's terms join asserted too: their types have direct types like any other
    found = [(VOCABULARY, labels),
             (DIRECT_TYPES, direct_types([asserted, inferred, labels], ontology))]
    return [(name, g) for name, g in found if len(g)]
