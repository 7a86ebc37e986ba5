"""Workflow Executions API rules, v2: flow executions copied from templates, whose tasks move along their edges.

A task is READY (PENDING) when every task before it (its incoming edges) is finished, WAITING
(CONDITION_PENDING) until then; finishing (COMPLETED or SKIPPED) a task readies the tasks behind it. A
decision task follows the edge of the condition a client chose (`next_condition_id`), or its `none_met`
edge; the branches not taken are SKIPPED. When every enabled task is finished, the execution is DONE.
"""
from __future__ import annotations

import copy
from typing import Any

from mock_server.request_path.behaviours import Default
from mock_server.request_path.behaviours.support import (
    bad_request,
    conflict,
    create_from,
    first_allowed,
    new_id,
    new_ids,
    property_schema,
    referenced,
    reshape,
    stored_or_404,
)
from mock_server.request_path.crud import Call, Outcome
from mock_server.errors import FieldError, HttpProblem

DEFINITIONS_API, TEMPLATES = "workflow-definitions", "/v2/flows/templates"
AUTOMATION_API, AUTOMATION_FLOWS, AUTOMATION_EXECUTIONS = "automation", "/v1/automation/flows", "/v1/automation/executions"
FLOW_EXECUTIONS = "/v2/flows/executions"
READY, WAITING, RUNNING = "PENDING", "CONDITION_PENDING", "IN_PROGRESS"
FINISHED = ("COMPLETED", "SKIPPED")
FINISHED_EXECUTION = ("DONE", "CLOSED")
_ANALYTICS_BY = {"IN_PROGRESS": "in_progress_by", "COMPLETED": "completed_by", "SKIPPED": "skipped_by", "ON_HOLD": "on_hold_by"}
_BUILT = {"name": "", "status": "STARTED", "analytics": {}, "crt_tasks": [], "tasks": []}  # all set by the start's build
_AUTOMATION_TO_TASK = {"success": "COMPLETED", "failed": "FAILED", "cancelled": "SKIPPED", "in_progress": RUNNING,
                       "pending": RUNNING, "paused": "ON_HOLD"}


# ---- start ----
def start_flow_execution(call: Call, default: Default) -> Outcome:
    """Copy the template's phases, tasks and edges with new ids; tasks with nothing before them are ready."""
    template = referenced(call, DEFINITIONS_API, TEMPLATES, (call.body or {}).get("flow_template_id"), "flow_template_id",
                          "flow template")

    def build(execution: dict[str, Any], template: dict[str, Any]) -> None:
        execution.update(name=template.get("name"), flow_template_id=template.get("id"),
                         status=first_allowed(call, "FlowExecution", "status", "STARTED"),
                         analytics={"started_at": call.now_iso, "started_by": call.caller}, crt_tasks=[])
        template_phases = [p for p in template.get("phases") or [] if isinstance(p, dict)]
        template_tasks = [t for t in template.get("tasks") or [] if isinstance(t, dict)]
        phase_new = new_ids(call, len(template_phases))
        task_new = new_ids(call, len(template_tasks))
        phase_ids: dict[str, str] = {}
        task_ids: dict[str, str] = {}
        for old, new in zip(template_phases, phase_new, strict=True):
            phase_ids.setdefault(str(old.get("id")), new)  # a template's duplicate ids point at the first one
        for old, new in zip(template_tasks, task_new, strict=True):
            task_ids.setdefault(str(old.get("id")), new)
        phases = [_phase_copy(phase, new, phase_ids) for phase, new in zip(template_phases, phase_new, strict=True)]
        tasks = [_task_copy(call, task, new, phase_ids) for task, new in zip(template_tasks, task_new, strict=True)]
        template_edges = [e for e in template.get("edges") or [] if isinstance(e, dict)]
        edges = [dict(edge, id=new, from_id=task_ids.get(str(edge.get("from_id")), edge.get("from_id")),
                      to_id=task_ids.get(str(edge.get("to_id")), edge.get("to_id")))
                 for edge, new in zip(template_edges, new_ids(call, len(template_edges)), strict=True)]
        execution["phases"] = reshape(call, property_schema(call, "FlowExecution", "phases"), phases)
        execution["tasks"] = reshape(call, property_schema(call, "FlowExecution", "tasks"), tasks)
        execution["edges"] = reshape(call, property_schema(call, "FlowExecution", "edges"), edges)
        for key in ("taxonomies", "entity_sync", "available_in_ecp", "due_date_config"):
            if key in template and key in _properties(call):
                execution[key] = reshape(call, property_schema(call, "FlowExecution", key), template[key])
        if template.get("closing_reasons") and "closing_reason" in _properties(call):
            execution["closing_reason"] = {"configured_reasons": [
                {"id": str(r.get("id")), "title": str(r.get("title", ""))} for r in template["closing_reasons"] if isinstance(r, dict)]}
        for task in execution["tasks"]:
            task.update(status=WAITING, analytics={}, created_at=call.now_iso, updated_at=call.now_iso)
        advance(execution, call)

    if template is not None and isinstance(call.body, dict):  # what `build` sets from the template: none to generate first
        call.body = {**_BUILT, **call.body}
    return create_from(call, default, FLOW_EXECUTIONS, template, build)


