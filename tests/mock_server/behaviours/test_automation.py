"""The Automation API over HTTP: executions run on the simulated clock; cancel, retrigger, resume, bulk jobs, search."""
from __future__ import annotations

import pytest

from tests.mock_server.behaviours.onboarding import SOURCE, start_onboarding, statuses


@pytest.fixture
def server(serve):
    return serve(seed=9, fixtures_dir=None)


def _flow(c, actions: int = 3, **extra) -> dict:
    created = c.post("/v1/automation/flows", json={
        "flow_name": "Lead routing", "triggers": [{"type": "journey_submission", "configuration": {"source_id": SOURCE}}],
        "actions": [{"type": "trigger-workflow", "name": f"Step {i + 1}", "config": {"target_workflow": "wf-onboarding"}}
                    for i in range(actions)], **extra})
    assert created.status_code == 201, created.text
    return created.json()


def _advance(c, by: str) -> dict:
    moved = c.post("/__flowmock/clock", json={"advance": by})
    assert moved.status_code == 200, moved.text
    return moved.json()


def _state(c, execution_id: str) -> tuple[str, list[str]]:
    body = c.get(f"/v1/automation/executions/{execution_id}").json()
    return body["execution_status"], [a["execution_status"] for a in body["actions"]]


def test_an_execution_runs_its_actions_one_after_another_on_the_clock(server):
    c = server.client
    flow = _flow(c)
    started = c.post("/v1/automation/executions", json={"flow_id": flow["id"], "entity_id": "lead-1"})
    assert started.status_code == 201, started.text
    execution = started.json()
    assert [a["flow_action_id"] for a in execution["actions"]] == [a["id"] for a in flow["actions"]]
    assert not {a["id"] for a in execution["actions"]} & {a["id"] for a in flow["actions"]}, "action states have ids of their own"
    assert _state(c, execution["id"]) == ("in_progress", ["in_progress", "pending", "pending"])
    assert _state(c, execution["id"]) == ("in_progress", ["in_progress", "pending", "pending"]), "a frozen clock: nothing moves"
    _advance(c, "2s")
    assert _state(c, execution["id"]) == ("in_progress", ["success", "in_progress", "pending"])
    _advance(c, "PT2S")
    assert _state(c, execution["id"]) == ("in_progress", ["success", "success", "in_progress"])
    moved = _advance(c, "1m")
    assert moved["ran"] >= 1 and moved["scale"] == 0
    assert _state(c, execution["id"]) == ("success", ["success", "success", "success"])
    actions = c.get(f"/v1/automation/executions/{execution['id']}").json()["actions"]
    assert actions[0]["started_at"] < actions[1]["started_at"] < actions[2]["started_at"]


def test_fail_at_fails_the_execution_and_retrigger_reruns_the_failed_action(server):
    c = server.client
    flow = _flow(c)
    execution = c.post("/v1/automation/executions", json={"flow_id": flow["id"], "entity_id": "lead-2"},
                       headers={"Prefer": "fail-at=2"}).json()
    _advance(c, "10s")
    assert _state(c, execution["id"]) == ("failed", ["success", "failed", "pending"])
    failed = c.get(f"/v1/automation/executions/{execution['id']}").json()["actions"][1]
    assert failed["error_output"]["error_reason"] and failed["error_output"]["error_code"]
    succeeded = c.get(f"/v1/automation/executions/{execution['id']}").json()["actions"][0]
    refused = c.post(f"/v1/automation/executions/{execution['id']}/{succeeded['id']}/retrigger", json={})
    assert refused.status_code == 409 and "only a failed action" in refused.json()["detail"]
    assert c.post(f"/v1/automation/executions/{execution['id']}/no-such-action/retrigger", json={}).status_code == 404
    assert c.post(f"/v1/automation/executions/{execution['id']}/{failed['id']}/retrigger", json={}).status_code == 204
    assert _state(c, execution["id"]) == ("in_progress", ["success", "in_progress", "pending"])
    _advance(c, "10s")
    assert _state(c, execution["id"]) == ("success", ["success", "success", "success"])
    unknown = c.post("/v1/automation/executions", json={"flow_id": flow["id"], "entity_id": "x"}, headers={"Prefer": "fail-at=9"})
    assert unknown.status_code == 400 and "fail-at=9" in unknown.json()["detail"]


