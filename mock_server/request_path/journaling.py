"""Journal capture: records every API request with its status, duration and redacted, bounded headers and bodies."""
from __future__ import annotations

import re
import time
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any

from starlette.types import Scope

from mock_server.redaction import DEFAULT_REDACTION, REDACTED, Redaction, field_key, redact_body, redact_query, redacted_header_value
from mock_server.request_path.journal import JOURNAL_NOTE, REPLAY_CLOSEST, Captured, Journal, JournalEntry, redacted_errors
from mock_server.request_path.traffic import log_request, mask, secrets_in

_FORM = "application/x-www-form-urlencoded"
_MEMO_FROM = 1024  # bodies this large have their redacted text remembered (by their bytes) ...
_MEMO_ENTRIES = 64  # ... for this many recent bodies: at most 64 × 2 × --journal-body bytes
_SMALL_ENTRIES = 256  # smaller bodies (an id, a problem) have theirs remembered too, in their own memo of this size
_VIEWS_REMEMBERED = 256  # distinct header lists whose journaled view is kept
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


HeaderView = tuple[list[tuple[str, str]], str, list[str], int]  # headers as journaled, content type, credentials, bytes


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
        self._second, self._day_and_time = -1, ""  # the last second a journal time was written in, formatted

    def keeps(self, path: str) -> bool:
        """Whether requests to `path` are journaled (not the admin API, the docs pages or the served documents)."""
        return not path.startswith(self.skip)

    def tap(self) -> Tap:
        """A tap for one body, cut at the journal's body limit."""
        return Tap(self.journal.body_limit)

    def record(self, scope: Scope, started: float, request: Tap, status: int, headers: list[tuple[bytes, bytes]],
               response: Tap) -> None:
        """Journal and log one finished exchange (what the answer's journal note in `scope` says about it)."""
        note = scope.get(JOURNAL_NOTE) or {}
        asked, answered = self._view(scope["headers"]), self._view(headers)
        secrets = asked[2]
        entry = JournalEntry(
            seq=self.journal.next_seq(), time=self._stamp(),
            method=scope["method"], path=scope["path"],
            query=redact_query(scope.get("query_string", b"").decode("latin-1"), self.redaction),
            operation_id=note.get("operation_id"), api=note.get("api"), status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 3), tenant=note.get("tenant"),
            errors=redacted_errors(note.get("errors", [])), source=note.get("source", "mock" if note else "router"),
            request=capture(asked, request, self.redaction, secrets, self.texts, self.small_texts),
            response=capture(answered, response, self.redaction, secrets, self.texts, self.small_texts),
            closest=list(scope.get(REPLAY_CLOSEST) or []),
        )
        self.journal.add(entry, entry.cost(asked[3] + answered[3]))
        log_request(entry, secrets)

    def _stamp(self) -> str:
        """Now in UTC, as `datetime.isoformat(timespec="milliseconds")` writes it; the date and time of day are
        formatted once per second."""
        seconds, rest = divmod(time.time_ns(), 1_000_000_000)
        if seconds != self._second:
            self._second, self._day_and_time = seconds, datetime.fromtimestamp(seconds, timezone.utc).isoformat()[:19]
        return f"{self._day_and_time}.{rest // 1_000_000:03d}+00:00"

    def _view(self, raw: list[tuple[bytes, bytes]]) -> HeaderView:
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


def header_view(raw: list[tuple[bytes, bytes]], redaction: Redaction) -> HeaderView:
    """Headers as the journal shows them (credential headers redacted), their content type, the credentials in them
    and the bytes they take in the journal."""
    headers = [(bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in raw]
    ctype = next((v for k, v in headers if k.lower() == "content-type"), "").split(";")[0].strip().lower()
    shown = [(k, redacted_header_value(k, v, redaction)) for k, v in headers]
    return shown, ctype, secrets_in(raw), sum(len(k) + len(v) for k, v in shown)


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
