"""Workspace workflows: named after processes (each name once in its workspace), each starting at one of its tasks."""
from __future__ import annotations

from typing import Any

from mock_server.request_path.wordlists import process_title
from mock_server.datasets.world import Story, World

SPEC = "workspace-workflows"
WORKFLOWS = "/api/v2/w/{workspace_uuid}/workflows"


def workflow(world: World, body: dict[str, Any], index: int) -> dict[str, Any]:
    """A workflow named after a process, owned by the world's author and open to every member (use and edit);
    the start task is chosen once its tasks exist (play)."""
    process = process_title(world.language, index)
    shaped = {k: v for k, v in body.items() if k not in ("startTaskId", "ownerId")}
    return {**shaped, "name": process.name, "description": process.description, "permissions": {"use": True, "edit": True}}


async def play(world: World) -> None:
    """Point every workflow's `startTaskId` at its first task (none when it has no tasks)."""
    for base in world.item_paths(SPEC, WORKFLOWS):
        status, found = await world.call("GET", base)
        if status != 200:
            continue
        tasks = found.get("tasks") or []
        start = tasks[0]["id"] if tasks else None
        if found.get("startTaskId") != start:
            await world.call("PUT", base, {"startTaskId": start})


STORY = Story(shapes={WORKFLOWS: workflow}, play=play)
