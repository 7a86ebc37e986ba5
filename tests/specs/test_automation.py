"""The automation spec documents every operation of seed 002 (Automation API)."""
from tests.specs.optable import assert_operations

OPERATIONS = [
    # flows
    ("GET", "/v1/automation/flows", "searchFlows"),
    ("POST", "/v1/automation/flows", "createFlow"),
    ("POST", "/v1/automation/flows:batchGet", "batchGetFlows"),
    ("GET", "/v1/automation/flows/{flow_id}", "getFlow"),
    ("PUT", "/v1/automation/flows/{flow_id}", "putFlow"),
    ("DELETE", "/v1/automation/flows/{flow_id}", "deleteFlow"),
    # executions
    ("GET", "/v1/automation/executions", "getExecutions"),
    ("POST", "/v1/automation/executions", "startExecution"),
    ("GET", "/v1/automation/executions/{execution_id}", "getExecution"),
    ("DELETE", "/v1/automation/executions/{execution_id}", "cancelExecution"),
    ("POST", "/v1/automation/executions/{execution_id}/{action_id}/retrigger", "retriggerAction"),
    ("POST", "/v1/automation/public/executions:resume", "resumeExecutionWithToken"),
    ("DELETE", "/v1/automation/executions/{execution_id}/schedules/{schedule_id}", "cancelSchedule"),
    # bulk
    ("POST", "/v1/automation/executions/bulk-jobs", "bulkTriggerExecutions"),
    ("GET", "/v1/automation/executions/bulk-jobs/{job_id}", "getBulkJob"),
    ("PATCH", "/v1/automation/executions/bulk-jobs/{job_id}", "patchBulkJob"),
]


def test_every_seed_operation_is_in_the_spec():
    assert_operations("automation", OPERATIONS)
