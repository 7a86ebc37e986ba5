"""A bounded log of the requests the server answered, for the admin API and tests."""
from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class JournalEntry:
    """One answered request."""

    seq: int
    time: str
    method: str
    path: str
    query: str
    operation_id: str | None
    api: str | None
    status: int
    duration_ms: float
    tenant: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    source: str = "mock"  # mock (an operation answered), replay (a cassette answered), router (404/405)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


class Journal:
    """The last N requests, newest last."""

    def __init__(self, size: int) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=size)
        self._seq = 0

    def next_seq(self) -> int:
        """A sequence number for the next entry."""
        self._seq += 1
        return self._seq

    def add(self, entry: JournalEntry) -> None:
        """Append an entry (the oldest drops out when full)."""
        self._entries.append(entry)

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()

    def query(self, operation: str | None = None, status: int | None = None, limit: int | None = None) -> list[JournalEntry]:
        """Entries filtered by operationId (or `api:operationId`) and status, newest last."""
        found = [
            e for e in self._entries
            if (operation is None or operation in (e.operation_id, f"{e.api}:{e.operation_id}"))
            and (status is None or e.status == status)
        ]
        return found[-limit:] if limit else found
