"""A list pages by default when the spec documents a default (else maximum) page size; without one it returns every item."""
from __future__ import annotations

SPEC = """
openapi: 3.0.3
info: {title: Notes, version: "1"}
paths:
  /notes:
    get:
      operationId: listNotes
      parameters:
        - {name: limit, in: query, schema: {type: integer, default: 2}}
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        "200":
          description: a page
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {type: array, items: {$ref: "#/components/schemas/Note"}}
                  next_cursor: {type: string}
    post:
      operationId: createNote
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
  /notes/{id}:
    get:
      operationId: getNote
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: one, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
  /people:
    get:
      operationId: listPeople
      parameters:
        - {name: pageSize, in: query, schema: {type: integer, maximum: 3}}
        - {name: page, in: query, schema: {type: integer}}
      responses:
        "200": {description: all, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Note"}}}}}
    post:
      operationId: createPerson
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
  /tags:
    get:
      operationId: listTags
      responses:
        "200": {description: all, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Note"}}}}}
    post:
      operationId: createTag
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
components:
  schemas:
    Note:
      type: object
      properties:
        id: {type: string, readOnly: true}
        text: {type: string}
"""


def test_documented_default_page_size_applies_and_a_cursor_walks_the_rest(serve, tmp_path):
    spec = tmp_path / "notes.yaml"
    spec.write_text(SPEC)
    c = serve(specs=(spec,), seed=1).client
    for i in range(5):
        assert c.post("/notes", json={"text": f"note {i}"}).status_code == 201
        assert c.post("/tags", json={"text": f"tag {i}"}).status_code == 201
    first = c.get("/notes").json()
    assert [n["text"] for n in first["items"]] == ["note 0", "note 1"] and first["next_cursor"]
    second = c.get("/notes", params={"cursor": first["next_cursor"]}).json()
    assert [n["text"] for n in second["items"]] == ["note 2", "note 3"]
    assert len(c.get("/notes", params={"limit": 10}).json()["items"]) == 5
    assert len(c.get("/tags").json()) == 5, "without a paging parameter a list returns every item"


def test_without_a_default_a_page_holds_at_most_the_documented_maximum(serve, tmp_path):
    spec = tmp_path / "notes.yaml"
    spec.write_text(SPEC)
    c = serve(specs=(spec,), seed=1).client
    for i in range(5):
        assert c.post("/people", json={"text": f"person {i}"}).status_code == 201
    assert [p["text"] for p in c.get("/people").json()] == ["person 0", "person 1", "person 2"]
    assert [p["text"] for p in c.get("/people", params={"page": 2}).json()] == ["person 3", "person 4"]
    assert len(c.get("/people", params={"pageSize": 2}).json()) == 2
    assert c.get("/people", params={"pageSize": 4}).status_code == 400, "beyond the documented maximum"
