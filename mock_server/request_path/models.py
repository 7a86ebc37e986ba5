"""Stored resources as the engine sees them: item schema, id field, and which union branch an object is."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_server.request_path.embedded import Embedding
from mock_server.request_path.generate import merge_all_of
from mock_server.request_path.negotiate import success_schema
from mock_server.request_path.resources import Action, id_field
from mock_server.loading.spec import Operation, Spec


@dataclass(frozen=True)
class ResourceModel:
    """A stored resource: its item schema and id field, shared by every operation on it."""

    key: str
    schema: dict[str, Any]
    id_field: str
    id_schema: dict[str, Any]
    embedding: Embedding | None = None  # set when the items live inside their parent object
    alternate_id: str | None = None  # `x-flowmock-alternate-id`: a second property that also finds an item (uuid)

    @property
    def label(self) -> str:
        """A readable name: the last literal path segment."""
        literal = [s for s in self.key.strip("/").split("/") if not s.startswith("{")]
        return literal[-1] if literal else self.key


def effective_schema(spec: Spec, schema: dict[str, Any], obj: Any) -> dict[str, Any]:
    """For a oneOf/anyOf schema, the (merged) branch `obj` belongs to: by discriminator tag, else by required fields."""
    union = schema.get("oneOf") or schema.get("anyOf")
    if not union:
        return schema
    disc = schema.get("discriminator") or {}
    tag = obj.get(disc.get("propertyName", "")) if isinstance(obj, dict) and disc else None
    if tag is not None and str(tag) in (disc.get("mapping") or {}):
        return merge_all_of({"$ref": disc["mapping"][str(tag)]}, spec.resolve)
    branches = [merge_all_of(b, spec.resolve) for b in union]
    keys = set(obj) if isinstance(obj, dict) else set()
    for branch in branches:
        tag_schema = (branch.get("properties") or {}).get(disc.get("propertyName", ""), {})
        if tag is not None and tag not in (spec.resolve(tag_schema).get("enum") or [tag]):
            continue
        if set(branch.get("required") or []) <= keys:
            return branch
    return branches[0] if branches else schema


def build_models(spec: Spec, actions: dict[str, Action]) -> dict[str, ResourceModel]:
    """One model per stored resource, from its read (else create) response schema."""
    candidates: dict[str, list[tuple[int, Operation, Action]]] = {}
    rank = {"read": 0, "create": 1, "replace": 2, "update": 3}
    for op in spec.operations:
        action = actions[op.operation_id]
        if action.kind in rank:
            candidates.setdefault(action.resource, []).append((rank[action.kind], op, action))
    embeddings = _embeddings(spec, actions)
    by_resource: dict[str, list[Operation]] = {}
    for op in spec.operations:
        by_resource.setdefault(actions[op.operation_id].resource, []).append(op)
    models: dict[str, ResourceModel] = {}
    for resource in {a.resource for a in actions.values() if a.stateful}:
        schema: dict[str, Any] | None = None
        item_param = None
        for _, op, action in sorted(candidates.get(resource, []), key=lambda t: t[0]):
            item_param = item_param or action.item_param
            schema = schema or success_schema(spec, op)
            if schema and schema.get("type", "object") == "object":
                break
        if not schema or schema.get("type", "object") != "object":
            schema = _fallback_schema(spec, by_resource.get(resource, []), actions) or {"type": "object"}
        ident = id_field(spec, schema, item_param)
        id_schema = spec.resolve((schema.get("properties") or {}).get(ident) or {"type": "string"})
        alternate = schema.get("x-flowmock-alternate-id")
        models[resource] = ResourceModel(resource, schema, ident, id_schema, embeddings.get(resource),
                                         alternate if isinstance(alternate, str) else None)
    return models


def _fallback_schema(spec: Spec, ops: list[Operation], actions: dict[str, Action]) -> dict[str, Any] | None:
    """When no read or write answers the item (`ops`: the resource's operations): the items of its list, else the body its create takes."""
    for op in ops:
        listed = success_schema(spec, op) if actions[op.operation_id].kind == "list" else None
        items = _listed_items(spec, listed) if listed else None
        if items:
            return items
    for op in ops:
        if actions[op.operation_id].kind == "create":
            body = request_schema(spec, op)
            if body and body.get("type", "object") == "object":
                return body
    return None


def _listed_items(spec: Spec, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The object schema of a list's items, bare or inside its envelope's array property."""
    arrays = [schema] if schema.get("type") == "array" else \
        [spec.resolve(p) for p in (schema.get("properties") or {}).values() if spec.resolve(p).get("type") == "array"]
    for array in arrays:
        items = merge_all_of(array.get("items") or {}, spec.resolve)
        if items.get("type", "object") == "object" and items.get("properties"):
            return items
    return None


def request_schema(spec: Spec, op: Operation, content_type: str = "") -> dict[str, Any] | None:
    """The schema (allOf merged) of an operation's request body, if it takes one: the one documented for `content_type`
    (a form, XML), else the first JSON one, else the first documented (an operation that takes only forms or XML)."""
    body = spec.resolve(op.definition.get("requestBody") or {})
    documented = [(ctype.split(";", 1)[0].strip().lower(), media) for ctype, media in (body.get("content") or {}).items()
                  if isinstance(media, dict) and "schema" in media]
    wanted = content_type.split(";", 1)[0].strip().lower()
    chosen = next((media for ctype, media in documented if wanted and ctype == wanted), None) or \
        next((media for ctype, media in documented if "json" in ctype or ctype.startswith("*")), None) or \
        next((media for _, media in documented), None)
    return merge_all_of(chosen["schema"], spec.resolve) if chosen is not None else None


def _embeddings(spec: Spec, actions: dict[str, Action]) -> dict[str, Embedding]:
    """`x-flowmock-embedded` declarations by resource, merged from its operations and their path items."""
    declared: dict[str, dict[str, Any]] = {}
    for op in spec.operations:
        action = actions[op.operation_id]
        for found in (op.extension("embedded"), (spec.doc.get("paths") or {}).get(op.path, {}).get("x-flowmock-embedded")):
            if isinstance(found, dict) and action.stateful:
                declared.setdefault(action.resource, {}).update(found)
            elif found is not None:
                raise ValueError(f"{spec.name}:{op.operation_id}: x-flowmock-embedded must be a mapping such as {{in: items}}")
    return {resource: Embedding.declared(resource, value) for resource, value in declared.items()}
