"""The package's layers import one way: cli → web → protocol → store → knowledge → leaf tables.

Read from the source (every ``import``, lazy ones inside functions too), so a lower layer that
reaches up, or a new import circle, fails here before anyone trips on it (issue 17). The edges
and circles that exist today are listed by name: one that goes away must leave the list too, so
the list only shrinks.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "service" / "alliance_kg"
RANK = {"leaf": 0, "knowledge": 1, "store": 2, "protocol": 3, "web": 4, "cli": 5}

#: known upward imports, (importer, imported): to be moved away by issue 17's reshape
KNOWN_UPWARD = {("alliance_kg.locations", "alliance_kg.knowledge.load")}
#: known import circles (modules that import each other, directly or not)
KNOWN_CIRCLES = {
    frozenset({"alliance_kg.knowledge.reason", "alliance_kg.knowledge.fastreason"}),
    frozenset({"alliance_kg.knowledge.validate", "alliance_kg.knowledge.fastshacl",
               "alliance_kg.knowledge.incremental_shacl"}),
    frozenset({"alliance_kg.config", "alliance_kg.locations", "alliance_kg.knowledge.load",
               "alliance_kg.knowledge.rdfinput"}),
}


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ("knowledge", "store", "protocol", "web"):
        return parts[1]
    if len(parts) > 1 and parts[1] in ("cli", "__main__"):
        return "cli"
    return "leaf"


def _imports() -> dict[str, set[str]]:
    """Module → the alliance_kg modules it imports (``from . import x`` names module x)."""
    modules = {_name(f) for f in PACKAGE.rglob("*.py")}
    edges: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        module = _name(path)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            edges[module] |= {t for t in targets if t.startswith("alliance_kg") and t != module}
    return edges


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _circles(edges: dict[str, set[str]]) -> set[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.add(frozenset(component))

    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def test_no_layer_imports_a_higher_one() -> None:
    edges = _imports()
    assert len(edges) > 50, "the package was not read"
    upward = {(m, t) for m, ts in edges.items() for t in ts
              if RANK[_layer(t)] > RANK[_layer(m)]}
    assert upward == KNOWN_UPWARD, (
        f"new upward imports: {sorted(upward - KNOWN_UPWARD)}; "
        f"gone (remove from KNOWN_UPWARD): {sorted(KNOWN_UPWARD - upward)}")


def test_no_new_import_circle() -> None:
    circles = _circles(_imports())
    assert circles == KNOWN_CIRCLES, (
        f"new circles: {[sorted(c) for c in circles - KNOWN_CIRCLES]}; "
        f"gone (remove from KNOWN_CIRCLES): {[sorted(c) for c in KNOWN_CIRCLES - circles]}")


def test_the_checks_see_an_upward_import_and_a_circle() -> None:
    """The two checks can fail: on a made-up graph they find what they look for."""
    edges = {"alliance_kg.store.x": {"alliance_kg.web.y"}, "alliance_kg.web.y":
             {"alliance_kg.store.x"}}
    assert _circles(edges) == {frozenset(edges)}
    assert RANK[_layer("alliance_kg.web.y")] > RANK[_layer("alliance_kg.store.x")]
