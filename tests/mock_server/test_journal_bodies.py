"""The journal keeps each request's headers and bodies, redacted as cassettes are and bounded; the inspector's endpoints."""
from __future__ import annotations

import json

import httpx

from mock_server.recording.cassette import Cassette, Interaction, Request, Response, write_cassette

WS = "/api/v2/w/7d7a6e0c-3f0e-4c53-9a43-0b7f3d8d2a11/workflows"
TOKEN = "tok-3b9f1c2e8a7d"


def journal(running, **params) -> list[dict]:
    answer = httpx.get(running.url + "/__flowmock/journal", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def headers_of(side: dict) -> dict[str, str]:
    return {name: value for name, value in side["headers"]}


def test_headers_and_bodies_are_journaled_with_credentials_redacted(serve):
    running = serve(seed=3)
    sent = {"name": "kept", "description": "plain text", "settings": {"api_key": "ak-0042", "client_secret": "cs-77"}}
    created = httpx.post(running.url + WS + "?access_token=qt-9&page=1", json=sent,
                         headers={"Authorization": f"Bearer {TOKEN}", "Cookie": "session=cookie-55; theme=dark", "X-Trace": "t-1"})
    assert created.status_code == 201
    entry = journal(running)[-1]
    request, response = entry["request"], entry["response"]
    assert entry["query"] == "access_token=REDACTED&page=1"
    assert headers_of(request)["authorization"] == "Bearer REDACTED"
    assert headers_of(request)["cookie"] == "session=REDACTED; theme=REDACTED"
    assert headers_of(request)["x-trace"] == "t-1", "ordinary headers are kept as sent"
    body = json.loads(request["body"])
    assert body["name"] == "kept" and body["settings"] == {"api_key": "REDACTED", "client_secret": "REDACTED"}
    assert request["size"] == len(created.request.content) and request["truncated"] is False
    assert json.loads(response["body"]) == created.json()
    assert headers_of(response)["content-type"].startswith("application/json")
    assert response["size"] == len(created.content) and response["truncated"] is False
    text = json.dumps(journal(running))
    for secret in (TOKEN, "cookie-55", "qt-9", "ak-0042", "cs-77"):
        assert secret not in text, secret


def test_a_credential_echoed_in_a_body_is_masked(serve):
    running = serve(seed=3)
    httpx.post(running.url + WS, json={"name": f"named after {TOKEN}"}, headers={"Authorization": f"Bearer {TOKEN}"})
    entry = journal(running)[-1]
    assert TOKEN not in entry["request"]["body"] and TOKEN not in entry["response"]["body"]
    assert "named after REDACTED" in entry["request"]["body"]


def test_long_bodies_are_cut_at_the_body_limit_and_marked(serve):
    running = serve(seed=3, journal_body=200)
    long = {"password": "pw-1234567", "name": "n" * 1000}
    answer = httpx.post(running.url + WS, json=long, headers={"Authorization": "Bearer t"})
    assert answer.status_code == 201
    request = journal(running)[-1]["request"]
    assert request["truncated"] is True and request["size"] == len(answer.request.content)
    assert len(request["body"].encode()) <= 200
    assert request["body"].startswith('{"password":"REDACTED","name":"nnn'), "a cut JSON body is still redacted"
    assert "pw-1234567" not in request["body"]


def test_the_journal_is_bounded_by_entries_and_by_bytes(serve):
    running = serve(seed=3, journal_size=5)
    for i in range(8):
        httpx.get(running.url + f"/nowhere/{i}")
    assert [e["path"] for e in journal(running)] == [f"/nowhere/{i}" for i in range(3, 8)]

    small = serve(seed=3, journal_bytes=20_000, journal_body=4096)
    for i in range(10):
        httpx.post(small.url + WS, content=json.dumps({"name": f"w{i}", "description": "d" * 3000}),
                   headers={"Authorization": "Bearer t", "Content-Type": "application/json"})
    kept = journal(small)
    assert 2 <= len(kept) < 10, len(kept)
    assert [json.loads(e["request"]["body"])["name"] for e in kept] == [f"w{i}" for i in range(10 - len(kept), 10)]
    assert small.app.journal.bytes <= 20_000


def test_since_returns_only_newer_entries_and_clears_are_counted(serve):
    running = serve(seed=3)
    for i in range(3):
        httpx.get(running.url + f"/nowhere/{i}")
    first = httpx.get(running.url + "/__flowmock/journal", params={"since": 1})
    assert [e["seq"] for e in first.json()] == [2, 3] and first.headers["X-Flowmock-Journal-Clears"] == "0"
    assert httpx.delete(running.url + "/__flowmock/journal").status_code == 204
    httpx.get(running.url + "/nowhere/again")
    after = httpx.get(running.url + "/__flowmock/journal", params={"since": 3})
    assert [e["path"] for e in after.json()] == ["/nowhere/again"] and after.headers["X-Flowmock-Journal-Clears"] == "1"
    bad = httpx.get(running.url + "/__flowmock/journal", params={"since": "yesterday"})
    assert bad.status_code == 400 and "since must be a sequence number" in bad.json()["detail"]


def test_resources_shows_each_tenants_collections_per_api(serve):
    running = serve(seed=3, isolate_by="header:X-Team")
    for name in ("a", "b", "c"):
        httpx.post(running.url + WS, json={"name": name}, headers={"Authorization": "Bearer t", "X-Team": "red"})
    red = httpx.get(running.url + "/__flowmock/resources", params={"tenant": "header:red", "limit": 2}).json()
    assert red["own_state"] is True and "header:red" in red["tenants"] and "default" in red["tenants"]
    [workflows] = [r for r in red["resources"] if r["resource"].endswith("/workflows") and r["api"] == "workspace-workflows"]
    assert workflows["count"] == 3 and [w["name"] for w in workflows["items"]] == ["a", "b"]
    assert workflows["parents"] == ["7d7a6e0c-3f0e-4c53-9a43-0b7f3d8d2a11"]
    blue = httpx.get(running.url + "/__flowmock/resources", params={"tenant": "header:blue"}).json()
    assert blue["own_state"] is False and not [r for r in blue["resources"] if r["parents"] == workflows["parents"]]
    assert "header:blue" not in httpx.get(running.url + "/__flowmock/resources").json()["tenants"], "looking creates no tenant"
    bad = httpx.get(running.url + "/__flowmock/resources", params={"limit": "0"})
    assert bad.status_code == 400 and "limit must be a positive integer" in bad.json()["detail"]


def test_a_replay_miss_is_journaled_with_the_closest_recordings(serve, tmp_path):
    cassette = tmp_path / "one.yaml"
    uri = "http://upstream.example" + WS
    write_cassette(Cassette(interactions=[
        Interaction(Request("GET", uri + "?page=1", {}, b""), Response(200, "OK", {"Content-Type": ["application/json"]}, b"[]")),
    ]), cassette)
    running = serve(seed=1, replay=(cassette,))
    assert httpx.get(running.url + WS + "?page=2", headers={"Authorization": "Bearer t"}).status_code == 200  # the mock answered
    entry = journal(running)[-1]
    assert entry["source"] == "mock" and entry["operation_id"] == "listWorkflows"
    closest = entry["closest"][0]
    assert (closest["method"], closest["path"], closest["query"]) == ("GET", WS, "page=1")
    assert [f["matcher"] for f in closest["failed"]] == ["query"] and "page" in closest["failed"][0]["reason"]
    assert httpx.get(running.url + "/nowhere", headers={"Authorization": "Bearer t"}).status_code == 404
    assert journal(running)[-1]["closest"] == [], "without strict replay, only recordings of the same route are compared"


def test_the_inspector_page_is_served_by_flowmock_itself(serve):
    running = serve(seed=1, admin_token="adm-secret")
    page = httpx.get(running.url + "/__flowmock/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "flowmock inspector" in page.text and "http" not in page.text.split("<body>")[0].replace("http-equiv", "")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert httpx.get(running.url + "/__flowmock", follow_redirects=False).headers["location"] == "/__flowmock/"
    for name, kind in (("inspector.js", "text/javascript"), ("inspector.css", "text/css")):
        asset = httpx.get(running.url + f"/__flowmock/inspector/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind)
        assert "https://" not in asset.text, "nothing is fetched from the internet"
    assert httpx.get(running.url + "/__flowmock/inspector/__init__.py").status_code == 404
    sneaky = httpx.get(running.url + "/__flowmock/inspector/..%2F__init__.py")
    assert sneaky.status_code in (401, 404) and "InspectorPage" not in sneaky.text
    assert httpx.post(running.url + "/__flowmock/").status_code == 405
    assert httpx.get(running.url + "/__flowmock/journal").status_code == 401, "the page is open, its data needs the token"
    assert httpx.get(running.url + "/__flowmock/journal", headers={"X-Flowmock-Admin-Token": "adm-secret"}).status_code == 200
    cross = httpx.get(running.url + "/__flowmock/", headers={"Origin": "http://evil.test", "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403


def test_form_and_binary_bodies_are_journaled_safely(serve):
    running = serve(seed=3)
    form = httpx.post(running.url + WS, content=b"name=x&password=pw-31&client_secret=cs-31",
                      headers={"Authorization": "Bearer t", "Content-Type": "application/x-www-form-urlencoded"})
    binary = httpx.post(running.url + WS, content=bytes(range(256)) * 4,
                        headers={"Authorization": "Bearer t", "Content-Type": "application/octet-stream"})
    assert form.status_code < 500 and binary.status_code < 500
    sent_form, sent_binary = (e["request"] for e in journal(running)[-2:])
    assert sent_form["body"] == "name=x&password=REDACTED&client_secret=REDACTED"
    assert sent_binary["body"] == "(1024 bytes of binary data, not shown)" and sent_binary["size"] == 1024
