"""Generated data sets: deterministic, valid, realistic and consistent across resources and specs."""
from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from mock_server.app import load_specs
from mock_server.config import ServerConfig
from mock_server.models import effective_schema
from mock_server.dataset import generate_dataset
from mock_server.fixtures import load_fixture_dir, read_fixture_set
from mock_server.generate import merge_all_of
from mock_server.spec import Spec

SPECS = load_specs(ServerConfig())
BY_NAME = {s.name: s for s in SPECS}
DEFAULT = Path(str(resources.files("flowmock_fixtures").joinpath("default")))


def references(spec: Spec, schema: Any, value: Any, depth: int = 0) -> list[tuple[str, Any]]:
    """Every (x-flowmock-ref target, value) pair inside a value, following its schema."""
    if not isinstance(schema, dict) or depth > 12:
        return []
    if "$ref" in schema:
        return references(spec, spec.resolve(schema), value, depth + 1)
    if schema.get("x-flowmock-ref") and isinstance(value, (str, int)):
        ref = schema["x-flowmock-ref"]
        return [(ref if ":" in ref and not ref.startswith("/") else f"{spec.name}:{ref}", value)]
    schema = effective_schema(spec, merge_all_of(schema, spec.resolve), value)
    found = []
    if isinstance(value, dict):
        for key, sub in value.items():
            found += references(spec, (schema.get("properties") or {}).get(key, {}), sub, depth + 1)
    elif isinstance(value, list):
        for sub in value:
            found += references(spec, schema.get("items") or {}, sub, depth + 1)
    return found


def test_default_data_set_ships_loads_and_every_object_validates():
    baseline = load_fixture_dir(DEFAULT, SPECS)  # raises naming file, object and field on the first invalid object
    assert sum(len(b) for b in baseline.values()) >= 60
    resources_ = {key.split("|")[1] for key in baseline}
    for expected in ("/v1/workflows/definitions", "/v2/flows/templates", "/v1/workflows/closing-reasons",
                     "/v1/workflows/executions", "/v2/flows/executions", "/v1/automation/flows",
                     "/v1/automation/executions", "/api/v2/w/{workspace_uuid}/workflows"):
        assert expected in resources_, expected


def test_every_reference_in_the_default_data_set_points_at_an_existing_object():
    collections = read_fixture_set(DEFAULT)
    ids: dict[str, set[str]] = {}
    from mock_server.models import build_models
    from mock_server.resources import infer_actions

    models = {s.name: build_models(s, infer_actions(s)) for s in SPECS}
    for c in collections:
        field = models[c.spec][c.resource].id_field
        ids.setdefault(f"{c.spec}:{c.resource}", set()).update(str(i[field]) for i in c.items)
    checked = 0
    for c in collections:
        spec = BY_NAME[c.spec]
        schema = models[c.spec][c.resource].schema
        for item in c.items:
            for target, value in references(spec, schema, item):
                if target in ids:
                    assert str(value) in ids[target], f"{c.resource} item points at missing {target} {value}"
                    checked += 1
    assert checked >= 20, "the data set should be linked"


def test_executions_are_started_from_generated_definitions_and_templates():
    by_resource = {}
    for c in read_fixture_set(DEFAULT):
        by_resource.setdefault(c.resource, []).extend(c.items)
    definitions = {d["id"]: d for d in by_resource["/v1/workflows/definitions"]}
    for execution in by_resource["/v1/workflows/executions"]:
        definition = definitions[execution["definitionId"]]
        assert execution["name"] == definition["name"]
        assert [i["name"] for i in execution["flow"]] == [i["name"] for i in definition["flow"]]
    templates = {t["id"]: t for t in by_resource["/v2/flows/templates"]}
    for execution in by_resource["/v2/flows/executions"]:
        template = templates[execution["flow_template_id"]]
        started_with = [t["name"] for t in execution["tasks"]][: len(template["tasks"])]
        assert started_with == [t["name"] for t in template["tasks"]], "tasks added later come after the template's"


