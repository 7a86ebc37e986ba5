"""Workflow Executions: v1 executions and v2 flow executions for named customers, in every stage.

Executions are worked as a user would: steps and tasks completed one after another over hours, decisions taken,
automation tasks run and reconciled, executions marked done or closed with one of their closing reasons.
By position: started, half done, done, closed (then again).
"""
from __future__ import annotations

from typing import Any

from mock_server.datasets.world import Story, World

EXECUTIONS = "/v1/workflows/executions"
FLOW_EXECUTIONS = "/v2/flows/executions"
SPEC = "workflow-executions"
STAGES = ("started", "half done", "done", "closed")
FINISHED = ("COMPLETED", "SKIPPED")


def _customer(world: World, index: int) -> tuple[str, str]:
    return f"contact-{100 + index}", str(world.fake.name())


def execution(world: World, body: dict[str, Any], index: int) -> dict[str, Any]:
    """A v1 execution of a definition for one customer."""
    entity, title = _customer(world, index)
    shaped = {"workflowId": body["workflowId"], "contexts": [{"id": entity, "title": title, "schema": "contact"}]}
    if "trigger" in body:
        shaped["trigger"] = body["trigger"]
    return shaped


def flow_execution(world: World, body: dict[str, Any], index: int) -> dict[str, Any]:
    """A v2 flow execution of a template for one customer."""
    entity, _ = _customer(world, index)
    return {"flow_template_id": body["flow_template_id"],
            "contexts": [{"entity_id": entity, "entity_schema": "contact", "is_primary": True}]}


def _steps(execution: dict[str, Any]) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    for item in execution.get("flow") or []:
        steps.extend(item.get("steps") or [] if item.get("type") == "SECTION" else [item])
    return steps


async def _work_v1(world: World, ident: str, stage: str) -> None:
    status, found = await world.call("GET", f"{EXECUTIONS}/{ident}")
    if status != 200:
        return
    steps = _steps(found)
    done = {"started": 0, "half done": len(steps) // 2, "done": len(steps), "closed": len(steps) - 1}[stage]
    for step in steps[:done]:
        world.wait(1, 20)
        await world.call("PATCH", f"{EXECUTIONS}/{ident}/steps/{step['id']}", {"status": "COMPLETED"})
    if stage == "half done" and len(steps) > done:
        await world.call("PATCH", f"{EXECUTIONS}/{ident}/steps/{steps[done]['id']}", {"status": "IN_PROGRESS"})
    if stage in ("done", "closed"):
        world.wait(1, 8)
        _, reasons = await world.call("GET", f"{EXECUTIONS}/{ident}/closing-reasons")
        chosen = [{"id": r["id"], "title": r.get("title") or r["id"]} for r in (reasons or {}).get("reasons", [])[:1]]
        await world.call("PATCH", f"{EXECUTIONS}/{ident}", {"status": "DONE" if stage == "done" else "CLOSED",
                                                             "selectedClosingReasons": chosen})


async def _finish_task(world: World, ident: str, task: dict[str, Any]) -> None:
    """Complete one ready task the way its type asks: run and reconcile an automation, take a decision."""
    base = f"{FLOW_EXECUTIONS}/{ident}/tasks/{task['id']}"
    if task.get("task_type") == "AUTOMATION":
        status, _ = await world.call("POST", f"{base}/automation:run")
        if status == 200:
            world.advance(60)
            status, _ = await world.call("POST", f"{base}/reconcile-automation")
            if status == 200:
                return
    patch: dict[str, Any] = {"status": "COMPLETED"}
    conditions = task.get("conditions") or []
    if task.get("task_type") == "DECISION" and conditions and world.rng.random() < 0.5:
        patch["next_condition_id"] = conditions[0]["id"]
    await world.call("PATCH", base, patch)


async def _work_v2(world: World, ident: str, stage: str) -> None:
    status, found = await world.call("GET", f"{FLOW_EXECUTIONS}/{ident}")
    if status != 200:
        return
    total = len(found.get("tasks") or [])
    wanted = {"started": 0, "half done": total // 2, "done": total, "closed": 1}[stage]
    for _ in range(total):
        tasks = found.get("tasks") or []
        finished = sum(t.get("status") in FINISHED for t in tasks)
        ready = [t for t in tasks if t.get("status") == "PENDING"]
        if finished >= wanted or not ready or found.get("status") in ("DONE", "CLOSED"):
            break
        world.wait(1, 20)
        await _finish_task(world, ident, ready[0])
        _, found = await world.call("GET", f"{FLOW_EXECUTIONS}/{ident}")
    if stage == "closed":
        world.wait(1, 8)
        await world.call("PATCH", f"{FLOW_EXECUTIONS}/{ident}", {"status": "CLOSED"})


async def play(world: World) -> None:
    """Bring the executions to their stages, by position: started, half done, done, closed."""
    for n, made in enumerate(world.made(SPEC, EXECUTIONS)):
        await _work_v1(world, made["id"], STAGES[n % len(STAGES)])
    for n, made in enumerate(world.made(SPEC, FLOW_EXECUTIONS)):
        await _work_v2(world, made["id"], STAGES[n % len(STAGES)])


STORY = Story(shapes={EXECUTIONS: execution, FLOW_EXECUTIONS: flow_execution}, play=play)
