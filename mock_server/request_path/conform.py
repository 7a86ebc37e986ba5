"""Reshape a value from one schema into another: keep what the target declares, convert what it can, fill what it requires."""
from __future__ import annotations

import re
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


MergeCache = dict[int, tuple[Any, dict[str, Any]]]  # id(schema) -> (schema, allOf merged): kept by a long-lived caller
_CACHE_LIMIT = 4096


def conform(spec: Spec, schema: Any, value: Any, fill: Fill, depth: int = 0, keep_extra: bool = False,
            cache: MergeCache | None = None, hidden: str | None = None) -> Any:
    """Project `value` onto `schema`: undeclared keys dropped (kept with `keep_extra` unless
    `additionalProperties: false`), scalars converted to the declared type ("true" → true, "5" → 5),
    what cannot be converted dropped when optional and generated when required. `cache` keeps merged schemas
    between calls (a caller that conforms on every request passes one). Properties flagged `hidden` (`writeOnly` for
    an answer) are dropped and never filled."""
    shaper = _Conformer(spec, fill, keep_extra, {} if cache is None else cache, hidden)
    found = shaper.conform(schema, value, depth)
    return fill(shaper.merged(schema, value)) if found is _UNFIT else found


class _Conformer:
    """One conform run: the spec, how to fill, whether to keep undeclared keys, and the merged-schema cache."""

    def __init__(self, spec: Spec, fill: Fill, keep_extra: bool, cache: MergeCache, hidden: str | None = None) -> None:
        self.spec = spec
        self.hidden = hidden
        self.fill = fill
        self.keep_extra = keep_extra
        self.cache = cache

    def merged(self, schema: Any, value: Any) -> dict[str, Any]:
        """`schema` with `allOf` merged (cached by identity), then the union branch `value` belongs to."""
        if not isinstance(schema, dict):
            return {}
        entry = self.cache.get(id(schema))
        if entry is not None and entry[0] is schema:
            base = entry[1]
        else:
            base = merge_all_of(schema, self.spec.resolve)
            if len(self.cache) >= _CACHE_LIMIT:
                self.cache.clear()
            self.cache[id(schema)] = (schema, base)  # the schema itself is kept, so its id is never reused
        return effective_schema(self.spec, base, value) if ("oneOf" in base or "anyOf" in base) else base

    def fit(self, schema: Any, value: Any, depth: int) -> Any:
        """`value` conformed to `schema`, generated when it cannot be."""
        found = self.conform(schema, value, depth)
        return self.fill(self.merged(schema, value)) if found is _UNFIT else found

    def conform(self, schema: Any, value: Any, depth: int) -> Any:
        """`value` conformed to `schema`, or `_UNFIT`."""
        schema = self.merged(schema, value)
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
                    return self.conform({**schema, "type": one}, value, depth)
            return _convert(value, kinds[0]) if kinds else value
        if value is None:
            return value if schema.get("nullable") or kind is None and "enum" not in schema else _UNFIT
        if kind == "array" or (kind is None and "items" in schema):
            if not isinstance(value, list):
                return _UNFIT
            return [self.fit(schema.get("items") or {}, item, depth + 1) for item in value]
        if kind == "object" or (kind is None and "properties" in schema):
            if not isinstance(value, dict):
                return _UNFIT
            return self.conform_object(schema, value, depth)
        found = _convert(value, kind) if kind else value
        return found if found is _UNFIT or _within(found, schema) else _UNFIT

    def conform_object(self, schema: dict[str, Any], value: dict[str, Any], depth: int) -> dict[str, Any]:
        """An object's declared properties conformed, required ones filled, undeclared ones kept or dropped."""
        props: dict[str, Any] = schema.get("properties") or {}
        required = schema.get("required") or []
        if self.hidden:
            flagged = {k for k, sub in props.items() if isinstance(sub, dict) and self.spec.resolve(sub).get(self.hidden)}
            if flagged:
                props = {k: v for k, v in props.items() if k not in flagged}
                required = [r for r in required if r not in flagged]
                value = {k: v for k, v in value.items() if k not in flagged}
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in props:
                found = self.conform(props[key], item, depth + 1)
                if found is not _UNFIT:
                    out[key] = found
                elif key in required:
                    out[key] = self.fill(self.merged(props[key], item))
        extra = schema.get("additionalProperties", True)
        if extra is not False and (self.keep_extra or not props):
            out.update({k: v for k, v in value.items() if k not in props})
        for name in required:
            if name not in out:
                out[name] = self.fill(props.get(name) or {})
        return out


def _within(value: Any, schema: dict[str, Any]) -> bool:
    """Whether a scalar keeps its schema's format, lengths, pattern and bounds (a request may have allowed `""` where the
    response says `minLength: 1`)."""
    if isinstance(value, str):
        low, high, pattern = schema.get("minLength"), schema.get("maxLength"), schema.get("pattern")
        if isinstance(low, int) and len(value) < low or isinstance(high, int) and len(value) > high:
            return False
        try:
            if isinstance(pattern, str) and not re.search(pattern, value):
                return False
        except re.error:
            pass
        return has_format(value, schema.get("format"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high = schema.get("minimum"), schema.get("maximum")
        if isinstance(low, (int, float)) and (value < low or value == low and schema.get("exclusiveMinimum") is True):
            return False
        if isinstance(high, (int, float)) and (value > high or value == high and schema.get("exclusiveMaximum") is True):
            return False
        above, below = _number(schema.get("exclusiveMinimum")), _number(schema.get("exclusiveMaximum"))  # OpenAPI 3.1
        if above is not None and value <= above or below is not None and value >= below:
            return False
    return True


def _number(bound: Any) -> float | None:
    return bound if isinstance(bound, (int, float)) and not isinstance(bound, bool) else None


def has_format(text: str, form: Any) -> bool:
    """Whether a string has the common formats a request schema may not have asked for (`""` is no uri). A string
    that cannot be encoded is left for the encoder, which refuses the answer and undoes the write."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
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
