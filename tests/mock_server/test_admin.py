"""The admin API under /__flowmock/: health, apis, journal, reset, state export and import, docs."""
from __future__ import annotations

import httpx

WS = "/api/v2/w/7d7a6e0c-3f0e-4c53-9a43-0b7f3d8d2a11/workflows"


def test_health_and_served_apis(serve):
    running = serve(seed=9)
    health = httpx.get(running.url + "/__flowmock/health").json()
    assert health == {"status": "ok", "apis": 4, "operations": 71, "seed": 9}
    apis = {a["name"]: a for a in httpx.get(running.url + "/__flowmock/apis").json()}
    assert set(apis) == {"workflow-definitions", "workflow-executions", "automation", "workspace-workflows"}
    ops = {o["operationId"]: o for o in apis["workflow-definitions"]["operations"]}
    assert ops["createDefinition"]["action"] == "create"
    assert ops["getDefinition"]["resource"] == "/v1/workflows/definitions"


def test_journal_records_and_filters_requests(serve):
    running = serve(seed=9)
    c = running.client
    c.post(WS, json={"name": "a"})
    c.post(WS, json={})
    c.get("/nowhere")
    journal = httpx.get(running.url + "/__flowmock/journal").json()
    assert [(e["method"], e["operation_id"], e["status"]) for e in journal] == [
        ("POST", "createWorkflow", 201), ("POST", "createWorkflow", 400), ("GET", None, 404)]
    assert journal[1]["errors"][0]["field"] == "name"
    assert all(e["duration_ms"] >= 0 for e in journal)
    only_bad = httpx.get(running.url + "/__flowmock/journal", params={"operation": "createWorkflow", "status": 400}).json()
    assert len(only_bad) == 1 and only_bad[0]["status"] == 400
    assert len(httpx.get(running.url + "/__flowmock/journal", params={"limit": 1}).json()) == 1
    assert httpx.delete(running.url + "/__flowmock/journal").status_code == 204
    assert httpx.get(running.url + "/__flowmock/journal").json() == []


def test_reset_export_and_import_state(serve):
    running = serve(seed=9, isolate_by="header:X-Team")
    c = running.client
    created = c.post(WS, json={"name": "keep me"}, headers={"X-Team": "a"}).json()
    c.post(WS, json={"name": "other"}, headers={"X-Team": "b"})
    state = httpx.get(running.url + "/__flowmock/state").json()
    assert set(state["tenants"]) == {"header:a", "header:b"}

    assert httpx.post(running.url + "/__flowmock/reset", params={"tenant": "header:b"}).json() == {"reset": "header:b"}
    assert c.get(WS, headers={"X-Team": "b"}).json() == []
    assert len(c.get(WS, headers={"X-Team": "a"}).json()) == 1

    httpx.post(running.url + "/__flowmock/reset")
    assert c.get(WS, headers={"X-Team": "a"}).json() == []
    assert httpx.put(running.url + "/__flowmock/state", json=state).json() == {"tenants": 2}
    assert c.get(f"{WS}/{created['id']}", headers={"X-Team": "a"}).json()["name"] == "keep me"
    refused = httpx.put(running.url + "/__flowmock/state", json={"version": 1})
    assert refused.status_code == 400


def test_swagger_ui_and_full_documents_are_served(serve):
    running = serve(seed=9)
    ui = httpx.get(running.url + "/workflow-executions/ui/")
    assert ui.status_code == 200 and "swagger" in ui.text.lower()
    doc = httpx.get(running.url + "/workflow-executions/openapi.json").json()
    assert len(doc["components"]["schemas"]) > 50 and doc["servers"][0]["url"] == "/workflow-executions"
    assert httpx.get(running.url + "/__flowmock/ui/").status_code == 200
    index = httpx.get(running.url + "/").json()
    assert {a["name"] for a in index["apis"]} >= {"automation"}


def test_banner_lists_every_api_with_base_and_docs_url(serve):
    running = serve(seed=9)
    banner = running.app.banner("http://127.0.0.1:4010")
    for name in ("workflow-definitions", "workflow-executions", "automation", "workspace-workflows"):
        assert f"http://127.0.0.1:4010/{name}/ui/" in banner
    assert "http://127.0.0.1:4010/__flowmock/" in banner


def test_each_api_docs_page_loads_the_swagger_ui_bundle_and_its_document(serve):
    running = serve(seed=9)
    base = running.url + "/workflow-executions"
    page = httpx.get(base + "/ui/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '"/workflow-executions/openapi.json"' in page.text and "./swagger-ui-bundle.js" in page.text
    script = httpx.get(base + "/ui/swagger-ui-bundle.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"] and len(script.content) > 100_000
    assert httpx.get(base + "/ui/swagger-ui.css").headers["content-type"].startswith("text/css")
    moved = httpx.get(base + "/ui")
    assert moved.status_code == 307 and moved.headers["location"] == "/workflow-executions/ui/"
    assert httpx.head(base + "/ui/").status_code == 200 and httpx.head(base + "/ui/").content == b""
    assert httpx.get(base + "/ui/no-such-file.js").status_code == 404
    assert httpx.get(base + "/ui/index.j2").status_code == 404, "the bundle's template is not served"
    assert httpx.post(base + "/ui/").status_code == 405
    assert httpx.get(base + "/openapi.json").json()["info"]["title"] in page.text
    assert [e for e in httpx.get(running.url + "/__flowmock/journal").json() if "/ui" in e["path"]] == [], "docs are not journaled"
