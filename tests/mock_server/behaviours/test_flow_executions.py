"""Flow executions (v2) over HTTP: copied from their template, tasks move along edges, automations are started."""
from __future__ import annotations

import pytest

from tests.mock_server.behaviours.onboarding import create_automation_flow, onboarding_template, start_onboarding, statuses


@pytest.fixture
def server(serve):
    return serve(seed=8, fixtures_dir=None)


def test_start_copies_phases_tasks_and_edges_with_new_consistent_ids(server):
    c = server.client
    execution, ids = start_onboarding(c)
    phase_ids = {p["template_id"]: p["id"] for p in execution["phases"]}
    assert set(phase_ids) == {"p-prepare", "p-decide"} and not set(phase_ids.values()) & {"p-prepare", "p-decide"}
    assert not set(ids.values()) & set(ids), "tasks have ids of their own"
    assert {t["phase_id"] for t in execution["tasks"]} == set(phase_ids.values())
    task_ids = set(ids.values())
    assert all(e["from_id"] in task_ids and e["to_id"] in task_ids for e in execution["edges"])
    assert {e["id"] for e in execution["edges"]}.isdisjoint({"e1", "e2", "e3", "e4"})
    assert "completed_at" not in execution["analytics"] and "closed_at" not in execution["analytics"]
    assert execution["status"] == "STARTED" and execution["analytics"]["started_at"]
    assert statuses(c, execution["id"]) == {"Call customer": "PENDING", "Send welcome": "CONDITION_PENDING",
                                           "Approve contract?": "CONDITION_PENDING", "Activate account": "CONDITION_PENDING",
                                           "Send rejection": "CONDITION_PENDING"}
    assert [t["id"] for t in execution["crt_tasks"]] == [ids["call"]]
    assert [p["status"] for p in execution["phases"]] == ["OPEN", "OPEN"]


def test_completing_a_task_readies_the_next_and_records_who_and_when(server):
    c = server.client
    execution, ids = start_onboarding(c)
    base = f"/v2/flows/executions/{execution['id']}/tasks"
    started = c.patch(f"{base}/{ids['call']}", json={"status": "IN_PROGRESS"}).json()
    assert started["analytics"]["in_progress_at"] and started["analytics"]["in_progress_by"].startswith("user-")
    done = c.patch(f"{base}/{ids['call']}", json={"status": "COMPLETED"}).json()
    assert done["analytics"]["completed_at"] and done["analytics"]["status_updated_at"]
    assert "test-token" not in str(done), "the caller is a pseudonym, never the token"
    assert statuses(c, execution["id"])["Send welcome"] == "PENDING"
    phases = c.get(f"/v2/flows/executions/{execution['id']}").json()["phases"]
    assert [p["status"] for p in phases] == ["IN_PROGRESS", "OPEN"]


def test_impossible_moves_are_refused_naming_the_rule(server):
    c = server.client
    execution, ids = start_onboarding(c)
    base = f"/v2/flows/executions/{execution['id']}/tasks"
    waiting = c.patch(f"{base}/{ids['welcome']}", json={"status": "COMPLETED"})
    assert waiting.status_code == 409 and "waiting for 'Call customer'" in waiting.json()["detail"]
    assert c.patch(f"{base}/{ids['call']}", json={"status": "CONDITION_PENDING"}).status_code == 409
    c.patch(f"{base}/{ids['call']}", json={"status": "COMPLETED"})
    reopened = c.patch(f"{base}/{ids['call']}", json={"status": "IN_PROGRESS"})
    assert reopened.status_code == 409 and "cannot be reopened" in reopened.json()["detail"]
    not_decision = c.patch(f"{base}/{ids['welcome']}", json={"next_condition_id": "c-yes"})
    assert not_decision.status_code == 200, "a condition id means nothing to a non-decision task: ignored"
    assert statuses(c, execution["id"])["Send welcome"] == "PENDING", "refused moves change nothing"
    assert c.patch(f"{base}/no-such-task", json={"status": "COMPLETED"}).status_code == 404


def test_skipping_readies_the_next_and_a_decision_follows_the_chosen_branch(server):
    c = server.client
    execution, ids = start_onboarding(c)
    base = f"/v2/flows/executions/{execution['id']}/tasks"
    c.patch(f"{base}/{ids['call']}", json={"status": "SKIPPED"})
    c.patch(f"{base}/{ids['welcome']}", json={"status": "COMPLETED"})
    unknown = c.patch(f"{base}/{ids['approve']}", json={"status": "COMPLETED", "next_condition_id": "c-maybe"})
    assert unknown.status_code == 409 and "c-yes" in unknown.json()["detail"]
    decided = c.patch(f"{base}/{ids['approve']}", json={"status": "COMPLETED", "next_condition_id": "c-yes"}).json()
    assert decided["conditions"][0]["is_met"] is True and decided["conditions"][0]["evaluated_at"]
    assert statuses(c, execution["id"]) == {"Call customer": "SKIPPED", "Send welcome": "COMPLETED",
                                           "Approve contract?": "COMPLETED", "Activate account": "PENDING",
                                           "Send rejection": "SKIPPED"}


