"""The compiled check of JSON request bodies never accepts what openapi-core refuses, settles valid creates without
loading openapi-core, and leaves every refusal's wording to openapi-core."""
from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from faker import Faker

from mock_server.loading.spec import Operation, Spec, bundled_spec_paths, load_spec
from mock_server.request_path.generate import generate, make_context
from mock_server.request_path.validate import (
    RequestBodyChecks,
    RequestData,
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


def _mutated(value: Any, rng: random.Random) -> Any:
    """`value` with one random change somewhere: a key dropped or added, or a value replaced by an odd one."""
    if isinstance(value, dict) and value:
        key = rng.choice(list(value))
        roll = rng.random()
        if roll < 0.25:
            value.pop(key)
        elif roll < 0.5:
            value[key] = rng.choice(ODD_VALUES)
        elif roll < 0.6:
            value["unexpected"] = rng.choice(ODD_VALUES)
        else:
            _mutated(value[key], rng)
    elif isinstance(value, list) and value:
        index = rng.randrange(len(value))
        if rng.random() < 0.5:
            value[index] = rng.choice(ODD_VALUES)
        else:
            _mutated(value[index], rng)
    return value


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
            out.append(_mutated(copy.deepcopy(value), rng))
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
        "/pets": {"post": {
            "operationId": "createPet",
            "requestBody": {"required": True, "content": {JSON: {"schema": {"$ref": "#/components/schemas/Pet"}}}},
            "responses": {"201": {"description": "created"}}}},
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
        "Cat": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}}},
        "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}], "discriminator": {"propertyName": "kind"}},
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


def test_a_discriminator_or_an_openapi_31_document_is_left_to_openapi_core(things):
    pets = things.by_id["createPet"]
    cat = {"kind": "Cat"}
    req = RequestData("post", "/pets", {}, [], {}, body=json.dumps(cat).encode(), content_type=JSON)
    assert not RequestBodyChecks().accepts(things, pets, req, cat)
    assert validate_request(things, pets, req, checks=RequestBodyChecks()) == []
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
