"""A catalogue of bad input: each gets a clear 4xx naming the problem, stores nothing, and the server keeps answering.

Requests httpx cannot (or will not) send go over raw sockets: pipelining, HTTP/1.0, stalled and truncated bodies,
64 KB URLs, a lying Content-Length.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from mock_server.app import FlowmockApp, create_app
from mock_server.cli import _bundled_fixtures
from mock_server.config import ServerConfig
from mock_server.errors import FieldError
from mock_server.server import BackgroundServer, free_port
from mock_server.request_path.validate import Verdicts

DEFS = "/v1/workflows/definitions"
TEMPLATES = "/v2/flows/templates"
AUTH = {"Authorization": "Bearer bad-input-test"}
JSON = {**AUTH, "Content-Type": "application/json"}
READ_TIMEOUT = 1.5
MAX_BODY = 256 * 1024
ROLLBACK_SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "rollback" / "openapi.yaml"


@dataclass
class Running:
    """A server on a free port, with the limits the catalogue exercises."""

    app: FlowmockApp
    server: BackgroundServer

    @property
    def url(self) -> str:
        """Base URL."""
        return self.server.url


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    config = ServerConfig(fixtures_dir=_bundled_fixtures(), strict_responses=True, seed=5, read_timeout=READ_TIMEOUT,
                          max_body=MAX_BODY)
    app = create_app(config)
    with BackgroundServer(app.asgi, http=app.protocol) as server:
        yield Running(app, server)


def stored(running: Running) -> dict[str, object]:
    """Every stored object of every tenant, as the admin API exports them (counters and clocks left out)."""
    state = httpx.get(running.url + "/__flowmock/state", timeout=30).json()
    return {name: tenant["buckets"] for name, tenant in state["tenants"].items()}


def raw_exchange(running: Running, data: bytes, timeout: float = 10.0, close_after_send: bool = False) -> bytes:
    """Send bytes on a fresh connection and read until the server closes it (or `timeout`)."""
    with socket.create_connection(("127.0.0.1", running.server.port), timeout=timeout) as sock:
        sock.sendall(data)
        if close_after_send:
            return b""
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        return received


def responses(data: bytes) -> list[tuple[int, str]]:
    """(status, body) of each HTTP/1.x response in `data`, in order (bodies framed by Content-Length)."""
    out = []
    while data.startswith(b"HTTP/1."):
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", len(rest)))
        out.append((int(lines[0].split()[1]), rest[:length].decode("utf-8", "replace")))
        data = rest[length:]
    return out


def request_bytes(method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None,
                  version: str = "HTTP/1.1", close: bool = True) -> bytes:
    """A raw HTTP request (Content-Length from the body unless given)."""
    fields = {"Host": "127.0.0.1", **AUTH, **(headers or {})}
    if body and "Content-Length" not in fields and "Transfer-Encoding" not in fields:
        fields["Content-Length"] = str(len(body))
    if close:
        fields["Connection"] = "close"
    head = f"{method} {target} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
    return head.encode("latin-1") + body


def via_httpx(method: str, path: str, **kwargs: object) -> Callable[[Running], tuple[int, str]]:
    def send(running: Running) -> tuple[int, str]:
        response = httpx.request(method, running.url + path, timeout=30, **kwargs)  # type: ignore[arg-type]
        return response.status_code, response.text
    return send


def via_socket(data: bytes) -> Callable[[Running], tuple[int, str]]:
    def send(running: Running) -> tuple[int, str]:
        answers = responses(raw_exchange(running, data))
        assert len(answers) == 1, answers
        return answers[0]
    return send


def post_json(path: str, body: bytes, headers: dict[str, str] | None = None) -> Callable[[Running], tuple[int, str]]:
    return via_httpx("POST", path, content=body, headers={**JSON, **(headers or {})})


def nested(depth: int) -> bytes:
    return b'{"name": "deep", "flow": ' + b"[" * depth + b"]" * depth + b"}"


STATE = "/__flowmock/state"
DEFINITION_BUCKET = "workflow-definitions|/v1/workflows/definitions"


def import_state(payload: object) -> Callable[[Running], tuple[int, str]]:
    return via_httpx("PUT", STATE, json=payload)


@dataclass(frozen=True)
class Bad:
    """One bad input: how to send it, the status it gets, a fragment its body must contain."""

    id: str
    send: Callable[[Running], tuple[int, str]]
    status: int
    fragment: str


CATALOGUE = [
    # values that could not be sent back as JSON
    Bad("lone-surrogate", post_json(DEFS, b'{"name": "\\ud800", "flow": {}}'), 400, "name: contains a lone UTF-16 surrogate"),
    Bad("lone-surrogate-key", post_json(DEFS, b'{"name": "x", "\\udc00": 1}'), 400, "lone UTF-16 surrogate"),
    Bad("nan", post_json(DEFS, b'{"name": "x", "description": NaN}'), 400, "description: NaN is not valid JSON"),
    Bad("infinity", post_json(DEFS, b'{"name": "x", "version": Infinity}'), 400, "version: Infinity is not valid JSON"),
    Bad("minus-infinity", post_json(DEFS, b'{"name": -Infinity}'), 400, "name: -Infinity is not valid JSON"),
    Bad("float-overflow", post_json(DEFS, b'{"name": "x", "version": 1e400}'), 400, "version: the number 1e400 is beyond"),
    Bad("huge-integer", post_json(DEFS, b'{"name": "x", "version": ' + b"9" * 400 + b"}"), 400, "version: the integer of 400 digits"),
    Bad("integer-past-python-limit", post_json(DEFS, b'{"v": ' + b"7" * 5000 + b"}"), 400, "v: the integer of 5000 digits"),
    # shapes and encodings
    Bad("nested-10000-deep", post_json(DEFS, nested(10_000)), 400, "nested deeper than 64 levels"),
    Bad("nested-65-deep", post_json(DEFS, nested(64)), 400, "nested deeper than 64 levels"),
    Bad("duplicate-keys", post_json(DEFS, b'{"name": "a", "flow": {}, "name": "b"}'), 400, "name: duplicate key 'name'"),
    Bad("nested-duplicate-keys", post_json(DEFS, b'{"name": "a", "flow": {"x": 1, "x": 2}}'), 400, "flow.x: duplicate key 'x'"),
    Bad("invalid-utf8", post_json(DEFS, b'{"name": "\xff\xfe"}'), 400, "not valid UTF-8"),
    Bad("truncated-json", post_json(DEFS, b'{"name": "x",'), 400, "malformed body"),
    Bad("json-array-for-object", post_json(DEFS, b"[1, 2]"), 400, "Invalid request to createDefinition"),
    Bad("empty-required-body", post_json(DEFS, b""), 400, "request body is required"),
    Bad("wrong-content-type", post_json(DEFS, b"name=x", {"Content-Type": "text/plain"}), 415, "text/plain"),
    Bad("form-content-type", post_json(DEFS, b"name=x", {"Content-Type": "application/x-www-form-urlencoded"}), 415,
        "application/x-www-form-urlencoded"),
    Bad("get-with-junk-body", via_httpx("GET", DEFS, content=b"junk{", headers=JSON), 400, "malformed body"),
    Bad("get-with-text-body", via_httpx("GET", DEFS, content=b"\x00junk", headers={**AUTH, "Content-Type": "text/plain"}), 415,
        "getDefinitions takes no request body"),
    Bad("delete-with-junk-body", via_httpx("DELETE", DEFS + "/any", content=b"\x00\x01junk", headers=JSON), 400,
        "Invalid request to deleteDefinition"),
    # sizes and time
    Bad("body-over-max-body", post_json(DEFS, b'{"name": "' + b"a" * MAX_BODY + b'"}'), 413, "the limit is 262144 bytes (--max-body)"),
    Bad("chunked-body-over-max-body", via_socket(request_bytes(
        "POST", DEFS, b"".join(b"10000\r\n" + b"a" * 0x10000 + b"\r\n" for _ in range(5)) + b"0\r\n\r\n",
        {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})), 413, "more than 262144 bytes"),
    Bad("announced-length-over-max-body", via_socket(request_bytes(
        "POST", DEFS, b"{}", {"Content-Type": "application/json", "Content-Length": str(50 * 1024 * 1024)})), 413,
        "announces 52428800 bytes"),
    Bad("url-64kb", via_socket(request_bytes("GET", DEFS + "?q=" + "a" * 65536)), 414, "the limit is 8192 (--max-url)"),
    Bad("url-9kb-path", via_socket(request_bytes("GET", DEFS + "/" + "b" * 9000)), 414, "--max-url"),
    Bad("huge-header", via_socket(request_bytes("GET", DEFS, headers={"X-Big": "h" * 65536})), 431, "--max-header-size"),
    Bad("thousands-of-headers", via_socket(request_bytes("GET", DEFS, headers={f"X-H{i}": "v" * 20 for i in range(2000)})),
        431, "--max-header-size"),
    Bad("stalled-body", via_socket(request_bytes("POST", DEFS, b'{"name": "stalled", "flow": {}',
                                                 {"Content-Type": "application/json", "Content-Length": "1000"}, close=False)),
        408, "did not arrive within 1.5 s"),
    Bad("stalled-head", via_socket(b"POST " + DEFS.encode() + b" HTTP/1.1\r\nHost: x\r\n"), 408, "headers did not arrive"),
    Bad("invalid-content-length", via_socket(request_bytes("POST", DEFS, b"{}", {"Content-Length": "abc"})), 400,
        "Invalid HTTP request"),
    Bad("unknown-method", via_socket(request_bytes("BREW", DEFS)), 400, "Invalid HTTP request"),
    Bad("smuggling-te-and-cl", via_socket(request_bytes("POST", DEFS, b"2\r\n{}\r\n0\r\n\r\n", {
        "Content-Type": "application/json", "Content-Length": "4", "Transfer-Encoding": "chunked"})), 400, "Invalid HTTP request"),
    Bad("two-content-lengths", via_socket(request_bytes("POST", DEFS, headers={"Content-Length": "2"}, close=False).replace(
        b"\r\n\r\n", b"\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}")), 400, "Invalid HTTP request"),
    Bad("expect-continue-too-large", via_socket(request_bytes("POST", DEFS, headers={
        "Content-Type": "application/json", "Content-Length": "99999999", "Expect": "100-continue"})), 413, "announces 99999999"),
    Bad("tls-handshake-on-plain-http", via_socket(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), 400, "Invalid HTTP request"),
    # ids and paths
    Bad("id-dot-dot", via_socket(request_bytes("GET", DEFS + "/..")), 404, "No definitions with id '..'"),
    Bad("path-dot-dot-traversal", via_socket(request_bytes("DELETE", DEFS + "/../../../etc/passwd")), 404, "unknown path"),
    Bad("id-with-nul", via_httpx("DELETE", DEFS + "/a%00b", headers=AUTH), 404, "No definitions with id 'a\\u0000b'"),
    Bad("id-with-encoded-slash", via_httpx("DELETE", DEFS + "/a%2Fb", headers=AUTH), 404,  # `%2F` stays inside the id
        "No definitions with id 'a/b'"),
    # admin routes
    Bad("journal-status-word", via_httpx("GET", "/__flowmock/journal?status=teapot"), 400, "status must be an HTTP status code"),
    Bad("journal-limit-abc", via_httpx("GET", "/__flowmock/journal?limit=abc"), 400, "limit must be a positive integer, got 'abc'"),
    Bad("journal-limit-zero", via_httpx("GET", "/__flowmock/journal?limit=0"), 400, "limit must be a positive integer"),
    Bad("state-import-10000-deep", via_httpx("PUT", STATE, content=nested(10_000), headers={"Content-Type": "application/json"}),
        400, "nested deeper than 64 levels"),
    Bad("state-import-junk", via_httpx("PUT", STATE, content=b"{junk", headers={"Content-Type": "application/json"}), 400,
        "malformed body"),
    Bad("state-import-nan", via_httpx("PUT", STATE, content=b'{"version": 1, "tenants": {"default": {"ticks": NaN}}}',
                                      headers={"Content-Type": "application/json"}), 400, "tenants.default.ticks: NaN"),
    Bad("state-import-not-an-export", import_state([1, 2]), 400, "expected an export"),
    Bad("state-import-buckets-string", import_state({"version": 1, "tenants": {"default": {"buckets": "x"}}}), 400,
        "tenants.default.buckets: must be an object of collections, got str"),
    Bad("state-import-unknown-spec", import_state({"version": 1, "tenants": {"default": {"buckets": {"nope|/x": {}}}}}), 400,
        "spec 'nope' is not served"),
    Bad("state-import-invalid-object", import_state({"version": 1, "tenants": {
        "default": {"buckets": {DEFINITION_BUCKET: {"d1": {"id": "d1", "name": 5}}}}}}), 400,
        "tenants.default.buckets['workflow-definitions|/v1/workflows/definitions']['d1']: field '"),
    Bad("state-import-id-mismatch", import_state({"version": 1, "tenants": {"default": {"buckets": {
        DEFINITION_BUCKET: {"d1": {"id": "other", "name": "x"}}}}}}), 400, "not the key it is stored under"),
    Bad("state-import-bad-counters", import_state({"version": 1, "tenants": {"default": {"counters": {"x": "1"}, "ticks": -1}}}),
        400, "tenants.default.counters.x: must be an integer"),
]


@pytest.mark.parametrize("bad", CATALOGUE, ids=[b.id for b in CATALOGUE])
def test_bad_input_gets_a_4xx_naming_the_problem_and_changes_nothing(running: Running, bad: Bad) -> None:
    before = stored(running)
    status, body = bad.send(running)
    assert status == bad.status, body
    assert bad.fragment in body, body
    assert stored(running) == before, "a refused request stored something"
    health = httpx.get(running.url + "/__flowmock/health", timeout=10)
    listed = httpx.get(running.url + DEFS, headers=AUTH, timeout=10)
    assert health.status_code == 200 and listed.status_code == 200 and isinstance(listed.json(), list)


def test_the_catalogue_is_at_least_thirty_strong() -> None:
    assert len(CATALOGUE) >= 30


def test_a_body_that_ends_early_is_dropped(running: Running) -> None:
    before = stored(running)
    body = json.dumps({"name": "never stored", "flow": {}}).encode()
    assert len(body) < 1000
    raw_exchange(running, request_bytes("POST", DEFS, body, {"Content-Type": "application/json", "Content-Length": "1000"},
                                        close=False), close_after_send=True)
    time.sleep(0.5)
    assert stored(running) == before
    assert "never stored" not in httpx.get(running.url + DEFS, headers=AUTH).text
    journal = httpx.get(running.url + "/__flowmock/journal", params={"limit": 5}).json()
    assert any(e["source"] == "dropped" and e["path"] == DEFS for e in journal), journal


def test_pipelined_requests_are_answered_in_order(running: Running) -> None:
    pipelined = (request_bytes("GET", DEFS + "?size=1", close=False) + request_bytes("GET", "/__flowmock/health", close=False)
                 + request_bytes("POST", DEFS, b'{"name": NaN}', {"Content-Type": "application/json"}, close=False)
                 + request_bytes("GET", "/nowhere"))
    answers = responses(raw_exchange(running, pipelined))
    assert [status for status, _ in answers] == [200, 200, 400, 404]
    assert json.loads(answers[1][1])["status"] == "ok"
    assert "NaN is not valid JSON" in answers[2][1]


def test_expect_100_continue_gets_its_interim_answer_before_the_body_is_sent(running: Running) -> None:
    body = json.dumps({"name": "continued", "flow": []}).encode()
    head = request_bytes("POST", DEFS, headers={**JSON, "Content-Length": str(len(body)), "Expect": "100-continue"})
    with socket.create_connection(("127.0.0.1", running.server.port), timeout=5) as sock:
        sock.sendall(head)
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue"), "no 100 Continue while the client waits for it"
        sock.sendall(body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    status, text = responses(received)[0]
    assert status == 201 and json.loads(text)["name"] == "continued"


def test_an_answer_without_a_body_arrives_while_the_connection_stays_open(running: Running) -> None:
    with socket.create_connection(("127.0.0.1", running.server.port), timeout=5) as sock:
        sock.sendall(request_bytes("HEAD", DEFS, close=False))
        head = sock.recv(65536)  # a HEAD answer has no body: it must not wait for one, nor for the connection to close
        assert head.startswith(b"HTTP/1.1 200") and head.endswith(b"\r\n\r\n"), head[-80:]
        sock.sendall(request_bytes("GET", "/__flowmock/health"))
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert responses(received)[0][0] == 200 and json.loads(responses(received)[0][1])["status"] == "ok"


def test_http_10_gets_an_answer_and_a_closed_connection(running: Running) -> None:
    data = f"GET {DEFS} HTTP/1.0\r\nAuthorization: Bearer t\r\n\r\n".encode()
    received = raw_exchange(running, data, timeout=5)
    assert received.startswith(b"HTTP/1.1 200"), received[:100]
    assert isinstance(json.loads(responses(received)[0][1]), list)


def test_journal_status_filter_takes_a_code_or_a_class(running: Running) -> None:
    httpx.get(running.url + "/nowhere-at-all")
    httpx.post(running.url + DEFS, headers=JSON, content=b"{")
    four = httpx.get(running.url + "/__flowmock/journal", params={"status": "4xx"}).json()
    assert four and all(400 <= e["status"] < 500 for e in four)
    assert {404, 400} <= {e["status"] for e in four}
    only = httpx.get(running.url + "/__flowmock/journal", params={"status": "404"}).json()
    assert only and {e["status"] for e in only} == {404}


def test_a_state_import_with_one_invalid_object_is_refused_whole(running: Running) -> None:
    good = {**httpx.get(running.url + DEFS, headers=AUTH).json()[0], "id": "d-good", "name": "fine"}
    payload = {"version": 1, "tenants": {"default": {"buckets": {DEFINITION_BUCKET: {
        "d-good": good, "d-bad": {"id": "d-bad", "name": ["not", "a", "string"]}}}}}}
    refused = httpx.put(running.url + STATE, json=payload)
    assert refused.status_code == 400
    assert "d-bad" in refused.json()["detail"] and refused.json()["problems"]
    assert httpx.get(running.url + DEFS + "/d-good", headers=AUTH).status_code == 404
    del payload["tenants"]["default"]["buckets"][DEFINITION_BUCKET]["d-bad"]  # type: ignore[index]
    exported = httpx.get(running.url + STATE).json()
    try:
        assert httpx.put(running.url + STATE, json=payload).status_code == 200
        assert httpx.get(running.url + DEFS + "/d-good", headers=AUTH).json()["name"] == "fine"
    finally:
        assert httpx.put(running.url + STATE, json=exported).status_code == 200


def test_error_lists_are_bounded_and_heavy_validation_does_not_stall_other_clients(serve) -> None:
    server = serve(seed=3)
    body = json.dumps({"name": "huge", "tasks": [7] * 1_000_000}).encode()
    assert len(body) < 10 * 1024 * 1024
    result: dict[str, object] = {}

    def post() -> None:
        started = time.perf_counter()
        result["response"] = httpx.post(server.url + TEMPLATES, content=body, headers=JSON, timeout=120)
        result["seconds"] = time.perf_counter() - started

    worker = threading.Thread(target=post)
    worker.start()
    time.sleep(0.3)
    latencies = []
    while worker.is_alive() and len(latencies) < 20:
        started = time.perf_counter()
        assert httpx.get(server.url + "/__flowmock/health", timeout=30).status_code == 200
        latencies.append(time.perf_counter() - started)
        time.sleep(0.05)
    worker.join(120)
    response = result["response"]
    assert isinstance(response, httpx.Response)
    assert response.status_code == 400, response.text[:500]
    problem = response.json()
    assert len(problem["errors"]) == 100
    assert problem["totalErrors"] >= 1000
    assert problem["errors"][0]["field"].startswith("tasks[0]")
    assert len(response.content) < 100_000
    assert result["seconds"] < 30  # type: ignore[operator]
    assert not latencies or max(latencies) < 2.0, latencies
    assert "huge" not in httpx.get(server.url + TEMPLATES, headers=AUTH).text


def test_the_default_body_limit_is_10_mb(serve) -> None:
    server = serve(seed=3)
    announced = request_bytes("POST", DEFS, b"{}", {"Content-Type": "application/json", "Content-Length": str(10 * 1024 * 1024 + 1)})
    status, body = responses(raw_exchange(Running(server.app, server.server), announced))[0]
    assert status == 413 and "the limit is 10485760 bytes" in body


def test_a_write_whose_answer_cannot_be_built_leaves_the_store_as_it_was(serve) -> None:
    server = serve(specs=(ROLLBACK_SPEC,))
    c = server.client
    failed = c.post("/rb/things", json={"name": "a"}, headers={"Prefer": "example=broken"})
    assert failed.status_code == 500 and "breaks the spec" in failed.json()["detail"]
    assert c.get("/rb/things").json() == []
    created = c.post("/rb/things", json={"name": "kept"})
    assert created.status_code == 201
    refused_delete = c.delete(f"/rb/things/{created.json()['id']}", headers={"Prefer": "example=broken"})
    assert refused_delete.status_code == 500
    assert [t["name"] for t in c.get("/rb/things").json()] == ["kept"]
    again = c.post("/rb/things", json={"name": "next"})
    assert again.status_code == 201 and len(c.get("/rb/things").json()) == 2


def test_limits_are_serve_options(tmp_path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "mock_server.cli", "serve", "--port", str(port), "--empty", "--max-body", "1KB",
               "--max-url", "2KB", "--max-json-depth", "3", "--max-errors", "2", "--read-timeout", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(url + "/__flowmock/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        big = httpx.post(url + DEFS, content=b"[" + b"1," * 1000 + b"1]", headers=JSON)
        assert big.status_code == 413 and "the limit is 1024 bytes" in big.text
        assert httpx.get(url + DEFS + "?q=" + "x" * 2100, headers=AUTH).status_code == 414
        deep = httpx.post(url + DEFS, content=b'{"a": [[[1]]]}', headers=JSON)
        assert deep.status_code == 400 and "nested deeper than 3 levels" in deep.text
        many = httpx.post(url + DEFS, json={"name": 1, "description": 2, "flow": 3, "version": "x"}, headers=AUTH).json()
        assert len(many["errors"]) == 2 and many["totalErrors"] >= 3
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            started = time.monotonic()
            sock.sendall(b"GET / HTTP/1.1\r\n")
            assert sock.recv(1000).startswith(b"HTTP/1.1 408") and time.monotonic() - started < 5
    finally:
        process.terminate()
        process.wait(10)
    refused = subprocess.run([*command[:4], "--max-body", "lots"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "expected a size like 10MB" in refused.stderr


def test_the_validation_memo_is_bounded_by_entries_and_by_bytes(running: Running) -> None:
    memo = running.app.engine.request_verdicts
    for index in range(40):
        body = json.dumps({"name": index, "tasks": [index] * 5000}).encode()
        assert httpx.post(running.url + TEMPLATES, content=body, headers=JSON).status_code == 400
    assert 0 < memo.bytes <= memo.max_bytes and len(memo) <= memo.size
    errors = [FieldError("body", f"tasks[{i}]", "7 is not of type 'object'") for i in range(5)]
    one = Verdicts()
    one.put(0, errors)
    small = Verdicts(size=3, max_bytes=int(one.bytes * 2.5))  # room for two entries by bytes, three by count
    for key in range(10):
        small.put(key, errors)
    assert len(small) == 2 and small.bytes <= small.max_bytes and small.get(9) == errors and small.get(0) is None
    small.put("huge", errors * 100)
    assert small.get("huge") is None, "a verdict larger than the whole memo is not kept"


def test_the_memo_counts_what_it_really_keeps_alive() -> None:
    """The byte bound is a real one: what the memo says it holds is within 30% of what tracemalloc sees it hold."""
    import gc
    import tracemalloc

    from mock_server.request_path.engine import RequestVerdict
    from mock_server.request_path.validate import digest

    memo = Verdicts(size=100_000, max_bytes=10**10)
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(500):
            errors = tuple(FieldError("body", f"triggers[{j}]", f"{i} is not of type 'object'") for j in range(100))
            key = (("automation", "/v1/automation/flows", "post"), "/v1/automation/flows", (("q", f"{i}" * 400),), (None,), (),
                   digest(str(i).encode()), "application/json")
            memo.put(key, RequestVerdict(errors, 1000))
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert 0.7 <= memo.bytes / held <= 1.3, (memo.bytes, held)


def test_validation_memo_size_is_configurable_and_long_queries_count_against_it(serve) -> None:
    server = serve(seed=1, validation_memo=64 * 1024)
    memo = server.app.engine.request_verdicts
    for index in range(60):
        query = {"note": "x" * 2000 + str(index)}  # a distinct 2 KB query each time: kept in the memo's key
        assert server.client.get(DEFS, params=query).status_code == 200
        body = json.dumps({"name": index, "tasks": [index] * 500}).encode()
        assert server.client.post(TEMPLATES, content=body, headers={"Content-Type": "application/json"}).status_code == 400
    assert 0 < memo.bytes <= 64 * 1024 and 0 < len(memo) < 60
    again = server.client.post(TEMPLATES, content=body, headers={"Content-Type": "application/json"})
    assert again.status_code == 400 and again.json()["totalErrors"] >= 500, "a remembered verdict answers the same"
    off = serve(seed=1, validation_memo=0)
    assert off.client.get(DEFS, params={"note": "x"}).status_code == 200
    assert len(off.app.engine.request_verdicts) == 0, "--validation-memo 0 keeps nothing"


def test_an_answer_that_cannot_be_encoded_is_a_500_problem_and_the_write_is_undone(serve) -> None:
    server = serve(seed=3)
    created = server.client.post(DEFS, json={"name": "to corrupt", "flow": []})
    assert created.status_code == 201, created.text
    ident = created.json()["id"]
    stored_object = server.app.store.tenant("default").find("workflow-definitions", DEFS, ident)
    stored_object["creationTime"] = "\ud800"  # what an unchecked import could once leave behind
    replaced = server.client.put(f"{DEFS}/{ident}", json={"name": "replaced", "flow": []})
    assert replaced.status_code == 500, replaced.text
    assert "could not be encoded as JSON; nothing was changed" in replaced.json()["detail"]
    kept = server.app.store.tenant("default").find("workflow-definitions", DEFS, ident)
    assert kept is stored_object and kept["name"] == "to corrupt"
    stored_object["creationTime"] = created.json()["creationTime"]
    assert server.client.get(f"{DEFS}/{ident}").json()["name"] == "to corrupt"
