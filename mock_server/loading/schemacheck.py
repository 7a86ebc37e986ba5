"""Defaults and examples of a document checked against their own schemas, as start-up warnings.

A value that breaks its schema is set aside (a default is dropped; an example moves to `x-flowmock-invalid-example`,
or its Example object is marked `x-flowmock-invalid`), so the mock never serves it and generates instead.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from mock_server.errors import SpecIssue
from mock_server.loading.oaswalk import walk
from mock_server.loading.pointer import place

Path_ = tuple[str | int, ...]
INVALID_EXAMPLE = "x-flowmock-invalid-example"  # where an example that breaks its schema is kept, unserved
INVALID = "x-flowmock-invalid"  # marks an Example object whose value breaks its schema
_NOT_SERVED = ": not served, generated instead"
_LINK_FORMATS = ("uri", "uri-reference", "iri", "iri-reference", "uri-template", "hostname", "idn-hostname", "json-pointer")
_LARGE = 64_000  # characters of JSON: larger examples can take seconds to check against a oneOf-heavy schema


class _Checkers:
    """One validator class per direction for the document's OpenAPI version."""

    def __init__(self, doc: dict[str, Any], budget_s: float | None) -> None:
        from openapi_schema_validator import OAS30ReadValidator, OAS30Validator, OAS30WriteValidator, OAS31Validator

        self.deadline = time.monotonic() + budget_s if budget_s is not None else None
        self.skipped: list[Path_] = []  # values left unchecked: over the time budget, or too large
        root = {"components": doc.get("components") or {}}
        if str(doc.get("openapi", "")).startswith("3.1"):
            classes: dict[str, Any] = {"any": OAS31Validator, "request": OAS31Validator, "response": OAS31Validator}
        else:
            classes = {"any": OAS30Validator, "request": OAS30WriteValidator, "response": OAS30ReadValidator}
        self.validators = {direction: cls(root, format_checker=_with_link_formats(cls.FORMAT_CHECKER)) for direction, cls in classes.items()}

    def first_error(self, at: Path_, schema: Any, value: Any, direction: str = "any") -> str | None:
        """Why the value at `at` breaks `schema` (the first reason, with the field), or None (also when not checked)."""
        if self.deadline is not None:
            if time.monotonic() > self.deadline or (isinstance(value, (dict, list)) and _json_size(value) > _LARGE):
                self.skipped.append(at)
                return None
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


def _json_size(value: Any) -> int:
    """Characters of a value as JSON, written by orjson (the standard library where orjson refuses a value)."""
    try:
        return len(orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS))
    except (TypeError, orjson.JSONEncodeError):
        return len(json.dumps(value, default=str))


def _with_link_formats(checker: Any) -> Any:
    """`checker` plus the formats of links and names openapi-core leaves unchecked (`uri`, `uri-reference`, `hostname`,
    ...), checked as JSON Schema tools and contract testers check them: a mock must not serve `"/items/{id}"` as a uri-reference."""
    import jsonschema_rs  # loaded with the document check, not at start-up
    from jsonschema import FormatChecker

    extended = FormatChecker()
    extended.checkers = dict(checker.checkers)
    for name in _LINK_FORMATS:
        if name not in extended.checkers:
            valid = jsonschema_rs.validator_for({"format": name}, validate_formats=True).is_valid
            extended.checks(name)(valid)
    return extended


def value_problems(doc: dict[str, Any], file: str, sites: Iterable[tuple[str, Path_, Any]] | None = None,
                   budget_s: float | None = None) -> Iterator[SpecIssue]:
    """Every default that breaks its schema (then ignored) and every example that breaks its schema.

    `sites` are the document's objects when the caller has walked it already. With `budget_s`, checking stops
    after that many seconds and skips values over 64 kB (one warning says where it started skipping).
    """
    checkers = _Checkers(doc, budget_s)
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
    if checkers.skipped:
        what = "not checked against its schema" if len(checkers.skipped) == 1 else \
            f"not checked against its schema, nor {len(checkers.skipped) - 1} more defaults or examples"
        yield SpecIssue(file, place(checkers.skipped[0]), f"{what} (too large, or checking took over {budget_s:g} s; "
                        f"python -m mock_server.loading.speccheck {file} checks them all)")


_VALUE_KEYS = frozenset(("default", "example", "examples"))


def _schema_values(checkers: _Checkers, file: str, path: tuple[str | int, ...], node: dict[str, Any]) -> Iterator[SpecIssue]:
    if _VALUE_KEYS.isdisjoint(node):
        return  # most schemas: nothing to check
    bare = {k: v for k, v in node.items() if k not in ("default", "example", "examples")}
    if "default" in node and not (node["default"] is None and _allows_null(node)):
        problem = checkers.first_error((*path, "default"), bare, node["default"])
        if problem:
            del node["default"]
            yield SpecIssue(file, place((*path, "default")), f"the default breaks its own schema ({problem}): ignored")
    if "example" in node:
        problem = checkers.first_error((*path, "example"), bare, node["example"])
        if problem:
            node[INVALID_EXAMPLE] = node.pop("example")
            yield SpecIssue(file, place((*path, "example")), f"the example breaks its own schema ({problem}){_NOT_SERVED}")
    if isinstance(node.get("examples"), list):
        kept = []
        for index, value in enumerate(node["examples"]):
            problem = checkers.first_error((*path, "examples", index), bare, value)
            if problem:
                yield SpecIssue(file, place((*path, "examples", index)), f"the example breaks its own schema ({problem}){_NOT_SERVED}")
            else:
                kept.append(value)
        node["examples"] = kept


def _allows_null(node: dict[str, Any]) -> bool:
    """`default: null` is what many documents write for "no default"; accept it where null is not excluded by type."""
    declared = node.get("type")
    return node.get("nullable") is True or declared is None or declared == "null" or (isinstance(declared, list) and "null" in declared)


def _examples(checkers: _Checkers, file: str, path: tuple[str | int, ...], node: dict[str, Any], schema: dict[str, Any],
              direction: str) -> Iterator[SpecIssue]:
    if "example" in node:
        problem = checkers.first_error((*path, "example"), schema, node["example"], direction)
        if problem:
            node[INVALID_EXAMPLE] = node.pop("example")
            yield SpecIssue(file, place((*path, "example")), f"the example breaks its schema ({problem}){_NOT_SERVED}")
    examples = node.get("examples")
    if isinstance(examples, dict):
        for name, example in examples.items():
            value = example.get("value") if isinstance(example, dict) else None
            bare_ref = isinstance(value, dict) and set(value) == {"$ref"}  # served as what it points at, unchecked
            if isinstance(example, dict) and "value" in example and "$ref" not in example and not bare_ref:
                problem = checkers.first_error((*path, "examples", name), schema, example["value"], direction)
                if problem:
                    example[INVALID] = True
                    yield SpecIssue(file, place((*path, "examples", name)), f"the example breaks its schema ({problem}){_NOT_SERVED}")
