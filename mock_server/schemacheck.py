"""Defaults and examples of a document checked against their own schemas, as start-up warnings."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from openapi_schema_validator import OAS30ReadValidator, OAS30Validator, OAS30WriteValidator, OAS31Validator

from mock_server.errors import SpecIssue
from mock_server.oaswalk import walk
from mock_server.pointer import place

Path_ = tuple[str | int, ...]


class _Checkers:
    """One validator class per direction for the document's OpenAPI version."""

    def __init__(self, doc: dict[str, Any]) -> None:
        root = {"components": doc.get("components") or {}}
        if str(doc.get("openapi", "")).startswith("3.1"):
            classes: dict[str, Any] = {"any": OAS31Validator, "request": OAS31Validator, "response": OAS31Validator}
        else:
            classes = {"any": OAS30Validator, "request": OAS30WriteValidator, "response": OAS30ReadValidator}
        self.validators = {direction: cls(root, format_checker=cls.FORMAT_CHECKER) for direction, cls in classes.items()}

    def first_error(self, schema: Any, value: Any, direction: str = "any") -> str | None:
        """Why `value` breaks `schema` (the first reason, with the field), or None."""
        try:  # descend: one validator (and one $ref registry) for the whole document
            error = next(iter(self.validators[direction].descend(value, schema)), None)
        except Exception as exc:  # a schema a validator cannot use (e.g. an odd $ref) is reported, never raised
            return f"cannot be checked ({type(exc).__name__})"
        if error is None:
            return None
        field = place(list(error.absolute_path)) if error.absolute_path else ""
        message = " ".join(error.message.split()).replace("None for not nullable", "null is not allowed (not nullable)")
        message = message if len(message) <= 160 else message[:157] + "..."
        return f"{field}: {message}" if field else message


def value_problems(doc: dict[str, Any], file: str, sites: Iterable[tuple[str, Path_, Any]] | None = None) -> Iterator[SpecIssue]:
    """Every default that breaks its schema (then ignored) and every example that breaks its schema.

    `sites` are the document's objects when the caller has walked it already.
    """
    checkers = _Checkers(doc)
    for kind, path, node in sites if sites is not None else walk(doc):
        if not isinstance(node, dict):
            continue
        if kind == "schema" and "$ref" not in node:
            yield from _schema_values(checkers, file, path, node)
        elif kind == "mediaType" and isinstance(node.get("schema"), dict):
            direction = "request" if "requestBody" in path or "parameters" in path else "response"
            yield from _examples(checkers, file, path, node, node["schema"], direction)
        elif kind in ("parameter", "header") and isinstance(node.get("schema"), dict) and "$ref" not in node:
            yield from _examples(checkers, file, path, node, node["schema"], "request" if kind == "parameter" else "response")


def _schema_values(checkers: _Checkers, file: str, path: tuple[str | int, ...], node: dict[str, Any]) -> Iterator[SpecIssue]:
    bare = {k: v for k, v in node.items() if k not in ("default", "example", "examples")}
    if "default" in node and not (node["default"] is None and _allows_null(node)):
        problem = checkers.first_error(bare, node["default"])
        if problem:
            del node["default"]
            yield SpecIssue(file, place((*path, "default")), f"the default breaks its own schema ({problem}): ignored")
    if "example" in node:
        problem = checkers.first_error(bare, node["example"])
        if problem:
            yield SpecIssue(file, place((*path, "example")), f"the example breaks its own schema ({problem})")
    if isinstance(node.get("examples"), list):
        for index, value in enumerate(node["examples"]):
            problem = checkers.first_error(bare, value)
            if problem:
                yield SpecIssue(file, place((*path, "examples", index)), f"the example breaks its own schema ({problem})")


def _allows_null(node: dict[str, Any]) -> bool:
    """`default: null` is what many documents write for "no default"; accept it where null is not excluded by type."""
    declared = node.get("type")
    return node.get("nullable") is True or declared is None or declared == "null" or (isinstance(declared, list) and "null" in declared)


def _examples(checkers: _Checkers, file: str, path: tuple[str | int, ...], node: dict[str, Any], schema: dict[str, Any],
              direction: str) -> Iterator[SpecIssue]:
    if "example" in node:
        problem = checkers.first_error(schema, node["example"], direction)
        if problem:
            yield SpecIssue(file, place((*path, "example")), f"the example breaks its schema ({problem})")
    examples = node.get("examples")
    if isinstance(examples, dict):
        for name, example in examples.items():
            if isinstance(example, dict) and "value" in example and "$ref" not in example:
                problem = checkers.first_error(schema, example["value"], direction)
                if problem:
                    yield SpecIssue(file, place((*path, "examples", name)), f"the example breaks its schema ({problem})")
