"""Fold the events of a contract run into per-spec, per-operation results that reports render."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from contracts.coverage import SpecCoverage, compute_coverage
from contracts.events import CheckFailed, ContractEvent, Exchange, RunError, ScenarioDone, SpecFinished, SpecStarted

SEVERITY_ORDER = ("critical", "high", "medium", "low")


@dataclass
class FailureGroup:
    """Every occurrence of one finding (spec, operation, check); `first` is the one reports show."""

    first: CheckFailed
    count: int = 1
    statuses: set[int] = field(default_factory=set)


@dataclass
class OperationStats:
    """Requests sent to one operation and what came back."""

    label: str
    operation_id: str = ""
    documented: bool = True
    requests: int = 0
    no_response: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # check name -> occurrences
    seconds: float = 0.0  # time spent on this operation's scenarios (generating, sending, checking)


@dataclass
class SpecSummary:
    """Results of one spec."""

    name: str
    started: SpecStarted | None = None
    finished: SpecFinished | None = None
    operations: dict[str, OperationStats] = field(default_factory=dict)
    failures: dict[tuple[str, str], FailureGroup] = field(default_factory=dict)
    errors: list[RunError] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No check failed and nothing kept the contract from being checked."""
        return not self.failures and not self.errors and (self.finished is None or self.finished.stop_reason != "error")

    @property
    def requests(self) -> int:
        """Requests sent for this spec."""
        return sum(op.requests for op in self.operations.values())

    @property
    def coverage(self) -> SpecCoverage:
        """Documented operations and status codes exercised or not."""
        documented = self.started.operations if self.started else ()
        seen = {label: dict(op.statuses) for label, op in self.operations.items()}
        return compute_coverage(documented, seen, {label: op.requests for label, op in self.operations.items()})

    @property
    def failures_by_severity(self) -> list[FailureGroup]:
        """Findings, most severe first (critical, high, medium, low), then in the order found."""
        def rank(group: FailureGroup) -> int:
            severity = group.first.severity.lower()
            return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)
        return sorted(self.failures.values(), key=rank)

    def operation(self, label: str) -> OperationStats:
        """The stats of an operation, created for labels the spec does not document."""
        if label not in self.operations:
            self.operations[label] = OperationStats(label, documented=False)
        return self.operations[label]


@dataclass
class ContractSummary:
    """All results of a contract run."""

    specs: dict[str, SpecSummary] = field(default_factory=dict)
    require_success_coverage: bool = False  # --fail-on-uncovered: a documented success status never seen fails the run
    interrupted: bool = False  # stopped by Ctrl+C: what ran is reported, but the run did not pass

    @classmethod
    def from_events(cls, events: Iterable[ContractEvent]) -> ContractSummary:
        """Fold a whole event stream."""
        summary = cls()
        for event in events:
            summary.add(event)
        return summary

    def add(self, event: ContractEvent) -> None:
        """Fold one event."""
        spec = self.specs.setdefault(event.spec, SpecSummary(event.spec))
        if isinstance(event, SpecStarted):
            spec.started = event
            for op in event.operations:
                spec.operations[op.label] = OperationStats(op.label, op.operation_id)
        elif isinstance(event, Exchange):
            stats = spec.operation(event.operation)
            stats.requests += 1
            if event.status is None:
                stats.no_response += 1
            else:
                stats.statuses[event.status] += 1
        elif isinstance(event, ScenarioDone):
            if event.operation in spec.operations:
                spec.operations[event.operation].seconds += event.elapsed
        elif isinstance(event, CheckFailed):
            spec.operation(event.operation).failures[event.check] += 1
            key = (event.operation, event.check)
            group = spec.failures.get(key)
            if group is None:
                group = spec.failures[key] = FailureGroup(event, 0)
            group.count += 1
            if event.status is not None:
                group.statuses.add(event.status)
        elif isinstance(event, RunError):
            if not any(e.label == event.label and e.message == event.message for e in spec.errors):
                spec.errors.append(event)
        elif isinstance(event, SpecFinished):
            spec.finished = event

    @property
    def passed(self) -> bool:
        """Every spec passed (and, with require_success_coverage, every documented success status was seen)."""
        covered = not (self.require_success_coverage and self.uncovered_success)
        return covered and not self.interrupted and all(spec.passed for spec in self.specs.values())

    @property
    def uncovered_success(self) -> list[tuple[str, str, str]]:
        """(spec, operation, status key) of every documented success status no response reached."""
        return [(name, label, key) for name, spec in self.specs.items() if spec.started is not None
                for label, key in spec.coverage.uncovered_success]

    @property
    def failure_kinds(self) -> set[tuple[str, str, str]]:
        """(spec, operation, check) of every finding."""
        return {(name, op, check) for name, spec in self.specs.items() for (op, check) in spec.failures}

    @property
    def failures(self) -> list[FailureGroup]:
        """Every finding, spec by spec, in the order found."""
        return [group for spec in self.specs.values() for group in spec.failures.values()]

    @property
    def errors(self) -> list[RunError]:
        """Every run error."""
        return [error for spec in self.specs.values() for error in spec.errors]

    @property
    def requests(self) -> int:
        """Requests sent in total."""
        return sum(spec.requests for spec in self.specs.values())

    @property
    def elapsed(self) -> float:
        """Seconds spent, summed over specs."""
        return sum(spec.finished.elapsed for spec in self.specs.values() if spec.finished)

    @property
    def time_limited(self) -> list[str]:
        """Specs the time budget cut short."""
        return [name for name, spec in self.specs.items() if spec.finished and spec.finished.stop_reason == "time-limit"]
