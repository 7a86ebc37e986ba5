"""contracts/__init__.py: the public surface is complete, and contracts never is imported by mock_server."""
from __future__ import annotations

import ast
from pathlib import Path

import contracts

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_MODULES = ("checks", "coverage", "errors", "events", "report", "runner", "summary")


def test_all_lists_every_public_name_of_the_public_modules():
    import importlib

    exported = set(contracts.__all__)
    for name in PUBLIC_MODULES:
        module = importlib.import_module(f"contracts.{name}")
        for attr, value in vars(module).items():
            defined_here = getattr(value, "__module__", None) == module.__name__
            if defined_here and not attr.startswith("_") and (isinstance(value, type) or callable(value)):
                assert attr in exported or attr in ALLOWED_UNEXPORTED, f"contracts.{name}.{attr} is not in __all__"
    assert all(hasattr(contracts, name) for name in exported)


ALLOWED_UNEXPORTED = {"status_matches", "documented_key", "format_statuses", "format_failures", "verdict",
                      "failure_lines", "register_custom_checks", "read_after_delete", "deletes", "uncovered_lines", "grid_cells"}


def test_mock_server_never_imports_contracts():
    for path in (ROOT / "mock_server").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n == "contracts" or n.startswith("contracts.") for n in names), path
