"""Harvest recorded responses into seed data: objects returned by reads and creates become stored objects.

Each exchange is routed to its operation; by the operation's inferred action, a read/create/replace/update
response is one object of the action's resource, a list/search response contributes its items, and a
recorded delete removes the object. Later exchanges win, so the result is the last state the recording saw.
Objects that would not load (an invalid field, a REDACTED required value) are left out with a note.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mock_server.recording.cassette import NOT_JSON, REDACTED, media_type, parse_json_body, read_cassette
from mock_server.datasets.fixtures import FixtureCollection, write_fixture_set
from mock_server.request_path.models import ResourceModel, build_models
from mock_server.request_path.resources import Action, infer_actions
from mock_server.request_path.routing import Match, Router
from mock_server.loading.spec import Spec
from mock_server.request_path.validate import value_errors

logger = logging.getLogger(__name__)

ITEM_KINDS = ("read", "create", "replace", "update")
LIST_KINDS = ("list", "search", "batch-get")
BucketKey = tuple[str, str, tuple[str, ...]]


@dataclass
class Harvest:
    """Objects per (spec, resource, parent ids) keyed by id, in first-seen order, latest version of each."""

    buckets: dict[BucketKey, dict[str, dict[str, Any]]] = field(default_factory=dict)
    used: int = 0
    ignored: int = 0
    notes: list[str] = field(default_factory=list)

    def collections(self) -> list[FixtureCollection]:
        """The harvest as fixture collections (empty ones left out)."""
        return [FixtureCollection(spec, resource, list(items.values()), parents)
                for (spec, resource, parents), items in self.buckets.items() if items]

    @property
    def objects(self) -> int:
        """How many objects were harvested."""
        return sum(len(items) for items in self.buckets.values())


class _Harvester:
    def __init__(self, specs: list[Spec]) -> None:
        self.router = Router(specs)
        self.actions = {spec.name: infer_actions(spec) for spec in specs}
        self.models = {spec.name: build_models(spec, self.actions[spec.name]) for spec in specs}
        self.harvest = Harvest()

    def add(self, where: str, method: str, path: str, status: int, body: Any) -> None:
        found = self.router.match(method, path)
        if not isinstance(found, Match) or not 200 <= status < 300:
            self.harvest.ignored += 1
            return
        spec = found.spec
        action: Action = self.actions[spec.name][found.operation.operation_id]
        model = self.models[spec.name].get(action.resource)
        if model is None:
            self.harvest.ignored += 1
            return
        parents = tuple(found.path_params.get(p, "") for p in action.parent_params)
        bucket = self.harvest.buckets.setdefault((spec.name, action.resource, parents), {})
        if action.kind in ITEM_KINDS and isinstance(body, dict):
            self._store(spec, model, bucket, body, where)
        elif action.kind in LIST_KINDS and body is not None:
            for item in _list_items(body):
                self._store(spec, model, bucket, item, where)
        elif action.kind == "delete" and action.item_param:
            bucket.pop(found.path_params.get(action.item_param, ""), None)
        else:
            self.harvest.ignored += 1
            return
        self.harvest.used += 1

    def _store(self, spec: Spec, model: ResourceModel, bucket: dict[str, dict[str, Any]], item: dict[str, Any],
               where: str) -> None:
        required = set(model.schema.get("required") or [])
        cleaned = {k: v for k, v in item.items() if v != REDACTED or k in required}
        ident = cleaned.get(model.id_field)
        if ident is None:
            self.harvest.notes.append(f"{where}: left out an object of {model.key} without its id field '{model.id_field}'")
            return
        errors = value_errors(spec.doc, model.schema, cleaned, "response")
        if errors:
            first = errors[0]
            self.harvest.notes.append(f"{where}: left out {model.key} {model.id_field}={ident}: field "
                                      f"'{first.field or '<object>'}': {first.message}")
            return
        bucket[str(ident)] = cleaned


def _list_items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, list):
        return [i for i in body if isinstance(i, dict)]
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
                return list(value)
    return []


def harvest(cassette_paths: list[Path], specs: list[Spec]) -> Harvest:
    """Route every recorded exchange and collect the objects its response returns (deletes remove them)."""
    harvester = _Harvester(specs)
    for path in cassette_paths:
        cassette = read_cassette(Path(path))
        for index, interaction in enumerate(cassette.interactions):
            req, res = interaction.request, interaction.response
            body = parse_json_body(res.body, media_type(res.headers) or "application/json")
            harvester.add(f"{path}#{index}", req.method, req.path, res.status, None if body is NOT_JSON else body)
    return harvester.harvest


def to_state(cassette_paths: list[Path], specs: list[Spec], out_dir: Path) -> tuple[Harvest, list[Path]]:
    """Harvest the cassettes and write the result as a fixtures directory."""
    result = harvest(cassette_paths, specs)
    return result, write_fixture_set(result.collections(), Path(out_dir))
