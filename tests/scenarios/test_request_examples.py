"""Every request example in the bundled specs, sent to the mock, gets a 2xx (strict mode validates the body)."""
from __future__ import annotations

import pytest

from mock_server.app import load_specs
from mock_server.config import ServerConfig
from mock_server.loading.spec import Operation, Spec
from tests.scenarios.walk import body_with_references, fill_path, object_properties, parent_values, resource_ops

BUNDLED = load_specs(ServerConfig())


def request_examples(spec: Spec, op: Operation) -> list[tuple[str, object]]:
    body = spec.resolve(op.definition.get("requestBody") or {})
    media = (body.get("content") or {}).get("application/json") or {}
    found = [("example", media["example"])] if "example" in media else []
    found += [(name, ex["value"]) for name, ex in (media.get("examples") or {}).items() if "value" in ex]
    return found


CASES = [(spec.name, op.operation_id, name) for spec in BUNDLED for op in spec.operations
         for name, _ in request_examples(spec, op)]


def test_the_bundled_specs_have_request_examples():
    assert len(CASES) >= 30


@pytest.fixture(scope="module")
def server():
    from mock_server.app import create_app
    from mock_server.server import BackgroundServer
    import httpx

    app = create_app(ServerConfig(seed=11, strict_responses=True))
    with BackgroundServer(app.asgi) as running:
        with httpx.Client(base_url=running.url, headers={"Authorization": "Bearer t"}, timeout=30) as client:
            yield app, client


@pytest.mark.parametrize(("spec_name", "operation_id", "example"), CASES)
def test_request_example_is_accepted(server, spec_name, operation_id, example):
    app, client = server
    spec = next(s for s in app.specs if s.name == spec_name)
    op = spec.by_id[operation_id]
    body = dict(request_examples(spec, op))[example]
    action = app.engine.action(spec, op)
    resources = resource_ops(app, spec)
    params = {}
    embedding = app.engine.apis[spec.name].crud.models[action.resource].embedding if action.stateful else None
    if action.stateful:
        params = parent_values(client, app, spec, resources, action.resource)
        if embedding is not None:
            body = _with_real_siblings(client, spec, resources, embedding, action, params, body)
        elif action.item_param:
            params[action.item_param] = _create(client, app, spec, resources, action.resource, params)
    segments = op.path.strip("/").split("/")
    for index, segment in enumerate(segments):
        name = segment[1:-1] if segment.startswith("{") else None
        collection = "/" + "/".join(segments[:index])
        if name and name not in params and collection in resources and "create" in resources[collection].ops:
            params[name] = _create(client, app, spec, resources, collection, params)
    for param in op.parameters:
        param = spec.resolve(param)
        if param["in"] == "path" and param["name"] not in params:
            schema = spec.resolve(param.get("schema") or {})
            params[param["name"]] = 1 if schema.get("type") == "integer" else "3f9b2a4e-8c1d-4e5f-9a7b-6c5d4e3f2a1b"
    body = _point_references_at_real_objects(client, app, spec, op, body)
    if operation_id in _PREPARE:
        body = _PREPARE[operation_id](client, params, body)
    body = _tokens_of_the_addressed_object(client, spec, resources, action, params, body)
    response = client.request(op.method.upper(), spec.server_base + fill_path(op.path, params), json=body)
    assert 200 <= response.status_code < 300, f"{operation_id}[{example}]: {response.status_code} {response.text[:800]}"


def _with_real_siblings(client, spec, resources, embedding, action, params, body):
    """An embedded item's example names its siblings (section, previous and next task) by placeholder ids: use real
    ones from the parent (built from its definition or template), and a real item that is ready to work on."""
    read_op, read_action = resources[embedding.parent].ops["read"]
    parent = client.get(spec.server_base + fill_path(read_op.path, {**params, read_action.item_param: params[embedding.parent_param]})).json()
    top = parent.get(embedding.array) or []
    groups = [e for e in top if embedding.groups and isinstance(e.get(embedding.groups), list)]
    items = [i for e in top for i in (e[embedding.groups] if e in groups else [e])]
    ready = [i for i in items if i.get("status") in ("PENDING", "UNASSIGNED", "OPEN", None)] or items
    assert ready, f"the parent has no {embedding.array} to work on"
    if action.item_param:
        params[action.item_param] = ready[0]["id"]
    if not isinstance(body, dict):
        return body
    body = dict(body)
    group_id = groups[0]["id"] if groups else None
    for holder in (body, body.get(embedding.move_field or "") if isinstance(body.get(embedding.move_field or ""), dict) else None):
        if holder is not None and embedding.group_field in holder:
            holder[embedding.group_field] = group_id
            if group_id is None:
                del holder[embedding.group_field]
    siblings = iter([i["id"] for i in items[:2]])
    for key in [k for k in body if k.endswith("_task_id")]:
        body[key] = next(siblings, items[0]["id"])
    return body


