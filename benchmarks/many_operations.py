"""A generated OpenAPI document with many operations, to show routing does not slow down with the size of a spec.

Each resource `rNNN` has five operations: list, search (a literal segment next to a templated one), get and
delete of an item, and a nested part; every answer is the operation's own example, `{"op": "<operationId>"}`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OPERATIONS_PER_RESOURCE = 5


def _operation(operation_id: str, params: list[str]) -> dict[str, Any]:
    return {
        "operationId": operation_id, "x-flowmock-action": "generate",
        "parameters": [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in params],
        "responses": {"200": {"description": "the operation that answered", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"op": {"type": "string"}}, "required": ["op"]},
            "example": {"op": operation_id}}}}},
    }


def many_operations_document(operations: int = 1000) -> dict[str, Any]:
    """An OpenAPI 3.0 document with `operations` operations (rounded up to a multiple of five)."""
    paths: dict[str, Any] = {}
    for n in range(-(-operations // OPERATIONS_PER_RESOURCE)):
        name = f"R{n:03d}"
        base = f"/r{n:03d}/items"
        paths[base] = {"get": _operation(f"list{name}", [])}
        paths[f"{base}/search"] = {"get": _operation(f"search{name}", [])}
        paths[f"{base}/{{itemId}}"] = {"get": _operation(f"get{name}Item", ["itemId"]),
                                       "delete": _operation(f"delete{name}Item", ["itemId"])}
        paths[f"{base}/{{itemId}}/parts/{{partId}}"] = {"get": _operation(f"get{name}Part", ["itemId", "partId"])}
    return {"openapi": "3.0.3", "info": {"title": f"Many operations ({operations})", "version": "1"},
            "servers": [{"url": "/many"}], "paths": paths}


def write_many_operations_spec(path: Path, operations: int = 1000) -> Path:
    """Write the document as JSON to `path` and return it."""
    path.write_text(json.dumps(many_operations_document(operations)))
    return path
