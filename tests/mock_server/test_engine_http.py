"""The engine over real HTTP: a spec that is not ours, validation errors, auth, Prefer, chaos, CORS, 3.1."""
from __future__ import annotations

import httpx
import pytest

from tests.conftest import TESTS_DIR

LIBRARY = TESTS_DIR / "fixtures" / "library" / "openapi.yaml"
NOTES31 = TESTS_DIR / "fixtures" / "tiny31" / "openapi.yaml"
WS = "/api/v2/w/7d7a6e0c-3f0e-4c53-9a43-0b7f3d8d2a11/workflows"


@pytest.fixture
def library(serve):
    return serve(specs=(LIBRARY,), seed=5)


def test_foreign_spec_walks_nested_resources_actions_search_and_pages(library):
    c = library.client
    shelf = c.post("/api/shelves", json={"name": "Sci-fi", "floor": 2, "secretCode": "s3cret"})
    assert shelf.status_code == 201
    body = shelf.json()
    assert body["name"] == "Sci-fi" and body["floor"] == 2
    assert "secretCode" not in body, "writeOnly fields never leave the server"
    assert body["createdAt"].endswith("Z") and len(body["id"]) == 36
    assert shelf.headers["location"] == f"/api/shelves/{body['id']}"
    sid = body["id"]
    c.post("/api/shelves", json={"name": "History", "floor": 3})

    book = c.post(f"/api/shelves/{sid}/books", json={"isbn": "9780261103573", "title": "LOTR"})
    assert book.status_code == 201 and book.json()["status"] == "available", "defaults are filled in"
    assert c.post(f"/api/shelves/{sid}/books", json={"isbn": "9780261103573", "title": "Again"}).status_code == 409
    lent = c.post(f"/api/shelves/{sid}/books/9780261103573/lend")
    assert lent.status_code == 200 and lent.json()["status"] == "lent"
    assert c.get(f"/api/shelves/{sid}/books/9780261103573").json()["status"] == "lent"
    assert [b["isbn"] for b in c.get(f"/api/shelves/{sid}/books").json()] == ["9780261103573"]

    orphan = c.post("/api/shelves/5f0c5d9e-1111-4444-8888-123456789abc/books", json={"isbn": "9780261103573", "title": "x"})
    assert orphan.status_code == 404 and "5f0c5d9e-1111-4444-8888-123456789abc" in orphan.json()["detail"]

    page = c.get("/api/shelves", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and [s["name"] for s in page["results"]] == ["History"]
    assert [s["name"] for s in c.get("/api/shelves", params={"floor": 2}).json()["results"]] == ["Sci-fi"]
    found = c.post("/api/shelves:search", json={"floor": 3}).json()
    assert found["hits"] == 1 and found["results"][0]["name"] == "History"

    patched = c.patch(f"/api/shelves/{sid}", json={"genre": "science"}).json()
    assert patched["genre"] == "science" and patched["name"] == "Sci-fi"
    assert patched["updatedAt"] > patched["createdAt"]
    assert c.delete(f"/api/shelves/{sid}").status_code == 204
    gone = c.get(f"/api/shelves/{sid}")
    assert gone.status_code == 404 and sid in gone.json()["detail"] and gone.json()["errors"][0]["field"] == "shelfId"
    also_prefixed = c.get(f"/library/api/shelves/{page['results'][0]['id']}")
    assert also_prefixed.status_code == 200


def test_openapi_31_document_is_served(serve):
    running = serve(specs=(NOTES31,), seed=1)
    c = running.client
    note = c.post("/notes", json={"text": "hi", "tags": None})
    assert note.status_code == 201
    nid = note.json()["id"]
    assert c.put(f"/notes/{nid}", json={"text": "yo"}).json() == {"text": "yo", "id": nid}
    assert c.delete(f"/notes/{nid}").status_code == 204
    assert c.get(f"/notes/{nid}").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "fragment"),
    [
        ("POST", "/api/shelves", {"content": b'{"name": "x",', "headers": {"Content-Type": "application/json"}}, 400, "malformed body"),
        ("POST", "/api/shelves", {"json": {"name": "x", "floor": "two"}}, 400, "body.floor: 'two' is not of type 'integer'"),
        ("POST", "/api/shelves", {"json": {"floor": 1}}, 400, "body.name: 'name' is a required property"),
        ("POST", "/api/shelves", {"json": {"name": "x", "floor": 1, "genre": "poetry"}}, 400, "body.genre: 'poetry' is not one of"),
        ("POST", "/api/shelves", {"content": b"name=x", "headers": {"Content-Type": "text/plain"}}, 415, "text/plain"),
        ("GET", "/api/shelves", {"params": {"limit": "lots"}}, 400, "query.limit"),
        ("GET", "/api/shelves/not-a-uuid", {}, 400, "path.shelfId: 'not-a-uuid' is not a 'uuid'"),
        ("GET", "/api/nowhere", {}, 404, "unknown path"),
        ("PUT", "/api/shelves", {}, 405, "allowed: GET, POST"),
        ("GET", "/api/shelves", {"headers": {"Authorization": ""}}, 401, "Authorization: Bearer"),
    ],
    ids=["malformed-json", "wrong-type", "missing-required", "unknown-enum", "content-type", "bad-query",
         "bad-path-param", "unknown-path", "wrong-method", "missing-token"],
)
def test_bad_requests_get_a_4xx_naming_the_problem(library, method, path, kwargs, status, fragment):
    response = library.client.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert fragment in response.json()["detail"], response.json()


