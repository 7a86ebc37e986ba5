"""Infer, from a spec alone, which resource each operation works on and what it does to it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from mock_server.request_path.negotiate import is_json, response_for, success_schema, success_status
from mock_server.loading.spec import Operation, Spec

ACTIONS = ("create", "list", "read", "replace", "update", "delete", "search", "batch-get", "duplicate", "generate")
_PARAM = re.compile(r"\{([^}/]+)\}")
_DUPLICATE_VERBS = {"duplicate", "clone", "copy"}
_ITEM_KINDS = ("read", "update", "replace", "delete")


@dataclass(frozen=True)
class Action:
    """What an operation does: `kind` on resource `resource`, whose item id comes from `item_param`."""

    kind: str
    resource: str = ""
    item_param: str | None = None
    parent_params: tuple[str, ...] = ()
    set_fields: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    reason: str = field(default="", compare=False)  # why the operation got this action, for people reading /__flowmock/apis
    upsert: bool = False  # a `replace` that creates the item when it does not exist yet (the PUT documents a 201)

    @property
    def stateful(self) -> bool:
        """True when the store backs this operation."""
        return self.kind != "generate"


def _segments(path: str) -> list[str]:
    return [s for s in path.strip("/").split("/") if s]


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _lists_objects(spec: Spec, schema: Any) -> bool:
    from mock_server.request_path.generate import merge_all_of

    if not isinstance(schema, dict):
        return False
    schema = merge_all_of(schema, spec.resolve)
    if schema.get("type") == "array":
        return True
    return any(spec.resolve(p).get("type") == "array" for p in (schema.get("properties") or {}).values())


def infer_action(spec: Spec, op: Operation, item_collections: set[str]) -> Action:
    """Decide one operation's action from its extensions, method and path shape, with the reason why."""
    segs = _segments(op.path)
    method = op.method
    explicit = op.extension("action")
    resource_override = op.extension("resource")
    set_fields = dict(op.extension("set") or {})
    last = segs[-1] if segs else ""
    kind, resource, item_param = "generate", "", None
    full = "/" + "/".join(segs)
    reason = f"{method.upper()} on {op.path} matches no stateful pattern"

    if last and _is_param(last):
        resource = "/" + "/".join(segs[:-1])
        item_param = last[1:-1]
        kind = {"get": "read", "put": "replace", "patch": "update", "delete": "delete"}.get(method, "generate")
        reason = f"{method.upper()} on an item path ({{{item_param}}} of {resource})" if kind != "generate" else \
            f"{method.upper()} on an item path is not one of GET, PUT, PATCH, DELETE"
    elif ":" in last and not _is_param(last):
        base, verb = last.split(":", 1)
        resource = "/" + "/".join([*segs[:-1], base])
        kind = {"search": "search", "batchget": "batch-get", "batch-get": "batch-get", "list": "search"}.get(verb.lower(), "generate")
        reason = f"custom method :{verb} on {resource}" + ("" if kind != "generate" else " is not :search, :list or :batchGet")
    elif len(segs) >= 2 and _is_param(segs[-2]):
        resource = "/" + "/".join(segs[:-2])
        item_param = segs[-2][1:-1]
        reason = f"{method.upper()} on /{last} below an item of {resource} names no collection (no {full}/{{id}} path)"
        if method == "get" and _lists_objects(spec, success_schema(spec, op)) and full in item_collections:
            resource, item_param, kind = full, None, "list"
            reason = f"GET on the collection {full} (it has item paths) answering a list"
        elif method == "post" and last.lower() in _DUPLICATE_VERBS:
            kind = "duplicate"
            reason = f"POST on /{last} of an item of {resource}"
        elif method == "post" and full in item_collections:
            resource, item_param, kind = full, None, "create"
            reason = f"POST on the nested collection {full} (it has item paths)"
        elif method == "get" and full in item_collections:
            reason = f"GET on the nested collection {full} answers no list of objects"
    else:
        resource = full
        kind, reason = _collection_action(spec, op, resource, resource in item_collections)

    if explicit:
        if explicit not in ACTIONS:
            raise ValueError(f"{spec.name}:{op.operation_id}: unknown x-flowmock-action {explicit!r}; use one of {', '.join(ACTIONS)}")
        kind = explicit
        reason = f"x-flowmock-action: {explicit}"
        if kind in ("create", "list", "search", "batch-get") and not resource_override and item_param and not _is_param(last):
            item_param = None
    if resource_override:
        resource = resource_override
        reason += f" (x-flowmock-resource: {resource_override})"
        item_param = _param_after(op.path, resource) if kind not in ("create", "list", "search", "batch-get") else None
    if kind == "generate":
        return Action("generate", reason=reason)
    if kind in ("create", "list", "search", "batch-get"):
        item_param = None
    upsert = kind == "replace" and "201" in {str(code) for code in op.definition.get("responses") or {}}
    if upsert:
        reason += "; it documents a 201, so a PUT to an unknown id creates the item"
    parents = tuple(p for p in _PARAM.findall(resource))
    return Action(kind, resource, item_param, parents, set_fields, reason, upsert)


