"""Slips found in public API descriptions by the real-world smoke: served with a warning, never a 500."""
from __future__ import annotations

SPEC = """openapi: 3.0.3
info: {title: Slips, version: '1'}
paths:
  /numbers:
    get:
      parameters:
        - name: n
          in: query
          schema: {$schema: 'https://json-schema.org/draft-05/schema#', type: integer, minimum: 1}
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Item'}
components:
  schemas:
    Item:
      type: object
      required: [kind, mode]
      properties:
        kind: {type: string, enum: [a, b]}
        mode: {type: integer, enum: ['0', '2', '72']}
      definitions:
        itemType:
          type: {description: Type of the item., enum: [x, y], type: string}
"""


def test_an_unknown_schema_dialect_and_a_mapping_as_type_are_warned_about_and_served(serve, tmp_path):
    spec = tmp_path / "slips.yaml"
    spec.write_text(SPEC)
    running = serve(specs=(spec,), seed=1)
    warnings = [str(w) for w in running.app.specs[0].warnings]
    assert any('$schema: unknown JSON Schema dialect "https://json-schema.org/draft-05/schema#"' in w for w in warnings), warnings
    assert any("definitions.itemType.type: must be a type name or a list of them" in w for w in warnings), warnings
    ok = running.client.get("/numbers", params={"n": 3})
    assert ok.status_code == 200 and ok.json()["kind"] in ("a", "b")
    assert ok.json()["mode"] in (0, 2, 72), "an integer enum written as strings is read as integers"
    assert any("properties.mode.enum: lists integers as strings" in w for w in warnings), warnings
    bad = running.client.get("/numbers", params={"n": 0})
    assert bad.status_code == 400 and "query.n" in bad.json()["detail"]


def test_a_server_url_without_a_scheme_names_a_host_and_its_path_is_the_base(serve, tmp_path):
    spec = tmp_path / "hostonly.yaml"
    spec.write_text("""openapi: 3.0.3
info: {title: Host only, version: '1'}
servers: [{url: api.example.com/v1}]
paths:
  /nutrition:
    get:
      responses:
        200: {description: ok, content: {application/json: {schema: {type: object, properties: {kcal: {type: integer}}}}}}
""")
    running = serve(specs=(spec,), seed=1)
    assert running.client.get("/v1/nutrition").status_code == 200
    assert running.client.get("/api.example.com/v1/nutrition").status_code == 404


def test_an_example_value_that_is_a_reference_is_served_as_what_it_points_at(serve, tmp_path):
    spec = tmp_path / "refexample.yaml"
    spec.write_text("""openapi: 3.0.3
info: {title: Ref example, version: '1'}
paths:
  /view:
    get:
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: integer}, name: {type: string}}}
              examples:
                table: {summary: A table view, value: {$ref: '#/components/examples/view'}}
components:
  examples:
    view: {value: {id: 7, name: All issues}}
""")
    running = serve(specs=(spec,), seed=1)
    assert running.client.get("/view").json() == {"id": 7, "name": "All issues"}
    named = running.client.get("/view", headers={"Prefer": "example=table"})
    assert named.json() == {"id": 7, "name": "All issues"}
