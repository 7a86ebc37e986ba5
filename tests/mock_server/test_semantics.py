"""HTTP semantics of documented responses, over real HTTP: negotiation, HEAD, ranges, headers, error shapes."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import TESTS_DIR

SEMANTICS = TESTS_DIR / "fixtures" / "semantics"
MEDIA = SEMANTICS / "media.yaml"


@pytest.fixture
def media(serve):
    return serve(specs=(MEDIA,), seed=3).client


def test_text_types_are_answered_as_text_chosen_by_accept_with_quality_values(media):
    plain = media.get("/greeting")
    assert plain.status_code == 200 and plain.headers["content-type"] == "text/plain" and plain.text == "hello"
    html = media.get("/greeting", headers={"Accept": "text/html"})
    assert html.headers["content-type"] == "text/html" and html.text == "<p>hello</p>"
    assert media.get("/greeting", headers={"Accept": "text/html;q=0.5, text/plain"}).text == "hello"
    assert media.get("/greeting", headers={"Accept": "text/plain;q=0.1, text/*;q=0.9"}).text == "<p>hello</p>"
    assert media.get("/greeting", headers={"Accept": "*/*"}).headers["content-type"] == "text/plain"


def test_nothing_acceptable_is_a_406_naming_what_is_documented_and_changes_nothing(media):
    refused = media.get("/greeting", headers={"Accept": "application/json"})
    assert refused.status_code == 406
    assert refused.json()["detail"] == "greet answers 200 as text/plain, text/html; none is acceptable to 'Accept: application/json'"
    assert media.get("/greeting", headers={"Accept": "text/plain;q=0"}).status_code == 406
    create = media.post("/pets", json={"name": "Rex"}, headers={"Accept": "image/png"})
    assert create.status_code == 406 and "application/json, application/xml" in create.json()["detail"]
    assert media.get("/pets/1").status_code == 404  # the refused create stored nothing


def test_head_answers_like_get_without_a_body(media):
    media.post("/pets", json={"name": "Rex"})
    got, head = media.get("/pets/1"), media.head("/pets/1")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"] == "application/json"
    assert head.headers["x-rate-limit"] == got.headers["x-rate-limit"] == "60"
    assert head.headers["content-length"] == got.headers["content-length"] == str(len(got.content))
    missing, unknown = media.head("/pets/99"), media.head("/nowhere")
    assert missing.status_code == 404 and unknown.status_code == 404 and missing.content == unknown.content == b""
    assert media.head("/secret").status_code == 401  # refused before the operation runs, still without a body
    assert media.head("/greeting").headers["content-type"] == "text/plain"


def test_xml_is_built_from_the_schema_xml_hints_or_sent_as_the_example(media):
    created = media.post("/pets", json={"name": "Rex & Co", "tags": ["good", "brown"]}, headers={"Accept": "application/xml"})
    assert created.status_code == 201 and created.headers["content-type"] == "application/xml"
    pet = ET.fromstring(created.content)
    assert pet.tag == "pet" and pet.get("id") == "1" and pet.findtext("name") == "Rex & Co"
    assert [t.text for t in pet.findall("tags/tag")] == ["good", "brown"]
    browser = media.get("/pets/1", headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert browser.headers["content-type"] == "application/xml" and ET.fromstring(browser.content).get("id") == "1"
    example = media.get("/xml-example")
    assert example.headers["content-type"] == "application/xml" and example.text == "<note><to>Ann</to></note>"


def test_a_list_is_csv_for_text_csv_and_a_wrapped_xml_array(media):
    csv = media.get("/export", headers={"Accept": "text/csv"})
    assert csv.headers["content-type"] == "text/csv" and csv.text == 'name,age\r\nRex,3\r\n"Bo, the second",5\r\n'
    xml = media.get("/export", headers={"Accept": "application/xml"})
    rows = ET.fromstring(xml.content)
    assert rows.tag == "rows" and rows.findall("row") and all(r.findtext("name") and int(r.findtext("age")) >= 0 for r in rows)


def test_vendor_json_types_are_json(media):
    media.post("/pets", json={"name": "Rex"})
    stored = media.get("/pets/1", headers={"Accept": "application/vnd.api+json"})
    assert stored.headers["content-type"] == "application/vnd.api+json" and stored.json() == {"id": 1, "name": "Rex"}
    api = media.get("/catalog/featured", headers={"Accept": "application/vnd.api+json"})
    assert api.headers["content-type"] == "application/vnd.api+json"
    assert api.json()["data"]["type"] == "entry" and isinstance(api.json()["data"]["attributes"], dict)
    assert set(media.get("/catalog/featured").json()) == {"title"}  # no Accept: plain JSON first


def test_ranges_and_default_are_documented_responses(media):
    report = media.get("/report", params={"year": 2024})
    assert report.status_code == 200 and set(report.json()) == {"year", "total"}
    assert report.headers["location"].startswith("http")  # a documented header, generated as a URL
    assert media.get("/anything").status_code == 200 and isinstance(media.get("/anything").json()["ok"], bool)
    simulated = media.get("/anything", headers={"Prefer": "code=404"})
    assert simulated.status_code == 404 and isinstance(simulated.json()["ok"], bool)  # `default` documents every status
    teapot = media.get("/report", params={"year": 2024}, headers={"Prefer": "code=418"})
    assert teapot.status_code == 418 and teapot.json() == {"code": 418, "error": "Simulated 418 response for getReport (Prefer: code=418)"}
    undocumented = media.get("/report", params={"year": 2024}, headers={"Prefer": "code=500"})
    assert undocumented.status_code == 400
    assert undocumented.json()["error"] == "Prefer: code=500 is not documented for getReport; documented: 2XX, 4XX"


def test_documented_response_headers_are_sent_with_their_example_or_a_generated_value(media):
    created = media.post("/pets", json={"name": "Rex"})
    assert created.headers["location"] == "/pets/1"  # the create's own Location wins over a generated one
    got = media.get("/pets/1")
    assert got.headers["x-rate-limit"] == "60" and got.headers["etag"]
    assert media.get("/pets/1").headers["etag"] == got.headers["etag"]  # generated once per operation and seed


def test_errors_use_the_documented_error_body_with_the_message_in_its_field(media):
    missing = media.get("/pets/7")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"
    assert missing.json() == {"code": 404, "error": "No pets with id '7' exists"}
    invalid = media.get("/report", params={"year": 1})
    assert invalid.status_code == 400 and invalid.json()["code"] == 400  # the 4XX range's schema
    assert invalid.json()["error"] == "Invalid request to getReport: query.year: 1 is less than the minimum of 2000"
    refused = media.put("/pets/1", json={})
    assert refused.status_code == 405 and refused.headers["allow"] == "DELETE, GET"
    assert refused.json() == {"code": 405, "error": "PUT is not allowed on /pets/1; allowed: DELETE, GET"}
    anonymous = media.get("/secret")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("ApiKey")
    body = anonymous.json()
    assert body["status"] == "401" and body["message"] == "Missing credentials: send an API key in header 'X-Key'"
    assert body["documentation_url"].startswith("http")
    assert media.get("/secret", headers={"X-Key": "k"}).headers["content-type"] == "text/plain"
    words = media.get("/xml-example", headers={"Prefer": "code=404"})
    assert words.status_code == 404 and words.headers["content-type"] == "text/plain"
    assert words.text == "Simulated 404 response for xmlExample (Prefer: code=404)"


def test_operations_without_a_documented_error_body_answer_problem_json(media):
    problem = media.get("/plain-errors")
    assert problem.status_code == 400 and problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["errors"] == [{"location": "query", "field": "n", "message": "required parameter is missing"}]
    assert media.delete("/pets/3").headers["content-type"] == "application/problem+json"
    unknown = media.get("/nowhere")
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
