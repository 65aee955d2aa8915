"""The JSON-LD context of our vocabulary: generated from the ontology, shipped, served.

``ontology/context.jsonld`` maps every class and property of the ontology (``akg:``) to a short
term, with ``"@type": "@id"`` for object properties and the datatype for datatype properties
whose range is one XSD datatype, plus our prefixes. It is a checked-in file generated from
``ontology/*.ttl`` (``python -m alliance_kg.web.ldcontext`` rewrites it, ``--check`` fails when
it is stale; a test does the same), so other projects can pin it, and it is served at
``/ontology/context.jsonld`` (the IRI ``<public_base>ontology/context.jsonld``). The JSON-LD
descriptions of our resources are compacted with it.

A term is the local name (``reportsTo``, ``State``); a local name that is also one of our
prefixes would shadow the prefix, so the generator refuses it.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import rdflib
from flask import Blueprint, Response
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ..config import Settings
from ..namespaces import AKG, PREFIXES
from . import conditional
from .context import state

bp = Blueprint("ldcontext", __name__)

CONTEXT_FILE = Path("ontology") / "context.jsonld"
MEDIA_TYPE = "application/ld+json"
URL = "/ontology/context.jsonld"


def ontology_graph(root: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    for path in sorted((root / "ontology").glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def build_context(ontology: rdflib.Graph) -> dict[str, Any]:
    """The context document for the classes and properties of ``ontology`` in ``akg:``."""
    ns = str(AKG)
    terms: dict[str, Any] = {}

    def ours(node: object) -> str | None:
        if isinstance(node, rdflib.URIRef) and str(node).startswith(ns) and str(node) != ns:
            return str(node)[len(ns):]
        return None

    for cls in ontology.subjects(RDF.type, OWL.Class):
        name = ours(cls)
        if name:
            terms[name] = f"akg:{name}"
    for prop in ontology.subjects(RDF.type, OWL.ObjectProperty):
        name = ours(prop)
        if name:
            terms[name] = {"@id": f"akg:{name}", "@type": "@id"}
    for prop in ontology.subjects(RDF.type, OWL.DatatypeProperty):
        name = ours(prop)
        if not name:
            continue
        ranges = set(ontology.objects(prop, RDFS.range))
        definition: dict[str, str] = {"@id": f"akg:{name}"}
        if len(ranges) == 1:
            (rng,) = ranges
            if isinstance(rng, rdflib.URIRef) and str(rng).startswith(str(XSD)) \
                    and rng != XSD.string:
                definition["@type"] = f"xsd:{str(rng)[len(str(XSD)):]}"
        terms[name] = definition
    for prop in ontology.subjects(RDF.type, OWL.AnnotationProperty):
        name = ours(prop)
        if name and name not in terms:
            terms[name] = f"akg:{name}"
    clash = sorted(set(terms) & set(PREFIXES))
    if clash:
        raise ValueError(f"ontology terms that would shadow a prefix in the context: {clash}")
    context: dict[str, Any] = dict(PREFIXES)
    context.update({k: terms[k] for k in sorted(terms, key=lambda t: (t.lower(), t))})
    return {"@context": context}


def render(context: dict[str, Any]) -> str:
    return json.dumps(context, indent=2, ensure_ascii=False) + "\n"


@lru_cache(maxsize=4)
def _read(path: str, mtime: float) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


def load_context(root: Path) -> dict[str, Any]:
    """The shipped context (re-read when the file changes)."""
    path = root / CONTEXT_FILE
    return _read(str(path), path.stat().st_mtime)


@bp.route(URL, methods=["GET"])
def serve_context() -> Response:
    st = state()
    path = st.settings.root / CONTEXT_FILE
    body = path.read_bytes()
    etag = st.etag("context", str(path.stat().st_mtime_ns))
    if conditional.matches(etag):
        return conditional.not_modified(etag)
    resp = Response(body, status=200, content_type=MEDIA_TYPE)
    return conditional.finish(resp, etag)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write (or --check) ontology/context.jsonld "
                                     "from the ontology.")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the file differs from what the ontology gives")
    args = parser.parse_args(argv)
    root = Settings.from_env().root
    text = render(build_context(ontology_graph(root)))
    path = root / CONTEXT_FILE
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is stale: run python -m alliance_kg.web.ldcontext", file=sys.stderr)
            return 1
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
