"""The layers, kept by a test (an AST walk over every import, including the lazy ones in functions,
the ones under TYPE_CHECKING and the module names given to importlib.import_module / __import__):

    core < index < ingest < assistant < ui, eval, server < cli

A package may import its own layer and the ones below, never a higher one; ui, eval and the HTTP API
package `server` are peers that do not import each other; cli (the command line) sits on top.
Every top-level package is ranked here; product code never imports tests/ or benchmarks/; ui, server,
eval and cli use only the public API (`assistant`, `core.settings`, `core.errors`); and no module
imports itself again through others (no import loop, inside a package or across).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RANK = {"core": 0, "index": 1, "ingest": 2, "assistant": 3, "ui": 4, "eval": 4, "server": 4, "cli": 5}
NOT_PRODUCT = {"tests", "benchmarks"}  # they may import anything; nothing product imports them
PUBLIC_API = {"assistant", "core.settings", "core.errors"}  # what the faces (ui, server, eval, cli) may use below them
FACES = {"ui", "server", "eval", "cli"}
SKIPPED_DIRS = {".venv", ".git", "data", "corpus", "docs", "scripts", "eval-report", "node_modules"}


def imported_names(source: str, module: str = "", is_package: bool = False) -> set[str]:
    """Every module name `source` imports (dotted; `from a import b` gives "a" and "a.b")."""
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against this module's package
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            out.add(base)
            out |= {f"{base}.{alias.name}" for alias in node.names if alias.name != "*"}
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            name = _leading_text(node.args[0])
            if name:
                out.add(name.rstrip("."))
    return {name for name in out if name}


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in ("__import__", "import_module")
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def _leading_text(arg: ast.expr) -> str:
    """The module name given as a string, or the constant start of an f-string ("pkg.mod_{i}" -> "pkg.mod_")."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        return str(arg.values[0].value).rpartition(".")[0] if "{" not in str(arg.values[0].value) else ""
    return ""


def _modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the repository: dotted name -> (file, is a package __init__)."""
    found = {}
    for path in sorted(REPO.rglob("*.py")):
        rel = path.relative_to(REPO)
        if rel.parts[0] in SKIPPED_DIRS or rel.parts[0].startswith("."):
            continue
        parts = list(rel.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()


def _top(name: str) -> str:
    return name.split(".")[0]


def _graph() -> dict[str, set[str]]:
    """Product module -> the product modules it imports. `from pkg import mod` counts pkg.mod (not pkg);
    a module's own parent packages are left out (Python imports them first whatever the module says)."""
    graph: dict[str, set[str]] = {}
    for module, (path, is_package) in MODULES.items():
        if _top(module) in NOT_PRODUCT:
            continue
        names = imported_names(path.read_text(encoding="utf-8"), module, is_package)
        targets = {n for n in names if n in MODULES and n != module and not module.startswith(n + ".")}
        graph[module] = {n for n in targets if not any(m.startswith(n + ".") for m in targets)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import loops of `graph` (each as the modules of one strongly connected component)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_top_level_package_is_ranked():
    tops = {_top(m) for m in MODULES}
    assert not tops - set(RANK) - NOT_PRODUCT, f"unranked top-level packages: {sorted(tops - set(RANK) - NOT_PRODUCT)}"


def test_no_package_imports_a_higher_layer_or_a_peer_or_the_tests():
    checked, broken = 0, []
    for module, (path, is_package) in MODULES.items():
        package = _top(module)
        if package in NOT_PRODUCT:
            continue
        checked += 1
        for imported in {_top(n) for n in imported_names(path.read_text(encoding="utf-8"), module, is_package)}:
            if imported in NOT_PRODUCT:
                broken.append(f"{path.relative_to(REPO)} imports {imported} (test or benchmark code)")
            elif imported in RANK and imported != package and RANK[imported] >= RANK[package]:
                broken.append(f"{path.relative_to(REPO)} imports {imported}")
    assert checked > 40
    assert not broken, "layer violations:\n" + "\n".join(broken)


def test_the_faces_use_only_the_public_api():
    broken = []
    for module, (path, is_package) in MODULES.items():
        package = _top(module)
        if package not in FACES:
            continue
        for name in imported_names(path.read_text(encoding="utf-8"), module, is_package):
            top = _top(name)
            if top not in RANK or top in FACES or name in PUBLIC_API:
                continue
            if name not in MODULES and name.rpartition(".")[0] in PUBLIC_API:
                continue  # a name from the public API: `from assistant import Answer`
            broken.append(f"{path.relative_to(REPO)} imports {name}")
    assert not broken, "not the public API (assistant, core.settings, core.errors):\n" + "\n".join(sorted(broken))


def test_no_import_loops():
    loops = cycles(_graph())
    assert not loops, "import loops:\n" + "\n".join(" <-> ".join(loop) for loop in loops)


# --- the checks themselves see what they must --------------------------------------------------------


def test_dynamic_and_relative_imports_are_seen():
    source = (
        "import importlib\n"
        "def f():\n"
        "    importlib.import_module('tests.fakes.hostile')\n"
        "    __import__('benchmarks.bench_core')\n"
        "    from . import sibling\n"
        "    from ..core import settings\n"
    )
    names = imported_names(source, "ui.chat")
    assert {"tests.fakes.hostile", "benchmarks.bench_core", "ui.sibling", "core.settings"} <= names


@pytest.mark.parametrize("graph, loops", [
    ({"a.x": {"a.y"}, "a.y": {"a.x"}}, [["a.x", "a.y"]]),
    ({"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}}, [["a.x", "a.y", "a.z"]]),
    ({"a.x": {"a.y"}, "a.y": set()}, []),
])
def test_loops_are_found(graph, loops):
    assert cycles(graph) == loops
