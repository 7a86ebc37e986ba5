"""The journal middleware: records every API request with its status, duration and redacted, bounded headers and bodies."""
from __future__ import annotations

import re
import time
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.redaction import DEFAULT_REDACTION, REDACTED, Redaction, field_key, redact_body, redact_query, redacted_header_value
from mock_server.request_path.journal import JOURNAL_NOTE, REPLAY_CLOSEST, Captured, Journal, JournalEntry, redacted_errors
from mock_server.request_path.traffic import log_request, mask, secrets_in

_FORM = "application/x-www-form-urlencoded"
_MEMO_FROM = 1024  # bodies this large have their redacted text remembered (by their bytes) ...
_MEMO_ENTRIES = 64  # ... for this many recent bodies: at most 64 × 2 × --journal-body bytes
BodyTexts = OrderedDict[tuple[bytes, str, bool], str]
_JSON_KEY = re.compile(r'"([^"\\]{1,200})"\s*:\s*')
_JSON_SCALAR = re.compile(r'"(?:[^"\\]|\\.)*"?|[^,}\]\s]+')


class _Tap:
    """The first `limit` bytes of a body going by, and its whole size."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self.chunks: list[bytes] = []

    def add(self, chunk: bytes) -> None:
        kept = self.size
        self.size += len(chunk)
        if kept < self.limit and chunk:
            self.chunks.append(chunk[: self.limit - kept])

    def body(self) -> bytes:
        return b"".join(self.chunks)


class JournalMiddleware:
    """Journals every API request (replayed, mocked or refused) with headers, bodies, status and duration."""

    def __init__(self, app: ASGIApp, journal: Journal, skip: tuple[str, ...], redaction: Redaction | None = None) -> None:
        self.app, self.journal, self.skip = app, journal, skip
        self.redaction = redaction or DEFAULT_REDACTION
        self.texts: BodyTexts = OrderedDict()  # redacted text of recent large bodies (a cached answer is the same bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request, response = _Tap(self.journal.body_limit), _Tap(self.journal.body_limit)
        start: dict[str, Any] = {"status": 0, "headers": []}

        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request.add(message.get("body", b""))
            return message

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                start["status"], start["headers"] = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                response.add(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receiving, sending)
        finally:
            note = scope.get(JOURNAL_NOTE) or {}
            secrets = secrets_in(scope["headers"])
            entry = JournalEntry(
                seq=self.journal.next_seq(), time=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                method=scope["method"], path=scope["path"],
                query=redact_query(scope.get("query_string", b"").decode("latin-1"), self.redaction),
                operation_id=note.get("operation_id"), api=note.get("api"), status=start["status"],
                duration_ms=round((time.perf_counter() - started) * 1000, 3), tenant=note.get("tenant"),
                errors=redacted_errors(note.get("errors", [])), source=note.get("source", "mock" if note else "router"),
                request=capture(scope["headers"], request, self.redaction, secrets, self.texts),
                response=capture(start["headers"], response, self.redaction, secrets, self.texts),
                closest=list(scope.get(REPLAY_CLOSEST) or []),
            )
            self.journal.add(entry)
            log_request(entry, scope["headers"])


def capture(raw_headers: list[tuple[bytes, bytes]], tap: _Tap, redaction: Redaction, secrets: list[str],
            texts: BodyTexts | None = None) -> Captured:
    """Headers and body as the journal keeps them: credential headers, fields and echoed credentials redacted, the body cut."""
    headers = [(bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in raw_headers]
    ctype = next((v for k, v in headers if k.lower() == "content-type"), "").split(";")[0].strip().lower()
    truncated = tap.size > tap.limit
    body = tap.body()
    key = (body, ctype, truncated)
    memo = texts if texts is not None and len(body) >= _MEMO_FROM else None
    text = memo.get(key) if memo is not None else None
    if text is None:
        text = body_text(body, ctype, truncated, redaction)
        if memo is not None:
            memo[key] = text
            if len(memo) > _MEMO_ENTRIES:
                memo.popitem(last=False)
    if text and any(secret in text for secret in secrets):
        text = mask(text, secrets)
    shown = [(k, redacted_header_value(k, v, redaction)) for k, v in headers]
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
