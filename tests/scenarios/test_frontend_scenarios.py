"""Two screens driven the way a frontend drives them, against a started server (the README walks through both)."""
from __future__ import annotations

from tests.mock_server.behaviours.onboarding import start_onboarding, statuses


def test_a_task_list_works_a_v1_execution_to_its_close(serve):
    c = serve(seed=12).client
    signed = c.post("/v1/workflows/closing-reasons", json={"title": "Contract signed", "status": "ACTIVE"}).json()
    definition = c.post("/v1/workflows/definitions", json={
        "name": "Meter change", "closingReasons": [{"id": signed["id"]}],
        "flow": [
            {"name": "Preparation", "type": "SECTION", "order": 1, "steps": [
                {"name": "Confirm appointment", "type": "STEP", "order": 1},
                {"name": "Order meter", "type": "STEP", "order": 2}]},
            {"name": "Installation", "type": "SECTION", "order": 2, "steps": [
                {"name": "Install meter", "type": "STEP", "order": 1}]},
        ]})
    assert definition.status_code == 201, definition.text
    execution = c.post("/v1/workflows/executions", json={"workflowId": definition.json()["id"]})
    assert execution.status_code == 201, execution.text
    url = f"/v1/workflows/executions/{execution.json()['id']}"

    def steps() -> list[dict]:
        return [s for section in c.get(url).json()["flow"] for s in section["steps"]]

    assert [s["status"] for s in steps()] == ["UNASSIGNED"] * 3
    for index, step in enumerate(steps()):
        done = c.patch(f"{url}/steps/{step['id']}", json={"status": "COMPLETED"})
        assert done.status_code == 200, done.text
        assert [s["status"] for s in steps()][: index + 1] == ["COMPLETED"] * (index + 1), "each completion is visible"
    assert [s["status"] for s in c.get(url).json()["flow"]] == ["COMPLETED", "COMPLETED"]
    assert c.get(f"{url}/closing-reasons").json()["reasons"] == [{"id": signed["id"], "title": "Contract signed"}]
    closed = c.patch(url, json={"status": "CLOSED", "selectedClosingReasons": [{"id": signed["id"], "title": "Contract signed"}],
                                "closingReasonDescription": "Meter installed"})
    assert closed.status_code == 204, closed.text
    final = c.get(url).json()
    assert final["status"] == "CLOSED" and final["completedTime"]
    assert final["selectedClosingReasons"] == [{"id": signed["id"], "title": "Contract signed"}]
    assert "nextOpenStep" not in final


def test_a_process_screen_runs_a_flow_execution_with_an_automation_and_a_decision(serve):
    c = serve(seed=13).client
    execution, ids = start_onboarding(c)
    url = f"/v2/flows/executions/{execution['id']}"
    assert statuses(c, execution["id"])["Call customer"] == "PENDING"
    assert c.patch(f"{url}/tasks/{ids['call']}", json={"status": "COMPLETED"}).status_code == 200
    assert statuses(c, execution["id"])["Send welcome"] == "PENDING", "the automation task is now ready"
    ran = c.post(f"{url}/tasks/{ids['welcome']}/automation:run")
    assert ran.status_code == 200, ran.text
    automation_id = ran.json()["automation_config"]["execution_id"]
    automation = c.get(f"/v1/automation/executions/{automation_id}").json()
    assert automation["flow_id"] == ran.json()["automation_config"]["flow_id"]
    assert c.patch(f"{url}/tasks/{ids['welcome']}", json={"status": "COMPLETED"}).status_code == 200
    decided = c.patch(f"{url}/tasks/{ids['approve']}", json={"status": "COMPLETED", "next_condition_id": "c-yes"})
    assert decided.status_code == 200, decided.text
    assert statuses(c, execution["id"])["Send rejection"] == "SKIPPED"
    assert c.patch(f"{url}/tasks/{ids['activate']}", json={"status": "COMPLETED"}).status_code == 200
    final = c.get(url).json()
    assert final["status"] == "DONE" and final["analytics"]["completed_at"]
    assert [p["status"] for p in final["phases"]] == ["COMPLETED", "COMPLETED"]
