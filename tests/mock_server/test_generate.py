"""Schema-driven generation: valid, realistic, deterministic, and steerable with x-faker."""
from __future__ import annotations

from faker import Faker

from mock_server.request_path.generate import generate, make_context
from mock_server.request_path.validate import value_errors

DOC = {"openapi": "3.0.3", "components": {"schemas": {
    "Person": {"type": "object", "required": ["email", "first", "company", "age", "pet", "status"], "properties": {
        "email": {"type": "string", "format": "email"},
        "first": {"type": "string", "x-faker": "name.firstName"},
        "company": {"type": "string", "x-flowmock-faker": "company"},
        "age": {"type": "integer", "minimum": 18, "maximum": 99},
        "id": {"type": "string", "format": "uuid", "readOnly": True},
        "secret": {"type": "string", "writeOnly": True},
        "status": {"type": "string", "enum": ["ACTIVE", "BLOCKED"]},
        "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
        "pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat",
                                                                      "dog": "#/components/schemas/Dog"}}},
        "nickname": {"type": "string", "nullable": True, "maxLength": 5},
    }},
    "Cat": {"type": "object", "required": ["kind", "lives"], "properties": {"kind": {"type": "string", "enum": ["cat"]},
                                                                            "lives": {"type": "integer", "maximum": 9}}},
    "Dog": {"type": "object", "required": ["kind", "good"], "properties": {"kind": {"type": "string", "enum": ["dog"]},
                                                                           "good": {"type": "boolean"}}},
}}}
PERSON = {"$ref": "#/components/schemas/Person"}


def resolve(node):
    while isinstance(node, dict) and "$ref" in node:
        node = DOC["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_generated_values_validate_and_respect_direction():
    for seed in range(40):
        value = generate(PERSON, make_context(resolve, seed, Faker(), mode="response"))
        assert value_errors(DOC, PERSON, value, "response") == [], value
        assert "secret" not in value
        request = generate(PERSON, make_context(resolve, seed, Faker(), mode="request"))
        assert "id" not in request and value_errors(DOC, PERSON, request, "request") == []


def test_same_seed_same_value_and_x_faker_is_honoured():
    first = generate(PERSON, make_context(resolve, 7, Faker(), mode="response"))
    assert first == generate(PERSON, make_context(resolve, 7, Faker(), mode="response"))
    assert first != generate(PERSON, make_context(resolve, 8, Faker(), mode="response"))
    names = {generate(PERSON, make_context(resolve, s, Faker(), mode="response"))["first"] for s in range(10)}
    assert all(" " not in n and n[0].isupper() for n in names), names
    assert "@" in first["email"]


def test_ids_drawn_at_once_are_the_ids_drawn_one_by_one():
    """A create draws its new ids in one go: the very uuids (version 4) one draw per id gives from the seeded stream."""
    import random
    import uuid

    for count in (0, 1, 2, 11, 40):
        at_once = make_context(lambda s: s, f"7|op|{count}|ids", Faker(), lazy_faker=True)
        one_by_one = make_context(lambda s: s, f"7|op|{count}|ids", Faker(), lazy_faker=True)
        drawn = at_once.uuid4s(count)
        assert drawn == [one_by_one.uuid4() for _ in range(count)]
        assert at_once.rng.random() == one_by_one.rng.random(), "the stream goes on from the same place"
        stream = random.Random(f"7|op|{count}|ids")
        stream.getrandbits(32)  # the context's Faker seed comes first
        assert drawn == [str(uuid.UUID(int=stream.getrandbits(128), version=4)) for _ in range(count)]
