"""Lint an OpenAPI document: structural validity plus every example against its own schema.

Usage: python -m mock_server.speccheck specs/automation.yaml [...]
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from openapi_spec_validator import validate as validate_openapi
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from mock_server.validate import value_errors

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@dataclass(frozen=True)
class ExampleSite:
    """One example in a document, with the schema it must satisfy."""

    where: str
    schema: dict[str, Any]
    value: Any
    direction: str  # "request" or "response"


def _examples_of(media: dict[str, Any], where: str, direction: str) -> Iterator[ExampleSite]:
    schema = media.get("schema")
    if schema is None:
        return
    if "example" in media:
        yield ExampleSite(f"{where} example", schema, media["example"], direction)
    for name, ex in (media.get("examples") or {}).items():
        if isinstance(ex, dict) and "value" in ex:
            yield ExampleSite(f"{where} examples.{name}", schema, ex["value"], direction)


def _deref(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def example_sites(doc: dict[str, Any]) -> Iterator[ExampleSite]:
    """Yield every media-type, parameter and schema example in the document."""
    for path, item in (doc.get("paths") or {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if not op:
                continue
            where = f"{method.upper()} {path}"
            for param in [*item.get("parameters", []), *op.get("parameters", [])]:
                param = _deref(doc, param)
                if "example" in param and "schema" in param:
                    yield ExampleSite(f"{where} parameter {param['name']} example", param["schema"], param["example"], "request")
            body = _deref(doc, op.get("requestBody"))
            for ctype, media in ((body or {}).get("content") or {}).items():
                yield from _examples_of(media, f"{where} requestBody {ctype}", "request")
            for status, resp in (op.get("responses") or {}).items():
                resp = _deref(doc, resp)
                for ctype, media in (resp.get("content") or {}).items():
                    yield from _examples_of(media, f"{where} response {status} {ctype}", "response")
    for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
        if isinstance(schema, dict) and "example" in schema:
            yield ExampleSite(f"components.schemas.{name} example", {"$ref": f"#/components/schemas/{name}"}, schema["example"], "response")


def example_errors(doc: dict[str, Any], site: ExampleSite) -> list[str]:
    """Return why an example fails its schema (empty when it validates)."""
    return [f"{e.field or '<root>'}: {e.message}" for e in value_errors(doc, site.schema, site.value, site.direction)]


def count_operations(doc: dict[str, Any]) -> int:
    """Number of operations in the document."""
    return sum(1 for item in (doc.get("paths") or {}).values() for m in HTTP_METHODS if m in item)


def check_spec(path: Path) -> list[str]:
    """Return every problem found in the document at `path`."""
    doc = yaml.safe_load(path.read_text())
    problems: list[str] = []
    try:
        validate_openapi(doc)
    except OpenAPIValidationError as exc:
        problems.append(f"not a valid OpenAPI document: {exc.message} at {'/'.join(map(str, exc.absolute_path))}")
        return problems
    for site in example_sites(doc):
        problems.extend(f"{site.where}: {err}" for err in example_errors(doc, site))
    return problems


def main(argv: list[str] | None = None) -> int:
    """Check each document given on the command line; exit 1 when any has problems."""
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    failed = False
    for path in paths:
        doc = yaml.safe_load(path.read_text())
        problems = check_spec(path)
        n_examples = sum(1 for _ in example_sites(doc))
        n_schemas = len((doc.get("components") or {}).get("schemas") or {})
        print(f"{path}: {count_operations(doc)} operations, {n_schemas} schemas, {n_examples} examples, {len(problems)} problems")  # noqa: T201
        for problem in problems:
            print(f"  - {problem}")  # noqa: T201
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