def _phase_copy(phase: dict[str, Any], ident: str, phase_ids: dict[str, str]) -> dict[str, Any]:
    out = dict(phase, id=ident, template_id=phase.get("id"), status="OPEN", analytics={})
    out.pop("updated_at", None)
    return out


def _task_copy(call: Call, task: dict[str, Any], ident: str, phase_ids: dict[str, str]) -> dict[str, Any]:
    """A template's task as a new execution's: waiting, no analytics yet (set before conforming: nothing to generate);
    its times are set once conformed (the same copy of a template then has the same shape at every start)."""
    out = dict(task, id=ident, template_id=task.get("id"), enabled=task.get("enabled", True), status=WAITING, analytics={})
    if out.get("phase_id") is not None:
        out["phase_id"] = phase_ids.get(str(out["phase_id"]), out["phase_id"])
    if isinstance(out.get("automation_config"), dict):
        out["automation_config"] = {k: v for k, v in out["automation_config"].items()
                                    if k not in ("execution_id", "execution_status", "error_reason")}
    out.pop("automation_execution_id", None)
    if isinstance(out.get("conditions"), list):
        out["conditions"] = [{k: v for k, v in c.items() if k not in ("is_met", "evaluated_at")} for c in out["conditions"]]
    return out


def _properties(call: Call) -> dict[str, Any]:
    from mock_server.request_path.generate import merge_all_of

    return merge_all_of(call.spec.doc["components"]["schemas"]["FlowExecution"], call.spec.resolve).get("properties") or {}


# ---- progress ----
def advance(execution: dict[str, Any], call: Call) -> None:
    """Move tasks along the edges until nothing changes; then phases, current tasks and the execution follow."""
    tasks = {str(t.get("id")): t for t in execution.get("tasks") or [] if isinstance(t, dict)}
    incoming: dict[str, list[dict[str, Any]]] = {}
    for edge in execution.get("edges") or []:
        if isinstance(edge, dict) and str(edge.get("to_id")) in tasks and str(edge.get("from_id")) in tasks \
                and edge.get("to_id") != edge.get("from_id"):
            incoming.setdefault(str(edge["to_id"]), []).append(edge)
    for _ in range(len(tasks) + 1):
        changed = False
        for ident, task in tasks.items():
            if task.get("status") in FINISHED:
                continue
            states = [_edge_state(edge, tasks, incoming) for edge in incoming.get(ident, [])]
            if states and all(s == "dead" for s in states):
                set_status(task, "SKIPPED", call, by="flowmock")
                changed = True
            elif task.get("status") == WAITING and "open" not in states:
                set_status(task, READY, call)
                task.setdefault("analytics", {})["started_at"] = call.now_iso
                changed = True
            elif task.get("status") == READY and "open" in states:
                set_status(task, WAITING, call)
                changed = True
        if not changed:
            break
    _follow(execution, call)


def _edge_state(edge: dict[str, Any], tasks: dict[str, dict[str, Any]], incoming: dict[str, list[dict[str, Any]]],
                depth: int = 0) -> str:
    """`taken` (its source finished and leads here), `dead` (a branch not taken) or `open` (source not finished)."""
    source = tasks[str(edge["from_id"])]
    if source.get("enabled") is False:
        return "taken"
    if source.get("status") not in FINISHED:
        return "open"
    if source.get("status") == "SKIPPED" and _pruned(source, tasks, incoming, depth):
        return "dead"
    if source.get("task_type") == "DECISION" and source.get("status") == "COMPLETED":
        chosen = [str(c.get("id")) for c in source.get("conditions") or [] if isinstance(c, dict) and c.get("is_met")]
        if edge.get("condition_id") is not None:
            return "taken" if str(edge["condition_id"]) in chosen else "dead"
        if edge.get("none_met"):
            return "dead" if chosen else "taken"
    return "taken"


