"""Small ASGI helpers shared by the dispatcher, the recording proxy and the replay middleware."""
from __future__ import annotations

from starlette.types import Message, Receive


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
