"""A deliberately broken implementation of five workspace-workflows operations, to prove the harness catches bugs.

Everything is right (auth, validation, problem+json errors, statuses) except exactly these defects:

    D1 missing required field   getWorkflow answers without `updatedAt`
    D2 wrong type               listWorkflows sends `ownerId` as a string
    D3 undocumented status      createWorkflow rejects invalid requests with 422 (the spec documents 400)
    D4 500 on bad input         cloneWorkflow reads `body["name"].strip()` unchecked, so a bad body crashes it
    D5 use after free           deleteWorkflow only flags the workflow; getWorkflow still returns it

EXPECTED maps each defect to the (operation, check) the contract must report for it. ALSO_ALLOWED lists what
may be reported besides: Schemathesis' own `use_after_free` finds D5 too, but only when its state machine
happens to chain a DELETE and a GET of the same workflow, which depends on the seed.
"""
from __future__ import annotations

import copy
import itertools
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, Response, request
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

SPEC_PATH = Path(__file__).resolve().parents[2] / "specs" / "workspace-workflows.yaml"
TOKEN = "good-token"
BASE = "/api/v2/w/<workspace_uuid>/workflows"
OPERATIONS = ("listWorkflows", "createWorkflow", "getWorkflow", "deleteWorkflow", "cloneWorkflow")

_LIST = "GET /api/v2/w/{workspace_uuid}/workflows"
_CREATE = "POST /api/v2/w/{workspace_uuid}/workflows"
_GET = "GET /api/v2/w/{workspace_uuid}/workflows/{workflow_id}"
_DELETE = "DELETE /api/v2/w/{workspace_uuid}/workflows/{workflow_id}"
_CLONE = "POST /api/v2/w/{workspace_uuid}/workflows/{workflow_id}/clone"

EXPECTED: dict[str, tuple[str, str]] = {
    "D1 missing required field": (_GET, "response_schema_conformance"),
    "D2 wrong type": (_LIST, "response_schema_conformance"),
    "D3 undocumented status": (_CREATE, "status_code_conformance"),
    "D4 500 on bad input": (_CLONE, "not_a_server_error"),
    "D5 use after free": (_DELETE, "read_after_delete"),
}
ALSO_ALLOWED: frozenset[tuple[str, str]] = frozenset({(_DELETE, "use_after_free")})


def _problem(status: int, title: str, detail: str) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return Response(json.dumps(body), status=status, content_type="application/problem+json")


def _describe(error: Exception) -> str:
    try:
        return str(error.__cause__ or error)
    except UnicodeDecodeError:  # openapi-core's message for a body that is not UTF-8 cannot decode it either
        return "the body is not UTF-8"


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def create_broken_app() -> Flask:
    """The Flask app; state lives in the closure, one seeded workflow (id 1842, the spec's example id)."""
    doc = yaml.safe_load(SPEC_PATH.read_text())
    doc = copy.deepcopy(doc)
    doc["servers"] = [{"url": "/"}]
    openapi = OpenAPI.from_dict(doc)
    app = Flask(__name__)
    ids = itertools.count(1843)
    lock = threading.Lock()
    workflows: dict[int, dict[str, Any]] = {}
    deleted: set[int] = set()

    def new_workflow(workflow_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": workflow_id, "uuid": str(uuid.UUID(int=workflow_id)), "name": body["name"],
            "description": body.get("description"), "ownerId": 57, "agentId": body.get("agentId"),
            "startTaskId": None, "archived": False, "tasks": [], "permissions": {"use": True, "edit": True},
            "createdAt": "2024-03-11T09:24:18Z", "updatedAt": "2024-03-11T09:24:18Z",
        }

    workflows[1842] = new_workflow(1842, {"name": "Inbound lead qualification", "description": None})

    def invalid() -> str | None:
        """Every problem openapi-core finds with the request (parameters and body), or None."""
        result = openapi.unmarshal_request(WerkzeugOpenAPIRequest(request))
        errors = [e for e in result.errors if type(e).__name__ != "SecurityValidationError"]
        if not errors:
            return None
        return "; ".join(_describe(e) for e in errors)[:500]

    def find(workflow_id: str) -> dict[str, Any] | None:
        for item in workflows.values():
            if str(item["id"]) == workflow_id or item["uuid"] == workflow_id.lower():
                return item
        return None

    @app.before_request
    def authenticate() -> Response | None:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _problem(401, "Unauthorized", "a valid bearer token is required")
        return None

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return _problem(exc.code or 500, exc.name, exc.description or exc.name)

    @app.errorhandler(Exception)
    def crash(exc: Exception) -> Response:  # a JSON 500, as documented for clone
        return _problem(500, "Internal Server Error", f"{type(exc).__name__}")

    @app.get(BASE)
    def list_workflows(workspace_uuid: str) -> Response:
        problem = invalid()
        if problem:
            return _problem(400, "Bad Request", problem)
        archived = request.args.get("archived", "false") == "true"
        items = [dict(w, ownerId=str(w["ownerId"])) for w in workflows.values()  # D2: ownerId as a string
                 if w["archived"] == archived and w["id"] not in deleted]
        return _json(items)

    @app.post(BASE)
    def create_workflow(workspace_uuid: str) -> Response:
        problem = invalid()
        if problem:
            return _problem(422, "Unprocessable Entity", problem)  # D3: 422 is not documented, 400 is
        with lock:
            item = new_workflow(next(ids), request.get_json())
            workflows[item["id"]] = item
        return _json(item, 201)

    @app.get(f"{BASE}/<workflow_id>")
    def get_workflow(workspace_uuid: str, workflow_id: str) -> Response:
        problem = invalid()
        if problem:
            return _problem(400, "Bad Request", problem)
        item = find(workflow_id)  # D5: deleted workflows are still found
        if item is None:
            return _problem(404, "Not Found", f"no workflow {workflow_id}")
        return _json({k: v for k, v in item.items() if k != "updatedAt"})  # D1: required updatedAt missing

    @app.delete(f"{BASE}/<workflow_id>")
    def delete_workflow(workspace_uuid: str, workflow_id: str) -> Response:
        problem = invalid()
        if problem:
            return _problem(400, "Bad Request", problem)
        item = find(workflow_id)
        if item is None or item["id"] in deleted:
            return _problem(404, "Not Found", f"no workflow {workflow_id}")
        deleted.add(item["id"])  # D5: flagged, never removed
        return _json({"status": "success"})

    @app.post(f"{BASE}/<workflow_id>/clone")
    def clone_workflow(workspace_uuid: str, workflow_id: str) -> Response:
        raw = json.loads(request.get_data())["name"]  # D4: no validation; bad input raises
        if raw == "":
            return _problem(400, "Bad Request", "name must not be empty")
        name = raw.strip()
        source = find(workflow_id)
        if source is None or source["id"] in deleted:
            return _problem(404, "Not Found", f"no workflow {workflow_id}")
        with lock:
            item = dict(copy.deepcopy(source), id=next(ids), name=name or source["name"])
            item["uuid"] = str(uuid.UUID(int=item["id"]))
            workflows[item["id"]] = item
        return _json(item, 201)

    return app


@contextmanager
def serve_broken_app() -> Iterator[str]:
    """Serve a fresh broken app on a free 127.0.0.1 port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, create_broken_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