def test_validation_lists_every_failing_field(library):
    problem = library.client.post("/api/shelves", json={"name": "", "floor": 12, "librarianEmail": "nope"}).json()
    fields = {(e["location"], e["field"]) for e in problem["errors"]}
    assert fields == {("body", "name"), ("body", "floor"), ("body", "librarianEmail")}


def test_readonly_fields_in_a_request_are_refused(library):
    problem = library.client.post("/api/shelves", json={"name": "x", "floor": 1, "id": "5f0c5d9e-1111-4444-8888-123456789abc"})
    assert problem.status_code == 400 and "read-only" in problem.json()["detail"]


def test_bundled_spec_rejects_a_missing_token_and_a_missing_field(serve):
    running = serve(seed=1)
    anonymous = httpx.post(running.url + WS, json={"name": "x"})
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Bearer")
    missing = running.client.post(WS, json={"description": "no name"})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "name"
    assert "name" in missing.json()["message"], "the seeds' ErrorResp.message carries the explanation too"


def test_accept_tokens_refuses_other_tokens_and_no_auth_allows_anonymous(serve):
    strict = serve(seed=1, accept_tokens=frozenset({"good"}))
    assert httpx.get(strict.url + WS, headers={"Authorization": "Bearer good"}).status_code == 200
    refused = httpx.get(strict.url + WS, headers={"Authorization": "Bearer bad"})
    assert refused.status_code == 401 and "not accepted" in refused.json()["detail"]
    open_ = serve(seed=1, auth=False)
    assert httpx.get(open_.url + WS).status_code == 200


def test_same_seed_gives_byte_identical_responses(serve):
    def session(running):
        c = running.client
        out = [c.post(WS, json={"name": "A"}).content, c.post("/v1/workflows/definitions", json={"name": "D", "flow": []}).content]
        out.append(c.get("/v1/workflows/limits/max-allowed", headers={"Prefer": "dynamic=true"}).content)
        out.append(c.get(WS).content)
        return out

    first, second = session(serve(seed=42)), session(serve(seed=42))
    assert first == second
    assert session(serve(seed=43)) != first


def test_isolate_by_token_gives_each_token_its_own_world(serve):
    running = serve(seed=1, isolate_by="token")
    alice = {"Authorization": "Bearer alice"}
    bob = {"Authorization": "Bearer bob"}
    created = httpx.post(running.url + WS, json={"name": "mine"}, headers=alice).json()
    assert [w["id"] for w in httpx.get(running.url + WS, headers=alice).json()] == [created["id"]]
    assert httpx.get(running.url + WS, headers=bob).json() == []
    assert httpx.get(f"{running.url}{WS}/{created['id']}", headers=bob).status_code == 404


