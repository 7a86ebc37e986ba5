"""Workspace Workflows API rules: workflows own their tasks, names are unique per workspace, callers have authority.

A caller is a workspace member identified by its credential (`member_id`). The owner of a workflow may do
everything with it; other members may do what the workflow's stored `permissions` allow (`use`: read and
clone; `edit`: update, archive, unarchive, preview deletion and delete). Responses show the caller's own
`permissions`, as the seed describes them.
"""
from __future__ import annotations

import copy
from typing import Any

from mock_server.request_path.behaviours import Default
from mock_server.request_path.behaviours.support import bad_request, new_id
from mock_server.request_path.crud import Call, Outcome
from mock_server.errors import FieldError, HttpProblem
from mock_server.request_path.store import bucket_key

WORKFLOWS = "/api/v2/w/{workspace_uuid}/workflows"
READ_ONLY = ("id", "uuid", "tasks", "archived", "assignmentCount", "createdAt", "updatedAt")
FULL_AUTHORITY = {"use": True, "edit": True}
ANONYMOUS_MEMBER = 1


# ---- who is calling and what they may do ----
def member_id(call: Call) -> int:
    """The caller's member id: a stable number derived from its credential's pseudonym (1 without one)."""
    if not call.caller.startswith("user-"):
        return ANONYMOUS_MEMBER
    return int(call.caller.removeprefix("user-"), 16) % 900_000 + 100_000


def authority(call: Call, workflow: dict[str, Any]) -> dict[str, bool]:
    """The caller's permissions on a workflow: all for its owner, else the workflow's stored `permissions`."""
    if workflow.get("ownerId") == member_id(call):
        return dict(FULL_AUTHORITY)
    stored = workflow.get("permissions")
    return {flag: not isinstance(stored, dict) or stored.get(flag) is not False for flag in FULL_AUTHORITY}


def _require(call: Call, workflow: dict[str, Any], flag: str, doing: str) -> None:
    """A 403 naming the missing permission unless the caller holds `flag` on the workflow."""
    if not authority(call, workflow)[flag]:
        raise HttpProblem(403, "Forbidden", f"Member {member_id(call)} lacks \"{flag}\" permission on workflow "
                          f"{workflow.get('id')}, needed to {doing} it",
                          [FieldError("path", "workflow_id", f"no {flag} permission")],
                          type="https://flowmock.dev/problems/forbidden")


def _as_seen(call: Call, workflow: dict[str, Any]) -> dict[str, Any]:
    """A workflow as the caller sees it: a copy carrying the caller's own permissions."""
    seen = copy.deepcopy(workflow)
    seen["permissions"] = authority(call, workflow)
    return seen


# ---- lookups ----
def _workspace(call: Call) -> dict[str, Any]:
    """The stored workflows of the call's workspace, by id."""
    return call.state.bucket(bucket_key(call.spec.name, WORKFLOWS, (str(call.path_params.get("workspace_uuid", "")),)))


def _workflow(call: Call) -> dict[str, Any]:
    """The workflow the path names (by id or uuid) in the call's workspace; a 404 naming it when missing."""
    ident = str(call.path_params.get("workflow_id", ""))
    found = _workspace(call).get(ident)
    if not isinstance(found, dict):
        raise HttpProblem(404, "Not Found", f"No workflow with id or uuid '{ident}' exists in workspace "
                          f"'{call.path_params.get('workspace_uuid')}'",
                          [FieldError("path", "workflow_id", "unknown workflow")],
                          type="https://flowmock.dev/problems/unknown-resource")
    return found


def _check_name_free(call: Call, name: Any) -> None:
    """A 409 when another workflow of the workspace already has `name` (trimmed, case-insensitive)."""
    wanted = str(name).strip().casefold()
    for workflow in _workspace(call).values():
        if isinstance(workflow, dict) and str(workflow.get("name", "")).strip().casefold() == wanted:
            raise HttpProblem(409, "Conflict", f"A workflow with the name '{name}' already exists in this workspace "
                              f"(id {workflow.get('id')})", [FieldError("body", "name", "already used in this workspace")],
                              type="https://flowmock.dev/problems/state-conflict")


