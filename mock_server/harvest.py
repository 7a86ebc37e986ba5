"""Harvest recorded responses into seed data: objects returned by reads and creates become stored objects."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mock_server.cassette import NOT_JSON, REDACTED, media_type, parse_json_body, read_cassette
from mock_server.generate import merge_all_of
from mock_server.resources import Action, id_field, infer_actions
from mock_server.routing import Match, Router
from mock_server.spec import Operation, Spec

logger = logging.getLogger(__name__)

ITEM_KINDS = ("read", "create", "replace", "update")
LIST_KINDS = ("list", "search", "batch-get")


@dataclass
class Harvest:
    """Objects per (spec, resource, parent ids), in first-seen order, latest version of each."""

    buckets: dict[tuple[str, str, tuple[str, ...]], dict[str, dict[str, Any]]] = field(default_factory=dict)
    used: int = 0
    ignored: int = 0
    notes: list[str] = field(default_factory=list)

    def collections(self) -> list[Any]:
        """The harvest as `mock_server.fixtures.FixtureCollection`s."""
        from mock_server.fixtures import FixtureCollection

        return [FixtureCollection(spec=spec, resource=resource, items=list(items.values()), parents=parents)
                for (spec, resource, parents), items in self.buckets.items() if items]


def _success_schema(spec: Spec, op: Operation, status: int) -> Any:
    responses = op.definition.get("responses") or {}
    response = spec.resolve(responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or {})
    for mtype, media in (response.get("content") or {}).items():
        if "json" in mtype and "schema" in media:
            return merge_all_of(spec.resolve(media["schema"]), spec.resolve)
    return None


class _Harvester:
    def __init__(self, specs: list[Spec]) -> None:
        self.router = Router(specs)
        self.actions = {spec.name: infer_actions(spec) for spec in specs}
        self.id_fields: dict[tuple[str, str], str] = {}
        self.harvest = Harvest()

    def _id_field(self, spec: Spec, action: Action) -> str:
        key = (spec.name, action.resource)
        if key not in self.id_fields:
            reads = [op for op in spec.operations if self.actions[spec.name][op.operation_id].kind == "read"
                     and self.actions[spec.name][op.operation_id].resource == action.resource]
            if reads:
                read_action = self.actions[spec.name][reads[0].operation_id]
                self.id_fields[key] = id_field(spec, _success_schema(spec, reads[0], 200), read_action.item_param)
            else:
                self.id_fields[key] = "id"
        return self.id_fields[key]

    def add(self, source: str, index: int, method: str, path: str, status: int, body: Any) -> None:
        found = self.router.match(method, path)
        if not isinstance(found, Match) or not 200 <= status < 300:
            self.harvest.ignored += 1
            return
        spec, op = found.spec, found.operation
        action = self.actions[spec.name][op.operation_id]
        parents = tuple(found.path_params.get(p, "") for p in action.parent_params)
        bucket = self.harvest.buckets.setdefault((spec.name, action.resource, parents), {})
        id_name = self._id_field(spec, action) if action.resource else "id"
        schema = _success_schema(spec, op, status)
        if action.kind in ITEM_KINDS and isinstance(body, dict):
            self._store(bucket, id_name, body, schema, f"{source}#{index}")
        elif action.kind in LIST_KINDS and body is not None:
            items = _list_items(body)
            item_schema = schema.get("items") if isinstance(schema, dict) and schema.get("type") == "array" else None
            for item in items:
                self._store(bucket, id_name, item, spec.resolve(item_schema) if item_schema else None, f"{source}#{index}")
        elif action.kind == "delete" and action.item_param:
            bucket.pop(found.path_params.get(action.item_param, ""), None)
        else:
            self.harvest.ignored += 1
            return
        self.harvest.used += 1

    def _store(self, bucket: dict[str, dict[str, Any]], id_name: str, item: dict[str, Any], schema: Any,
               where: str) -> None:
        required = set(schema.get("required") or []) if isinstance(schema, dict) else set()
        cleaned = {k: v for k, v in item.items() if v != REDACTED or k in required}
        if any(v == REDACTED for v in cleaned.values()):
            self.harvest.notes.append(f"{where}: a required field is REDACTED; edit it before loading")
        object_id = cleaned.get(id_name)
        key = str(object_id) if object_id is not None else f"#{len(bucket)}"
        bucket[key] = cleaned


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
            harvester.add(str(path), index, req.method, req.path, res.status,
                          None if body is NOT_JSON else body)
    return harvester.harvest


def to_state(cassette_paths: list[Path], specs: list[Spec], out_dir: Path) -> tuple[Harvest, list[Path]]:
    """Harvest the cassettes and write the result as a fixtures directory."""
    from mock_server.fixtures import write_fixture_set

    result = harvest(cassette_paths, specs)
    return result, write_fixture_set(result.collections(), Path(out_dir))
