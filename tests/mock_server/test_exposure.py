"""Exposure over real HTTP: Host names (DNS rebinding), the admin API closed to other origins, the admin token, API CORS."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from mock_server.server import free_port

WS = "/api/v2/w/7d7a6e0c-3f0e-4c53-9a43-0b7f3d8d2a11/workflows"
API_AUTH = {"Authorization": "Bearer test-token"}
EVIL = "http://evil.example"


def names(running) -> list[str]:
    return sorted(w["name"] for w in running.client.get(WS).json())


def assert_no_cors(response: httpx.Response) -> None:
    assert not [h for h in response.headers if h.lower().startswith("access-control-")], dict(response.headers)


# ---- Host names: every route (DNS rebinding) ----
@pytest.mark.parametrize("host", ["evil.example", "evil.example:4010", "127.0.0.1.evil.example", "localhost.evil.example"])
def test_unknown_host_names_are_refused_on_every_route_and_change_nothing(serve, host):
    running = serve(seed=1)
    for method, path in (("GET", WS), ("POST", WS), ("GET", "/__flowmock/state"), ("POST", "/__flowmock/reset"), ("GET", "/")):
        refused = httpx.request(method, running.url + path, json={"name": "rebound"}, headers={**API_AUTH, "Host": host})
        assert refused.status_code == 403, (method, path, refused.text)
        problem = refused.json()
        assert problem["type"].endswith("/host-not-allowed")
        assert f"Host '{host}' is not allowed" in problem["detail"] and "--allowed-host" in problem["detail"]
        assert_no_cors(refused)
    assert names(running) == []


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:1234", "127.0.0.1", "127.0.0.2:80", "[::1]:4010", "app.localhost", "localhost."])
def test_loopback_host_names_are_answered(serve, host):
    running = serve(seed=1)
    assert httpx.get(running.url + WS, headers={**API_AUTH, "Host": host}).status_code == 200
    assert httpx.get(running.url + "/__flowmock/health", headers={"Host": host}).status_code == 200


def test_allowed_host_adds_names_domains_or_any(serve):
    running = serve(seed=1, allowed_hosts=("mock.internal", ".dev.example"))
    for host in ("mock.internal:4010", "dev.example", "api.dev.example"):
        assert httpx.get(running.url + WS, headers={**API_AUTH, "Host": host}).status_code == 200, host
    assert httpx.get(running.url + WS, headers={**API_AUTH, "Host": "xdev.example"}).status_code == 403
    anything = serve(seed=1, allowed_hosts=("*",))
    assert httpx.get(anything.url + WS, headers={**API_AUTH, "Host": "whatever.example"}).status_code == 200


def test_the_bound_address_is_an_allowed_host(serve):
    running = serve(seed=1, host="10.1.2.3", admin_token="t0k")
    assert httpx.get(running.url + WS, headers={**API_AUTH, "Host": "10.1.2.3:4010"}).status_code == 200
    assert httpx.get(running.url + WS, headers={**API_AUTH, "Host": "10.1.2.4:4010"}).status_code == 403


# ---- the admin API answers only its own origin ----
@pytest.mark.parametrize("headers", [
    {"Origin": EVIL},
    {"Origin": "null"},
    {"Origin": "http://127.0.0.1:1"},  # same host, another port: another origin
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
])
def test_admin_api_refuses_other_origins_to_read_or_change_anything(serve, headers):
    running = serve(seed=1, isolate_by="header:X-Team")
    running.client.post(WS, json={"name": "keep"}, headers={"X-Team": "a"})
    before = httpx.get(running.url + "/__flowmock/state").json()
    for method, path, body in (("GET", "/__flowmock/state", None), ("GET", "/__flowmock/journal", None),
                               ("GET", "/__flowmock/health", None), ("PUT", "/__flowmock/state", {"version": 1, "tenants": {}}),
                               ("POST", "/__flowmock/reset", None), ("DELETE", "/__flowmock/journal", None)):
        refused = httpx.request(method, running.url + path, json=body, headers=headers)
        assert refused.status_code == 403, (method, path, refused.text)
        assert refused.json()["type"].endswith("/admin-cross-origin") and "own origin" in refused.json()["detail"]
        assert_no_cors(refused)
    assert httpx.get(running.url + "/__flowmock/state").json() == before
    assert len(httpx.get(running.url + "/__flowmock/journal").json()) == 1


def test_admin_preflight_from_another_origin_gets_no_cors_headers(serve):
    running = serve(seed=1)
    preflight = httpx.options(running.url + "/__flowmock/state", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 403
    assert_no_cors(preflight)


def test_admin_api_answers_its_own_origin_and_tools_without_cors_headers(serve):
    running = serve(seed=1)
    own = running.url
    for headers in ({}, {"Origin": own}, {"Sec-Fetch-Site": "same-origin", "Origin": own}, {"Sec-Fetch-Site": "none"}):
        answer = httpx.get(running.url + "/__flowmock/health", headers=headers)
        assert answer.status_code == 200, headers
        assert_no_cors(answer)
    assert httpx.post(running.url + "/__flowmock/reset", headers={"Origin": own}).json() == {"reset": "all"}
    assert httpx.get(running.url + "/__flowmock/ui/", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200


# ---- the admin token ----
def test_admin_token_is_needed_for_every_admin_call(serve):
    running = serve(seed=1, admin_token="s3cret-admin")
    running.client.post(WS, json={"name": "keep"})
    for method, path in (("GET", "/__flowmock/health"), ("GET", "/__flowmock/state"), ("GET", "/__flowmock/journal"),
                         ("POST", "/__flowmock/reset"), ("DELETE", "/__flowmock/journal"), ("GET", "/__flowmock/apis")):
        missing = httpx.request(method, running.url + path)
        assert missing.status_code == 401, (method, path)
        assert "X-Flowmock-Admin-Token" in missing.json()["detail"]
        assert missing.headers["www-authenticate"].startswith("FlowmockAdminToken")
        wrong = httpx.request(method, running.url + path, headers={"X-Flowmock-Admin-Token": "s3cret-admiN"})
        assert wrong.status_code == 401 and "does not hold" in wrong.json()["detail"]
        assert "s3cret" not in missing.text + wrong.text
    assert names(running) == ["keep"], "refused admin calls changed nothing"
    good = {"X-Flowmock-Admin-Token": "s3cret-admin"}
    assert httpx.get(running.url + "/__flowmock/health", headers=good).status_code == 200
    assert httpx.post(running.url + "/__flowmock/reset", headers=good).status_code == 200
    assert names(running) == []
    docs = httpx.get(running.url + "/__flowmock/ui/")
    assert docs.status_code == 200, "the admin docs page loads without the token (its Authorize button takes it)"
    document = httpx.get(running.url + "/__flowmock/openapi.json").json()
    assert document["components"]["securitySchemes"]["adminToken"]["name"] == "X-Flowmock-Admin-Token"


def test_accepted_api_tokens_never_open_the_admin_api(serve):
    running = serve(seed=1, accept_tokens=frozenset({"api-token"}), admin_token="admin-token")
    assert running.client.get(WS, headers={"Authorization": "Bearer api-token"}).status_code == 200
    for headers in ({"Authorization": "Bearer api-token"}, {"X-Flowmock-Admin-Token": "api-token"},
                    {"Authorization": "Bearer admin-token"}):
        assert httpx.get(running.url + "/__flowmock/state", headers=headers).status_code == 401, headers
    assert running.client.get(WS, headers={"Authorization": "Bearer admin-token"}).status_code == 401, \
        "nor does the admin token open the APIs"


def test_admin_api_is_disabled_beyond_loopback_without_a_token(serve):
    exposed = serve(seed=1, host="0.0.0.0")
    disabled = httpx.get(exposed.url + "/__flowmock/state")
    assert disabled.status_code == 403
    assert disabled.json()["type"].endswith("/admin-disabled") and "--admin-token" in disabled.json()["detail"]
    assert httpx.post(exposed.url + "/__flowmock/reset").status_code == 403
    assert exposed.client.post(WS, json={"name": "still served"}).status_code == 201
    assert "DISABLED" in exposed.app.banner(exposed.url)
    locked = serve(seed=1, host="0.0.0.0", admin_token="t")
    assert httpx.get(locked.url + "/__flowmock/health", headers={"X-Flowmock-Admin-Token": "t"}).status_code == 200


def test_cli_warns_and_disables_the_admin_api_on_a_public_address_and_keeps_the_token_secret(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "mock_server.cli", "serve", "--host", "0.0.0.0", "--port", str(port), "--empty",
               "--log-level", "warning"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_up(url, proc)
            assert httpx.get(url + "/__flowmock/health").status_code == 403
        finally:
            proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert "admin API is disabled" in err and "--admin-token" in err
    assert "DISABLED" in out
    port = free_port()
    env = dict(os.environ, FLOWMOCK_ADMIN_TOKEN="env-secret-123")
    command = [sys.executable, "-m", "mock_server.cli", "serve", "--port", str(port), "--empty", "--log-level", "warning"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as proc:
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_up(url, proc, {"X-Flowmock-Admin-Token": "env-secret-123"})
            assert httpx.get(url + "/__flowmock/health").status_code == 401
        finally:
            proc.terminate()
        out, err = proc.communicate(timeout=20)
    assert "X-Flowmock-Admin-Token" in out and "env-secret-123" not in out + err


def _wait_up(url: str, proc: subprocess.Popen, headers: dict[str, str] | None = None) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            httpx.get(url + "/", headers=headers or {}, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not start")


# ---- CORS on the mocked APIs ----
def test_api_preflight_and_answers_echo_an_allowed_origin_with_credentials(serve):
    running = serve(seed=1)
    origin = "http://localhost:5173"
    preflight = httpx.options(running.url + WS, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type",
        "Access-Control-Request-Private-Network": "true"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == origin
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert preflight.headers["access-control-allow-headers"] == "authorization, content-type"
    assert preflight.headers["access-control-allow-private-network"] == "true"
    assert "Origin" in preflight.headers["vary"]
    created = running.client.post(WS, json={"name": "from the frontend"}, headers={"Origin": origin, "Cookie": "session=1"})
    assert created.status_code == 201
    assert created.headers["access-control-allow-origin"] == origin
    assert created.headers["access-control-allow-credentials"] == "true"
    assert "Location" in created.headers["access-control-expose-headers"]
    assert "Origin" in created.headers["vary"]


def test_api_cors_with_listed_origins_lets_others_neither_read_nor_write(serve):
    running = serve(seed=1, cors_origins=("https://app.example.com",))
    allowed = running.client.get(WS, headers={"Origin": "https://app.example.com"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    other = running.client.get(WS, headers={"Origin": EVIL})
    assert other.status_code == 200
    assert_no_cors(other)
    write = running.client.post(WS, json={"name": "from evil"}, headers={"Origin": EVIL, "Content-Type": "text/plain"})
    assert write.status_code == 403 and "--cors-origin" in write.json()["detail"]
    preflight = httpx.options(running.url + WS, headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403
    assert_no_cors(preflight)
    own = running.client.post(WS, json={"name": "from its own docs page"}, headers={"Origin": running.url})
    assert own.status_code == 201, "the server's own origin (its Swagger UI) may always write"
    assert names(running) == ["from its own docs page"]


@pytest.mark.parametrize("path", ["/%5F%5Fflowmock/state", "/__flowmock//state", "/__flowmock/ui/../state", "//__flowmock/state",
                                  "/__flowmock/openapi.json/../state", "/v1/../__flowmock/state"])
def test_spelling_an_admin_path_differently_does_not_get_past_the_token(serve, path):
    import http.client

    running = serve(seed=1, admin_token="t0k")
    connection = http.client.HTTPConnection("127.0.0.1", running.server.port, timeout=10)
    connection.request("POST" if "reset" in path else "GET", path)  # sent as written, not normalized
    answer = connection.getresponse()
    body = answer.read()
    assert answer.status in (401, 404), (answer.status, body[:200])
    assert b"tenants" not in body
