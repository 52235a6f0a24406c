"""The seams of DESIGN.md's layout, checked on the source: no cycles between packages, the framework never
imports a capability, nlp/ stays pure, only public names cross modules, time comes from bot/clock.py.

An AST walk over bot/, handlers/, nlp/ and models/: every import counts (also the
ones inside functions, which only postpone a cycle), except those under
``if TYPE_CHECKING:``, which never run.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP = ("bot", "handlers", "nlp", "models")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, tuple[Path, ast.Module]]:
    found = {}
    for top in TOP:
        for path in sorted((ROOT / top).rglob("*.py")):
            found[_module_name(path)] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return found


SOURCES = _sources()


def _is_package(name: str) -> bool:
    return SOURCES[name][0].name == "__init__.py"


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return skipped


def imports_of(name: str) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import that runs."""
    path, tree = SOURCES[name]
    skipped = _type_checking_nodes(tree)
    package = name if _is_package(name) else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.extend((alias.name, [], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in SOURCES:
                    found.append((submodule, [], node.lineno))
                else:
                    found.append((base, [alias.name], node.lineno))
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for name in SOURCES:
        for target, _, _ in imports_of(name):
            if target in SOURCES and target != name:
                graph[name].add(target)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm: the groups of modules that import each other, directly or not."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            groups.append(group)

    for node in sorted(set(graph) | {n for targets in graph.values() for n in targets}):
        if node not in index:
            visit(node)
    return groups


def _package_of(name: str) -> str:
    return name if _is_package(name) else name.rpartition(".")[0]


def test_the_cycle_finder_finds_a_cycle() -> None:
    groups = strongly_connected({"a.x": {"b.y"}, "b.y": {"a.x"}, "c.z": {"a.x"}})
    assert {"a.x", "b.y"} in groups and {"c.z"} in groups


def test_no_import_cycle_crosses_a_package() -> None:
    crossing = [sorted(group) for group in strongly_connected(_graph())
                if len({_package_of(m) for m in group}) > 1]
    assert not crossing, "import cycles between packages:\n" + "\n".join(" <-> ".join(g) for g in crossing)


def test_the_framework_never_imports_a_capability() -> None:
    offending = [f"{name}:{line} imports {target}" for name in SOURCES if name.split(".")[0] == "bot"
                 for target, _, line in imports_of(name) if target.split(".")[0] == "handlers"]
    assert not offending, "\n".join(offending)


def test_nlp_is_pure() -> None:
    impure = ("bot", "handlers", "models", "flask", "sqlalchemy", "wechatpy", "requests")
    offending = [f"{name}:{line} imports {target}" for name in SOURCES if name.split(".")[0] == "nlp"
                 for target, _, line in imports_of(name) if target.split(".")[0] in impure]
    assert not offending, "\n".join(offending)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_only_public_names_cross_modules() -> None:
    offending = []
    for name, (_, tree) in SOURCES.items():
        modules: dict[str, str] = {}  # local alias -> module, for `alias._name` uses
        for target, taken, line in imports_of(name):
            offending.extend(f"{name}:{line} imports {target}.{t}" for t in taken if _private(t))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if f"{node.module}.{alias.name}" in SOURCES:
                        modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in SOURCES and alias.asname:
                        modules[alias.asname] = alias.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules \
                    and _private(node.attr):
                offending.append(f"{name}:{node.lineno} uses {modules[node.value.id]}.{node.attr}")
    assert not offending, "private names used across modules:\n" + "\n".join(sorted(set(offending)))


def test_the_wall_clock_is_read_only_in_bot_clock() -> None:
    offending = [f"{name}:{node.lineno}" for name, (_, tree) in SOURCES.items() if name != "bot.clock"
                 for node in ast.walk(tree)
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                 and node.func.attr in ("now", "utcnow", "today") and isinstance(node.func.value, ast.Name)
                 and node.func.value.id in ("datetime", "date")]
    assert not offending, "datetime.now()/date.today() outside bot/clock.py:\n" + "\n".join(offending)
