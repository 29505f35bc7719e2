"""The apps form layers without cycles (DESIGN.md section 5): ``common`` ← ``org`` ← ``cases`` ← the feature apps ←
the site package and the demo builder. Every import counts, at the top of a module or inside a function: a lazy
import hides a cycle from Python, not from the design. Tests and migrations are left out (tests may build any
fixture; migrations name other apps by string)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import wenming

ROOT = Path(wenming.__file__).parent

# The layer of each app; an app may import apps of a lower layer, and of its own layer only without a cycle.
LAYERS = {
    "common": 0,
    # Operations (the cluster on one machine, backups): reads the models only through Django's app registry.
    "cluster": 0,
    "org": 1,
    "cases": 2,
    "campaign": 3, "scoring": 3, "public": 3, "api": 3, "reports": 3,
    "evaluation": 3, "inspections": 3, "registries": 3, "selections": 3, "credit": 3, "volunteers": 3, "windows": 3,
    "site": 4, "demo": 4,
}
SKIPPED_PARTS = {"tests", "browser_tests", "migrations"}


def _app_of(path: Path) -> str | None:
    parts = path.relative_to(ROOT).parts
    return parts[0] if len(parts) > 1 else None  # top-level modules (urls, settings, cli) sit above every layer


def _imported_apps(tree: ast.AST) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names if node.module == "wenming"]
        for name in names:
            parts = name.split(".")
            if parts[0] == "wenming" and len(parts) > 1 and parts[1] in LAYERS:
                found.append((parts[1], node.lineno))
    return found


def app_imports() -> dict[str, dict[str, list[str]]]:
    """app → imported app → the places (file:line) that import it."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(ROOT.rglob("*.py")):
        if SKIPPED_PARTS & set(path.relative_to(ROOT).parts) or path.name == "conftest.py":
            continue
        app = _app_of(path)
        if app is None:
            continue
        for other, line in _imported_apps(ast.parse(path.read_text(encoding="utf-8"))):
            if other != app:
                graph[app][other].append(f"{path.relative_to(ROOT.parent)}:{line}")
    return graph


def test_every_app_has_a_layer():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps - set(LAYERS) == set(), "give each new app its layer in LAYERS"


def test_no_app_imports_a_higher_layer():
    upward = [
        f"{app} (layer {LAYERS[app]}) imports {other} (layer {LAYERS[other]}) at {', '.join(places)}"
        for app, targets in app_imports().items()
        for other, places in targets.items()
        if LAYERS[other] > LAYERS[app]
    ]
    assert not upward, "\n".join(upward)


def test_the_app_import_graph_has_no_cycle():
    graph = app_imports()
    cycles = []
    for app, targets in graph.items():
        for other in targets:
            if app in graph.get(other, {}):
                pair = tuple(sorted((app, other)))
                if pair not in cycles:
                    cycles.append(pair)
    # Longer cycles through the feature layer: a depth-first search over the graph.
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, {}):
            if state.get(nxt) == 1:
                cycle = tuple(trail[trail.index(nxt):] + [nxt])
                if len(cycle) > 3:
                    cycles.append(cycle)
            elif state.get(nxt) is None:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for app in sorted(graph):
        if app not in state:
            visit(app, [app])
    details = [" → ".join(c) + ": " + ", ".join(graph[a][b][0] for a, b in zip(c, c[1:], strict=False) if b in graph[a])
               for c in (pair + pair[:1] if len(pair) == 2 else pair for pair in cycles)]
    assert not cycles, "\n".join(details)