def _unknown_task(ident: Any, why: str) -> HttpProblem:
    """A 400 naming a `startTaskId` that is none of the workflow's tasks (a 404 would say the workflow is missing)."""
    return bad_request(f"startTaskId {ident} {why}", "startTaskId", "not one of the workflow's tasks")


def _next_task_id(call: Call, skip: dict[str, Any]) -> int:
    """A task id no other stored workflow of this API uses (task ids are unique across workspaces, like workflow ids)."""
    used = [task.get("id") for workflow in call.state.objects(call.spec.name, WORKFLOWS)
            if isinstance(workflow, dict) and workflow is not skip
            for task in workflow.get("tasks") or [] if isinstance(task, dict)]
    return max([0, *(i for i in used if isinstance(i, int) and not isinstance(i, bool))]) + 1


def _own_tasks(call: Call, workflow: dict[str, Any], start_ref: Any) -> None:
    """Give every task of `workflow` a new id and point `startTaskId` at the task that `start_ref` named."""
    first = _next_task_id(call, workflow)
    renamed: dict[Any, int] = {}
    tasks = []
    for offset, task in enumerate(t for t in workflow.get("tasks") or [] if isinstance(t, dict)):
        renamed.setdefault(task.get("id"), first + offset)
        tasks.append({**copy.deepcopy(task), "id": first + offset, "description": task.get("description")})
    workflow["tasks"] = tasks
    workflow["startTaskId"] = renamed.get(start_ref) if start_ref is not None else None


def _stored(call: Call, outcome: Outcome) -> dict[str, Any]:
    """The stored workflow an outcome is about: the one its `Location` names, else the one the path names."""
    location = outcome.headers.get("Location")
    ident = location.rsplit("/", 1)[-1] if location else str(call.path_params.get("workflow_id", ""))
    found: dict[str, Any] = _workspace(call)[ident]
    return found


def _answer(call: Call, outcome: Outcome, workflow: dict[str, Any]) -> Outcome:
    """The outcome showing the workflow as the caller sees it (unless `Prefer: example=` chose another body)."""
    if isinstance(outcome.body, dict) and outcome.body.get("id") == workflow.get("id"):
        outcome.body = _as_seen(call, workflow)
    return outcome


def _query_flag(call: Call, name: str) -> bool:
    """A boolean query parameter (false when absent)."""
    return any(key == name and value.strip().lower() == "true" for key, value in call.query)


# ---- operations ----
def list_workflows(call: Call, default: Default) -> Outcome:
    """The generic list (archived ones only with `archived=true`), each with the caller's permissions."""
    outcome = default(call)
    if isinstance(outcome.body, list):
        outcome.body = [_as_seen(call, w) if isinstance(w, dict) else w for w in outcome.body]
    return outcome


def create_workflow(call: Call, default: Default) -> Outcome:
    """A new workflow owned by the caller (or the `ownerId` sent), with the tasks sent."""
    body = dict(call.body) if isinstance(call.body, dict) else {}
    sent_tasks = [t for t in body.get("tasks") or [] if isinstance(t, dict)]
    start_ref = body.get("startTaskId")
    if start_ref is not None and start_ref not in [t.get("id") for t in sent_tasks]:
        raise _unknown_task(start_ref, "names none of the tasks sent (give that task the same id)")
    call.body = {k: v for k, v in body.items() if k not in READ_ONLY}
    outcome = default(call)
    workflow = _stored(call, outcome)
    workflow.update(tasks=sent_tasks, archived=False, assignmentCount=0, ownerId=body.get("ownerId", member_id(call)),
                    description=body.get("description"), agentId=body.get("agentId"),
                    permissions=dict(FULL_AUTHORITY, **(body.get("permissions") or {})))
    _own_tasks(call, workflow, start_ref)
    return _answer(call, outcome, workflow)


def create_workflow_from_template(call: Call, default: Default) -> Outcome:
    """A workflow (the mock knows no templates: generated, with tasks given new ids) owned by the caller."""
    outcome = default(call)
    workflow = _stored(call, outcome)
    tasks = workflow.get("tasks") or []
    start = workflow.get("startTaskId")
    start_ref = start if start in [t.get("id") for t in tasks if isinstance(t, dict)] else None
    workflow.update(archived=False, assignmentCount=0, ownerId=member_id(call), permissions=dict(FULL_AUTHORITY))
    _own_tasks(call, workflow, start_ref)
    return _answer(call, outcome, workflow)


