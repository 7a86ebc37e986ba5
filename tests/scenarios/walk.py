"""Walk every stored resource of a spec through create → read → list → update → read → delete → 404."""
from __future__ import annotations

import copy
import random
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from faker import Faker

from mock_server.app import FlowmockApp
from mock_server.request_path.generate import generate, make_context, merge_all_of
from mock_server.request_path.negotiate import pick_example
from mock_server.request_path.resources import Action
from mock_server.loading.spec import Operation, Spec


SERVER_TIMESTAMP = re.compile(r"(updated|modified|lastupdate)", re.I)  # the server sets these on every write


@dataclass
class ResourceOps:
    """The operations that act on one stored resource."""

    resource: str
    ops: dict[str, tuple[Operation, Action]] = field(default_factory=dict)


def resource_ops(app: FlowmockApp, spec: Spec) -> dict[str, ResourceOps]:
    """Group a spec's operations by resource; first operation of each kind wins (plain CRUD paths first)."""
    found: dict[str, ResourceOps] = {}
    ordered = sorted(spec.operations, key=lambda o: (o.extension("resource") is not None, len(o.path)))
    for op in ordered:
        action = app.engine.action(spec, op)
        if action.stateful and not action.set_fields:
            found.setdefault(action.resource, ResourceOps(action.resource)).ops.setdefault(action.kind, (op, action))
    return found


def request_body(spec: Spec, op: Operation, seed: int) -> Any:
    """The operation's request example, else a generated valid body."""
    body = spec.resolve(op.definition.get("requestBody") or {})
    media = (body.get("content") or {}).get("application/json")
    if not media:
        return None
    found, value = pick_example(media, None)
    if found:
        return copy.deepcopy(value)
    ctx = make_context(spec.resolve, seed, Faker(), mode="request", use_examples=True)
    return generate(media["schema"], ctx)


