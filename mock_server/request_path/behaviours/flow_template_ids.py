"""Fresh ids for a copy of a flow template: its triggers, phases, tasks, decision branches and edges, references following."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

# which kinds of object a reference field may point at, in order of preference
_POINTS_AT = {
    "from_id": ("tasks", "triggers", "phases"),
    "to_id": ("tasks", "phases"),
    "task_id": ("tasks",),
    "task_template_id": ("tasks",),
    "phase_id": ("phases",),
    "phase_template_id": ("phases",),
    "condition_id": ("conditions",),
    "loop_branch_id": ("conditions",),
    "exit_branch_id": ("conditions",),
}


def renew_template_ids(template: dict[str, Any], new_id: Callable[[], str]) -> dict[str, dict[str, str]]:
    """Give every identified part of `template` a new id in place and remap the references; returns old → new per kind."""
    kinds: dict[str, dict[str, str]] = {"triggers": {}, "phases": {}, "tasks": {}, "conditions": {}, "edges": {}}
    triggers = [template.get("trigger"), *(template.get("additional_triggers") or [])]
    for trigger in triggers:
        _renew(trigger, kinds["triggers"], new_id)
    for phase in template.get("phases") or []:
        _renew(phase, kinds["phases"], new_id)
    for task in template.get("tasks") or []:
        _renew(task, kinds["tasks"], new_id)
        for condition in (task.get("conditions") or []) if isinstance(task, dict) else []:
            _renew(condition, kinds["conditions"], new_id)
    for edge in template.get("edges") or []:
        _renew(edge, kinds["edges"], new_id)
    _follow(template, kinds)
    return kinds


def _renew(part: Any, mapping: dict[str, str], new_id: Callable[[], str]) -> None:
    if not isinstance(part, dict):
        return
    old, part["id"] = part.get("id"), new_id()
    if old is not None:
        mapping.setdefault(str(old), part["id"])


def _follow(value: Any, kinds: dict[str, dict[str, str]]) -> None:
    """Rewrite reference fields (edges' ends, phase and task ids, branch ids, a schedule's task reference) anywhere inside."""
    if isinstance(value, list):
        for item in value:
            _follow(item, kinds)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if key in _POINTS_AT and isinstance(item, str):
            value[key] = next((kinds[k][item] for k in _POINTS_AT[key] if item in kinds[k]), item)
        elif key == "reference" and isinstance(item, dict) and item.get("origin") == "task_completed":
            item["id"] = kinds["tasks"].get(str(item.get("id")), item.get("id"))
        else:
            _follow(item, kinds)
