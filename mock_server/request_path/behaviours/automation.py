"""Automation API rules: executions run their flow's actions one after another on the server's clock.

Each action takes ACTION_SECONDS of simulated time: `pending → in_progress → success`, then the next one
starts; when all succeeded the execution is `success`. `Prefer: fail-at=N` or `pause-at=N` on startExecution
(N: the action's 1-based position, or its flow action id) makes that action fail, or pause with a resume token.
Bulk jobs wait for approval with their task token, then start one execution per entity on the clock.
"""
from __future__ import annotations

import copy
from typing import Any

from mock_server.request_path.behaviours import Default
from mock_server.request_path.behaviours.support import (
    conflict,
    create_from,
    new_id,
    new_ids,
    property_schema,
    referenced,
    reshape,
    stored_or_404,
)
from mock_server.request_path.crud import Call, Outcome
from mock_server.errors import FieldError, HttpProblem

FLOWS = "/v1/automation/flows"
EXECUTIONS = "/v1/automation/executions"
BULK_JOBS = "/v1/automation/executions/bulk-jobs"
ACTION_SECONDS = 2.0
BULK_STEP_SECONDS = 1.0
ACTION_DONE = ("success", "failed", "cancelled", "skipped")
RUNNING = ("pending", "starting", "in_progress", "scheduled", "hot")


# ---- flows ----
def create_flow(call: Call, default: Default) -> Outcome:
    """Every action of a flow gets an id (when the client sent none), so executions can point back at it."""
    if isinstance(call.body, dict) and isinstance(call.body.get("actions"), list):
        call.body["actions"] = [dict(a, id=a.get("id") or new_id(call)) if isinstance(a, dict) else a for a in call.body["actions"]]
    return default(call)


# ---- executions ----
def start_execution(call: Call, default: Default) -> Outcome:
    """The execution copies its flow's actions (each with an id of its own and `flow_action_id`) and starts running."""
    flow = referenced(call, call.spec.name, FLOWS, (call.body or {}).get("flow_id"), "flow_id", "automation flow")

    def build(execution: dict[str, Any], flow: dict[str, Any]) -> None:
        execution.update(flow_id=flow.get("id"), flow_name=flow.get("flow_name"), execution_status="in_progress",
                         created_at=call.now_iso, updated_at=call.now_iso)
        for key in ("resume_token", "current_action_id", "schedules"):
            execution.pop(key, None)
        actions = []
        flow_actions = flow.get("actions") or []
        for action, ident in zip(flow_actions, new_ids(call, len(flow_actions)), strict=True):
            state = {k: v for k, v in action.items() if k not in ("started_at", "updated_at", "error_output", "outputs")}
            state.update(id=ident, execution_status="pending")
            if action.get("id") is not None:
                state["flow_action_id"] = action["id"]
            actions.append(state)
        execution["actions"] = reshape(call, property_schema(call, "AutomationExecution", "actions"), actions)
        plan = {"fail": _position(call, "fail-at", execution["actions"]), "pause": _position(call, "pause-at", execution["actions"])}
        _begin(call, execution, 0, plan)

    if flow is not None and isinstance(call.body, dict):  # the actions are the flow's: none to generate first
        call.body = {"actions": [], **call.body}
    return create_from(call, default, EXECUTIONS, flow, build)


def _position(call: Call, name: str, actions: list[dict[str, Any]]) -> int | None:
    """`Prefer: fail-at=N`: a 1-based position, or a flow action id; 400 naming the value when it matches nothing."""
    value = call.prefer.get(name)
    if value is None:
        return None
    if value.isdigit() and 1 <= int(value) <= len(actions):
        return int(value) - 1
    for index, action in enumerate(actions):
        if value in (str(action.get("flow_action_id")), str(action.get("id"))):
            return index
    raise HttpProblem(400, "Bad Request", f"Prefer: {name}={value} names no action of this flow; use 1..{len(actions)} or a "
                      "flow action id", [FieldError("header", "Prefer", f"unknown {name} action")])


def _begin(call: Call, execution: dict[str, Any], index: int, plan: dict[str, Any]) -> None:
    """Start action `index` (or finish the execution when there is none left)."""
    actions = execution.get("actions") or []
    execution["updated_at"] = call.now_iso
    if index >= len(actions):
        execution["execution_status"] = "success"
        execution.pop("current_action_id", None)
        return
    action = actions[index]
    execution["current_action_id"] = action["id"]
    action.update(started_at=call.now_iso, updated_at=call.now_iso)
    if plan.get("pause") == index:
        token = new_id(call)
        action["execution_status"] = "paused"
        execution.update(execution_status="paused", resume_token=token)
        return
    action["execution_status"] = "in_progress"
    execution["execution_status"] = "in_progress"
    assert call.schedule is not None
    call.schedule(ACTION_SECONDS, "finish-action", {"execution_id": execution["id"], "action_id": action["id"],
                                                    "fail": plan.get("fail") == index, "plan": plan})


