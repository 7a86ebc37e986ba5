"""Encode a response value as the bytes of its negotiated media type: JSON, XML (with the schema's `xml` hints), text."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from mock_server.request_path.jsonencode import json_bytes
from mock_server.request_path.generate import Resolve, merge_all_of
from mock_server.request_path.negotiate import is_json, is_xml


def encode_body(value: Any, ctype: str, schema: Any, resolve: Resolve) -> bytes:
    """The bytes to send for `value` as `ctype`: text as it is, XML built from the schema, JSON otherwise."""
    if is_json(ctype):
        return _json(value)
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if is_xml(ctype):
        return to_xml(value, schema, resolve).encode()
    if ctype.split(";", 1)[0].strip().lower() == "text/csv" and _rows(value):
        return _csv(value)
    if ctype.lower().startswith("text/") and isinstance(value, (int, float, bool)):
        return json.dumps(value).encode()
    return _json(value)


def _json(value: Any) -> bytes:
    return json_bytes(value)


def _rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(row, dict) for row in value)


def _csv(rows: list[dict[str, Any]]) -> bytes:
    """A list of objects as CSV: a header of every key in first-seen order, one line per object."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _scalar(row.get(c)) for c in columns])
    return out.getvalue().encode()


def to_xml(value: Any, schema: Any, resolve: Resolve) -> str:
    """An XML document for `value`: the root is named by `xml.name`, the schema's component name, or `root`."""
    ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
    name = ref.rsplit("/", 1)[-1] if ref else "root"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _element(value, schema, name, resolve, 0)


def _element(value: Any, schema: Any, name: str, resolve: Resolve, depth: int) -> str:
    """One element (OpenAPI `xml`: name, prefix, namespace, attribute, wrapped), its children built recursively."""
    from xml.sax.saxutils import escape, quoteattr  # loads urllib and http.client: only when XML is answered

    schema = merge_all_of(schema, resolve) if isinstance(schema, dict) else {}
    hints = schema.get("xml") if isinstance(schema.get("xml"), dict) else {}
    tag = _tag(str(hints.get("name") or name), hints)
    ns = _namespace(hints)
    if isinstance(value, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        item_hints = (merge_all_of(items, resolve).get("xml") or {}) if items else {}
        item_name = str(item_hints.get("name") or (hints.get("name") if not hints.get("wrapped") else None) or name)
        inner = "".join(_element(item, items, item_name, resolve, depth + 1) for item in value)
        return f"<{tag}{ns}>{inner}</{tag}>" if hints.get("wrapped") or depth == 0 else inner
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        attributes, children = [], []
        for key, item in value.items():
            sub = props.get(key) if isinstance(props.get(key), dict) else {}
            sub_hints = merge_all_of(sub, resolve).get("xml") or {} if sub else {}
            if sub_hints.get("attribute") and not isinstance(item, (dict, list)):
                attributes.append(f" {_tag(str(sub_hints.get('name') or key), sub_hints)}={quoteattr(_scalar(item))}")
            else:
                children.append(_element(item, sub, str(key), resolve, depth + 1))
        return f"<{tag}{ns}{''.join(attributes)}>{''.join(children)}</{tag}>"
    if value is None:
        return f"<{tag}{ns}/>"
    return f"<{tag}{ns}>{escape(_scalar(value))}</{tag}>"


def _tag(name: str, hints: dict[str, Any]) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "item"
    safe = safe if safe[0].isalpha() or safe[0] == "_" else "_" + safe
    return f"{hints['prefix']}:{safe}" if hints.get("prefix") else safe


def _namespace(hints: dict[str, Any]) -> str:
    if not hints.get("namespace"):
        return ""
    from xml.sax.saxutils import quoteattr

    attribute = f"xmlns:{hints['prefix']}" if hints.get("prefix") else "xmlns"
    return f" {attribute}={quoteattr(str(hints['namespace']))}"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
