"""Workflow Definitions: closing reasons, definitions and flow templates built from the processes of the vocabulary.

A definition is a process with its phases as sections and its steps inside them; a template has the same
phases, one task per step, an automation task running an existing flow, a decision with two branches in every
other template, edges that link the tasks in order and `phase_id`s naming its phases.
"""
from __future__ import annotations

from typing import Any

from mock_server.request_path.wordlists import Process, processes, words
from mock_server.datasets.world import Story, World

SPEC = "workflow-definitions"
AUTOMATION = "automation"
FLOWS = "/v1/automation/flows"
REASONS = "/v1/workflows/closing-reasons"


def _process(world: World, index: int) -> Process:
    catalogue = processes(world.language)
    return catalogue[index % len(catalogue)]


def _reason_ids(world: World, how_many: int) -> list[dict[str, str]]:
    """Distinct closing reasons of the catalogue, active ones first."""
    made = world.made(SPEC, REASONS)
    active = [r["id"] for r in made if r.get("status") != "INACTIVE"]
    chosen = world.rng.sample(active, min(how_many, len(active)))
    return [{"id": ident} for ident in chosen]


def closing_reason(world: World, body: dict[str, Any], index: int) -> dict[str, Any]:
    """A reason of the vocabulary (each once); the sixth is inactive, as a retired reason would be."""
    titles = words(world.language, "reason")
    return {"title": titles[index % len(titles)], "status": "INACTIVE" if index % len(titles) == 5 else "ACTIVE"}


def definition(world: World, body: dict[str, Any], index: int) -> dict[str, Any]:
    """A v1 definition: the process's phases as sections holding its steps (the second opens with an automation)."""
    process, flows = _process(world, index), world.made(AUTOMATION, FLOWS)
    flow: list[dict[str, Any]] = []
    for order, (phase, steps) in enumerate(process.phases, start=1):
        items: list[dict[str, Any]] = [{"name": step, "executionType": "MANUAL"} for step in steps]
        if flows and order == 2:
            chosen = world.rng.choice(flows)
            items.insert(0, {"name": chosen["flow_name"], "executionType": "AUTOMATION", "automationConfig": {"flowId": chosen["id"]}})
        flow.append({"name": phase, "type": "SECTION", "order": order,
                     "steps": [dict(item, type="STEP", order=n) for n, item in enumerate(items, start=1)]})
    shaped = {"name": process.name, "description": process.description, "enabled": index % 5 != 4, "flow": flow,
              "closingReasons": _reason_ids(world, 2 + index % 2),
              "taxonomies": world.rng.sample(words(world.language, "tag"), 2),
              "singleClosingReasonSelection": index % 3 == 0}
    for optional in ("dueDate", "userIds", "assignedTo", "enableECPWorkflow"):
        if optional in body:
            shaped[optional] = body[optional]
    return shaped


def flow_template(world: World, body: dict[str, Any], index: int) -> dict[str, Any]:
    """A v2 template: phases, one task per step linked in order, an automation task after the first and, in every
    other template, a decision before the last two tasks whose unmet branch skips the second-last."""
    process, flows = _process(world, index), world.made(AUTOMATION, FLOWS)
    phases = [{"id": f"phase-{n}", "name": name} for n, (name, _) in enumerate(process.phases, start=1)]
    tasks: list[dict[str, Any]] = [{"name": step, "task_type": "MANUAL", "phase_id": f"phase-{n}"}
                                   for n, (_, steps) in enumerate(process.phases, start=1) for step in steps]
    if flows:
        chosen = world.rng.choice(flows)
        tasks.insert(1, {"name": chosen["flow_name"], "task_type": "AUTOMATION", "phase_id": "phase-1",
                         "automation_config": {"flow_id": chosen["id"]}, "trigger_mode": "manual"})
    decision = index % 2 == 0 and len(tasks) >= 4
    if decision:
        branch = world.rng.choice(words(world.language, "branch"))
        tasks.insert(len(tasks) - 2, {"name": f"{branch}?", "task_type": "DECISION", "phase_id": tasks[-3]["phase_id"],
                                      "trigger_mode": "manual", "conditions": [
                                          {"id": "condition-1", "branch_name": branch, "logical_operator": "AND", "statements": []}]})
    for n, task in enumerate(tasks, start=1):
        task["id"] = f"task-{n}"
    links: list[tuple[str, str, dict[str, Any]]] = [(a["id"], b["id"], {}) for a, b in zip(tasks, tasks[1:], strict=False)]
    if decision:
        choice, then, last = (t["id"] for t in tasks[-3:])
        links = [link for link in links if link[0] != choice] + [(choice, then, {"condition_id": "condition-1"}),
                                                                  (choice, last, {"none_met": True})]
    edges = [{"id": f"edge-{n}", "from_id": a, "to_id": b, **extra} for n, (a, b, extra) in enumerate(links, start=1)]
    shaped: dict[str, Any] = {"name": process.name, "description": process.description, "enabled": index % 4 != 3,
                              "phases": phases, "tasks": tasks, "edges": edges,
                              "taxonomies": world.rng.sample(words(world.language, "tag"), 2)}
    trigger = body.get("trigger")
    shaped["trigger"] = trigger if isinstance(trigger, dict) and trigger.get("type") in ("manual", "automation") \
        else {"type": "manual", "entity_schema": "contact"}
    if body.get("closing_reasons"):
        shaped["closing_reasons"] = _reason_ids(world, 2)
    for optional in ("due_date", "assigned_to", "available_in_ecp"):
        if optional in body:
            shaped[optional] = body[optional]
    return shaped


STORY = Story(shapes={REASONS: closing_reason, "/v1/workflows/definitions": definition, "/v2/flows/templates": flow_template})
