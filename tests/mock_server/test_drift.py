"""`flowmock fixtures verify`: recorded traffic checked against the specs, per operation, with CI exit codes."""
from __future__ import annotations

import json

import pytest

from mock_server.recording.cassette import REDACTED, Cassette, Interaction, Request, Response, read_cassette, write_cassette
from mock_server.cli import main
from mock_server.recording.drift import load_specs, rule_of, verify
from tests.conftest import TESTS_DIR
from tests.mock_server.recording import WF, record_session

SESSIONS = TESTS_DIR / "fixtures" / "drift_redacted" / "openapi.yaml"


@pytest.fixture(scope="module")
def clean_cassette(tmp_path_factory):
    from mock_server.app import create_app
    from mock_server.config import ServerConfig
    from mock_server.server import BackgroundServer

    out = tmp_path_factory.mktemp("drift") / "clean.yaml"
    with BackgroundServer(create_app(ServerConfig(seed=11, strict_responses=True)).asgi) as upstream:
        record_session(upstream.url, out)
    return out


def test_a_clean_recording_passes_with_a_report_per_operation(clean_cassette, capsys):
    assert main(["fixtures", "verify", str(clean_cassette)]) == 0
    out = capsys.readouterr().out
    assert "workspace-workflows:getWorkflow  GET /api/v2/w/{workspace_uuid}/workflows/{workflow_id}: " \
           "2 exchange(s) checked, ok" in out
    assert "workspace-workflows:createWorkflow" in out and "automation:resumeExecutionWithToken" in out
    assert "6 exchange(s) in 5 operation(s): 0 violation(s), 0 unknown path(s)" in out


def _broken_copy(clean, tmp_path):
    cassette = read_cassette(clean)
    read = cassette.interactions[1]
    body = json.loads(read.response.body)
    body["archived"] = "no"
    del body["uuid"]
    read.response.body = json.dumps(body).encode()
    create = cassette.interactions[0]
    create.request.body = json.dumps({"name": 42}).encode()
    path = tmp_path / "broken.yaml"
    write_cassette(cassette, path)
    return path


def test_a_cassette_edited_to_break_the_contract_fails_naming_operation_field_and_rule(clean_cassette, tmp_path, capsys):
    broken = _broken_copy(clean_cassette, tmp_path)
    assert main(["fixtures", "verify", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "workspace-workflows:getWorkflow  GET /api/v2/w/{workspace_uuid}/workflows/{workflow_id}: " \
           "2 exchange(s) checked, 2 violation(s)" in out
    assert f"response archived  [type] 'no' is not of type 'boolean'  ({broken}#1, status 200)" in out
    assert "response uuid  [required]" in out
    assert "workspace-workflows:createWorkflow  POST /api/v2/w/{workspace_uuid}/workflows: 1 exchange(s) checked, " \
           "1 violation(s)" in out
    assert "request body name  [type] 42 is not of type 'string'" in out
    assert "workspace-workflows:listWorkflows  GET /api/v2/w/{workspace_uuid}/workflows: 1 exchange(s) checked, ok" in out

    assert main(["fixtures", "verify", str(broken), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    get = next(o for o in data["operations"] if o["operation"] == "workspace-workflows:getWorkflow")
    assert {(v["part"], v["field"], v["rule"]) for v in get["violations"]} == {
        ("response", "archived", "type"), ("response", "uuid", "required")}


def test_unknown_paths_are_reported_and_fail_unless_allowed(clean_cassette, tmp_path, capsys):
    cassette = read_cassette(clean_cassette)
    cassette.interactions.append(Interaction(Request("GET", "http://127.0.0.1:1/api/v3/reports"),
                                             Response(200, "OK", {}, b"[]")))
    cassette.interactions.append(Interaction(Request("PATCH", f"http://127.0.0.1:1{WF}"), Response(204)))
    path = tmp_path / "unknown.yaml"
    write_cassette(cassette, path)
    assert main(["fixtures", "verify", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"unknown  GET /api/v3/reports: no operation of the specs has this path  ({path}#6)" in out
    assert f"unknown  PATCH {WF}: method not allowed; the path allows GET, POST" in out
    assert main(["fixtures", "verify", str(path), "--allow-unknown"]) == 0


def _session(query_key: str, password: str, refresh: str) -> Interaction:
    return Interaction(
        Request("POST", f"https://api.example.com/sessions?api_key={query_key}", {"Content-Type": ["application/json"]},
                json.dumps({"user": "ada", "password": password}).encode()),
        Response(201, "Created", {"Content-Type": ["application/json"]},
                 json.dumps({"id": 1, "refresh_token": refresh}).encode()))


def test_redacted_values_are_not_reported_as_violations_but_real_bad_values_are(tmp_path):
    path = tmp_path / "sessions.yaml"
    write_cassette(Cassette([_session(REDACTED, REDACTED, REDACTED),
                             _session("not-a-uuid", "short", "also-not-a-uuid")]), path)
    report = verify([path], load_specs([SESSIONS]))
    op = report.operations["sessions:createSession"]
    assert op.checked == 2 and op.redacted_skipped >= 3
    assert {(v.index, v.location, v.field, v.rule) for v in op.violations} == {
        (1, "query", "api_key", "format"), (1, "body", "password", "minLength/minItems"),
        (1, "response", "refresh_token", "format")}
    assert "error(s) on REDACTED values skipped" in report.render()


def test_rules_are_named_from_messages_and_a_bad_cassette_is_a_clear_error(tmp_path, capsys):
    assert rule_of("'x' is not one of ['a', 'b']") == "enum"
    assert rule_of("Additional properties are not allowed ('x' was unexpected)") == "additionalProperties"
    assert rule_of("something new") == "schema"
    assert main(["fixtures", "verify", str(tmp_path / "missing.yaml")]) == 2
    assert "missing.yaml: cannot read cassette" in capsys.readouterr().err
