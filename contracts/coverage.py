"""Coverage of a contract run: which documented operations and status codes were exercised, which never were."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from contracts.events import DocumentedOperation


def status_matches(documented: str, status: int) -> bool:
    """Whether a response status falls under a documented response key (`200`, `4XX`, not `default`)."""
    key = documented.upper()
    if len(key) == 3 and key.endswith("XX") and key[0].isdigit():
        return str(status)[0] == key[0]
    return key == str(status)


def documented_key(keys: Iterable[str], status: int) -> str | None:
    """The response key a status is documented under: exact code first, then range, then `default`."""
    keys = list(keys)
    for key in keys:
        if key == str(status):
            return key
    for key in keys:
        if key.upper().endswith("XX") and status_matches(key, status):
            return key
    return "default" if "default" in keys else None


@dataclass(frozen=True)
class OperationCoverage:
    """What one documented operation saw."""

    operation: DocumentedOperation
    requests: int
    exercised: tuple[str, ...]  # documented response keys some response fell under
    missed: tuple[str, ...]  # documented response keys no response fell under
    undocumented: tuple[int, ...]  # statuses seen that no key documents

    @property
    def missed_success(self) -> tuple[str, ...]:
        """Documented success keys (`201`, `2XX`) no response fell under."""
        return tuple(key for key in self.missed if key.startswith("2"))

    @property
    def was_exercised(self) -> bool:
        """At least one request reached the operation and got an answer."""
        return bool(self.exercised or self.undocumented)


@dataclass(frozen=True)
class SpecCoverage:
    """Coverage of one spec."""

    operations: tuple[OperationCoverage, ...]

    @property
    def operations_exercised(self) -> int:
        """How many documented operations got at least one answer."""
        return sum(1 for op in self.operations if op.was_exercised)

    @property
    def statuses_documented(self) -> int:
        """Documented (operation, response key) pairs."""
        return sum(len(op.operation.statuses) for op in self.operations)

    @property
    def statuses_exercised(self) -> int:
        """Documented (operation, response key) pairs some response fell under."""
        return sum(len(op.exercised) for op in self.operations)

    @property
    def uncovered_success(self) -> tuple[tuple[str, str], ...]:
        """(operation label, status key) of every documented success status no response reached."""
        return tuple((op.operation.label, key) for op in self.operations for key in op.missed_success)

    @property
    def never_exercised(self) -> tuple[OperationCoverage, ...]:
        """Operations no answered request reached."""
        return tuple(op for op in self.operations if not op.was_exercised)


def compute_coverage(documented: Iterable[DocumentedOperation], seen: Mapping[str, Mapping[int, int]],
                     requests: Mapping[str, int]) -> SpecCoverage:
    """Coverage from the documented operations and, per operation label, the count of each status seen."""
    out = []
    for op in documented:
        statuses = seen.get(op.label, {})
        hit: set[str] = set()
        undocumented: set[int] = set()
        for status in statuses:
            key = documented_key(op.statuses, status)
            if key is None:
                undocumented.add(status)
            else:
                hit.add(key)
        exercised = tuple(k for k in op.statuses if k in hit)
        missed = tuple(k for k in op.statuses if k not in hit)
        out.append(OperationCoverage(op, requests.get(op.label, 0), exercised, missed, tuple(sorted(undocumented))))
    return SpecCoverage(tuple(out))
