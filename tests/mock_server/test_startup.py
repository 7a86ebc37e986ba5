"""Start-up: the first answers need none of the slow libraries, and they are still right; a request costs the same
whatever the number of served operations."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from benchmarks.many_operations import write_many_operations_spec
from mock_server.app import FlowmockApp, create_app
from mock_server.config import ServerConfig
from mock_server.loading.spec import Spec, bundled_spec_paths, load_spec
from mock_server.request_path.validate import RequestData, plainly_valid, validate_request

ROOT = Path(__file__).resolve().parents[2]
SLOW = ("openapi_core", "jsonschema", "openapi_schema_validator", "pydantic", "connexion", "faker", "importlib.metadata")

# Serve the bundled specs and world as `flowmock serve` does, over real HTTP, and say which slow libraries were loaded
# after each request (a fresh interpreter: the test session has loaded them all already).
_PROBE = textwrap.dedent("""
    import http.client, json, sys
    from mock_server.app import create_app
    from mock_server.cli import build_parser, config_from_args
    from mock_server.server import BackgroundServer

    app = create_app(config_from_args(build_parser(registered=False).parse_args(["serve"])))
    slow = json.loads(sys.argv[1])
    report = []
    with BackgroundServer(app.asgi, http=app.protocol) as server:
        for method, path, body in json.loads(sys.argv[2]):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            headers = {"Authorization": "Bearer t", **({"Content-Type": "application/json"} if body is not None else {})}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            report.append({"status": response.status, "body": json.loads(response.read()),
                           "loaded": [name for name in slow if name in sys.modules]})
            connection.close()
    print(json.dumps(report))
""")


def _probe(requests: list[tuple[str, str, str | None]]) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(SLOW), json.dumps(requests)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    return list(json.loads(done.stdout.splitlines()[-1]))


def test_the_first_answers_load_no_slow_library_and_a_bad_request_still_gets_openapi_cores_errors():
    listing, item, bad = _probe([("GET", "/v1/workflows/executions", None), ("GET", f"/v1/workflows/executions/{_first_execution()}", None),
                                 ("POST", "/v1/workflows/executions", "{}")])
    assert listing["status"] == 200 and len(listing["body"]) == 8  # the bundled world's executions
    assert listing["loaded"] == []
    assert item["status"] == 200 and item["body"]["id"] == _first_execution() and item["loaded"] == []
    assert bad["status"] == 400
    assert {"location": "body", "field": "workflowId", "message": "'workflowId' is a required property"} in \
        [{k: e[k] for k in ("location", "field", "message")} for e in bad["body"]["errors"]]
    assert "openapi_core" in bad["loaded"]  # what no quick check can settle still goes to openapi-core


def _first_execution() -> str:
    """The id of the bundled world's first execution."""
    import yaml

    fixture = yaml.safe_load((ROOT / "fixtures" / "default" / "workflow-executions__v1-workflows-executions.yaml").read_text())
    return str(fixture["items"][0]["id"])


# ---- requests settled without openapi-core get openapi-core's verdict ----

