"""Credentials never reach the journal, the exported state or a log: the same rules as cassettes."""
from __future__ import annotations

import hashlib
import json
import logging

import httpx
import pytest

from mock_server.recording.cassette import Redaction
from mock_server.recording.record import RecordingProxy, open_cassette
from mock_server.server import BackgroundServer, free_port
from tests.mock_server.recording import SECRETS, record_session

WS = "/api/v2/w/7d7a6e0c-3f0e-4c53-9a43-0b7f3d8d2a11/workflows"
TOKEN = "tok-live-5c1e9a77f02b4d68"
API_KEY = "ak-query-90d2e4f1b7"
ACCESS = "at-query-3b8c6d0e1a"


def server_logs(caplog: pytest.LogCaptureFixture) -> str:
    """What the server logged (the test's own httpx client logs the URLs it sends: not the server's doing)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx")


def everything_the_admin_api_shows(url: str) -> str:
    """The journal and the exported state, as text."""
    return httpx.get(url + "/__flowmock/journal").text + httpx.get(url + "/__flowmock/state").text


def test_query_string_credentials_are_redacted_in_the_journal_and_logs(serve, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    running = serve(seed=4)
    listed = running.client.get(WS, params={"api_key": API_KEY, "access_token": ACCESS, "archived": "false"})
    assert listed.status_code == 200
    running.client.get(WS + "/not-a-uuid", params={"api_key": API_KEY})
    journal = httpx.get(running.url + "/__flowmock/journal").json()
    assert journal[0]["query"] == "api_key=REDACTED&access_token=REDACTED&archived=false"
    shown = everything_the_admin_api_shows(running.url)
    for secret in (API_KEY, ACCESS, "test-token"):
        assert secret not in shown
        assert secret not in server_logs(caplog)


def test_token_tenants_are_a_stable_hash_never_the_token(serve, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    running = serve(seed=4, isolate_by="token")
    mine = {"Authorization": f"Bearer {TOKEN}"}
    created = httpx.post(running.url + WS, json={"name": "mine"}, headers=mine)
    assert created.status_code == 201
    httpx.post(running.url + WS, json={"name": "theirs"}, headers={"Authorization": "Bearer t"})
    tenant = "token:sha256-" + hashlib.sha256(TOKEN.encode()).hexdigest()[:16]
    state = httpx.get(running.url + "/__flowmock/state").json()
    assert tenant in state["tenants"] and len(state["tenants"]) == 2
    assert [e["tenant"] for e in httpx.get(running.url + "/__flowmock/journal").json()][0] == tenant
    assert TOKEN not in everything_the_admin_api_shows(running.url) and TOKEN not in caplog.text

    assert httpx.post(running.url + "/__flowmock/reset", params={"tenant": tenant}).status_code == 200
    assert httpx.get(running.url + WS, headers=mine).json() == []
    assert [w["name"] for w in httpx.get(running.url + WS, headers={"Authorization": "Bearer t"}).json()] == ["theirs"]
    httpx.post(running.url + WS, json={"name": "again"}, headers=mine)
    assert tenant in httpx.get(running.url + "/__flowmock/state").json()["tenants"], "the same token, the same tenant"


def test_isolating_by_a_credential_header_hashes_it_but_a_team_header_stays_readable(serve) -> None:
    running = serve(seed=4, isolate_by="header:X-Api-Key")
    httpx.post(running.url + WS, json={"name": "k"}, headers={"X-Api-Key": API_KEY, "Authorization": "Bearer t"})
    tenants = list(httpx.get(running.url + "/__flowmock/state").json()["tenants"])
    assert tenants == ["header:sha256-" + hashlib.sha256(API_KEY.encode()).hexdigest()[:16]]
    team = serve(seed=4, isolate_by="header:X-Team")
    httpx.post(team.url + WS, json={"name": "k"}, headers={"X-Team": "blue", "Authorization": "Bearer t"})
    assert list(httpx.get(team.url + "/__flowmock/state").json()["tenants"]) == ["header:blue"]


def test_the_recorder_logs_no_secret_its_cassette_redacts(serve, tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    upstream = serve(seed=1)
    record_session(upstream.url, tmp_path / "c.yaml")
    assert "recorded GET" in caplog.text, "the recorder logs each exchange"
    for secret in SECRETS:
        assert secret not in caplog.text
        assert secret not in everything_the_admin_api_shows(upstream.url)

    dead = f"http://127.0.0.1:{free_port()}"
    writer = open_cassette(tmp_path / "dead.yaml", dead, Redaction())
    with BackgroundServer(RecordingProxy(dead, writer, timeout=5)) as proxy:
        failed = httpx.get(proxy.url + "/x", params={"access_token": ACCESS}, timeout=30)
    assert failed.status_code == 502 and "access_token=REDACTED" in failed.json()["detail"]
    assert ACCESS not in failed.text and ACCESS not in caplog.text


def test_requests_refused_by_a_limit_keep_query_secrets_out_of_the_journal(serve) -> None:
    running = serve(seed=4, max_url=512)
    too_long = httpx.get(running.url + WS, params={"api_key": API_KEY, "q": "x" * 600}, headers={"Authorization": "Bearer t"})
    assert too_long.status_code == 414
    entry = httpx.get(running.url + "/__flowmock/journal").json()[-1]
    assert entry["status"] == 414 and entry["source"] == "refused"
    assert API_KEY not in json.dumps(entry)
