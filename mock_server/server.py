"""Run an ASGI app with uvicorn: in the foreground, or in a background thread on a free port."""
from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any, Literal

import uvicorn
from starlette.types import ASGIApp


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class BackgroundServer:
    """`with BackgroundServer(app) as server: httpx.get(server.url + ...)` — uvicorn in a daemon thread."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0, http: Any = "auto",
                 lifespan: Literal["auto", "on", "off"] = "off") -> None:
        self.host = host
        self.port = port  # 0: the OS picks a free port when uvicorn binds (no race with other tests)
        self._server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                                     lifespan=lifespan, access_log=False, http=http,
                                                     ws="none", proxy_headers=False))  # as `flowmock serve`
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:53211."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundServer:
        """Start and wait until it accepts connections (10 s at most)."""
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"server on {self.host}:{self.port} did not start")
            time.sleep(0.01)
        if not self.port:
            self.port = int(self._server.servers[0].sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit (its lifespan shutdown runs) and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(30)  # lifespan shutdown (a last state write) can be slow on a busy machine

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()