SPECS = [*bundled_spec_paths(), *sorted((ROOT / "tests" / "fixtures").glob("*/*.yaml"))]
VALUES = ("x", "", "42", "true", "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "2024-02-30", "2024-01-31T10:00:00Z", "a@b")


def _requests(spec: Spec, op: Any) -> list[RequestData]:
    """A request per way of sending an operation's parameters: none, each alone with each value, all together."""
    params = [spec.resolve(p) for p in op.parameters]
    path = {str(p["name"]): "x" for p in params if p.get("in") == "path"}
    out = [RequestData(op.method, op.path, dict(path), [], {}), RequestData(op.method, op.path, dict(path), [("unknown", "1")], {})]
    for param in params:
        name, where = str(param.get("name")), param.get("in")
        for value in VALUES:
            query = [(name, value)] if where == "query" else []
            headers = {name.lower(): value} if where == "header" else {}
            cookies = {name: value} if where == "cookie" else {}
            sent = {**path, name: value} if where == "path" else dict(path)
            out.append(RequestData(op.method, op.path, sent, query, headers, cookies))
    for value in VALUES:
        everything = [(str(p["name"]), value) for p in params if p.get("in") == "query"]
        headers = {str(p["name"]).lower(): value for p in params if p.get("in") == "header"}
        out.append(RequestData(op.method, op.path, {k: value for k in path}, everything, headers))
    return out


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_request_settled_without_openapi_core_is_one_openapi_core_accepts(path, monkeypatch):
    try:
        spec = load_spec(path)
    except Exception:  # noqa: BLE001 - a deliberately broken document of the suite: nothing to serve
        pytest.skip("not a servable document")
    for op in spec.operations:
        for req in _requests(spec, op):
            if not plainly_valid(spec, op, req):
                continue
            with monkeypatch.context() as patched:
                patched.setattr("mock_server.request_path.validate.plainly_valid", lambda *_: False)
                assert validate_request(spec, op, req) == [], (op.operation_id, req)


def test_most_bundled_requests_without_a_body_are_settled_without_openapi_core():
    specs = [load_spec(path) for path in bundled_spec_paths()]
    reads = [(spec, op) for spec in specs for op in spec.operations if op.method == "get"]
    settled = [op.operation_id for spec, op in reads
               if plainly_valid(spec, op, RequestData("get", op.path, {p["name"]: "abc" for p in map(spec.resolve, op.parameters)
                                                                        if p.get("in") == "path"}, [], {}))]
    assert len(settled) >= len(reads) * 3 // 4, sorted(set(op.operation_id for _, op in reads) - set(settled))


# ---- the cost of a request does not grow with the number of served operations ----

def _app_with(tmp_path: Path, operations: int) -> FlowmockApp:
    """The bundled specs and world, plus a generated spec of `operations` operations."""
    from mock_server.cli import _bundled_fixtures

    many = write_many_operations_spec(tmp_path / f"many-{operations}.json", operations)
    return create_app(ServerConfig(specs=(*bundled_spec_paths(), many), fixtures_dir=_bundled_fixtures(), seed=1))


def _lines_run(app: FlowmockApp, path: str) -> tuple[int, int]:
    """Status of a GET through the whole ASGI app, and how many lines of Python it ran (after two warm-up requests)."""
    async def get() -> int:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
                 "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
                 "server": ("127.0.0.1", 4010), "headers": [(b"host", b"127.0.0.1:4010"), (b"authorization", b"Bearer t")]}
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app.asgi(scope, receive, send)
        return int(sent[0]["status"])

    lines = 0

    def count(frame: Any, event: str, _: Any) -> Any:
        nonlocal lines
        lines += event == "line"
        return count

    async def measured() -> int:
        await get()
        await get()
        sys.settrace(count)
        try:
            return await get()
        finally:
            sys.settrace(None)

    status = asyncio.run(measured())
    return status, lines


def test_a_request_runs_the_same_code_with_ten_or_a_thousand_operations_served(tmp_path):
    small, large = _app_with(tmp_path, 10), _app_with(tmp_path, 1000)
    assert len(large.router.routes) - len(small.router.routes) == 2 * 990
    stored = "/v1/workflows/executions/" + _first_execution()
    for path in (stored, "/many/r001/items/abc", "/many-1000/many/r001/items/abc/parts/p", "/many/r001/items/abc/nothing"):
        small_path = path.replace("/many-1000/", "/many-10/")
        (small_status, small_lines), (large_status, large_lines) = _lines_run(small, small_path), _lines_run(large, path)
        assert small_status == large_status and small_status in (200, 404)
        assert small_lines > 100
        assert abs(large_lines - small_lines) <= small_lines // 50, (path, small_lines, large_lines)  # no scan of 990 more


# ---- responses settled without openapi-core are ones openapi-core accepts ----

def _bodies(value: Any) -> list[Any]:
    """An example, and ways to break it: each top-level field dropped, given a wrong type, or given an odd string."""
    out = [value]
    if isinstance(value, list) and value:
        out += [[changed] for changed in _bodies(value[0])[1:8]]
    if isinstance(value, dict):
        for key in list(value)[:12]:
            out.append({k: v for k, v in value.items() if k != key})
            for odd in (12345, "not-a-date", None, [], "2024-02-30T00:00:00Z"):
                out.append({**value, key: odd})
    return out


def _json_responses(spec: Spec) -> list[tuple[Any, int, Any]]:
    found = []
    for op in spec.operations:
        for status, response in (op.definition.get("responses") or {}).items():
            media = (spec.resolve(response).get("content") or {}).get("application/json") if status.isdigit() else None
            if isinstance(media, dict):
                examples = [media["example"]] if "example" in media else []
                examples += [e.get("value") for e in (media.get("examples") or {}).values() if isinstance(e, dict) and "value" in e]
                found += [(op, int(status), example) for example in examples]
    return found


@pytest.mark.parametrize("path", bundled_spec_paths(), ids=lambda p: p.name)
def test_a_response_settled_without_openapi_core_is_one_openapi_core_accepts(path):
    from mock_server.request_path.validate import _QuickResponse, validate_response

    spec = load_spec(path)
    settled = refused = 0
    for op, status, example in _json_responses(spec):
        quick = _QuickResponse.build(spec, op, status, "application/json")
        for body in _bodies(example):
            raw = json.dumps(body).encode()
            if quick is not None and quick.accepts(raw):
                settled += 1
                assert validate_response(spec, op, status, raw, {}, "application/json") == [], (op.operation_id, status, body)
            else:
                refused += 1
    assert settled > 10 and refused > 10  # both ways are taken
