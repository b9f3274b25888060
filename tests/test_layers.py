"""The layers, kept by a test (an AST walk over every import, including the lazy ones in functions):

    core < index < ingest < assistant < ui, eval, server < cli

A package may import its own layer and the ones below, never a higher one; ui, eval and the HTTP API
package `server` are peers that do not import each other; cli (the command line) sits on top.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RANK = {"core": 0, "index": 1, "ingest": 2, "assistant": 3, "ui": 4, "eval": 4, "server": 4, "cli": 5}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out & set(RANK)


def test_no_package_imports_a_higher_layer_or_a_peer():
    checked, broken = 0, []
    for package, rank in RANK.items():
        for path in sorted((REPO / package).rglob("*.py")) if (REPO / package).is_dir() else []:
            checked += 1
            for imported in _imports(path) - {package}:
                if RANK[imported] >= rank:
                    broken.append(f"{path.relative_to(REPO)} imports {imported}")
    assert checked > 40
    assert not broken, "layer violations:\n" + "\n".join(broken)
