"""The dependency rules of docs/architecture.md: portal/ -> media/; search/ -> portal/ and media/; media/ never
imports portal/, and neither portal/ nor media/ imports search/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"media": {"portal", "search"}, "portal": {"search"}}
# The project's URL configuration wires every package together: it is allowed to know them all.
COMPOSITION_ROOT = {"portal/urls.py"}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_only_depend_the_way_the_design_allows(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if path.relative_to(ROOT).as_posix() in COMPOSITION_ROOT:
            continue
        wrong = imported_packages(path) & FORBIDDEN[package]
        if wrong:
            offenders.append(f"{path.relative_to(ROOT)} imports {', '.join(sorted(wrong))}")
    assert offenders == []
