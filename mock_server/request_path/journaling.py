"""Journal capture: records every API request with its status, duration and redacted, bounded headers and bodies."""
from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from starlette.types import Scope

from mock_server.redaction import DEFAULT_REDACTION, REDACTED, Redaction, field_key, redact_body, redact_query, redacted_header_value
from mock_server.request_path.journal import (JOURNAL_NOTE, REPLAY_CLOSEST, Captured, Journal, JournalEntry, entry_cost,
                                              redacted_errors)
from mock_server.request_path.traffic import log_request, logs_requests, mask, secrets_in

_FORM = "application/x-www-form-urlencoded"
_MEMO_FROM = 1024  # bodies this large have their redacted text remembered (by their bytes) ...
_MEMO_ENTRIES = 64  # ... for this many recent bodies: at most 64 × 2 × --journal-body bytes
_SMALL_ENTRIES = 256  # smaller bodies (an id, a problem) have theirs remembered too, in their own memo of this size
_VIEWS_REMEMBERED = 256  # distinct header lists whose journaled view is kept
BodyTexts = OrderedDict[tuple[bytes, str, bool, tuple[str, ...]], str]
_JSON_KEY = re.compile(r'"([^"\\]{1,200})"\s*:\s*')
_JSON_SCALAR = re.compile(r'"(?:[^"\\]|\\.)*"?|[^,}\]\s]+')


class Tap:
    """The first `limit` bytes of a body going by, and its whole size."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self.chunks: list[bytes] = []

    def add(self, chunk: bytes) -> None:
        """See one more chunk of the body."""
        kept = self.size
        self.size += len(chunk)
        if kept < self.limit and chunk:
            self.chunks.append(chunk[: self.limit - kept])

    def body(self) -> bytes:
        """The kept bytes."""
        return b"".join(self.chunks)

    def kept(self) -> int:
        """How many bytes are kept."""
        return min(self.size, self.limit)


HeaderView = tuple[list[tuple[str, str]], str, list[str]]  # headers as journaled, content type, credentials


class Journaling:
    """Writes the journal entry of every API request (replayed, mocked or refused): headers, bodies, status, duration.

    Header lists repeat request after request (the same client, the same cached answer): their redacted view is
    worked out once per distinct list and remembered (bounded).
    """

    def __init__(self, journal: Journal, skip: tuple[str, ...], redaction: Redaction | None = None) -> None:
        self.journal, self.skip = journal, skip
        self.redaction = redaction or DEFAULT_REDACTION
        self.texts: BodyTexts = OrderedDict()  # redacted text of recent large bodies (a cached answer is the same bytes)
        self.small_texts: BodyTexts = OrderedDict()  # ... and of recent small ones (the same invalid request, again)
        self.views: dict[Any, HeaderView] = {}

    def keeps(self, path: str) -> bool:
        """Whether requests to `path` are journaled (not the admin API, the docs pages or the served documents)."""
        return not path.startswith(self.skip)

    def tap(self) -> Tap:
        """A tap for one body, cut at the journal's body limit."""
        return Tap(self.journal.body_limit)

    def record(self, scope: Scope, started: float, request: Tap, status: int, headers: list[tuple[bytes, bytes]],
               response: Tap) -> None:
        """Journal and log one finished exchange (what the answer's journal note in `scope` says about it).

        The exchange is kept as it happened; its entry (credentials redacted, bodies as text) is made when the
        journal is first read, so answering a request pays for none of that.
        """
        exchange = _Exchange(self, scope, round((time.perf_counter() - started) * 1000, 3), request, status, headers, response)
        self.journal.add(exchange, exchange.cost())
        if logs_requests():
            log_request(exchange.line_entry(), secrets_in(exchange.asked))

    def entry_of(self, exchange: _Exchange) -> JournalEntry:
        """The journal entry of an exchange: headers, query, errors and bodies redacted, bodies cut to text."""
        asked, answered = self._view(exchange.asked), self._view(exchange.answered)
        secrets = asked[2]
        entry = exchange.line_entry()
        entry.time, entry.closest = _stamp(exchange.time_ns), exchange.closest
        entry.request = capture(asked, exchange.request, self.redaction, secrets, self.texts, self.small_texts)
        entry.response = capture(answered, exchange.response, self.redaction, secrets, self.texts, self.small_texts)
        return entry

    def _view(self, raw: Sequence[tuple[bytes, bytes]]) -> HeaderView:
        """Headers as journaled (credential headers redacted), their content type and the credentials they carry."""
        try:
            key: Any = tuple(raw)
            known = self.views.get(key)
        except TypeError:  # header pairs given as lists: not remembered
            key, known = None, None
        if known is None:
            known = header_view(raw, self.redaction)
            if key is not None:
                if len(self.views) >= _VIEWS_REMEMBERED:
                    self.views.clear()
                self.views[key] = known
        return known


def _stamp(time_ns: int) -> str:
    """A time in UTC, as `datetime.isoformat(timespec="milliseconds")` writes it."""
    seconds, rest = divmod(time_ns, 1_000_000_000)
    return f"{datetime.fromtimestamp(seconds, timezone.utc).isoformat()[:19]}.{rest // 1_000_000:03d}+00:00"


