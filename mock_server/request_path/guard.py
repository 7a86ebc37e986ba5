"""The request guard: URL, header and body size limits, a read deadline, and whole bodies only.

Every request is read to its end here, before any route sees it: a body larger than `--max-body` is a 413,
a URL longer than `--max-url` a 414, headers larger than `--max-header-size` a 431, a client that stalls
for `--read-timeout` seconds a 408, and a client that disconnects before its announced body ended is
dropped without an answer, so no handler ever works on a truncated body.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Protocol

from starlette.types import Message, Receive, Scope, Send

from mock_server.request_path.protocol import HEADER_BYTES_KEY, URL_LENGTH_KEY


@dataclass(frozen=True)
class Limits:
    """What one request may cost: URL, header and body bytes, and seconds to arrive."""

    max_body: int
    max_url: int
    max_headers: int
    read_timeout: float


class Refusal(Exception):
    """The request breaks a limit; answered with `status` and a short problem body."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


class Disconnected(Exception):
    """The client went away before its body ended."""


class BodySink(Protocol):
    """Something that sees each chunk of a request body as it arrives (the journal's tap)."""

    def add(self, chunk: bytes) -> None: ...


def check_head(scope: Scope, limits: Limits) -> bool:
    """Refuse a URL, headers or an announced body larger than the limits (Refusal), before any body is read; whether
    the head announces a body (a non-zero Content-Length, or Transfer-Encoding)."""
    target = scope.get(URL_LENGTH_KEY) or len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string") or b"")
    if target > limits.max_url:
        raise Refusal(414, "URI Too Long", f"The request target is {target} bytes; the limit is {limits.max_url} (--max-url)")
    header_bytes = scope.get(HEADER_BYTES_KEY)  # counted by the protocol; another server's headers are counted here
    if header_bytes is None:
        header_bytes = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
    if header_bytes > limits.max_headers:
        raise Refusal(431, "Request Header Fields Too Large",
                      f"The request headers are {header_bytes} bytes; the limit is {limits.max_headers} (--max-header-size)")
    announced = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            length = value.strip()
            if length.isdigit() and int(length) > limits.max_body:
                raise _too_large(f"announces {int(length)} bytes", limits.max_body)
            announced = announced or length not in (b"0", b"")
        elif name == b"transfer-encoding":
            announced = True
    return announced


async def read_whole_body(receive: Receive, limits: Limits, announced: bool, sink: BodySink | None = None,
                          arrived: bool = False) -> bytes:
    """The whole request body, within `--max-body` bytes and `--read-timeout` seconds (Refusal), or Disconnected.

    A request whose head `announced` no body, or that `arrived` whole before this was called, is handed over at once
    by the server: no deadline is armed for it.
    """
    if not announced or arrived:
        chunk, more = _take(await receive(), sink)
        if not more:
            if len(chunk) > limits.max_body:
                raise _too_large(f"is more than {limits.max_body} bytes", limits.max_body)
            return chunk
        return await _read_rest(receive, limits, [chunk], sink)
    return await _read_rest(receive, limits, [], sink)


async def _read_rest(receive: Receive, limits: Limits, chunks: list[bytes], sink: BodySink | None) -> bytes:
    """Read chunks until the body ends, under the read deadline."""
    size = sum(len(c) for c in chunks)
    if size > limits.max_body:
        raise _too_large(f"is more than {limits.max_body} bytes", limits.max_body)
    try:
        async with asyncio.timeout(limits.read_timeout):
            while True:
                chunk, more = _take(await receive(), sink)
                size += len(chunk)
                if size > limits.max_body:
                    raise _too_large(f"is more than {limits.max_body} bytes", limits.max_body)
                chunks.append(chunk)
                if not more:
                    return b"".join(chunks)
    except TimeoutError:
        raise Refusal(408, "Request Timeout", f"The request body did not arrive within {limits.read_timeout:g} s "
                      f"({size} bytes received; --read-timeout)") from None


def _take(message: Message, sink: BodySink | None) -> tuple[bytes, bool]:
    """One body message's bytes (handed to `sink` too) and whether more follow; Disconnected when the client left."""
    if message["type"] == "http.disconnect":
        raise Disconnected
    chunk = message.get("body", b"")
    if sink is not None:
        sink.add(chunk)
    return chunk, bool(message.get("more_body"))


def _too_large(what: str, limit: int) -> Refusal:
    return Refusal(413, "Content Too Large", f"The request body {what}; the limit is {limit} bytes (--max-body)")


def refusal_note(refusal: Refusal) -> dict[str, object]:
    """What the journal notes of a refused request."""
    return {"source": "refused", "errors": [{"location": "request", "field": "", "message": refusal.detail}]}


async def refuse(send: Send, refusal: Refusal) -> None:
    """Answer with a short problem body and close the connection (the rest of the request is never read)."""
    body = json.dumps({"type": "about:blank", "title": refusal.title, "status": refusal.status,
                       "detail": refusal.detail}).encode()
    await send({"type": "http.response.start", "status": refusal.status,
                "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
