"""Shared assertion: a spec documents a given table of (method, path, operationId)."""
from __future__ import annotations

from pathlib import Path

import yaml

SPECS_DIR = Path(__file__).resolve().parents[2] / "specs"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def spec_operations(stem: str) -> set[tuple[str, str, str]]:
    """Return every (METHOD, path, operationId) the bundled spec `stem` declares."""
    doc = yaml.safe_load((SPECS_DIR / f"{stem}.yaml").read_text())
    return {
        (method.upper(), path, op.get("operationId", ""))
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def assert_operations(stem: str, expected: list[tuple[str, str, str]]) -> None:
    """Fail naming every seed operation the spec lacks or gets wrong."""
    declared = spec_operations(stem)
    missing = [row for row in expected if row not in declared]
    assert not missing, f"{stem}.yaml lacks these seed operations: {missing}"
    assert len(set(expected)) == len(expected), "the seed table lists an operation twice"
