"""Routes see frozen records, never peewee rows: nothing under `api/` imports the storage models."""

from __future__ import annotations

import ast
from pathlib import Path

import frigate_media.api

API_DIR = Path(frigate_media.api.__file__).parent
FORBIDDEN = ("peewee", "frigate_media.storage.models")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_api_module_imports_peewee_or_the_models() -> None:
    modules = sorted(API_DIR.rglob("*.py"))
    assert any(path.parent.name == "routes" for path in modules)
    offenders = {
        str(path.relative_to(API_DIR)): sorted(
            name for name in imported_modules(path) if name.startswith(FORBIDDEN)
        )
        for path in modules
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_scan_sees_an_import_of_the_models(tmp_path: Path) -> None:
    sample = tmp_path / "route.py"
    sample.write_text("from frigate_media.storage.models import Event\nimport peewee\n")
    found = imported_modules(sample)
    assert "frigate_media.storage.models.Event" in found and "peewee" in found
