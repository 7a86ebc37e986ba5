"""Contract-testing harness: Schemathesis against any implementation of the specs.

Layers, imports pointing down only:
    cli, pytest_plugin          entry points (only cli prints)
    report                      console, Markdown, HTML and JUnit renderings of a summary
    summary, coverage           fold events into per-operation results and coverage
    runner                      drives Schemathesis, yields events
    checks, events, errors      the check catalogue (and our own checks), event dataclasses, errors
"""
from __future__ import annotations

from contracts.checks import DEFAULT_CHECKS, KNOWN_CHECKS, PHASES, select_checks, select_phases
from contracts.coverage import OperationCoverage, SpecCoverage, compute_coverage
from contracts.errors import ContractConfigError, ContractError, ContractFailed
from contracts.events import (
    CheckFailed,
    ContractEvent,
    DocumentedOperation,
    Exchange,
    PhaseBegan,
    RunError,
    ScenarioDone,
    SpecFinished,
    SpecStarted,
)
from contracts.report import render_html, render_junit, render_markdown, render_text, write_junit, write_report
from contracts.runner import ContractOptions, documented_operations, run_contract
from contracts.summary import ContractSummary, FailureGroup, OperationStats, SpecSummary

__all__ = [
    "DEFAULT_CHECKS", "KNOWN_CHECKS", "PHASES", "CheckFailed", "ContractConfigError", "ContractError", "ContractEvent",
    "ContractFailed", "ContractOptions", "ContractSummary", "DocumentedOperation", "Exchange", "FailureGroup",
    "OperationCoverage", "OperationStats", "PhaseBegan", "RunError", "ScenarioDone", "SpecCoverage", "SpecFinished", "SpecStarted", "SpecSummary",
    "compute_coverage", "documented_operations", "render_html", "render_junit", "render_markdown", "render_text",
    "run_contract", "select_checks", "select_phases", "write_junit", "write_report",
]
