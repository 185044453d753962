"""The layer order of the statistics, theory, analysis and report packages, read from their
imports: metrics < theory < analysis, and the report renders without any analysis code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import harsanyi

SRC = Path(harsanyi.__file__).parent
ALLOWED = {
    "metrics": {"metrics", "core", "extract", "errors"},
    "theory": {"theory", "metrics", "core", "errors"},
    "analysis": {"analysis", "metrics", "theory", "dynamics", "store", "extract", "games",
                 "core", "errors"},
    "report": {"report", "metrics", "errors", "_version"},
}


def imports(package: str) -> list[tuple[str, str, list[str]]]:
    """``(file, imported harsanyi module, imported names)`` for every module of ``package``."""
    out = []
    for path in sorted((SRC / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("harsanyi"):
                out.append((path.name, node.module, [a.name for a in node.names]))
            elif isinstance(node, ast.Import):
                out += [(path.name, a.name, []) for a in node.names
                        if a.name.startswith("harsanyi")]
    return out


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_follow_the_layer_order(package):
    found = imports(package)
    assert found, f"no harsanyi import found in {package}"
    for file, module, names in found:
        parts = module.split(".")
        target = parts[1] if len(parts) > 1 else "harsanyi"
        if target == "harsanyi" and names:  # ``from harsanyi import x``: x is the package
            assert set(names) <= ALLOWED[package], f"{package}/{file} imports {names}"
        else:
            assert target in ALLOWED[package], f"{package}/{file} imports {module}"
        if target != package:  # no private helper of another package
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{package}/{file} imports {private} from {module}"
