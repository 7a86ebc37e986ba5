"""The request inspector at /__flowmock/, driven in a real headless Chromium: live list, details, filters, state, reset."""
from __future__ import annotations

import json
import os
from pathlib import Path

import httpx

from tests.browser import Browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("FLOWMOCK_ARTIFACTS", ROOT / "build" / "test-artifacts"))
WS = "/api/v2/w/7d7a6e0c-3f0e-4c53-9a43-0b7f3d8d2a11/workflows"
ADMIN_TOKEN = "adm-7c1e2f"
API_TOKEN = "api-tok-51d0e9"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}

ROWS = "[...document.querySelectorAll('#requests tr.row')]"
ROW_TEXTS = f"{ROWS}.map(r => [...r.cells].slice(1, 5).map(c => c.innerText))"


def click(page, selector: str) -> None:
    page.evaluate(f"document.querySelector({json.dumps(selector)}).click()")


def choose(page, selector: str, value: str, event: str = "change") -> None:
    page.evaluate(f"""(() => {{ const e = document.querySelector({json.dumps(selector)}); e.value = {json.dumps(value)};
                   e.dispatchEvent(new Event({json.dumps(event)})); }})()""")


def rows(page) -> list[list[str]]:
    return list(page.evaluate(ROW_TEXTS))


def test_the_inspector_shows_live_traffic_details_filters_state_and_resets(serve, chromium):
    running = serve(seed=1, admin_token=ADMIN_TOKEN)
    url = running.url
    with Browser(chromium) as browser:
        page = browser.open(url + "/__flowmock/")
        page.resize(1360, 860)
        page.wait_for("!document.getElementById('token-panel').hidden"), "the page asks for the admin token"
        choose(page, "#token", ADMIN_TOKEN, "input")
        page.evaluate("document.getElementById('token-form').requestSubmit()")
        page.wait_for("document.getElementById('token-panel').hidden && document.querySelectorAll('#f-api option').length > 1")
        assert API_TOKEN not in page.text() and "curl http" in page.text(), "an example request when the list is empty"

        created = httpx.post(url + WS, json={"name": "Onboarding", "description": "new starters"}, headers=AUTH)
        httpx.post(url + WS, json={"name": 7}, headers=AUTH)
        httpx.get(url + WS, headers=AUTH)
        httpx.get(url + "/v1/workflows/definitions?limit=2", headers=AUTH)
        httpx.get(url + "/nowhere", headers=AUTH)
        assert created.status_code == 201
        page.wait_for(f"{ROWS}.length === 5")
        assert rows(page) == [  # newest first
            ["GET", "/nowhere", "—", "404"],
            ["GET", "/v1/workflows/definitions?limit=2", "getDefinitions", "200"],
            ["GET", WS, "listWorkflows", "200"],
            ["POST", WS, "createWorkflow", "400"],
            ["POST", WS, "createWorkflow", "201"],
        ]
        sources = page.evaluate(f"{ROWS}.map(r => r.cells[7].innerText)")
        assert sources == ["router", "mock", "mock", "mock", "mock"]

        click(page, "#requests tr.row:nth-child(4)")  # the refused create
        detail = page.wait_for("document.querySelector('#requests tr.detail') && document.querySelector('#requests tr.detail').innerText")
        assert page.evaluate("document.querySelector('tr.detail .errors code.field').innerText") == "body › name"
        assert "7 is not of type 'string'" in detail
        assert '"name": 7' in detail and "Bearer REDACTED" in detail and API_TOKEN not in detail
        assert "application/problem+json" in detail, "the response headers are shown"
        shot = page.screenshot(ARTIFACTS / "inspector.png")
        assert shot.stat().st_size > 10_000
        if os.environ.get("FLOWMOCK_UPDATE_DOCS"):
            (ROOT / "docs" / "images" / "inspector.png").write_bytes(shot.read_bytes())

        choose(page, "#f-status", "4xx")
        assert [r[3] for r in rows(page)] == ["404", "400"]
        choose(page, "#f-status", "")
        choose(page, "#f-api", "workspace-workflows")
        assert {r[2] for r in rows(page)} == {"listWorkflows", "createWorkflow"}
        choose(page, "#f-operation", "createWorkflow")
        assert [r[3] for r in rows(page)] == ["400", "201"]
        choose(page, "#f-api", "")
        choose(page, "#f-operation", "")
        choose(page, "#f-text", "new starters", "input")
        assert rows(page) == [["GET", WS, "listWorkflows", "200"], ["POST", WS, "createWorkflow", "201"]], \
            "the text filter searches request and response bodies"
        choose(page, "#f-text", "", "input")
        assert page.evaluate("document.getElementById('count').innerText") == "5 of 5 request(s)"

        click(page, "#tab-state")
        state = page.wait_for("document.querySelector('#resources section.api') && document.getElementById('resources').innerText")
        assert "workspace-workflows" in state and "Onboarding" not in state  # collapsed until opened
        page.evaluate("[...document.querySelectorAll('details.collection')].forEach(d => d.open = true)")
        assert "Onboarding" in page.text()

        click(page, "#reset")
        assert page.evaluate("document.getElementById('reset').innerText") == "Click again to reset"
        assert httpx.get(url + WS, headers=AUTH).json() != [], "one click resets nothing"
        click(page, "#reset")
        page.wait_for("document.getElementById('notice').innerText.includes('back to the loaded fixtures')")
        assert httpx.get(url + WS, headers=AUTH).json() == []
        click(page, "#tab-requests")
        page.wait_for(f"{ROWS}.length === 1")  # only the GET just sent after the reset
        assert rows(page) == [["GET", WS, "listWorkflows", "200"]]

        click(page, "#clear-journal")
        page.wait_for(f"{ROWS}.length === 0 && document.getElementById('notice').innerText === 'Journal cleared.'")
        admin = {"X-Flowmock-Admin-Token": ADMIN_TOKEN}
        assert httpx.get(url + "/__flowmock/journal", headers=admin).json() == []
        httpx.get(url + "/nowhere/else")
        page.wait_for(f"{ROWS}.length === 1")
        assert rows(page)[0][1] == "/nowhere/else"


def test_a_replay_miss_shows_the_closest_recordings(serve, chromium, tmp_path):
    from mock_server.recording.cassette import Cassette, Interaction, Request, Response, write_cassette

    cassette = tmp_path / "recorded.yaml"
    write_cassette(Cassette(interactions=[
        Interaction(Request("GET", "http://upstream.example" + WS + "?page=1", {}, b""),
                    Response(200, "OK", {"Content-Type": ["application/json"]}, b"[]")),
    ]), cassette)
    running = serve(seed=1, replay=(cassette,), replay_strict=True)
    with Browser(chromium) as browser:
        page = browser.open(running.url + "/__flowmock/")
        assert httpx.get(running.url + WS + "?page=2", headers=AUTH).status_code == 404
        assert httpx.get(running.url + WS + "?page=1", headers=AUTH).status_code == 200
        page.wait_for(f"{ROWS}.length === 2")
        assert page.evaluate(f"{ROWS}.map(r => r.cells[7].innerText)") == ["replay", "replay"]
        click(page, "#requests tr.row:nth-child(2)")  # the miss
        closest = page.wait_for("document.querySelector('tr.detail .closest') && document.querySelector('tr.detail .closest').innerText")
        assert "the closest recordings" in closest and f"GET {WS}?page=1" in closest and "recorded.yaml #0" in closest
        assert "query:" in closest
