"""The event dataclasses a contract run yields; reports and the pytest plugin consume them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class DocumentedOperation:
    """One operation as the spec documents it: the denominator of coverage."""

    label: str  # "GET /v1/things/{id}", the same label Schemathesis uses
    method: str  # upper case
    path: str
    operation_id: str
    statuses: tuple[str, ...]  # documented response keys: "200", "4XX", "default"


@dataclass(frozen=True)
class SpecStarted:
    """A spec's contract starts against a base URL."""

    spec: str
    title: str
    location: str
    base_url: str
    seed: int
    operations: tuple[DocumentedOperation, ...]
    checks: tuple[str, ...]
    phases: tuple[str, ...]
    started_at: str = ""  # ISO 8601 instant, UTC


@dataclass(frozen=True)
class Exchange:
    """One request sent and what came back (status None: no response, e.g. a connection error)."""

    spec: str
    operation: str
    phase: str
    method: str
    url: str
    status: int | None
    elapsed: float = 0.0  # seconds the response took


@dataclass(frozen=True)
class PhaseBegan:
    """A spec's contract enters a phase (examples, coverage, fuzzing, stateful)."""

    spec: str
    phase: str


@dataclass(frozen=True)
class ScenarioDone:
    """One operation (or, in the stateful phase, a sequence of them) is done with a phase."""

    spec: str
    phase: str
    operation: str
    elapsed: float  # seconds spent generating, sending and checking


@dataclass(frozen=True)
class CheckFailed:
    """A check failed on one response."""

    spec: str
    operation: str  # label of the operation the failure is about
    check: str  # e.g. response_schema_conformance
    title: str
    message: str
    severity: str
    phase: str
    status: int | None
    curl: str  # a command that reproduces the failing request
    steps: tuple[str, ...] = ()  # curl commands of every request needed, oldest first (stateful failures)
    response: str = ""  # the start of the failing response's body

    @property
    def kind(self) -> tuple[str, str, str]:
        """What makes two failures the same finding: spec, operation and check."""
        return self.spec, self.operation, self.check


@dataclass(frozen=True)
class RunError:
    """Something kept the contract from being checked (network error, crashed phase, invalid spec)."""

    spec: str
    label: str
    message: str


@dataclass(frozen=True)
class SpecFinished:
    """A spec's contract ended; stop_reason is completed, time-limit, interrupted or error."""

    spec: str
    elapsed: float
    stop_reason: str
    phases_run: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())  # e.g. a phase whose time share ran out


ContractEvent = Union[SpecStarted, PhaseBegan, Exchange, ScenarioDone, CheckFailed, RunError, SpecFinished]
