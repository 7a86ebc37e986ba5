"""A write's changes to the store can be undone whole: objects, collections, counters, the clock, in-place edits."""
from __future__ import annotations

import copy
import json
import pickle

from mock_server.request_path.store import TenantState


def test_rollback_undoes_every_kind_of_change_and_commit_keeps_them() -> None:
    state = TenantState(buckets={"api|/flows": {"f1": {"id": "f1", "tasks": [{"id": "t1"}]}}})
    before = copy.deepcopy(state.buckets)
    state.begin()
    flows = state.bucket("api|/flows")
    flows["f2"] = {"id": "f2", "tasks": []}
    del flows["f1"]
    state.bucket("api|/flows/{id}/tasks|f2")["t9"] = {"id": "t9"}
    state.next_count("api:createFlow")
    state.tick()
    state.rollback()
    assert state.buckets == before and state.counters == {} and state.ticks == 0

    state.begin()
    found = state.find("api", "/flows", "f1")
    assert found is not None
    found["tasks"].append({"id": "t2"})  # a domain rule editing a stored object in place
    found["status"] = "DONE"
    state.rollback()
    assert state.buckets == before

    state.begin()
    state.bucket("api|/flows")["f3"] = {"id": "f3"}
    state.commit()
    state.bucket("api|/flows")["f4"] = {"id": "f4"}  # outside a write: nothing is remembered
    assert set(state.buckets["api|/flows"]) == {"f1", "f3", "f4"}


def test_collections_export_copy_and_pickle_as_plain_dicts() -> None:
    state = TenantState()
    state.bucket("api|/flows")["f1"] = {"id": "f1"}
    assert type(copy.deepcopy(state.buckets)["api|/flows"]) is dict
    assert type(pickle.loads(pickle.dumps(state.buckets))["api|/flows"]) is dict
    assert json.loads(json.dumps(state.buckets)) == {"api|/flows": {"f1": {"id": "f1"}}}
