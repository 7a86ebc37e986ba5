"""In a real headless Chromium: a page on another origin uses the mocked APIs but can neither read nor change the admin API."""
from __future__ import annotations

import json
import time

import httpx

from mock_server.server import BackgroundServer
from tests.browser import Browser, html_app

WS = "/api/v2/w/7d7a6e0c-3f0e-4c53-9a43-0b7f3d8d2a11/workflows"
RESOLVE = {"frontend.test": "127.0.0.1", "other.test": "127.0.0.1", "rebind.test": "127.0.0.1"}
PAGE = "<!doctype html><title>a frontend on another origin</title><p>frontend</p>"

# Each attempt resolves to what the page could see: a status and body, or the error the browser raised.
ATTEMPT = """
async function attempt(url, init) {
  try {
    const r = await fetch(url, init);
    if (r.type === "opaque") return {opaque: true};
    return {status: r.status, body: await r.text()};
  } catch (e) { return {blocked: String(e)}; }
}
"""


def names(running) -> list[str]:
    return sorted(w["name"] for w in running.client.get(WS).json())


def run(page, script: str):
    return page.evaluate(f"(async () => {{ {ATTEMPT} {script} }})()")


class Seen:
    """Wraps an ASGI app and notes every admin request it answered: (method, path, status, Origin)."""

    def __init__(self, app) -> None:
        self.app, self.admin = app, []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith("/__flowmock"):
            return await self.app(scope, receive, send)
        origin = dict(scope["headers"]).get(b"origin", b"").decode()

        async def noting(message):
            if message["type"] == "http.response.start":
                self.admin.append((scope["method"], scope["path"], message["status"], origin))
            await send(message)

        await self.app(scope, receive, noting)


def test_a_page_on_another_origin_uses_the_apis_but_not_the_admin_api(serve, chromium, monkeypatch):
    seen: list[Seen] = []
    monkeypatch.setattr("tests.conftest.BackgroundServer", lambda app, **kw: BackgroundServer(seen.append(Seen(app)) or seen[-1], **kw))
    running = serve(seed=1)
    mock = running.url
    api = json.dumps(mock + WS)
    with BackgroundServer(html_app(PAGE)) as frontend, Browser(chromium, resolve=RESOLVE) as browser:
        page = browser.open(f"http://frontend.test:{frontend.port}/")
        used = run(page, f"""
          const auth = {{"Authorization": "Bearer dev"}};
          const plain = await attempt({api}, {{headers: auth}});
          const created = await attempt({api}, {{method: "POST", credentials: "include",
              headers: {{...auth, "Content-Type": "application/json"}}, body: JSON.stringify({{name: "from the browser"}})}});
          const listed = await attempt({api}, {{credentials: "include", headers: auth}});
          return {{plain, created, listed}};""")
        assert used["plain"]["status"] == 200 and json.loads(used["plain"]["body"]) == []
        assert used["created"]["status"] == 201 and json.loads(used["created"]["body"])["name"] == "from the browser"
        assert [w["name"] for w in json.loads(used["listed"]["body"])] == ["from the browser"]

        before_state = httpx.get(mock + "/__flowmock/state").json()
        before_journal = httpx.get(mock + "/__flowmock/journal").json()
        admin = json.dumps(mock + "/__flowmock")
        tried = run(page, f"""
          const admin = {admin};
          return {{
            state: await attempt(admin + "/state"),
            stateWithCredentials: await attempt(admin + "/state", {{credentials: "include"}}),
            journal: await attempt(admin + "/journal"),
            put: await attempt(admin + "/state", {{method: "PUT", headers: {{"Content-Type": "application/json"}},
                                                   body: JSON.stringify({{version: 1, tenants: {{}}}})}}),
            putPlain: await attempt(admin + "/state", {{method: "PUT", body: "{{}}"}}),
            resetNoCors: await attempt(admin + "/reset", {{method: "POST", mode: "no-cors"}}),
            resetNoCorsCredentials: await attempt(admin + "/reset", {{method: "POST", mode: "no-cors", credentials: "include"}}),
            clearJournal: await attempt(admin + "/journal", {{method: "DELETE"}}),
            beacon: navigator.sendBeacon(admin + "/reset", "x"),
            form: await new Promise(done => {{
              const sink = document.createElement("iframe"), form = document.createElement("form");
              sink.name = "sink"; form.method = "POST"; form.action = admin + "/reset"; form.target = "sink";
              sink.onload = () => done("submitted");
              document.body.append(sink, form); form.submit();
            }}),
          }};""")
        for name in ("state", "stateWithCredentials", "journal", "put", "putPlain", "clearJournal"):
            assert "blocked" in tried[name], (name, tried[name])
        assert tried["resetNoCors"] == {"opaque": True} and tried["resetNoCorsCredentials"] == {"opaque": True}
        assert tried["beacon"] is True and tried["form"] == "submitted"

        frontend_origin = f"http://frontend.test:{frontend.port}"

        def resets() -> list[tuple[int, str]]:
            return [(status, origin) for method, path, status, origin in seen[0].admin if path == "/__flowmock/reset"]

        deadline = time.monotonic() + 15
        while len(resets()) < 4 and time.monotonic() < deadline:  # the beacon goes out when the browser likes
            time.sleep(0.05)
        assert resets() == [(403, frontend_origin)] * 4, "both no-cors POSTs, the beacon and the form reached the server, refused"
        from_page = [(method, path, status) for method, path, status, origin in seen[0].admin if origin == frontend_origin]
        assert len(from_page) >= 10 and {status for _, _, status in from_page} == {403}, from_page
        assert httpx.get(mock + "/__flowmock/state").json() == before_state, "no reset or import went through"
        assert names(running) == ["from the browser"]
        assert httpx.get(mock + "/__flowmock/journal").json()[: len(before_journal)] == before_journal

        own = browser.open(mock + "/__flowmock/ui/")
        mine = run(own, """return {health: await attempt("/__flowmock/health"), state: await attempt("/__flowmock/state")};""")
        assert mine["health"]["status"] == 200, "the admin API's own origin (its docs page, an inspector) can use it"
        assert "from the browser" in mine["state"]["body"]


