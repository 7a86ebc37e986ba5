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
from mock_server.request_path.models import effective_schema
from mock_server.datasets.dataset import generate_dataset
from mock_server.datasets.fixtures import load_fixture_dir, read_fixture_set
from mock_server.request_path.generate import merge_all_of
from mock_server.loading.spec import Spec

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
    from mock_server.request_path.models import build_models
    from mock_server.request_path.resources import infer_actions

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
    from mock_server.loading.spec import load_spec
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


# ---- the bundled world: references, variety, time, words ----
def bundled(resource: str) -> list[dict[str, Any]]:
    """Every object of a resource in the bundled world, as its fixture file holds it."""
    return [item for c in read_fixture_set(DEFAULT) if c.resource == resource for item in c.items]


def _ok(client: Any, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:200]}"
    return response.json()


def _task_graph_resolves(owner: str, phases: list[dict], tasks: list[dict], edges: list[dict]) -> None:
    task_ids, phase_ids = {t["id"] for t in tasks}, {p["id"] for p in phases}
    assert len(task_ids) == len(tasks), f"{owner}: task ids are unique"
    for edge in edges:
        assert edge["from_id"] in task_ids and edge["to_id"] in task_ids, f"{owner}: edge {edge['id']} points at no task"
    for task in tasks:
        assert task.get("phase_id") in phase_ids, f"{owner}: task {task['id']} names phase {task.get('phase_id')}"
        conditions = {c["id"] for c in task.get("conditions") or []}
        for edge in edges:
            if edge["from_id"] == task["id"] and edge.get("condition_id"):
                assert edge["condition_id"] in conditions, f"{owner}: edge {edge['id']} names an unknown condition"


def test_every_reference_of_the_bundled_world_resolves_over_http(serve):
    client = serve(seed=1, fixtures_dir=DEFAULT).client
    checked = 0
    for definition in _ok(client, "/v1/workflows/definitions"):
        reasons = [r["id"] for r in definition.get("closingReasons") or []]
        assert reasons and len(reasons) == len(set(reasons)), definition["name"]
        resolved = _ok(client, f"/v1/workflows/definitions/{definition['id']}/closing-reasons")["reasons"]
        assert [r["id"] for r in resolved] == reasons and all(r.get("title") for r in resolved), "every reason is in the catalogue"
        for section in definition["flow"]:
            for step in section.get("steps") or []:
                if step.get("automationConfig"):
                    _ok(client, f"/v1/automation/flows/{step['automationConfig']['flowId']}")
                    checked += 1
        checked += len(reasons)
    for template in bundled("/v2/flows/templates"):
        _task_graph_resolves(template["name"], template["phases"], template["tasks"], template["edges"])
        for task in template["tasks"]:
            if task["task_type"] == "AUTOMATION":
                _ok(client, f"/v1/automation/flows/{task['automation_config']['flow_id']}")
                checked += 1
        if template.get("trigger", {}).get("automation_id"):
            _ok(client, f"/v1/automation/flows/{template['trigger']['automation_id']}")
        for reason in template.get("closing_reasons") or []:
            _ok(client, f"/v2/workflows/closing-reasons/{reason['id']}")
        checked += len(template["edges"])
    for made in bundled("/v1/workflows/executions"):
        execution = _ok(client, f"/v1/workflows/executions/{made['id']}")
        _ok(client, f"/v1/workflows/definitions/{execution['definitionId']}")
        snapshot = {r["id"] for r in _ok(client, f"/v1/workflows/executions/{made['id']}/closing-reasons")["reasons"]}
        assert {r["id"] for r in execution.get("selectedClosingReasons") or []} <= snapshot
        checked += 1
    for made in bundled("/v2/flows/executions"):
        execution = _ok(client, f"/v2/flows/executions/{made['id']}")
        _ok(client, f"/v2/flows/templates/{execution['flow_template_id']}")
        _task_graph_resolves(execution["id"], execution["phases"], execution["tasks"], execution["edges"])
        for task in execution["tasks"]:
            run = (task.get("automation_config") or {}).get("execution_id")
            if run:
                assert _ok(client, f"/v1/automation/executions/{run}")["flow_id"] == task["automation_config"]["flow_id"]
                checked += 1
    for made in bundled("/v1/automation/flows"):
        flow = _ok(client, f"/v1/automation/flows/{made['id']}")
        for action in flow["actions"]:
            assert "execution_status" not in action, "a flow's actions carry no run state"
            for key, scope in (("condition_id", "conditions"), ("schedule_id", "schedules"), ("loop_id", "loops")):
                if key in action:
                    assert action[key] in {item["id"] for item in flow.get(scope) or []}, f"{flow['flow_name']}: {key}"
                    checked += 1
    for made in bundled("/v1/automation/executions"):
        execution = _ok(client, f"/v1/automation/executions/{made['id']}")
        flow_actions = {a["id"] for a in _ok(client, f"/v1/automation/flows/{execution['flow_id']}")["actions"]}
        assert {a["flow_action_id"] for a in execution["actions"]} <= flow_actions
        checked += 1
    for made in bundled("/v1/automation/executions/bulk-jobs"):
        job = _ok(client, f"/v1/automation/executions/bulk-jobs/{made['job_id']}")
        _ok(client, f"/v1/automation/flows/{job['flow_id']}")
        for item in job.get("execution_summary") or []:
            assert _ok(client, f"/v1/automation/executions/{item['execution_id']}")["flow_id"] == job["flow_id"]
            checked += 1
    workspace = next(c for c in read_fixture_set(DEFAULT) if c.spec == "workspace-workflows").parents[0]
    for workflow in _ok(client, f"/api/v2/w/{workspace}/workflows"):
        assert workflow["startTaskId"] in {t["id"] for t in workflow["tasks"]} | ({None} if not workflow["tasks"] else set())
    assert checked >= 60