def _collection_action(spec: Spec, op: Operation, resource: str, has_items: bool) -> tuple[str, str]:
    """The action of an operation on a collection path (no item id at its end), with the reason."""
    schema = success_schema(spec, op)
    lists = _lists_objects(spec, schema)
    items = " (it has item paths)" if has_items else ""
    if op.method == "get":
        if lists:
            return "list", f"GET on the collection {resource}{items} answering a list"
        return "generate", f"GET on {resource} answers no list of objects"
    if op.method == "post" and (has_items or "requestBody" in op.definition):
        if lists and not has_items:
            return "generate", f"POST on {resource} answers a list and {resource} has no item paths (a query, not a create)"
        unstorable = "" if has_items else _unstorable(spec, op, schema)
        if unstorable:
            return "generate", f"POST on {resource} {unstorable} and {resource} has no item paths (not a create)"
        answer = "no body" if schema is None else "a body"
        return "create", f"POST with a request body on the collection {resource}{items}; it answers {answer}" \
            if "requestBody" in op.definition else f"POST on the collection {resource}{items}"
    return "generate", f"{op.method.upper()} on {resource} without a request body, and no {resource}/{{id}} path"


def _unstorable(spec: Spec, op: Operation, answer: dict[str, Any] | None) -> str:
    """Why a POST cannot be a create (its body is no object, or it answers no JSON object), or ""."""
    body = spec.resolve(op.definition.get("requestBody") or {})
    kinds = [media for ctype, media in (body.get("content") or {}).items() if _object_media(ctype)]
    if body.get("content") and not kinds:
        return f"takes {', '.join(body['content'])}, not a JSON object or form fields,"
    response = response_for(spec, op, success_status(op)) or {}
    content = response.get("content") or {}
    if content and answer is None and not any(is_json(ctype) for ctype in content):
        return f"answers {', '.join(content)}, not JSON,"
    if answer is not None and answer.get("type") in ("string", "number", "integer", "boolean"):
        return f"answers a {answer['type']}, not an object,"
    return ""


def _object_media(ctype: str) -> bool:
    base = ctype.split(";", 1)[0].strip().lower()
    return is_json(base) or base in ("application/x-www-form-urlencoded", "multipart/form-data") or base.startswith("*")


def hint(action: Action, op: Operation) -> str:
    """For a stateless operation: the extension that would make it stateful."""
    if action.stateful:
        return ""
    if op.method == "get":
        return "x-flowmock-action: list (or read) with x-flowmock-resource: <collection path> to answer from the store"
    if op.method in ("post", "put", "patch"):
        return "x-flowmock-action: create (or update with x-flowmock-set: {field: value}) and x-flowmock-resource: <collection path>"
    if op.method == "delete":
        return "x-flowmock-action: delete with x-flowmock-resource: <collection path>"
    return ""


def _param_after(path: str, resource: str) -> str | None:
    """The item parameter of `resource` in `path`: the one right after the collection path, else the last one."""
    segs, base = _segments(path), [_PARAM.sub("{}", s) for s in _segments(resource)]
    if [_PARAM.sub("{}", s) for s in segs[: len(base)]] == base and len(segs) > len(base) and _is_param(segs[len(base)]):
        return segs[len(base)][1:-1]
    params = [s[1:-1] for s in segs if _is_param(s)]
    return params[-1] if params else None


def infer_actions(spec: Spec) -> dict[str, Action]:
    """Map each operationId of the spec to its action."""
    item_collections = {
        "/" + "/".join(_segments(op.path)[:-1]) for op in spec.operations if _segments(op.path) and _is_param(_segments(op.path)[-1])
    }
    actions = {op.operation_id: infer_action(spec, op, item_collections) for op in spec.operations}
    fillable = fillable_resources(spec, actions)
    for op in spec.operations:
        action = actions[op.operation_id]
        if action.kind in _ITEM_KINDS and action.resource not in fillable:
            actions[op.operation_id] = replace(action, reason=action.reason + f"; nothing creates items of {action.resource} "
                                               "(no POST to it, no PUT that documents a 201), so it answers from the schema "
                                               "while the store holds none (fixtures can fill it)")
    return actions


def fillable_resources(spec: Spec, actions: dict[str, Action]) -> set[str]:
    """Resources some operation can add items to: a create, a duplicate, a PUT that creates, or an embedding."""
    found = {a.resource for a in actions.values() if a.kind in ("create", "duplicate") or a.upsert}
    for op in spec.operations:
        item = (spec.doc.get("paths") or {}).get(op.path) or {}
        if op.extension("embedded") is not None or (isinstance(item, dict) and "x-flowmock-embedded" in item):
            found.add(actions[op.operation_id].resource)
    return found


def id_field(spec: Spec, schema: Any, item_param: str | None) -> str:
    """The property of a stored object that holds its id."""
    from mock_server.request_path.generate import merge_all_of

    schema = merge_all_of(schema, spec.resolve) if isinstance(schema, dict) else {}
    if schema.get("x-flowmock-id"):
        return str(schema["x-flowmock-id"])
    props = schema.get("properties") or {}
    if item_param and item_param in props:
        return item_param
    if "id" in props or not props:
        return "id"
    for candidate in ("_id", "uuid", "key"):
        if candidate in props:
            return candidate
    if item_param:
        short = re.sub(r"[^a-z]", "", item_param.lower())
        for prop in props:
            if re.sub(r"[^a-z]", "", prop.lower()) in (short, short.removesuffix("id") + "id"):
                return prop
    return "id"
