"""State a user expects from specs written the usual way, without extensions, over real HTTP."""
from __future__ import annotations

import pytest

from tests.conftest import TESTS_DIR

INFERENCE = TESTS_DIR / "fixtures" / "inference"
PETSTORE = INFERENCE / "petstore.yaml"
PROJECTS = INFERENCE / "projects.yaml"


@pytest.fixture
def petstore(serve):
    return serve(specs=(PETSTORE,), seed=3)


@pytest.fixture
def projects(serve):
    return serve(specs=(PROJECTS,), seed=3)


def test_a_create_that_answers_no_body_still_stores_the_body_with_a_counting_integer_id(petstore):
    c = petstore.client
    created = c.post("/pets", json={"name": "Rex", "weight": "12", "tag": "dog"})
    assert created.status_code == 201 and created.content == b""
    assert created.headers["location"] == "/pets/1"
    assert c.post("/pets", json={"name": "Bo"}).headers["location"] == "/pets/2", "integer ids count up"

    rex = c.get("/pets/1")
    assert rex.status_code == 200, "strict response validation is on: the stored pet is valid for Pet"
    pet = rex.json()
    assert pet["id"] == 1 and pet["name"] == "Rex"
    assert "tag" not in pet, "Pet has additionalProperties: false, so the request-only tag is not answered"
    assert pet["weight"] == 12, "the request's digits are converted to the number the response declares"
    assert pet["vaccinated"] is False and pet["status"] == "available", "request-schema defaults are what is stored"
    assert len(pet["chipNumber"]) == 15, "a required field the request did not give is generated"
    assert [p["name"] for p in c.get("/pets").json()] == ["Rex", "Bo"]
    assert [p["name"] for p in c.get("/pets", params={"status": "sold"}).json()] == []


def test_a_put_to_an_unknown_id_creates_there_when_the_spec_documents_a_201(petstore):
    c = petstore.client
    created = c.put("/pets/9", json={"name": "Nine"})
    assert created.status_code == 201 and created.json() == {"id": 9, "name": "Nine"}
    assert created.headers["location"] == "/pets/9"
    replaced = c.put("/pets/9", json={"name": "Nina", "status": "sold"})
    assert replaced.status_code == 200 and replaced.json() == {"id": 9, "name": "Nina"}
    assert c.get("/pets/9").json()["status"] == "sold"
    assert c.post("/pets", json={"name": "Ten"}).headers["location"] == "/pets/10", "the counter continues after 9"
    assert c.delete("/pets/9").status_code == 204 and c.get("/pets/9").status_code == 404


def test_integer_ids_carry_on_from_the_last_one_given_or_chosen_without_reusing_a_deleted_one(petstore):
    c = petstore.client
    assert [c.post("/pets", json={"name": n}).headers["location"] for n in ("A", "B", "C")] == ["/pets/1", "/pets/2", "/pets/3"]
    assert c.delete("/pets/3").status_code == 204
    assert c.post("/pets", json={"name": "D"}).headers["location"] == "/pets/4", "a deleted id is not given out again"
    assert c.put("/pets/20", json={"name": "Twenty"}).status_code == 201
    assert c.post("/pets", json={"name": "E"}).headers["location"] == "/pets/21", "the counter moves past a chosen id"
    assert [p["id"] for p in c.get("/pets").json()] == [1, 2, 4, 20, 21]


def test_a_new_integer_id_does_not_scan_the_store_after_the_first_create(petstore, monkeypatch):
    from mock_server.request_path.crud import Crud

    scans = []
    original = Crud._highest_id
    monkeypatch.setattr(Crud, "_highest_id", lambda self, call, model: scans.append(model.key) or original(self, call, model))
    for n in range(5):
        assert petstore.client.post("/pets", json={"name": f"P{n}"}).status_code == 201
    assert scans == ["/pets"], "the highest stored id is looked up once; later creates count on from it"


def test_a_nested_create_names_its_parent_from_the_path_and_applies_defaults(projects):
    c = projects.client
    assert c.post("/projects", json={"name": "Garden", "homepage": ""}).json() == {"id": 1, "name": "Garden"}, \
        "a stored value that breaks the response's format (an empty uri) is left out"
    assert c.post("/projects", json={"name": "Shed", "homepage": "https://shed.example"}).json()["homepage"] == "https://shed.example"
    todo = c.post("/projects/1/todos", json={"title": "Dig"})
    assert todo.status_code == 201
    assert todo.json() == {"id": 1, "projectId": 1, "title": "Dig", "done": False, "priority": 3}
    assert c.get("/projects/1/todos").json() == {"items": [todo.json()], "total": 1}
    assert c.post("/projects/3/todos", json={"title": "x"}).status_code == 404, "the parent must exist"

    card = c.post("/boards/b-7/cards", json={"text": "Plan"}).json()
    assert card["board"] == "b-7", "a property named like the parent (board) holds its id"
    assert c.get(f"/boards/b-7/cards/{card['id']}").json() == card
    member = c.post("/teams/t9/members", json={"id": "ann", "name": "Ann"}).json()
    assert member["team_id"] == "t9" and member["id"] == "ann", "a bare {id} is named after its collection: team_id"


def test_lists_of_ids_hold_ids_and_a_list_that_is_never_empty_is_padded(projects):
    c = projects.client
    c.post("/labels", json={"name": "red"})
    c.post("/labels", json={"name": "blue"})
    assert c.get("/labels").json() == [1, 2]
    regions = c.get("/regions")
    assert regions.status_code == 200 and len(regions.json()) == 2, "minItems: 2 holds on an empty store"
    assert all(r["code"] in ("eu", "us", "ap") for r in regions.json())


def test_an_item_nothing_can_create_is_answered_from_the_schema_instead_of_a_404(projects):
    country = projects.client.get("/countries/fr")
    assert country.status_code == 200 and set(country.json()) >= {"code", "name"}
    ops = {o["operationId"]: o for o in projects.client.get("/__flowmock/apis").json()[0]["operations"]}
    assert "nothing creates items of /countries" in ops["getCountry"]["why"]
    assert "nothing creates" not in ops["getTodo"]["why"]


def test_apis_say_why_each_operation_got_its_action_and_how_to_make_a_stateless_one_stateful(petstore):
    ops = {o["operationId"]: o for o in petstore.client.get("/__flowmock/apis").json()[0]["operations"]}
    assert ops["createPets"]["action"] == "create" and ops["createPets"]["stateful"] is True
    assert "answers no body" in ops["createPets"]["why"]
    assert "201" in ops["putPet"]["why"]
    assert ops["getStats"]["stateful"] is False and "no list" in ops["getStats"]["why"]
    assert "x-flowmock-action" in ops["getStats"]["hint"] and "x-flowmock-action: create" in ops["feedPet"]["hint"]
    assert "hint" not in ops["listPets"]


def test_start_up_prints_one_line_of_what_was_inferred_per_api(serve):
    running = serve(specs=(PETSTORE, PROJECTS), seed=1)
    lines = running.app.banner(running.url).splitlines()
    summaries = [line.strip() for line in lines if line.strip().startswith("stateful:")]
    assert summaries[0] == ("stateful: 1 resource(s): /pets (list create read replace/create delete); "
                            "stateless: 2 (feedPet, getStats) - see /__flowmock/apis")
    assert summaries[1].startswith("stateful: 7 resource(s): /projects (list create read), "
                                   "/projects/{projectId}/todos (list create read)")
    assert summaries[1].endswith("stateless: none")