class _Exchange:
    """One request and its answer as they happened (the raw headers and kept body bytes), until the journal is read.

    Raw credentials stay in memory only: everything read out goes through `entry()`, which redacts them.
    """

    __slots__ = ("seq", "operation_id", "api", "status", "source", "note", "time_ns", "method", "path", "query", "asked",
                 "answered", "request", "response", "closest", "duration_ms", "_journaling", "_entry")

    def __init__(self, journaling: Journaling, scope: Scope, duration_ms: float, request: Tap, status: int,
                 headers: list[tuple[bytes, bytes]], response: Tap) -> None:
        note = scope.get(JOURNAL_NOTE) or {}
        self.seq, self.time_ns, self._journaling = journaling.journal.next_seq(), time.time_ns(), journaling
        self._entry: JournalEntry | None = None
        self.operation_id, self.api, self.status, self.note = note.get("operation_id"), note.get("api"), status, note
        self.source = note.get("source", "mock" if note else "router")
        self.method, self.path, self.query = scope["method"], scope["path"], scope.get("query_string", b"")
        self.asked: Sequence[tuple[bytes, bytes]] = scope["headers"]
        self.answered: Sequence[tuple[bytes, bytes]] = tuple(headers)
        self.request, self.response, self.duration_ms = request, response, duration_ms
        self.closest = list(scope.get(REPLAY_CLOSEST) or [])

    def entry(self) -> JournalEntry:
        """The journal entry, made (and the raw exchange let go) the first time it is asked for."""
        if self._entry is None:
            self._entry = self._journaling.entry_of(self)
            self.asked = self.answered = ()
            self.request = self.response = Tap(0)
        return self._entry

    def cost(self) -> int:
        """Bytes this exchange takes in the journal (what the total-bytes cap counts): raw headers and kept bodies."""
        headers = sum(len(k) + len(v) for k, v in self.asked) + sum(len(k) + len(v) for k, v in self.answered)
        return entry_cost(self.path, self.query, headers + self.request.kept() + self.response.kept(), self.note.get("errors"),
                          self.closest)

    def line_entry(self) -> JournalEntry:
        """The entry's small fields, redacted (what the printed request line shows); no time, bodies or headers yet."""
        note = self.note
        return JournalEntry(seq=self.seq, time="", method=self.method, path=self.path,
                            query=redact_query(self.query.decode("latin-1"), self._journaling.redaction),
                            operation_id=self.operation_id, api=self.api, status=self.status, duration_ms=self.duration_ms,
                            tenant=note.get("tenant"), errors=redacted_errors(note.get("errors", [])), source=self.source)


def header_view(raw: Sequence[tuple[bytes, bytes]], redaction: Redaction) -> HeaderView:
    """Headers as the journal shows them (credential headers redacted), their content type and the credentials in them."""
    headers = [(bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in raw]
    ctype = next((v for k, v in headers if k.lower() == "content-type"), "").split(";")[0].strip().lower()
    shown = [(k, redacted_header_value(k, v, redaction)) for k, v in headers]
    return shown, ctype, secrets_in(raw)


def capture(view: HeaderView, tap: Tap, redaction: Redaction, secrets: list[str], texts: BodyTexts | None = None,
            small: BodyTexts | None = None) -> Captured:
    """Headers and body as the journal keeps them: credential headers, fields and echoed credentials redacted, the body cut.

    The text of a body is remembered by its bytes and the request's credentials: large bodies in `texts`, small ones
    in `small`.
    """
    shown, ctype = view[0], view[1]
    truncated = tap.size > tap.limit
    body = tap.body()
    key = (body, ctype, truncated, tuple(secrets))
    memo, bound = (texts, _MEMO_ENTRIES) if len(body) >= _MEMO_FROM else (small, _SMALL_ENTRIES)
    text = memo.get(key) if memo is not None else None
    if text is None:
        text = body_text(body, ctype, truncated, redaction)
        if text and any(secret in text for secret in secrets):
            text = mask(text, secrets)
        if memo is not None:
            memo[key] = text
            if len(memo) > bound:
                memo.popitem(last=False)
    return Captured(shown, text, tap.size, truncated)


def body_text(body: bytes, ctype: str, truncated: bool, redaction: Redaction) -> str:
    """A body as text with token-like JSON and form fields redacted (a cut JSON body is redacted key by key)."""
    if not body:
        return ""
    text = body.decode("utf-8", errors="replace")
    if text.count("\ufffd") > max(8, len(text) // 20):
        return f"({len(body)}{'+' if truncated else ''} bytes of binary data, not shown)"
    if ctype == _FORM:
        return redact_query(text, redaction)
    fields = redaction.fields
    looks_json = ctype.endswith("json") or (not ctype and text.lstrip()[:1] in ("{", "["))
    if not looks_json or not _may_name(text, fields):
        return text
    if not truncated:
        redacted = redact_body(body, ctype or "application/json", fields)  # what cassettes do with a whole body
        if redacted != body:
            return redacted.decode("utf-8", errors="replace")
    return _redact_json_excerpt(text, fields)


def _may_name(text: str, fields: frozenset[str]) -> bool:
    """Whether a text might hold one of the field names (a quick test that spares most bodies a JSON parse)."""
    squashed = text.lower().replace("_", "").replace("-", "")
    return any(name in squashed for name in fields)


def _redact_json_excerpt(text: str, fields: frozenset[str]) -> str:
    """JSON text that may be cut short or invalid, with the scalar value of every token-like key replaced."""
    out, pos = [], 0
    for key in _JSON_KEY.finditer(text):
        if key.start() < pos or field_key(key.group(1)) not in fields:
            continue
        value = _JSON_SCALAR.match(text, key.end())
        if value is None:  # an object or array under a secret name: drop what follows, it cannot be bounded here
            out += [text[pos:key.end()], f'"{REDACTED}" …']
            return "".join(out)
        if value.group() != "null":
            out += [text[pos:key.end()], f'"{REDACTED}"']
            pos = value.end()
    out.append(text[pos:])
    return "".join(out)