def test_the_bundled_world_holds_every_stage(serve):
    client = serve(seed=1, fixtures_dir=DEFAULT).client
    v1 = [_ok(client, f"/v1/workflows/executions/{e['id']}") for e in bundled("/v1/workflows/executions")]
    steps = [[s["status"] for item in e["flow"] for s in item.get("steps") or [item]] for e in v1]
    v1_stages = {"started" if e["status"] == "STARTED" and set(s) <= {"UNASSIGNED", "ASSIGNED"} else
                 "half done" if e["status"] == "STARTED" else e["status"] for e, s in zip(v1, steps, strict=True)}
    assert v1_stages == {"started", "half done", "DONE", "CLOSED"}
    assert all(e.get("completedTime") and e.get("selectedClosingReasons") for e in v1 if e["status"] in ("DONE", "CLOSED"))
    v2 = [_ok(client, f"/v2/flows/executions/{e['id']}") for e in bundled("/v2/flows/executions")]
    finished = [sum(t["status"] in ("COMPLETED", "SKIPPED") for t in e["tasks"]) for e in v2]
    v2_stages = {"started" if e["status"] == "STARTED" and not n else "half done" if e["status"] == "STARTED" else e["status"]
                 for e, n in zip(v2, finished, strict=True)}
    assert v2_stages >= {"started", "half done", "DONE", "CLOSED"}
    assert any(t["task_type"] == "DECISION" and t["status"] == "COMPLETED" for e in v2 for t in e["tasks"]), "a decision taken"
    assert any(t["task_type"] == "AUTOMATION" and t["status"] == "COMPLETED" and t.get("automation_config", {}).get("execution_id")
               for e in v2 for t in e["tasks"]), "an automation task run and reconciled"
    runs = _ok(client, "/v1/automation/executions?size=100")
    runs = runs.get("results", runs) if isinstance(runs, dict) else runs
    by_status = {r["execution_status"] for r in runs}
    assert {"success", "failed", "in_progress", "paused"} <= by_status
    assert all(r.get("resume_token") for r in runs if r["execution_status"] == "paused")
    assert all(any(a.get("error_output") for a in r["actions"]) for r in runs if r["execution_status"] == "failed")
    jobs = [_ok(client, f"/v1/automation/executions/bulk-jobs/{j['job_id']}") for j in bundled("/v1/automation/executions/bulk-jobs")]
    statuses = {j["status"] for j in jobs}
    assert {"approval", "finished", "cancelled"} <= statuses and len(statuses) >= 4
    assert all(len(j["execution_summary"]) == len(j["entity_query"]["data"]) for j in jobs if j["status"] == "finished")


def _moments(value: Any, found: list[tuple[str, str, dict]]) -> list[tuple[str, str, dict]]:
    if isinstance(value, dict):
        for key, sub in value.items():
            if isinstance(sub, str) and len(sub) >= 20 and sub[4] == "-" and sub[10] == "T":
                found.append((key, sub, value))
            else:
                _moments(sub, found)
    elif isinstance(value, list):
        for sub in value:
            _moments(sub, found)
    return found


CREATED = ("creationTime", "created_at", "createdAt")
UPDATED = ("lastUpdateTime", "updated_at", "updatedAt")


