"""Replay recorded traffic through `flowmock serve --replay`: byte-identical bodies, order, near misses, fallback."""
from __future__ import annotations

import json

import httpx
import pytest

from mock_server.recording.cassette import (REDACTED, Cassette, Interaction, Request, Response, read_cassette,
                                  write_cassette)
from mock_server.errors import ConfigError
from mock_server.recording.replay import ReplayMiddleware
from mock_server.server import BackgroundServer
from tests.mock_server.recording import QUERY_SECRET, RESUME, WF, record_session


@pytest.fixture
def recorded(serve, tmp_path):
    upstream = serve(seed=7, strict_responses=True)
    out = tmp_path / "session.yaml"
    return out, record_session(upstream.url, out)


def _call(client: httpx.Client, exchange) -> httpx.Response:
    return client.request(exchange.method, exchange.path, params=exchange.params, json=exchange.json,
                          headers=exchange.headers)


def test_replay_serves_byte_identical_bodies_in_recorded_order(serve, recorded):
    path, sent = recorded
    replaying = serve(seed=99, replay=(path,), replay_strict=True)  # another seed: the mock would answer differently
    cassette = read_cassette(path)
    for exchange, interaction in zip(sent, cassette.interactions):
        got = _call(replaying.client, exchange)
        assert got.status_code == exchange.status
        assert got.content == interaction.response.body
        if exchange.path != RESUME:
            assert got.content == exchange.body, f"{exchange.method} {exchange.path}: not byte-identical"
        assert got.headers["content-type"] == interaction.response.header("content-type")
    resumed = json.loads(cassette.interactions[5].response.body)
    assert resumed.get("resume_token", REDACTED) == REDACTED, "a secret in a response is replayed redacted"

    first_read, second_read = sent[1], sent[3]
    assert first_read.body != second_read.body, "the update changed what the read returns"
    again = _call(replaying.client, second_read)
    assert again.content == second_read.body, "when recordings run out the last one repeats"


def test_identical_requests_replay_in_order_from_the_start(serve, recorded):
    path, sent = recorded
    replaying = serve(seed=99, replay=(path,), replay_strict=True)
    reads = [_call(replaying.client, sent[1]).content for _ in range(3)]
    assert reads == [sent[1].body, sent[3].body, sent[3].body]


def test_matching_is_by_json_value_query_set_and_redacted_secrets(serve, recorded):
    path, sent = recorded
    replaying = serve(seed=99, replay=(path,), replay_strict=True)
    create = sent[0]
    reordered = json.dumps({"description": create.json["description"], "name": create.json["name"]}, indent=4)
    got = replaying.client.post(WF, content=reordered, headers={"Content-Type": "application/json"})
    assert got.status_code == 201 and got.content == create.body, "JSON bodies are compared as JSON"
    listed = replaying.client.get(f"{WF}?access_token=another-secret&archived=false")
    assert listed.status_code == 200 and listed.content == sent[4].body, \
        "query order does not matter, and a token is compared redacted (any value matches)"
    assert QUERY_SECRET not in listed.text


def test_strict_miss_names_the_closest_recorded_request_and_what_differed(serve, recorded):
    path, sent = recorded
    replaying = serve(seed=99, replay=(path,), replay_strict=True)
    wid = json.loads(sent[0].body)["id"]
    miss = replaying.client.get(f"{WF}/{wid}", params={"expand": "tasks"})
    assert miss.status_code == 404
    assert miss.headers["content-type"] == "application/problem+json"
    problem = miss.json()
    assert problem["type"].endswith("/replay-miss")
    closest = problem["closest"][0]
    assert (closest["method"], closest["path"]) == ("GET", f"{WF}/{wid}")
    assert [f["matcher"] for f in closest["failed"]] == ["query"]
    assert "expand=tasks" in closest["failed"][0]["reason"]
    assert f"closest: GET {WF}/{wid}" in problem["detail"]

    body_miss = replaying.client.post(WF, json={"name": "Something else", "description": "Qualifies inbound leads"})
    nearest = body_miss.json()["closest"][0]
    assert body_miss.status_code == 404 and (nearest["method"], nearest["path"]) == ("POST", WF)
    assert nearest["failed"][0]["matcher"] == "body" and "$.name" in nearest["failed"][0]["reason"]


