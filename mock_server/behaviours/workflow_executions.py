"""Workflow Executions API rules: executions are built from their definitions and flow templates."""
from __future__ import annotations

from typing import Any

from mock_server.behaviours import Default
from mock_server.behaviours.support import create_from, first_allowed, property_schema, referenced, reshape
from mock_server.crud import Call, Outcome
from mock_server.store import bucket_key

DEFINITIONS_API, DEFINITIONS, TEMPLATES = "workflow-definitions", "/v1/workflows/definitions", "/v2/flows/templates"
EXECUTIONS = "/v1/workflows/executions"
FLOW_EXECUTIONS = "/v2/flows/executions"
TASKS = "/v2/flows/executions/{execution_id}/tasks"


def create_execution(call: Call, default: Default) -> Outcome:
    """A v1 execution copies its definition's name and flow (sections and steps), each step ready to work on."""
    definition = referenced(call, DEFINITIONS_API, DEFINITIONS, (call.body or {}).get("workflowId"), "workflowId",
                            "workflow definition")

    def build(execution: dict[str, Any], definition: dict[str, Any]) -> None:
        execution.update(name=definition.get("name"), definitionId=definition.get("id"),
                         status=first_allowed(call, "WorkflowExecution", "status", "STARTED"))
        for key in ("dynamicDueDate", "enableECPWorkflow", "taxonomies", "singleClosingReasonSelection", "updateEntityAttributes"):
            if key in definition:
                execution[key] = definition[key]
        execution["flow"] = reshape(call, property_schema(call, "WorkflowExecution", "flow"),
                                    [_flow_item(call, item, execution["id"]) for item in definition.get("flow", [])])

    return create_from(call, default, EXECUTIONS, definition, build)


def _new_id(call: Call) -> str:
    return str(call.generate({"type": "string", "format": "uuid"}, "id"))


def _flow_item(call: Call, item: dict[str, Any], execution_id: str) -> dict[str, Any]:
    """An execution's own copy of a definition's section or step: a new id, `definitionId` pointing back."""
    out = dict(item, id=_new_id(call))
    if item.get("id") is not None:
        out["definitionId"] = item["id"]
    if item.get("type") == "SECTION":
        out["status"] = "OPEN"
        out["steps"] = [_flow_item(call, step, execution_id) for step in item.get("steps", [])]
    else:
        out.update(status="UNASSIGNED", executionId=execution_id, enabled=item.get("enabled", True))
    return out


def start_flow_execution(call: Call, default: Default) -> Outcome:
    """A v2 flow execution copies its template's name, phases, tasks and edges; its tasks become addressable."""
    template = referenced(call, DEFINITIONS_API, TEMPLATES, (call.body or {}).get("flow_template_id"), "flow_template_id",
                          "flow template")

    def build(execution: dict[str, Any], template: dict[str, Any]) -> None:
        execution.update(name=template.get("name"), status=first_allowed(call, "FlowExecution", "status", "STARTED"))
        tasks = [dict(task, id=_new_id(call), template_id=task.get("id"), status="PENDING",
                      enabled=task.get("enabled", True), created_at=call.now_iso, updated_at=call.now_iso)
                 for task in template.get("tasks", [])]
        new_ids: dict[str, str] = {}
        for task in tasks:
            new_ids.setdefault(str(task["template_id"]), task["id"])
        execution["tasks"] = reshape(call, property_schema(call, "FlowExecution", "tasks"), tasks)
        edges = [dict(edge, from_id=new_ids.get(str(edge.get("from_id")), edge.get("from_id")),
                      to_id=new_ids.get(str(edge.get("to_id")), edge.get("to_id"))) for edge in template.get("edges", [])]
        copied = {**template, "edges": edges}
        for key in ("phases", "edges", "taxonomies", "closing_reasons", "entity_sync", "available_in_ecp", "due_date_config"):
            if key in template and key in _properties(call, "FlowExecution"):
                execution[key] = reshape(call, property_schema(call, "FlowExecution", key), copied[key])
        tasks_bucket = call.state.bucket(bucket_key(call.spec.name, TASKS, (str(execution["id"]),)))
        for task in execution["tasks"]:
            tasks_bucket[str(task["id"])] = task

    return create_from(call, default, FLOW_EXECUTIONS, template, build)


def mirror_task(call: Call, default: Default) -> Outcome:
    """Adding or patching a task also changes the execution's own `tasks` list."""
    outcome = default(call)
    execution_id = str(call.path_params.get("execution_id"))
    execution = call.state.find(call.spec.name, FLOW_EXECUTIONS, execution_id)
    if execution is not None and isinstance(outcome.body, dict) and "id" in outcome.body:
        task = call.state.bucket(bucket_key(call.spec.name, TASKS, (execution_id,))).get(str(outcome.body["id"]))
        tasks = execution.setdefault("tasks", [])
        where = next((i for i, t in enumerate(tasks) if t.get("id") == outcome.body["id"]), None)
        if task is not None and where is not None:
            tasks[where] = task
        elif task is not None:
            tasks.append(task)
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
