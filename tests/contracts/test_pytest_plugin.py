"""contracts.pytest_plugin: the flowmock_server fixture and --contract-url, run in inner pytest sessions."""
from __future__ import annotations

import logging

import pytest

from mock_server.config import ServerConfig
from tests.contracts.broken_app import SPEC_PATH, TOKEN, serve_broken_app

pytest_plugins = ["pytester"]

FIXTURE_TESTS = '''
import httpx
import pytest

AUTH = {"Authorization": "Bearer t"}
BASE = "/workspace-workflows/api/v2/w/ws1/workflows"


def test_create_and_assert_on_the_journal(flowmock_server):
    created = httpx.post(flowmock_server.url + BASE, json={"name": "a"}, headers=AUTH)
    assert created.status_code == 201
    calls = flowmock_server.journal(operation="createWorkflow")
    assert [(c["method"], c["status"]) for c in calls] == [("POST", 201)]
    assert flowmock_server.journal(operation="workspace-workflows:createWorkflow") == calls
    assert flowmock_server.api_url("workspace-workflows") == flowmock_server.url + "/workspace-workflows"


def test_state_and_journal_are_reset_between_tests(flowmock_server):
    assert flowmock_server.journal() == []
    assert httpx.get(flowmock_server.url + BASE + "/1", headers=AUTH).status_code == 404


def test_default_config_is_seeded(flowmock_server):
    assert flowmock_server.config.seed == 0
    assert httpx.get(flowmock_server.url + "/__flowmock/health").json()["seed"] == 0


@pytest.mark.flowmock(seed=5, accept_tokens=["only-this"])
def test_marker_overrides_config(flowmock_server):
    assert flowmock_server.config.seed == 5
    assert httpx.get(flowmock_server.url + BASE, headers=AUTH).status_code == 401
    ok = httpx.get(flowmock_server.url + BASE, headers={"Authorization": "Bearer only-this"})
    assert ok.status_code == 200


def test_one_server_per_config(flowmock_server, flowmock_server_pool):
    assert flowmock_server_pool.get(flowmock_server.config) is flowmock_server
'''

CONFTEST_OVERRIDE = '''
import pytest
from mock_server.config import ServerConfig

@pytest.fixture
def flowmock_config():
    return ServerConfig(seed=42, strict_responses=True)
'''


@pytest.fixture(autouse=True)
def _quiet_werkzeug() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def test_flowmock_server_fixture(pytester):
    pytester.makepyfile(test_fixture=FIXTURE_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:xdist", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_flowmock_config_can_be_overridden_in_a_conftest(pytester):
    pytester.makeconftest(CONFTEST_OVERRIDE)
    pytester.makepyfile(test_it='''
def test_it(flowmock_server):
    assert flowmock_server.config.seed == 42 and flowmock_server.config.strict_responses
''')
    pytester.runpytest_inprocess("-p", "no:xdist", "-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_unknown_marker_field_is_a_usage_error(pytester):
    pytester.makepyfile(test_it='''
import pytest

@pytest.mark.flowmock(colour="red")
def test_it(flowmock_server):
    pass
''')
    result = pytester.runpytest_inprocess("-p", "no:xdist", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown ServerConfig field(s) colour*"])


@pytest.fixture
def flowmock_config() -> ServerConfig:
    return ServerConfig(seed=1, strict_responses=True, accept_tokens=frozenset({TOKEN}))


def contract_args(url: str) -> list[str]:
    return ["-p", "no:xdist", "-p", "no:cacheprovider", "--contract-url", url, "--contract-spec", str(SPEC_PATH),
            "--contract-token", TOKEN, "--contract-phases", "examples", "--contract-max-examples", "2",
            "--contract-seed", "3", "-k", "contract", "-rfs"]


def test_contract_url_passes_against_flowmock(pytester, flowmock_server):
    pytester.makepyfile(test_other="def test_other():\n    pass\n")
    result = pytester.runpytest_inprocess(*contract_args(flowmock_server.url + "/{spec}"))
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 2  # the run item and at least one operation
    assert outcomes.get("passed", 0) + outcomes.get("skipped", 0) == 11  # 10 operations + the run
    assert outcomes.get("deselected") == 1  # -k contract kept only the contract tests


def test_contract_url_fails_the_broken_operations(pytester):
    with serve_broken_app() as url:
        result = pytester.runpytest_inprocess(*contract_args(url))
    result.stdout.fnmatch_lines([
        "*FAILED*contract?workspace-workflows::GET /api/v2/w/{workspace_uuid}/workflows/{workflow_id}?*",
    ])
    text = result.stdout.str()
    assert "updatedAt" in text and "curl -X GET" in text
