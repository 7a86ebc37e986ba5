"""Every bundled spec is valid OpenAPI and every example in it validates against its own schema."""
from __future__ import annotations

import pytest

from mock_server.loading.spec import bundled_spec_paths
from mock_server.loading.speccheck import check_spec, example_sites

SPECS = bundled_spec_paths()


def test_the_four_apis_are_bundled():
    assert {p.name for p in SPECS} == {
        "workflow-definitions.yaml", "workflow-executions.yaml", "automation.yaml", "workspace-workflows.yaml"}


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_spec_is_valid_and_its_examples_match_their_schemas(path):
    assert check_spec(path) == []


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_spec_has_examples_security_and_links(path):
    import yaml

    doc = yaml.safe_load(path.read_text())
    assert sum(1 for _ in example_sites(doc)) >= 10
    assert any(s.get("type") == "http" and s.get("scheme") == "bearer"
               for s in doc["components"]["securitySchemes"].values())
    creates = [op for item in doc["paths"].values() for m, op in item.items()
               if m == "post" and op.get("operationId", "").startswith("create")]
    assert creates
    for op in creates:
        links = [link for code, resp in op["responses"].items() if code.startswith("2") for link in (resp.get("links") or {})]
        assert links, f"{op['operationId']} has no OpenAPI links"


def test_checker_reports_an_example_that_breaks_its_schema(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("""
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
            example: {name: 3}
      responses:
        "200": {description: ok}
""")
    problems = check_spec(bad)
    assert len(problems) == 1 and "name: 3 is not of type 'string'" in problems[0]
