"""Lint an OpenAPI document: every problem flowmock's loader finds (what refuses start-up and every warning).

Usage: python -m mock_server.loading.speccheck specs/automation.yaml [...]
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mock_server.errors import SpecLoadError
from mock_server.loading.loader import load_document
from mock_server.loading.pointer import follow, tokens_of
from mock_server.loading.speclint import Linter

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
        node = follow(doc, tokens_of(node["$ref"]))
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


def count_operations(doc: dict[str, Any]) -> int:
    """Number of operations in the document."""
    return sum(1 for item in (doc.get("paths") or {}).values() for m in HTTP_METHODS if m in item)


def check_spec(path: Path) -> list[str]:
    """Return every problem found in the document at `path` (those that stop serving first)."""
    linter = Linter(str(path), budget_s=None)
    try:
        _, issues = load_document(path, linter)
    except SpecLoadError as exc:
        return [str(exc)]
    return [f"{'error' if issue.fatal else 'warning'}: {issue}" for issue in issues + linter.found()]


def main(argv: list[str] | None = None) -> int:
    """Check each document given on the command line; exit 1 when any has problems."""
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    failed = False
    for path in paths:
        problems = check_spec(path)
        try:
            doc, _ = load_document(path)
        except SpecLoadError:
            doc = {}
        n_examples = sum(1 for _ in example_sites(doc))
        n_schemas = len((doc.get("components") or {}).get("schemas") or {})
        print(f"{path}: {count_operations(doc)} operations, {n_schemas} schemas, {n_examples} examples, {len(problems)} problems")  # noqa: T201
        for problem in problems:
            print(f"  - {problem}")  # noqa: T201
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
