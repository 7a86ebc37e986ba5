"""The one ASGI callable every request enters: exposure, CORS, limits, journal and dispatch, in sequence, as plain calls."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.request_path.asgi import Reply, receive_again, send_problem
from mock_server.request_path.cors import ApiCors
from mock_server.request_path.exposure import Exposure, is_admin_path, is_inspector_path
from mock_server.request_path.guard import Disconnected, Limits, Refusal, check_head, read_whole_body, refusal_note, refuse
from mock_server.request_path.journal import JOURNAL_NOTE
from mock_server.request_path.journaling import Journaling, Tap
from mock_server.request_path.protocol import BODY_COMPLETE_KEY

_READ_ONLY = ("GET", "HEAD", "OPTIONS")  # methods that never change the store (the state file is not told of them)


class Dispatch(Protocol):
    """Answers the mocked APIs' requests from their whole body; other paths are left to an ASGI app."""

    def answers(self, path: str) -> bool:
        """Whether `reply` answers requests to `path`."""

    async def reply(self, scope: Scope, body: bytes) -> Reply:
        """The whole answer to a request whose body was read."""


class FrontDoor:
    """Checks, reads, answers and journals every HTTP request in one pass.

    In order: the Host (and, for the admin API, origin and token) check; the inspector page; CORS for the mocked APIs
    (preflights, writes from origins not allowed); the URL, header and body limits with the whole body read; then the
    answer, from `dispatch` when it answers the path, else from `app` (admin API, docs pages, replayed cassettes) as
    an ASGI app; the journal entry and the state file's change notice last.
    """

    def __init__(self, exposure: Exposure, cors: ApiCors, limits: Limits, journaling: Journaling, dispatch: Dispatch | None,
                 app: ASGIApp, inspector: ASGIApp, on_change: Callable[[], None] | None = None) -> None:
        self.exposure, self.cors, self.limits, self.journaling = exposure, cors, limits, journaling
        self.dispatch, self.app, self.inspector, self.on_change = dispatch, app, inspector, on_change

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host, origin = host_and_origin(scope)
        refusal = self.exposure.refusal(scope, host)
        if refusal is not None:
            status, title, detail, kind, headers = refusal
            await send_problem(send, status, title, detail, kind, headers)
            return
        path: str = scope["path"]
        if is_admin_path(path):
            origin = None  # the admin API never answers other origins (checked above), so it gives no CORS headers
            if is_inspector_path(path):
                await self.inspector(scope, receive, send)
                return
        elif origin is not None:
            allowed = self.cors.allows(origin, host)
            if await self.cors.answered(scope, send, origin, allowed):
                return
            origin = origin if allowed else None  # a read from an origin not allowed: no CORS headers, the page cannot read it
        changes = self.on_change is not None and scope["method"] not in _READ_ONLY
        outgoing = _Outgoing(send, origin, self.journaling.tap() if self.journaling.keeps(path) else None,
                             self.on_change if changes else None)
        started = time.perf_counter()
        try:
            await self._exchange(scope, receive, outgoing)
        finally:
            if outgoing.request is not None and outgoing.response is not None:
                self.journaling.record(scope, started, outgoing.request, outgoing.status, outgoing.headers, outgoing.response)
            if changes and self.on_change is not None:
                self.on_change()

    async def _exchange(self, scope: Scope, receive: Receive, outgoing: _Outgoing) -> None:
        """Read the whole body within the limits, then answer."""
        try:
            announced = check_head(scope, self.limits)
            body = await read_whole_body(receive, self.limits, announced, outgoing.request, BODY_COMPLETE_KEY in scope)
        except Refusal as refusal:
            scope[JOURNAL_NOTE] = refusal_note(refusal)
            await refuse(outgoing, refusal)
            return
        except Disconnected:
            scope[JOURNAL_NOTE] = {"source": "dropped"}
            return
        if self.dispatch is not None and self.dispatch.answers(scope["path"]):
            reply = await self.dispatch.reply(scope, body)
            await outgoing.send_head(reply.status, reply.headers)
            await outgoing.send_body(reply.body)
            return
        await self.app(scope, receive_again(body, receive), outgoing)


def host_and_origin(scope: Scope) -> tuple[str | None, str | None]:
    """The first Host and Origin header values of a request, in one pass over its headers."""
    host = origin = None
    for name, value in scope["headers"]:
        name = name.lower()
        if name == b"host" and host is None:
            host = bytes(value).decode("latin-1")
        elif name == b"origin" and origin is None:
            origin = bytes(value).decode("latin-1")
    return host, origin


class _Outgoing:
    """The answer on its way out: noted for the journal, told to the state file, given CORS headers for an allowed origin."""

    __slots__ = ("send", "origin", "request", "response", "status", "headers", "on_change")

    def __init__(self, send: Send, origin: str | None, request: Tap | None, on_change: Callable[[], None] | None) -> None:
        self.send, self.origin, self.on_change = send, origin, on_change
        self.request = request  # None: not journaled
        self.response = Tap(request.limit) if request is not None else None
        self.status, self.headers = 0, list[tuple[bytes, bytes]]()

    async def send_head(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        """Send the status and headers (the journal keeps them as the answer had them, before CORS)."""
        self.status, self.headers = status, headers
        if self.on_change is not None:
            self.on_change()
        if self.origin is not None:
            headers = ApiCors.with_headers(headers, self.origin)
        await self.send({"type": "http.response.start", "status": status, "headers": headers})

    async def send_body(self, body: bytes) -> None:
        """Send the whole body."""
        if self.response is not None:
            self.response.add(body)
        await self.send({"type": "http.response.body", "body": body})

    async def __call__(self, message: Message) -> None:
        """The ASGI `send` of an app answering through the front door."""
        if message["type"] == "http.response.start":
            self.status, self.headers = message["status"], list(message.get("headers", []))
            if self.on_change is not None:
                self.on_change()
            if self.origin is not None:
                message = dict(message, headers=ApiCors.with_headers(message.get("headers", []), self.origin))
        elif message["type"] == "http.response.body" and self.response is not None:
            self.response.add(message.get("body", b""))
        await self.send(message)