def finish_action(call: Call, args: dict[str, Any]) -> None:
    """Job: the running action ends (success, or failure when planned) and the next one starts."""
    execution = call.state.find(call.spec.name, EXECUTIONS, str(args.get("execution_id")))
    if not isinstance(execution, dict) or execution.get("execution_status") != "in_progress":
        return  # cancelled, paused or deleted meanwhile
    actions = execution.get("actions") or []
    index = next((i for i, a in enumerate(actions) if a.get("id") == args.get("action_id")), None)
    if index is None or actions[index].get("execution_status") != "in_progress":
        return
    action = actions[index]
    action["updated_at"] = call.now_iso
    if args.get("fail"):
        action["execution_status"] = "failed"
        action["error_output"] = {"error_code": _error_code(call), "error_reason": f"Action '{action.get('name', action['id'])}' "
                                  "failed (simulated by flowmock: Prefer fail-at)"}
        execution.update(execution_status="failed", updated_at=call.now_iso)
        return
    action["execution_status"] = "success"
    plan = dict(args.get("plan") or {})
    _begin(call, execution, index + 1, plan)


def _error_code(call: Call) -> Any:
    from mock_server.request_path.generate import merge_all_of

    schema = merge_all_of(call.spec.doc["components"]["schemas"].get("ErrorCode", {}), call.spec.resolve)
    return (schema.get("enum") or ["SERVER_ERROR"])[0] if schema.get("enum") else "SERVER_ERROR"


def cancel_execution(call: Call, default: Default) -> Outcome:
    """Cancel the execution and every action not yet finished; a finished execution is a 409."""
    execution = stored_or_404(call, EXECUTIONS, "execution_id")
    if execution.get("execution_status") in ACTION_DONE:
        raise conflict(f"Execution '{execution['id']}' already ended ({execution['execution_status']}); nothing to cancel",
                       "execution_id", "execution ended", location="path")
    for action in execution.get("actions") or []:
        if action.get("execution_status") not in ACTION_DONE:
            action.update(execution_status="cancelled", updated_at=call.now_iso)
    execution.pop("resume_token", None)
    return default(call)


def retrigger_action(call: Call, default: Default) -> Outcome:
    """Re-run a failed action: it runs again on the clock, then the rest of the flow."""
    execution = stored_or_404(call, EXECUTIONS, "execution_id")
    ident = str(call.path_params.get("action_id"))
    actions = execution.get("actions") or []
    index = next((i for i, a in enumerate(actions) if str(a.get("id")) == ident), None)
    if index is None:
        raise HttpProblem(404, "Not Found", f"Execution '{execution['id']}' has no action '{ident}'",
                          [FieldError("path", "action_id", "unknown action")], type="https://flowmock.dev/problems/unknown-resource")
    action = actions[index]
    if action.get("execution_status") != "failed":
        raise conflict(f"Action '{ident}' is {action.get('execution_status')}; only a failed action can be retriggered",
                       "action_id", "action has not failed", location="path")
    action.pop("error_output", None)
    _begin(call, execution, index, {})
    return Outcome(204, None)


def resume_execution(call: Call, default: Default) -> Outcome:
    """Resume the paused execution the token names; the token is used up."""
    token = str((call.body or {}).get("resume_token", ""))
    execution = next((e for e in call.state.objects(call.spec.name, EXECUTIONS)
                      if isinstance(e, dict) and e.get("resume_token") == token and e.get("execution_status") == "paused"), None)
    if execution is None:
        raise HttpProblem(404, "Not Found", "No paused execution has this resume token (unknown, or already used)",
                          [FieldError("body", "resume_token", "unknown or used token")], type="https://flowmock.dev/problems/unknown-reference")
    del execution["resume_token"]
    actions = execution.get("actions") or []
    index = next((i for i, a in enumerate(actions) if a.get("execution_status") == "paused"), len(actions))
    resumed = actions[index] if index < len(actions) else None
    if resumed is not None:
        resumed["execution_status"] = "in_progress"
        execution["execution_status"] = "in_progress"
        execution["updated_at"] = call.now_iso
        assert call.schedule is not None
        call.schedule(ACTION_SECONDS, "finish-action", {"execution_id": execution["id"], "action_id": resumed["id"],
                                                        "fail": False, "plan": {}})
    else:
        _begin(call, execution, index, {})
    body: dict[str, Any] = {"execution": copy.deepcopy(execution)}
    if resumed is not None:
        body["resumedAction"] = copy.deepcopy(resumed)
    return Outcome(200, body)


def cancel_schedule(call: Call, default: Default) -> Outcome:
    """Remove a scheduled action from the execution (unknown schedule: 404); answers the removed schedule."""
    execution = stored_or_404(call, EXECUTIONS, "execution_id")
    ident = str(call.path_params.get("schedule_id"))
    schedules = execution.get("schedules") or []
    found = next((s for s in schedules if isinstance(s, dict) and str(s.get("id")) == ident), None)
    if found is None:
        raise HttpProblem(404, "Not Found", f"Execution '{execution['id']}' has no schedule '{ident}'",
                          [FieldError("path", "schedule_id", "unknown schedule")], type="https://flowmock.dev/problems/unknown-resource")
    schedules.remove(found)
    for action in execution.get("actions") or []:
        if str(action.get("schedule_id")) == ident and action.get("execution_status") not in ACTION_DONE:
            action.update(execution_status="cancelled", updated_at=call.now_iso)
    execution["updated_at"] = call.now_iso
    return Outcome(200, copy.deepcopy(found))


