"""The harness against a deliberately broken implementation: it reports exactly the planted defects.

One contract run (about 10 s), checked by a single test so that pytest-xdist never runs it twice.
"""
from __future__ import annotations

import logging
import time

import httpx
import pytest

from contracts.report import render_text
from contracts.runner import ContractOptions, run_contract
from contracts.summary import ContractSummary
from tests.contracts.broken_app import ALSO_ALLOWED, EXPECTED, OPERATIONS, SPEC_PATH, TOKEN, serve_broken_app


@pytest.fixture(autouse=True)
def _quiet_werkzeug() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def test_the_app_is_otherwise_healthy():
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with serve_broken_app() as url:
        assert httpx.get(f"{url}/api/v2/w/ws/workflows").status_code == 401
        created = httpx.post(f"{url}/api/v2/w/ws/workflows", json={"name": "x"}, headers=auth)
        assert created.status_code == 201 and created.json()["updatedAt"]
        assert httpx.get(f"{url}/api/v2/w/ws/workflows?archived=maybe", headers=auth).status_code == 400
        assert httpx.delete(f"{url}/api/v2/w/ws/workflows/{created.json()['id']}", headers=auth).status_code == 200


def test_reports_exactly_the_planted_defects():
    with serve_broken_app() as url:
        options = ContractOptions(specs=(SPEC_PATH,), base_url=url, token=TOKEN, operations=OPERATIONS,
                                  max_examples=10, seed=2, max_time=120)
        started = time.monotonic()
        summary = ContractSummary.from_events(run_contract(options))
        print(f"broken-app contract run: {time.monotonic() - started:.1f}s")  # noqa: T201
    text = render_text(summary)
    found = {(operation, check) for _, operation, check in summary.failure_kinds}

    # each defect, and nothing else
    missed = {defect: kind for defect, kind in EXPECTED.items() if kind not in found}
    assert not missed, f"defects not reported: {missed}\n{text}"
    unexpected = found - set(EXPECTED.values()) - ALSO_ALLOWED
    assert not unexpected, f"unexpected failures: {unexpected}\n{text}"
    assert not summary.errors, text

    # each failure says what is wrong and how to reproduce it, without leaking the token
    groups = {(g.first.operation, g.first.check): g.first for g in summary.failures}
    assert "updatedAt" in groups[EXPECTED["D1 missing required field"]].message
    assert '"57" is not of type "integer"' in groups[EXPECTED["D2 wrong type"]].message
    assert groups[EXPECTED["D3 undocumented status"]].status == 422
    assert groups[EXPECTED["D4 500 on bad input"]].status == 500
    assert "still readable" in groups[EXPECTED["D5 use after free"]].title
    for failure in groups.values():
        assert failure.curl.startswith("curl ") and url in failure.curl
        assert TOKEN not in failure.curl + failure.message + "".join(failure.steps)

    # the table and the coverage cover every tested operation
    assert "coverage: 5/5 documented operations exercised" in text
    for operation, _ in EXPECTED.values():
        assert any(line.startswith(operation + " ") for line in text.splitlines())
