"""A bounded log of the requests the server answered, with redacted headers and bodies, for the admin API and tests."""
from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from mock_server.redaction import DEFAULT_REDACTION, REDACTED, field_key

JOURNAL_NOTE = "flowmock.note"  # the scope key the journal reads to learn who answered (mock, replay, router, refused)
REPLAY_CLOSEST = "flowmock.replay_closest"  # the scope key holding a replay miss's closest recordings (for the journal)

BODY_LIMIT = 64 * 1024  # bytes of each request and response body kept in an entry
JOURNAL_BYTES = 16 * 1024 * 1024  # bytes of headers and bodies the whole journal keeps
_ENTRY_OVERHEAD = 256  # bytes counted for an entry's own fields (method, path, status, ...)


@dataclass(slots=True)  # not frozen: one is made per request side, and a frozen dataclass is three times slower to make
class Captured:
    """One side of an exchange as journaled: headers and body, credentials redacted, the body cut at a limit."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    size: int = 0  # bytes the body really had
    truncated: bool = False  # the body was longer than the journal keeps

    def cost(self) -> int:
        """Bytes this side takes in the journal (what the total-bytes cap counts)."""
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers)


@dataclass(slots=True)  # not frozen, like Captured; nothing changes an entry once the journal holds it
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
    source: str = "mock"  # mock (an operation answered), replay (a cassette answered), router (404/405), refused, dropped
    request: Captured = field(default_factory=Captured)
    response: Captured = field(default_factory=Captured)
    closest: list[dict[str, Any]] = field(default_factory=list)  # a replay miss: the closest recordings and why they failed

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    def entry(self) -> JournalEntry:
        """Itself (an entry is its own journaled form)."""
        return self

    def cost(self) -> int:
        """Bytes this entry takes in the journal, roughly (headers, bodies, errors and the fixed fields)."""
        return entry_cost(self.path, self.query, self.request.cost() + self.response.cost(), self.errors, self.closest)


def entry_cost(path: str | bytes, query: str | bytes, sides: int, errors: list[Any] | None, closest: list[Any]) -> int:
    """Bytes an entry takes in the journal, roughly: its fixed fields, path and query, both sides' headers and bodies
    (`sides`), its errors and closest recordings."""
    return (_ENTRY_OVERHEAD + len(path) + len(query) + sides
            + (sum(len(str(e)) for e in errors) if errors else 0)
            + (sum(len(str(c)) for c in closest) if closest else 0))


class Recorded(Protocol):
    """What the journal holds for one request: the fields it filters on, and the entry as journaled, made when asked."""

    seq: int
    operation_id: str | None
    api: str | None
    status: int

    def entry(self) -> JournalEntry:
        """The redacted, bounded entry."""


class Journal:
    """The last requests, newest last, bounded by a count of entries and by bytes (the oldest drop out first).

    It holds `Recorded` items: a request's entry is made (redacted, its bodies turned to text) when the journal is
    first read, not while the request is answered.
    """

    def __init__(self, size: int, max_bytes: int = JOURNAL_BYTES, body_limit: int = BODY_LIMIT) -> None:
        self.size, self.max_bytes, self.body_limit = size, max_bytes, body_limit
        self._entries: deque[tuple[Recorded, int]] = deque()
        self._bytes = 0
        self._seq = 0
        self.clears = 0  # how many times the journal was cleared (a live view starts over when it changes)

    def next_seq(self) -> int:
        """A sequence number for the next entry."""
        self._seq += 1
        return self._seq

    def add(self, entry: Recorded, cost: int | None = None) -> None:
        """Append an entry (its `cost` in bytes worked out here unless given); the oldest drop out while there are too
        many or they take too many bytes."""
        cost = entry.entry().cost() if cost is None else cost
        self._entries.append((entry, cost))
        self._bytes += cost
        while self._entries and (len(self._entries) > self.size or (self._bytes > self.max_bytes and len(self._entries) > 1)):
            _, dropped = self._entries.popleft()
            self._bytes -= dropped

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()
        self._bytes = 0
        self.clears += 1

    @property
    def bytes(self) -> int:
        """Bytes the kept entries take (as the cap counts them)."""
        return self._bytes

    def query(self, operation: str | None = None, status: range | None = None, limit: int | None = None,
              since: int | None = None) -> list[JournalEntry]:
        """Entries filtered by operationId (or `api:operationId`), status (one code or a class) and seq, newest last."""
        found = [
            e for e, _ in list(self._entries)  # a copy: requests may be journaled while the admin API reads
            if (operation is None or operation in (e.operation_id, f"{e.api}:{e.operation_id}"))
            and (status is None or e.status in status)
            and (since is None or e.seq > since)
        ]
        return [e.entry() for e in (found[-limit:] if limit else found)]


def redacted_errors(errors: list[dict[str, str]]) -> list[dict[str, str]]:
    """Validation errors as journaled: the message of a credential field (`api_key`, `password`, ...) names no value."""
    if not errors:
        return []
    secret = DEFAULT_REDACTION.fields
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


def parse_since(text: str | None) -> int | None:
    """A sequence number (entries after it are wanted); ValueError naming the parameter otherwise."""
    if text is None or text == "":
        return None
    if not text.strip().isdigit():
        raise ValueError(f"since must be a sequence number (0 or more), got {text[:40]!r}")
    return int(text)
