"""Per-API domain rules layered over the generic store: one module per bundled API.

A behaviour is a function `(call, default) -> Outcome`: it may inspect or change the call, run
`default(call)` (the generic stateful behaviour) and adjust the outcome, or answer on its own.
Behaviours are registered per spec name and operationId; the engine only looks them up.
"""
from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from mock_server.request_path.crud import Call, Outcome

Default = Callable[[Call], Outcome]
Behaviour = Callable[[Call, Default], Outcome]
Job = Callable[[Call, dict[str, Any]], None]  # work a behaviour scheduled on the clock: (call at its due time, args)

# spec name -> module (in this package) that defines BEHAVIOURS: dict[operationId, Behaviour]
_MODULES = {
    "workflow-definitions": "workflow_definitions",
    "workflow-executions": "workflow_executions",
    "automation": "automation",
    "workspace-workflows": "workspace_workflows",
}


def behaviours_for(spec_name: str) -> dict[str, Behaviour]:
    """The behaviours registered for a spec (empty for specs we know nothing about)."""
    return dict(getattr(_module(spec_name), "BEHAVIOURS", {}))


def jobs_for(spec_name: str) -> dict[str, Job]:
    """The scheduled-work handlers a spec's behaviours registered, by kind (JOBS in its module)."""
    return dict(getattr(_module(spec_name), "JOBS", {}))


def _module(spec_name: str) -> object:
    module_name = _MODULES.get(spec_name)
    if module_name is None:
        return None
    try:
        return import_module(f"{__name__}.{module_name}")
    except ModuleNotFoundError:
        return None
