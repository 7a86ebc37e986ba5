"""Workspace Workflows (seed 004) over HTTP: lookup by id or uuid, tasks, cascade delete, preview, clone, 403s."""
from __future__ import annotations

import httpx
import pytest

WS = "/api/v2/w/ws-sales/workflows"
OTHER_WS = "/api/v2/w/ws-support/workflows"
LEAD_TASKS = [
    {"id": 1, "name": "Collect lead details", "description": "Ask for company size, budget and timeline."},
    {"id": 2, "name": "Qualify lead", "description": None},
    {"id": 3, "name": "Route to sales rep"},
]


@pytest.fixture
def server(serve):
    return serve(seed=7, fixtures_dir=None)


@pytest.fixture
def colleague(server):
    """A second workspace member: another credential on the same server."""
    client = httpx.Client(base_url=server.url, headers={"Authorization": "Bearer colleague-token"}, timeout=30)
    yield client
    client.close()


def _create(c: httpx.Client, name: str = "Inbound lead qualification", base: str = WS, **fields) -> dict:
    created = c.post(base, json={"name": name, "tasks": LEAD_TASKS, "startTaskId": 2, **fields})
    assert created.status_code == 201, created.text
    return created.json()


def test_a_workflow_is_found_by_its_integer_id_or_its_uuid_on_every_operation(server):
    c = server.client
    workflow = _create(c)
    by_id, by_uuid = c.get(f"{WS}/{workflow['id']}"), c.get(f"{WS}/{workflow['uuid']}")
    assert by_id.status_code == by_uuid.status_code == 200
    assert by_id.json() == by_uuid.json() == workflow
    ref = f"{WS}/{workflow['uuid']}"
    assert c.put(ref, json={"description": "Books a discovery call"}).json()["description"] == "Books a discovery call"
    assert c.get(f"{ref}/deletion-preview").json()["taskCount"] == 3
    assert c.post(f"{ref}/archive").json() == {"status": "success"}
    assert [w["id"] for w in c.get(WS, params={"archived": "true"}).json()] == [workflow["id"]]
    assert c.post(f"{ref}/unarchive").json() == {"status": "success"}
    clone = c.post(f"{ref}/clone", json={"name": "Lead qualification EMEA"})
    assert clone.status_code == 201, clone.text
    assert c.delete(ref, params={"cascade": "true"}).json() == {"status": "success", "deletedTaskCount": 3}
    assert c.get(f"{WS}/{workflow['id']}").status_code == 404
    assert c.get(f"{WS}/{clone.json()['uuid']}").json()["name"] == "Lead qualification EMEA"


def test_an_unknown_or_malformed_identifier_is_refused_naming_it(server):
    c = server.client
    _create(c)
    unknown = "0b9e4c1a-7d2f-4e8b-9a6c-3f5d1e2b8c70"
    missing = c.get(f"{WS}/{unknown}")
    assert missing.status_code == 404 and unknown in missing.json()["detail"]
    assert c.delete(f"{WS}/999999").status_code == 404
    malformed = c.get(f"{WS}/not-an-id")
    assert malformed.status_code == 400 and "workflow_id" in malformed.text


def test_a_workflow_belongs_to_its_workspace_only(server):
    c = server.client
    workflow = _create(c)
    for ident in (workflow["id"], workflow["uuid"]):
        assert c.get(f"{OTHER_WS}/{ident}").status_code == 404
        assert c.delete(f"{OTHER_WS}/{ident}", params={"cascade": "true"}).status_code == 404
    assert c.get(OTHER_WS).json() == []
    assert c.get(f"{WS}/{workflow['id']}").status_code == 200, "nothing happened to it"


def test_deleting_a_workflow_with_tasks_without_cascade_is_the_documented_400_and_keeps_it(server):
    c = server.client
    workflow = _create(c)
    for params in ({}, {"cascade": "false"}):
        refused = c.delete(f"{WS}/{workflow['id']}", params=params)
        assert refused.status_code == 400
        assert refused.json()["detail"].startswith("Workflow has existing tasks and cascade=false")
        assert "3 tasks" in refused.json()["detail"]
    assert c.get(f"{WS}/{workflow['id']}").json() == workflow


def test_deleting_with_cascade_removes_the_workflow_and_counts_its_real_tasks(server):
    c = server.client
    keep = _create(c, "Customer onboarding", tasks=LEAD_TASKS[:2])
    workflow = _create(c)
    deleted = c.delete(f"{WS}/{workflow['id']}", params={"cascade": "true"})
    assert deleted.status_code == 200 and deleted.json() == {"status": "success", "deletedTaskCount": 3}
    assert c.get(f"{WS}/{workflow['uuid']}").status_code == 404
    assert c.get(f"{WS}/{workflow['id']}/deletion-preview").status_code == 404
    assert [w["id"] for w in c.get(WS).json()] == [keep["id"]]
    assert c.get(f"{WS}/{keep['id']}").json()["tasks"] == keep["tasks"], "other workflows keep their tasks"