# ---- bulk jobs ----
def bulk_trigger(call: Call, default: Default) -> Outcome:
    """A job for an existing flow, waiting in `approval` with a task token for the approver."""
    flow = referenced(call, call.spec.name, FLOWS, (call.body or {}).get("flow_id"), "flow_id", "automation flow")

    def build(job: dict[str, Any], flow: dict[str, Any]) -> None:
        body = call.body if isinstance(call.body, dict) else {}
        kind, data = ("refs", body["entities_refs"]) if "entities_refs" in body else \
            ("query", body.get("entities_query")) if "entities_query" in body else ("filter", body.get("entities_filter"))
        job.update(flow_id=flow.get("id"), status="approval", task_token=new_id(call), created_by=call.caller,
                   created_at=call.now_iso, updated_at=call.now_iso, entity_query={"type": kind, "data": data},
                   execution_summary=[])
        for key in ("approved_at", "pagination_state", "report_file_entity_id"):
            job.pop(key, None)

    return create_from(call, default, BULK_JOBS, flow, build, id_field="job_id")


def patch_bulk_job(call: Call, default: Default) -> Outcome:
    """APPROVE (with the job's task token) starts it on the clock; CANCEL cancels it; anything else is refused."""
    job = stored_or_404(call, BULK_JOBS, "job_id")
    body = call.body if isinstance(call.body, dict) else {}
    if body.get("task_token") != job.get("task_token"):
        raise HttpProblem(403, "Forbidden", "The task token does not match this bulk job's",
                          [FieldError("body", "task_token", "wrong task token")])
    if job.get("status") != "approval":
        raise conflict(f"Bulk job '{job['job_id']}' is {job.get('status')}; only a job in approval can be approved or cancelled",
                       "action", "job past approval")
    job["updated_at"] = call.now_iso
    if body.get("action") == "CANCEL":
        job["status"] = "cancelled"
    else:
        job.update(status="querying_entities", approved_at=call.now_iso)
        assert call.schedule is not None
        call.schedule(BULK_STEP_SECONDS, "bulk-step", {"job_id": job["job_id"]})
    return Outcome(200, copy.deepcopy(job))


_BULK_NEXT = {"querying_entities": "entities_loaded", "entities_loaded": "executing", "executing": "monitoring",
              "monitoring": "send_report", "send_report": "finished"}


def bulk_step(call: Call, args: dict[str, Any]) -> None:
    """Job: a bulk job moves to its next status; `executing` starts one execution of its flow per entity."""
    job = call.state.find(call.spec.name, BULK_JOBS, str(args.get("job_id")))
    if not isinstance(job, dict) or job.get("status") not in _BULK_NEXT:
        return
    job.update(status=_BULK_NEXT[job["status"]], updated_at=call.now_iso)
    if job["status"] == "executing":
        _start_bulk_executions(call, job)
    if job["status"] == "monitoring":
        for item in job.get("execution_summary") or []:
            found = call.state.find(call.spec.name, EXECUTIONS, str(item.get("execution_id")))
            if isinstance(found, dict):
                item.update(execution_status=found.get("execution_status"), timestamp=call.now_iso)
    if job["status"] != "finished":
        assert call.schedule is not None
        call.schedule(BULK_STEP_SECONDS, "bulk-step", {"job_id": job["job_id"]})


def _start_bulk_executions(call: Call, job: dict[str, Any]) -> None:
    query = job.get("entity_query") or {}
    data = query.get("data")
    refs: list[Any] = data if query.get("type") == "refs" and isinstance(data, list) else []
    summary = []
    for ref in refs:
        entity = ref.get("entity_id") if isinstance(ref, dict) else None
        if entity is None:
            continue
        assert call.perform is not None
        started = call.perform(call.spec.name, "startExecution", {}, {"flow_id": job["flow_id"], "entity_id": entity})
        execution = started.body if isinstance(started.body, dict) else {}
        summary.append({"entity_id": entity, "entity_schema": ref.get("entity_schema"), "execution_id": execution.get("id"),
                        "execution_status": execution.get("execution_status"), "timestamp": call.now_iso})
    job["execution_summary"] = [{k: v for k, v in item.items() if v is not None} for item in summary]
    job["pagination_state"] = {"page_size": len(refs), "pages_processed": 1, "total_processed": len(summary), "has_more": False}


BEHAVIOURS = {
    "createFlow": create_flow,
    "putFlow": create_flow,
    "startExecution": start_execution,
    "cancelExecution": cancel_execution,
    "retriggerAction": retrigger_action,
    "resumeExecutionWithToken": resume_execution,
    "cancelSchedule": cancel_schedule,
    "bulkTriggerExecutions": bulk_trigger,
    "patchBulkJob": patch_bulk_job,
}

JOBS = {"finish-action": finish_action, "bulk-step": bulk_step}
