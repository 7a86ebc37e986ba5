"""Workflow Executions API rules, v1: executions built from definitions, worked step by step, closed with a reason.

The v2 flow-execution rules live in `flow_executions`; both are registered here (one module per API).
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from mock_server.request_path.behaviours import Default
from mock_server.request_path.behaviours.flow_executions import BEHAVIOURS as FLOW_BEHAVIOURS
from mock_server.request_path.behaviours.support import (
    conflict,
    create_from,
    first_allowed,
    property_schema,
    referenced,
    reshape_built,
    stored_or_404,
)
from mock_server.request_path.crud import Call, Outcome

DEFINITIONS_API, DEFINITIONS, REASONS = "workflow-definitions", "/v1/workflows/definitions", "/v1/workflows/closing-reasons"
EXECUTIONS = "/v1/workflows/executions"
DONE_STEP = ("COMPLETED", "SKIPPED")
UNSTARTED_STEP = ("UNASSIGNED", "ASSIGNED", "PENDING")
FINISHED_EXECUTION = ("DONE", "CLOSED")


def create_execution(call: Call, default: Default) -> Outcome:
    """A v1 execution copies its definition's name and flow (sections and steps, ready to work on) and snapshots
    the definition's closing reasons."""
    definition = referenced(call, DEFINITIONS_API, DEFINITIONS, (call.body or {}).get("workflowId"), "workflowId",
                            "workflow definition")

    def build(execution: dict[str, Any], definition: dict[str, Any]) -> None:
        execution.update(name=definition.get("name"), definitionId=definition.get("id"),
                         status=first_allowed(call, "WorkflowExecution", "status", "STARTED"))
        for key in ("completedTime", "selectedClosingReasons", "closingReasonDescription", "closedBy"):
            execution.pop(key, None)
        for key in ("dynamicDueDate", "enableECPWorkflow", "taxonomies", "singleClosingReasonSelection", "updateEntityAttributes"):
            if key in definition:
                execution[key] = definition[key]
        execution["configuredClosingReasonSnapshot"] = _closing_reasons(call, definition)
        execution["flow"] = reshape_built(call, property_schema(call, "WorkflowExecution", "flow"), _flow_copy,
                                          definition.get("flow", []), execution["id"])
        _follow_steps(execution)

    if definition is not None and isinstance(call.body, dict):  # the flow is the definition's: none to generate first
        call.body = {**call.body, "flow": []}
    return create_from(call, default, EXECUTIONS, definition, build)


def _closing_reasons(call: Call, definition: dict[str, Any]) -> list[dict[str, str]]:
    """The definition's closing reasons, resolved from the catalogue (id and title), at this moment."""
    resolved = []
    for reason in definition.get("closingReasons") or []:
        ident = str(reason.get("id") if isinstance(reason, dict) else reason)
        found = call.state.peek(DEFINITIONS_API, REASONS, ident)
        if isinstance(found, dict):
            resolved.append({"id": ident, "title": str(found.get("title", ""))})
    return resolved


def _flow_copy(draw: Callable[[], str], flow: list[dict[str, Any]], execution_id: str) -> list[dict[str, Any]]:
    """An execution's own copy of a definition's flow, its new ids drawn in turn (a pure function: see `reshape_built`)."""
    return [_flow_item(draw, item, execution_id) for item in flow]


def _flow_item(draw: Callable[[], str], item: dict[str, Any], execution_id: str) -> dict[str, Any]:
    """An execution's own copy of a definition's section or step: a new id, `definitionId` pointing back."""
    out = dict(item, id=draw())
    if item.get("id") is not None:
        out["definitionId"] = item["id"]
    if item.get("type") == "SECTION":
        out["status"] = "OPEN"
        out["steps"] = steps = [_flow_item(draw, step, execution_id) for step in item.get("steps", [])]
        for step in steps:
            step["sectionId"] = out["id"]
    else:
        out.update(status="UNASSIGNED", executionId=execution_id, enabled=item.get("enabled", True))
        for key in ("completedTime", "startedTime", "statusLastUpdated"):
            out.pop(key, None)
    return out


def get_execution_closing_reasons(call: Call, default: Default) -> Outcome:
    """The closing reasons snapshotted when the execution started."""
    execution = stored_or_404(call, EXECUTIONS, "executionId")
    return Outcome(200, {"reasons": execution.get("configuredClosingReasonSnapshot") or []})


def update_execution(call: Call, default: Default) -> Outcome:
    """Closing (DONE/CLOSED) accepts only the snapshotted reasons and sets the completion time; CLOSED is final.

    Reasons sent without closing are stored as a pre-selection, unchecked, as the seed's own example does.
    """
    execution = stored_or_404(call, EXECUTIONS, "executionId")
    patch = call.body if isinstance(call.body, dict) else {}
    before, wanted = execution.get("status"), patch.get("status")
    if before == "CLOSED" and wanted not in (None, "CLOSED"):
        raise conflict(f"Execution '{execution['id']}' is CLOSED; a closed execution cannot be reopened", "status",
                          "closed executions are final")
    if wanted in FINISHED_EXECUTION:
        _check_reasons(execution, patch)
    outcome = default(call)
    execution = stored_or_404(call, EXECUTIONS, "executionId")  # the update stored a new object
    now_finished = execution.get("status") in FINISHED_EXECUTION
    if now_finished and before not in FINISHED_EXECUTION:
        execution["completedTime"] = patch.get("completedTime") or call.now_iso
        execution.setdefault("closedBy", call.caller)
    elif not now_finished and before in FINISHED_EXECUTION:  # DONE reopened explicitly with status STARTED
        for key in ("completedTime", "closedBy", "selectedClosingReasons", "closingReasonDescription"):
            execution.pop(key, None)
    return outcome


