"""Helpers the per-API behaviour modules share: cross-resource lookups, stored objects, reshaping."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mock_server.request_path.conform import conform
from mock_server.request_path.crud import Call, Outcome
from mock_server.errors import FieldError, HttpProblem
from mock_server.request_path.generate import UUID_SCHEMA, merge_all_of
from mock_server.request_path.jsonencode import json_copy
from mock_server.request_path.shapes import Build
from mock_server.request_path.negotiate import documented_statuses


def referenced(call: Call, spec_name: str, resource: str, ident: Any, field: str, label: str) -> dict[str, Any] | None:
    """The object a request body points at, to be read, never edited; None when that API is not served; a 404 (or
    400) naming it when missing."""
    if spec_name not in call.served or ident is None:
        return None
    found = call.state.peek(spec_name, resource, str(ident))
    if found is None:
        status = 404 if 404 in documented_statuses(call.op) else 400
        raise HttpProblem(status, "Not Found" if status == 404 else "Bad Request", f"No {label} with id '{ident}' exists",
                          [FieldError("body", field, f"unknown {label}")], type="https://flowmock.dev/problems/unknown-reference")
    return found


def create_from(call: Call, default: Callable[[Call], Outcome], resource: str, source: dict[str, Any] | None,
                build: Callable[[dict[str, Any], dict[str, Any]], None], id_field: str = "id") -> Outcome:
    """Create as usual, then let `build(created, source)` fill the stored object from what it was made from."""
    if source is None:
        return default(call)
    call.answer_built = True  # the answer is the built object: the generic create need not present the unbuilt one
    outcome = default(call)
    created = stored(call, resource, outcome, id_field)
    build(created, source)
    outcome.body = dict(created)  # serialized at once; only its top level is ever edited
    return outcome


def stored(call: Call, resource: str, outcome: Outcome, id_field: str = "id") -> dict[str, Any]:
    """The stored object (mutable) behind an outcome that carries its id: one this write created."""
    found = call.state.find(call.spec.name, resource, str(outcome.body[id_field]), new=True)
    if found is None:
        raise LookupError(f"{resource} {outcome.body[id_field]} is not stored")
    return found


def schema(call: Call, name: str) -> dict[str, Any]:
    """A component schema of the call's own spec."""
    return call.spec.doc["components"]["schemas"][name]


def reshape(call: Call, target: Any, value: Any) -> Any:
    """`value` conformed to the `target` schema of the call's spec; missing required fields are generated,
    and a missing reference (`x-flowmock-ref`) points at an existing object when there is one."""
    if call.shapes is not None:
        return call.shapes.conform(call.spec, target, value, _filler(call), call.new_ids)
    return conform(call.spec, target, json_copy(value), _filler(call))


def reshape_built(call: Call, target: Any, build: Build, *inputs: Any) -> Any:
    """`reshape(call, target, build(draw, *inputs))`, where `build` is a module-level function of its arguments alone
    that draws its new ids with `draw`: once its template is known for inputs of this shape, nothing is built."""
    if call.shapes is not None:
        return call.shapes.built(call.spec, target, _filler(call), call.new_ids, lambda count: new_ids(call, count), build,
                                 *inputs)
    return reshape(call, target, build(lambda: new_id(call), *inputs))


def _filler(call: Call) -> Callable[[Any], Any]:
    """How `reshape` fills a required value: a reference (`x-flowmock-ref`) points at an existing object when there
    is one; anything else is generated."""

    def fill(schema: Any) -> Any:
        ref = call.spec.resolve(schema).get("x-flowmock-ref") if isinstance(schema, dict) else None
        if ref:
            spec_name, sep, resource = ref.partition(":")
            spec_name, resource = (spec_name, resource) if sep and not ref.startswith("/") else (call.spec.name, ref)
            existing = next(iter(call.state.objects(spec_name, resource)), None)
            if isinstance(existing, dict) and existing.get("id") is not None:
                return existing["id"]
        return call.generate(schema, "response")

    return fill


def property_schema(call: Call, schema_name: str, prop: str) -> Any:
    """The schema of one property of a component schema."""
    if call.shapes is not None:
        return call.shapes.property_schema(call.spec, schema_name, prop)
    return (merged(call, schema(call, schema_name)).get("properties") or {})[prop]


def first_allowed(call: Call, schema_name: str, prop: str, *preferred: str) -> Any:
    """The first of `preferred` that the property's enum allows (else its first value)."""
    enum = merged(call, property_schema(call, schema_name, prop)).get("enum") or []
    return next((p for p in preferred if p in enum), enum[0] if enum else preferred[0])


def merged(call: Call, node: Any) -> dict[str, Any]:
    """A schema of the call's spec with `allOf` merged, worked out once per schema (kept with the spec's templates)."""
    if call.shapes is None:
        return merge_all_of(node, call.spec.resolve)
    return call.shapes.merged_schema(call.spec, node)


def new_id(call: Call) -> str:
    """A fresh uuid from the call's (seeded) generator."""
    return new_ids(call, 1)[0]


def new_ids(call: Call, count: int) -> list[str]:
    """`count` fresh uuids from the call's (seeded) generator, drawn at once: the ids `count` calls of `new_id` give."""
    if call.new_uuids is not None:
        return call.new_uuids(count)
    return [str(call.generate(UUID_SCHEMA, "id")) for _ in range(count)]


def stored_or_404(call: Call, resource: str, param: str) -> dict[str, Any]:
    """The stored object of the call's spec that a path parameter names; a 404 naming it when missing."""
    label = resource.rstrip("/").split("/")[-1].rstrip("s") or resource
    return require(call, resource, call.path_params.get(param, ""), param, label)


def bad_request(detail: str, field: str, message: str, location: str = "body") -> HttpProblem:
    """A 400 naming the field at fault."""
    return HttpProblem(400, "Bad Request", detail, [FieldError(location, field, message)])


def conflict(detail: str, field: str, message: str, location: str = "body") -> HttpProblem:
    """A 409: the request is valid, but the resource's current state does not allow it; names the rule."""
    return HttpProblem(409, "Conflict", detail, [FieldError(location, field, message)],
                       type="https://flowmock.dev/problems/state-conflict")


def require(call: Call, resource: str, ident: Any, param: str, label: str) -> dict[str, Any]:
    """The stored object of the call's spec named by a path parameter; a 404 naming it when it does not exist."""
    found = call.state.find(call.spec.name, resource, str(ident))
    if not isinstance(found, dict):
        raise HttpProblem(404, "Not Found", f"No {label} with id '{ident}' exists",
                          [FieldError("path", param, f"unknown {label} id")], type="https://flowmock.dev/problems/unknown-resource")
    return found

