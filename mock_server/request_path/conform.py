"""Reshape a value from one schema into another: keep what the target declares, fill what it requires."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mock_server.request_path.generate import merge_all_of
from mock_server.request_path.models import effective_schema
from mock_server.loading.spec import Spec

_PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {"string": str, "integer": int, "number": (int, float), "boolean": bool}
Fill = Callable[[Any], Any]  # (schema) -> generated value for a required field that is missing


def conform(spec: Spec, schema: Any, value: Any, fill: Fill, depth: int = 0) -> Any:
    """Project `value` onto `schema`: undeclared keys dropped, wrong types regenerated, missing required keys filled."""
    schema = effective_schema(spec, merge_all_of(schema, spec.resolve), value) if isinstance(schema, dict) else {}
    if depth > 12:
        return value
    if "enum" in schema and value not in schema["enum"]:
        return fill(schema)
    kind = schema.get("type")
    if kind == "array" or (kind is None and "items" in schema):
        if not isinstance(value, list):
            return fill(schema)
        return [conform(spec, schema.get("items") or {}, item, fill, depth + 1) for item in value]
    if kind == "object" or (kind is None and "properties" in schema):
        if not isinstance(value, dict):
            return fill(schema)
        props: dict[str, Any] = schema.get("properties") or {}
        open_ = schema.get("additionalProperties", True) is not False and not props
        out = {k: conform(spec, props[k], v, fill, depth + 1) for k, v in value.items() if k in props and v is not None}
        if open_:
            out.update({k: v for k, v in value.items() if k not in props})
        for name in schema.get("required") or []:
            if name not in out:
                out[name] = fill(props.get(name) or {})
        return out
    if value is None:
        return value if schema.get("nullable") else fill(schema)
    expected = _PYTHON_TYPES.get(kind or "")
    if expected is not None and (not isinstance(value, expected) or (kind in ("integer", "number") and isinstance(value, bool))):
        return fill(schema)
    return value
