"""The dispatcher answers mocked requests itself: an internal failure is a 500 problem, and the server goes on."""
from __future__ import annotations

import logging

import httpx
import pytest

EXECUTIONS = "/v1/workflows/executions"


def test_an_internal_failure_is_a_500_problem_naming_the_operation_and_is_journaled(serve, caplog):
    running = serve(seed=2)
    engine = running.app.engine
    answer = engine.respond

    def broken(*_args: object) -> None:
        raise RuntimeError("a bug in a behaviour")

    engine.respond = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="mock_server.app"):
        failed = running.client.get(EXECUTIONS)
    assert failed.status_code == 500 and failed.headers["content-type"] == "application/problem+json"
    problem = failed.json()
    assert problem["status"] == 500 and "getExecutions" in problem["detail"], problem
    assert "a bug in a behaviour" not in failed.text, "the traceback goes to the log, not to the client"
    assert any(r.exc_info and "a bug in a behaviour" in str(r.exc_info[1]) for r in caplog.records), "the log has the traceback"
    engine.respond = answer  # type: ignore[method-assign]
    assert running.client.get(EXECUTIONS).status_code == 200, "the server goes on answering"
    journal = httpx.get(running.url + "/__flowmock/journal").json()
    assert [e["status"] for e in journal if e["path"] == EXECUTIONS][-2:] == [500, 200]


@pytest.mark.parametrize("path", ["/workflow-executions/ui/", "/workflow-executions/openapi.json"])
def test_docs_are_served_without_a_token_and_not_journaled(serve, path):
    running = serve(seed=2, accept_tokens=frozenset({"only-this"}))
    assert httpx.get(running.url + path).status_code == 200
    assert httpx.get(running.url + EXECUTIONS).status_code == 401
    journal = httpx.get(running.url + "/__flowmock/journal").json()
    assert [e["path"] for e in journal] == [EXECUTIONS]