def test_pause_at_gives_a_resume_token_that_resumes_once(server):
    c = server.client
    flow = _flow(c)
    execution = c.post("/v1/automation/executions", json={"flow_id": flow["id"], "entity_id": "lead-3"},
                       headers={"Prefer": "pause-at=2"}).json()
    _advance(c, "10s")
    paused = c.get(f"/v1/automation/executions/{execution['id']}").json()
    assert (paused["execution_status"], [a["execution_status"] for a in paused["actions"]]) == ("paused", ["success", "paused", "pending"])
    token = paused["resume_token"]
    resumed = c.post("/v1/automation/public/executions:resume", json={"resume_token": token})
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["resumedAction"]["id"] == paused["actions"][1]["id"]
    assert c.post("/v1/automation/public/executions:resume", json={"resume_token": token}).status_code == 404
    assert c.post("/v1/automation/public/executions:resume", json={"resume_token": "made-up"}).status_code == 404
    _advance(c, "10s")
    assert _state(c, execution["id"]) == ("success", ["success", "success", "success"])


def test_cancel_stops_every_unfinished_action(server):
    c = server.client
    flow = _flow(c)
    execution = c.post("/v1/automation/executions", json={"flow_id": flow["id"], "entity_id": "lead-4"}).json()
    _advance(c, "2s")
    cancelled = c.delete(f"/v1/automation/executions/{execution['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["execution_status"] == "cancelled"
    _advance(c, "1m")
    assert _state(c, execution["id"]) == ("cancelled", ["success", "cancelled", "cancelled"])
    assert c.delete(f"/v1/automation/executions/{execution['id']}").status_code == 409


def test_cancel_schedule_removes_a_scheduled_action(server):
    c = server.client
    flow = _flow(c)
    execution = c.post("/v1/automation/executions", json={"flow_id": flow["id"], "entity_id": "lead-5"}).json()
    assert c.delete(f"/v1/automation/executions/{execution['id']}/schedules/no-such-schedule").status_code == 404
    state = c.get("/__flowmock/state").json()
    stored = next(i for b in state["tenants"]["default"]["buckets"].values() for i in b.values()
                  if isinstance(i, dict) and i.get("id") == execution["id"])
    stored["schedules"] = [{"id": "sched-1", "source": {"id": "src-1", "origin": "trigger"}, "numberOfUnits": 2, "timePeriod": "days"}]
    stored["actions"][2]["schedule_id"] = "sched-1"
    assert c.put("/__flowmock/state", json=state).status_code == 200
    removed = c.delete(f"/v1/automation/executions/{execution['id']}/schedules/sched-1")
    assert removed.status_code == 200 and removed.json()["id"] == "sched-1"
    after = c.get(f"/v1/automation/executions/{execution['id']}").json()
    assert after["schedules"] == [] and after["actions"][2]["execution_status"] == "cancelled"


def test_a_bulk_job_waits_for_approval_then_runs_one_execution_per_entity(server):
    c = server.client
    flow = _flow(c, actions=1)
    missing = c.post("/v1/automation/executions/bulk-jobs", json={"flow_id": "no-such-flow", "entities_refs": []})
    assert missing.status_code == 404 and "no-such-flow" in missing.json()["detail"]
    refs = [{"entity_id": f"contact-{i}", "entity_schema": "contact"} for i in range(3)]
    job = c.post("/v1/automation/executions/bulk-jobs", json={"flow_id": flow["id"], "entities_refs": refs}).json()
    assert job["status"] == "approval" and job["task_token"]
    url = f"/v1/automation/executions/bulk-jobs/{job['job_id']}"
    wrong = c.patch(url, json={"action": "APPROVE", "task_token": "not-the-token"})
    assert wrong.status_code == 403 and c.get(url).json()["status"] == "approval"
    approved = c.patch(url, json={"action": "APPROVE", "task_token": job["task_token"]})
    assert approved.status_code == 200 and approved.json()["status"] == "querying_entities" and approved.json()["approved_at"]
    again = c.patch(url, json={"action": "CANCEL", "task_token": job["task_token"]})
    assert again.status_code == 409 and "past approval" in again.json()["errors"][0]["message"]
    seen = set()
    for _ in range(8):
        _advance(c, "1s")
        seen.add(c.get(url).json()["status"])
    finished = c.get(url).json()
    assert finished["status"] == "finished" and {"executing", "monitoring"} <= seen
    summary = finished["execution_summary"]
    assert [s["entity_id"] for s in summary] == ["contact-0", "contact-1", "contact-2"]
    for item in summary:
        assert c.get(f"/v1/automation/executions/{item['execution_id']}").json()["flow_id"] == flow["id"]
    cancelled = c.post("/v1/automation/executions/bulk-jobs", json={"flow_id": flow["id"], "entities_refs": refs}).json()
    done = c.patch(f"/v1/automation/executions/bulk-jobs/{cancelled['job_id']}", json={"action": "CANCEL", "task_token": cancelled["task_token"]})
    assert done.json()["status"] == "cancelled"


def test_search_flows_filters_by_schema_trigger_source_and_target_workflow_and_pages(server):
    c = server.client
    other = "0b7c5c1e-1d5f-4a47-9c47-2b3d1d0f0a11"
    _flow(c, entity_schema="contact")
    c.post("/v1/automation/flows", json={"flow_name": "Orders", "entity_schema": "order",
                                         "triggers": [{"type": "journey_submission", "configuration": {"source_id": other}}],
                                         "actions": [{"type": "trigger-workflow", "name": "x", "config": {"target_workflow": "wf-orders"}}]})
    names = lambda **q: [f["flow_name"] for f in c.get("/v1/automation/flows", params=q).json()["results"]]  # noqa: E731
    assert names(schema="order") == ["Orders"]
    assert names(trigger_source_id=SOURCE) == ["Lead routing"]
    assert names(target_workflow="wf-orders") == ["Orders"]
    assert names(schema="contact", target_workflow="wf-orders") == []
    assert len(names(size=1)) == 1 and names(size=1, **{"from": 1}) != names(size=1)


def test_a_flow_execution_task_follows_its_automation_to_the_end(server):
    c = server.client
    execution, ids = start_onboarding(c)
    base = f"/v2/flows/executions/{execution['id']}/tasks"
    c.patch(f"{base}/{ids['call']}", json={"status": "COMPLETED"})
    ran = c.post(f"{base}/{ids['welcome']}/automation:run").json()
    c.post(f"{base}/{ids['welcome']}/reconcile-automation")
    assert statuses(c, execution["id"])["Send welcome"] == "IN_PROGRESS"
    _advance(c, "1m")
    assert c.get(f"/v1/automation/executions/{ran['automation_config']['execution_id']}").json()["execution_status"] == "success"
    reconciled = c.post(f"{base}/{ids['welcome']}/reconcile-automation").json()
    task = next(t for t in reconciled["tasks"] if t["id"] == ids["welcome"])
    assert task["status"] == "COMPLETED" and task["automation_config"]["execution_status"] == "success"
    assert statuses(c, execution["id"])["Approve contract?"] == "PENDING"


def test_the_clock_refuses_what_it_cannot_read_or_going_back(server):
    c = server.client
    now = c.get("/__flowmock/clock").json()
    assert now["scale"] == 0
    for body in ({"advance": "soon"}, {"to": "2001-01-01T00:00:00Z"}, {}):
        refused = c.post("/__flowmock/clock", json=body)
        assert refused.status_code == 400, body
    assert c.get("/__flowmock/clock").json()["now"] == now["now"]
    moved = c.post("/__flowmock/clock", json={"to": "2031-05-01T10:00:00Z"}).json()
    assert moved["now"] == "2031-05-01T10:00:00.000Z"
