"""uvicorn's HTTP protocol with two limits that ASGI cannot see: a deadline for a request's head, and URLs too long to parse.

A client that opens a connection, or starts a request, and does not finish its request line and headers within
`--read-timeout` seconds gets a 408 and is disconnected (a slow-loris client never holds a connection). A URL
longer than `--max-url`, or headers larger than `--max-header-size`, are not buffered; the request reaches the guard
with the size noted, which answers 414 or 431 (httptools alone cannot parse a URL longer than 64 KB). A request
that arrived whole before it is answered is marked so in its scope: its body needs no read deadline. A response's
head and body leave in one send.
"""
from __future__ import annotations

import asyncio
import weakref
from typing import Any, Protocol

URL_LENGTH_KEY = "flowmock.url_length"  # set in the scope when a URL was too long to keep
HEADER_BYTES_KEY = "flowmock.header_bytes"  # the request headers' size, as counted while they arrived (kept or not)
BODY_COMPLETE_KEY = "flowmock.body_complete"  # set in the scope once the whole request (head and body) has arrived
_HELD_BYTES = 64 * 1024  # a response's writes are sent as one, unless they reach this size


def guarded_protocol(max_url: int, head_timeout: float, max_headers: int) -> Any:
    """A uvicorn `http` protocol class enforcing these limits, or "auto" when httptools is not installed."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - uvicorn falls back to h11, which has its own size limits
        return "auto"

    watches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, HeadWatch] = weakref.WeakKeyDictionary()  # one per loop

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        """HttpToolsProtocol with a head deadline (kept by `watch`), a bounded URL buffer and a whole-body mark."""

        head_since: float | None = None  # loop time the head now awaited began to be awaited; None: not awaiting one
        _url_length = 0
        _header_bytes = 0

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self.held = HeldWrites(transport)
            self.transport = self.held  # type: ignore[assignment]  # what the request cycles write through
            self.head_since = self.loop.time()
            self.watch = watches.get(self.loop) or watches.setdefault(self.loop, HeadWatch(head_timeout))
            self.watch.add(self)

        def connection_lost(self, exc: Exception | None) -> None:
            self.watch.discard(self)
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._url_length = self._header_bytes = 0
            self.head_since = self.loop.time()

        def on_url(self, url: bytes) -> None:
            self._url_length += len(url)
            if self._url_length <= max_url:
                super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._header_bytes += len(name) + len(value) + 4
            if self._header_bytes <= max_headers:
                super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self.head_since = None
            self.scope[HEADER_BYTES_KEY] = self._header_bytes  # type: ignore[literal-required]  # the guard's 431 reads it
            if self._url_length > max_url:
                self.url = b"/"
                self.scope[URL_LENGTH_KEY] = self._url_length  # type: ignore[literal-required]
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self.held.flush()

        def on_message_complete(self) -> None:
            self.scope[BODY_COMPLETE_KEY] = True  # type: ignore[literal-required]
            super().on_message_complete()

        def head_timed_out(self) -> None:
            """Answer 408 and close, unless closed already or a request is being answered (its body has its own deadline)."""
            self.head_since = None
            if self.transport.is_closing() or (self.cycle is not None and not self.cycle.response_complete):
                return
            body = (b'{"type":"about:blank","title":"Request Timeout","status":408,'
                    b'"detail":"The request line and headers did not arrive in time (--read-timeout)"}')
            self.transport.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\n"
                                 b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)
            self.transport.close()

    return GuardedHttpToolsProtocol


class HeldWrites:
    """A connection's transport whose writes are held until the response is complete, then sent as one.

    uvicorn writes a response's head and body separately: two sends, and two wake-ups of the client. Writes are
    joined and sent when the response completes, when the connection closes, when 64 KB are held, or at once for
    a `100 Continue` (the client waits for it before sending its body). Everything else is the transport's.
    """

    __slots__ = ("transport", "held", "size")

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport, self.held, self.size = transport, list[bytes](), 0

    def write(self, data: bytes) -> None:
        """Hold `data` (send it now when the held bytes reach the limit, or it is an interim answer)."""
        if not data:
            return
        self.held.append(data)
        self.size += len(data)
        if self.size >= _HELD_BYTES or data.startswith(b"HTTP/1.1 1"):
            self.flush()

    def flush(self) -> None:
        """Send what is held, as one write."""
        if self.held:
            data = self.held[0] if len(self.held) == 1 else b"".join(self.held)
            self.held, self.size = [], 0
            self.transport.write(data)

    def close(self) -> None:
        """Send what is held, then close."""
        self.flush()
        self.transport.close()

    def is_closing(self) -> bool:
        """Whether the connection is closing (asked after every response)."""
        return self.transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


class _AwaitingHead(Protocol):
    """A connection as the head watch sees it."""

    loop: asyncio.AbstractEventLoop
    head_since: float | None

    def head_timed_out(self) -> None:
        """Give up on the head awaited."""


class HeadWatch:
    """The head deadline of every open connection, kept by one timer a few times per deadline, not one per request.

    A connection notes when it began awaiting a request's head; the watch looks at all of them every quarter of the
    deadline (at most every second) while any is open, so a stalled head is answered 408 between one and one and a
    quarter deadlines after it began.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout, self.tick = timeout, min(1.0, timeout / 4)
        self.connections: set[_AwaitingHead] = set()
        self._timer: asyncio.TimerHandle | None = None

    def add(self, connection: _AwaitingHead) -> None:
        """Watch a new connection (and start looking, if nothing was watched)."""
        self.connections.add(connection)
        if self._timer is None:
            self._timer = connection.loop.call_later(self.tick, self._look, connection.loop)

    def discard(self, connection: _AwaitingHead) -> None:
        """Stop watching a closed connection."""
        self.connections.discard(connection)

    def _look(self, loop: asyncio.AbstractEventLoop) -> None:
        """Time out every head awaited longer than the deadline; look again later while connections are open."""
        now = loop.time()
        for connection in [c for c in self.connections if c.head_since is not None and now - c.head_since >= self.timeout]:
            connection.head_timed_out()
        self._timer = loop.call_later(self.tick, self._look, loop) if self.connections else None
