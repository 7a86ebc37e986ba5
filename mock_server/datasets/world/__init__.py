"""Stories that turn a generated data set into a world that looks lived in: one module per bundled API.

The generic data-set generator (`mock_server.datasets.dataset`) makes every object from its schema. A story, registered
by spec name, may `shape` the request that creates an object of a resource (coherent names, references that
resolve) and then `play` requests against the server the way a client would (work steps and tasks, close
executions, run automations, approve jobs, move the clock) so the world holds objects in every stage.
"""
from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Protocol


class World(Protocol):
    """What a story may do: call the server as a client, move the clock, and look up what exists."""

    rng: random.Random
    fake: Any  # a seeded Faker in the data set's locale
    language: str

    async def call(self, method: str, path: str, body: Any = None, prefer: str | None = None) -> tuple[int, Any]:
        """Send one request through the whole engine; the status and the decoded JSON answer."""
        ...

    def advance(self, seconds: float) -> None:
        """Move the server's clock forward, running whatever became due."""
        ...

    def wait(self, low_hours: int, high_hours: int) -> None:
        """Let some hours pass, as between two pieces of work (scaled down in bigger worlds)."""
        ...

    def made(self, spec: str, resource: str) -> list[dict[str, Any]]:
        """The create answers of a resource's objects, in the order they were made."""
        ...

    def item_paths(self, spec: str, resource: str) -> list[str]:
        """The URL paths of a resource's objects (parents filled in), in the order they were made."""
        ...


Shape = Callable[[World, dict[str, Any], int], dict[str, Any]]  # (world, generated body, index) -> body to send
Play = Callable[[World], Awaitable[None]]


@dataclass(frozen=True)
class Story:
    """How one API's objects are shaped when created, and what is played on them afterwards."""

    shapes: dict[str, Shape] = field(default_factory=dict)  # resource -> shape
    play: Play | None = None


# spec name -> module (in this package) defining STORY; plays run in this order (an API's play may use the ones before)
_MODULES = {
    "workflow-definitions": "workflow_definitions",
    "workflow-executions": "workflow_executions",
    "workspace-workflows": "workspace_workflows",
    "automation": "automation",
}


def story_for(spec_name: str) -> Story:
    """The story registered for a spec (an empty one for specs we know nothing about)."""
    module_name = _MODULES.get(spec_name)
    if module_name is None:
        return Story()
    return getattr(import_module(f"{__name__}.{module_name}"), "STORY", Story())


def play_order(spec_names: list[str]) -> list[str]:
    """The served specs in the order their plays run."""
    known = [name for name in _MODULES if name in spec_names]
    return known + sorted(name for name in spec_names if name not in _MODULES)
