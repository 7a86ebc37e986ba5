"""The compiled check of JSON request bodies never accepts what openapi-core refuses, settles valid creates without
loading openapi-core, and leaves every refusal's wording to openapi-core."""
from __future__ import annotations

import copy
import functools
import json
import random
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from faker import Faker

from tests.mock_server.mutation import mutated
from mock_server.loading.spec import Operation, Spec, bundled_spec_paths, load_spec
from mock_server.request_path.generate import generate, make_context
from mock_server.request_path.validate import (
    RequestBodyChecks,
    RequestData,
    ResponseValidators,
    _request_body_check,
    plainly_valid_parameters,
    validate_request,
)
from tests.mock_server.test_startup import _probe

ROOT = Path(__file__).resolve().parents[2]
SPECS = [*bundled_spec_paths(), *sorted((ROOT / "tests" / "fixtures").glob("*/*.yaml"))]
JSON = "application/json"
ODD_VALUES: list[Any] = [None, 1, 1.0, 2.5, "x", "", [], {}, True, 2**31, 2**40, "2021-02-30T00:00:00Z",
                         "2024-01-31T10:00:00Z", "not-a-uuid", "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "a@b", "no-at"]


def _json_bodies(spec: Spec) -> list[tuple[Operation, str, Any]]:
    """Each operation's JSON request media types and their schemas."""
    out = []
    for op in spec.operations:
        body = spec.resolve(op.definition.get("requestBody") or {})
        for media_type, media in (body.get("content") or {}).items():
            if "json" in media_type and isinstance(spec.resolve(media), dict) and "schema" in spec.resolve(media):
                out.append((op, media_type, spec.resolve(media)["schema"]))
    return out


def _path_params(spec: Spec, op: Operation, fake: Faker) -> dict[str, str]:
    """A value for each path parameter, made from its schema."""
    out = {}
    for param in map(spec.resolve, op.parameters):
        if param.get("in") == "path":
            value = generate(spec.resolve(param.get("schema") or {}), make_context(spec.resolve, str(param["name"]), fake))
            out[str(param["name"])] = str(value)
    return out


def _bodies(spec: Spec, op: Operation, schema: Any, fake: Faker) -> list[Any]:
    """Valid request bodies, bodies as a response would carry them (readOnly fields sent), and each mutated."""
    rng = random.Random(op.key)
    out = []
    for round_ in range(6):
        mode = "request" if round_ % 3 else "response"
        value = generate(schema, make_context(spec.resolve, f"{op.key}|{round_}", fake, mode=mode))
        out.append(value)
        for _ in range(3):
            out.append(mutated(copy.deepcopy(value), rng, ODD_VALUES, add_keys=True))
    return out


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_body_the_compiled_check_accepts_is_one_openapi_core_accepts(path):
    try:
        spec = load_spec(path)
    except Exception:  # noqa: BLE001 - a deliberately broken document of the suite: nothing to serve
        pytest.skip("not a servable document")
    fake = Faker()
    checks = RequestBodyChecks()
    yes = valid = 0
    for op, media_type, schema in _json_bodies(spec):
        params = _path_params(spec, op, fake)
        compiled = _request_body_check(spec, op, media_type) is not None
        for value in _bodies(spec, op, schema, fake):
            body = json.dumps(value).encode()
            req = RequestData(op.method, op.path, params, [], {}, body=body, content_type=media_type)
            accepted = checks.accepts(spec, op, req, json.loads(body))
            errors = validate_request(spec, op, req)  # without checks: openapi-core decides
            assert not (accepted and errors), f"{op.operation_id}: accepted {body[:300]!r}, openapi-core: {errors[:3]}"
            if compiled and plainly_valid_parameters(spec, op, req):
                yes, valid = yes + accepted, valid + (not errors)
    assert yes >= valid * 0.9, f"the compiled check accepted only {yes} of {valid} valid bodies"
    if path in bundled_spec_paths():
        assert yes >= 20, f"only {yes} bodies settled without openapi-core"


# ---- the rules openapi-core's write validator adds, on a document written for them, over real HTTP ----

THINGS = {
    "openapi": "3.0.3",
    "info": {"title": "Things", "version": "1"},
    "paths": {
        "/things": {"post": {
            "operationId": "createThing",
            "requestBody": {"required": True, "content": {
                JSON: {"schema": {"$ref": "#/components/schemas/Thing"}},
                "application/merge-patch+json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
            "responses": {"201": {"description": "created", "content": {JSON: {"schema": {"$ref": "#/components/schemas/Thing"}}}}}}},
        "/things/{thingId}": {"get": {
            "operationId": "getThing",
            "parameters": [{"name": "thingId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "found", "content": {JSON: {"schema": {"$ref": "#/components/schemas/Thing"}}}}}}},
    },
    "components": {"schemas": {
        "Thing": {"type": "object", "required": ["id", "name", "when"], "properties": {
            "id": {"type": "string", "readOnly": True},
            "name": {"type": "string", "minLength": 1},
            "when": {"type": "string", "format": "date-time"},
            "note": {"type": "string", "nullable": True},
            "count": {"type": "integer", "format": "int32", "default": 1},
            "secret": {"type": "string", "writeOnly": True},
            "host": {"type": "string", "format": "hostname"},
            "stamp": {"$ref": "#/components/schemas/Stamp"},
            "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "default": []}}},
        "Stamp": {"type": "string", "readOnly": True},
    }},
}
GOOD = {"name": "n", "when": "2024-01-31T10:00:00Z"}


@pytest.fixture(scope="module")
def things() -> Spec:
    return Spec("things", THINGS, "test")


def _thing(value: Any, content_type: str = JSON) -> RequestData:
    return RequestData("post", "/things", {}, [], {}, body=json.dumps(value).encode(), content_type=content_type)


@pytest.mark.parametrize("value, accepted, valid", [
    (GOOD, True, True),  # `id` is required but readOnly: a request may leave it out; `count` and `tags` have defaults
    ({**GOOD, "id": "x"}, False, False),  # readOnly sent
    ({**GOOD, "stamp": "x"}, False, False),  # readOnly through a $ref
    ({**GOOD, "note": None}, True, True),  # nullable
    ({**GOOD, "name": None}, False, False),  # not nullable
    ({**GOOD, "name": ""}, False, False),
    ({**GOOD, "when": "2024-02-30T10:00:00Z"}, False, False),
    ({**GOOD, "when": "yesterday"}, False, False),
    ({**GOOD, "count": 3}, True, True),
    ({**GOOD, "count": 3.0}, False, False),  # openapi-core: no integer
    ({**GOOD, "count": 2**31}, False, False),  # beyond int32
    ({**GOOD, "secret": "s"}, True, True),  # writeOnly: for requests
    ({**GOOD, "host": "example.com"}, False, True),  # no pattern here for this format: openapi-core decides
    ({**GOOD, "tags": ["a", "b"]}, True, True),
    ({**GOOD, "tags": ["c"]}, False, False),
    ({"name": "n"}, False, False),
    ([GOOD], False, False),
])
def test_readonly_nullable_formats_and_defaults_are_kept_as_openapi_core_keeps_them(things, value, accepted, valid):
    op = things.by_id["createThing"]
    req = _thing(value)
    assert RequestBodyChecks().accepts(things, op, req, value) is accepted
    errors = validate_request(things, op, req)
    assert (errors == []) is valid, errors
    assert validate_request(things, op, req, checks=RequestBodyChecks()) == errors


@pytest.mark.parametrize("content_type, compiled", [
    (JSON, True),
    ("application/json; charset=utf-8", True),
    ("Application/JSON", True),
    ("application/merge-patch+json", True),
    ("application/merge-patch+json; charset=utf-8", False),  # `+json` with parameters is left to openapi-core
    ("application/json; charset", False),  # a parameter openapi-core cannot split
    ("text/plain", False),
    ("", False),
])
def test_the_media_type_is_found_as_openapi_core_finds_it(things, content_type, compiled):
    op = things.by_id["createThing"]
    req = _thing(GOOD, content_type)
    assert RequestBodyChecks().accepts(things, op, req, GOOD) is compiled
    if compiled:
        assert validate_request(things, op, req) == []


def test_an_openapi_31_document_is_left_to_openapi_core():
    tiny = load_spec(ROOT / "tests" / "fixtures" / "tiny31" / "openapi.yaml")
    for op, media_type, _ in _json_bodies(tiny):
        req = RequestData(op.method, op.path, _path_params(tiny, op, Faker()), [], {}, body=b"{}", content_type=media_type)
        assert not RequestBodyChecks().accepts(tiny, op, req, {})


def test_over_http_a_readonly_field_gets_openapi_cores_refusal_and_a_valid_body_is_created(serve, tmp_path):
    spec_file = tmp_path / "things.yaml"
    spec_file.write_text(yaml.safe_dump(THINGS))
    client = serve(specs=(spec_file,), seed=1).client
    created = client.post("/things", json={**GOOD, "note": None, "secret": "s"})
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "n" and "secret" not in created.json()
    refused = client.post("/things", json={**GOOD, "id": "mine"})
    assert refused.status_code == 400
    assert [(e["location"], e["field"]) for e in refused.json()["errors"]] == [("body", "id")]
    assert "read-only" in refused.json()["errors"][0]["message"]
    bad_date = client.post("/things", json={**GOOD, "when": "2024-02-30T10:00:00Z"})
    assert bad_date.status_code == 400 and bad_date.json()["errors"][0]["field"] == "when"


# ---- a valid create over real HTTP loads no openapi-core ----

def _first_definition() -> str:
    fixture = yaml.safe_load((ROOT / "fixtures" / "default" / "workflow-definitions__v1-workflows-definitions.yaml").read_text())
    return str(fixture["items"][0]["id"])


def test_valid_creates_load_no_openapi_core_and_an_invalid_one_gets_its_message_and_field():
    definition = _first_definition()
    first, second, bad = _probe([
        ("POST", "/v1/workflows/executions", json.dumps({"workflowId": definition})),
        ("POST", "/v1/workflows/executions", json.dumps({"workflowId": definition, "assignedTo": ["u1"], "purposes": []})),
        ("POST", "/v1/workflows/executions", json.dumps({"workflowId": 5, "assignedTo": "u1"})),
    ])
    assert first["status"] == 201 and first["body"]["definitionId"] == definition, first
    assert second["status"] == 201 and second["body"]["assignedTo"] == ["u1"], second
    for created in (first, second):
        assert not {"openapi_core", "openapi_schema_validator", "jsonschema"} & set(created["loaded"]), created["loaded"]
    assert bad["status"] == 400 and "openapi_core" in bad["loaded"]
    assert sorted((e["field"], e["message"]) for e in bad["body"]["errors"]) == [
        ("assignedTo", "'u1' is not of type 'array'"), ("workflowId", "5 is not of type 'string'")]


# ---- discriminators: every bundled operation whose request body has one ----

REF = "#/components/schemas/"
ODD_TAGS: list[Any] = ["", "unknown", 1, None, True, ["x"], {"x": 1}]  # a list or an object: openapi-core cannot look it up


class Union(NamedTuple):
    """A discriminated union in a request body: where (property names, "*" for any item), its schema, and the branches
    of the unions around it that hold it (each as where, discriminating property, tag, branch)."""

    path: tuple[str, ...]
    schema: dict[str, Any]
    within: tuple[tuple[tuple[str, ...], str, str, str], ...]


def _discriminated_places(spec: Spec, schema: Any) -> list[Union]:
    """Every discriminated union a request body can hold, each reached once."""
    out: list[Union] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    stack: list[tuple[Any, tuple[str, ...], tuple[Any, ...]]] = [(schema, (), ())]
    while stack:
        node, at, within = stack.pop()
        if not isinstance(node, dict) or len(at) > 8:
            continue
        if "$ref" in node:
            if (node["$ref"], at) in seen:
                continue
            seen.add((node["$ref"], at))
            node = {**spec.resolve({"$ref": node["$ref"]}), **{k: v for k, v in node.items() if k != "$ref"}}
        tag_of: dict[str, str] = {}  # a union's branches: the first tag naming each
        if "discriminator" in node and any(key in node for key in ("allOf", "anyOf", "oneOf")):
            out.append(Union(at, node, within))
            tag_of = {target: tag for tag, target in sorted(_tags(node).items(), reverse=True)}
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(key) or []:
                ref = sub.get("$ref") if isinstance(sub, dict) else None
                branch = (at, node["discriminator"]["propertyName"], tag_of[ref], ref) if ref in tag_of else None
                stack.append((sub, at, (*within, branch) if branch else within))
        stack.extend((sub, (*at, name), within) for name, sub in (node.get("properties") or {}).items())
        if "items" in node:
            stack.append((node["items"], (*at, "*"), within))
    return sorted(out, key=lambda union: union.path)


def _tags(union: dict[str, Any]) -> dict[str, str]:
    """A union's discriminator values and the component each names: its mapping, and each listed component's own name
    (a mapping to anything but a component is left out)."""
    mapping = union["discriminator"].get("mapping") or {}
    tags = {str(tag): target for tag, target in mapping.items() if str(target).startswith(REF)}
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in union.get(key) or []:
            if "$ref" in sub:
                tags.setdefault(sub["$ref"].removeprefix(REF), sub["$ref"])
    return tags


def _slots(value: Any, path: tuple[str, ...]) -> list[tuple[Any, Any]]:
    """The (container, key) pairs where `path` ends in `value` (the first item of a list; a missing last key or first
    item is made room for)."""
    parents = [value]
    for step in path[:-1]:
        found = []
        for parent in parents:
            if step == "*" and isinstance(parent, list):
                found.extend(parent[:1])
            elif isinstance(parent, dict) and step in parent:
                found.append(parent[step])
        parents = found
    slots: list[tuple[Any, Any]] = []
    for parent in parents:
        if path[-1] == "*" and isinstance(parent, list):
            parent[:] = parent[:1] or [None]
            slots.append((parent, 0))
        elif path[-1] != "*" and isinstance(parent, dict):
            slots.append((parent, path[-1]))
    return slots


class Variant(NamedTuple):
    """A request body whose union at `place` holds `what` (a branch, another branch, no tag, an odd tag) under `tag`."""

    place: str
    tag: str
    what: str
    value: Any


def _union_variants(spec: Spec, op: Operation, schema: Any, fake: Faker) -> list[Variant]:
    """Bodies whose unions hold, in turn: a valid value of each branch under each of its tags, a value of another
    branch under a tag, the tag missing, the tag odd (empty, unknown, not a string, its case swapped); each also once
    mutated. A union inside a branch of another is tried inside that branch."""
    rng = random.Random(f"union|{op.key}")
    out: list[Variant] = []

    def made_for(target: str, seed: str) -> Any:
        return generate({"$ref": target}, make_context(spec.resolve, seed, fake, mode="request"))

    for round_ in range(2):
        generated = generate(schema, make_context(spec.resolve, f"{op.key}|union|{round_}", fake, mode="request"))
        for path, union, within in _discriminated_places(spec, schema):
            base = [copy.deepcopy(generated)]  # held in a list, so that a path ("*", ...) reaches the body itself
            for outer, outer_prop, outer_tag, branch in within:
                for container, key in _slots(base, ("*", *outer)):
                    container[key] = {**made_for(branch, f"{op.key}|{outer_tag}|{round_}"), outer_prop: outer_tag}
            prop, tags, place = union["discriminator"]["propertyName"], _tags(union), "/".join(path)
            for index in range(len(_slots(copy.deepcopy(base), ("*", *path)))):
                def put(tag: str, what: str, made: Any) -> None:
                    body = copy.deepcopy(base)
                    container, key = _slots(body, ("*", *path))[index]
                    container[key] = made
                    out.append(Variant(place, tag, what, body[0]))
                    out.append(Variant(place, tag, f"{what}, mutated", mutated(copy.deepcopy(body[0]), rng, ODD_VALUES, add_keys=True)))

                for tag, target in sorted(tags.items()):
                    put(tag, "branch", {**made_for(target, f"{op.key}|{tag}|{round_}"), prop: tag})
                others = [(tag, other) for tag, target in tags.items() for other in set(tags.values()) - {target}]
                for tag, other in rng.sample(sorted(others), min(6, len(others))):
                    put(tag, f"other branch {other}", {**made_for(other, f"{op.key}|{other}"), prop: tag})
                tag, target = rng.choice(sorted(tags.items()))
                valid = {**made_for(target, f"{op.key}|{tag}|odd"), prop: tag}
                put(tag, "no tag", {k: v for k, v in valid.items() if k != prop})
                for odd in [*ODD_TAGS, *([tag.swapcase()] if tag.swapcase() not in tags else [])]:
                    put(repr(odd), "odd tag", {**valid, prop: odd})
    return out


# the bundled operations whose request body holds a discriminated union (a test below finds them again)
UNION_OPERATIONS = ["createFlow", "putFlow", "createDefinition", "updateDefinition", "createFlowTemplate", "importFlowTemplate",
                    "updateFlowTemplate"]


@functools.cache
def _bundled() -> dict[str, Spec]:
    """Each bundled operation's document, by operationId."""
    return {op.operation_id: spec for spec in map(load_spec, bundled_spec_paths()) for op in spec.operations}


def test_the_bundled_unions_in_request_bodies_are_the_ones_compared_below():
    found = {op.operation_id for spec in {id(s): s for s in _bundled().values()}.values()
             for op, _, schema in _json_bodies(spec) if _discriminated_places(spec, schema)}
    assert found == set(UNION_OPERATIONS)


@pytest.mark.parametrize("operation_id", UNION_OPERATIONS)
def test_no_body_with_a_discriminated_union_is_accepted_that_openapi_core_refuses(operation_id):
    _compare_unions(_bundled()[operation_id], operation_id)


def _compare_unions(spec: Spec, operation_id: str) -> None:
    """Every union variant of an operation's body: no quick yes where openapi-core refuses, openapi-core refuses a
    missing or odd tag, and the check accepts every valid body of each branch (each mapped branch has one)."""
    op = spec.by_id[operation_id]
    fake = Faker()
    params = _path_params(spec, op, fake)
    checks = RequestBodyChecks()
    schema = next(schema for found, _, schema in _json_bodies(spec) if found is op)
    mapped = {("/".join(path), str(tag)) for path, union, _ in _discriminated_places(spec, schema)
              for tag, target in (union["discriminator"].get("mapping") or {}).items() if str(target).startswith(REF)}
    settled: dict[tuple[str, str], list[bool]] = {}  # per branch and tag: the check's verdicts on bodies openapi-core finds valid
    for place, tag, what, value in _union_variants(spec, op, schema, fake):
        body = json.dumps(value).encode()
        req = RequestData(op.method, op.path, params, [], {}, body=body, content_type=JSON)
        accepted = checks.accepts(spec, op, req, json.loads(body))
        errors = validate_request(spec, op, req)
        assert not (accepted and errors), f"{place} {tag} {what}: accepted {body[:300]!r}, openapi-core: {errors[:3]}"
        if what in ("no tag", "odd tag"):
            assert errors, f"{place} {tag} {what}: openapi-core found nothing wrong with {body[:300]!r}"
        if what == "branch" and not errors:
            settled.setdefault((place, tag), []).append(accepted)
    assert mapped <= set(settled), f"no valid body made for {sorted(mapped - set(settled))}"
    assert all(all(verdicts) for verdicts in settled.values()), {k: v for k, v in settled.items() if not all(v)}


# ---- discriminators as openapi-core reads them, on a document written for them ----

def _create(name: str, schema: str) -> dict[str, Any]:
    """A create operation taking and answering a component schema."""
    content = {JSON: {"schema": {"$ref": REF + schema}}}
    return {"post": {"operationId": name, "requestBody": {"required": True, "content": content},
                     "responses": {"201": {"description": "created", "content": content}}}}


ZOO: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Zoo", "version": "1"},
    "paths": {"/pets": _create("createPet", "Pet"), "/vehicles": _create("createVehicle", "Vehicle"),
              "/lions": _create("createLion", "Lion"), "/cages": _create("createCage", "Cage"),
              "/zoos": _create("createZoo", "Zoo")},
    "components": {"schemas": {
        # oneOf with a mapping (one tag names a component the list does not, one names no component), and the
        # listed components' own names (the implicit mapping)
        "Pet": {"oneOf": [{"$ref": REF + "Cat"}, {"$ref": REF + "Dog"}],
                "discriminator": {"propertyName": "petType",
                                  "mapping": {"cat": REF + "Cat", "doggo": REF + "Dog", "fish": REF + "Fish", "ghost": "Ghost"}}},
        "Cat": {"type": "object", "required": ["petType", "lives"], "properties": {
            "id": {"type": "string", "readOnly": True}, "petType": {"type": "string"},
            "lives": {"type": "integer", "format": "int32", "minimum": 1}}},
        "Dog": {"type": "object", "required": ["petType", "born"], "properties": {
            "petType": {"type": "string"}, "born": {"type": "string", "format": "date"}}},
        "Fish": {"type": "object", "required": ["fins"], "properties": {"fins": {"type": "integer"}}},
        # anyOf, the implicit mapping only
        "Vehicle": {"anyOf": [{"$ref": REF + "Car"}, {"$ref": REF + "Bike"}], "discriminator": {"propertyName": "kind"}},
        "Car": {"type": "object", "required": ["doors"], "properties": {"kind": {"type": "string"}, "doors": {"type": "integer"}}},
        "Bike": {"type": "object", "required": ["gears"], "additionalProperties": False,
                 "properties": {"kind": {"type": "string"}, "gears": {"type": "integer"}}},
        # allOf inheritance: the parent's discriminator has no list beside it, so openapi-core does not apply it
        "Animal": {"type": "object", "required": ["animalType"], "properties": {"animalType": {"type": "string"}},
                   "discriminator": {"propertyName": "animalType"}},
        "Lion": {"allOf": [{"$ref": REF + "Animal"},
                           {"type": "object", "required": ["mane"], "properties": {"mane": {"type": "boolean"}}}]},
        # allOf beside a discriminator: the schema the tag names is checked in place of the list
        "Cage": {"allOf": [{"$ref": REF + "CageBase"}],
                 "discriminator": {"propertyName": "size", "mapping": {"small": REF + "SmallCage", "large": REF + "LargeCage"}}},
        "CageBase": {"type": "object", "required": ["bars"], "properties": {"bars": {"type": "integer"}}},
        "SmallCage": {"type": "object", "properties": {"size": {"type": "string", "enum": ["small"]},
                                                       "width": {"type": "number", "maximum": 2}}},
        "LargeCage": {"type": "object", "required": ["width"], "properties": {"width": {"type": "number", "minimum": 2}}},
        # unions in items, and one inside a branch of another
        "Zoo": {"type": "object", "required": ["pets"], "properties": {
            "pets": {"type": "array", "items": {"$ref": REF + "Pet"}},
            "enclosures": {"type": "array", "items": {"oneOf": [{"$ref": REF + "Aviary"}, {"$ref": REF + "Pond"}],
                                                      "discriminator": {"propertyName": "habitat"}}}}},
        "Aviary": {"type": "object", "required": ["habitat"], "properties": {
            "habitat": {"type": "string"}, "vehicle": {"$ref": REF + "Vehicle"}}},
        "Pond": {"type": "object", "required": ["habitat", "depth"], "properties": {
            "habitat": {"type": "string"}, "depth": {"type": "number"}}},
        # a union whose branch holds the union again, on the same value: openapi-core recurses without end
        "Node": {"oneOf": [{"$ref": REF + "Leaf"}, {"$ref": REF + "Fork"}], "discriminator": {"propertyName": "shape"}},
        "Leaf": {"type": "object", "properties": {"shape": {"type": "string"}}},
        "Fork": {"allOf": [{"$ref": REF + "Node"}, {"type": "object", "properties": {"left": {"$ref": REF + "Node"}}}]},
    }},
}
ZOO["paths"]["/nodes"] = _create("createNode", "Node")
CAT = {"petType": "cat", "lives": 9}


@pytest.fixture(scope="module")
def zoo() -> Spec:
    return Spec("zoo", ZOO, "test")


@pytest.mark.parametrize("operation_id, value, accepted, valid", [
    ("createPet", CAT, True, True),  # the mapping
    ("createPet", {**CAT, "petType": "Cat"}, True, True),  # the implicit mapping: a listed component's name
    ("createPet", {"petType": "doggo", "born": "2020-01-01"}, True, True),
    ("createPet", {"petType": "dog", "born": "2020-01-01"}, False, False),  # no such tag (nor component)
    ("createPet", {"petType": "cat", "born": "2020-01-01"}, False, False),  # a Dog under the cat tag
    ("createPet", {"petType": "fish", "fins": 2}, True, True),  # mapped to a component the list does not name
    ("createPet", {"petType": "Fish", "fins": 2}, False, True),  # any component by name: openapi-core decides
    ("createPet", {"petType": "ghost"}, False, False),  # mapped to no component
    ("createPet", {"lives": 9}, False, False),  # no tag
    ("createPet", {**CAT, "petType": ""}, False, False),
    ("createPet", {**CAT, "petType": 1}, False, False),
    ("createPet", {**CAT, "petType": None}, False, False),
    ("createPet", {**CAT, "petType": ["cat"]}, False, False),  # openapi-core cannot look a list up: a 400 of ours
    ("createPet", {**CAT, "petType": "Cat/properties/lives"}, False, False),  # openapi-core follows it as a pointer
    ("createPet", {**CAT, "id": "x"}, False, False),  # readOnly in a branch
    ("createPet", {**CAT, "lives": 0}, False, False),
    ("createPet", {**CAT, "lives": 9.0}, False, False),
    ("createPet", [CAT], False, False),
    ("createVehicle", {"kind": "Car", "doors": 4}, True, True),
    ("createVehicle", {"kind": "Bike", "gears": 4}, True, True),
    ("createVehicle", {"kind": "Bike", "doors": 4}, False, False),  # a Car under the Bike tag (Bike allows no extras)
    ("createVehicle", {"kind": "car", "doors": 4}, False, False),
    ("createLion", {"animalType": "Lion", "mane": True}, True, True),
    ("createLion", {"animalType": "Tiger", "mane": True}, True, True),  # the parent's discriminator is not applied
    ("createLion", {"animalType": "Lion"}, False, False),
    ("createCage", {"size": "small", "width": 1}, True, True),  # CageBase (the allOf) is not checked, SmallCage is
    ("createCage", {"size": "small", "width": 1, "bars": "x"}, True, True),
    ("createCage", {"size": "CageBase", "bars": 1}, True, True),  # the listed component's own name
    ("createCage", {"size": "large", "width": 1}, False, False),
    ("createCage", {"size": "SmallCage", "width": 1}, False, False),  # SmallCage's own enum refuses its name
    ("createZoo", {"pets": [CAT], "enclosures": [{"habitat": "Aviary", "vehicle": {"kind": "Car", "doors": 1}}]}, True, True),
    ("createZoo", {"pets": [CAT], "enclosures": [{"habitat": "Aviary", "vehicle": {"kind": "Bike", "doors": 1}}]}, False, False),
    ("createZoo", {"pets": [CAT], "enclosures": [{"habitat": "Pond", "depth": 1}]}, True, True),
    ("createZoo", {"pets": [CAT, {"petType": "cat"}], "enclosures": [{"habitat": "Pond"}]}, False, False),
    ("createNode", {"shape": "Leaf"}, False, True),  # the union can lead back to itself: no compiled check
])
def test_discriminators_are_read_as_openapi_core_reads_them(zoo, operation_id, value, accepted, valid):
    op = zoo.by_id[operation_id]
    req = RequestData("post", op.path, {}, [], {}, body=json.dumps(value).encode(), content_type=JSON)
    assert RequestBodyChecks().accepts(zoo, op, req, value) is accepted
    errors = validate_request(zoo, op, req)
    assert (errors == []) is valid, errors
    assert validate_request(zoo, op, req, checks=RequestBodyChecks()) == errors


@pytest.mark.parametrize("operation_id", ["createPet", "createVehicle", "createCage", "createZoo"])
def test_no_body_with_a_union_of_the_zoo_is_accepted_that_openapi_core_refuses(zoo, operation_id):
    _compare_unions(zoo, operation_id)


def test_over_http_a_union_is_created_or_refused_with_openapi_cores_words(serve, tmp_path):
    spec_file = tmp_path / "zoo.yaml"
    spec_file.write_text(yaml.safe_dump(ZOO))
    client = serve(specs=(spec_file,), seed=1).client
    created = client.post("/pets", json=CAT)
    assert created.status_code == 201, created.text
    assert created.json()["petType"] == "cat" and created.json()["lives"] == 9
    wrong_tag = client.post("/pets", json={**CAT, "petType": "dog"})
    assert wrong_tag.status_code == 400
    assert [(e["field"], e["message"]) for e in wrong_tag.json()["errors"]] == [("", "matches none of the allowed shapes (oneOf)")]
    wrong_branch = client.post("/pets", json={"petType": "cat", "born": "2020-01-01"})
    assert wrong_branch.status_code == 400
    assert [(e["field"], e["message"]) for e in wrong_branch.json()["errors"]] == [("lives", "'lives' is a required property")]
    read_only = client.post("/pets", json={**CAT, "id": "mine"})
    assert read_only.status_code == 400 and read_only.json()["errors"][0]["field"] == "id"
    assert client.post("/nodes", json={"shape": "Leaf"}).status_code == 201
    endless = client.post("/nodes", json={"shape": "Fork"})
    assert endless.status_code == 400, endless.text
    assert "cannot be validated" in endless.json()["errors"][0]["message"]


def test_an_answer_openapi_core_cannot_finish_checking_is_reported_not_raised(zoo):
    op = zoo.by_id["createNode"]
    validators = ResponseValidators()
    assert validators.errors(zoo, op, 201, b'{"shape": "Leaf"}', {"Content-Type": JSON}, JSON) == []
    endless = validators.errors(zoo, op, 201, b'{"shape": "Fork"}', {"Content-Type": JSON}, JSON)
    assert [(e.location, e.field) for e in endless] == [("response", "")]
    assert endless[0].message.startswith("cannot be validated: maximum recursion depth exceeded")


# ---- a valid definition create over real HTTP loads no openapi-core ----

def test_valid_definition_creates_load_no_openapi_core_and_a_wrong_tag_gets_its_message():
    step = {"type": "STEP", "name": "Call the customer", "order": 1, "executionType": "MANUAL"}
    section = {"type": "SECTION", "name": "Preparation", "order": 1, "steps": [step]}
    first, second, bad = _probe([
        ("POST", "/v1/workflows/definitions", json.dumps({"name": "Meter swap", "flow": [section, {**step, "order": 2}]})),
        ("POST", "/v1/workflows/definitions", json.dumps({"name": "Check-up", "flow": [step]})),
        ("POST", "/v1/workflows/definitions", json.dumps({"name": "Bad", "flow": [{**step, "type": "PHASE"}]})),
    ])
    assert first["status"] == 201, first
    assert [item["type"] for item in first["body"]["flow"]] == ["SECTION", "STEP"]
    assert all(item["id"] for item in first["body"]["flow"]) and first["body"]["flow"][0]["steps"][0]["id"]
    assert second["status"] == 201 and second["body"]["name"] == "Check-up", second
    for created in (first, second):
        assert not {"openapi_core", "openapi_schema_validator", "jsonschema"} & set(created["loaded"]), created["loaded"]
    assert bad["status"] == 400 and "openapi_core" in bad["loaded"]
    assert [(e["field"], e["message"]) for e in bad["body"]["errors"]] == [("flow[0]", "matches none of the allowed shapes (oneOf)")]
