"""The house's import rules (docs/import-rules.json), checked over the source as text.

Imports inside functions count: a rule dodged by a late import is still broken. Besides the
listed rules, no module may take part in a circle of imports.
"""

from __future__ import annotations

import ast
import json
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULES = json.loads((ROOT / "docs" / "import-rules.json").read_text())


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _targets(module: str, node: ast.AST, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    return [prefix] + [f"{prefix}.{alias.name}" for alias in node.names]


def _imports() -> dict[str, set[tuple[str, int]]]:
    """{module: {(imported name, line)}} for the project's packages, tests and migrations left
    out (migrations are history, frozen as they were written)."""
    graph: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for package in RULES["packages"]:
        for path in (ROOT / package).rglob("*.py") if (ROOT / package).is_dir() else []:
            if "migrations" in path.parts:
                continue
            module = _module_name(path)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    for target in _targets(module, node, path.name == "__init__.py"):
                        graph[module].add((target, node.lineno))
    return graph


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_no_module_breaks_an_import_rule():
    broken = [
        f"{module}:{line} imports {target} ({why})"
        for module, targets in _imports().items()
        for target, line in targets
        for source, forbidden, why in RULES["never"]
        if _under(module, source) and _under(target, forbidden)
    ]
    assert not broken, "\n".join(sorted(set(broken)))


def _module_edges() -> dict[str, set[str]]:
    graph = _imports()
    modules = set(graph)
    edges: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        for target, _ in targets:
            # "from pkg import name" names a module when pkg.name is one of ours. A module's
            # own parent packages are being imported already (Python runs them first).
            if target in modules and target != module and not _under(module, target):
                edges[module].add(target)
    return edges


def test_no_circle_of_imports_between_modules():
    edges = _module_edges()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in list(edges):
        if node not in index:
            visit(node)
    assert not circles, circles


def test_the_rules_forbid_what_the_architecture_says():
    # A guard against an emptied rule file passing every check.
    pairs = {(a, b) for a, b, _ in RULES["never"]}
    assert ("measurements", "analysis") in pairs
    assert ("analysis.kinds", "django.db") in pairs