def test_isolate_by_header(serve):
    running = serve(seed=1, isolate_by="header:X-Team")
    running.client.post(WS, json={"name": "a"}, headers={"X-Team": "a"})
    assert len(running.client.get(WS, headers={"X-Team": "a"}).json()) == 1
    assert running.client.get(WS, headers={"X-Team": "b"}).json() == []


STATUS_SPEC = """
openapi: 3.0.3
info: {title: Status, version: '1'}
security: [{bearer: []}]
paths:
  /status:
    get:
      operationId: getStatus
      responses:
        '200':
          description: The service's status (stateless).
          content:
            application/json:
              schema:
                type: object
                required: [load, region]
                properties: {load: {type: integer}, region: {type: string}}
              example: {load: 0, region: example}
        '401':
          description: No token.
          content:
            application/problem+json:
              schema: {type: object}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
"""


def test_prefer_selects_status_example_and_dynamic_data(serve, tmp_path):
    spec = tmp_path / "status.yaml"
    spec.write_text(STATUS_SPEC)
    c = serve(seed=1, specs=(spec,)).client
    status = c.get("/status")
    assert status.status_code == 200
    example = status.json()
    assert example == {"load": 0, "region": "example"}
    assert c.get("/status").json() == example, "examples are stable"
    assert c.get("/status", headers={"Prefer": "dynamic=true"}).json() != example
    not_found = c.get("/status", headers={"Prefer": "code=401"})
    assert not_found.status_code == 401 and "Simulated 401" in not_found.json()["detail"]
    undocumented = c.get("/status", headers={"Prefer": "code=418"})
    assert undocumented.status_code == 400 and "not documented" in undocumented.json()["detail"]


def test_fail_rate_and_delay(serve):
    import time

    failing = serve(seed=1, fail_rate=1.0)
    injected = failing.client.get(WS)
    assert injected.status_code in (500, 503) and "injected" in injected.json()["detail"]
    running = serve(seed=1)
    started = time.perf_counter()
    assert running.client.get(WS, headers={"Prefer": "delay=300"}).status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_cors_preflight_and_simple_requests(serve):
    running = serve(seed=1)
    preflight = httpx.options(running.url + WS, headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    simple = running.client.get(WS, headers={"Origin": "http://localhost:3000"})
    assert simple.headers["access-control-allow-origin"] == "http://localhost:3000"
    restricted = serve(seed=1, cors_origins=("https://app.example.com",))
    other = httpx.get(restricted.url + WS, headers={"Origin": "https://evil.example.com", "Authorization": "Bearer x"})
    assert "access-control-allow-origin" not in other.headers


def test_location_points_at_the_created_item_and_is_ascii_even_for_unicode_ids(serve):
    running = serve(seed=1)
    created = running.client.post("/workspace-workflows/api/v2/w/%C8%BE/workflows/templates/t1/create-workflow", json={"name": "x"})
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert location == f"/workspace-workflows/api/v2/w/%C8%BE/workflows/{created.json()['id']}"
    assert running.client.get(location).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("POST", "/api/shelves", {"content": b"\xff\xfe", "headers": {"Content-Type": "application/json"}}, 400),
        ("GET", "/api/shelves", {"params": {"limit": ""}}, 400),
        ("GET", "/api/shelves/a%0Ab", {}, 400),
    ],
    ids=["not-utf8-body", "empty-integer-query", "newline-in-path-param"],
)
def test_odd_input_gets_a_problem_never_a_500(library, method, path, kwargs, status):
    response = library.client.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["errors"], response.json()


def test_non_string_discriminator_values_are_a_400(serve):
    running = serve(seed=1)
    bad = running.client.post("/v2/flows/templates", json={"name": "x", "tasks": [{"task_type": [None, None]}]})
    assert bad.status_code == 400, bad.text


def test_empty_string_query_value_is_accepted_when_the_schema_allows_it(serve):
    running = serve(seed=1)
    assert running.client.get("/v1/workflows/executions", params={"schema": ""}).status_code == 200


