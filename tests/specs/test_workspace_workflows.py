"""The workspace-workflows spec documents every operation of seed 004 (documented and related)."""
from __future__ import annotations

from tests.specs.optable import assert_operations

BASE = "/api/v2/w/{workspace_uuid}/workflows"

OPERATIONS = [
    # named in the seed's "Related Endpoints" only
    ("GET", BASE, "listWorkflows"),
    ("POST", BASE, "createWorkflow"),
    ("POST", f"{BASE}/templates/{{template_uuid}}/create-workflow", "createWorkflowFromTemplate"),
    # documented
    ("GET", f"{BASE}/{{workflow_id}}", "getWorkflow"),
    ("PUT", f"{BASE}/{{workflow_id}}", "updateWorkflow"),
    ("DELETE", f"{BASE}/{{workflow_id}}", "deleteWorkflow"),
    ("POST", f"{BASE}/{{workflow_id}}/archive", "archiveWorkflow"),
    ("POST", f"{BASE}/{{workflow_id}}/unarchive", "unarchiveWorkflow"),
    ("POST", f"{BASE}/{{workflow_id}}/clone", "cloneWorkflow"),
    ("GET", f"{BASE}/{{workflow_id}}/deletion-preview", "getWorkflowDeletionPreview"),
]


def test_every_seed_operation_is_in_the_spec():
    assert_operations("workspace-workflows", OPERATIONS)
