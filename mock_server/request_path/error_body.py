"""An error body in the shape an operation documents, carrying flowmock's problem: message, status, field errors."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mock_server.errors import FieldError
from mock_server.request_path.generate import Resolve, merge_all_of

Generate = Callable[[Any], Any]

_MESSAGE = ("message", "detail", "errormessage", "errordescription", "description", "msg", "reason", "error", "details")
_TITLE = ("title", "summary")
_STATUS = ("status", "statuscode", "httpstatus", "httpstatuscode", "httpcode")
_CODE = ("code", "errorcode", "type", "errortype")
_ERRORS = ("errors", "fielderrors", "validationerrors", "invalidparams", "violations", "details", "issues")
_FIELD = ("field", "name", "path", "param", "parameter", "pointer", "property", "attribute")
_LOCATION = ("location", "in", "source")


def shaped_error(schema: Any, status: int, title: str, detail: str, errors: list[FieldError], resolve: Resolve,
                 generate: Generate) -> Any:
    """A value for the documented error `schema`, generated, with the problem written into the fields that name it."""
    resolved = merge_all_of(schema, resolve) if isinstance(schema, dict) else {}
    if resolved.get("type") == "string" and _free_text(resolved):
        return detail
    value = generate(schema)
    if isinstance(value, dict):
        _fill(value, resolved, status, title, detail, errors, resolve, generate, 0)
    return value


def _fill(out: dict[str, Any], schema: dict[str, Any], status: int, title: str, detail: str, errors: list[FieldError],
          resolve: Resolve, generate: Generate, depth: int) -> None:
    props = {name: merge_all_of(sub, resolve) for name, sub in (schema.get("properties") or {}).items() if isinstance(sub, dict)}
    keys = {_key(name): name for name in props}
    message_done = False
    for wanted in _MESSAGE:
        name = keys.get(wanted)
        if name and _free_text(props[name]):
            out[name] = _fit(detail, props[name])
            message_done = True
            break
    labels: tuple[tuple[tuple[str, ...], str], ...] = ((_TITLE, title), (_CODE, re.sub(r"\W+", "_", title.lower()).strip("_")))
    for names, text in labels:
        name = next((keys[k] for k in names if k in keys and _free_text(props[keys[k]])), None)
        if name and name not in [keys.get(k) for k in _MESSAGE]:
            out[name] = _fit(text, props[name])
    for group in (_STATUS, _CODE):
        for wanted in group:
            name = keys.get(wanted)
            if name and _allows(props[name], "integer") and not props[name].get("enum"):
                out[name] = status
            elif name and group is _STATUS and _free_text(props[name]):
                out[name] = str(status)
    if errors:
        name = next((keys[k] for k in _ERRORS if k in keys and _allows(props[keys[k]], "array")), None)
        items = merge_all_of(props[name].get("items") or {}, resolve) if name else {}
        if name and _allows(items, "object"):
            out[name] = [_item(e, props[name].get("items") or {}, items, resolve, generate) for e in errors[:10]]
    if not message_done and depth == 0:
        for name, sub in props.items():  # `{"error": {"code": ..., "message": ...}}`
            if isinstance(out.get(name), dict) and sub.get("properties"):
                _fill(out[name], sub, status, title, detail, errors, resolve, generate, depth + 1)
                break


def _item(error: FieldError, raw: Any, schema: dict[str, Any], resolve: Resolve, generate: Generate) -> Any:
    item = generate(raw)
    if not isinstance(item, dict):
        return item
    props = {name: merge_all_of(sub, resolve) for name, sub in (schema.get("properties") or {}).items() if isinstance(sub, dict)}
    keys = {_key(name): name for name in props}
    for group, text in ((_MESSAGE, error.message), (_FIELD, error.field), (_LOCATION, error.location)):
        name = next((keys[k] for k in group if k in keys and _free_text(props[keys[k]])), None)
        if name:
            item[name] = _fit(text, props[name])
    return item


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _allows(schema: dict[str, Any], kind: str) -> bool:
    declared = schema.get("type")
    return declared == kind or (isinstance(declared, list) and kind in declared)


def _free_text(schema: dict[str, Any]) -> bool:
    """A string property any text fits (no enum, pattern, format or const)."""
    return _allows(schema, "string") and not {"enum", "pattern", "format", "const"} & set(schema)


def _fit(text: str, schema: dict[str, Any]) -> str:
    high = schema.get("maxLength")
    text = text[:high] if isinstance(high, int) else text
    low = schema.get("minLength")
    return text + "." * (low - len(text)) if isinstance(low, int) and len(text) < low else text
