"""No import cycle inside frigate_media/: the layers import downwards only.

Every import counts, wherever it stands: at the top, inside a function, under `TYPE_CHECKING`.
A cycle hidden in a function still means two modules that cannot be understood (or moved)
apart, and one under `TYPE_CHECKING` is a type that points back up the layers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "frigate_media"
REPO_ROOT = Path(__file__).resolve().parent.parent


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Dotted name -> file for every module of `package` under `root` (packages as their name)."""
    modules: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imported_names(module: str, path: Path) -> Iterator[str]:
    """Every dotted name `module` imports, relative imports resolved, wherever they stand."""
    is_package = path.name == "__init__.py"
    here = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names)


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (`from a import b`: b if a module, else a)."""
    modules = module_names(root, package)
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = set()
        for name in imported_names(module, path):
            if name in modules and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The cycles a depth-first walk meets, one per import that closes a loop (start repeated)."""
    found: list[list[str]] = []
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> None:
        path.append(module)
        for target in sorted(graph[module]):
            if target in path:
                found.append([*path[path.index(target) :], target])
            elif target not in done:
                visit(target)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module)
    return found


def test_frigate_media_has_no_import_cycle() -> None:
    graph = import_graph(REPO_ROOT, PACKAGE)
    assert len(graph) > 100  # the whole package was read
    assert [" -> ".join(cycle) for cycle in cycles(graph)] == []


def test_the_context_imports_no_service_and_no_frames_module() -> None:
    graph = import_graph(REPO_ROOT, PACKAGE)
    upward = {
        name
        for name in graph["frigate_media.context"]
        if name.startswith(("frigate_media.services", "frigate_media.frames"))
    }
    assert upward == set()


def test_a_cycle_through_a_function_or_type_checking_import_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text("def later():\n    from .. import c\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import thing\n"
    )
    (package / "d.py").write_text("import pkg.a\n")  # imports into the cycle, not part of it

    found = cycles(import_graph(tmp_path, "pkg"))

    assert found == [["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]]