def test_same_seed_same_data_and_locale_changes_the_people(tmp_path):
    first, _ = generate_dataset(SPECS, 5, "small", "en_US")
    second, _ = generate_dataset(SPECS, 5, "small", "en_US")
    assert yaml.safe_dump([c.items for c in first]) == yaml.safe_dump([c.items for c in second])
    german, _ = generate_dataset(SPECS, 5, "small", "de_DE")
    assert yaml.safe_dump([c.items for c in german]) != yaml.safe_dump([c.items for c in first])


def test_generate_command_writes_files_that_serve_loads(tmp_path, serve):
    out = tmp_path / "world"
    result = subprocess.run([sys.executable, "-m", "mock_server.cli", "fixtures", "generate", "--seed", "3", "--size", "small",
                             "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "object(s)" in result.stdout and len(list(out.glob("*.yaml"))) >= 8
    running = serve(seed=1, fixtures_dir=out)
    definitions = running.client.get("/v1/workflows/definitions").json()
    assert len(definitions) == 3
    created = running.client.post("/v1/workflows/definitions", json={"name": "new", "flow": []})
    assert created.status_code == 201
    assert len(running.client.get("/v1/workflows/definitions").json()) == 4
    running.client.post("/__flowmock/reset")
    assert len(running.client.get("/v1/workflows/definitions").json()) == 3, "reset goes back to the fixtures"


def test_a_hand_edited_invalid_fixture_is_refused_naming_file_object_and_field(tmp_path):
    out = tmp_path / "edited"
    out.mkdir()
    source = DEFAULT / "workflow-definitions__v1-workflows-definitions.yaml"
    doc = yaml.safe_load(source.read_text())
    doc["items"][1]["enabled"] = "yes please"
    (out / source.name).write_text(yaml.safe_dump(doc))
    result = subprocess.run([sys.executable, "-m", "mock_server.cli", "serve", "--fixtures", str(out), "--port", "0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert source.name in result.stderr and "item 1" in result.stderr and "'enabled'" in result.stderr
    assert doc["items"][1]["id"] in result.stderr


@pytest.mark.parametrize("flag", [[], ["--empty"]])
def test_serve_loads_the_bundled_world_by_default(flag, tmp_path):
    from mock_server.cli import build_parser, config_from_args

    config = config_from_args(build_parser().parse_args(["serve", *flag]))
    assert (config.fixtures_dir is not None) == (not flag)


def test_a_foreign_spec_gets_consistent_nested_and_referenced_fixtures():
    from mock_server.spec import load_spec
    from tests.conftest import TESTS_DIR

    library = load_spec(TESTS_DIR / "fixtures" / "library" / "openapi.yaml")
    collections, skipped = generate_dataset([library], 4, "small")
    assert not skipped
    by_resource: dict[str, list] = {}
    for c in collections:
        by_resource.setdefault(c.resource, []).append(c)
    members = {m["id"] for c in by_resource["/members"] for m in c.items}
    shelves = [s for c in by_resource["/shelves"] for s in c.items]
    assert len(members) == 3 and len(shelves) == 3
    curated = [s for s in shelves if "curatorId" in s]
    assert curated and all(s["curatorId"] in members for s in curated), "references point at generated members"
    shelf_ids = {s["id"] for s in shelves}
    books = by_resource["/shelves/{shelfId}/books"]
    assert books and all(c.parents[0] in shelf_ids for c in books), "nested books live under generated shelves"
    assert all(len(b["isbn"]) == 13 and b["isbn"].isdigit() for c in books for b in c.items), "patterns are honoured"


def test_only_the_bundled_data_set_skips_validation_at_start(tmp_path):
    from mock_server.cli import build_parser, config_from_args

    bundled = config_from_args(build_parser().parse_args(["serve"]))
    mine = config_from_args(build_parser().parse_args(["serve", "--fixtures", str(DEFAULT)]))
    assert bundled.fixtures_dir == DEFAULT and not bundled.validate_fixtures
    assert mine.validate_fixtures, "a directory given with --fixtures is always validated"
