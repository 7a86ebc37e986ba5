"""HAR import: a browser session becomes a redacted cassette that replays offline."""
from __future__ import annotations

import base64
import json

import pytest

from mock_server.recording.cassette import REDACTED, read_cassette
from mock_server.cli import main
from mock_server.errors import ConfigError
from mock_server.recording.har import har_to_cassette, read_har
from tests.mock_server.recording import WF

PNG = b"\x89PNG\r\n\x1a\n\x00\x00"
WORKFLOW = {"id": 12, "uuid": "3f6c2a1e-8b4d-4e7a-9c21-5d0f7e9a1b34", "name": "Lead intake", "archived": False}


def _entry(method, url, status, text=None, mime="application/json", req_headers=(), post=None, encoding=None):
    content = {"size": len(text or ""), "mimeType": mime}
    if text is not None:
        content["text"] = text
    if encoding:
        content["encoding"] = encoding
    request = {"method": method, "url": url, "httpVersion": "h2", "cookies": [], "queryString": [],
               "headersSize": -1, "bodySize": 0,
               "headers": [{"name": ":authority", "value": "app.example.com"}, *req_headers]}
    if post is not None:
        request["postData"] = post
    return {"startedDateTime": "2025-03-01T10:00:00.000Z", "time": 12.5, "request": request,
            "response": {"status": status, "statusText": "", "httpVersion": "h2", "cookies": [], "redirectURL": "",
                         "headersSize": -1, "bodySize": -1, "content": content,
                         "headers": [{"name": "content-type", "value": mime}, {"name": "content-encoding", "value": "br"},
                                     {"name": "content-length", "value": "999"},
                                     {"name": "set-cookie", "value": "sid=har-cookie-5521; Path=/; HttpOnly"}]},
            "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 2}}


AUTH = [{"name": "authorization", "value": "Bearer har-token-0f9e"}, {"name": "cookie", "value": "sid=har-cookie-5521"}]


def _har(tmp_path):
    entries = [
        _entry("GET", f"https://app.example.com{WF}/12?expand=tasks", 200, json.dumps(WORKFLOW), req_headers=AUTH),
        _entry("POST", "https://app.example.com/oauth/token", 200,
               json.dumps({"access_token": "har-access-77", "token_type": "Bearer", "expires_in": 3600}),
               post={"mimeType": "application/x-www-form-urlencoded",
                     "params": [{"name": "grant_type", "value": "password"}, {"name": "password", "value": "har-pw-31"}]}),
        _entry("POST", f"https://app.example.com{WF}", 201, json.dumps(WORKFLOW), req_headers=AUTH,
               post={"mimeType": "application/json", "text": json.dumps({"name": "Lead intake", "client_secret": "har-cs-8"})}),
        _entry("GET", "https://cdn.example.com/logo.png", 200, base64.b64encode(PNG).decode(), mime="image/png",
               encoding="base64"),
        _entry("GET", "https://app.example.com/blocked.js", 0, None, mime="x-unknown"),
        _entry("GET", "data:image/gif;base64,R0lGOD", 200, "", mime="image/gif"),
    ]
    path = tmp_path / "session.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                                        "pages": [], "entries": entries}}))
    return path


def test_import_har_writes_a_redacted_cassette(tmp_path, capsys):
    har = _har(tmp_path)
    out = tmp_path / "from-har.yaml"
    assert main(["fixtures", "import-har", str(har), "--out", str(out)]) == 0
    assert "wrote 4 exchange(s)" in capsys.readouterr().out
    text = out.read_text()
    for secret in ("har-token-0f9e", "har-cookie-5521", "har-access-77", "har-pw-31", "har-cs-8"):
        assert secret not in text
    cassette = read_cassette(out)
    read, token, create, logo = cassette.interactions
    assert read.request.uri == f"https://app.example.com{WF}/12?expand=tasks"
    assert ":authority" not in read.request.headers and read.request.header("authorization") == f"Bearer {REDACTED}"
    assert read.response.body == json.dumps(WORKFLOW).encode()
    assert read.response.header("content-encoding") is None, "HAR bodies are stored decoded"
    assert read.response.header("content-length") == str(len(read.response.body))
    assert read.recorded_at == "2025-03-01T10:00:00.000Z"
    assert token.request.body == b"grant_type=password&password=REDACTED"
    assert json.loads(token.response.body)["access_token"] == REDACTED
    assert json.loads(create.request.body) == {"name": "Lead intake", "client_secret": REDACTED}
    assert logo.response.body == PNG


def test_url_prefixes_and_skips_are_reported(tmp_path):
    result = har_to_cassette(read_har(_har(tmp_path)), url_prefixes=("https://app.example.com/api/",))
    assert [i.request.method for i in result.cassette.interactions] == ["GET", "POST"]
    assert result.skipped == {"outside the URL prefixes": 3, "not an http(s) URL": 1}
    (tmp_path / "x.har").write_text("{}")
    with pytest.raises(ConfigError, match="not a HAR file"):
        read_har(tmp_path / "x.har")


def test_an_imported_har_replays_offline(serve, tmp_path):
    out = tmp_path / "offline.yaml"
    assert main(["fixtures", "import-har", str(_har(tmp_path)), "--out", str(out)]) == 0
    offline = serve(seed=1, replay=(out,), replay_strict=True)
    got = offline.client.get(f"{WF}/12?expand=tasks")
    assert got.status_code == 200 and got.content == json.dumps(WORKFLOW).encode()
    created = offline.client.post(WF, json={"client_secret": "whatever-the-app-sends", "name": "Lead intake"})
    assert created.status_code == 201 and created.json() == WORKFLOW
    assert offline.client.get("/logo.png").content == PNG, "hosts are not matched: one mock stands in for all of them"
