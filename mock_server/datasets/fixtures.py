"""Fixture sets: one YAML file per stored collection, loaded (and validated) as the store's baseline.

File format:
    version: 1
    spec: library                         # the spec name the objects belong to
    resource: /shelves/{shelfId}/books    # the resource (collection path) they are stored under
    parents: {shelfId: "..."}             # for nested resources, the parent ids ({} otherwise)
    items: [ {...}, ... ]                 # the objects, each valid for the resource's schema
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mock_server.errors import MockServerError
from mock_server.loading.parse_cache import cached_parse
from mock_server.request_path.models import build_models
from mock_server.request_path.resources import infer_actions
from mock_server.loading.spec import Spec
from mock_server.request_path.store import bucket_key
from mock_server.request_path.validate import SchemaChecker

FORMAT_VERSION = 1
_PARAM = re.compile(r"\{([^}/]+)\}")


class FixtureError(MockServerError):
    """A fixture file is unreadable or holds an object that breaks its schema."""


@dataclass(frozen=True)
class FixtureCollection:
    """The objects of one resource (under one set of parent ids)."""

    spec: str
    resource: str
    items: list[dict[str, Any]]
    parents: tuple[str, ...] = field(default=())

    def file_name(self) -> str:
        """A stable, readable file name: spec, resource path and parents."""
        slug = re.sub(r"[^A-Za-z0-9]+", "-", _PARAM.sub("", self.resource)).strip("-").lower()
        tail = ("__" + "-".join(re.sub(r"[^A-Za-z0-9]+", "", p)[:12] for p in self.parents)) if self.parents else ""
        return f"{self.spec}__{slug}{tail}.yaml"


def write_fixture_set(collections: list[FixtureCollection], out_dir: Path) -> list[Path]:
    """Write one YAML file per collection into `out_dir` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for collection in collections:
        names = _PARAM.findall(collection.resource)
        doc = {"version": FORMAT_VERSION, "spec": collection.spec, "resource": collection.resource,
               "parents": dict(zip(names, collection.parents, strict=False)), "items": collection.items}
        path = out_dir / collection.file_name()
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120))
        written.append(path)
    return written


def _read_yaml(path: Path) -> Any:
    """One fixture file's YAML."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def read_fixture_set(directory: Path) -> list[FixtureCollection]:
    """Read every fixture file of a directory (sorted by name)."""
    if not directory.is_dir():
        raise FixtureError(f"{directory}: not a fixtures directory")
    collections = []
    for path in sorted(directory.glob("*.y*ml")):
        try:
            doc = cached_parse(path, _read_yaml)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            raise FixtureError(f"{path}:{where} YAML syntax error: {getattr(exc, 'problem', exc)}") from None
        if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION or not isinstance(doc.get("items"), list):
            raise FixtureError(f"{path}: expected a fixture file with version: 1, spec, resource and an items list")
        names = _PARAM.findall(str(doc.get("resource", "")))
        parents = tuple(str((doc.get("parents") or {}).get(n, "")) for n in names)
        collections.append(FixtureCollection(str(doc.get("spec")), str(doc.get("resource")), doc["items"], parents))
    return collections


def baseline_from(collections: list[FixtureCollection], specs: list[Spec], source: str = "",
                  validate: bool = True) -> dict[str, dict[str, Any]]:
    """Validate every object against its resource's schema and return store buckets; errors name file, object and field."""
    by_name = {s.name: s for s in specs}
    models = {s.name: build_models(s, infer_actions(s)) for s in specs}
    buckets: dict[str, dict[str, Any]] = {}
    for collection in collections:
        where = f"{source}/{collection.file_name()}" if source else collection.file_name()
        spec = by_name.get(collection.spec)
        if spec is None:
            raise FixtureError(f"{where}: spec '{collection.spec}' is not served (served: {', '.join(sorted(by_name))})")
        model = models[spec.name].get(collection.resource)
        if model is None:
            raise FixtureError(f"{where}: '{collection.resource}' is not a stored resource of {spec.name} "
                               f"(resources: {', '.join(sorted(models[spec.name]))})")
        bucket = buckets.setdefault(bucket_key(spec.name, model.key, collection.parents), {})
        checker = SchemaChecker(spec.doc, model.schema, "response") if validate else None
        for index, item in enumerate(collection.items):
            ident = item.get(model.id_field) if isinstance(item, dict) else None
            label = f"item {index}" + (f" ({model.id_field}={ident})" if ident is not None else "")
            if ident is None:
                raise FixtureError(f"{where}: {label}: missing id field '{model.id_field}'")
            errors = checker.errors(item) if checker is not None else []
            if errors:
                first = errors[0]
                raise FixtureError(f"{where}: {label}: field '{first.field or '<object>'}': {first.message}"
                                   + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))
            bucket[str(ident)] = item
    return buckets


def load_fixture_dir(directory: Path, specs: list[Spec], validate: bool = True) -> dict[str, dict[str, Any]]:
    """Read (and validate) a fixtures directory into store buckets."""
    return baseline_from(read_fixture_set(directory), specs, str(directory), validate)
