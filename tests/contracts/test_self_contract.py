"""flowmock fuzzes itself: every bundled spec's contract against a running flowmock; zero failures is the bar.

Strict responses are on (a mock answer that breaks the spec becomes a 500) and only `good-token` is accepted,
so `ignored_auth` is meaningful. Bounded: 5 examples per operation and phase, 120 s per spec at most.
Findings about the engine go to docs/contract-findings.md.
"""
from __future__ import annotations

import time

import pytest

from contracts.report import render_text, write_report
from contracts.runner import ContractOptions, run_contract
from contracts.summary import ContractSummary
from mock_server.config import ServerConfig
from mock_server.loading.spec import bundled_spec_paths

TOKEN = "good-token"


@pytest.fixture
def flowmock_config() -> ServerConfig:
    return ServerConfig(seed=1, strict_responses=True, accept_tokens=frozenset({TOKEN}))


@pytest.mark.slow
@pytest.mark.parametrize("spec", bundled_spec_paths(), ids=lambda p: p.stem)
def test_flowmock_passes_its_own_contract(flowmock_server, spec, tmp_path):
    options = ContractOptions(specs=(spec,), base_url=flowmock_server.url + "/{spec}", token=TOKEN,
                              max_examples=5, max_time=120, seed=1)
    started = time.monotonic()
    summary = ContractSummary.from_events(run_contract(options))
    report = write_report(summary, tmp_path / f"contract-{spec.stem}.md")
    print(f"self-contract {spec.stem}: {time.monotonic() - started:.1f}s, report {report}")  # noqa: T201
    assert not summary.time_limited, render_text(summary)
    assert summary.passed, render_text(summary)