def _point_references_at_real_objects(client, app, spec, op, example):
    """Keep the seed example, but replace ids of referenced objects with ids of objects created first."""
    if not isinstance(example, dict):
        return example
    resolved = body_with_references(client, app, spec, op, 5)
    media = (spec.resolve(op.definition.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
    from mock_server.request_path.generate import merge_all_of

    props = object_properties(spec, merge_all_of(media.get("schema") or {}, spec.resolve))
    refs = {n for n, p in props.items() if p.get("x-flowmock-ref") or spec.resolve(p).get("x-flowmock-ref")}
    example = {**example, **{k: resolved[k] for k in refs if k in example and isinstance(resolved, dict) and k in resolved}}
    return _point_list_references(client, app, spec, props, example)


def _point_list_references(client, app, spec, props, example):
    """In lists of objects (`reasons: [{id: ...}]`), ids of referenced objects become ids of objects created first."""
    import copy

    from mock_server.request_path.generate import merge_all_of

    example = copy.deepcopy(example)  # the example belongs to the served spec
    for name, prop in props.items():
        items = merge_all_of(spec.resolve(prop).get("items") or {}, spec.resolve)
        item_refs = {k: spec.resolve(s).get("x-flowmock-ref") for k, s in (items.get("properties") or {}).items()}
        for entry in example.get(name) or [] if isinstance(example.get(name), list) else []:
            for key, ref in item_refs.items():
                if ref and isinstance(entry, dict) and key in entry and ":" not in ref:
                    ops = resource_ops(app, spec).get(ref)
                    if ops is not None and "create" in ops.ops:
                        entry[key] = _create(client, app, spec, resource_ops(app, spec), ref, {})
    return example


def _create(client, app, spec, resources, resource, params):
    """Create one item of `resource` (under the given parents) and return its id."""
    create_op, _ = resources[resource].ops["create"]
    created = client.post(spec.server_base + fill_path(create_op.path, params), json=body_with_references(client, app, spec, create_op, 5))
    assert created.status_code in (200, 201), created.text
    return created.json()[app.engine.apis[spec.name].crud.models[resource].id_field]


def _tokens_of_the_addressed_object(client, spec, resources, action, params, body):
    """A token the server issued (`task_token`) is a placeholder in the seed: use the addressed object's own."""
    if not (isinstance(body, dict) and action.stateful and action.item_param and "read" in resources[action.resource].ops):
        return body
    read_op, read_action = resources[action.resource].ops["read"]
    stored = client.get(spec.server_base + fill_path(read_op.path, {**params, read_action.item_param: params[action.item_param]}))
    if stored.status_code != 200:
        return body
    return {k: (stored.json().get(k, v) if k.endswith("_token") else v) for k, v in body.items()}


def _failed_action(client, params, body):
    """retriggerAction's example needs a failed action: run a flow set to fail at its first action."""
    execution = client.get(f"/v1/automation/executions/{params['execution_id']}").json()
    failing = client.post("/v1/automation/executions", json={"flow_id": execution["flow_id"], "entity_id": "e-1"},
                          headers={"Prefer": "fail-at=1"}).json()
    client.post("/__flowmock/clock", json={"advance": "1h"})
    params["execution_id"] = failing["id"]
    params["action_id"] = failing["actions"][0]["id"]
    return body


def _paused_execution(client, params, body):
    """resumeExecutionWithToken's example needs a paused execution: its token replaces the placeholder."""
    flow = next(iter(client.get("/v1/automation/flows").json()["results"]))
    paused = client.post("/v1/automation/executions", json={"flow_id": flow["id"], "entity_id": "e-1"},
                         headers={"Prefer": "pause-at=1"}).json()
    return {**body, "resume_token": paused["resume_token"]}


_PREPARE = {"retriggerAction": _failed_action, "resumeExecutionWithToken": _paused_execution}
