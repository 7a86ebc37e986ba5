"""A bounded log of the requests the server answered, for the admin API and tests."""
from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from mock_server.redaction import REDACTED, Redaction, field_key

JOURNAL_NOTE = "flowmock.note"  # the scope key the journal reads to learn who answered (mock, replay, router, refused)


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

    def query(self, operation: str | None = None, status: range | None = None, limit: int | None = None) -> list[JournalEntry]:
        """Entries filtered by operationId (or `api:operationId`) and status (one code or a class), newest last."""
        found = [
            e for e in self._entries
            if (operation is None or operation in (e.operation_id, f"{e.api}:{e.operation_id}"))
            and (status is None or e.status in status)
        ]
        return found[-limit:] if limit else found


def redacted_errors(errors: list[dict[str, str]]) -> list[dict[str, str]]:
    """Validation errors as journaled: the message of a credential field (`api_key`, `password`, ...) names no value."""
    secret = Redaction().fields
    out = []
    for error in errors:
        name = str(error.get("field", "")).replace("[", ".").split(".")[-1]
        if name and field_key(name) in secret:
            error = {**error, "message": f"invalid value ({REDACTED})"}
        out.append(error)
    return out


def parse_status_filter(text: str | None) -> range | None:
    """`404` → that code, `4xx` → 400-499; ValueError naming the parameter otherwise."""
    if text is None or text == "":
        return None
    value = text.strip().lower()
    if len(value) == 3 and value[0] in "12345" and value[1:] == "xx":
        start = int(value[0]) * 100
        return range(start, start + 100)
    if value.isdigit() and 100 <= int(value) <= 599:
        return range(int(value), int(value) + 1)
    raise ValueError(f"status must be an HTTP status code (404) or a class (4xx), got {text[:40]!r}")


def parse_limit(text: str | None) -> int | None:
    """A positive count of entries; ValueError naming the parameter otherwise."""
    if text is None or text == "":
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"limit must be a positive integer, got {text[:40]!r}")
    return int(text)