def test_a_decision_without_a_chosen_condition_takes_the_none_met_branch(server):
    c = server.client
    execution, ids = start_onboarding(c)
    base = f"/v2/flows/executions/{execution['id']}/tasks"
    for task in ("call", "welcome"):
        c.patch(f"{base}/{ids[task]}", json={"status": "COMPLETED"})
    c.patch(f"{base}/{ids['approve']}", json={"status": "COMPLETED"})
    assert statuses(c, execution["id"])["Send rejection"] == "PENDING"
    assert statuses(c, execution["id"])["Activate account"] == "SKIPPED"
    c.patch(f"{base}/{ids['reject']}", json={"status": "COMPLETED"})
    done = c.get(f"/v2/flows/executions/{execution['id']}").json()
    assert done["status"] == "DONE" and done["analytics"]["completed_at"] and done["crt_tasks"] == []
    assert [p["status"] for p in done["phases"]] == ["COMPLETED", "COMPLETED"]
    assert c.patch(f"{base}/{ids['activate']}", json={"status": "COMPLETED"}).status_code == 409


def test_add_task_stores_the_clients_task_between_previous_and_next(server):
    c = server.client
    execution, ids = start_onboarding(c)
    base = f"/v2/flows/executions/{execution['id']}/tasks"
    added = c.post(base, json={"previous_task_id": ids["call"], "next_task_id": ids["welcome"],
                               "task": {"name": "Check documents", "assigned_to": ["u-7"], "due_date": "2030-02-01T00:00:00.000Z"}})
    assert added.status_code == 201, added.text
    task = added.json()
    assert task["name"] == "Check documents" and task["assigned_to"] == ["u-7"] and task["due_date"] == "2030-02-01T00:00:00.000Z"
    assert task["manually_created"] is True and task["status"] == "CONDITION_PENDING" and task["task_type"] == "MANUAL"
    after = c.get(f"/v2/flows/executions/{execution['id']}").json()
    assert [t["name"] for t in after["tasks"]][:3] == ["Call customer", "Check documents", "Send welcome"]
    pairs = {(e["from_id"], e["to_id"]) for e in after["edges"]}
    assert (ids["call"], task["id"]) in pairs and (task["id"], ids["welcome"]) in pairs and (ids["call"], ids["welcome"]) not in pairs
    c.patch(f"{base}/{ids['call']}", json={"status": "COMPLETED"})
    now = statuses(c, execution["id"])
    assert now["Check documents"] == "PENDING" and now["Send welcome"] == "CONDITION_PENDING"
    unknown = c.post(base, json={"previous_task_id": "00000000-0000-4000-8000-000000000000", "next_task_id": ids["welcome"], "task": {"name": "x"}})
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "previous_task_id"
    chosen = c.post(base, json={"previous_task_id": task["id"], "next_task_id": ids["welcome"],
                                "task": {"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "name": "Mine"}})
    assert chosen.status_code == 201 and chosen.json()["id"] == "3fa85f64-5717-4562-b3fc-2c963f66afa6"


def test_patch_phase_updates_the_stored_phase(server):
    c = server.client
    execution, _ = start_onboarding(c)
    phase = execution["phases"][1]
    patched = c.patch(f"/v2/flows/executions/{execution['id']}/phases/{phase['id']}", json={"name": "Approval", "assigned_to": ["u-3"]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Approval" and patched.json()["id"] == phase["id"]
    assert c.get(f"/v2/flows/executions/{execution['id']}").json()["phases"][1]["assigned_to"] == ["u-3"]
    assert c.patch(f"/v2/flows/executions/{execution['id']}/phases/no-such-phase", json={"name": "x"}).status_code == 404


def test_run_task_automation_starts_a_linked_automation_execution_and_reconcile_follows_it(server):
    c = server.client
    execution, ids = start_onboarding(c)
    base = f"/v2/flows/executions/{execution['id']}/tasks"
    early = c.post(f"{base}/{ids['welcome']}/automation:run")
    assert early.status_code == 409 and "waiting" in early.json()["detail"]
    manual = c.post(f"{base}/{ids['call']}/automation:run")
    assert manual.status_code == 409 and "only AUTOMATION tasks" in manual.json()["detail"]
    c.patch(f"{base}/{ids['call']}", json={"status": "COMPLETED"})
    ran = c.post(f"{base}/{ids['welcome']}/automation:run")
    assert ran.status_code == 200, ran.text
    task = ran.json()
    automation_id = task["automation_config"]["execution_id"]
    assert task["status"] == "IN_PROGRESS" and task["automation_execution_id"] == automation_id
    automation = c.get(f"/v1/automation/executions/{automation_id}")
    assert automation.status_code == 200, automation.text
    assert automation.json()["flow_id"] == task["automation_config"]["flow_id"]
    assert automation.json()["entity_id"] == "contact-1"
    reconciled = c.post(f"{base}/{ids['welcome']}/reconcile-automation")
    assert reconciled.status_code == 200 and reconciled.json()["id"] == execution["id"]
    assert statuses(c, execution["id"])["Send welcome"] == "IN_PROGRESS"
    c.delete(f"/v1/automation/executions/{automation_id}")  # cancelled in the Automation API
    c.post(f"{base}/{ids['welcome']}/reconcile-automation")
    assert statuses(c, execution["id"])["Send welcome"] == "SKIPPED"
    assert statuses(c, execution["id"])["Approve contract?"] == "PENDING"


def test_execute_task_runs_any_task_and_schedules_can_run_now_or_be_cancelled(server):
    c = server.client
    flow = create_automation_flow(c)
    template = onboarding_template(flow["id"])
    template["tasks"][1]["schedule"] = {"mode": "delayed", "duration": 2, "unit": "days"}
    created = c.post("/v2/flows/templates", json=template).json()
    execution = c.post("/v2/flows/executions", json={"flow_template_id": created["id"], "contexts": []}).json()
    ids = {t["template_id"]: t["id"] for t in execution["tasks"]}
    base = f"/v2/flows/executions/{execution['id']}/tasks"
    executed = c.post(f"{base}/{ids['call']}/execute")
    assert executed.status_code == 200 and executed.json()["status"] == "IN_PROGRESS"
    c.patch(f"{base}/{ids['call']}", json={"status": "COMPLETED"})
    no_schedule = c.post(f"{base}/{ids['call']}/schedule/run-now")
    assert no_schedule.status_code == 409 and "no schedule" in no_schedule.json()["detail"]
    now = c.post(f"{base}/{ids['welcome']}/schedule/run-now")
    assert now.status_code == 200, now.text
    assert now.json()["schedule"] == {"mode": "immediate"} and now.json()["automation_config"]["execution_id"]
    assert c.get(f"/v1/automation/executions/{now.json()['automation_config']['execution_id']}").status_code == 200

    again = c.post("/v2/flows/executions", json={"flow_template_id": created["id"], "contexts": []}).json()
    ids = {t["template_id"]: t["id"] for t in again["tasks"]}
    base = f"/v2/flows/executions/{again['id']}/tasks"
    c.patch(f"{base}/{ids['call']}", json={"status": "COMPLETED"})
    assert c.delete(f"{base}/{ids['welcome']}/schedule").status_code == 204
    stored = {t["name"]: t for t in c.get(f"/v2/flows/executions/{again['id']}").json()["tasks"]}
    assert stored["Send welcome"]["status"] == "SKIPPED" and "schedule" not in stored["Send welcome"]
    assert stored["Approve contract?"]["status"] == "PENDING"
    assert c.delete(f"{base}/{ids['welcome']}/schedule").status_code == 409
    decided = c.post(f"{base}/{ids['approve']}/execute").json()
    assert decided["status"] == "COMPLETED"
    assert statuses(c, again["id"])["Send rejection"] == "PENDING"


def test_automation_tasks_need_the_automation_api(serve):
    from mock_server.loading.spec import bundled_spec_paths

    specs = tuple(p for p in bundled_spec_paths() if p.stem in ("workflow-definitions", "workflow-executions"))
    server = serve(seed=8, specs=specs)
    c = server.client
    template = onboarding_template("flow-that-cannot-exist")
    created = c.post("/v2/flows/templates", json=template).json()
    execution = c.post("/v2/flows/executions", json={"flow_template_id": created["id"], "contexts": []}).json()
    ids = {t["template_id"]: t["id"] for t in execution["tasks"]}
    c.patch(f"/v2/flows/executions/{execution['id']}/tasks/{ids['call']}", json={"status": "COMPLETED"})
    refused = c.post(f"/v2/flows/executions/{execution['id']}/tasks/{ids['welcome']}/automation:run")
    assert refused.status_code == 400 and "Automation API is not served" in refused.json()["detail"]


def test_search_flow_executions_filters_by_entity_status_and_pages(server):
    c = server.client
    flow = create_automation_flow(c)
    template = c.post("/v2/flows/templates", json=onboarding_template(flow["id"])).json()

    def start(entity: str) -> dict:
        return c.post("/v2/flows/executions", json={"flow_template_id": template["id"], "contexts": [
            {"entity_id": entity, "entity_schema": "contact", "is_primary": True}]}).json()

    first, _, _ = start("ada"), start("ada"), start("bob")
    found = c.post("/v2/flows/executions:search", json={"entity_id": "ada", "entity_schema": "contact"})
    assert found.status_code == 200 and len(found.json()["results"]) == 2
    assert c.post("/v2/flows/executions:search", json={"entity_id": "ada", "entity_schema": "order"}).json()["results"] == []
    c.patch(f"/v2/flows/executions/{first['id']}", json={"status": "CLOSED"})
    closed = c.post("/v2/flows/executions:search", json={"entity_id": "ada", "entity_schema": "contact", "status": "CLOSED"})
    assert [e["id"] for e in closed.json()["results"]] == [first["id"]]
    page = c.post("/v2/flows/executions:search", json={"entity_id": "ada", "entity_schema": "contact", "size": 1, "from": 1})
    assert len(page.json()["results"]) == 1 and page.json()["results"][0]["id"] != first["id"]