def test_bundled_timestamps_are_ordered_and_older_than_what_a_client_creates_now(serve):
    everything = [item for c in read_fixture_set(DEFAULT) for item in c.items]
    past = [(k, v) for k, v, _ in _moments(everything, []) if not k.lower().startswith("due")]
    assert past and max(v for _, v in past) < "2025-01-01", "the world ends before any server's clock starts"
    stamped = [item for item in everything if any(k in item for k in CREATED)]
    assert len(stamped) >= len(everything) - len(bundled("/v1/automation/flows")), "flows are the only objects without times"
    for item in stamped:
        created = next(item[k] for k in CREATED if k in item)
        updated = next(item[k] for k in UPDATED if k in item)
        assert created <= updated, item
    assert len({item[k] for item in stamped for k in CREATED if k in item}) > len(stamped) * 0.7, "times are spread"
    running = serve(seed=0, fixtures_dir=DEFAULT)  # the earliest clock a seed gives
    created = running.client.post("/v1/workflows/definitions", json={"name": "Meter change", "flow": []}).json()
    newest = max(d["creationTime"] for d in bundled("/v1/workflows/definitions"))
    assert created["creationTime"] > newest and created["lastUpdateTime"] >= created["creationTime"]
    flow = bundled("/v1/automation/flows")[0]
    run = running.client.post("/v1/automation/executions", json={"flow_id": flow["id"], "entity_id": "contact-1"}).json()
    assert run["created_at"] > max(r["created_at"] for r in bundled("/v1/automation/executions"))


def test_the_bundled_world_speaks_of_workflow_products_with_whole_numbers(serve):
    from mock_server.request_path.wordlists import processes, words

    client = serve(seed=1, fixtures_dir=DEFAULT).client
    process_names = {p.name for p in processes("en")}
    step_names = {s for p in processes("en") for _, steps in p.phases for s in steps} | set(words("en", "automation"))
    definitions = _ok(client, "/v1/workflows/definitions")
    assert {d["name"] for d in definitions} <= process_names and len({d["name"] for d in definitions}) == len(definitions)
    assert {s["name"] for d in definitions for sec in d["flow"] for s in sec["steps"]} <= step_names
    assert all(isinstance(s["order"], int) for d in definitions for sec in d["flow"] for s in [sec, *sec["steps"]])
    assert {r["title"] for r in _ok(client, "/v1/workflows/closing-reasons?includeInactive=true")["reasons"]} <= set(words("en", "reason"))
    flows = _ok(client, "/v1/automation/flows?size=100")
    flows = flows.get("results", flows) if isinstance(flows, dict) else flows
    assert {f["flow_name"] for f in flows} <= set(words("en", "automation"))
    assert all(a["name"] in words("en", "action") for f in flows for a in f["actions"])


def test_a_german_world_speaks_german():
    from mock_server.request_path.wordlists import processes, words

    german, skipped = generate_dataset(SPECS, 2, "small", "de_DE")
    assert not skipped
    items = {c.resource: c.items for c in german}
    assert {d["name"] for d in items["/v1/workflows/definitions"]} <= {p.name for p in processes("de")}
    assert {r["title"] for r in items["/v1/workflows/closing-reasons"]} <= set(words("de", "reason"))
    assert {f["flow_name"] for f in items["/v1/automation/flows"]} <= set(words("de", "automation"))


GENERATED_SPEC = """
openapi: 3.0.3
info: {title: Runs, version: "1"}
paths:
  /runs/latest:
    get:
      operationId: latestRun
      x-flowmock-action: generate
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [name, order, heal_attempts, userIds, numberOfUnits, amount, created_at, started_at,
                           completed_at, updated_at, due_date]
                properties:
                  name: {type: string, x-faker: process_name}
                  order: {type: number}
                  heal_attempts: {type: number}
                  userIds: {type: array, minItems: 1, items: {type: number}}
                  numberOfUnits: {type: number}
                  amount: {type: number}
                  created_at: {type: string, format: date-time}
                  started_at: {type: string, format: date-time}
                  completed_at: {type: string, format: date-time}
                  updated_at: {type: string, format: date-time}
                  due_date: {type: string, format: date-time}
"""


@pytest.mark.parametrize("locale,language", [("en_US", "en"), ("de_DE", "de")])
def test_generated_values_fit_their_meaning(serve, tmp_path, locale, language):
    from mock_server.request_path.wordlists import processes

    spec = tmp_path / "runs.yaml"
    spec.write_text(GENERATED_SPEC)
    running = serve(seed=3, specs=(spec,), locale=locale, fixtures_dir=None)
    now = running.client.get("/__flowmock/clock").json()["now"]
    for _ in range(12):
        run = running.client.get("/runs/latest", headers={"Prefer": "dynamic=true"}).json()
        for whole in ("order", "heal_attempts", "numberOfUnits"):
            assert isinstance(run[whole], int), (whole, run[whole])
        assert all(isinstance(u, int) for u in run["userIds"])
        assert run["created_at"] <= run["started_at"] <= run["completed_at"] <= run["updated_at"] <= now < run["due_date"]
        assert run["name"] in {p.name for p in processes(language)}