def _pruned(task: dict[str, Any], tasks: dict[str, dict[str, Any]], incoming: dict[str, list[dict[str, Any]]], depth: int) -> bool:
    """A task skipped because the branch leading to it was not taken (not by a client)."""
    if depth > len(tasks):
        return False
    edges = incoming.get(str(task.get("id")), [])
    return bool(edges) and all(_edge_state(e, tasks, incoming, depth + 1) == "dead" for e in edges)


def set_status(task: dict[str, Any], status: str, call: Call, by: str | None = None) -> None:
    """Change a task's status and record when and by whom in its analytics."""
    if task.get("status") == status:
        return
    task["status"] = status
    task["updated_at"] = call.now_iso
    analytics = task.setdefault("analytics", {})
    analytics["status_updated_at"] = call.now_iso
    if status == RUNNING:
        analytics.setdefault("in_progress_at", call.now_iso)
    if status == "COMPLETED":
        analytics["completed_at"] = call.now_iso
    if status in _ANALYTICS_BY:
        analytics[_ANALYTICS_BY[status]] = by or call.caller


def _follow(execution: dict[str, Any], call: Call) -> None:
    """Phases, current tasks and the execution's status follow the tasks."""
    tasks = [t for t in execution.get("tasks") or [] if isinstance(t, dict)]
    for phase in execution.get("phases") or []:
        if not isinstance(phase, dict):
            continue
        mine = [t for t in tasks if t.get("phase_id") == phase.get("id") and t.get("enabled", True)]
        status = "COMPLETED" if mine and all(t.get("status") in FINISHED for t in mine) else \
            "IN_PROGRESS" if any(t.get("status") not in (READY, WAITING) for t in mine) else "OPEN"
        if phase.get("status") != status:
            phase["status"] = status
            phase["updated_at"] = call.now_iso
            analytics = phase.setdefault("analytics", {})
            analytics["status_updated_at"] = call.now_iso
            analytics.update({"in_progress_at": call.now_iso} if status == "IN_PROGRESS" else
                             {"completed_at": call.now_iso} if status == "COMPLETED" else {})
    current = {str(c.get("id")): c for c in execution.get("crt_tasks") or [] if isinstance(c, dict)}
    execution["crt_tasks"] = [current.get(str(t["id"])) or {"id": t["id"], "crt_since": call.now_iso}
                              for t in tasks if t.get("status") not in FINISHED and t.get("status") != WAITING]
    enabled = [t for t in tasks if t.get("enabled", True)]
    analytics = execution.setdefault("analytics", {})
    if execution.get("status") == "STARTED" and enabled and all(t.get("status") in FINISHED for t in enabled):
        execution["status"] = "DONE"
        analytics["completed_at"] = call.now_iso
    elif execution.get("status") == "DONE" and not all(t.get("status") in FINISHED for t in enabled):
        execution["status"] = "STARTED"
        analytics.pop("completed_at", None)


# ---- tasks ----
def patch_task(call: Call, default: Default) -> Outcome:
    """Move a task through its statuses; finishing it readies what follows; impossible moves are a 409 naming the rule."""
    execution, task = _execution_and_task(call, default)
    patch = call.body if isinstance(call.body, dict) else {}
    wanted, current = patch.get("status"), task.get("status")
    condition = patch.get("next_condition_id")
    if wanted is not None and wanted != current:
        _check_move(execution, task, wanted)
    if condition is not None:
        _check_condition(task, condition)
    outcome = default(call)
    task = _task(execution, str(outcome.body["id"]))
    task["status"] = current  # set_status records the change
    if wanted == "COMPLETED" and task.get("task_type") == "DECISION":
        _decide(task, condition, call)
    if wanted is not None:
        set_status(task, wanted, call)
    advance(execution, call)
    outcome.body = copy.deepcopy(task)
    return outcome


