"""The one table of namespaces, prefixes and graph names.

Everything that writes or reads our IRIs (loader, serializers, the service's prefix list, the
query UI, the tests) takes them from here, so that a namespace is spelled once.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, XSD

BASE = "https://w3id.org/alliance-kg/"

#: Ontology terms (classes, properties). Slash IRIs so each term dereferences to its own page.
AKG = Namespace(BASE + "ontology/")
#: Instance data: states, people, organisations, agreements, events, the article and its sentences.
AKR = Namespace(BASE + "resource/")
#: Controlled vocabularies (SKOS concept schemes: ranks, statuses, alliance kinds ...).
AKV = Namespace(BASE + "vocab/")
#: SHACL shapes.
AKSH = Namespace(BASE + "shapes/")
#: Named graphs of the built dataset.
GRAPH = Namespace(BASE + "graph/")

ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
DBR = Namespace("http://dbpedia.org/resource/")
DBO = Namespace("http://dbpedia.org/ontology/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")

#: prefix -> namespace, in the order serializers and the query UI should show them.
PREFIXES: dict[str, str] = {
    "akg": str(AKG),
    "akr": str(AKR),
    "akv": str(AKV),
    "aksh": str(AKSH),
    "akgraph": str(GRAPH),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "time": str(TIME),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "sh": str(SH),
    "vann": str(VANN),
    "foaf": str(FOAF),
    "wd": str(WD),
    "wdt": str(WDT),
    "dbr": str(DBR),
    "dbo": str(DBO),
    "sd": str(SD),
    "void": str(VOID),
}

# Graph names of the built dataset. The default graph a query sees is ASSERTED + INFERRED
# unless the request says otherwise; the others are named graphs.
ASSERTED = GRAPH["asserted"]
INFERRED = GRAPH["inferred"]
ONTOLOGY = GRAPH["ontology"]
SHAPES = GRAPH["shapes"]
#: Description of the built dataset (VoID counts, source files), written by ``alliance-kg build``.
DESCRIPTION = GRAPH["description"]
#: Catalogue of merged external sources (provenance of each merge).
CATALOGUE = GRAPH["catalogue"]
#: Prefix of the graph of each merged external source: GRAPH["source/<name>"].
SOURCE_GRAPH_PREFIX = str(GRAPH) + "source/"
#: What the merged sources add to asserted + inferred, their IRIs smushed onto ours (merge.py).
JOINED = GRAPH["joined"]


def bind_prefixes(graph: object) -> None:
    """Bind our prefixes on an rdflib Graph/Dataset so every serialization reads the same."""
    bind = getattr(graph, "bind")  # noqa: B009 - typed `object` on purpose
    for prefix, ns in PREFIXES.items():
        bind(prefix, ns, override=True, replace=True)
