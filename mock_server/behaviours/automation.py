"""Automation API rules: an execution runs an existing flow and carries that flow's actions."""
from __future__ import annotations

from typing import Any

from mock_server.behaviours import Default
from mock_server.behaviours.support import create_from, first_allowed, property_schema, referenced, reshape
from mock_server.crud import Call, Outcome

FLOWS = "/v1/automation/flows"
EXECUTIONS = "/v1/automation/executions"


def start_execution(call: Call, default: Default) -> Outcome:
    """The execution names its flow, copies its actions (each pending) and starts in progress."""
    flow = referenced(call, call.spec.name, FLOWS, (call.body or {}).get("flow_id"), "flow_id", "automation flow")

    def build(execution: dict[str, Any], flow: dict[str, Any]) -> None:
        execution.update(flow_id=flow.get("id"), flow_name=flow.get("flow_name"),
                         execution_status=first_allowed(call, "AutomationExecution", "execution_status", "in_progress"))
        actions = [dict(action, execution_status="pending") for action in flow.get("actions", [])]
        execution["actions"] = reshape(call, property_schema(call, "AutomationExecution", "actions"), actions)

    return create_from(call, default, EXECUTIONS, flow, build)


BEHAVIOURS = {"startExecution": start_execution}