def body_with_references(client: httpx.Client, app: FlowmockApp, spec: Spec, op: Operation, seed: int, depth: int = 0) -> Any:
    """A request body whose `x-flowmock-ref` fields point at objects created first (as a real client would)."""
    body = request_body(spec, op, seed)
    media = (spec.resolve(op.definition.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
    schema = merge_all_of(media.get("schema") or {}, spec.resolve)
    if not isinstance(body, dict) or depth > 3:
        return body
    for name, prop in object_properties(spec, schema).items():
        ref = prop.get("x-flowmock-ref") or spec.resolve(prop).get("x-flowmock-ref")
        if not ref or name not in body and name not in (schema.get("required") or []):
            continue
        target_name, _, resource = ref.rpartition(":") if ":" in ref else ("", "", ref)
        target = next((s for s in app.specs if s.name == (target_name or spec.name)), None)
        if target is None:
            continue
        ops = resource_ops(app, target).get(resource)
        if ops is None or "create" not in ops.ops:
            continue
        create_op, _ = ops.ops["create"]
        created = client.post(target.server_base + create_op.path, json=body_with_references(client, app, target, create_op, seed, depth + 1))
        assert created.status_code in (200, 201), f"referenced {create_op.operation_id}: {created.status_code} {created.text[:300]}"
        body[name] = created.json()[app.engine.apis[target.name].crud.models[resource].id_field]
    return body


def object_properties(spec: Spec, schema: Any) -> dict[str, Any]:
    """The properties an object schema may have: its own (allOf merged) and those of each oneOf/anyOf branch."""
    merged = merge_all_of(schema, spec.resolve)
    props = dict(merged.get("properties") or {})
    for branch in merged.get("oneOf") or merged.get("anyOf") or []:
        props.update(merge_all_of(branch, spec.resolve).get("properties") or {})
    return props


def fill_path(template: str, params: dict[str, Any]) -> str:
    """Substitute {name} placeholders."""
    for name, value in params.items():
        template = template.replace("{" + name + "}", str(value))
    return template


def walk(client: httpx.Client, app: FlowmockApp, spec: Spec, res: ResourceOps, parents: dict[str, Any]) -> dict[str, Any]:
    """Run the full lifecycle on one resource; returns what it saw, raises AssertionError on a failed step."""
    model = app.engine.apis[spec.name].crud.models[res.resource]
    create_op, _ = res.ops["create"]
    body = body_with_references(client, app, spec, create_op, 1)
    base = spec.server_base
    created = client.post(base + fill_path(create_op.path, parents), json=body)
    assert created.status_code in (200, 201), f"{create_op.operation_id}: {created.status_code} {created.text[:500]}"
    obj = created.json()
    ident = obj[model.id_field]
    seen = {"create": created.status_code}
    if "read" in res.ops:
        read_op, read_action = res.ops["read"]
        path = fill_path(read_op.path, {**parents, read_action.item_param: ident})
        got = client.get(base + path)
        assert got.status_code == 200, f"{read_op.operation_id}: {got.status_code} {got.text[:500]}"
        assert got.json()[model.id_field] == ident
        for key, value in (body or {}).items():
            if not isinstance(value, (dict, list)) and key in got.json() and key != model.id_field:
                assert got.json()[key] == value, f"{read_op.operation_id}: {key} is {got.json()[key]!r}, created with {value!r}"
        seen["read"] = 200
    if "list" in res.ops:
        list_op, _ = res.ops["list"]
        listed = client.get(base + fill_path(list_op.path, parents))
        assert listed.status_code == 200, f"{list_op.operation_id}: {listed.status_code} {listed.text[:500]}"
        assert ident in _ids(listed.json(), model.id_field), f"{list_op.operation_id} does not list {ident}"
        seen["list"] = 200
    for kind in ("update", "replace"):
        if kind not in res.ops:
            continue
        op, action = res.ops[kind]
        patch = request_body(spec, op, 2)
        path = fill_path(op.path, {**parents, action.item_param: ident})
        response = client.request(op.method.upper(), base + path, json=patch)
        assert response.status_code in (200, 201, 204), f"{op.operation_id}: {response.status_code} {response.text[:500]}"
        seen[kind] = response.status_code
        if "read" in res.ops and isinstance(patch, dict):
            read_op, read_action = res.ops["read"]
            after = client.get(base + fill_path(read_op.path, {**parents, read_action.item_param: ident})).json()
            for key, value in patch.items():
                if not isinstance(value, (dict, list)) and key in after and key != model.id_field and not SERVER_TIMESTAMP.search(key):
                    assert after[key] == value, f"{op.operation_id}: {key} is {after[key]!r} after {kind} with {value!r}"
    if "delete" in res.ops:
        op, action = res.ops["delete"]
        path = fill_path(op.path, {**parents, action.item_param: ident})
        deleted = client.delete(base + path)
        assert deleted.status_code in (200, 202, 204), f"{op.operation_id}: {deleted.status_code} {deleted.text[:500]}"
        seen["delete"] = deleted.status_code
        if "read" in res.ops:
            read_op, read_action = res.ops["read"]
            gone = client.get(base + fill_path(read_op.path, {**parents, read_action.item_param: ident}))
            assert gone.status_code == 404, f"{read_op.operation_id} after delete: {gone.status_code}"
            assert str(ident) in gone.json()["detail"], gone.text
            seen["read-after-delete"] = 404
    return {"id": ident, **seen}


def _ids(payload: Any, id_field: str) -> list[Any]:
    if isinstance(payload, list):
        return [i.get(id_field) for i in payload if isinstance(i, dict)]
    for value in payload.values():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return [i.get(id_field) for i in value]
    return []


def parent_values(client: httpx.Client, app: FlowmockApp, spec: Spec, resources: dict[str, ResourceOps], resource: str) -> dict[str, Any]:
    """Create (or invent) the parents a nested resource's path needs."""
    values: dict[str, Any] = {}
    segments = resource.strip("/").split("/")
    for index, seg in enumerate(segments):
        if not seg.startswith("{"):
            continue
        name = seg[1:-1]
        parent = "/" + "/".join(segments[:index])
        if parent in resources and "create" in resources[parent].ops:
            op, _ = resources[parent].ops["create"]
            created = client.post(spec.server_base + fill_path(op.path, values), json=body_with_references(client, app, spec, op, 3))
            assert created.status_code in (200, 201), f"parent {op.operation_id}: {created.status_code} {created.text[:300]}"
            values[name] = created.json()[app.engine.apis[spec.name].crud.models[parent].id_field]
        else:
            values[name] = str(uuid.UUID(int=random.Random(name).getrandbits(128), version=4))
    return values
