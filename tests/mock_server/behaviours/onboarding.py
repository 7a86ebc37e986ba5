"""A small onboarding process used by the flow-execution tests and scenarios: its automation flow and template."""
from __future__ import annotations

from typing import Any

import httpx

SOURCE = "e3d3ebac-baab-4395-abf4-50b5bf1f8b74"


def create_automation_flow(c: httpx.Client, name: str = "Send welcome e-mail") -> dict[str, Any]:
    """An automation flow with one action."""
    created = c.post("/v1/automation/flows", json={
        "flow_name": name, "triggers": [{"type": "journey_submission", "configuration": {"source_id": SOURCE}}],
        "actions": [{"type": "trigger-workflow", "name": "Start onboarding", "config": {"target_workflow": "wf-1"}}]})
    assert created.status_code == 201, created.text
    return created.json()


def onboarding_template(flow_id: str) -> dict[str, Any]:
    """call (manual) → welcome (automation) → approve? (decision) → activate (yes) | reject (none met)."""
    return {
        "name": "Customer onboarding", "trigger": {"type": "manual"},
        "phases": [{"id": "p-prepare", "name": "Prepare"}, {"id": "p-decide", "name": "Decide"}],
        "tasks": [
            {"id": "call", "name": "Call customer", "task_type": "MANUAL", "phase_id": "p-prepare"},
            {"id": "welcome", "name": "Send welcome", "task_type": "AUTOMATION", "phase_id": "p-prepare",
             "automation_config": {"flow_id": flow_id}, "trigger_mode": "manual"},
            {"id": "approve", "name": "Approve contract?", "task_type": "DECISION", "phase_id": "p-decide",
             "trigger_mode": "manual", "conditions": [
                 {"id": "c-yes", "branch_name": "Approved", "logical_operator": "AND", "statements": []}]},
            {"id": "activate", "name": "Activate account", "task_type": "MANUAL", "phase_id": "p-decide"},
            {"id": "reject", "name": "Send rejection", "task_type": "MANUAL", "phase_id": "p-decide"},
        ],
        "edges": [
            {"id": "e1", "from_id": "call", "to_id": "welcome"},
            {"id": "e2", "from_id": "welcome", "to_id": "approve"},
            {"id": "e3", "from_id": "approve", "to_id": "activate", "condition_id": "c-yes"},
            {"id": "e4", "from_id": "approve", "to_id": "reject", "none_met": True},
        ],
    }


def start_onboarding(c: httpx.Client) -> tuple[dict[str, Any], dict[str, str]]:
    """Create the flow and template, start an execution; return it and its task ids by template task id."""
    flow = create_automation_flow(c)
    template = c.post("/v2/flows/templates", json=onboarding_template(flow["id"]))
    assert template.status_code == 201, template.text
    started = c.post("/v2/flows/executions", json={
        "flow_template_id": template.json()["id"],
        "contexts": [{"entity_id": "contact-1", "entity_schema": "contact", "is_primary": True}]})
    assert started.status_code == 201, started.text
    execution = started.json()
    return execution, {t["template_id"]: t["id"] for t in execution["tasks"]}


def statuses(c: httpx.Client, execution_id: str) -> dict[str, str]:
    """Task statuses of a flow execution by task name, as getFlowExecution shows them."""
    return {t["name"]: t["status"] for t in c.get(f"/v2/flows/executions/{execution_id}").json()["tasks"]}