def _check_move(execution: dict[str, Any], task: dict[str, Any], wanted: str) -> None:
    name = f"task '{task.get('name', task.get('id'))}'"
    if execution.get("status") in FINISHED_EXECUTION:
        raise conflict(f"The flow execution is {execution['status']}; its tasks can no longer change", "status", "execution finished")
    if wanted == WAITING:
        raise conflict(f"{WAITING} is set by the flow, not by a client: a task waits until the tasks before it are finished",
                       "status", "set by the flow")
    if task.get("status") == WAITING:
        before = _predecessors(execution, task)
        raise conflict(f"The {name} is waiting for {', '.join(before) or 'the tasks before it'} to finish; it can move to "
                       f"{wanted} once they are COMPLETED or SKIPPED", "status", "task is waiting")
    if task.get("status") in FINISHED:
        raise conflict(f"The {name} is already {task['status']}; a finished task cannot be reopened", "status", "task finished")


def _check_condition(task: dict[str, Any], condition: Any) -> None:
    if task.get("task_type") != "DECISION":
        return  # only decisions have conditions: elsewhere the field means nothing (SDK clients send every field)
    known = [str(c.get("id")) for c in task.get("conditions") or [] if isinstance(c, dict)]
    if str(condition) not in known:
        raise conflict(f"The decision has no condition '{condition}'; its conditions: {', '.join(known) or 'none'}",
                       "next_condition_id", "unknown condition")


def _decide(task: dict[str, Any], condition: Any, call: Call) -> None:
    """Record the decision: the chosen condition is met, the others are not (none chosen: the `none_met` branch)."""
    for item in task.get("conditions") or []:
        if isinstance(item, dict):
            item["is_met"] = condition is not None and str(item.get("id")) == str(condition)
            item["evaluated_at"] = call.now_iso


def _predecessors(execution: dict[str, Any], task: dict[str, Any]) -> list[str]:
    tasks = {str(t.get("id")): t for t in execution.get("tasks") or [] if isinstance(t, dict)}
    sources = [tasks.get(str(e.get("from_id"))) for e in execution.get("edges") or []
               if isinstance(e, dict) and str(e.get("to_id")) == str(task.get("id"))]
    return [f"'{s.get('name', s.get('id'))}'" for s in sources if s and s.get("status") not in FINISHED]


def _execution_and_task(call: Call, default: Default) -> tuple[dict[str, Any], dict[str, Any]]:
    execution = stored_or_404(call, FLOW_EXECUTIONS, "execution_id")
    ident = str(call.path_params.get("task_id", ""))
    found = next((t for t in execution.get("tasks") or [] if isinstance(t, dict) and str(t.get("id")) == ident), None)
    if found is None:
        raise HttpProblem(404, "Not Found", f"No task with id '{ident}' exists in flow execution '{execution.get('id')}'",
                          [FieldError("path", "task_id", "unknown task id")], type="https://flowmock.dev/problems/unknown-resource")
    return execution, found


