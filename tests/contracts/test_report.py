"""contracts.report: console, Markdown, HTML and JUnit renderings of a summary."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from contracts.errors import ContractConfigError
from contracts.report import render_html, render_junit, render_markdown, render_text, verdict, write_junit, write_report
from contracts.summary import ContractSummary
from tests.contracts.samples import CURL, DELETE, GET, POST, clean_events, events, failure


@pytest.fixture
def summary() -> ContractSummary:
    return ContractSummary.from_events(events())


def test_text_has_the_table_the_failures_with_curl_and_coverage(summary):
    text = render_text(summary)
    assert "operation" in text and "requests" in text and "statuses seen" in text and "failures" in text
    row = next(line for line in text.splitlines() if line.startswith(GET.label + " "))
    assert "200×2 404×1" in row and "response_schema_conformance" in row
    assert "no-response×1" in text and "PATCH /things/{id}  (undocumented)" in text
    assert f"{GET.label} — response_schema_conformance: Response violates schema" in text
    assert CURL in text and "seen 2×" in text
    assert "coverage: 2/3 documented operations exercised, 2/5 documented status codes exercised" in text
    assert f"never exercised: {DELETE.label}" in text and f"{POST.label}: never saw 201, 400" in text
    assert "ERROR Stateful tests" in text
    assert "$CONTRACT_TOKEN: export it" in text
    assert text.rstrip().endswith(verdict(summary))
    assert verdict(summary).startswith("contract FAILED: 2 failure(s), 1 error(s), 6 request(s)")


def test_verdict_of_a_clean_run():
    assert verdict(ContractSummary.from_events(clean_events())).startswith("contract PASSED: 0 failure(s)")


def test_markdown(summary):
    md = render_markdown(summary)
    assert md.startswith("# Contract report")
    assert "| operation | requests | statuses seen | failures |" in md
    assert f"| `{GET.label}` | 3 | 200×2 404×1 | response_schema_conformance |" in md
    assert "#### 1. `GET /things/{id}` — `response_schema_conformance`" in md
    assert "```sh\n" + CURL + "\n```" in md
    assert "### Coverage" in md and f"- never exercised: {DELETE.label}" in md


def test_html_is_self_contained_and_escaped(summary):
    page = render_html(summary)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page and "http-equiv" not in page and "<link" not in page
    assert "&lt;b&gt;" in page and "<b>'name'" not in page
    assert "Coverage" in page and "class=bad" in page


def test_junit(summary):
    root = ET.fromstring(render_junit(summary))
    # 3 documented operations x 2 checks, the undocumented PATCH has no failure, plus one run error
    assert root.tag == "testsuites" and root.get("tests") == "7" and root.get("failures") == "2" and root.get("errors") == "1"
    suite = root.find("testsuite")
    assert suite.get("name") == "things" and suite.get("skipped") == "2"
    cases = {(c.get("classname"), c.get("name")): c for c in suite.findall("testcase")}
    failing = cases[("things." + GET.label, "response_schema_conformance")]
    assert [f.get("type") for f in failing.findall("failure")] == ["response_schema_conformance"]
    assert CURL in failing.find("failure").text
    assert cases[("things." + GET.label, "not_a_server_error")].find("failure") is None
    assert cases[("things." + DELETE.label, "not_a_server_error")].find("skipped") is not None
    assert cases[("things.(run)", "run error: Stateful tests")].find("error") is not None


def test_failures_are_listed_most_severe_first():
    low = failure(POST.label, "status_code_conformance", 500)
    critical = failure(POST.label, "ignored_auth", 201)
    critical = type(critical)(**{**critical.__dict__, "severity": "critical"})
    low = type(low)(**{**low.__dict__, "severity": "low"})
    summary = ContractSummary.from_events([*events()[:-1], low, critical, events()[-1]])
    text = render_text(summary)
    order = [text.index(f"{POST.label} — ignored_auth"), text.index(f"{GET.label} — response_schema_conformance"),
             text.index(f"{POST.label} — status_code_conformance")]
    assert order == sorted(order)


def test_write_report_picks_the_format_from_the_suffix(summary, tmp_path):
    assert write_report(summary, tmp_path / "r.md").read_text().startswith("# Contract report")
    assert write_report(summary, tmp_path / "sub" / "r.html").read_text().startswith("<!doctype html>")
    assert ET.parse(write_junit(summary, tmp_path / "j" / "junit.xml")).getroot().tag == "testsuites"
    with pytest.raises(ContractConfigError):
        write_report(summary, tmp_path / "r.txt")
