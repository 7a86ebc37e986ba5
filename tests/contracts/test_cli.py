"""contracts.cli: `flowmock contract` end to end (exit status, console table, files)."""
from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contracts.cli import options_from_args
from mock_server.cli import build_parser, main
from mock_server.config import ServerConfig
from mock_server.loading.spec import bundled_spec_paths
from tests.contracts.broken_app import SPEC_PATH, TOKEN, serve_broken_app


@pytest.fixture
def flowmock_config() -> ServerConfig:
    return ServerConfig(seed=1, strict_responses=True, accept_tokens=frozenset({TOKEN}))


def test_passing_run_exits_0_and_writes_reports(flowmock_server, tmp_path, capsys):
    junit, report = tmp_path / "junit.xml", tmp_path / "report.html"
    code = main(["contract", "--spec", str(SPEC_PATH), "--base-url", flowmock_server.url + "/{spec}", "--token", TOKEN,
                 "--phases", "examples", "--operation", "listWorkflows", "--operation", "getWorkflow",
                 "--max-examples", "2", "--seed", "4", "--junit", str(junit), "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "operation" in out and "statuses seen" in out and "contract PASSED" in out
    assert "GET /api/v2/w/{workspace_uuid}/workflows/{workflow_id}" in out
    assert "coverage: " in out and "(seed 4)" in out
    assert ET.parse(junit).getroot().get("failures") == "0"
    assert "<!doctype html>" in report.read_text()


def test_failing_run_exits_1_with_curl_and_seed(tmp_path, capsys):
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with serve_broken_app() as url:
        code = main(["contract", "--spec", str(SPEC_PATH), "--base-url", url, "--token", TOKEN, "--phases", "examples",
                     "--operation", "getWorkflow", "--max-examples", "2", "--seed", "9", "--report", str(tmp_path / "r.md")])
    out = capsys.readouterr().out
    assert code == 1
    assert "response_schema_conformance" in out and "reproduce:" in out and "curl -X GET" in out
    assert "re-run the same cases with --seed 9" in out
    assert "updatedAt" in (tmp_path / "r.md").read_text()


@pytest.mark.parametrize("extra, message", [
    (["--checks", "nope"], "unknown check"),
    (["--exclude-checks", "all"], "no check left"),
    (["--report", "r.txt"], ".md or .html"),
    (["-H", "no-colon"], "Name: value"),
    (["--phases", "chaos"], "unknown phase"),
    (["--max-examples", "0"], "max-examples"),
])
def test_bad_options_exit_2(extra, message, capsys):
    code = main(["contract", "--spec", str(SPEC_PATH), "--base-url", "http://127.0.0.1:9", *extra])
    assert code == 2
    assert message in capsys.readouterr().err


def test_all_means_every_bundled_spec_and_token_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CONTRACT_TOKEN", "from-env")
    args = build_parser().parse_args(["contract", "--all", "--base-url", "http://127.0.0.1:9", "-H", "X-Team: a"])
    options = options_from_args(args)
    assert list(options.specs) == bundled_spec_paths() and options.token == "from-env"
    assert options.headers == (("X-Team", "a"),)


def test_spec_and_all_are_exclusive(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["contract", "--all", "--spec", "x.yaml", "--base-url", "http://127.0.0.1:9"])
    assert exc.value.code == 2


def test_help_lists_the_subcommand(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "contract" in capsys.readouterr().out
    assert Path(SPEC_PATH).exists()
