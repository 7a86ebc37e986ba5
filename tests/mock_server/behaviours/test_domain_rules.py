"""Domain rules of the bundled APIs: executions are built from what they reference."""
from __future__ import annotations

import pytest

from mock_server.app import load_specs
from mock_server.config import ServerConfig
from tests.scenarios.walk import request_body

SPECS = {s.name: s for s in load_specs(ServerConfig())}


def example(spec: str, operation_id: str):
    return request_body(SPECS[spec], SPECS[spec].by_id[operation_id], 1)


@pytest.fixture
def server(serve):
    return serve(seed=21)


def test_v1_execution_is_built_from_its_definition(server):
    c = server.client
    definition = c.post("/v1/workflows/definitions", json=example("workflow-definitions", "createDefinition")).json()
    execution = c.post("/v1/workflows/executions", json={"workflowId": definition["id"]})
    assert execution.status_code == 201, execution.text
    body = execution.json()
    assert body["definitionId"] == definition["id"] and body["name"] == definition["name"]
    assert [i["name"] for i in body["flow"]] == [i["name"] for i in definition["flow"]]
    steps = [s for item in body["flow"] for s in (item.get("steps") or [item]) if s["type"] == "STEP"]
    assert steps and all(s["status"] == "UNASSIGNED" and s["executionId"] == body["id"] for s in steps)
    definition_ids = {i.get("id") for item in definition["flow"] for i in [item, *(item.get("steps") or [])]}
    assert all(s["id"] not in definition_ids for s in steps), "an execution's steps have ids of their own"
    second = c.post("/v1/workflows/executions", json={"workflowId": definition["id"]}).json()
    assert {i["id"] for i in second["flow"]}.isdisjoint({i["id"] for i in body["flow"]})
    assert c.get(f"/v1/workflows/executions/{body['id']}").json() == body


def test_execution_of_an_unknown_definition_is_refused_naming_it(server):
    refused = server.client.post("/v1/workflows/executions", json={"workflowId": "no-such-definition"})
    assert refused.status_code in (400, 404)
    assert "no-such-definition" in refused.json()["detail"] and refused.json()["errors"][0]["field"] == "workflowId"


def test_automation_execution_runs_an_existing_flow(server):
    c = server.client
    flow = c.post("/v1/automation/flows", json=example("automation", "createFlow")).json()
    started = c.post("/v1/automation/executions", json={"flow_id": flow["id"], "entity_id": "e-1"})
    assert started.status_code == 201, started.text
    execution = started.json()
    assert execution["flow_name"] == flow["flow_name"] and execution["execution_status"] == "in_progress"
    assert [a["type"] for a in execution["actions"]] == [a["type"] for a in flow["actions"]]
    unknown = c.post("/v1/automation/executions", json={"flow_id": "missing-flow", "entity_id": "e-1"})
    assert unknown.status_code in (400, 404) and "missing-flow" in unknown.json()["detail"]
    cancelled = c.delete(f"/v1/automation/executions/{execution['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["execution_status"] == "cancelled"
