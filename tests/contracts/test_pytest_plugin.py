"""contracts.pytest_plugin: the flowmock_server fixture and --contract-url, run in inner pytest sessions.

The inner sessions are plain `python -m pytest` subprocesses in a temporary directory. Not `pytester`: it
drops from `sys.modules` whatever the test imported, so the rest of the session would then use a second copy
of httpx/httpcore or Schemathesis whose exceptions and events no longer match the first.
"""
from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import pytest

from mock_server.config import ServerConfig
from tests.contracts.broken_app import SPEC_PATH, TOKEN, serve_broken_app


@dataclass
class Inner:
    """What an inner pytest session printed and its outcome counts."""

    output: str
    outcomes: dict[str, int]

    def has_line(self, pattern: str) -> bool:
        return any(fnmatch(line, pattern) for line in self.output.splitlines())


def run_pytest(directory: Path, files: dict[str, str], *args: str) -> Inner:
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-rfs", *args],
                          cwd=directory, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    summary = output.strip().splitlines()[-1] if output.strip() else ""
    outcomes = {("errors" if kind.startswith("error") else kind): int(n)
                for n, kind in re.findall(r"(\d+) (passed|failed|skipped|errors?|deselected)", summary)}
    return Inner(output, outcomes)


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


def test_flowmock_server_fixture(tmp_path):
    inner = run_pytest(tmp_path, {"test_fixture.py": FIXTURE_TESTS})
    assert inner.outcomes == {"passed": 5}, inner.output


def test_config_override_in_a_conftest_and_bad_marker_fields(tmp_path):
    inner = run_pytest(tmp_path, {
        "conftest.py": CONFTEST_OVERRIDE,
        "test_override.py": """
            def test_it(flowmock_server):
                assert flowmock_server.config.seed == 42 and flowmock_server.config.strict_responses
            """,
        "test_bad_marker.py": """
            import pytest

            @pytest.mark.flowmock(colour="red")
            def test_it(flowmock_server):
                pass
            """,
    })
    assert inner.outcomes == {"passed": 1, "errors": 1}, inner.output
    assert inner.has_line("*unknown option(s) colour*known: accept_tokens, *clock, cors_origin*"), inner.output


@pytest.fixture
def flowmock_config() -> ServerConfig:
    return ServerConfig(seed=1, strict_responses=True, accept_tokens=frozenset({TOKEN}))


def contract_args(url: str) -> list[str]:
    return ["--contract-url", url, "--contract-spec", str(SPEC_PATH), "--contract-token", TOKEN,
            "--contract-phases", "examples", "--contract-max-examples", "2", "--contract-seed", "3", "-m", "contract"]


def test_contract_url_passes_against_flowmock(tmp_path, flowmock_server):
    inner = run_pytest(tmp_path, {"test_other.py": "def test_other():\n    pass\n"},
                       *contract_args(flowmock_server.url + "/{spec}"))
    outcomes = inner.outcomes
    assert outcomes.get("failed", 0) == 0, inner.output
    assert outcomes.get("passed", 0) >= 2  # the run item and at least one operation
    assert outcomes.get("passed", 0) + outcomes.get("skipped", 0) == 11  # 10 operations + the run
    assert outcomes.get("deselected") == 1  # -m contract kept only the contract tests


def test_contract_url_fails_the_broken_operations(tmp_path):
    with serve_broken_app() as url:
        inner = run_pytest(tmp_path, {}, *contract_args(url))
    assert inner.has_line("FAILED*contract?workspace-workflows::GET /api/v2/w/{workspace_uuid}/workflows/{workflow_id}?*"), \
        inner.output
    assert "updatedAt" in inner.output and "curl -X GET" in inner.output


MARKER_TESTS = f'''
import datetime
import pytest
from pathlib import Path

SPEC = {str(SPEC_PATH)!r}


@pytest.mark.flowmock(spec=[SPEC], no_auth=True, latency="0-1", clock="2025-01-01T00:00:00Z", seed=3, cors_origin="http://app")
def test_cli_names(flowmock_server):
    c = flowmock_server.config
    assert c.specs == (Path(SPEC),) and c.fixtures_dir is None and not c.auth and c.latency_ms == (0, 1)
    assert c.clock == datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc) and c.seed == 3
    assert c.cors_origins == ("http://app",)


@pytest.mark.flowmock(empty=True, accept_tokens="a,b")
def test_empty_and_tokens(flowmock_server):
    assert flowmock_server.config.fixtures_dir is None and flowmock_server.config.accept_tokens == frozenset({{"a", "b"}})


@pytest.mark.flowmock(fixtures_dir="x")
def test_old_name(flowmock_server):
    pass


@pytest.mark.flowmock(latency="soon")
def test_bad_value(flowmock_server):
    pass
'''


