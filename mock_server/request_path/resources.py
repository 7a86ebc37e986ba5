"""Infer, from a spec alone, which resource each operation works on and what it does to it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mock_server.request_path.negotiate import success_schema
from mock_server.loading.spec import Operation, Spec

ACTIONS = ("create", "list", "read", "replace", "update", "delete", "search", "batch-get", "duplicate", "generate")
_PARAM = re.compile(r"\{([^}/]+)\}")
_DUPLICATE_VERBS = {"duplicate", "clone", "copy"}


@dataclass(frozen=True)
class Action:
    """What an operation does: `kind` on resource `resource`, whose item id comes from `item_param`."""

    kind: str
    resource: str = ""
    item_param: str | None = None
    parent_params: tuple[str, ...] = ()
    set_fields: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

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
    """Decide one operation's action from its extensions, method and path shape."""
    segs = _segments(op.path)
    method = op.method
    explicit = op.extension("action")
    resource_override = op.extension("resource")
    set_fields = dict(op.extension("set") or {})
    last = segs[-1] if segs else ""
    kind, resource, item_param = "generate", "", None

    if last and _is_param(last):
        resource = "/" + "/".join(segs[:-1])
        item_param = last[1:-1]
        kind = {"get": "read", "put": "replace", "patch": "update", "delete": "delete"}.get(method, "generate")
    elif ":" in last and not _is_param(last):
        base, verb = last.split(":", 1)
        resource = "/" + "/".join([*segs[:-1], base])
        kind = {"search": "search", "batchget": "batch-get", "batch-get": "batch-get", "list": "search"}.get(verb.lower(), "generate")
    elif len(segs) >= 2 and _is_param(segs[-2]):
        resource = "/" + "/".join(segs[:-2])
        item_param = segs[-2][1:-1]
        if method == "get" and _lists_objects(spec, success_schema(spec, op)) and ("/" + "/".join(segs)) in item_collections:
            resource, item_param, kind = "/" + "/".join(segs), None, "list"
        elif method == "post" and last.lower() in _DUPLICATE_VERBS:
            kind = "duplicate"
        elif method == "post" and ("/" + "/".join(segs)) in item_collections:
            resource, item_param, kind = "/" + "/".join(segs), None, "create"
        elif method == "get" and ("/" + "/".join(segs)) in item_collections:
            resource, item_param, kind = "/" + "/".join(segs), None, "list"
    else:
        resource = "/" + "/".join(segs)
        schema = success_schema(spec, op)
        if method == "get" and _lists_objects(spec, schema):
            kind = "list"
        elif method == "post" and isinstance(schema, dict) and (resource in item_collections or "requestBody" in op.definition):
            kind = "create" if not _lists_objects(spec, schema) or resource in item_collections else "generate"

    if explicit:
        if explicit not in ACTIONS:
            raise ValueError(f"{spec.name}:{op.operation_id}: unknown x-flowmock-action {explicit!r}; use one of {', '.join(ACTIONS)}")
        kind = explicit
        if kind in ("create", "list", "search", "batch-get") and not resource_override and item_param and not _is_param(last):
            item_param = None
    if resource_override:
        resource = resource_override
        item_param = _param_after(op.path, resource) if kind not in ("create", "list", "search", "batch-get") else None
    if kind == "generate":
        return Action("generate")
    if kind in ("create", "list", "search", "batch-get"):
        item_param = None
    parents = tuple(p for p in _PARAM.findall(resource))
    return Action(kind, resource, item_param, parents, set_fields)


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
    return {op.operation_id: infer_action(spec, op, item_collections) for op in spec.operations}


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
