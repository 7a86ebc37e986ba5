"""Reshape a value from one schema into another: keep what the target declares, convert what it can, fill what it requires."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from mock_server.request_path.generate import merge_all_of
from mock_server.request_path.models import effective_schema
from mock_server.loading.spec import Spec

_PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {"string": str, "integer": int, "number": (int, float), "boolean": bool}
_UNFIT = object()  # a scalar that neither fits its schema nor converts to it
Fill = Callable[[Any], Any]  # (schema) -> generated value for a required field that is missing


def conform(spec: Spec, schema: Any, value: Any, fill: Fill, depth: int = 0, keep_extra: bool = False) -> Any:
    """Project `value` onto `schema`: undeclared keys dropped (kept with `keep_extra` unless
    `additionalProperties: false`), scalars converted to the declared type ("true" → true, "5" → 5),
    what cannot be converted dropped when optional and generated when required."""
    found = _conform(spec, schema, value, fill, depth, keep_extra)
    return fill(_merged(spec, schema, value)) if found is _UNFIT else found


def _merged(spec: Spec, schema: Any, value: Any) -> dict[str, Any]:
    return effective_schema(spec, merge_all_of(schema, spec.resolve), value) if isinstance(schema, dict) else {}


def _conform(spec: Spec, schema: Any, value: Any, fill: Fill, depth: int, keep_extra: bool) -> Any:
    schema = _merged(spec, schema, value)
    if depth > 12 or not schema:
        return value
    if "enum" in schema and value not in schema["enum"]:
        return _UNFIT
    kind = schema.get("type")
    if isinstance(kind, list):  # OpenAPI 3.1: `type: [string, "null"]`
        if value is None and "null" in kind:
            return value
        kinds = [k for k in kind if k != "null"]
        for one in kinds:
            if _fits(value, one):
                return _conform(spec, {**schema, "type": one}, value, fill, depth, keep_extra)
        return _convert(value, kinds[0]) if kinds else value
    if value is None:
        return value if schema.get("nullable") or kind is None and "enum" not in schema else _UNFIT
    if kind == "array" or (kind is None and "items" in schema):
        if not isinstance(value, list):
            return _UNFIT
        return [conform(spec, schema.get("items") or {}, item, fill, depth + 1, keep_extra) for item in value]
    if kind == "object" or (kind is None and "properties" in schema):
        if not isinstance(value, dict):
            return _UNFIT
        return _conform_object(spec, schema, value, fill, depth, keep_extra)
    found = _convert(value, kind) if kind else value
    return _UNFIT if isinstance(found, str) and not _has_format(found, schema.get("format")) else found


def _has_format(text: str, form: Any) -> bool:
    """Whether a string has the common formats a request schema may not have asked for (`""` is no uri)."""
    try:
        if form == "date-time":
            datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        elif form == "date":
            date.fromisoformat(text)
        elif form == "uuid":
            UUID(text)
        elif form in ("uri", "url"):
            return ":" in text
        elif form == "email":
            return "@" in text
    except ValueError:
        return False
    return True


def _conform_object(spec: Spec, schema: dict[str, Any], value: dict[str, Any], fill: Fill, depth: int,
                    keep_extra: bool) -> dict[str, Any]:
    props: dict[str, Any] = schema.get("properties") or {}
    required = schema.get("required") or []
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in props:
            found = _conform(spec, props[key], item, fill, depth + 1, keep_extra)
            if found is not _UNFIT:
                out[key] = found
            elif key in required:
                out[key] = fill(_merged(spec, props[key], item))
    extra = schema.get("additionalProperties", True)
    if extra is not False and (keep_extra or not props):
        out.update({k: v for k, v in value.items() if k not in props})
    for name in required:
        if name not in out:
            out[name] = fill(props.get(name) or {})
    return out


def _fits(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    expected = _PYTHON_TYPES.get(kind)
    if expected is None:
        return True
    return isinstance(value, expected) and not (kind in ("integer", "number") and isinstance(value, bool))


def _convert(value: Any, kind: str) -> Any:
    """`value` as a `kind` scalar when the conversion loses nothing; `_UNFIT` otherwise."""
    if _fits(value, kind):
        if kind == "integer" and isinstance(value, float):
            return int(value) if value.is_integer() else _UNFIT
        return value
    if isinstance(value, (dict, list)) or value is None:
        return _UNFIT
    text = str(value).strip()
    if kind == "string":
        return ("true" if value else "false") if isinstance(value, bool) else text
    if kind == "boolean":
        return {"true": True, "false": False, "1": True, "0": False}.get(text.lower(), _UNFIT)
    if kind in ("integer", "number") and not isinstance(value, bool):
        try:
            number = float(text)
        except ValueError:
            return _UNFIT
        if kind == "integer":
            return int(number) if number.is_integer() else _UNFIT
        return int(number) if number.is_integer() and "." not in text else number
    return _UNFIT
