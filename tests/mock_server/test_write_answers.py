"""A write's answer is checked against the spec before it is sent: plain JSON answers with no null are checked as the
value they encode (not read back), anything else (a null, a datetime, a big integer) is read back first; the verdict
is the same."""
from __future__ import annotations

import datetime
import math
from pathlib import Path

import orjson
import pytest

from mock_server.request_path.jsonencode import exact_json, json_bytes, reads_back_equal

ROLLBACK_SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "rollback" / "openapi.yaml"


@pytest.mark.parametrize("example, field", [("broken", "name"), ("nulled", "name"), ("whole", "count")])
def test_a_write_whose_answer_breaks_the_spec_is_refused_and_changes_nothing(serve, example, field):
    c = serve(specs=(ROLLBACK_SPEC,)).client
    failed = c.post("/rb/things", json={"name": "a"}, headers={"Prefer": f"example={example}"})
    assert failed.status_code == 500, failed.text
    assert "breaks the spec" in failed.json()["detail"] and field in failed.json()["detail"]
    assert c.get("/rb/things").json() == []


def test_a_write_whose_answer_keeps_to_the_spec_is_sent_as_is(serve):
    c = serve(specs=(ROLLBACK_SPEC,)).client
    created = c.post("/rb/things", json={"name": "a"}, headers={"Prefer": "example=counted"})
    assert created.status_code == 201, created.text
    assert created.content == b'{"id":"t-1","name":"c","count":2,"tags":["a"]}'
    stored = c.post("/rb/things", json={"name": "b", "tags": ["x", "y"]})
    assert stored.status_code == 201 and stored.json()["tags"] == ["x", "y"]


@pytest.mark.parametrize("value", [{"a": [1, 2.5, "é", True, {"b": []}]}, [], "text", 7, (1, 2)])
def test_plain_json_is_what_the_encoder_writes_and_reads_back_equal(value):
    encoded = exact_json(value)
    assert encoded == json_bytes(value) and reads_back_equal(encoded)
    assert orjson.loads(encoded) == (list(value) if isinstance(value, tuple) else value)


@pytest.mark.parametrize("value", [{"a": None}, [math.nan], {"x": math.inf}])
def test_a_null_nan_or_infinity_does_not_read_back_equal(value):
    encoded = exact_json(value)
    assert encoded == json_bytes(value) and not reads_back_equal(encoded)


class _Text(str):
    pass


@pytest.mark.parametrize("value", [{"when": datetime.datetime(2025, 1, 1)}, {1: "a"}, 2**70, {"s": _Text("x")}, "\ud800"])
def test_what_is_not_plain_json_is_encoded_the_usual_way(value):
    assert exact_json(value) is None
