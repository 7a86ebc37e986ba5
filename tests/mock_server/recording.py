"""Shared by the record/replay/drift tests: record a real session through the proxy into a cassette."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from mock_server.recording.cassette import Redaction
from mock_server.recording.record import RecordingProxy, RecordMode, open_cassette
from mock_server.server import BackgroundServer

TOKEN = "sk-live-7f3a9c1e5b2d4a60e8"
API_KEY = "ak-5be2c0d94f1e7a38"
COOKIE_SECRET = "sess-b41d9e07aa52c3f6"
QUERY_SECRET = "qs-0c4e8b11-access"
RESUME_SECRET = "rt-9d1f0a2b7c3e4d5f-resume"
SECRETS = (TOKEN, API_KEY, COOKIE_SECRET, QUERY_SECRET, RESUME_SECRET)
WS = "3f6c2a1e-8b4d-4e7a-9c21-5d0f7e9a1b34"
WF = f"/api/v2/w/{WS}/workflows"
RESUME = "/v1/automation/public/executions:resume"
CLIENT_HEADERS = {"Authorization": f"Bearer {TOKEN}", "X-Api-Key": API_KEY}


@dataclass
class Sent:
    """One request made through the proxy and the answer the client got."""

    method: str
    path: str
    params: dict[str, str] | None
    json: Any
    headers: dict[str, str] | None
    status: int
    body: bytes


def record_session(upstream_url: str, out: Path) -> list[Sent]:
    """Create, read, update, re-read and list workflows, and resume an execution with a token, via the proxy."""
    writer = open_cassette(out, upstream_url, Redaction(), RecordMode.OVERWRITE)
    sent: list[Sent] = []
    with BackgroundServer(RecordingProxy(upstream_url, writer)) as proxy, \
            httpx.Client(base_url=proxy.url, headers=CLIENT_HEADERS, timeout=30) as client:

        def call(method: str, path: str, params: dict[str, str] | None = None, json: Any = None,
                 headers: dict[str, str] | None = None) -> httpx.Response:
            response = client.request(method, path, params=params, json=json, headers=headers)
            sent.append(Sent(method, path, params, json, headers, response.status_code, response.content))
            return response

        created = call("POST", WF, json={"name": "Lead intake", "description": "Qualifies inbound leads"})
        assert created.status_code == 201, created.text
        wid = created.json()["id"]
        call("GET", f"{WF}/{wid}", headers={"Cookie": f"session={COOKIE_SECRET}; theme=dark"})
        call("PUT", f"{WF}/{wid}", json={"name": "Lead intake v2"})
        call("GET", f"{WF}/{wid}", headers={"Cookie": f"session={COOKIE_SECRET}; theme=dark"})
        call("GET", WF, params={"archived": "false", "access_token": QUERY_SECRET})
        call("POST", RESUME, json={"resume_token": RESUME_SECRET})  # no execution is paused: a recorded 404
    assert all(200 <= s.status < 300 or s.path == RESUME for s in sent), [(s.method, s.path, s.status, s.body) for s in sent]
    assert sent[-1].status == 404
    return sent
