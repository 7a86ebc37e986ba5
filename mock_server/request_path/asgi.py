"""Small ASGI helpers shared by the dispatcher, the recording proxy, the replay middleware and the exposure guards."""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(slots=True)
class Reply:
    """A whole answer: status, raw headers (Content-Length included) and body."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def reply_of(status: int, body: bytes, headers: dict[str, str]) -> Reply:
    """A Reply from headers given as a dict; Content-Length is added."""
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    return Reply(status, raw, body)


async def send_reply(send: Send, reply: Reply) -> None:
    """Send a whole answer."""
    await send({"type": "http.response.start", "status": reply.status, "headers": reply.headers})
    await send({"type": "http.response.body", "body": reply.body})


async def read_body(receive: Receive) -> bytes:
    """Read a request body to its end."""
    chunks = []
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def receive_again(body: bytes, receive: Receive | None = None) -> Receive:
    """A `receive` that hands an already-read body to the next app once, then defers to `receive` (or disconnects)."""
    given = [False]

    async def again() -> Message:
        if not given[0]:
            given[0] = True
            return {"type": "http.request", "body": body, "more_body": False}
        if receive is not None:
            return await receive()
        return {"type": "http.disconnect"}

    return again


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header (lower-case `name`), or None."""
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def send_problem(send: Send, status: int, title: str, detail: str, kind: str, headers: dict[str, str] | None = None) -> None:
    """Answer with an RFC 7807 problem whose type ends in `kind`."""
    payload = {"type": f"https://flowmock.dev/problems/{kind}", "title": title, "status": status, "detail": detail}
    body = json.dumps(payload).encode()
    raw = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


Hook = Callable[[], Awaitable[None]]


class Lifespan:
    """Answers the ASGI lifespan protocol itself (start-up and shutdown hooks) and passes every other scope on."""

    def __init__(self, app: ASGIApp, on_startup: list[Hook], on_shutdown: list[Hook]) -> None:
        self.app, self.on_startup, self.on_shutdown = app, on_startup, on_shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for hook in self.on_startup:
                    await hook()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for hook in self.on_shutdown:
                    await hook()
                await send({"type": "lifespan.shutdown.complete"})
                return
