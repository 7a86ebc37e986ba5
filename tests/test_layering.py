"""Architecture rules, checked on the import statements of every module (like WireMock's archunit tests)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules(package: str) -> dict[str, set[str]]:
    return {str(p.relative_to(ROOT)): imports_of(p) for p in (ROOT / package).rglob("*.py")}


def test_mock_server_never_imports_contracts():
    offenders = {m: sorted(i for i in imps if i.startswith("contracts")) for m, imps in modules("mock_server").items()}
    assert not {m: i for m, i in offenders.items() if i}


def test_leaves_import_nothing_internal():
    for leaf in ("mock_server/config.py", "mock_server/errors.py"):
        internal = {i for i in imports_of(ROOT / leaf) if i.startswith("mock_server") and i != "mock_server.errors"}
        assert not internal, (leaf, internal)


def test_behaviours_know_nothing_of_the_web_framework_or_the_app():
    banned = ("connexion", "starlette", "uvicorn", "flask", "mock_server.app", "mock_server.engine", "mock_server.cli")
    for module, imps in modules("mock_server/behaviours").items():
        assert not [i for i in imps if i.startswith(banned)], module


def test_only_assembly_modules_import_the_app():
    allowed = {"mock_server/app.py", "mock_server/cli.py", "mock_server/dataset.py", "mock_server/fixtures_cli.py",
               "mock_server/admin.py"}  # admin: for type checking only
    importers = {m for m, imps in modules("mock_server").items() if "mock_server.app" in imps}
    assert importers <= allowed, importers - allowed


def test_the_generic_engine_names_none_of_our_apis():
    ours = ("workflow-definitions", "workflow-executions", "workspace-workflows", "/v1/automation", "/v1/workflows")
    generic = [p for p in (ROOT / "mock_server").glob("*.py") if p.name not in ("cli.py",)]
    for path in generic:
        text = path.read_text()
        assert not [name for name in ours if name in text], path.name
