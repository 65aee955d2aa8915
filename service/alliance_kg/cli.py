"""The ``alliance-kg`` command line: parse arguments, call the library, map outcomes to exit codes.

Nothing here does the work; every command is a call into ``knowledge``, ``store`` or ``web``,
the same functions the service uses. Exit codes are the same for every command:
0 success (and "conforms"), 1 violations found, 2 bad input, 3 any other failure.
Results go to standard output; progress (only when standard error is a terminal), summaries and
errors go to standard error, so a result can be piped or redirected as it is.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import click
import rdflib

from .config import Settings
from .errors import ErrorKind, KGError
from .formats import BY_KEY, FORMATS, Kind, by_path
from .knowledge import engines, ontodoc
from .knowledge.build import build_dataset, ensure_built, is_stale, write_dataset
from .knowledge.load import load_files, repo_sources
from .knowledge.merge import add_merged, drop, merged_path
from .knowledge.merge import merge as merge_sources
from .knowledge.names import compact
from .knowledge.query import ALL_FORMATS, render, run_query
from .knowledge.validate import INFERENCE_MODES, RENDER_FORMATS, validate_files
from .locations import is_packaged
from .namespaces import ONTOLOGY

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2
EXIT_FAILURE = 3

#: the one place an error kind becomes an exit code
EXIT_CODES: dict[ErrorKind, int] = {
    ErrorKind.BAD_INPUT: EXIT_BAD_INPUT,
    ErrorKind.NOT_FOUND: EXIT_BAD_INPUT,
    ErrorKind.UNSUPPORTED_MEDIA_TYPE: EXIT_BAD_INPUT,
    ErrorKind.TOO_LARGE: EXIT_BAD_INPUT,
    ErrorKind.INCONSISTENT: EXIT_VIOLATIONS,
    ErrorKind.CONFLICT: EXIT_VIOLATIONS,
}

RDF_INPUT_FORMATS = tuple(f.key for f in FORMATS if f.kind is not Kind.RESULTS)


def fail(err: KGError) -> None:
    """Print an error the way compilers do (``file:line:col: message``) and exit."""
    click.echo(f"alliance-kg: error: {err}", err=True)
    sys.exit(EXIT_CODES.get(err.kind, EXIT_FAILURE))


def progress() -> Callable[[str], None] | None:
    """A progress printer for long operations, only when a person watches standard error."""
    if not sys.stderr.isatty():
        return None
    return lambda message: click.echo(f"alliance-kg: {message}...", err=True)


def _settings(root: Path | None, **overrides: object) -> Settings:
    """Settings from ALLIANCE_KG_* variables, with the options that were given on top."""
    settings = Settings.from_env()
    given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    if root is not None:
        given["root"] = root.resolve()
    return dataclasses.replace(settings, **given)


def _display(path: Path) -> str:
    """A path as a person would type it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        out: IO[bytes] = sys.stdout.buffer
        out.write(data)
        out.flush()
    else:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_bytes(data)
        except OSError as exc:
            fail(KGError(ErrorKind.BAD_INPUT, f"cannot write: {exc.strerror or exc}",
                         file=str(output)))


ROOT_OPTION = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Project folder holding ontology/, data/ and shapes/ (default: ALLIANCE_KG_ROOT, "
         "else the checkout of the package or of the working directory, else the knowledge "
         "installed with the package).")


REASONER_OPTION = click.option(
    "--reasoner", type=click.Choice(tuple(engines.REASONERS)), default=None,
    help="OWL 2 RL reasoner: 'fast' (compiled rules, proven equal; the default, or "
         "ALLIANCE_KG_REASONER) or 'owlrl' (the reference).")
