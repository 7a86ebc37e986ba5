"""uvicorn's HTTP protocol with two limits that ASGI cannot see: a deadline for a request's head, and URLs too long to parse.

A client that opens a connection, or starts a request, and does not finish its request line and headers within
`--read-timeout` seconds gets a 408 and is disconnected (a slow-loris client never holds a connection). A URL
longer than `--max-url`, or headers larger than `--max-header-size`, are not buffered; the request reaches the guard
with the size noted, which answers 414 or 431 (httptools alone cannot parse a URL longer than 64 KB).
"""
from __future__ import annotations

import asyncio
from typing import Any

URL_LENGTH_KEY = "flowmock.url_length"  # set in the scope when a URL was too long to keep
HEADER_BYTES_KEY = "flowmock.header_bytes"  # set in the scope when the headers were too large to keep


def guarded_protocol(max_url: int, head_timeout: float, max_headers: int) -> Any:
    """A uvicorn `http` protocol class enforcing these limits, or "auto" when httptools is not installed."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - uvicorn falls back to h11, which has its own size limits
        return "auto"

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        """HttpToolsProtocol with a head deadline and a bounded URL buffer."""

        _head_timer: asyncio.TimerHandle | None = None
        _url_length = 0
        _header_bytes = 0

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_head_timer()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._url_length = self._header_bytes = 0
            self._arm_head_timer()

        def on_url(self, url: bytes) -> None:
            self._url_length += len(url)
            if self._url_length <= max_url:
                super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._header_bytes += len(name) + len(value) + 4
            if self._header_bytes <= max_headers:
                super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._cancel_head_timer()
            if self._header_bytes > max_headers:
                self.scope[HEADER_BYTES_KEY] = self._header_bytes  # type: ignore[literal-required]
            if self._url_length > max_url:
                self.url = b"/"
                self.scope[URL_LENGTH_KEY] = self._url_length  # type: ignore[literal-required]
            super().on_headers_complete()

        def _arm_head_timer(self) -> None:
            self._cancel_head_timer()
            self._head_timer = self.loop.call_later(head_timeout, self._head_timed_out)

        def _cancel_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if self.transport.is_closing() or (self.cycle is not None and not self.cycle.response_complete):
                return  # closed already, or a request is being answered (its body has its own deadline)
            body = (b'{"type":"about:blank","title":"Request Timeout","status":408,'
                    b'"detail":"The request line and headers did not arrive in time (--read-timeout)"}')
            self.transport.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\n"
                                 b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)
            self.transport.close()

    return GuardedHttpToolsProtocol
