"""The compiled response pre-check never accepts what openapi-core refuses, and accepts what a mock usually answers."""
from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from faker import Faker

from mock_server.request_path.generate import generate, make_context
from mock_server.request_path.quickcheck import QuickCheck
from tests.mock_server.mutation import mutated
from mock_server.loading.spec import Spec, bundled_spec_paths, load_spec
from mock_server.request_path.validate import _CompiledResponse, validate_response

JSON = "application/json"
ODD_VALUES: list[Any] = [None, 1, 1.0, "x", "", [], {}, True, 2**40, "2021-02-30T00:00:00Z", "not-a-uuid"]


def _json_responses(spec: Spec):
    for op in spec.operations:
        for code, response in (op.definition.get("responses") or {}).items():
            media = (spec.resolve(response).get("content") or {}).get(JSON) if code.isdigit() else None
            if media and "schema" in media:
                yield op, int(code), media["schema"]


@pytest.mark.parametrize("path", bundled_spec_paths(), ids=lambda p: p.stem)
def test_on_every_bundled_response_a_quick_yes_is_openapi_cores_yes(path):
    spec = load_spec(path)
    fake = Faker()
    yes = valid = 0
    for op, status, schema in _json_responses(spec):
        compiled = _CompiledResponse.build(spec, op, status, JSON)
        assert compiled is not None and compiled.quick is not None, f"{op.key} {status} has no quick check"
        rng = random.Random(f"{op.key}{status}")
        for round_ in range(4):
            value = generate(schema, make_context(spec.resolve, f"{op.key}|{status}|{round_}", fake))
            if round_:
                value = mutated(copy.deepcopy(value), rng, ODD_VALUES)
            body = json.dumps(value).encode()
            errors = validate_response(spec, op, status, body, {"Content-Type": JSON}, JSON)
            accepted = compiled.quick.accepts(json.loads(body))
            assert not (accepted and errors), f"{op.key} {status}: quick check accepted {body[:300]!r}, openapi-core: {errors[:3]}"
            yes, valid = yes + accepted, valid + (not errors)
    assert yes >= valid * 0.9, f"the quick check accepted only {yes} of {valid} valid bodies"


DOC = {
    "openapi": "3.0.3",
    "components": {"schemas": {
        "Cat": {"type": "object", "required": ["kind", "lives"], "properties": {
            "kind": {"type": "string"}, "lives": {"type": "integer", "format": "int32"}}},
        "Dog": {"type": "object", "required": ["kind", "born"], "properties": {
            "kind": {"type": "string"}, "born": {"type": "string", "format": "date-time"},
            "secret": {"type": "string", "writeOnly": True}, "note": {"type": "string", "nullable": True}}},
        "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}}},
    }},
}
FORMATS = frozenset({"int32", "int64", "date-time", "date", "uuid", "email"})


@pytest.mark.parametrize("value, accepted", [
    ({"kind": "cat", "lives": 9}, True),
    ({"kind": "cat", "lives": 9.0}, False),  # openapi-core: 9.0 is no integer
    ({"kind": "cat", "lives": 2**31}, False),  # beyond int32
    ({"kind": "Dog", "born": "2024-02-28T10:00:00Z", "note": None}, True),  # the implicit mapping: the schema's name
    ({"kind": "Dog", "born": "2024-02-30T10:00:00Z"}, False),
    ({"kind": "Dog", "born": "2024-02-28T10:00:00Z", "secret": "s"}, False),  # writeOnly in a response
    ({"kind": "dog", "born": "2024-02-28T10:00:00Z"}, False),  # no such branch
    ({"kind": "", "lives": 1}, False),
    ({"lives": 1}, False),
])
def test_the_rules_openapi_core_adds_to_json_schema_are_kept(value, accepted):
    check = QuickCheck.build(DOC, {"$ref": "#/components/schemas/Pet"}, FORMATS)
    assert check is not None
    assert check.accepts(value) is accepted


def test_what_cannot_be_kept_exactly_gets_no_quick_check():
    assert QuickCheck.build(DOC, {"type": "string", "format": "ipv6"}, frozenset({"ipv6"})) is None
    assert QuickCheck.build(DOC, {"type": "number", "multipleOf": 0.1}, FORMATS) is None
    assert QuickCheck.build(DOC, {"$ref": "#/paths/~1pets"}, FORMATS) is None
    assert QuickCheck.build({**DOC, "openapi": "3.1.0"}, {"type": "string"}, FORMATS) is None


def test_a_schema_reaching_most_of_a_large_document_gets_no_quick_check():
    """Each compiled check holds its own copy of every component it reaches: Stripe's answers reach 484 of them
    (8 MB per operation), so those are left to openapi-core and the server's memory stays flat."""
    chain = {f"Node{n}": {"type": "object", "properties": {"next": {"$ref": f"#/components/schemas/Node{n + 1}"}}}
             for n in range(200)}
    chain["Node200"] = {"type": "object", "properties": {"name": {"type": "string"}}}
    doc = {"openapi": "3.0.3", "paths": {}, "components": {"schemas": chain}}
    assert QuickCheck.build(doc, {"$ref": "#/components/schemas/Node0"}, FORMATS) is None
    small = QuickCheck.build(doc, {"$ref": "#/components/schemas/Node100"}, FORMATS)
    assert small is not None and small.accepts({"next": {"next": {}}}) and not small.accepts({"next": 1})


UNIONS = {
    "openapi": "3.0.3",
    "components": {"schemas": {
        **DOC["components"]["schemas"],
        "Odd": {"oneOf": [{"$ref": "#/components/schemas/Cat"}],
                "discriminator": {"propertyName": "kind", "mapping": {1: "#/components/schemas/Cat", "ghost": "Ghost"}}},
        "Node": {"oneOf": [{"$ref": "#/components/schemas/Leaf"}, {"$ref": "#/components/schemas/Fork"}],
                 "discriminator": {"propertyName": "shape"}},
        "Leaf": {"type": "object"},
        "Fork": {"allOf": [{"$ref": "#/components/schemas/Node"}]},
        "Tree": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}},
    }},
}


@pytest.mark.parametrize("direction", ["read", "write"])
def test_a_tag_openapi_core_cannot_follow_is_refused_and_the_others_still_compiled(direction):
    check = QuickCheck.build(UNIONS, {"$ref": "#/components/schemas/Odd"}, FORMATS, direction)
    assert check is not None
    assert check.accepts({"kind": "Cat", "lives": 1})
    assert not check.accepts({"kind": "1", "lives": 1})  # openapi-core looks "1" up, not the mapping's integer 1
    assert not check.accepts({"kind": "ghost", "lives": 1})  # mapped to no component


@pytest.mark.parametrize("direction", ["read", "write"])
def test_a_schema_leading_back_to_itself_on_the_same_value_gets_no_quick_check(direction):
    assert QuickCheck.build(UNIONS, {"$ref": "#/components/schemas/Node"}, FORMATS, direction) is None
    tree = QuickCheck.build(UNIONS, {"$ref": "#/components/schemas/Tree"}, FORMATS, direction)  # through items: fine
    assert tree is not None and tree.accepts({"kids": [{"kids": []}]}) and not tree.accepts({"kids": [1]})
