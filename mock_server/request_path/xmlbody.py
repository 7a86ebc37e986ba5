"""XML request bodies read into the value their schema describes, with the schema's `xml` hints.

`xml.name` names an element or attribute, `xml.attribute` reads a property from an attribute, `xml.wrapped` puts an
array's items inside one wrapping element; namespaces and prefixes are matched by local name (a prefix is only
spelling). Text becomes the type the schema gives it. A document type declaration (DTD) is refused before anything
is expanded, so an entity bomb ("billion laughs") or an external entity costs nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from mock_server.errors import FieldError
from mock_server.request_path.generate import Resolve, merge_all_of
from mock_server.request_path.texttypes import is_kind, typed_text

MAX_DEPTH = 64  # elements nested deeper than this are refused, as JSON bodies are
XML_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}  # xsd:boolean's words


@dataclass
class Element:
    """One parsed element: its local name, attributes by local name, text and children."""

    name: str
    attributes: dict[str, str] = field(default_factory=dict)
    children: list[Element] = field(default_factory=list)
    text: str = ""


class BadXml(ValueError):
    """A body that is not well-formed XML, or declares a DTD."""


def parse_xml(body: bytes) -> Element:
    """The root element of `body`; BadXml naming line and column when it is malformed or declares a DTD."""
    parser = expat.ParserCreate(namespace_separator=" ")
    stack: list[Element] = []
    root: list[Element] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        element = Element(_local(name), {_local(k): v for k, v in attributes.items()})
        if len(stack) >= MAX_DEPTH:
            raise BadXml(f"elements nested deeper than {MAX_DEPTH} levels")
        (stack[-1].children if stack else root).append(element)
        stack.append(element)

    def end(_: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text += data

    def refuse_dtd(*_: Any) -> None:
        raise BadXml("a document type declaration (DTD) is not accepted in a request body")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = lambda *_: 0  # never fetched (unreachable once a DTD is refused)
    try:
        parser.Parse(body, True)
    except BadXml as exc:
        raise BadXml(f"{exc} (line {parser.CurrentLineNumber}, column {parser.CurrentColumnNumber + 1})") from None
    except expat.ExpatError as exc:
        raise BadXml(f"malformed XML: {expat.ErrorString(exc.code)} (line {exc.lineno}, column {exc.offset + 1})") from None
    if not root:
        raise BadXml("malformed XML: no root element")
    return root[0]


def _local(name: str) -> str:
    """`http://example.com/ns book` (namespace and local name) → `book`."""
    return name.rsplit(" ", 1)[-1]


def read_xml(body: bytes, schema: Any, resolve: Resolve) -> tuple[Any, list[FieldError]]:
    """The body's value shaped by `schema` (its `xml` hints honoured), and the fields whose text is not their type."""
    try:
        root = parse_xml(body)
    except BadXml as exc:
        return None, [FieldError("body", "", str(exc))]
    errors: list[FieldError] = []
    value = _value(root, _mapping(schema), resolve, "", errors)
    return value, errors


def _value(element: Element, schema: dict[str, Any], resolve: Resolve, where: str, errors: list[FieldError]) -> Any:
    schema = merge_all_of(schema, resolve)
    if is_kind(schema, "array"):
        items = _mapping(schema.get("items"))
        return [_value(child, items, resolve, f"{where}[{i}]", errors) for i, child in enumerate(element.children)]
    if is_kind(schema, "object") or (not schema.get("type") and (element.children or element.attributes)):
        return _object(element, schema, resolve, where, errors)
    try:
        return typed_text(element.text, schema, XML_BOOLEANS, _stripped_lower)
    except ValueError as exc:
        errors.append(FieldError("body", where, str(exc)))
        return element.text


def _object(element: Element, schema: dict[str, Any], resolve: Resolve, where: str, errors: list[FieldError]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    used: set[int] = set()
    for name, sub in (schema.get("properties") or {}).items():
        sub = merge_all_of(_mapping(sub), resolve)
        hints = _mapping(sub.get("xml"))
        xml_name = str(hints.get("name") or name)
        here = f"{where}.{name}" if where else str(name)
        if hints.get("attribute"):
            if xml_name in element.attributes:
                try:
                    out[name] = typed_text(element.attributes[xml_name], sub, XML_BOOLEANS, _stripped_lower)
                except ValueError as exc:
                    errors.append(FieldError("body", here, str(exc)))
            continue
        if is_kind(sub, "array"):
            found = _array(element, sub, xml_name, hints, resolve, here, errors, used)
            if found is not None:
                out[name] = found
            continue
        child = next((c for c in element.children if c.name == xml_name and id(c) not in used), None)
        if child is not None:
            used.add(id(child))
            out[name] = _value(child, sub, resolve, here, errors)
    extra = schema.get("additionalProperties", True)
    for child in element.children:  # what the schema does not name: kept, so validation can say it is not allowed
        if id(child) not in used and child.name not in out:
            out[child.name] = _value(child, _mapping(extra), resolve, f"{where}.{child.name}" if where else child.name, errors)
    return out


def _array(element: Element, schema: dict[str, Any], xml_name: str, hints: dict[str, Any], resolve: Resolve, where: str,
           errors: list[FieldError], used: set[int]) -> list[Any] | None:
    """An array property: its items inside a wrapper element (`wrapped`), else repeated elements named for the items."""
    items = merge_all_of(_mapping(schema.get("items")), resolve)
    item_hints = _mapping(items.get("xml"))
    if hints.get("wrapped"):
        wrapper = next((c for c in element.children if c.name == xml_name and id(c) not in used), None)
        if wrapper is None:
            return None
        used.add(id(wrapper))
        item_name = item_hints.get("name")
        members = [c for c in wrapper.children if item_name is None or c.name == item_name]
    else:
        item_name = str(item_hints.get("name") or xml_name)
        members = [c for c in element.children if c.name == item_name and id(c) not in used]
        if not members:
            return None
        used.update(id(c) for c in members)
    return [_value(member, items, resolve, f"{where}[{i}]", errors) for i, member in enumerate(members)]


def _mapping(value: Any) -> dict[str, Any]:
    """A schema or `xml` object, or an empty one when the document has something else there."""
    return value if isinstance(value, dict) else {}


def _stripped_lower(text: str) -> str:
    """An XML boolean's word: whitespace around it does not count."""
    return text.strip().lower()
