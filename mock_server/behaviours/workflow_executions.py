"""Workflow Executions API rules: executions are built from their definitions and flow templates."""
from __future__ import annotations

import copy
from typing import Any

from mock_server.behaviours import Default
from mock_server.behaviours.support import first_allowed, property_schema, referenced, reshape, stored
from mock_server.crud import Call, Outcome
from mock_server.store import bucket_key

DEFINITIONS_API, DEFINITIONS, TEMPLATES = "workflow-definitions", "/v1/workflows/definitions", "/v2/flows/templates"
EXECUTIONS = "/v1/workflows/executions"
FLOW_EXECUTIONS = "/v2/flows/executions"
TASKS = "/v2/flows/executions/{execution_id}/tasks"


def create_execution(call: Call, default: Default) -> Outcome:
    """A v1 execution copies its definition's name and flow (sections and steps), each step ready to work on."""
    body = call.body or {}
    definition = referenced(call, DEFINITIONS_API, DEFINITIONS, body.get("workflowId"), "workflowId", "workflow definition")
    outcome = default(call)
    if definition is None:
        return outcome
    execution = stored(call, EXECUTIONS, outcome)
    execution.update(name=definition.get("name"), definitionId=definition.get("id"),
                     status=first_allowed(call, "WorkflowExecution", "status", "STARTED"))
    for key in ("dynamicDueDate", "enableECPWorkflow", "taxonomies", "singleClosingReasonSelection", "updateEntityAttributes"):
        if key in definition:
            execution[key] = definition[key]
    execution["flow"] = reshape(call, property_schema(call, "WorkflowExecution", "flow"),
                                [_flow_item(call, item, execution["id"]) for item in definition.get("flow", [])])
    outcome.body = copy.deepcopy(execution)
    return outcome


def _flow_item(call: Call, item: dict[str, Any], execution_id: str) -> dict[str, Any]:
    out = dict(item, id=item.get("id") or call.generate({"type": "string", "format": "uuid"}, "id"))
    if item.get("type") == "SECTION":
        out["status"] = "OPEN"
        out["steps"] = [_flow_item(call, step, execution_id) for step in item.get("steps", [])]
    else:
        out.update(status="UNASSIGNED", executionId=execution_id, enabled=item.get("enabled", True))
    return out


def start_flow_execution(call: Call, default: Default) -> Outcome:
    """A v2 flow execution copies its template's name, phases, tasks and edges; its tasks become addressable."""
    body = call.body or {}
    template = referenced(call, DEFINITIONS_API, TEMPLATES, body.get("flow_template_id"), "flow_template_id", "flow template")
    outcome = default(call)
    if template is None:
        return outcome
    execution = stored(call, FLOW_EXECUTIONS, outcome)
    execution.update(name=template.get("name"), status=first_allowed(call, "FlowExecution", "status", "STARTED"))
    pending = "PENDING"
    tasks = []
    for task in template.get("tasks", []):
        tasks.append(dict(task, template_id=task.get("id"), status=pending, enabled=task.get("enabled", True),
                          created_at=call.now_iso, updated_at=call.now_iso))
    execution["tasks"] = reshape(call, property_schema(call, "FlowExecution", "tasks"), tasks)
    for key in ("phases", "edges", "taxonomies", "closing_reasons", "entity_sync", "available_in_ecp", "due_date_config"):
        if key in template and key in _properties(call, "FlowExecution"):
            execution[key] = reshape(call, property_schema(call, "FlowExecution", key), template[key])
    tasks_bucket = call.state.bucket(bucket_key(call.spec.name, TASKS, (str(execution["id"]),)))
    for task in execution["tasks"]:
        tasks_bucket[str(task["id"])] = task
    outcome.body = copy.deepcopy(execution)
    return outcome


def mirror_task(call: Call, default: Default) -> Outcome:
    """Adding or patching a task also changes the execution's own `tasks` list."""
    outcome = default(call)
    execution = call.state.find(call.spec.name, FLOW_EXECUTIONS, str(call.path_params.get("execution_id")))
    if execution is not None and isinstance(outcome.body, dict) and "id" in outcome.body:
        task = call.state.find(call.spec.name, TASKS, str(outcome.body["id"]))
        tasks = [t for t in execution.get("tasks", []) if t.get("id") != outcome.body["id"]]
        execution["tasks"] = [*tasks, task] if task is not None else tasks
    return outcome


def _properties(call: Call, name: str) -> dict[str, Any]:
    from mock_server.generate import merge_all_of

    return merge_all_of(call.spec.doc["components"]["schemas"][name], call.spec.resolve).get("properties") or {}


BEHAVIOURS = {
    "createExecution": create_execution,
    "startFlowExecution": start_flow_execution,
    "addTask": mirror_task,
    "patchTask": mirror_task,
}
