"""Bodies that are not JSON (`application/x-www-form-urlencoded`, `multipart/form-data`, XML) read into values typed by their schema."""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from mock_server.errors import FieldError
from mock_server.request_path.generate import Resolve, merge_all_of
from mock_server.request_path.negotiate import is_xml
from mock_server.request_path.texttypes import is_kind, shown, typed_text
from mock_server.request_path.xmlbody import read_xml

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def decoded_media(request_body: dict[str, Any], ctype: str | None) -> dict[str, Any] | None:
    """The media object a request body documents for this form or XML Content-Type, or None (JSON, or not documented)."""
    found = form_media(request_body, ctype)
    if found is not None or not is_xml(ctype or ""):
        return found
    wanted = (ctype or "").split(";", 1)[0].strip().lower()
    for documented, media in (request_body.get("content") or {}).items():
        if documented.split(";", 1)[0].strip().lower() == wanted and isinstance(media, dict):
            return media
    return None


def read_decoded(body: bytes, ctype: str, media: dict[str, Any], resolve: Resolve) -> tuple[Any, list[FieldError]]:
    """A form or XML body as the value its schema describes, and what could not be read."""
    if form_type(ctype) is None:
        return read_xml(body, media.get("schema") or {}, resolve)
    return read_form(body, ctype, media, resolve)


def form_type(ctype: str | None) -> str | None:
    """The form media type a Content-Type names (without its parameters), or None."""
    base = (ctype or "").split(";", 1)[0].strip().lower()
    return base if base in FORM_TYPES else None


def form_media(request_body: dict[str, Any], ctype: str | None) -> dict[str, Any] | None:
    """The media object a request body documents for this form Content-Type, or None when it is not a documented form."""
    wanted = form_type(ctype)
    if wanted is None:
        return None
    for documented, media in (request_body.get("content") or {}).items():
        if documented.split(";", 1)[0].strip().lower() == wanted and isinstance(media, dict):
            return media
    return None


def read_form(body: bytes, ctype: str, media: dict[str, Any], resolve: Resolve) -> tuple[dict[str, Any], list[FieldError]]:
    """The form's fields converted to the types its schema gives them (`encoding` honoured), and what could not be."""
    try:
        fields = _multipart(body, ctype) if form_type(ctype) == "multipart/form-data" else _urlencoded(body)
    except (UnicodeDecodeError, ValueError) as exc:
        return {}, [FieldError("body", "", f"malformed form: {exc}")]
    schema = merge_all_of(media.get("schema") or {}, resolve)
    props = schema.get("properties") or {}
    encoding = media.get("encoding") or {}
    grouped: dict[str, list[tuple[str, str | None]]] = {}
    nested: dict[str, dict[str, str]] = {}
    for name, value, part_type in fields:
        outer, bracket, inner = name.partition("[")
        if bracket and inner.endswith("]") and outer in props and inner[:-1]:  # deepObject: `meta[source]=x`
            nested.setdefault(outer, {})[inner[:-1]] = value
            continue
        grouped.setdefault(name, []).append((value, part_type))
    out: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, values in grouped.items():
        sub = merge_all_of(props.get(name) or {}, resolve)
        rule: dict[str, Any] = encoding[name] if isinstance(encoding.get(name), dict) else {}
        try:
            out[name] = _field(values, sub, rule, resolve)
        except ValueError as exc:
            errors.append(FieldError("body", name, str(exc)))
    for name, members in nested.items():
        sub = merge_all_of(props.get(name) or {}, resolve)
        inner_props = sub.get("properties") or {}
        try:
            out[name] = {k: typed_text(v, merge_all_of(inner_props.get(k) or {}, resolve)) for k, v in members.items()}
        except ValueError as exc:
            errors.append(FieldError("body", name, str(exc)))
    return out, errors


def _urlencoded(body: bytes) -> list[tuple[str, str, str | None]]:
    return [(k, v, None) for k, v in parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)]


def _multipart(body: bytes, ctype: str) -> list[tuple[str, str, str | None]]:
    """Each named part: (name, text, its own Content-Type); a file part gives its file name (its bytes are not kept)."""
    if "boundary=" not in ctype:
        raise ValueError("multipart/form-data without a boundary")
    from email.message import Message  # the email package loads with the first multipart body
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise ValueError("no parts found for the boundary given")
    fields = []
    for part in message.iter_parts():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            continue  # a part without a name carries no field
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        text = filename if filename is not None else data.decode("utf-8", errors="replace")
        fields.append((name, text, None if filename is not None else part.get_content_type()))
    return fields


def _field(values: list[tuple[str, str | None]], schema: dict[str, Any], rule: dict[str, Any], resolve: Resolve) -> Any:
    declared = rule.get("contentType") or values[0][1] or ""
    if "json" in str(declared).lower() or (is_kind(schema, "object") and values[0][0].lstrip().startswith("{")):
        try:
            return json.loads(values[0][0])
        except ValueError:
            raise ValueError(f"not valid JSON: {shown(values[0][0])}") from None
    if is_kind(schema, "array"):
        items = merge_all_of(schema.get("items") or {}, resolve)
        texts = [v for v, _ in values]
        if len(texts) == 1 and rule.get("explode") is False and texts[0]:
            texts = texts[0].split({"spaceDelimited": " ", "pipeDelimited": "|"}.get(str(rule.get("style")), ","))
        return [typed_text(t, items) for t in texts]
    return typed_text(values[-1][0], schema)