def test_a_workflow_without_tasks_is_deleted_without_cascade_and_counts_zero_with_it(server):
    c = server.client
    plain = c.post(WS, json={"name": "Meter change"}).json()
    assert plain["tasks"] == [] and plain["startTaskId"] is None
    assert c.delete(f"{WS}/{plain['id']}").json() == {"status": "success"}
    other = c.post(WS, json={"name": "Contract cancellation"}).json()
    assert c.delete(f"{WS}/{other['id']}", params={"cascade": "true"}).json() == {"status": "success", "deletedTaskCount": 0}


def test_deletion_preview_lists_the_real_tasks_and_whether_assignments_use_the_workflow(server):
    c = server.client
    workflow = _create(c)
    preview = c.get(f"{WS}/{workflow['id']}/deletion-preview")
    assert preview.status_code == 200
    assert preview.json() == {"taskCount": 3, "hasAssignments": False, "tasks": [
        {"id": t["id"], "name": t["name"], "description": t["description"]} for t in workflow["tasks"]]}
    state = httpx.get(server.url + "/__flowmock/state").json()
    for bucket in state["tenants"]["default"]["buckets"].values():
        for stored in bucket.values():
            if stored.get("uuid") == workflow["uuid"]:
                stored["assignmentCount"] = 2
    assert httpx.put(server.url + "/__flowmock/state", json=state).status_code == 200
    assert c.get(f"{WS}/{workflow['uuid']}/deletion-preview").json()["hasAssignments"] is True


def test_created_tasks_get_ids_of_their_own_and_the_start_task_follows(server):
    c = server.client
    first, second = _create(c), _create(c, "Lead qualification (partners)")
    assert [t["name"] for t in first["tasks"]] == [t["name"] for t in LEAD_TASKS]
    assert first["tasks"][2]["description"] is None, "a task sent without description has a null one"
    ids = [t["id"] for t in first["tasks"] + second["tasks"]]
    assert len(set(ids)) == 6 and all(isinstance(i, int) for i in ids)
    assert first["startTaskId"] == first["tasks"][1]["id"] and second["startTaskId"] == second["tasks"][1]["id"]
    wrong = c.post(WS, json={"name": "Broken", "tasks": LEAD_TASKS, "startTaskId": 9})
    assert wrong.status_code == 400 and "startTaskId 9" in wrong.json()["detail"]
    assert len(c.get(WS).json()) == 2, "a refused create stores nothing"


def test_update_checks_the_start_task_and_keeps_what_the_client_does_not_own(server):
    c = server.client
    workflow, other = _create(c), _create(c, "Customer onboarding")
    foreign = c.put(f"{WS}/{workflow['id']}", json={"startTaskId": other["tasks"][0]["id"]})
    assert foreign.status_code == 400 and "startTaskId" in foreign.json()["detail"]
    moved = c.put(f"{WS}/{workflow['id']}", json={"startTaskId": workflow["tasks"][2]["id"], "id": 77,
                                                  "uuid": "0b9e4c1a-7d2f-4e8b-9a6c-3f5d1e2b8c70", "tasks": []})
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["startTaskId"] == workflow["tasks"][2]["id"]
    assert (body["id"], body["uuid"], body["tasks"]) == (workflow["id"], workflow["uuid"], workflow["tasks"])
    assert body["updatedAt"] >= workflow["updatedAt"] and body["createdAt"] == workflow["createdAt"]


def test_clone_copies_the_workflow_and_its_tasks_with_new_ids_owned_by_the_caller(server, colleague):
    c = server.client
    source = _create(c, agentId=311, permissions={"use": True, "edit": False})
    own = colleague.post(WS, json={"name": "Colleague's own"}).json()
    clone = colleague.post(f"{WS}/{source['id']}/clone", json={"name": "Lead qualification (copy)"})
    assert clone.status_code == 201, clone.text
    copy_ = clone.json()
    assert copy_["id"] not in (source["id"], own["id"]) and copy_["uuid"] != source["uuid"]
    assert copy_["ownerId"] == own["ownerId"] != source["ownerId"], "owned by the member who cloned it"
    assert copy_["permissions"] == {"use": True, "edit": True}
    assert (copy_["description"], copy_["agentId"]) == (source["description"], 311)
    assert [(t["name"], t["description"]) for t in copy_["tasks"]] == [(t["name"], t["description"]) for t in source["tasks"]]
    assert not {t["id"] for t in copy_["tasks"]} & {t["id"] for t in source["tasks"]}
    assert copy_["startTaskId"] == copy_["tasks"][1]["id"], "the start task is the copy of the source's"
    assert colleague.get(f"{WS}/{copy_['uuid']}").json() == copy_
    assert colleague.put(f"{WS}/{copy_['id']}", json={"name": "Lead qualification (mine)"}).status_code == 200
    assert c.get(f"{WS}/{source['id']}").json() == source, "the source is unchanged"


