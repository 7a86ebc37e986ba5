"""Workflow Executions v1 over HTTP: steps live in their execution, sections follow, closing uses the snapshot."""
from __future__ import annotations

import pytest

DEFINITION = {
    "name": "Lead qualification",
    "flow": [
        {"id": "sec-a", "name": "Gather information", "type": "SECTION", "order": 1, "steps": [
            {"id": "st-1", "name": "Call client", "type": "STEP", "order": 1},
            {"id": "st-2", "name": "Check availability", "type": "STEP", "order": 2}]},
        {"id": "st-3", "name": "Send catalogue", "type": "STEP", "order": 2},
    ],
}


@pytest.fixture
def server(serve):
    return serve(seed=4, fixtures_dir=None)


def _reason(c, title: str) -> str:
    created = c.post("/v1/workflows/closing-reasons", json={"title": title, "status": "ACTIVE"})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _start(c, **definition_fields) -> dict:
    definition = c.post("/v1/workflows/definitions", json={**DEFINITION, **definition_fields})
    assert definition.status_code == 201, definition.text
    execution = c.post("/v1/workflows/executions", json={"workflowId": definition.json()["id"]})
    assert execution.status_code == 201, execution.text
    return execution.json()


def _steps(execution: dict) -> list[dict]:
    return [s for item in execution["flow"] for s in (item["steps"] if item["type"] == "SECTION" else [item])]


def test_every_step_of_an_execution_can_be_updated_and_shows_in_the_execution(server):
    c = server.client
    execution = _start(c)
    base = f"/v1/workflows/executions/{execution['id']}"
    inner, top = _steps(execution)[0], _steps(execution)[2]
    for step in (inner, top):
        updated = c.patch(f"{base}/steps/{step['id']}", json={"status": "IN_PROGRESS", "assignedTo": ["u-1"],
                                                              "dueDate": "2030-01-01T00:00:00.000Z"})
        assert updated.status_code == 200, updated.text
        body = updated.json()
        assert body["status"] == "IN_PROGRESS" and body["assignedTo"] == ["u-1"] and body["startedTime"]
        assert body["statusLastUpdated"] and body["dueDate"] == "2030-01-01T00:00:00.000Z"
    again = c.get(base).json()
    assert {s["id"]: s["status"] for s in _steps(again)}[inner["id"]] == "IN_PROGRESS"
    assert {s["id"]: s["status"] for s in _steps(again)}[top["id"]] == "IN_PROGRESS"
    assert again["flow"][0]["status"] == "IN_PROGRESS", "a section with a started step is in progress"
    assert c.patch(f"{base}/steps/no-such-step", json={"status": "COMPLETED"}).status_code == 404


def test_assigning_an_unassigned_step_makes_it_assigned(server):
    c = server.client
    execution = _start(c)
    step = _steps(execution)[1]
    body = c.patch(f"/v1/workflows/executions/{execution['id']}/steps/{step['id']}", json={"assignedTo": ["u-2"]}).json()
    assert body["status"] == "ASSIGNED"


def test_a_section_whose_steps_are_all_done_is_completed(server):
    c = server.client
    execution = _start(c)
    base = f"/v1/workflows/executions/{execution['id']}"
    first, second, _ = _steps(execution)
    c.patch(f"{base}/steps/{first['id']}", json={"status": "COMPLETED"})
    assert c.get(base).json()["flow"][0]["status"] == "IN_PROGRESS"
    assert c.get(base).json()["nextOpenStep"]["id"] == second["id"]
    done = c.patch(f"{base}/steps/{second['id']}", json={"status": "SKIPPED"}).json()
    assert done["completedTime"]
    after = c.get(base).json()
    assert after["flow"][0]["status"] == "COMPLETED"
    assert after["nextOpenStep"]["id"] == _steps(execution)[2]["id"]


def test_create_step_inserts_at_the_index_inside_the_named_section_and_delete_removes_it(server):
    c = server.client
    execution = _start(c)
    base = f"/v1/workflows/executions/{execution['id']}"
    section_id = execution["flow"][0]["id"]
    created = c.post(f"{base}/steps", json={"insertionIndex": 1, "name": "Double-check", "sectionId": section_id})
    assert created.status_code == 201, created.text
    step = created.json()
    assert step["type"] == "STEP" and step["manuallyCreated"] is True and step["executionId"] == execution["id"]
    assert step["sectionId"] == section_id and step["status"] == "UNASSIGNED"
    after = c.get(base).json()
    assert [s["name"] for s in after["flow"][0]["steps"]] == ["Call client", "Double-check", "Check availability"]
    top = c.post(f"{base}/steps", json={"insertionIndex": 0, "name": "Kick-off"}).json()
    assert [i["name"] for i in c.get(base).json()["flow"]] == ["Kick-off", "Gather information", "Send catalogue"]
    assert "sectionId" not in top
    unknown = c.post(f"{base}/steps", json={"insertionIndex": 0, "name": "x", "sectionId": "no-such-section"})
    assert unknown.status_code == 404 and "no-such-section" in unknown.json()["detail"]
    assert len(_steps(c.get(base).json())) == 5, "a refused create stores nothing"
    assert c.delete(f"{base}/steps/{step['id']}").status_code == 204
    assert [s["name"] for s in c.get(base).json()["flow"][1]["steps"]] == ["Call client", "Check availability"]
    assert c.patch(f"{base}/steps/{step['id']}", json={"status": "COMPLETED"}).status_code == 404