SHACL_OPTION = click.option(
    "--shacl", type=click.Choice(engines.SHACL_ENGINES), default=None,
    help="SHACL engine: 'fast' (pyshacl-turbo finds, pySHACL reports: the same report; the "
         "default, or ALLIANCE_KG_SHACL) or 'pyshacl' (the reference).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="alliance-kg")
def main() -> None:
    """Alliance KG: build, validate, query and serve the Indo-Pacific security knowledge graph."""


# -- build ---------------------------------------------------------------------------------------


@main.command()
@ROOT_OPTION
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the TriG dataset (default: dist/alliance-kg.trig).")
@click.option("--no-validate", is_flag=True,
              help="Skip the SHACL check of asserted + inferred data (reasoning still runs).")
@REASONER_OPTION
@SHACL_OPTION
def build(root: Path | None, output: Path | None, no_validate: bool, reasoner: str | None,
          shacl: str | None) -> None:
    """Load ontology + data + shapes, reason (OWL 2 RL), validate, write the dataset.

    Exit 0 when written; 1 when the data contradicts the ontology or violates the shapes
    (nothing is written); 2 on a parse error (file:line:col).
    """
    settings = _settings(root)
    path = output or settings.dataset_path
    # the ontology's documentation goes beside the dataset (served at /ontology too)
    doc = path.parent / ontodoc.DOC_FILE
    say = progress()
    try:
        ds = build_dataset(settings.root, validate_shapes=not no_validate, progress=say,
                           reasoner=reasoner or settings.reasoner, shacl=shacl or settings.shacl)
        if say:
            say(f"writing {_display(path)} and {_display(doc)}")
        write_dataset(ds, path)
        ontodoc.write(ds.graph(ONTOLOGY), doc)
    except KGError as err:
        fail(err)
    counts = sorted((compact(g.identifier), len(g)) for g in ds.graphs() if len(g))
    width = max((len(name) for name, _ in counts), default=0)
    for name, n in counts:
        click.echo(f"  {name:<{width}}  {n:>8} triples")
    click.echo(f"wrote {_display(path)}")
    click.echo(f"wrote {_display(doc)}")


# -- validate ------------------------------------------------------------------------------------


@main.command()
@click.argument("files", nargs=-1, type=str)
@click.option("--shapes", "-s", "shapes", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Shapes file (repeatable; default: the project's shapes/*.ttl).")
@click.option("--ontology", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Ontology file for the class hierarchy and inference (repeatable; "
                   "default: the project's ontology/*.ttl).")
@click.option("--inference", type=click.Choice(INFERENCE_MODES), default="owlrl",
              show_default=True,
              help="Add what the ontology entails before validating, as the build does "
                   "('none': validate the triples as written).")
@click.option("--format", "report_format", type=click.Choice(RENDER_FORMATS), default="text",
              show_default=True, help="Report format.")
@click.option("--input-format", type=click.Choice(RDF_INPUT_FORMATS), default=None,
              help="Format of FILES when their extension does not tell (required for '-').")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file instead of standard output.")
@click.option("--require-sources/--no-require-sources", default=None,
              help="Also check that every triple has a source: a sentence's or an article's "
                   "graph, or a graph naming its reference with prov:wasDerivedFrom (default: "
                   "on for this project's data, off for FILES).")
@REASONER_OPTION
@SHACL_OPTION
@ROOT_OPTION
def validate(files: tuple[str, ...], shapes: tuple[Path, ...], ontology: tuple[Path, ...],
             inference: str, report_format: str, input_format: str | None,
             output: Path | None, require_sources: bool | None, reasoner: str | None,
             shacl: str | None, root: Path | None) -> None:
    """SHACL-validate FILES (or, without FILES, this project's data) against the shapes.

    FILES may be Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD (by extension, .gz too);
    '-' reads standard input. Exit 0 conforms (warnings allowed), 1 violations (or the data
    contradicts the ontology), 2 bad input (unreadable or malformed file, bad shapes).
    """
    settings = _settings(root)
    sources = repo_sources(settings.root)
    data_paths: list[Path | str] = [f if f == "-" else Path(f) for f in files]
    if not data_paths:
        data_paths = [Path(_display(p)) for p in sources["data"]]
    shapes_paths = list(shapes) or [Path(_display(p)) for p in sources["shapes"]]
    ontology_paths = list(ontology) or [Path(_display(p)) for p in sources["ontology"]]
    if not shapes_paths:
        fail(KGError(ErrorKind.BAD_INPUT, f"no shapes to validate against: {settings.root}/shapes "
                                          "has no .ttl file (give --shapes FILE)"))
    if not data_paths:
        fail(KGError(ErrorKind.BAD_INPUT, f"no data to validate: {settings.root}/data has no "
                                          ".ttl or .trig file (give FILES)"))
    try:
        report = validate_files(data_paths, shapes_paths, ontology_paths=ontology_paths,
                                inference=inference,
                                fmt=BY_KEY[input_format] if input_format else None,
                                progress=progress(), reasoner=reasoner or settings.reasoner,
                                shacl=shacl or settings.shacl,
                                require_sources=not files if require_sources is None
                                else require_sources)
    except KGError as err:
        fail(err)
    lines: list[str] = []
    if "-" not in files:  # standard input cannot be read twice
        from .knowledge.sources import check, report_records, report_text

        loaded = load_files(data_paths)
        found = check(loaded)
        report.sources, report.conflicts = report_records(loaded, found)
        lines = report_text(loaded, found).splitlines()
    _write(report.render(report_format).encode("utf-8"), output)
    if output is not None or report_format != "text":
        click.echo(f"alliance-kg: {report.summary()}", err=True)
    for line in lines:
        click.echo(f"alliance-kg: {line}", err=True)
    sys.exit(EXIT_OK if report.conforms else EXIT_VIOLATIONS)


# -- new-source ----------------------------------------------------------------------------------


@main.command("new-source")
@click.argument("text_file", metavar="TEXT")
@click.option("--name", "slug", default=None, metavar="SLUG",
              help="The source's name in its IRIs, akr:SLUG and akr:SLUG-sNN (default: from "
                   "the file name).")
@click.option("--title", default=None, help="The article's title (default: its first line).")
@click.option("--author", default=None, metavar="SLUG",
              help="Who wrote it: akr:SLUG, a person described in the data (dcterms:creator).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the TriG (default: data/sources/SLUG.trig of the project).")
@click.option("--force", is_flag=True, help="Replace an existing file (its facts are lost).")
@ROOT_OPTION
def new_source(text_file: str, slug: str | None, title: str | None, author: str | None,
               output: Path | None, force: bool, root: Path | None) -> None:
    """Scaffold a source from the plain text of an article: the article and one akg:Sentence
    per sentence (exact text, paragraph, position, stable IRIs), with an empty graph block per
    sentence for its facts. Exit 0 written, 1 the file exists (give --force), 2 bad input."""
    from .knowledge.load import read_bytes
    from .knowledge.sources import slug_of, write_scaffold

    try:
        name = slug or slug_of(text_file)
        try:
            text = read_bytes(text_file).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise KGError(ErrorKind.BAD_INPUT, f"not UTF-8 text: {exc.reason}",
                          file=text_file) from None
        target = output or _settings(root).root / "data" / "sources" / f"{name}.trig"
        count = write_scaffold(target, text, name, title=title, author=author, force=force)
    except KGError as err:
        fail(err)
    click.echo(f"alliance-kg: wrote akr:{name} with {count} sentences to {_display(target)}",
               err=True)


# -- query ---------------------------------------------------------------------------------------


@main.command()
@click.argument("query", required=False)
@click.option("--file", "-f", "query_file", type=click.File("r", encoding="utf-8"), default=None,
              help="Read the query from a file ('-': standard input).")
@click.option("--format", "fmt", type=click.Choice(ALL_FORMATS), default=None,
              help="Result format. Default: 'table' on a terminal; otherwise csv for "
                   "SELECT/ASK and turtle for CONSTRUCT/DESCRIBE.")
@click.option("--no-inference", is_flag=True,
              help="Default graph = asserted triples only (not asserted + inferred).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the result to this file instead of standard output.")
@ROOT_OPTION
def query(query: str | None, query_file: IO[str] | None, fmt: str | None, no_inference: bool,
          output: Path | None, root: Path | None) -> None:
    """Run a SPARQL query over the built dataset (dist/alliance-kg.trig).

    The default graph is asserted + inferred; every graph is also named (GRAPH ?g). Our prefixes
    (akg:, akr:, rdfs:, owl:, skos: ...) are pre-declared. When the built file is missing or
    older than a knowledge file, the dataset is built in memory first; with the knowledge
    installed with the package (no checkout), it is built once into the user data directory.
    Exit 2 on a syntax error.
    """
    if (query is None) == (query_file is None):
        raise click.UsageError("give a QUERY or --file FILE (exactly one)")
    text = query if query is not None else query_file.read()  # type: ignore[union-attr]
    settings = _settings(root)
    say = progress()
    try:
        ds = _dataset(settings, say)
        result = run_query(ds, text, inference=not no_inference)
        chosen = fmt or _default_query_format(result.type, output)
        data = render(result, chosen)
    except KGError as err:
        if query_file is not None and err.line is not None and err.file is None:
            err.file = query_file.name
        fail(err)
    _write(data, output)


def _dataset(settings: Settings, say: Callable[[str], None] | None) -> rdflib.Dataset:
    """The built dataset with the merged sources, as ``query`` and ``explain`` read it."""
    path = settings.dataset_path
    if is_packaged(settings.root):
        # the installed package's knowledge never changes: build it once, into the user
        # data directory, for every later command
        ensure_built(settings, progress=say)
        ds = load_files([path])
    elif is_stale(settings.root, path):
        if say:
            say(f"{_display(path)} is missing or stale: building in memory "
                "(run `alliance-kg build` to keep it)")
        ds = build_dataset(settings.root, validate_shapes=False, progress=say)
    else:
        ds = load_files([path])
    add_merged(ds, merged_path(path))
    return ds


@main.command()
@click.argument("statement", nargs=-1, metavar="[SUBJECT PREDICATE OBJECT]")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "turtle")), default="text",
              show_default=True, help="A text tree, JSON, or the proof in RDF (PROV-O, Turtle).")
@click.option("--derivations", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Derivations of the statement shown (each premise: the earliest one).")
@click.option("--dependents", "sentence", default=None, metavar="SENTENCE",
              help="Instead: what would lose support if this sentence (or source graph) "
                   "were retracted.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@ROOT_OPTION
def explain(statement: tuple[str, ...], fmt: str, derivations: int, sentence: str | None,
            output: Path | None, root: Path | None) -> None:
    """Why the dataset holds a statement: the sentences that state it or, for an inferred one,
    its OWL 2 RL proof (rule, ontology axioms, premises) down to the sentences.

    Terms: IRIs, prefixed names of ours (akr:japan, org:memberOf, `a`) or literals in Turtle
    syntax ('"2.0"^^xsd:decimal'). Example:
    alliance-kg explain akr:japan org:memberOf akr:quad. Exit 2 when the dataset does not hold
    the statement or a term is malformed.
    """
    from .knowledge.explain import (
        Limits,
        dataset_facts,
        dependents,
        parse_iri,
        parse_triple,
    )
    from .knowledge.explain import explain as explain_statement

    if (len(statement) == 3) == (sentence is not None) or len(statement) not in (0, 3):
        raise click.UsageError("give SUBJECT PREDICATE OBJECT, or --dependents SENTENCE")
    if sentence is not None and fmt == "turtle":
        raise click.UsageError("--dependents writes text or json")
    try:
        ds = _dataset(_settings(root), progress())
        facts = dataset_facts(ds)
        if sentence is not None:
            graph = parse_iri(sentence, "sentence")
            named = ds.graph(rdflib.URIRef(graph))
            if not len(named):
                raise KGError(ErrorKind.NOT_FOUND, f"no graph <{graph}> in the dataset")
            located = facts.locate
            d = dependents(facts, graph, list(named), lambda ts: {
                t for t, gs in located(ts).items() if any(g != graph for g in gs)})
            text = d.to_text() if fmt == "text" else json.dumps(d.to_json(), indent=2,
                                                                ensure_ascii=False) + "\n"
        else:
            proof = explain_statement(facts, parse_triple(*statement),
                                      Limits(derivations=derivations))
            text = {"text": proof.to_text, "json": proof.to_json_text,
                    "turtle": proof.to_turtle}[fmt]()
    except KGError as err:
        fail(err)
    _write(text.encode("utf-8"), output)


@main.command()
@click.argument("text")
@click.option("--type", "type_", default=None, metavar="KIND|CLASS",
              help="entity, term, sentence or claim; or a class (akg:MilitaryCommand).")
@click.option("--lang", default=None, help="Only literals in this language (en, ja).")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True)
@ROOT_OPTION
def search(text: str, type_: str | None, lang: str | None, limit: int, fmt: str,
           root: Path | None) -> None:
    """Full-text search over labels, quotes, claims and merged sources' literals, in English
    and Japanese: case, diacritics, prefixes and small typos are forgiven (as GET /search).

    Example: alliance-kg search 'joint command' --type entity. Exit 2 on bad input.
    """
    import pyoxigraph as ox

    from .knowledge.explain import parse_iri
    from .protocol.search import KINDS, Query, SearchIndex, answer
    from .protocol.searchquery import marked

    try:
        kind = type_ if type_ in KINDS else None
        cls = parse_iri(type_, "type") if type_ and kind is None else None
        wanted = Query(text, kind=kind, type=cls, lang=lang, limit=limit)
        ds = _dataset(_settings(root), progress())
        index = SearchIndex.of_quads(ox.parse(ds.serialize(format="nquads", encoding="utf-8"),
                                              ox.RdfFormat.N_QUADS))
        found = answer(index, wanted)
    except KGError as err:
        fail(err)
    if fmt == "json":
        out = json.dumps(found, indent=2, ensure_ascii=False) + "\n"
    else:
        lines = []
        for hit in found["hits"]:
            what = hit["kind"] + (f" · {compact(rdflib.URIRef(hit['type']))}" if hit["type"]
                                  else "")
            lines.append(f"{hit['label']}  [{what}]  {hit['curie']}")
            lines.append("    " + marked(hit["snippet"], [tuple(m) for m in hit["highlights"]]))
        out = "\n".join(lines) + "\n" if lines else ""
        if not lines:
            click.echo(f"alliance-kg: nothing found for {text!r}", err=True)
    _write(out.encode("utf-8"), None)


def _default_query_format(form: str | None, output: Path | None) -> str:
    if output is None and sys.stdout.isatty():
        return "table"
    return "turtle" if form in ("CONSTRUCT", "DESCRIBE") else "csv"


# -- merge ---------------------------------------------------------------------------------------


@main.command()
@click.argument("sources", nargs=-1, type=str)
@click.option("--graph", default=None,
              help="IRI of the graph the source goes into (one source only; default "
                   "akgraph:source/<file name>). Merging into the same graph replaces it.")
@click.option("--format", "input_format", type=click.Choice(RDF_INPUT_FORMATS), default=None,
              help="Format of the sources when their extension does not tell (required for '-').")
@click.option("--report", "report_format", type=click.Choice(("text", "json")), default="text",
              show_default=True, help="Format of the merge report (standard output).")
@click.option("--strict", is_flag=True,
              help="Merge nothing and exit 1 when the union has conflicts or violates the shapes.")
@click.option("--drop", "drop_graph", default=None,
              help="Remove the merged source with this graph IRI instead of merging.")
@click.option("--service", "service_url", default=None, metavar="URL",
              help="Merge into (or --drop from) the running service at URL (its /merge "
                   "endpoint) instead of dist/alliance-kg.merged.nq.")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File holding the write token for --service (default: ALLIANCE_KG_TOKEN).")
@click.option("--timeout", type=click.FloatRange(min=1), default=600.0, show_default=True,
              help="Seconds to wait for --service to answer (it finishes the merge anyway).")
@REASONER_OPTION
@SHACL_OPTION
@ROOT_OPTION
def merge(sources: tuple[str, ...], graph: str | None, input_format: str | None,
          report_format: str, strict: bool, drop_graph: str | None, service_url: str | None,
          token_file: Path | None, timeout: float, reasoner: str | None, shacl: str | None,
          root: Path | None) -> None:
    """Merge external RDF SOURCES (files, '-' for standard input; .gz too) with the dataset.

    Each source goes into its own named graph (re-merging replaces it), with its provenance in
    akgraph:catalogue; the union is joined through the alignment links, reasoned over and
    validated, and the report lists new entities, joined entities and conflicts. Merged sources
    live in dist/alliance-kg.merged.nq (without a checkout: in the user data directory,
    ~/.local/share/alliance-kg/VERSION-HASH/dist/ on Linux), which `query` and `serve` load
    with the dataset; with
    --service URL they go into that running service's store instead (one SOURCE per call).
    Without SOURCES, joins and checks what is already merged. Exit 0 merged, 1 --strict found
    conflicts or violations (or the union contradicts the ontology), 2 bad input (file:line:col),
    3 the service cannot be reached (or refused the token).
    """
    if drop_graph is not None and sources:
        raise click.UsageError("give SOURCES or --drop, not both")
    settings = _settings(root)
    if service_url is not None:
        _merge_into_service(service_url, sources, graph, input_format, report_format, strict,
                            drop_graph, token_file, settings, timeout)
        return
    target = merged_path(settings.dataset_path)
    say = progress()
    try:
        # the build (if needed), the merge's reasoning and its validation
        with engines.use(reasoner or settings.reasoner, shacl or settings.shacl):
            path = ensure_built(settings, progress=say, reasoner=reasoner, shacl=shacl)
            if drop_graph is not None:
                report = drop(load_files([path]), target, drop_graph, progress=say)
                click.echo(f"alliance-kg: dropped <{drop_graph}>", err=True)
            else:
                report = merge_sources(load_files([path]), target, list(sources), graph=graph,
                                       fmt=BY_KEY[input_format] if input_format else None,
                                       strict=strict, progress=say)
    except KGError as err:
        if err.detail and err.kind is ErrorKind.CONFLICT:
            click.echo(err.detail, err=True, nl=False)
        fail(err)
    _write(report.render(report_format).encode("utf-8"), None)
    if drop_graph is None:
        click.echo(f"alliance-kg: {len(report.sources)} source(s) merged into "
                   f"{_display(target)}; {len(report.conflicts)} conflict(s)", err=True)


def _merge_into_service(url: str, sources: tuple[str, ...], graph: str | None,
                        input_format: str | None, report_format: str, strict: bool,
                        drop_graph: str | None, token_file: Path | None,
                        settings: Settings, timeout: float) -> None:
    """``merge --service``: send the bytes, print the service's report; errors come back as
    the ``KGError`` the service raised, so exit codes are those of a local merge."""
    from .knowledge.load import read_bytes
    from .web.merge import send

    if drop_graph is None and len(sources) != 1:
        raise click.UsageError("--service merges one SOURCE per call (each is one atomic "
                               f"merge on the service); {len(sources)} given")
    try:
        token = settings.token
        if token_file is not None:
            try:
                token = token_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise KGError(ErrorKind.BAD_INPUT, f"cannot read: {exc.strerror or exc}",
                              file=str(token_file)) from None
        if drop_graph is not None:
            answer = send(url, data=None, graph=drop_graph, report=report_format, token=token,
                          timeout=timeout, progress=progress())
        else:
            name = sources[0]
            if name == "-" and (graph is None or input_format is None):
                raise KGError(ErrorKind.BAD_INPUT, "standard input needs --graph IRI and "
                              "--format", file="<stdin>")
            fmt = BY_KEY[input_format] if input_format else by_path(name)
            if fmt is None:
                raise KGError(ErrorKind.BAD_INPUT, "cannot tell the RDF format from the file "
                              "name; give --format", file=name)
            answer = send(url, data=read_bytes(name), graph=graph,
                          source="<stdin>" if name == "-" else name, fmt=fmt, strict=strict,
                          report=report_format, token=token, timeout=timeout,
                          progress=progress())
    except KGError as err:
        if err.detail and err.kind is ErrorKind.CONFLICT:
            click.echo(err.detail, err=True, nl=False)
        fail(err)
    _write(answer.body.encode("utf-8"), None)
    done = f"dropped <{drop_graph}>" if drop_graph is not None else \
        f"merged {sources[0]} ({'new' if answer.status == 201 else 'replaced'})"
    click.echo(f"alliance-kg: {done} on {url}", err=True)


# -- generate ------------------------------------------------------------------------------------


@main.command()
@click.argument("triples", type=click.IntRange(min=1))
@click.option("--seed", type=int, default=0, show_default=True,
              help="Same seed, same bytes: benchmarks compare like with like.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write N-Triples to this file instead of standard output.")
@click.option("--trig", is_flag=True,
              help="Write TriG instead: the triples in a graph of their own that names the "
                   "generator as its source, as data/ files must for `build`.")
def generate(triples: int, seed: int, output: Path | None, trig: bool) -> None:
    """Write about TRIPLES triples of synthetic, shape-conformant data (N-Triples).

    Commands in subordination chains, counterparts, posts and tenures, frameworks with parties,
    meetings announcing changes, transfers, and claims traced to sentences: the shape of the
    article's data at any size, for benchmarks (bench/) and scale tests.
    """
    from .knowledge.generate import generate, generate_source

    make = generate_source if trig else generate

    if output is None:
        count = make(triples, seed, sys.stdout)
    else:
        with output.open("w", encoding="utf-8") as out:
            count = make(triples, seed, out)
    click.echo(f"alliance-kg: generated {count} triples (seed {seed})", err=True)


# -- derive --------------------------------------------------------------------------------------


@main.command()
@click.option("--store", default=None,
              help="Store holding the dataset: remote (your engine), oxigraph with --store-path.")
@click.option("--store-path", default=None, help="Data folder of a persistent store.")
@click.option("--where", type=click.Choice(["auto", "engine", "process"]), default="auto",
              show_default=True,
              help="engine: the remote engine reasons (SPARQL updates) and selects the shapes' "
                   "targets; process: the dataset is read into this process; auto: the engine "
                   "where it can.")
@click.option("--no-validate", is_flag=True, help="Recompute the inferred graph only.")
@ROOT_OPTION
def derive(store: str | None, store_path: str | None, where: str, no_validate: bool,
           root: Path | None) -> None:
    """Recompute a store's inferred graph and check asserted + inferred against its shapes.

    For a dataset that lives in a store (a remote engine above all: docs/STORES.md, "Reasoning
    and validation on the engine"). The report goes to standard output. Exit 0 when the data
    conforms; 1 when it violates the shapes (the inferred graph is written) or contradicts the
    ontology (nothing is written); 2 on bad input.
    """
    from .store import pushdown, registry

    settings = _settings(root, store=store, store_path=store_path)
    try:
        target = registry.create(settings)
        outcome = pushdown.derive(target, where=where, validate=not no_validate,
                                  progress=progress())
    except KGError as err:
        fail(err)
    for why in outcome.why:
        click.echo(f"alliance-kg: {why}", err=True)
    place = "on the engine" if outcome.reasoned_on == "engine" else "in process"
    click.echo(f"alliance-kg: inferred graph of {outcome.stats.inferred} triples, reasoned "
               f"{place}", err=True)
    if outcome.report is None:
        return
    click.echo(outcome.report.to_text())
    sys.exit(EXIT_OK if outcome.report.conforms else EXIT_VIOLATIONS)


# -- serve ---------------------------------------------------------------------------------------


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 7878).")
@click.option("--store", default=None, help="Store backend: oxigraph (default), memory, remote.")
@click.option("--store-path", default=None,
              help="Data folder of a persistent store (default: in memory).")
@click.option("--read-only/--allow-update", "read_only", default=None,
              help="Refuse (default) or accept SPARQL Update and Graph Store writes.")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File holding the bearer token writes must present.")
@click.option("--timeout", type=float, default=None, help="Query timeout in seconds (default 30).")
@ROOT_OPTION
def serve(host: str | None, port: int | None, store: str | None, store_path: str | None,
          read_only: bool | None, token_file: Path | None, timeout: float | None,
          root: Path | None) -> None:
    """Build the dataset if needed and start the SPARQL service.

    Every option falls back to its ALLIANCE_KG_* environment variable (e.g. ALLIANCE_KG_PORT).
    """
    token = None
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            fail(KGError(ErrorKind.BAD_INPUT, f"cannot read the token: {exc.strerror or exc}",
                         file=str(token_file)))
    settings = _settings(root, host=host, port=port, store=store, store_path=store_path,
                         allow_update=None if read_only is None else not read_only,
                         token=token, query_timeout=timeout)
    from .web.serve import run

    try:
        run(settings)
    except KGError as err:
        fail(err)
    except KeyboardInterrupt:
        sys.exit(EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
