"""The workflow-executions spec documents every operation of seed 001 (Workflow Executions API)."""
from __future__ import annotations

from tests.specs.optable import assert_operations

# (METHOD, path, operationId) as seed 001_e2873e23c544494f.txt lists them (paths and names match seed 003).
OPERATIONS: list[tuple[str, str, str]] = [
    # Workflow Executions (v1)
    ("GET", "/v1/workflows/executions", "getExecutions"),
    ("POST", "/v1/workflows/executions", "createExecution"),
    ("GET", "/v1/workflows/executions/{executionId}", "getExecution"),
    ("PATCH", "/v1/workflows/executions/{executionId}", "updateExecution"),
    ("DELETE", "/v1/workflows/executions/{executionId}", "deleteExecution"),
    # Workflow Steps (v1)
    ("POST", "/v1/workflows/executions/{executionId}/steps", "createStep"),
    ("PATCH", "/v1/workflows/executions/{executionId}/steps/{stepId}", "updateStep"),
    ("DELETE", "/v1/workflows/executions/{executionId}/steps/{stepId}", "deleteStep"),
    # Closing Reasons (v1)
    ("GET", "/v1/workflows/executions/{executionId}/closing-reasons", "getClosingReasonExecution"),
    # Flows V2
    ("POST", "/v2/flows/executions", "startFlowExecution"),
    ("GET", "/v2/flows/executions/{execution_id}", "getFlowExecution"),
    ("PATCH", "/v2/flows/executions/{execution_id}", "patchFlowExecution"),
    ("DELETE", "/v2/flows/executions/{execution_id}", "deleteFlowExecution"),
    ("POST", "/v2/flows/executions:search", "searchFlowExecutions"),
    ("PATCH", "/v2/flows/executions/{execution_id}/tasks/{task_id}", "patchTask"),
    ("POST", "/v2/flows/executions/{execution_id}/tasks/{task_id}/automation:run", "runTaskAutomation"),
    ("POST", "/v2/flows/executions/{execution_id}/tasks/{task_id}/execute", "executeTask"),
    ("PATCH", "/v2/flows/executions/{execution_id}/phases/{phase_id}", "patchPhase"),
    ("POST", "/v2/flows/executions/{execution_id}/tasks", "addTask"),
    ("DELETE", "/v2/flows/executions/{execution_id}/tasks/{task_id}/schedule", "cancelTaskSchedule"),
    ("POST", "/v2/flows/executions/{execution_id}/tasks/{task_id}/reconcile-automation", "reconcileAutomationTask"),
    ("POST", "/v2/flows/executions/{execution_id}/tasks/{task_id}/schedule/run-now", "runTaskScheduleNow"),
]


def test_every_seed_operation_is_in_the_spec():
    assert_operations("workflow-executions", OPERATIONS)
