"""The shape of an OpenAPI document: which object kind sits where, so loaders and linters walk it alike."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# components section holding each kind of object (path items only in 3.1)
SECTION_OF_KIND = {
    "schema": "schemas", "response": "responses", "parameter": "parameters", "example": "examples",
    "requestBody": "requestBodies", "header": "headers", "securityScheme": "securitySchemes", "link": "links",
    "callback": "callbacks", "pathItem": "pathItems",
}
KIND_OF_SECTION = {section: kind for kind, section in SECTION_OF_KIND.items()}

_SCHEMA_MAPS = frozenset(("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"))
_SCHEMA_LISTS = frozenset(("allOf", "anyOf", "oneOf", "prefixItems"))
_SCHEMA_ONES = frozenset(("not", "additionalProperties", "additionalItems", "contains", "propertyNames", "if", "then", "else",
                          "unevaluatedItems", "unevaluatedProperties", "contentSchema"))
_SCHEMA_PARENT_KEYS = _SCHEMA_MAPS | _SCHEMA_LISTS | _SCHEMA_ONES | {"items"}


class Child(NamedTuple):
    """One object below another: where it sits (`container[key]`), its kind and its path from the parent."""

    kind: str
    rel: tuple[str | int, ...]
    container: Any
    key: str | int

    @property
    def node(self) -> Any:
        """The child object itself."""
        return self.container[self.key]


def _each(container: Any, kind: str, prefix: tuple[str | int, ...], extensible: bool = False) -> Iterator[Child]:
    """Each entry of a map or list (an extensible map's `x-` keys are extensions, not entries)."""
    if isinstance(container, dict):
        for key in container:
            if not (extensible and str(key).startswith("x-")):
                yield Child(kind, (*prefix, key), container, key)
    elif isinstance(container, list):
        for index in range(len(container)):
            yield Child(kind, (*prefix, index), container, index)


def _one(node: dict[str, Any], key: str, kind: str, prefix: tuple[str | int, ...] = ()) -> Iterator[Child]:
    if key in node and node[key] is not None:
        yield Child(kind, (*prefix, key), node, key)


def is_leaf(kind: str, node: Any) -> bool:
    """True when nothing lies below `node`: a schema without subschemas (most are), or a value that is not an object."""
    return not isinstance(node, dict) or (kind == "schema" and _SCHEMA_PARENT_KEYS.isdisjoint(node))


def children(kind: str, node: Any) -> Iterator[Child]:
    """The OpenAPI objects directly below `node` (a `kind` object), each with its own kind."""
    if not isinstance(node, dict):
        return
    sub = _CHILDREN.get(kind)
    if sub is not None:
        yield from sub(node)


def _document(node: dict[str, Any]) -> Iterator[Child]:
    for key in ("paths", "webhooks"):
        yield from _each(node.get(key), "pathItem", (key,), extensible=True)
    components = node.get("components")
    if isinstance(components, dict):
        for section, kind in KIND_OF_SECTION.items():
            yield from _each(components.get(section), kind, ("components", section))


def _path_item(node: dict[str, Any]) -> Iterator[Child]:
    yield from _each(node.get("parameters"), "parameter", ("parameters",))
    for method in HTTP_METHODS:
        yield from _one(node, method, "operation")


def _operation(node: dict[str, Any]) -> Iterator[Child]:
    yield from _each(node.get("parameters"), "parameter", ("parameters",))
    yield from _one(node, "requestBody", "requestBody")
    yield from _each(node.get("responses"), "response", ("responses",), extensible=True)
    yield from _each(node.get("callbacks"), "callback", ("callbacks",))


def _parameter(node: dict[str, Any]) -> Iterator[Child]:
    yield from _one(node, "schema", "schema")
    yield from _each(node.get("content"), "mediaType", ("content",))
    yield from _each(node.get("examples"), "example", ("examples",))


def _response(node: dict[str, Any]) -> Iterator[Child]:
    yield from _each(node.get("headers"), "header", ("headers",))
    yield from _each(node.get("content"), "mediaType", ("content",))
    yield from _each(node.get("links"), "link", ("links",))


def _media_type(node: dict[str, Any]) -> Iterator[Child]:
    yield from _one(node, "schema", "schema")
    yield from _each(node.get("examples"), "example", ("examples",))
    yield from _each(node.get("encoding"), "encoding", ("encoding",))


def _schema(node: dict[str, Any]) -> Iterator[Child]:
    for key, value in node.items():
        if key in _SCHEMA_MAPS or key in _SCHEMA_LISTS or (key == "items" and isinstance(value, list)):
            yield from _each(value, "schema", (key,))
        elif key in _SCHEMA_ONES or key == "items":
            if isinstance(value, dict):
                yield Child("schema", (key,), node, key)


_CHILDREN = {
    "document": _document,
    "pathItem": _path_item,
    "operation": _operation,
    "callback": lambda node: _each(node, "pathItem", (), extensible=True),
    "parameter": _parameter,
    "header": _parameter,
    "requestBody": lambda node: _each(node.get("content"), "mediaType", ("content",)),
    "response": _response,
    "mediaType": _media_type,
    "encoding": lambda node: _each(node.get("headers"), "header", ("headers",)),
    "schema": _schema,
}


def walk(doc: dict[str, Any]) -> Iterator[tuple[str, tuple[str | int, ...], Any]]:
    """Every OpenAPI object of the document once, with its kind and path (`$ref` objects are yielded, not followed)."""
    seen: set[int] = set()
    stack: list[tuple[str, tuple[str | int, ...], Any]] = [("document", (), doc)]
    while stack:
        kind, path, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield kind, path, node
        if is_leaf(kind, node) or "$ref" in node and kind != "schema":
            continue
        stack.extend([(kind_, path + rel, container[key]) for kind_, rel, container, key in children(kind, node)][::-1])