def _task(execution: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(t for t in execution.get("tasks") or [] if isinstance(t, dict) and str(t.get("id")) == ident)


def add_task(call: Call, default: Default) -> Outcome:
    """Store the client's task between `previous_task_id` and `next_task_id` (edges re-linked); it waits for the previous one."""
    execution = stored_or_404(call, FLOW_EXECUTIONS, "execution_id")
    if execution.get("status") in FINISHED_EXECUTION:
        raise conflict(f"The flow execution is {execution['status']}; no task can be added", "execution_id", "execution finished",
                       location="path")
    body = call.body if isinstance(call.body, dict) else {}
    known = {str(t.get("id")) for t in execution.get("tasks") or [] if isinstance(t, dict)}
    for field in ("previous_task_id", "next_task_id"):
        if str(body.get(field)) not in known:
            raise HttpProblem(404, "Not Found", f"No task with id '{body.get(field)}' exists in flow execution '{execution['id']}'",
                              [FieldError("body", field, "unknown task")], type="https://flowmock.dev/problems/unknown-reference")
    wanted = dict(body.get("task") or {})
    chosen_id = wanted.pop("id", None)
    if chosen_id is not None and str(chosen_id) in known:
        raise conflict(f"A task with id '{chosen_id}' already exists in this flow execution", "task.id", "duplicate id")
    previous = _task(execution, str(body["previous_task_id"]))
    wanted.setdefault("task_type", "MANUAL")
    wanted.setdefault("enabled", True)
    if previous.get("phase_id") is not None:
        wanted.setdefault("phase_id", previous["phase_id"])
    call.body = wanted
    outcome = default(call)
    tasks = execution["tasks"]
    task = tasks.pop(next(i for i, t in enumerate(tasks) if str(t.get("id")) == str(outcome.body["id"])))
    if chosen_id is not None:
        outcome.headers = {k: v.replace(str(task["id"]), str(chosen_id)) for k, v in outcome.headers.items()}
        task["id"] = chosen_id
    tasks.insert(next(i for i, t in enumerate(tasks) if t is previous) + 1, task)
    task.update(template_id=task["id"], manually_created=True, created_at=call.now_iso, updated_at=call.now_iso,
                status=WAITING, analytics={})
    _link(execution, str(body["previous_task_id"]), str(task["id"]), str(body["next_task_id"]), call)
    advance(execution, call)
    if wanted.get("status") and task["status"] == READY and wanted["status"] not in (WAITING, READY):
        set_status(task, wanted["status"], call)
        advance(execution, call)
    outcome.body = copy.deepcopy(task)
    return outcome


def _link(execution: dict[str, Any], previous: str, new: str, following: str, call: Call) -> None:
    """previous → new → following, replacing previous → following."""
    edges = [e for e in execution.get("edges") or []
             if not (isinstance(e, dict) and str(e.get("from_id")) == previous and str(e.get("to_id")) == following)]
    edges.append({"id": new_id(call), "from_id": previous, "to_id": new})
    edges.append({"id": new_id(call), "from_id": new, "to_id": following})
    execution["edges"] = edges


def patch_phase(call: Call, default: Default) -> Outcome:
    """Update a stored phase of the execution (unknown phase: 404)."""
    outcome = default(call)
    execution = stored_or_404(call, FLOW_EXECUTIONS, "execution_id")
    phase = next(p for p in execution.get("phases") or [] if isinstance(p, dict) and str(p.get("id")) == str(outcome.body["id"]))
    phase["updated_at"] = call.now_iso
    outcome.body = copy.deepcopy(phase)
    return outcome


# ---- automation and scheduling ----
def run_task_automation(call: Call, default: Default) -> Outcome:
    """Start an execution of the task's automation flow in the Automation API and link it to the task."""
    execution, task = _execution_and_task(call, default)
    _check_runnable(execution, task)
    return _run_automation(call, execution, task)


def run_task_schedule_now(call: Call, default: Default) -> Outcome:
    """Cancel the task's pending schedule and start its automation at once."""
    execution, task = _execution_and_task(call, default)
    if not isinstance(task.get("schedule"), dict):
        raise conflict(f"Task '{task['id']}' has no schedule to run now", "task_id", "no schedule", location="path")
    _check_runnable(execution, task)
    task["schedule"] = {"mode": "immediate"}
    return _run_automation(call, execution, task)


def _run_automation(call: Call, execution: dict[str, Any], task: dict[str, Any]) -> Outcome:
    """Start the task's automation, let the flow follow, and answer the task."""
    _start_automation(call, execution, task)
    advance(execution, call)
    return Outcome(200, copy.deepcopy(task))


def execute_task(call: Call, default: Default) -> Outcome:
    """Run any task now: an automation starts its flow, a decision is taken (`none_met` branch), others start."""
    execution, task = _execution_and_task(call, default)
    if execution.get("status") in FINISHED_EXECUTION or task.get("status") in FINISHED:
        raise conflict(f"Task '{task['id']}' is {task.get('status')} in a {execution.get('status')} flow execution; "
                       "there is nothing to execute", "task_id", "already finished", location="path")
    if isinstance(task.get("schedule"), dict) and task["schedule"].get("mode") != "immediate":
        task["schedule"] = {"mode": "immediate"}
    if task.get("task_type") == "AUTOMATION":
        _start_automation(call, execution, task)
    elif task.get("task_type") == "DECISION":
        _decide(task, None, call)
        set_status(task, "COMPLETED", call)
    else:
        set_status(task, RUNNING, call)
    advance(execution, call)
    return Outcome(200, copy.deepcopy(task))


def cancel_task_schedule(call: Call, default: Default) -> Outcome:
    """Delete the task's schedule and mark it SKIPPED, which readies what follows."""
    execution, task = _execution_and_task(call, default)
    if not isinstance(task.get("schedule"), dict):
        raise conflict(f"Task '{task['id']}' has no schedule to cancel", "task_id", "no schedule", location="path")
    if task.get("status") in FINISHED:
        raise conflict(f"Task '{task['id']}' is already {task['status']}", "task_id", "task finished", location="path")
    del task["schedule"]
    set_status(task, "SKIPPED", call)
    advance(execution, call)
    return Outcome(204, None)


def reconcile_automation_task(call: Call, default: Default) -> Outcome:
    """Set the task's status from its linked automation execution; answer the flow execution."""
    execution, task = _execution_and_task(call, default)
    linked = (task.get("automation_config") or {}).get("execution_id") or task.get("automation_execution_id")
    if not linked:
        raise conflict(f"Task '{task['id']}' has no automation execution to reconcile with; run its automation first",
                       "task_id", "no automation execution", location="path")
    _served(call)
    automation = call.state.find(AUTOMATION_API, AUTOMATION_EXECUTIONS, str(linked))
    if not isinstance(automation, dict):
        raise conflict(f"The automation execution '{linked}' of task '{task['id']}' no longer exists", "task_id",
                       "automation execution gone", location="path")
    state = str(automation.get("execution_status"))
    config = task.setdefault("automation_config", {})
    config["execution_status"] = state
    if state == "failed" and automation.get("error_reason") is not None:
        config["error_reason"] = str(automation["error_reason"])
    wanted = _AUTOMATION_TO_TASK.get(state)
    if wanted and task.get("status") not in FINISHED:
        set_status(task, wanted, call, by="automation")
    advance(execution, call)
    return Outcome(200, copy.deepcopy(execution))


def _check_runnable(execution: dict[str, Any], task: dict[str, Any]) -> None:
    if task.get("task_type") != "AUTOMATION":
        raise conflict(f"Task '{task['id']}' is a {task.get('task_type')} task; only AUTOMATION tasks run automations",
                       "task_id", "not an automation task", location="path")
    if execution.get("status") in FINISHED_EXECUTION or task.get("status") in FINISHED:
        raise conflict(f"Task '{task['id']}' is {task.get('status')} in a {execution.get('status')} flow execution",
                       "task_id", "already finished", location="path")
    if task.get("status") == WAITING:
        raise conflict(f"Task '{task['id']}' is waiting for {', '.join(_predecessors(execution, task)) or 'the tasks before it'}"
                       " to finish", "task_id", "task is waiting", location="path")


def _served(call: Call) -> None:
    if AUTOMATION_API not in call.served or call.perform is None:
        raise bad_request("The Automation API is not served by this flowmock, so task automations cannot run; "
                          "serve specs/automation.yaml too", "task_id", "automation API not served", location="path")


def _start_automation(call: Call, execution: dict[str, Any], task: dict[str, Any]) -> None:
    """An automation execution of the task's flow, linked both ways; the task is then IN_PROGRESS."""
    _served(call)
    flow_id = (task.get("automation_config") or {}).get("flow_id")
    if flow_id is None or call.state.find(AUTOMATION_API, AUTOMATION_FLOWS, str(flow_id)) is None:
        raise HttpProblem(404, "Not Found", f"Task '{task['id']}' runs automation flow '{flow_id}', which does not exist",
                          [FieldError("path", "task_id", "unknown automation flow")], type="https://flowmock.dev/problems/unknown-reference")
    contexts = [c for c in execution.get("contexts") or [] if isinstance(c, dict) and c.get("entity_id")]
    primary = next((c for c in contexts if c.get("is_primary")), contexts[0] if contexts else {})
    assert call.perform is not None
    started = call.perform(AUTOMATION_API, "startExecution", {}, {
        "flow_id": str(flow_id), "entity_id": str(primary.get("entity_id") or execution["id"]),
        "flow_execution_id": str(execution["id"]), "flow_automation_task_id": str(task["id"])})
    automation = started.body if isinstance(started.body, dict) else {}
    config = task.setdefault("automation_config", {"flow_id": flow_id})
    config.update(execution_id=automation.get("id"), execution_status=automation.get("execution_status"))
    config.pop("error_reason", None)
    task["automation_execution_id"] = automation.get("id")
    set_status(task, RUNNING, call)


BEHAVIOURS = {
    "startFlowExecution": start_flow_execution,
    "patchTask": patch_task,
    "addTask": add_task,
    "patchPhase": patch_phase,
    "runTaskAutomation": run_task_automation,
    "runTaskScheduleNow": run_task_schedule_now,
    "executeTask": execute_task,
    "cancelTaskSchedule": cancel_task_schedule,
    "reconcileAutomationTask": reconcile_automation_task,
}
