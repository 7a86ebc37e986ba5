"""Generated answers honour a schema's own examples and the JSON Schema keywords that constrain them; broken examples are not served."""
from __future__ import annotations

import re

import pytest

from tests.conftest import TESTS_DIR
from tests.mock_server.test_loading import cli_server  # noqa: F401  (fixture)

USERS31 = TESTS_DIR / "fixtures" / "semantics" / "users31.yaml"


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_contains_max_contains_const_pattern_and_additional_properties_and_dependencies_are_honoured(serve, seed):
    api = serve(specs=(USERS31,), seed=seed).client  # strict responses: every answer is also valid for the schema
    for prefer in ({}, {"Prefer": "dynamic=true"}):
        shapes = api.get("/shapes/latest", headers=prefer)
        assert shapes.status_code == 200, shapes.text
        body = shapes.json()
        assert body["kind"] == "polygon"
        assert body["tags"].count("featured") >= 2
        assert len(body["sides"]) >= 6 and 1 <= body["sides"].count(2) <= 2  # minContains and maxContains
        assert body["labels"] and all(re.fullmatch(r"x-[a-z]{3,6}", k) and v >= 1 for k, v in body["labels"].items())
        assert body["limits"] and all(0 <= v <= 9 for v in body["limits"].values())
        assert "billing" in body if "card" in body else True
        assert set(body) <= {"kind", "sides", "tags", "labels", "limits", "card", "billing"}


def test_a_schemas_own_examples_are_served(serve):
    api = serve(specs=(USERS31,), seed=1).client
    assert api.get("/settings").json() == {"theme": "dark"}
    assert api.get("/settings", headers={"Prefer": "dynamic=true"}).json()["theme"] in ("dark", "light")


def test_an_example_that_breaks_its_schema_is_generated_instead_and_warned_once(cli_server):  # noqa: F811
    import httpx

    server = cli_server("--spec", str(USERS31), "--seed", "1")
    warned = [line for line in server.startup if "not served, generated instead" in line]
    assert [line.split(": ")[2] for line in warned] == [
        "paths./broken-example.get.responses.200.content.application/json.example",
        "paths./broken-named.get.responses.200.content.application/json.examples.huge"]
    assert "count: 'many' is not of type 'integer'" in warned[0]
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert isinstance(client.get("/broken-example").json()["count"], int)
        assert client.get("/broken-named").json() == {"size": 2}  # the first valid named example
        asked = client.get("/broken-named", headers={"Prefer": "example=huge"})
        assert asked.json() == {"size": 99}  # asked for by name: sent as written (a 500 with --strict-responses)
        assert client.get("/broken-named", headers={"Prefer": "example=small"}).json() == {"size": 2}