def test_update_step_moves_it_to_another_position_and_section(server):
    c = server.client
    execution = _start(c)
    base = f"/v1/workflows/executions/{execution['id']}"
    section_id = execution["flow"][0]["id"]
    top = _steps(execution)[2]
    moved = c.patch(f"{base}/steps/{top['id']}", json={"position": {"index": 0, "sectionId": section_id}})
    assert moved.status_code == 200, moved.text
    after = c.get(base).json()
    assert [i["type"] for i in after["flow"]] == ["SECTION"]
    assert [s["name"] for s in after["flow"][0]["steps"]] == ["Send catalogue", "Call client", "Check availability"]
    assert moved.json()["sectionId"] == section_id


def test_closing_accepts_only_the_snapshotted_reasons_and_sets_the_completion_time(server):
    c = server.client
    kept, other = _reason(c, "Customer signed"), _reason(c, "Customer declined")
    execution = _start(c, closingReasons=[{"id": kept}])
    base = f"/v1/workflows/executions/{execution['id']}"
    assert c.get(f"{base}/closing-reasons").json() == {"reasons": [{"id": kept, "title": "Customer signed"}]}
    refused = c.patch(base, json={"status": "CLOSED", "selectedClosingReasons": [{"id": other, "title": "Customer declined"}]})
    assert refused.status_code == 409 and other in refused.json()["detail"]
    assert c.get(base).json()["status"] == "STARTED", "a refused close changes nothing"
    closed = c.patch(base, json={"status": "CLOSED", "selectedClosingReasons": [{"id": kept, "title": "Customer signed"}]})
    assert closed.status_code == 204, closed.text
    after = c.get(base).json()
    assert after["status"] == "CLOSED" and after["completedTime"] and after["selectedClosingReasons"][0]["id"] == kept
    reopened = c.patch(base, json={"status": "STARTED"})
    assert reopened.status_code == 409 and "cannot be reopened" in reopened.json()["detail"]
    assert c.patch(base, json={"assignedTo": ["u-9"]}).status_code == 204
    assert c.get(base).json()["status"] == "CLOSED", "other changes never reopen a closed execution"
    step = _steps(after)[0]
    assert c.patch(f"{base}/steps/{step['id']}", json={"status": "COMPLETED"}).status_code == 409


def test_a_done_execution_is_reopened_only_explicitly(server):
    c = server.client
    execution = _start(c)
    base = f"/v1/workflows/executions/{execution['id']}"
    assert c.patch(base, json={"status": "DONE"}).status_code == 204
    assert c.get(base).json()["completedTime"]
    assert c.patch(base, json={"status": "STARTED"}).status_code == 204
    again = c.get(base).json()
    assert again["status"] == "STARTED" and "completedTime" not in again


def test_closing_reasons_are_a_snapshot(server):
    c = server.client
    first = _reason(c, "Signed")
    definition = c.post("/v1/workflows/definitions", json={**DEFINITION, "closingReasons": [{"id": first}]}).json()
    execution = c.post("/v1/workflows/executions", json={"workflowId": definition["id"]}).json()
    c.put(f"/v1/workflows/definitions/{definition['id']}", json={**DEFINITION, "closingReasons": []})
    reasons = c.get(f"/v1/workflows/executions/{execution['id']}/closing-reasons").json()["reasons"]
    assert [r["id"] for r in reasons] == [first]
    assert c.get("/v1/workflows/executions/nope/closing-reasons").status_code == 404


def test_get_executions_filters_by_context_and_schema(server):
    c = server.client
    definition = c.post("/v1/workflows/definitions", json=DEFINITION).json()
    contact = {"id": "ctx-1", "title": "Ada", "schema": "contact"}
    c.post("/v1/workflows/executions", json={"workflowId": definition["id"], "contexts": [contact]})
    c.post("/v1/workflows/executions", json={"workflowId": definition["id"],
                                             "contexts": [{"id": "ctx-1", "title": "Ada", "schema": "opportunity"}]})
    c.post("/v1/workflows/executions", json={"workflowId": definition["id"]})
    assert len(c.get("/v1/workflows/executions").json()) == 3
    assert len(c.get("/v1/workflows/executions", params={"context": "ctx-1"}).json()) == 2
    only = c.get("/v1/workflows/executions", params={"context": "ctx-1", "schema": "contact"}).json()
    assert [e["contexts"] for e in only] == [[contact]]
