"""The outermost request guard: URL, header and body size limits, a read deadline, and whole bodies only.

Every request is read to its end here, before any route sees it: a body larger than `--max-body` is a 413,
a URL longer than `--max-url` a 414, headers larger than `--max-header-size` a 431, a client that stalls
for `--read-timeout` seconds a 408, and a client that disconnects before its announced body ended is
dropped without an answer, so no handler ever works on a truncated body.
"""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.request_path.asgi import receive_again
from mock_server.request_path.protocol import HEADER_BYTES_KEY, URL_LENGTH_KEY
from mock_server.request_path.journal import JOURNAL_NOTE


@dataclass(frozen=True)
class Limits:
    """What one request may cost: URL, header and body bytes, and seconds to arrive."""

    max_body: int
    max_url: int
    max_headers: int
    read_timeout: float


class _Refusal(Exception):
    """The request breaks a limit; answered with `status` and a short problem body."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


class _Disconnected(Exception):
    """The client went away before its body ended."""


class RequestGuard:
    """ASGI middleware enforcing `Limits`; the wrapped app always receives a complete body."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check_head(scope)
            body = await self._read_body(scope, receive)
        except _Refusal as refusal:
            scope[JOURNAL_NOTE] = {"source": "refused", "errors": [{"location": "request", "field": "", "message": refusal.detail}]}
            await _refuse(send, refusal)
            return
        except _Disconnected:
            scope[JOURNAL_NOTE] = {"source": "dropped"}
            return
        await self.app(scope, receive_again(body, receive), send)

    def _check_head(self, scope: Scope) -> None:
        limits = self.limits
        target = scope.get(URL_LENGTH_KEY) or len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string") or b"")
        if target > limits.max_url:
            raise _Refusal(414, "URI Too Long", f"The request target is {target} bytes; the limit is {limits.max_url} (--max-url)")
        header_bytes = scope.get(HEADER_BYTES_KEY) or sum(len(name) + len(value) + 4 for name, value in scope["headers"])
        if header_bytes > limits.max_headers:
            raise _Refusal(431, "Request Header Fields Too Large",
                           f"The request headers are {header_bytes} bytes; the limit is {limits.max_headers} (--max-header-size)")
        for name, value in scope["headers"]:
            if name == b"content-length" and value.strip().isdigit() and int(value) > limits.max_body:
                raise _too_large(f"announces {int(value)} bytes", limits.max_body)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        announced = any(name in (b"content-length", b"transfer-encoding") for name, _ in scope["headers"])
        deadline = time.monotonic() + self.limits.read_timeout
        chunks: list[bytes] = []
        size = 0
        while True:
            remaining = deadline - time.monotonic()
            try:
                if not announced and not chunks:
                    message: Message = await receive()  # no body announced: the server hands over an empty one at once
                else:
                    message = await asyncio.wait_for(receive(), max(remaining, 0.001))
            except asyncio.TimeoutError:
                raise _Refusal(408, "Request Timeout", f"The request body did not arrive within {self.limits.read_timeout:g} s "
                               f"({size} bytes received; --read-timeout)") from None
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limits.max_body:
                raise _too_large(f"is more than {self.limits.max_body} bytes", self.limits.max_body)
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)


def _too_large(what: str, limit: int) -> _Refusal:
    return _Refusal(413, "Content Too Large", f"The request body {what}; the limit is {limit} bytes (--max-body)")


async def _refuse(send: Send, refusal: _Refusal) -> None:
    """Answer with a short problem body and close the connection (the rest of the request is never read)."""
    body = json.dumps({"type": "about:blank", "title": refusal.title, "status": refusal.status,
                       "detail": refusal.detail}).encode()
    await send({"type": "http.response.start", "status": refusal.status,
                "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
