"""`flowmock fixtures to-state`: recorded responses become the seed data a server loads."""
from __future__ import annotations

import json

import yaml

from mock_server.recording.cassette import Cassette, Interaction, Request, Response, write_cassette
from mock_server.cli import main
from mock_server.recording.drift import load_specs
from mock_server.recording.harvest import harvest
from tests.mock_server.recording import WF, WS, record_session


def test_recorded_reads_become_stored_objects_a_server_loads(serve, tmp_path, capsys):
    upstream = serve(seed=21)
    cassette = tmp_path / "session.yaml"
    sent = record_session(upstream.url, cassette)
    out = tmp_path / "state"
    assert main(["fixtures", "to-state", str(cassette), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1 object(s) from 5 exchange(s) (1 ignored)" in printed, printed

    [path] = sorted(out.glob("*.yaml"))
    doc = yaml.safe_load(path.read_text())
    assert (doc["version"], doc["spec"], doc["resource"]) == (1, "workspace-workflows", "/api/v2/w/{workspace_uuid}/workflows")
    assert doc["parents"] == {"workspace_uuid": WS}
    [item] = doc["items"]
    assert item == json.loads(sent[4].body)[0] and item["name"] == "Lead intake v2", "the latest recorded state wins"

    seeded = serve(seed=5, fixtures_dir=out)
    got = seeded.client.get(f"{WF}/{item['id']}")
    assert got.status_code == 200 and got.json()["name"] == "Lead intake v2"


def _exchange(method: str, path: str, status: int, body: object = None) -> Interaction:
    content = json.dumps(body).encode() if body is not None else b""
    headers = {"Content-Type": ["application/json"]} if body is not None else {}
    return Interaction(Request(method, f"https://api.example.com{path}"), Response(status, "", headers, content))


def test_deletes_remove_objects_and_invalid_or_unrouted_ones_are_left_out_with_a_note(tmp_path):
    def workflow(wid: int, **extra: object) -> dict:
        return {"id": wid, "uuid": "3f6c2a1e-8b4d-4e7a-9c21-5d0f7e9a1b34", "name": f"W{wid}", "archived": False,
                "description": None, "ownerId": 7, "agentId": None, "startTaskId": None,
                "tasks": [], "permissions": {"use": True, "edit": True}, "createdAt": "2025-01-01T00:00:00Z",
                "updatedAt": "2025-01-01T00:00:00Z", **extra}

    path = tmp_path / "c.yaml"
    write_cassette(Cassette([
        _exchange("GET", WF, 200, [workflow(1), workflow(2), workflow(3)]),
        _exchange("DELETE", f"{WF}/2", 204),
        _exchange("GET", f"{WF}/3", 200, workflow(3, archived="maybe")),
        _exchange("GET", f"{WF}/9", 404, {"title": "Not Found"}),
        _exchange("GET", "/nowhere", 200, {}),
    ]), path)
    result = harvest([path], load_specs())
    [(key, items)] = result.buckets.items()
    assert key == ("workspace-workflows", "/api/v2/w/{workspace_uuid}/workflows", (WS,))
    assert list(items) == ["1", "3"] and items["3"]["archived"] is False, "an invalid later version is not taken"
    assert any("archived" in note and "=3" in note for note in result.notes)
    assert (result.used, result.ignored) == (3, 2)