def test_cloning_to_a_name_already_used_in_the_workspace_is_the_documented_409(server):
    c = server.client
    source = _create(c)
    archived = _create(c, "Customer onboarding")
    c.post(f"{WS}/{archived['id']}/archive")
    for name in ("Inbound lead qualification", "  inbound LEAD qualification ", "Customer onboarding"):
        clone = c.post(f"{WS}/{source['id']}/clone", json={"name": name})
        assert clone.status_code == 409 and "already exists" in clone.json()["detail"], name
    assert len(c.get(WS).json()) + len(c.get(WS, params={"archived": "true"}).json()) == 2, "nothing was created"
    other = _create(c, base=OTHER_WS)
    assert c.post(f"{OTHER_WS}/{other['id']}/clone", json={"name": "Customer onboarding"}).status_code == 201, \
        "names are unique per workspace only"
    assert c.post(f"{WS}/{source['id']}/clone", json={"name": ""}).status_code == 400


def test_archive_hides_a_workflow_from_the_default_list_and_unarchive_restores_it(server):
    c = server.client
    workflow, other = _create(c), _create(c, "Customer onboarding")
    assert c.post(f"{WS}/{workflow['id']}/archive").json() == {"status": "success"}
    assert [w["id"] for w in c.get(WS).json()] == [other["id"]]
    archived = c.get(WS, params={"archived": "true"}).json()
    assert [(w["id"], w["archived"]) for w in archived] == [(workflow["id"], True)]
    assert c.get(f"{WS}/{workflow['id']}").json()["archived"] is True, "an archived workflow can still be read"
    assert c.post(f"{WS}/{workflow['id']}/unarchive").json() == {"status": "success"}
    assert sorted(w["id"] for w in c.get(WS).json()) == sorted([workflow["id"], other["id"]])
    assert c.get(WS, params={"archived": "true"}).json() == []


def test_a_member_without_edit_permission_gets_the_documented_403s_and_changes_nothing(server, colleague):
    c = server.client
    workflow = _create(c, permissions={"use": True, "edit": False})
    assert workflow["permissions"] == {"use": True, "edit": True}, "the owner may do everything"
    seen = colleague.get(f"{WS}/{workflow['uuid']}")
    assert seen.status_code == 200 and seen.json()["permissions"] == {"use": True, "edit": False}
    assert colleague.get(WS).json()[0]["permissions"] == {"use": True, "edit": False}
    refused = [
        colleague.put(f"{WS}/{workflow['id']}", json={"name": "Taken over"}),
        colleague.post(f"{WS}/{workflow['id']}/archive"),
        colleague.post(f"{WS}/{workflow['id']}/unarchive"),
        colleague.get(f"{WS}/{workflow['id']}/deletion-preview"),
        colleague.delete(f"{WS}/{workflow['id']}", params={"cascade": "true"}),
    ]
    for response in refused:
        assert response.status_code == 403, response.text
        assert '"edit" permission' in response.json()["detail"]
    assert c.get(f"{WS}/{workflow['id']}").json() == workflow, "refused calls change nothing"


def test_a_member_without_use_permission_cannot_read_or_clone_and_only_the_owner_sets_permissions(server, colleague):
    c = server.client
    workflow = _create(c, permissions={"use": False, "edit": False})
    for response in (colleague.get(f"{WS}/{workflow['id']}"),
                     colleague.post(f"{WS}/{workflow['uuid']}/clone", json={"name": "Sneaky copy"})):
        assert response.status_code == 403 and '"use" permission' in response.json()["detail"]
    assert len(c.get(WS).json()) == 1, "the refused clone created nothing"
    opened = c.put(f"{WS}/{workflow['id']}", json={"permissions": {"use": True, "edit": True}})
    assert opened.status_code == 200
    assert colleague.get(f"{WS}/{workflow['id']}").json()["permissions"] == {"use": True, "edit": True}
    grab = colleague.put(f"{WS}/{workflow['id']}", json={"permissions": {"use": False, "edit": False}})
    assert grab.status_code == 403 and "owner" in grab.json()["detail"]
    assert colleague.put(f"{WS}/{workflow['id']}", json={"description": "Now shared"}).status_code == 200
    assert c.get(f"{WS}/{workflow['id']}").json()["description"] == "Now shared"


def test_a_workflow_from_a_template_has_tasks_of_its_own(server):
    c = server.client
    template = f"{WS}/templates/3f6c2a1e-8b4d-4e7a-9c21-5d0f7e9a1b34/create-workflow"
    first, second = c.post(template, json={}), c.post(template, json={})
    assert first.status_code == second.status_code == 201, second.text
    a, b = first.json(), second.json()
    assert a["id"] != b["id"] and a["uuid"] != b["uuid"]
    ids = [t["id"] for t in a["tasks"] + b["tasks"]]
    assert len(ids) == len(set(ids)), "task ids are never shared"
    for workflow in (a, b):
        assert workflow["startTaskId"] in [t["id"] for t in workflow["tasks"]] + [None]
        assert workflow["permissions"] == {"use": True, "edit": True} and workflow["archived"] is False
    assert a["ownerId"] == _create(c)["ownerId"], "owned by the caller"

