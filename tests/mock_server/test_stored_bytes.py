"""Reads answer the cached bytes of unchanged stored data, and every change shows in the very next read."""
from __future__ import annotations

EXECUTIONS = "/v1/workflows/executions"
DEFINITIONS = "/v1/workflows/definitions"
FLOW = [{"id": "sec-a", "name": "Gather", "type": "SECTION", "order": 1, "steps": [
    {"id": "st-1", "name": "Call client", "type": "STEP", "order": 1}]}]


def _execution(c) -> dict:
    definition = c.post(DEFINITIONS, json={"name": "Onboarding", "flow": FLOW})
    assert definition.status_code == 201, definition.text
    created = c.post(EXECUTIONS, json={"workflowId": definition.json()["id"]})
    assert created.status_code == 201, created.text
    return created.json()


def test_repeated_reads_give_identical_bytes_and_a_write_shows_at_once(serve):
    c = serve(seed=3).client
    ident = _execution(c)["id"]
    first, second = c.get(f"{EXECUTIONS}/{ident}"), c.get(f"{EXECUTIONS}/{ident}")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    listed = c.get(EXECUTIONS).content
    assert c.patch(f"{EXECUTIONS}/{ident}", json={"name": "Renamed"}).status_code in (200, 204)
    assert c.get(f"{EXECUTIONS}/{ident}").json()["name"] == "Renamed"
    assert [e["name"] for e in c.get(EXECUTIONS).json() if e["id"] == ident] == ["Renamed"]
    assert c.get(EXECUTIONS).content != listed


def test_a_nested_change_made_by_a_domain_rule_shows_in_the_next_reads(serve):
    c = serve(seed=3).client
    execution = _execution(c)
    base = f"{EXECUTIONS}/{execution['id']}"
    step = execution["flow"][0]["steps"][0]
    assert c.get(base).json()["flow"][0]["steps"][0]["status"] == "UNASSIGNED"
    c.get(EXECUTIONS)  # cache the list too
    assert c.patch(f"{base}/steps/{step['id']}", json={"status": "IN_PROGRESS"}).status_code == 200
    assert c.get(base).json()["flow"][0]["steps"][0]["status"] == "IN_PROGRESS"
    listed = next(e for e in c.get(EXECUTIONS).json() if e["id"] == execution["id"])
    assert listed["flow"][0]["status"] == "IN_PROGRESS"


def test_a_refused_write_leaves_the_read_as_it_was(serve):
    c = serve(seed=3).client
    execution = _execution(c)
    base = f"{EXECUTIONS}/{execution['id']}"
    before = c.get(base).content
    refused = c.patch(base, json={"status": "CLOSED", "selectedClosingReasons": [{"id": "no-such-reason"}]})
    assert refused.status_code in (400, 409, 422), refused.text
    assert c.get(base).content == before


def test_the_list_follows_creates_deletes_and_queries(serve):
    c = serve(seed=3).client
    names = {d["name"] for d in c.get(DEFINITIONS).json()}
    created = c.post(DEFINITIONS, json={"name": "Fresh one", "flow": []}).json()
    assert {d["name"] for d in c.get(DEFINITIONS).json()} == names | {"Fresh one"}
    assert c.delete(f"{DEFINITIONS}/{created['id']}").status_code in (200, 204)
    assert {d["name"] for d in c.get(DEFINITIONS).json()} == names


def test_one_tenants_write_never_shows_in_anothers_reads(serve):
    running = serve(seed=3, isolate_by="token")
    alice = {"Authorization": "Bearer alice"}
    bob = {"Authorization": "Bearer bob"}
    definition = running.client.post(DEFINITIONS, json={"name": "Shared", "flow": FLOW}, headers=alice).json()
    ident = running.client.post(EXECUTIONS, json={"workflowId": definition["id"]}, headers=alice).json()["id"]
    assert running.client.get(f"{EXECUTIONS}/{ident}", headers=alice).status_code == 200
    assert running.client.get(f"{EXECUTIONS}/{ident}", headers=bob).status_code == 404
    listed = running.client.get(EXECUTIONS, headers=bob).content
    assert running.client.patch(f"{EXECUTIONS}/{ident}", json={"name": "Alice's"}, headers=alice).status_code in (200, 204)
    assert running.client.get(f"{EXECUTIONS}/{ident}", headers=alice).json()["name"] == "Alice's"
    assert running.client.get(f"{EXECUTIONS}/{ident}", headers=bob).status_code == 404
    assert running.client.get(EXECUTIONS, headers=bob).content == listed


def test_bodies_are_compact_utf8_json(serve):
    c = serve(seed=3).client
    created = c.post(DEFINITIONS, json={"name": "Prüfung ✓ 检查", "flow": []})
    assert created.status_code == 201
    assert '"name":"Prüfung ✓ 检查"'.encode() in created.content
    assert b'\\u' not in created.content and b'": ' not in created.content
    assert c.get(f"{DEFINITIONS}/{created.json()['id']}").content == created.content


def test_an_answer_a_domain_rule_edits_is_the_same_read_after_read(serve):
    """The catalogue rule drops INACTIVE reasons from the answer unless asked: reusing a stored list's answer must
    never let that edit leak into the next read, with or without the flag, in either order."""
    c = serve(seed=3).client
    reasons = "/v1/workflows/closing-reasons"
    kept = c.post(reasons, json={"title": "Kept", "status": "ACTIVE"}).json()
    retired = c.post(reasons, json={"title": "Retired", "status": "ACTIVE"}).json()
    assert c.patch(f"{reasons}/{retired['id']}", json={"status": "INACTIVE"}).status_code == 204

    def titles(query: str = "") -> set[str]:
        answer = c.get(reasons + query)
        assert answer.status_code == 200, answer.text
        return {r["title"] for r in answer.json()["reasons"]}

    active = titles()
    assert "Kept" in active and "Retired" not in active
    every = titles("?includeInactive=true")
    assert every >= active | {"Retired", kept["title"]}
    for _ in range(3):
        assert titles() == active
        assert titles("?includeInactive=true") == every
    assert c.patch(f"{reasons}/{retired['id']}", json={"status": "ACTIVE"}).status_code == 204
    assert titles() == active | {"Retired"}