def test_newline_in_an_unknown_id_still_gets_the_engines_404(serve):
    running = serve(seed=1)
    missing = running.client.delete("/workflow-executions/v1/workflows/executions/x1")
    assert missing.status_code == 404 and "x1" in missing.json()["message"]
    odd = running.client.get("/v2/flows/executions/a%0Ab")
    assert odd.status_code == 404 and odd.json()["type"].endswith("unknown-resource")


def test_stateless_operations_under_a_missing_item_are_404(serve):
    running = serve(seed=1)
    c = running.client
    definition = c.post("/v1/workflows/definitions", json={"name": "D", "flow": []}).json()
    assert c.get(f"/v1/workflows/definitions/{definition['id']}/closing-reasons").status_code == 200
    assert c.delete(f"/v1/workflows/definitions/{definition['id']}").status_code == 204
    gone = c.get(f"/v1/workflows/definitions/{definition['id']}/closing-reasons")
    assert gone.status_code == 404 and definition["id"] in gone.json()["detail"]


def test_prefer_example_on_a_stateful_operation_changes_state_and_answers_that_example(serve):
    running = serve(seed=1)
    c = running.client
    created = c.post(WS, json={"name": "to delete"}).json()
    deleted = c.delete(f"{WS}/{created['id']}", headers={"Prefer": "example=noTasks"})
    assert deleted.status_code == 200
    doc = running.app.specs[[s.name for s in running.app.specs].index("workspace-workflows")].doc
    media = doc["paths"]["/api/v2/w/{workspace_uuid}/workflows/{workflow_id}"]["delete"]["responses"]["200"]["content"]
    assert deleted.json() == next(iter(media.values()))["examples"]["noTasks"]["value"]
    assert c.get(f"{WS}/{created['id']}").status_code == 404
    before = len(c.get(WS).json())
    unknown = c.post(WS, json={"name": "x"}, headers={"Prefer": "example=nope"})
    assert unknown.status_code == 400 and "nope" in unknown.json()["detail"]
    assert len(c.get(WS).json()) == before, "a refused Prefer changes nothing"


def test_pagination_by_size_from_in_a_search_body_and_by_cursor(library):
    c = library.client
    names = ["A", "B", "C"]
    for name in names:
        c.post("/api/shelves", json={"name": name, "floor": 1})
    page = c.post("/api/shelves:search", json={"floor": 1, "size": 1, "from": 1}).json()
    assert page["hits"] == 3 and [s["name"] for s in page["results"]] == ["B"]
    seen, cursor = [], None
    for _ in range(5):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = c.get("/api/shelves", params=params).json()
        seen += [s["name"] for s in body["results"]]
        cursor = body.get("nextCursor")
        if not cursor:
            break
    assert seen == names


def test_spec_with_default_responses_server_variables_and_no_operation_ids(serve):
    running = serve(specs=(TESTS_DIR / "fixtures" / "odd" / "openapi.yaml",), seed=1)
    c = httpx.Client(base_url=running.url)
    created = c.post("/base/items", json={"tags": ["a", "b"]})
    assert created.status_code == 200 and created.json()["key"] == 1, created.text
    assert c.get("/base/items/1").json() == created.json()
    assert c.get("/base/items").json() == [created.json()]
    assert c.get("/base/ping").status_code == 204
    assert c.get("/odd/base/items/2").status_code == 404
    ops = {o["operationId"]: o["action"] for a in httpx.get(running.url + "/__flowmock/apis").json() for o in a["operations"]}
    assert ops == {"getItems": "list", "postItems": "create", "getItemsKey": "read", "getPing": "generate"}


def test_capacity_caps_a_collection_of_any_spec(serve):
    c = serve(specs=(LIBRARY,), seed=5, capacities=(("createShelf", 1),)).client
    first = c.post("/api/shelves", json={"name": "Sci-fi", "floor": 2})
    assert first.status_code == 201
    refused = c.post("/api/shelves", json={"name": "History", "floor": 3})
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("/limit-reached") and "1 of at most 1 shelves" in refused.json()["detail"]
    assert [s["name"] for s in c.get("/api/shelves").json()["results"]] == ["Sci-fi"]
    assert c.delete(f"/api/shelves/{first.json()['id']}").status_code in (200, 204)
    assert c.post("/api/shelves", json={"name": "History", "floor": 3}).status_code == 201