def _check_reasons(execution: dict[str, Any], patch: dict[str, Any]) -> None:
    selected = patch.get("selectedClosingReasons")
    if selected is None:
        return
    configured = {str(r.get("id")) for r in execution.get("configuredClosingReasonSnapshot") or [] if isinstance(r, dict)}
    for index, reason in enumerate(selected):
        if str(reason.get("id")) not in configured:
            raise conflict(f"Closing reason '{reason.get('id')}' is not configured for this execution; configured: "
                              f"{', '.join(sorted(configured)) or 'none'}", f"selectedClosingReasons[{index}].id",
                              "not a configured closing reason")
    if execution.get("singleClosingReasonSelection") and len(selected) > 1:
        raise conflict("This execution allows a single closing reason", "selectedClosingReasons", "more than one reason")


def create_step(call: Call, default: Default) -> Outcome:
    """A new step goes into `flow` at `insertionIndex` (inside section `sectionId` when given), ready to work on."""
    execution = _open_execution(call)
    outcome = default(call)
    step = _step(execution, outcome.body["id"])
    body = call.body if isinstance(call.body, dict) else {}
    step.update(type="STEP", executionId=execution["id"], manuallyCreated=True, enabled=True, created=call.now_iso,
                status=body.get("status") or "UNASSIGNED", statusLastUpdated=call.now_iso)
    for key in ("definitionId", "completedTime", "startedTime", "steps"):
        step.pop(key, None)
    _stamp(step, None, call)
    _follow_steps(execution)
    outcome.body = copy.deepcopy(step)
    return outcome


def update_step(call: Call, default: Default) -> Outcome:
    """Status, assignees, due date and position change; the step's times and its section's status follow."""
    execution = _open_execution(call)
    before = copy.deepcopy(_step(execution, str(call.path_params.get("stepId")), required=False) or {})
    outcome = default(call)
    step = _step(execution, str(outcome.body["id"]))
    patch = call.body if isinstance(call.body, dict) else {}
    if "status" not in patch and step.get("status") == "UNASSIGNED" and step.get("assignedTo"):
        step["status"] = "ASSIGNED"
    _stamp(step, before.get("status"), call)
    _follow_steps(execution)
    outcome.body = copy.deepcopy(step)
    return outcome


def delete_step(call: Call, default: Default) -> Outcome:
    """The step leaves the execution; its section's status follows."""
    execution = _open_execution(call)
    outcome = default(call)
    _follow_steps(execution)
    return outcome


def _open_execution(call: Call) -> dict[str, Any]:
    execution = stored_or_404(call, EXECUTIONS, "executionId")
    if execution.get("status") in FINISHED_EXECUTION:
        raise conflict(f"Execution '{execution['id']}' is {execution['status']}; its steps can no longer change",
                          "executionId", "execution finished")
    return execution


def _steps(execution: dict[str, Any]) -> list[dict[str, Any]]:
    """Every step of an execution in order: top-level steps and the steps inside sections."""
    steps: list[dict[str, Any]] = []
    for item in execution.get("flow") or []:
        if isinstance(item, dict) and isinstance(item.get("steps"), list):
            steps.extend(s for s in item["steps"] if isinstance(s, dict))
        elif isinstance(item, dict):
            steps.append(item)
    return steps


def _step(execution: dict[str, Any], step_id: str, required: bool = True) -> dict[str, Any]:
    found = next((s for s in _steps(execution) if str(s.get("id")) == step_id), None)
    if found is None and required:
        raise LookupError(f"step {step_id} is not in execution {execution.get('id')}")
    return found or {}


def _stamp(step: dict[str, Any], previous: str | None, call: Call) -> None:
    """A status change sets `statusLastUpdated`, and the start and completion times where they apply."""
    status = step.get("status")
    if status == previous:
        return
    step["statusLastUpdated"] = call.now_iso
    if status == "IN_PROGRESS":
        step.setdefault("startedTime", call.now_iso)
    if status in DONE_STEP:
        step["completedTime"] = call.now_iso
    else:
        step.pop("completedTime", None)


def _follow_steps(execution: dict[str, Any]) -> None:
    """Sections follow their steps (all done: COMPLETED; some started: IN_PROGRESS; else OPEN); so does `nextOpenStep`,
    the first step (in `_steps` order) not done and enabled."""
    upcoming = None
    for item in execution.get("flow") or []:
        if not isinstance(item, dict):
            continue
        steps = item.get("steps")
        if not isinstance(steps, list):
            if upcoming is None and item.get("status") not in DONE_STEP and item.get("enabled", True):
                upcoming = item
            continue
        seen, all_done, any_started = False, True, False
        for step in steps:
            if not isinstance(step, dict):
                continue
            status, seen = step.get("status"), True
            if status not in DONE_STEP:
                all_done = False
                if upcoming is None and step.get("enabled", True):
                    upcoming = step
            if status not in UNSTARTED_STEP:
                any_started = True
        item["status"] = "COMPLETED" if seen and all_done else "IN_PROGRESS" if any_started else "OPEN"
    if upcoming is None:
        execution.pop("nextOpenStep", None)
    else:
        execution["nextOpenStep"] = {k: upcoming[k] for k in ("id", "entityRefId") if k in upcoming}


BEHAVIOURS = {
    "createExecution": create_execution,
    "updateExecution": update_execution,
    "getClosingReasonExecution": get_execution_closing_reasons,
    "createStep": create_step,
    "updateStep": update_step,
    "deleteStep": delete_step,
    **FLOW_BEHAVIOURS,
}
