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


def test_an_automation_monitor_sees_runs_progress_fail_retry_and_a_bulk_job_finish(serve):
    from tests.mock_server.behaviours.onboarding import SOURCE

    c = serve(seed=14).client
    flow = c.post("/v1/automation/flows", json={
        "flow_name": "Contract cancellation", "triggers": [{"type": "journey_submission", "configuration": {"source_id": SOURCE}}],
        "actions": [{"type": "trigger-workflow", "name": name, "config": {"target_workflow": "wf-cancel"}}
                    for name in ("Check notice period", "Send confirmation", "Close contract")]}).json()

    def poll(execution_id: str) -> tuple[str, list[str]]:
        body = c.get(f"/v1/automation/executions/{execution_id}").json()
        return body["execution_status"], [a["execution_status"] for a in body["actions"]]

    run = c.post("/v1/automation/executions", json={"flow_id": flow["id"], "entity_id": "contract-1"}).json()
    seen = [poll(run["id"])]
    for _ in range(3):
        c.post("/__flowmock/clock", json={"advance": "2s"})
        seen.append(poll(run["id"]))
    assert seen == [("in_progress", ["in_progress", "pending", "pending"]),
                    ("in_progress", ["success", "in_progress", "pending"]),
                    ("in_progress", ["success", "success", "in_progress"]),
                    ("success", ["success", "success", "success"])]

    failing = c.post("/v1/automation/executions", json={"flow_id": flow["id"], "entity_id": "contract-2"},
                     headers={"Prefer": "fail-at=2"}).json()
    c.post("/__flowmock/clock", json={"advance": "10s"})
    assert poll(failing["id"]) == ("failed", ["success", "failed", "pending"])
    second = c.get(f"/v1/automation/executions/{failing['id']}").json()["actions"][1]["id"]
    assert c.post(f"/v1/automation/executions/{failing['id']}/{second}/retrigger", json={}).status_code == 204
    c.post("/__flowmock/clock", json={"advance": "10s"})
    assert poll(failing["id"]) == ("success", ["success", "success", "success"])

    refs = [{"entity_id": f"contract-{i}", "entity_schema": "contract"} for i in (10, 11, 12)]
    job = c.post("/v1/automation/executions/bulk-jobs", json={"flow_id": flow["id"], "entities_refs": refs}).json()
    assert job["status"] == "approval"
    approved = c.patch(f"/v1/automation/executions/bulk-jobs/{job['job_id']}", json={"action": "APPROVE", "task_token": job["task_token"]})
    assert approved.status_code == 200, approved.text
    c.post("/__flowmock/clock", json={"advance": "1m"})
    finished = c.get(f"/v1/automation/executions/bulk-jobs/{job['job_id']}").json()
    assert finished["status"] == "finished" and len(finished["execution_summary"]) == 3
    assert all(poll(item["execution_id"])[0] == "success" for item in finished["execution_summary"])


def test_a_flow_execution_runs_to_its_end_with_the_automation_reconciled(serve):
    c = serve(seed=15).client
    execution, ids = start_onboarding(c)
    url = f"/v2/flows/executions/{execution['id']}"
    c.patch(f"{url}/tasks/{ids['call']}", json={"status": "COMPLETED"})
    c.post(f"{url}/tasks/{ids['welcome']}/automation:run")
    c.post("/__flowmock/clock", json={"advance": "1m"})
    reconciled = c.post(f"{url}/tasks/{ids['welcome']}/reconcile-automation")
    assert reconciled.status_code == 200, reconciled.text
    assert statuses(c, execution["id"])["Send welcome"] == "COMPLETED"
    c.patch(f"{url}/tasks/{ids['approve']}", json={"status": "COMPLETED", "next_condition_id": "c-yes"})
    c.patch(f"{url}/tasks/{ids['activate']}", json={"status": "COMPLETED"})
    assert c.get(url).json()["status"] == "DONE"