def test_dns_rebinding_reaches_nothing(serve, chromium):
    running = serve(seed=1)
    running.client.post(WS, json={"name": "private"})
    with Browser(chromium, resolve=RESOLVE) as browser:
        page = browser.open(f"http://rebind.test:{running.server.port}/__flowmock/state")
        text = page.text()
        assert "Host 'rebind.test:" in text and "is not allowed" in text
        assert "private" not in text
        same_origin = run(page, f"""return {{
            api: await attempt({json.dumps(WS)}, {{headers: {{"Authorization": "Bearer dev"}}}}),
            reset: await attempt("/__flowmock/reset", {{method: "POST"}})}};""")
        assert same_origin["api"]["status"] == 403 and same_origin["reset"]["status"] == 403
    assert names(running) == ["private"]


def test_listed_cors_origins_with_credentials_and_everyone_else_locked_out(serve, chromium):
    with BackgroundServer(html_app(PAGE)) as frontend, BackgroundServer(html_app(PAGE)) as other, \
            Browser(chromium, resolve=RESOLVE) as browser:
        allowed_origin = f"http://frontend.test:{frontend.port}"
        running = serve(seed=1, cors_origins=(allowed_origin,))
        api = json.dumps(running.url + WS)
        create = """{method: "POST", credentials: "include",
                      headers: {"Authorization": "Bearer dev", "Content-Type": "application/json"},
                      body: JSON.stringify({name: "allowed"})}"""
        allowed = run(browser.open(allowed_origin + "/"), f"return await attempt({api}, {create});")
        assert allowed["status"] == 201, allowed
        refused_page = browser.open(f"http://other.test:{other.port}/")
        refused = run(refused_page, f"""return {{
            read: await attempt({api}, {{headers: {{"Authorization": "Bearer dev"}}}}),
            write: await attempt({api}, {create}),
            blindWrite: await attempt({api}, {{method: "POST", mode: "no-cors", body: JSON.stringify({{name: "blind"}})}})}};""")
        assert "blocked" in refused["read"] and "blocked" in refused["write"] and refused["blindWrite"] == {"opaque": True}
    assert names(running) == ["allowed"]
