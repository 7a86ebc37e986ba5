"""Automation: named flows of three or more actions, executions that succeeded, failed, paused or still run, and
bulk jobs finished, cancelled, waiting for approval and half way through."""
from __future__ import annotations

import copy
from typing import Any

from mock_server.request_path.wordlists import words
from mock_server.datasets.world import Story, World

SPEC = "automation"
FLOWS = "/v1/automation/flows"
EXECUTIONS = "/v1/automation/executions"
BULK_JOBS = "/v1/automation/executions/bulk-jobs"
ENTITY_SCHEMAS = ("contact", "contract", "opportunity", "meter")
MIN_ACTIONS = 3
RUN_STATE = ("execution_status", "started_at", "updated_at", "outputs", "error_output", "retry_strategy", "iterations",
             "flow_action_id")  # what an action of a run has, and an action of a flow has not


def flow(world: World, body: dict[str, Any], index: int) -> dict[str, Any]:
    """A flow named from the vocabulary with at least three named actions, for one entity schema; its actions carry
    no run state and name only conditions, schedules and loops the flow has."""
    names = words(world.language, "automation")
    actions = [a for a in body.get("actions") or [] if isinstance(a, dict)][:5]
    while actions and len(actions) < MIN_ACTIONS:
        clone = copy.deepcopy(actions[len(actions) % len(actions)])
        clone.pop("id", None)
        actions.append(clone)
    scopes = {key: [item["id"] for item in body.get(plural) or [] if isinstance(item, dict) and item.get("id")]
              for key, plural in (("condition_id", "conditions"), ("schedule_id", "schedules"), ("loop_id", "loops"))}
    for n, action in enumerate(actions):
        for state in RUN_STATE:
            action.pop(state, None)
        for key, known in scopes.items():  # an action names a condition, schedule or loop of its own flow, or none
            if action.get(key) not in known:
                action.pop(key, None)
        if n == len(actions) - 1 and scopes["schedule_id"]:
            action["schedule_id"] = scopes["schedule_id"][0]
        action["name"] = world.rng.choice(words(world.language, "action"))
    for condition in body.get("conditions") or []:
        if isinstance(condition, dict) and condition.get("schedule_id") not in scopes["schedule_id"]:
            condition.pop("schedule_id", None)
    enabled = index % 6 != 5
    shaped = {**body, "flow_name": names[index % len(names)], "entity_schema": ENTITY_SCHEMAS[index % len(ENTITY_SCHEMAS)],
              "enabled": enabled, "actions": actions}
    if enabled or not isinstance(body.get("disable_details"), dict):
        shaped.pop("disable_details", None)
    else:
        shaped["disable_details"] = {**body["disable_details"], "disabled_by": "user"}
    return shaped


def execution(world: World, body: dict[str, Any], index: int) -> dict[str, Any]:
    """A plain run of a flow for one entity (runs started by flow executions are made by their tasks)."""
    return {"flow_id": body["flow_id"], "entity_id": body["entity_id"]}


def bulk_job(world: World, body: dict[str, Any], index: int) -> dict[str, Any]:
    """A bulk run of a flow for two to four referenced entities."""
    flows = {f["id"]: f for f in world.made(SPEC, FLOWS)}
    schema = flows.get(body.get("flow_id"), {}).get("entity_schema") or ENTITY_SCHEMAS[0]
    refs = [{"entity_id": f"{schema}-{1000 + index * 10 + n}", "entity_schema": schema} for n in range(2 + index % 3)]
    return {"flow_id": body["flow_id"], "entities_refs": refs}


async def play(world: World) -> None:
    """Let every run so far finish; then make runs fail and pause, run bulk jobs, and leave a few running."""
    world.advance(60)
    flows = [f for f in world.made(SPEC, FLOWS) if len(f.get("actions") or []) >= 2]
    jobs = world.made(SPEC, BULK_JOBS)
    for n, job in enumerate(jobs):
        stage = n % 4  # 0 finished, 1 cancelled, 2 left in approval, 3 half way (below)
        if stage == 0:
            await world.call("PATCH", f"{BULK_JOBS}/{job['job_id']}", {"action": "APPROVE", "task_token": job["task_token"]})
        elif stage == 1:
            await world.call("PATCH", f"{BULK_JOBS}/{job['job_id']}", {"action": "CANCEL", "task_token": job["task_token"]})
    for n, chosen in enumerate(flows[:4]):
        plan = "fail-at=2" if n % 2 == 0 else "pause-at=2"
        await world.call("POST", EXECUTIONS, {"flow_id": chosen["id"], "entity_id": f"{chosen.get('entity_schema')}-{2000 + n}"},
                         prefer=plan)
    world.advance(120)
    waiting = [job for n, job in enumerate(jobs) if n % 4 == 3]
    if waiting:  # half way: approved, its executions just started
        job = waiting[0]
        await world.call("PATCH", f"{BULK_JOBS}/{job['job_id']}", {"action": "APPROVE", "task_token": job["task_token"]})
    for n, chosen in enumerate(flows[-2:]):
        await world.call("POST", EXECUTIONS, {"flow_id": chosen["id"], "entity_id": f"{chosen.get('entity_schema')}-{3000 + n}"})
    world.advance(2)


STORY = Story(shapes={FLOWS: flow, EXECUTIONS: execution, BULK_JOBS: bulk_job}, play=play)