def test_marker_fields_are_the_cli_option_names(tmp_path):
    inner = run_pytest(tmp_path, {"test_markers.py": MARKER_TESTS})
    assert inner.outcomes == {"passed": 2, "errors": 2}, inner.output
    assert inner.has_line("*unknown option(s) fixtures_dir; fixtures_dir is fixtures=*"), inner.output
    assert inner.has_line("*--latency must look like 50-200*"), inner.output


FAILING_TEST = '''
import httpx

def test_fails_after_two_calls(flowmock_server):
    auth = {"Authorization": "Bearer secret-token-42"}
    base = flowmock_server.url + "/workspace-workflows/api/v2/w/ws1/workflows"
    assert httpx.post(base, json={"name": "a", "password": "pw-99"}, headers=auth).status_code == 201
    httpx.post(base, json={"name": 7}, headers=auth)
    httpx.put(base + "/1", json={"name": "a", "description": "x" * 800}, headers=auth)
    assert httpx.get(base + "?api_key=k3y", headers=auth).json() == "something else"


def test_passes(flowmock_server):
    assert httpx.get(flowmock_server.url + "/no/such/path").status_code == 404
'''


def test_a_failing_test_shows_what_the_mock_received_and_answered(tmp_path):
    inner = run_pytest(tmp_path, {"test_failing.py": FAILING_TEST})
    assert inner.outcomes == {"passed": 1, "failed": 1}, inner.output
    after = inner.output.split("flowmock: requests the mock received", 1)[1].split("\n", 1)[1]
    section = re.split(r"^[=_-]{3,} ", after, maxsplit=1, flags=re.M)[0]  # up to pytest's next header
    lines = [line for line in section.splitlines() if "→" in line or "✗" in line]
    assert re.match(r"POST /workspace-workflows/api/v2/w/ws1/workflows → 201 createWorkflow", lines[0]), lines
    assert re.match(r"POST /workspace-workflows/api/v2/w/ws1/workflows → 400 createWorkflow", lines[1]), lines
    assert lines[2].strip().startswith("✗ body name:"), lines
    assert re.match(r"PUT /workspace-workflows/api/v2/w/ws1/workflows/1 → 200 updateWorkflow", lines[3]), lines
    assert re.match(r"GET /workspace-workflows/api/v2/w/ws1/workflows\?api_key=REDACTED → 200 listWorkflows", lines[4]), lines
    bodies = [line.strip() for line in section.splitlines() if line.strip().startswith(("sent:", "answered:"))]
    assert bodies[0] == 'sent: {"name":"a","password":"REDACTED"}', bodies
    assert bodies[1].startswith('answered: {"id":') and '"name":"a"' in bodies[1], bodies
    assert bodies[2] == 'sent: {"name":7}' and bodies[3].startswith("answered: {") and "is not of type 'string'" in bodies[3], bodies
    long_sent, size = bodies[4], len(json.dumps({"name": "a", "description": "x" * 800}, separators=(",", ":")))
    assert long_sent.startswith('sent: {"name":"a","description":"xxx') and long_sent.endswith(f" … ({size} bytes)"), long_sent
    assert len(long_sent) == len("sent: ") + 500 + len(f" … ({size} bytes)"), "cut at 500 characters"
    assert bodies[6].startswith("answered: [{") and re.search(r" … \(\d+ bytes\)$", bodies[6]), bodies
    assert "secret-token-42" not in section and "k3y" not in section and "pw-99" not in section, section
    assert inner.output.count("flowmock: requests the mock received") == 1  # not for the passing test


def test_a_users_test_run_shows_no_library_warnings(tmp_path):
    inner = run_pytest(tmp_path, {"test_fixture.py": FIXTURE_TESTS})
    assert inner.outcomes == {"passed": 5}, inner.output
    assert "Warning" not in inner.output and "warnings summary" not in inner.output, inner.output


def test_contract_fail_on_uncovered_fails_the_operation_that_never_saw_a_success_status(tmp_path):
    from mock_server.server import BackgroundServer
    from tests.contracts.echo_app import create_echo_app, write_spec

    spec = write_spec(tmp_path)
    with BackgroundServer(create_echo_app("echo-token")) as backend:
        args = ["--contract-url", backend.url, "--contract-spec", str(spec), "--contract-token", "echo-token",
                "--contract-phases", "examples,coverage", "--contract-max-examples", "2", "--contract-seed", "3", "-m", "contract"]
        plain = run_pytest(tmp_path, {}, *args)
        strict = run_pytest(tmp_path, {}, *args, "--contract-fail-on-uncovered")
    assert not plain.has_line("FAILED*contract?echo::GET /health?*"), plain.output
    assert strict.has_line("FAILED*contract?echo::GET /health?*"), strict.output
    assert "documented success status(es) never seen: 202" in strict.output


def test_the_readme_lists_every_marker_field():
    from mock_server.cli import serve_parser

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("The marker takes the options of `flowmock serve`", 1)[1].split("\n\n", 1)[0]
    names = {a.dest for a in serve_parser()._actions if a.option_strings} - {"help", "log_level", "quiet", "host", "port"}
    assert {name for name in names if f"`{name}`" not in section} == set()
