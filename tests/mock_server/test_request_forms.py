"""Request bodies and parameters as clients send them: forms, multipart, serialization styles, 3.1 readOnly/writeOnly."""
from __future__ import annotations

import pytest

from tests.conftest import TESTS_DIR

SEMANTICS = TESTS_DIR / "fixtures" / "semantics"


@pytest.fixture
def api(serve):
    return serve(specs=(SEMANTICS / "requests.yaml",), seed=1).client


def test_a_urlencoded_form_is_typed_by_its_schema_and_stored(api):
    created = api.post("/pets", data={"name": "Rex", "age": "3", "vaccinated": "true", "weight": "2.5", "tags": ["a", "b"]})
    assert created.status_code == 201, created.text
    assert created.json() == {"id": 1, "name": "Rex", "age": 3, "vaccinated": True, "weight": 2.5, "tags": ["a", "b"]}
    assert api.get("/pets/1").json() == created.json()
    defaulted = api.post("/pets", data={"name": "Bo", "age": "0"})
    assert defaulted.json()["vaccinated"] is False  # the schema's default


def test_a_form_field_that_is_not_its_type_is_a_400_naming_it(api):
    refused = api.post("/pets", data={"name": "Rex", "age": "old", "weight": "heavy"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"location": "body", "field": "age", "message": "'old' is not an integer"},
                                        {"location": "body", "field": "weight", "message": "'heavy' is not a number"}]
    missing = api.post("/pets", data={"name": "Rex"})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "age"
    below = api.post("/pets", data={"name": "Rex", "age": "-1"})
    assert below.status_code == 400 and "-1 is less than the minimum of 0" in below.text
    assert api.get("/pets/1").status_code == 404  # nothing was stored


def test_multipart_fields_are_typed_and_encoded_parts_read_as_their_content_type(api):
    photo = ("rex.png", b"\x89PNG\r\n\x1a\n\x00\x01", "image/png")
    created = api.post("/pets", data={"name": "Rex", "age": "4"}, files={"photo": photo})
    assert created.status_code == 201, created.text
    assert created.json()["age"] == 4 and created.json()["name"] == "Rex"
    meta = {"meta": (None, '{"source": 5}', "application/json"), "photo": photo}
    wrong = api.post("/pets", data={"name": "Rex", "age": "4"}, files=meta)
    assert wrong.status_code == 400 and wrong.json()["errors"] == [
        {"location": "body", "field": "meta.source", "message": "5 is not of type 'string'"}]
    broken = api.post("/pets", data={"name": "Rex", "age": "4"}, files={"meta": (None, "{oops", "application/json")})
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["errors"][0]["message"]


@pytest.mark.parametrize(("query", "status", "field"), [
    ("tags=a&tags=b", 200, None),                       # form, exploded array
    ("ids=1,2", 200, None), ("ids=1,x", 400, "ids"),     # form, explode: false
    ("filter[color]=red&filter[size]=3", 200, None),      # deepObject
    ("filter[size]=big", 400, "filter"),
    ("x=1&y=2", 200, None), ("x=1&y=z", 400, "point"),   # form, exploded object: its members are top-level names
    ("x=1", 400, "point"),
    ("words=a%20b", 200, None),                          # spaceDelimited
    ("nums=1|2", 200, None), ("nums=1|x", 400, "nums"),  # pipeDelimited
])
def test_query_serialization_styles_are_read(api, query, status, field):
    answer = api.get("/search?" + query)
    assert answer.status_code == status, answer.text
    if field:
        assert answer.json()["errors"][0]["field"] == field


def test_a_simple_style_header_array_is_read(api):
    assert api.get("/search", headers={"X-Ids": "1,2"}).status_code == 200
    wrong = api.get("/search", headers={"X-Ids": "1,b"})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "X-Ids"


def test_31_readonly_required_is_not_required_in_a_request_and_writeonly_is_never_returned(serve):
    api = serve(specs=(SEMANTICS / "users31.yaml",), seed=1).client
    created = api.post("/users", json={"name": "Ann", "password": "correct horse"})
    assert created.status_code == 201, created.text
    assert created.json() == {"id": 1, "name": "Ann"}
    assert api.get("/users/1").json() == {"id": 1, "name": "Ann"}
    no_password = api.post("/users", json={"name": "Bo"})
    assert no_password.status_code == 400 and no_password.json()["errors"][0]["field"] == "password"
