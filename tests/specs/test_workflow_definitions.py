"""The workflow-definitions spec documents every operation of seed 000 (Workflow Definitions API)."""
from tests.specs.optable import assert_operations

OPERATIONS = [
    ("GET", "/v1/workflows/limits/max-allowed", "getMaxAllowedLimit"),
    ("GET", "/v1/workflows/definitions", "getDefinitions"),
    ("POST", "/v1/workflows/definitions", "createDefinition"),
    ("GET", "/v2/flows/templates", "listFlowTemplates"),
    ("POST", "/v2/flows/templates", "createFlowTemplate"),
    ("POST", "/v2/flows/templates:search", "searchFlowTemplates"),
    ("GET", "/v2/flows/templates/{flowId}", "getFlowTemplate"),
    ("PUT", "/v2/flows/templates/{flowId}", "updateFlowTemplate"),
    ("DELETE", "/v2/flows/templates/{flowId}", "deleteFlowTemplate"),
    ("POST", "/v2/flows/templates/{flowId}/duplicate", "duplicateFlowTemplate"),
    ("GET", "/v2/flows/templates/{flowId}/export", "exportFlowTemplate"),
    ("POST", "/v2/flows/templates/import", "importFlowTemplate"),
    ("GET", "/v1/workflows/definitions/{definitionId}", "getDefinition"),
    ("PUT", "/v1/workflows/definitions/{definitionId}", "updateDefinition"),
    ("DELETE", "/v1/workflows/definitions/{definitionId}", "deleteDefinition"),
    ("GET", "/v1/workflows/closing-reasons", "getAllClosingReasons"),
    ("POST", "/v1/workflows/closing-reasons", "createClosingReason"),
    ("GET", "/v2/workflows/closing-reasons/{reasonId}", "getClosingReason"),
    ("PATCH", "/v2/workflows/closing-reasons/{reasonId}", "updateClosingReason"),
    ("DELETE", "/v2/workflows/closing-reasons/{reasonId}", "deleteClosingReason"),
    ("PATCH", "/v1/workflows/closing-reasons/{reasonId}", "changeReasonStatus"),
    ("GET", "/v1/workflows/definitions/{definitionId}/closing-reasons", "getWorkflowClosingReasons"),
    ("PATCH", "/v1/workflows/definitions/{definitionId}/closing-reasons", "setWorkflowClosingReasons"),
]


def test_every_seed_operation_is_in_the_spec():
    assert_operations("workflow-definitions", OPERATIONS)
