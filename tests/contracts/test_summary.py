"""contracts.summary: folding events into per-operation results."""
from __future__ import annotations

from contracts.events import SpecFinished
from contracts.summary import ContractSummary
from tests.contracts.samples import DELETE, GET, POST, clean_events, events


def test_counts_requests_and_statuses_per_operation():
    spec = ContractSummary.from_events(events()).specs["things"]
    get, post = spec.operations[GET.label], spec.operations[POST.label]
    assert (get.requests, dict(get.statuses)) == (3, {200: 2, 404: 1})
    assert (post.requests, post.no_response, dict(post.statuses)) == (2, 1, {500: 1})
    assert spec.operations[DELETE.label].requests == 0
    assert not spec.operations["PATCH /things/{id}"].documented
    assert spec.requests == 6


def test_failures_are_grouped_by_operation_and_check():
    summary = ContractSummary.from_events(events())
    spec = summary.specs["things"]
    assert spec.failures[(GET.label, "response_schema_conformance")].count == 2
    assert summary.failure_kinds == {("things", GET.label, "response_schema_conformance"),
                                     ("things", POST.label, "not_a_server_error")}
    assert len(summary.errors) == 1  # the repeated run error is kept once
    assert not summary.passed


def test_clean_run_passes():
    summary = ContractSummary.from_events(clean_events())
    assert summary.passed and summary.requests == 1 and summary.elapsed == 0.2


def test_time_limited_specs_are_listed():
    stream = clean_events()[:-1] + [SpecFinished("things", 9.0, "time-limit")]
    summary = ContractSummary.from_events(stream)
    assert summary.time_limited == ["things"]
    assert summary.passed  # a cut run is reported, not failed


def test_coverage_from_summary():
    cov = ContractSummary.from_events(events()).specs["things"].coverage
    assert cov.operations_exercised == 2 and [o.operation.label for o in cov.never_exercised] == [DELETE.label]