def get_workflow(call: Call, default: Default) -> Outcome:
    """The workflow, by id or uuid, for a caller with `use` permission."""
    workflow = _workflow(call)
    _require(call, workflow, "use", "read")
    return Outcome(200, _as_seen(call, workflow))


def update_workflow(call: Call, default: Default) -> Outcome:
    """Merges the fields sent (ids, tasks, archive state and timestamps are not the client's to set)."""
    workflow = _workflow(call)
    _require(call, workflow, "edit", "update")
    body = {k: v for k, v in (call.body or {}).items() if k not in READ_ONLY}
    if "permissions" in body and workflow.get("ownerId") != member_id(call):
        raise HttpProblem(403, "Forbidden", f"Only the owner (member {workflow.get('ownerId')}) may change the "
                          f"permissions of workflow {workflow.get('id')}",
                          [FieldError("body", "permissions", "owner only")], type="https://flowmock.dev/problems/forbidden")
    start = body.get("startTaskId")
    if start is not None and start not in [t.get("id") for t in workflow.get("tasks") or [] if isinstance(t, dict)]:
        raise _unknown_task(start, f"is not a task of workflow {workflow.get('id')}")
    if isinstance(body.get("permissions"), dict):
        body["permissions"] = {**(workflow.get("permissions") or FULL_AUTHORITY), **body["permissions"]}
    call.body = body
    outcome = default(call)
    return _answer(call, outcome, _stored(call, outcome))


def delete_workflow(call: Call, default: Default) -> Outcome:
    """Refused (400) while the workflow has tasks unless `cascade=true`, which deletes them with it."""
    workflow = _workflow(call)
    _require(call, workflow, "edit", "delete")
    tasks = len(workflow.get("tasks") or [])
    cascade = _query_flag(call, "cascade")
    if tasks and not cascade:
        raise bad_request(f"Workflow has existing tasks and cascade=false: workflow {workflow.get('id')} has {tasks} "
                          f"task{'s' if tasks != 1 else ''}; send cascade=true to delete them with it",
                          "cascade", "the workflow has tasks", location="query")
    outcome = default(call)
    outcome.body = {"status": "success", "deletedTaskCount": tasks} if cascade else {"status": "success"}
    return outcome


def archive_workflow(call: Call, default: Default) -> Outcome:
    """Archives (or, for unarchive, restores) a workflow for a caller with `edit` permission."""
    _require(call, _workflow(call), "edit", "archive or unarchive")
    return default(call)


def clone_workflow(call: Call, default: Default) -> Outcome:
    """A copy with a new id and uuid, its own copies of the tasks, owned by the caller, under a name not yet used."""
    source = _workflow(call)
    _require(call, source, "use", "clone")
    _check_name_free(call, (call.body or {}).get("name"))
    outcome = default(call)
    clone = _stored(call, outcome)
    clone.update(uuid=new_id(call), ownerId=member_id(call), archived=False, assignmentCount=0)
    _own_tasks(call, clone, source.get("startTaskId"))
    return _answer(call, outcome, clone)


def deletion_preview(call: Call, default: Default) -> Outcome:
    """The tasks a (cascading) delete would remove and whether assignments use the workflow."""
    workflow = _workflow(call)
    _require(call, workflow, "edit", "preview the deletion of")
    tasks = [{"id": t.get("id"), "name": t.get("name"), "description": t.get("description")}
             for t in workflow.get("tasks") or [] if isinstance(t, dict)]
    return Outcome(200, {"taskCount": len(tasks), "tasks": tasks, "hasAssignments": (workflow.get("assignmentCount") or 0) > 0})


BEHAVIOURS = {
    "listWorkflows": list_workflows,
    "createWorkflow": create_workflow,
    "createWorkflowFromTemplate": create_workflow_from_template,
    "getWorkflow": get_workflow,
    "updateWorkflow": update_workflow,
    "deleteWorkflow": delete_workflow,
    "archiveWorkflow": archive_workflow,
    "unarchiveWorkflow": archive_workflow,
    "cloneWorkflow": clone_workflow,
    "getWorkflowDeletionPreview": deletion_preview,
}