def test_without_strict_an_unmatched_request_falls_back_to_the_stateful_mock(serve, recorded):
    path, sent = recorded
    replaying = serve(seed=99, replay=(path,))
    assert _call(replaying.client, sent[0]).content == sent[0].body
    fallback = replaying.client.post(WF, json={"name": "Only in the mock"})
    assert fallback.status_code == 201 and fallback.json()["name"] == "Only in the mock"
    assert replaying.client.get("/v1/workflows/definitions").status_code == 200
    assert replaying.client.get("/__flowmock/journal").status_code == 200, "admin routes are never replayed"


def test_replay_of_a_hand_written_vcr_cassette_with_a_base_path_and_binary_body(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    cassette = Cassette([
        Interaction(Request("GET", "https://api.example.com/v2/logo?size=s", {}),
                    Response(200, "OK", {"Content-Type": ["image/png"], "Transfer-Encoding": ["chunked"]}, png)),
    ], upstream="https://api.example.com/v2")
    write_cassette(cassette, tmp_path / "logo.yaml")
    assert "!!binary" in (tmp_path / "logo.yaml").read_text()

    async def never(scope, receive, send):  # the strict replay must not reach the app
        raise AssertionError("reached the app")

    with BackgroundServer(ReplayMiddleware(never, [tmp_path / "logo.yaml"], strict=True)) as server:
        got = httpx.get(server.url + "/logo?size=s", timeout=30)
        head = httpx.head(server.url + "/logo?size=s", timeout=30)
    assert got.content == png and got.headers["content-length"] == str(len(png))
    assert "transfer-encoding" not in got.headers
    assert head.status_code == 404, "HEAD is its own method; only recorded methods replay"


def test_a_missing_cassette_is_a_config_error_naming_the_file(tmp_path):
    with pytest.raises(ConfigError, match="nope.yaml"):
        ReplayMiddleware(lambda *a: None, [tmp_path / "nope.yaml"])


def test_replayed_answers_are_journaled_carry_cors_and_reset_rewinds(tmp_path, serve):
    """A browser frontend replaying offline gets CORS headers; the journal and admin reset know about replay."""
    import httpx

    from mock_server.recording.cassette import Cassette, Interaction, Request, Response, write_cassette

    cassette = tmp_path / "one.yaml"
    path = "/api/v2/w/7d7a6e0c-3f0e-4c53-9a43-0b7f3d8d2a11/workflows"
    uri = "http://upstream.example" + path
    write_cassette(Cassette(interactions=[
        Interaction(Request("GET", uri, {}, b""), Response(200, "OK", {"Content-Type": ["application/json"]}, b'[{"n": 1}]')),
        Interaction(Request("GET", uri, {}, b""), Response(200, "OK", {"Content-Type": ["application/json"]}, b'[{"n": 2}]')),
    ]), cassette)
    running = serve(seed=1, replay=(cassette,), replay_strict=True)
    headers = {"Origin": "http://localhost:5173"}
    first = httpx.get(running.url + path, headers=headers)
    assert first.content == b'[{"n": 1}]' and first.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert httpx.get(running.url + path).content == b'[{"n": 2}]'
    journal = httpx.get(running.url + "/__flowmock/journal").json()
    assert [(e["source"], e["status"]) for e in journal] == [("replay", 200), ("replay", 200)]
    httpx.post(running.url + "/__flowmock/reset")
    assert httpx.get(running.url + path).content == b'[{"n": 1}]', "reset rewinds the recorded sequences"
