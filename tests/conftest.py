"""Shared test fixtures: real flowmock servers on free 127.0.0.1 ports."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from mock_server.app import FlowmockApp, create_app
from mock_server.config import ServerConfig
from mock_server.server import BackgroundServer
from tests.browser import BrowserUnavailable, ensure_chromium

TESTS_DIR = Path(__file__).resolve().parent
AUTH = {"Authorization": "Bearer test-token"}


class RunningServer:
    """A started server with its app and an authenticated client."""

    def __init__(self, app: FlowmockApp, server: BackgroundServer) -> None:
        self.app = app
        self.server = server
        self.url = server.url
        self.client = httpx.Client(base_url=server.url, headers=AUTH, timeout=30)


@pytest.fixture
def serve() -> Iterator[Callable[..., RunningServer]]:
    """Factory: `serve(seed=1, specs=(...,))` starts a server that stops after the test."""
    started: list[RunningServer] = []

    def start(**options: object) -> RunningServer:
        options.setdefault("strict_responses", True)
        app = create_app(ServerConfig(**options))  # type: ignore[arg-type]
        server = BackgroundServer(app.asgi, http=app.protocol, lifespan="on").start()
        running = RunningServer(app, server)
        started.append(running)
        return running

    yield start
    for running in started:
        running.client.close()
        running.server.stop()


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of a headless Chromium, installed from the Debian packages when missing; skips only when that fails."""
    try:
        return ensure_chromium()
    except BrowserUnavailable as exc:
        pytest.skip(f"headless-browser tests need Chromium: {exc}")
